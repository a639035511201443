//! Attempt throttling for log in, password reset, registration and resent
//! verification links, counted in the `rate_limit` table so that every server
//! instance sees the same counters (the server is stateless).
//!
//! A sliding window, estimated from a pair of fixed windows: each event is
//! counted in the window "now" falls into (aligned to the window length), and
//! the estimate weighs the previous window's count by the share of it still
//! inside the sliding window. A burst at the end of one window is therefore
//! still counted at the start of the next, so a guesser cannot get twice the
//! allowance by straddling a boundary (fixed windows allowed exactly that).
//! "Now" is passed in by the caller from the application's clock, which tests
//! hold still, so no result depends on the time of day.
//!
//! Keys never hold personal data: the e-mail address or IP address is replaced
//! by a keyed hash ([`subject_key`]), so the table cannot be read back into
//! addresses, and an attacker cannot precompute keys without the secret.

use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::db::entities::rate_limit;
use crate::db::{WriteTx, begin_write};

/// One throttle: at most `max` counted events per `window` and subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Prefix of the key, e.g. `login:email`.
    pub name: &'static str,
    /// Events allowed in one window; the next one is refused.
    pub max: i32,
    /// Window length in seconds.
    pub window_secs: i64,
}

/// Failed log-ins per e-mail address per 15 minutes. Counted per typed address
/// (whether an account exists or not), so a 429 reveals nothing about which
/// addresses are registered.
pub const LOGIN_PER_ACCOUNT: Limit = Limit {
    name: "login:email",
    max: 5,
    window_secs: 15 * 60,
};

/// Failed log-ins per client IP per 15 minutes. Higher than one person needs
/// because Indonesian mobile carriers put many subscribers behind one
/// carrier-grade NAT address; it still stops one host guessing across accounts.
pub const LOGIN_PER_IP: Limit = Limit {
    name: "login:ip",
    max: 50,
    window_secs: 15 * 60,
};

/// Password-reset requests per e-mail address per hour (each may send a mail).
pub const RESET_PER_ACCOUNT: Limit = Limit {
    name: "reset:email",
    max: 3,
    window_secs: 60 * 60,
};

/// Password-reset requests per client IP per hour (carrier NAT, as above).
pub const RESET_PER_IP: Limit = Limit {
    name: "reset:ip",
    max: 20,
    window_secs: 60 * 60,
};

/// Registrations per client IP per hour: each sends a mail to a typed address,
/// so this bounds how much mail one host can make us send to strangers.
pub const REGISTER_PER_IP: Limit = Limit {
    name: "register:ip",
    max: 20,
    window_secs: 60 * 60,
};

/// Registration mails per e-mail address per hour (registering an address
/// that exists sends its owner a mail too, see `self_service::register`).
pub const REGISTER_PER_EMAIL: Limit = Limit {
    name: "register:email",
    max: 3,
    window_secs: 60 * 60,
};

/// "Send the verification link again" per account per hour.
pub const RESEND_PER_ACCOUNT: Limit = Limit {
    name: "resend:account",
    max: 3,
    window_secs: 60 * 60,
};

/// Files uploaded per account per 15 minutes: a help-desk officer attaching
/// six documents for a resident every ten minutes stays well under it; a
/// script looping over the upload form does not.
pub const UPLOADS_PER_ACCOUNT: Limit = Limit {
    name: "upload:account",
    max: 60,
    window_secs: 15 * 60,
};

/// Files uploaded per client IP per 15 minutes (a kelurahan office or a
/// carrier NAT puts several people behind one address).
pub const UPLOADS_PER_IP: Limit = Limit {
    name: "upload:ip",
    max: 150,
    window_secs: 15 * 60,
};

/// A keyed hash of what is throttled (a normalised e-mail address, an IP
/// address), 32 hex digits: enough to never collide in practice.
pub fn subject_key(key: &[u8; 32], subject: &str) -> String {
    let mut h = Sha256::new();
    h.update(key);
    h.update(b":");
    h.update(subject.as_bytes());
    let digest = h.finalize();
    hex::encode(&digest[..16])
}

fn window_start(limit: Limit, now: OffsetDateTime) -> Result<OffsetDateTime, DbErr> {
    let secs = std::cmp::Ord::max(limit.window_secs, 1);
    let start = now.unix_timestamp().div_euclid(secs) * secs;
    OffsetDateTime::from_unix_timestamp(start).map_err(|e| DbErr::Custom(e.to_string()))
}

fn full_key(limit: Limit, subject: &str) -> String {
    format!("{}:{subject}", limit.name)
}

/// Whether the counts of the previous and the current window, `elapsed`
/// seconds into the current one, go over `limit` on the sliding window: the
/// previous window still weighs `(window - elapsed) / window`. Exact integer
/// arithmetic, so the verdict at a boundary never depends on rounding.
#[must_use]
pub fn over_sliding(limit: Limit, previous: i32, current: i32, elapsed: i64) -> bool {
    let window = std::cmp::Ord::max(limit.window_secs, 1);
    let elapsed = elapsed.clamp(0, window);
    let weighted = i128::from(previous) * i128::from(window - elapsed)
        + i128::from(current) * i128::from(window);
    weighted > i128::from(limit.max) * i128::from(window)
}

/// Counts one event for `subject` at `now` and returns the counts of the
/// previous and the current window (this event included) with the seconds
/// elapsed in the current one. One atomic upsert, so concurrent instances
/// never lose an increment. Windows older than the previous one are dropped
/// on the way.
async fn hit(
    db: &WriteTx,
    now: OffsetDateTime,
    limit: Limit,
    subject: &str,
) -> Result<(i32, i32, i64), DbErr> {
    let start = window_start(limit, now)?;
    let previous_start = start - time::Duration::seconds(std::cmp::Ord::max(limit.window_secs, 1));
    let key = full_key(limit, subject);
    rate_limit::Entity::delete_many()
        .filter(rate_limit::Column::Key.eq(key.as_str()))
        .filter(rate_limit::Column::WindowStart.lt(previous_start))
        .exec(db)
        .await?;
    rate_limit::Entity::insert(rate_limit::ActiveModel {
        key: Set(key.clone()),
        window_start: Set(start),
        count: Set(1),
    })
    .on_conflict(
        OnConflict::columns([rate_limit::Column::Key, rate_limit::Column::WindowStart])
            .value(
                rate_limit::Column::Count,
                Expr::col((rate_limit::Entity, rate_limit::Column::Count)).add(1),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let rows = rate_limit::Entity::find()
        .filter(rate_limit::Column::Key.eq(key.as_str()))
        .filter(rate_limit::Column::WindowStart.gte(previous_start))
        .all(db)
        .await?;
    let count_at = |at: OffsetDateTime| {
        rows.iter()
            .find(|r| r.window_start == at)
            .map_or(0, |r| r.count)
    };
    let current = std::cmp::Ord::max(count_at(start), 1);
    Ok((
        count_at(previous_start),
        current,
        (now - start).whole_seconds(),
    ))
}

/// Counts one attempt *before* it is judged and tells whether it went over
/// `limit`. Counting first is what makes the limit hold under concurrency:
/// requests sent at the same moment each see the others' increments, where
/// "check, then count the failure" would let all of them through.
///
/// # Errors
/// Storage failures.
pub async fn attempt(
    db: &DatabaseConnection,
    now: OffsetDateTime,
    limit: Limit,
    subject: &str,
) -> Result<bool, DbErr> {
    Ok(attempts(db, now, &[(limit, subject)])
        .await?
        .contains(&true))
}

/// [`attempt`] for several limits at once (a file counts against its
/// uploader and their address), in one write: the counts take their turn
/// among the other writers (`db::begin_write`) and share their commit.
/// Written beside the queue, each count's statements waited in SQLite's busy
/// handler behind it: the tail of the application form's POST (P2h).
/// Returns one verdict per limit, in order.
///
/// # Errors
/// Storage failures.
pub async fn attempts(
    db: &DatabaseConnection,
    now: OffsetDateTime,
    each: &[(Limit, &str)],
) -> Result<Vec<bool>, DbErr> {
    let tx = begin_write(db).await?;
    let mut over = Vec::with_capacity(each.len());
    for &(limit, subject) in each {
        let (previous, current, elapsed) = hit(&tx, now, limit, subject).await?;
        over.push(over_sliding(limit, previous, current, elapsed));
    }
    tx.commit().await?;
    Ok(over)
}

/// Takes back one attempt counted by [`attempt`] in the current window, for
/// limits that count failures only (a correct log-in, a matching PIN).
///
/// # Errors
/// Storage failures.
pub async fn forgive(
    db: &DatabaseConnection,
    now: OffsetDateTime,
    limit: Limit,
    subject: &str,
) -> Result<(), DbErr> {
    let start = window_start(limit, now)?;
    let tx = begin_write(db).await?;
    rate_limit::Entity::update_many()
        .col_expr(
            rate_limit::Column::Count,
            Expr::col(rate_limit::Column::Count).sub(1),
        )
        .filter(rate_limit::Column::Key.eq(full_key(limit, subject)))
        .filter(rate_limit::Column::WindowStart.eq(start))
        .filter(rate_limit::Column::Count.gt(0))
        .exec(&tx)
        .await?;
    tx.commit().await
}

/// Forgets every window of `subject` (after a successful log-in or reset, so
/// the owner is not kept out by their own earlier typos).
///
/// # Errors
/// Storage failures.
pub async fn clear(db: &DatabaseConnection, limit: Limit, subject: &str) -> Result<(), DbErr> {
    let tx = begin_write(db).await?;
    rate_limit::Entity::delete_many()
        .filter(rate_limit::Column::Key.eq(full_key(limit, subject)))
        .exec(&tx)
        .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_aligned_to_their_length() {
        let t = OffsetDateTime::from_unix_timestamp(1_000_000_123).expect("time");
        let s = window_start(LOGIN_PER_ACCOUNT, t).expect("start");
        assert_eq!(s.unix_timestamp() % 900, 0);
        assert!(s <= t && t - s < time::Duration::minutes(15));
    }

    #[test]
    fn a_full_previous_window_still_counts_right_after_the_boundary() {
        // Five failures at the end of one window: the sixth attempt one
        // second into the next window is still over (fixed windows let it in).
        assert!(over_sliding(LOGIN_PER_ACCOUNT, 5, 1, 1));
        // Halfway through, half of the five still weighs: 2.5 + 3 > 5.
        assert!(over_sliding(LOGIN_PER_ACCOUNT, 5, 3, 450));
        assert!(!over_sliding(LOGIN_PER_ACCOUNT, 5, 2, 450));
        // A full window later the old burst no longer counts.
        assert!(!over_sliding(LOGIN_PER_ACCOUNT, 5, 5, 900));
    }

    proptest::proptest! {
        #[test]
        fn the_sliding_estimate_lies_between_the_two_fixed_window_counts(
            previous in 0i32..1000, current in 1i32..1000, elapsed in 0i64..900, max in 1i32..100,
        ) {
            let limit = Limit { name: "t", max, window_secs: 900 };
            // Never stricter than counting both windows whole, never more
            // lenient than counting the current window alone.
            if over_sliding(limit, previous, current, elapsed) {
                proptest::prop_assert!(previous + current > max);
            }
            if current > max {
                proptest::prop_assert!(over_sliding(limit, previous, current, elapsed));
            }
            // Time only lowers the weight of the previous window.
            if over_sliding(limit, previous, current, elapsed + 1) {
                proptest::prop_assert!(over_sliding(limit, previous, current, elapsed));
            }
        }
    }

    #[test]
    fn subject_keys_are_keyed_and_hide_the_subject() {
        let a = subject_key(&[1; 32], "siti@contoh.id");
        let b = subject_key(&[2; 32], "siti@contoh.id");
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(!a.contains("siti"));
    }
}
