//! Sends the text-message (SMS/WhatsApp) outbox.

use sea_orm::DatabaseConnection;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::mail::worker::{BATCH_SIZE, POLL_INTERVAL};
use crate::sms::SmsTransport;
use crate::sms::worker::drain_once;

/// Runs the text worker until `shutdown` turns `true`.
pub fn spawn(
    db: DatabaseConnection,
    transport: SmsTransport,
    shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tracing::info!(transport = %transport.describe(), "text message transport");
    let transport = std::sync::Arc::new(transport);
    super::draining("sms", POLL_INTERVAL, shutdown, move || {
        let (db, transport) = (db.clone(), std::sync::Arc::clone(&transport));
        async move {
            match drain_once(&db, &transport, OffsetDateTime::now_utc()).await {
                Ok(report) => report.claimed as u64 >= BATCH_SIZE,
                Err(e) => {
                    tracing::error!(error = %e, "text worker could not drain the outbox");
                    false
                }
            }
        }
    })
}
