//! The worker that drains the text rows of the outbox. Claiming, leases,
//! backoff and giving up are the e-mail worker's, per channel.

use sea_orm::{DatabaseConnection, DbErr};
use time::OffsetDateTime;

use super::Channel;
use super::transport::{OutgoingText, SmsTransport};
use crate::mail::worker::{claim, mark_sent, record_failure};
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
            match transport.send(&OutgoingText::from_outbox(&row)).await {
                Ok(()) => {
                    mark_sent(db, &row, now).await?;
                    report.sent += 1;
                }
                Err(e) => {
                    if record_failure(db, &row, lease, now, &e).await? {
                        report.failed += 1;
                    } else {
                        report.retrying += 1;
                    }
                }
            }
        }
    }
    Ok(report)
}
