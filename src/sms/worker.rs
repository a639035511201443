//! The worker that drains the text rows of the outbox. Claiming, leases,
//! backoff and giving up are the e-mail worker's, per channel.

use sea_orm::{DatabaseConnection, DbErr};
use time::OffsetDateTime;

use super::Channel;
use super::transport::{OutgoingText, SmsTransport};
use crate::mail::worker::{claim, settle};
use crate::mail::{DrainReport, db_time};

/// Claims the text rows due at `now` on every channel, sends each through
/// `transport`, and records the outcome as the e-mail worker does.
///
/// # Errors
/// A database error while claiming or recording a result.
pub async fn drain_once(
    db: &DatabaseConnection,
    transport: &SmsTransport,
    now: OffsetDateTime,
) -> Result<DrainReport, DbErr> {
    let now = db_time(now);
    let mut report = DrainReport::default();
    for channel in Channel::ALL {
        let (rows, lease, exhausted) = claim(db, now, channel.as_str()).await?;
        report.claimed += rows.len();
        report.failed += exhausted;
        for row in rows {
            let outcome = transport.send(&OutgoingText::from_outbox(&row)).await;
            settle(db, &row, lease, now, outcome, &mut report).await?;
        }
    }
    Ok(report)
}
