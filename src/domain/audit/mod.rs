//! The audit chain: canonical form, hashing and verification.
//!
//! Pure: no I/O. The CSV export and its streaming verifier live in
//! `crate::export::audit_csv` and build on the pieces here.
//!
//! `hash` is the lowercase hex SHA-256 of the UTF-8 bytes of the RFC 8785
//! (JCS) canonical JSON of the object with the keys `action, actor,
//! actor_role, at, payload, prev_hash, reason, round_id, seq, subject_id,
//! subject_type` — `seq` a JSON integer, `payload` the JSON object itself and
//! everything else a string. That key list is already in JCS order, so the
//! canonical text is assembled directly instead of going through a JSON tree.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// `prev_hash` of event 1: 64 zeros.
pub(crate) mod swar;

mod event;
mod payload;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
mod time_text;
mod verify;

mod actor;
pub use actor::Actor;
pub use event::*;
pub use payload::*;
pub use time_text::*;
pub use verify::*;
