//! E-mail: message templates, the transactional outbox, transports and the
//! background worker that drains the outbox.
//!
//! A use case calls [`outbox::enqueue`] inside its own transaction, so a mail
//! exists exactly when the change that caused it committed. The worker
//! ([`crate::workers::mail`]) claims due rows, sends them through a [`Transport`]
//! (SMTP, `.eml` files, or memory in tests) and retries with backoff. Delivery is
//! at least once: a crash between the SMTP hand-off and marking the row `sent`
//! sends the message again after its lease expires, with the same Message-ID so
//! mail clients can fold the duplicate.

pub mod outbox;
pub mod templates;
pub mod transport;
pub mod worker;

pub use lettre::message::Mailbox;
pub use outbox::{enqueue, enqueue_for_round};
pub use templates::{ErasureStep, Locale, RenderedMail, Template};
pub use transport::{OutgoingMail, SendError, SentMail, Transport, TransportConfigError};
pub use worker::{DrainReport, backoff, drain_once, failures};

use time::{OffsetDateTime, UtcOffset};

/// Normalises a timestamp before it is stored in or compared against the outbox.
///
/// SQLite keeps timestamps as RFC 3339 text and compares them as strings. Text
/// order matches time order only when every value has the same shape: UTC
/// (`Z`) and no fractional seconds (a value with a fraction would sort before
/// the whole second it belongs to). Whole seconds also make a stored lease
/// compare equal to the value the worker holds on PostgreSQL, which keeps only
/// microseconds.
pub(crate) fn db_time(t: OffsetDateTime) -> OffsetDateTime {
    let utc = t.to_offset(UtcOffset::UTC);
    utc.replace_nanosecond(0).unwrap_or(utc)
}
