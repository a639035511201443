//! `audit.csv`: writer, reader and streaming verifier.
//!
//! Format, precisely (also in the README, "Verifying the audit trail"):
//! - UTF-8 without BOM; a header row then one row per event, in seq order.
//! - Every record ends with a single LF (`\n`). A CR outside quotes is
//!   malformed: accepting CR as a line end would let a one-byte edit pass
//!   unnoticed, and makes "the same file" ambiguous across tools.
//! - Fields are separated by `,`. A field containing `,`, `"`, CR or LF is
//!   enclosed in `"` with inner `"` doubled (RFC 4180); others are written
//!   bare. Readers accept quotes around any field, but a `"` inside a bare
//!   field, or anything but `,`/LF/end after a closing quote, is malformed.
//! - Every column except `seq` is a text field under the formula-escape rule
//!   of [`crate::export::csv_safe`]. `seq` is plain decimal, no leading zeros.
//!
//! The CSV parser is hand-written rather than the `csv` crate's because the
//! verifier needs this exact grammar (the `csv` crate is deliberately
//! lenient: CR line ends, stray quotes), and the independent Python verifier
//! implements the same grammar from the rule text.

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::mpsc;

use rayon::prelude::*;

use crate::domain::audit::{
    Checkpoint, Event, EventRef, Failure, Head, Problem, Verified, Verifier, check_content,
    check_link,
};
use crate::export::csv_safe;
use crate::export::strict_csv::{Fields, Step, parse_record};

mod read;
#[cfg(test)]
mod tests;
mod verify;

use read::decode;
pub use read::{AuditCsvReader, ReadError, ReadErrorKind};
pub use verify::{VerifyOutcome, verify_csv};

/// Column names, in order.
pub const COLUMNS: [&str; 12] = [
    "seq",
    "at",
    "actor",
    "actor_role",
    "action",
    "subject_type",
    "subject_id",
    "round_id",
    "payload",
    "reason",
    "prev_hash",
    "hash",
];

const HEADER_LINE: &[u8] =
    b"seq,at,actor,actor_role,action,subject_type,subject_id,round_id,payload,reason,prev_hash,hash\n";

/// Target read size once a stream turns out to be long.
const READ_AHEAD_BYTES: usize = 1 << 20;

/// A single record longer than this is refused, so memory stays bounded even
/// for hostile input.
const MAX_RECORD_BYTES: usize = 16 << 20;

/// Writes the header row.
///
/// # Errors
///
/// Any I/O error from `w`.
pub fn write_header<W: Write>(w: &mut W) -> io::Result<()> {
    w.write_all(HEADER_LINE)
}

/// Writes events as `audit.csv` rows. Does not write the header: call
/// [`write_header`] first (or use [`AuditCsvWriter::with_header`]).
///
/// Each event is one `write_all` call; wrap files in a `BufWriter`.
#[derive(Debug)]
pub struct AuditCsvWriter<W: Write> {
    w: W,
    line: Vec<u8>,
}

impl<W: Write> AuditCsvWriter<W> {
    /// A writer that appends rows to `w` as they come.
    pub fn new(w: W) -> Self {
        AuditCsvWriter {
            w,
            line: Vec::with_capacity(1024),
        }
    }

    /// Writes the header row, then returns the writer.
    ///
    /// # Errors
    ///
    /// Any I/O error from `w`.
    pub fn with_header(mut w: W) -> io::Result<Self> {
        write_header(&mut w)?;
        Ok(Self::new(w))
    }

    /// Writes one event as one row, applying formula escaping to every text
    /// field. The payload is written as stored (canonical JSON starts with
    /// `{`, which is never escaped).
    ///
    /// # Errors
    ///
    /// Any I/O error from the underlying writer.
    pub fn write_event(&mut self, ev: &Event) -> io::Result<()> {
        let line = &mut self.line;
        line.clear();
        line.extend_from_slice(ev.seq.to_string().as_bytes());
        for text in [
            &ev.at,
            &ev.actor,
            &ev.actor_role,
            &ev.action,
            &ev.subject_type,
            &ev.subject_id,
            &ev.round_id,
            &ev.payload,
            &ev.reason,
            &ev.prev_hash,
            &ev.hash,
        ] {
            line.push(b',');
            push_field(line, &csv_safe::escape(text));
        }
        line.push(b'\n');
        self.w.write_all(line)
    }

    /// Flushes the underlying writer.
    ///
    /// # Errors
    ///
    /// Any I/O error from the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    /// Gives back the underlying writer (nothing is buffered here).
    pub fn into_inner(self) -> W {
        self.w
    }
}

fn push_field(line: &mut Vec<u8>, field: &str) {
    let bytes = field.as_bytes();
    if !bytes
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        line.extend_from_slice(bytes);
        return;
    }
    line.push(b'"');
    for &b in bytes {
        if b == b'"' {
            line.push(b'"');
        }
        line.push(b);
    }
    line.push(b'"');
}
