//! Appends to the hash-chained audit trail inside the caller's transaction.
//!
//! The chain head row is locked by a transaction's first append (`SELECT …
//! FOR UPDATE` on PostgreSQL; on SQLite the caller's `BEGIN IMMEDIATE` already
//! holds the only write lock), so concurrent appends queue up instead of
//! forking the chain; the transaction's later appends continue from the head
//! it moved the chain to. The unique
//! constraints on `seq`, `prev_hash` and `hash` are the second line of defence.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QuerySelect};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::entities::{audit_chain_head, audit_event};
use crate::domain::audit::{Event, canonical_payload, format_at};

pub use crate::domain::audit::Actor;

/// An event to append; `seq`, `at` and the hashes are filled in by [`append`].
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub actor: Actor,
    pub action: &'static str,
    pub subject_type: &'static str,
    pub subject_id: String,
    pub round_id: Option<Uuid>,
    /// A JSON object of integers and strings; never personal data.
    pub payload: serde_json::Value,
    pub reason: String,
    /// Index columns for the trail browser; not hashed.
    pub registration_no: Option<String>,
    pub kelurahan_code: Option<String>,
}

impl NewEvent {
    /// An event with an empty payload and reason.
    pub fn new(
        actor: Actor,
        action: &'static str,
        subject_type: &'static str,
        subject_id: impl Into<String>,
    ) -> Self {
        NewEvent {
            actor,
            action,
            subject_type,
            subject_id: subject_id.into(),
            round_id: None,
            payload: serde_json::json!({}),
            reason: String::new(),
            registration_no: None,
            kelurahan_code: None,
        }
    }

    /// Sets the payload object.
    #[must_use]
    pub fn payload(mut self, payload: serde_json::Value) -> Self {
        self.payload = payload;
        self
    }

    /// Sets the round the event belongs to.
    #[must_use]
    pub fn round(mut self, round_id: Uuid) -> Self {
        self.round_id = Some(round_id);
        self
    }

    /// Indexes the event under an application's registration number.
    #[must_use]
    pub fn with_registration(mut self, registration_no: impl Into<String>) -> Self {
        self.registration_no = Some(registration_no.into());
        self
    }

    /// Sets the written reason.
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = reason.into();
        self
    }
}

/// Appends one event and moves the chain head, in the caller's transaction.
///
/// # Errors
/// Fails on a database error, or when the payload is not a JSON object of
/// integers and strings (a programming error, reported as `DbErr::Custom`).
pub async fn append(tx: &super::WriteTx, new: NewEvent) -> Result<audit_event::Model, DbErr> {
    let payload = canonical_payload(&new.payload)
        .map_err(|e| DbErr::Custom(format!("audit payload for {}: {e}", new.action)))?;
    LOCAL_APPENDS.fetch_add(1, Ordering::AcqRel);
    let (head_seq, head_hash) = match tx.known_head() {
        Some(head) => head,
        None => {
            let head = audit_chain_head::Entity::find_by_id(1)
                .lock_exclusive()
                .one(tx)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound("audit_chain_head row 1".into()))?;
            (head.seq, head.hash)
        }
    };
    let (actor, actor_role) = new.actor.fields();
    let mut event = Event {
        seq: u64::try_from(head_seq + 1).map_err(|e| DbErr::Custom(e.to_string()))?,
        at: format_at(time::OffsetDateTime::now_utc()),
        actor,
        actor_role,
        action: new.action.to_owned(),
        subject_type: new.subject_type.to_owned(),
        subject_id: new.subject_id,
        round_id: new.round_id.map(|id| id.to_string()).unwrap_or_default(),
        payload,
        reason: new.reason,
        prev_hash: head_hash,
        hash: String::new(),
    };
    event.hash = event.compute_hash();

    let seq = head_seq + 1;
    let model = audit_event::Model {
        seq,
        at: event.at,
        actor: event.actor,
        actor_role: event.actor_role,
        action: event.action,
        subject_type: event.subject_type,
        subject_id: event.subject_id,
        round_id: event.round_id,
        payload: event.payload,
        reason: event.reason,
        prev_hash: event.prev_hash,
        hash: event.hash,
        registration_no: new.registration_no,
        kelurahan_code: new.kelurahan_code,
    };
    // Without RETURNING: the row is the model we built, and reading it back
    // would copy the payload across SQLite's worker thread for every event.
    // The head row follows in the same statement (trigger
    // `audit_event_advance_head`, migration 10).
    audit_event::Entity::insert(audit_event::ActiveModel::from(model.clone()))
        .exec_without_returning(tx)
        .await?;
    tx.moved_head(model.seq, &model.hash);
    Ok(model)
}

/// Appends started by this process. A reader that saw the same count before
/// and after may reuse the head it read (see [`HeadCache`]).
static LOCAL_APPENDS: AtomicU64 = AtomicU64::new(0);

/// How long [`HeadCache`] trusts a head it read while this process appended
/// nothing: the bound on how late it notices appends by another process (a
/// CLI command on the same file, a second server on the same PostgreSQL), or
/// an append of this process still uncommitted when the head was read.
pub const HEAD_TTL: Duration = Duration::from_secs(1);

/// The chain head `(seq, hash)` of one database, read from it at most once
/// per [`HEAD_TTL`] unless this process appended since. Public pages are
/// cached by head; without this every request of a popular results page
/// would queue for a pooled connection to learn that nothing changed. Keep
/// one per database (the server keeps it in its state).
#[derive(Debug, Default)]
pub struct HeadCache(Mutex<Option<(u64, Instant, i64, String)>>);

impl HeadCache {
    /// The current head, or one at most [`HEAD_TTL`] old when this process
    /// appended nothing since it was read.
    ///
    /// # Errors
    /// Storage failures, or a database without its head row.
    pub async fn get(&self, db: &impl ConnectionTrait) -> Result<(i64, String), DbErr> {
        let appends = LOCAL_APPENDS.load(Ordering::Acquire);
        if let Ok(last) = self.0.lock()
            && let Some((seen, at, seq, hash)) = last.as_ref()
            && *seen == appends
            && at.elapsed() < HEAD_TTL
        {
            return Ok((*seq, hash.clone()));
        }
        let head = audit_chain_head::Entity::find_by_id(1)
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("audit_chain_head row 1".into()))?;
        if let Ok(mut last) = self.0.lock() {
            *last = Some((appends, Instant::now(), head.seq, head.hash.clone()));
        }
        Ok((head.seq, head.hash))
    }
}

/// Converts a stored row back to the hashed form, byte for byte.
pub fn to_event(m: &audit_event::Model) -> Event {
    into_event(m.clone())
}

/// [`to_event`] of a row that is not needed afterwards (no copies).
pub fn into_event(m: audit_event::Model) -> Event {
    Event {
        seq: u64::try_from(m.seq).unwrap_or_default(),
        at: m.at,
        actor: m.actor,
        actor_role: m.actor_role,
        action: m.action,
        subject_type: m.subject_type,
        subject_id: m.subject_id,
        round_id: m.round_id,
        payload: m.payload,
        reason: m.reason,
        prev_hash: m.prev_hash,
        hash: m.hash,
    }
}

/// Rows fetched per page when streaming the trail out.
const EXPORT_PAGE: u64 = 1_000;

/// Streams the whole trail as `audit.csv` in `seq` order, a page at a time
/// (keyset pagination, constant memory). Returns the number of events written.
///
/// # Errors
/// Storage or write failures.
pub async fn export_csv<W: std::io::Write>(
    db: &impl ConnectionTrait,
    out: W,
) -> anyhow::Result<u64> {
    export_csv_up_to(db, out, i64::MAX).await
}

/// [`export_csv`] of the events with `seq ≤ up_to` only: a fixed file even
/// while the trail grows during the export.
///
/// # Errors
/// Storage or write failures.
pub async fn export_csv_up_to<W: std::io::Write>(
    db: &impl ConnectionTrait,
    out: W,
    up_to: i64,
) -> anyhow::Result<u64> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let mut writer = crate::export::audit_csv::AuditCsvWriter::with_header(out)?;
    let page_after = |after: i64| {
        audit_event::Entity::find()
            .filter(audit_event::Column::Seq.gt(after))
            .filter(audit_event::Column::Seq.lte(up_to))
            .order_by_asc(audit_event::Column::Seq)
            .limit(EXPORT_PAGE)
            .all(db)
    };
    let mut n = 0u64;
    let mut page = page_after(0).await?;
    while let Some(last) = page.last() {
        let after = last.seq;
        let rows = std::mem::take(&mut page);
        // The next page is read (on the database's own thread for SQLite,
        // by the server for PostgreSQL) while this one is formatted.
        let write = async {
            for row in rows {
                writer.write_event(&into_event(row))?;
                n += 1;
            }
            Ok::<(), std::io::Error>(())
        };
        let (next, written) = tokio::join!(page_after(after), write);
        written?;
        page = next?;
    }
    writer.flush()?;
    Ok(n)
}
