//! The background worker: claims due outbox rows, sends them, records the result.
//!
//! Claiming flips rows to `sending` with a lease (`claimed_until`) in a short
//! transaction; sending happens outside any transaction. On PostgreSQL the claim
//! uses `FOR UPDATE SKIP LOCKED`, so several server instances share the queue
//! without waiting on each other; on SQLite the claim runs in a `BEGIN
//! IMMEDIATE` transaction, which serialises writers. A worker that dies while
//! sending leaves its rows in `sending`; once the lease expires another worker
//! claims them again. `sent` rows are never claimed.

use std::time::Duration;

use lettre::message::Mailbox;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use time::OffsetDateTime;

use super::db_time;
use super::transport::{OutgoingMail, SendError, Transport};
use crate::db::entities::mail_outbox::{self, Column, Entity};
use crate::db::{WriteTx, begin_write};
use crate::domain::delivery::Delivery;

/// Tries before a message is marked `failed`.
pub const MAX_ATTEMPTS: i32 = 8;
/// Rows claimed per round trip.
pub const BATCH_SIZE: u64 = 16;
/// How long a claim holds: far longer than a batch takes with a responsive relay.
/// If a very slow relay makes a batch outlast it, another worker may claim and
/// send the same rows; the duplicate carries the same Message-ID.
pub const LEASE: Duration = Duration::from_secs(15 * 60);
/// How often an idle worker looks for due mail.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);
/// The first retry delay; each further failure doubles it.
pub const BACKOFF_BASE: Duration = Duration::from_secs(30);
/// The longest wait between two tries.
pub const BACKOFF_MAX: Duration = Duration::from_secs(60 * 60);

/// The wait before the next try after `attempts` failed tries:
/// 30 s × 2^attempts (1 min, 2 min, 4 min, …), at most one hour.
pub fn backoff(attempts: u32) -> Duration {
    BACKOFF_BASE
        .checked_mul(2u32.saturating_pow(attempts))
        .map_or(BACKOFF_MAX, |d| d.min(BACKOFF_MAX))
}

/// What one [`drain_once`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Rows claimed.
    pub claimed: usize,
    /// Handed to the transport and marked `sent`.
    pub sent: usize,
    /// Failed this time; back to `pending` for a later try.
    pub retrying: usize,
    /// Given up: marked `failed`.
    pub failed: usize,
}

/// Claims the rows due at `now`, sends each through `transport` with `from` as
/// sender, and marks it `sent`, schedules a retry after [`backoff`], or marks it
/// `failed` after [`MAX_ATTEMPTS`] tries or a permanent rejection.
///
/// # Errors
/// A database error while claiming or recording a result. A row whose result
/// could not be recorded stays claimed and is retried after its lease.
pub async fn drain_once(
    db: &DatabaseConnection,
    transport: &Transport,
    from: &Mailbox,
    now: OffsetDateTime,
) -> Result<DrainReport, DbErr> {
    let now = db_time(now);
    let (rows, lease, exhausted) = claim(db, now, "email").await?;
    let mut report = DrainReport {
        claimed: rows.len(),
        failed: exhausted,
        ..DrainReport::default()
    };
    for row in rows {
        let outcome = match OutgoingMail::from_outbox(&row, from) {
            Ok(msg) => transport.send(&msg).await,
            Err(e) => Err(e),
        };
        settle(db, &row, lease, now, outcome, &mut report).await?;
    }
    Ok(report)
}

/// Records what became of a claimed row, for any channel's transport: `sent`,
/// back to `pending` for a later try, or given up, and counts it in `report`.
/// The record takes its turn among the other writers (`db::begin_write`):
/// written beside them, it waited in SQLite's busy handler, and they behind it.
pub(crate) async fn settle(
    db: &DatabaseConnection,
    row: &mail_outbox::Model,
    lease: OffsetDateTime,
    now: OffsetDateTime,
    outcome: Result<(), SendError>,
    report: &mut DrainReport,
) -> Result<(), DbErr> {
    let tx = begin_write(db).await?;
    match outcome {
        Ok(()) => {
            mark_sent(&tx, row, now).await?;
            tx.commit().await?;
            report.sent += 1;
        }
        Err(e) => {
            let given_up = record_failure(&tx, row, lease, now, &e).await?;
            tx.commit().await?;
            if given_up {
                report.failed += 1;
            } else {
                report.retrying += 1;
            }
        }
    }
    Ok(())
}

/// Flips up to [`BATCH_SIZE`] due rows of `channel` to `sending` and returns
/// them with the lease they hold, plus how many interrupted rows were given up
/// on. Each channel has its own worker and transport.
pub(crate) async fn claim(
    db: &DatabaseConnection,
    now: OffsetDateTime,
    channel: &str,
) -> Result<(Vec<mail_outbox::Model>, OffsetDateTime, usize), DbErr> {
    let lease = now + LEASE;
    let txn = begin_write(db).await?;
    let due = Condition::any()
        .add(
            Condition::all()
                .add(Column::Status.eq(Delivery::Pending))
                .add(Column::NextAttemptAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(Column::Status.eq(Delivery::Sending))
                .add(Column::ClaimedUntil.lte(now)),
        );
    let mut query = Entity::find()
        .filter(due)
        .filter(Column::Channel.eq(channel))
        .order_by_asc(Column::NextAttemptAt)
        .order_by_asc(Column::Id)
        .limit(BATCH_SIZE);
    if db.get_database_backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = query.all(&txn).await?;
    if rows.is_empty() {
        txn.commit().await?;
        return Ok((rows, lease, 0));
    }

    // A row whose every try was interrupted (the worker died mid-send each time)
    // would otherwise be claimed forever.
    let (exhausted, rows): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|r| r.attempts >= MAX_ATTEMPTS);
    if !exhausted.is_empty() {
        Entity::update_many()
            .col_expr(Column::Status, Expr::value(Delivery::Failed))
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(Option::<OffsetDateTime>::None),
            )
            .col_expr(
                Column::LastError,
                Expr::value(format!(
                    "gave up after {MAX_ATTEMPTS} attempts; the last one was interrupted"
                )),
            )
            .filter(Column::Id.is_in(exhausted.iter().map(|r| r.id)))
            .exec(&txn)
            .await?;
        for r in &exhausted {
            tracing::error!(outbox.id = %r.id, mail.template = %r.template, attempts = r.attempts, "mail failed: every attempt was interrupted");
        }
    }
    if !rows.is_empty() {
        // Counting the try at claim time means an interrupted try counts too.
        Entity::update_many()
            .col_expr(Column::Status, Expr::value(Delivery::Sending))
            .col_expr(Column::ClaimedUntil, Expr::value(lease))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .filter(Column::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;

    let rows = rows
        .into_iter()
        .map(|mut r| {
            if r.status == Delivery::Sending {
                tracing::warn!(outbox.id = %r.id, mail.template = %r.template, "reclaiming mail whose worker stopped mid-send; it may arrive twice");
            }
            r.status = Delivery::Sending;
            r.claimed_until = Some(lease);
            r.attempts += 1;
            r
        })
        .collect();
    Ok((rows, lease, exhausted.len()))
}

/// The stored template name of the erasure notice.
const ERASURE_NOTICE: &str = "erasure_notice";

async fn mark_sent(
    db: &WriteTx,
    row: &mail_outbox::Model,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    // Recorded even if our lease ran out meanwhile: the message did go out, and
    // `sent` keeps anyone from sending it again.
    let mut update = Entity::update_many();
    if row.template == ERASURE_NOTICE {
        // The last mail to an applicant whose data were erased: once it is
        // out, its address and text are not kept either.
        for c in [
            Column::ToAddress,
            Column::ToName,
            Column::BodyText,
            Column::BodyHtml,
        ] {
            update = update.col_expr(c, Expr::value(""));
        }
    }
    update
        .col_expr(Column::Status, Expr::value(Delivery::Sent))
        .col_expr(Column::SentAt, Expr::value(now))
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(Column::Id.eq(row.id))
        .filter(Column::Status.ne(Delivery::Sent))
        .exec(db)
        .await?;
    tracing::info!(outbox.id = %row.id, mail.template = %row.template, attempts = row.attempts, "mail sent");
    Ok(())
}

/// Records a failed try. Returns whether the message was given up on.
async fn record_failure(
    db: &WriteTx,
    row: &mail_outbox::Model,
    lease: OffsetDateTime,
    now: OffsetDateTime,
    error: &SendError,
) -> Result<bool, DbErr> {
    let attempts = row.attempts;
    let give_up = error.is_permanent() || attempts >= MAX_ATTEMPTS;
    let mut update = Entity::update_many()
        .col_expr(Column::LastError, Expr::value(error.to_string()))
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<OffsetDateTime>::None),
        );
    if give_up {
        update = update.col_expr(Column::Status, Expr::value(Delivery::Failed));
    } else {
        let wait = backoff(u32::try_from(attempts).unwrap_or(0));
        update = update
            .col_expr(Column::Status, Expr::value(Delivery::Pending))
            .col_expr(Column::NextAttemptAt, Expr::value(now + wait));
    }
    // Only while we still hold the claim: after the lease another worker owns
    // the row and may already have sent it.
    let res = update
        .filter(Column::Id.eq(row.id))
        .filter(Column::Status.eq(Delivery::Sending))
        .filter(Column::ClaimedUntil.eq(lease))
        .exec(db)
        .await?;
    // The error text may quote the address back from the relay, so operators get
    // the kind here and the full text on the admin failures page.
    let kind = if error.is_permanent() {
        "permanent"
    } else {
        "temporary"
    };
    if res.rows_affected == 0 {
        tracing::warn!(outbox.id = %row.id, mail.template = %row.template, "mail try failed after its lease ran out; another worker owns it now");
    } else if give_up {
        tracing::error!(outbox.id = %row.id, mail.template = %row.template, attempts, error.kind = kind, "mail failed; giving up");
    } else {
        tracing::warn!(outbox.id = %row.id, mail.template = %row.template, attempts, error.kind = kind, "mail try failed; will retry");
    }
    Ok(give_up && res.rows_affected > 0)
}

/// Messages given up on, newest first, for the admin failures page.
///
/// # Errors
/// The query's database error.
pub async fn failures(db: &DatabaseConnection) -> Result<Vec<mail_outbox::Model>, DbErr> {
    Entity::find()
        .filter(Column::Status.eq(Delivery::Failed))
        .order_by_desc(Column::CreatedAt)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_minute_and_stops_at_an_hour() {
        assert_eq!(backoff(0), Duration::from_secs(30));
        assert_eq!(backoff(1), Duration::from_secs(60));
        assert_eq!(backoff(2), Duration::from_secs(120));
        assert_eq!(backoff(6), Duration::from_secs(1920));
        assert_eq!(backoff(7), BACKOFF_MAX);
        assert_eq!(backoff(40), BACKOFF_MAX);
        assert_eq!(backoff(u32::MAX), BACKOFF_MAX);
    }

    #[test]
    fn all_retries_fit_well_within_a_day() {
        let total: Duration = (1..MAX_ATTEMPTS as u32).map(backoff).sum();
        assert!(total > Duration::from_secs(60 * 60), "{total:?}");
        assert!(total < Duration::from_secs(4 * 60 * 60), "{total:?}");
    }
}
