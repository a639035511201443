//! Sends the mail outbox.

use sea_orm::DatabaseConnection;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::mail::worker::{BATCH_SIZE, POLL_INTERVAL, drain_once};
use crate::mail::{Mailbox, Transport};

/// Runs the mail worker until `shutdown` turns `true` (or its sender is dropped).
pub fn spawn(
    db: DatabaseConnection,
    transport: Transport,
    from: Mailbox,
    shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tracing::info!(transport = %transport.describe(), "mail transport");
    let transport = std::sync::Arc::new(transport);
    super::draining("mail", POLL_INTERVAL, shutdown, move || {
        let (db, transport, from) = (db.clone(), std::sync::Arc::clone(&transport), from.clone());
        async move {
            match drain_once(&db, &transport, &from, OffsetDateTime::now_utc()).await {
                Ok(report) => report.claimed as u64 >= BATCH_SIZE,
                Err(e) => {
                    tracing::error!(error = %e, "mail worker could not drain the outbox");
                    false
                }
            }
        }
    })
}
