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

use crate::domain::audit::swar;
use crate::domain::audit::{
    Checkpoint, Event, EventRef, Failure, Head, Problem, Verified, Verifier, check_content,
    check_link,
};
use crate::export::csv_safe;

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

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// The file is not a well-formed `audit.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based data row; 0 is the header row.
    pub row: u64,
    pub kind: ReadErrorKind,
}

/// What is malformed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadErrorKind {
    /// The input is empty: not even a header row.
    Empty,
    /// The header is not exactly the twelve columns in order.
    WrongHeader,
    /// A row does not have exactly twelve fields.
    ColumnCount { found: usize },
    /// `seq` is not a plain decimal integer.
    BadSeq,
    /// A field is not valid UTF-8.
    InvalidUtf8 { column: &'static str },
    /// The CSV quoting or line structure is broken.
    Syntax(&'static str),
    /// A row is longer than the reader's limit.
    RecordTooLong,
    /// Reading failed.
    Io(String),
}

impl fmt::Display for ReadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadErrorKind::Empty => f.write_str("the file is empty (no header row)"),
            ReadErrorKind::WrongHeader => {
                write!(f, "the header must be exactly: {}", COLUMNS.join(","))
            }
            ReadErrorKind::ColumnCount { found } => {
                write!(f, "expected 12 fields but found {found}")
            }
            ReadErrorKind::BadSeq => f.write_str("seq is not a plain decimal integer"),
            ReadErrorKind::InvalidUtf8 { column } => write!(f, "{column} is not valid UTF-8"),
            ReadErrorKind::Syntax(why) => write!(f, "broken CSV: {why}"),
            ReadErrorKind::RecordTooLong => {
                write!(f, "the row is longer than {MAX_RECORD_BYTES} bytes")
            }
            ReadErrorKind::Io(e) => write!(f, "read error: {e}"),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row == 0 {
            write!(f, "header row: {}", self.kind)
        } else {
            write!(f, "row {}: {}", self.row, self.kind)
        }
    }
}

impl std::error::Error for ReadError {}

// ---------------------------------------------------------------------------
// Strict CSV record parser
// ---------------------------------------------------------------------------

/// Decoded fields of whole records, back to back: `ends[k]` is where field k
/// ends in `data`, and each field starts where the previous one ended.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl Fields {
    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
    }

    /// Number of fields parsed.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn field(&self, k: usize) -> &[u8] {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.data[start..self.ends[k]]
    }

    fn truncate(&mut self, data_len: usize, fields: usize) {
        self.data.truncate(data_len);
        self.ends.truncate(fields);
    }
}

pub(crate) enum Step {
    /// A record was parsed from the first `n` bytes.
    Record(usize),
    /// The buffer ends inside a record.
    NeedMore,
    /// Clean end of input.
    End,
}

/// Parses one record from the start of `input`, appending its fields to `out`.
pub(crate) fn parse_record(
    input: &[u8],
    at_eof: bool,
    out: &mut Fields,
) -> Result<Step, &'static str> {
    let n = input.len();
    if n == 0 {
        return Ok(if at_eof { Step::End } else { Step::NeedMore });
    }
    let mut i = 0;
    loop {
        if input.get(i) == Some(&b'"') {
            i += 1;
            loop {
                let start = i;
                i = swar::find(input, i, |w| swar::eq(w, b'"'), |b| b == b'"');
                if i == n {
                    return if at_eof {
                        Err("a quoted field is never closed")
                    } else {
                        Ok(Step::NeedMore)
                    };
                }
                match input.get(i + 1) {
                    Some(b'"') => {
                        // The run and one quote of the doubled pair, in one copy.
                        out.data.extend_from_slice(&input[start..=i]);
                        i += 2;
                    }
                    None if !at_eof => return Ok(Step::NeedMore),
                    _ => {
                        out.data.extend_from_slice(&input[start..i]);
                        i += 1;
                        break;
                    }
                }
            }
            out.ends.push(out.data.len());
            match input.get(i) {
                Some(b',') => i += 1,
                Some(b'\n') => return Ok(Step::Record(i + 1)),
                None if at_eof => return Ok(Step::Record(i)),
                None => return Ok(Step::NeedMore),
                Some(_) => {
                    return Err(
                        "a closing quote is followed by something other than , or a line end",
                    );
                }
            }
        } else {
            let start = i;
            i = swar::find(
                input,
                i,
                |w| swar::eq(w, b',') | swar::eq(w, b'\n') | swar::eq(w, b'"') | swar::eq(w, b'\r'),
                |b| matches!(b, b',' | b'\n' | b'"' | b'\r'),
            );
            out.data.extend_from_slice(&input[start..i]);
            match input.get(i) {
                Some(b',') => {
                    out.ends.push(out.data.len());
                    i += 1;
                }
                Some(b'\n') => {
                    out.ends.push(out.data.len());
                    return Ok(Step::Record(i + 1));
                }
                Some(b'"') => return Err("a quote inside an unquoted field"),
                Some(_) => return Err("a CR outside quotes (lines must end with LF only)"),
                None if at_eof => {
                    out.ends.push(out.data.len());
                    return Ok(Step::Record(i));
                }
                None => return Ok(Step::NeedMore),
            }
        }
    }
}

/// Pulls whole records out of a byte stream with a bounded buffer.
struct RecordReader<R> {
    r: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// Index of the next record: 0 is the header.
    next_row: u64,
    total_read: usize,
}

impl<R: Read> RecordReader<R> {
    fn new(r: R) -> Self {
        RecordReader {
            r,
            buf: vec![0; 64 << 10],
            pos: 0,
            end: 0,
            eof: false,
            next_row: 0,
            total_read: 0,
        }
    }

    /// Appends the next record to `out`; returns its row number, or `None`
    /// at the end of input.
    fn next_record(&mut self, out: &mut Fields) -> Result<Option<u64>, ReadError> {
        let (data_len, fields_len) = (out.data.len(), out.ends.len());
        let row = self.next_row;
        loop {
            let step =
                parse_record(&self.buf[self.pos..self.end], self.eof, out).map_err(|why| {
                    ReadError {
                        row,
                        kind: ReadErrorKind::Syntax(why),
                    }
                })?;
            match step {
                Step::Record(n) => {
                    self.pos += n;
                    self.next_row += 1;
                    let found = out.ends.len() - fields_len;
                    if found != COLUMNS.len() {
                        out.truncate(data_len, fields_len);
                        return Err(ReadError {
                            row,
                            kind: ReadErrorKind::ColumnCount { found },
                        });
                    }
                    return Ok(Some(row));
                }
                Step::End => return Ok(None),
                Step::NeedMore => {
                    out.truncate(data_len, fields_len);
                    self.fill(row)?;
                }
            }
        }
    }

    fn fill(&mut self, row: u64) -> Result<(), ReadError> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        // Start small so short inputs stay cheap, read ahead in bigger chunks
        // on long streams, and grow further only for a record that does not fit.
        if self.end == self.buf.len()
            || (self.total_read >= self.buf.len() && self.buf.len() < READ_AHEAD_BYTES)
        {
            if self.end == self.buf.len() && self.buf.len() >= MAX_RECORD_BYTES {
                return Err(ReadError {
                    row,
                    kind: ReadErrorKind::RecordTooLong,
                });
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.r.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    self.total_read += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(ReadError {
                        row,
                        kind: ReadErrorKind::Io(e.to_string()),
                    });
                }
            }
        }
    }

    fn read_header(&mut self) -> Result<(), ReadError> {
        let mut fields = Fields::default();
        match self.next_record(&mut fields) {
            Ok(Some(_)) => {
                let ok = (0..COLUMNS.len()).all(|k| fields.field(k) == COLUMNS[k].as_bytes());
                if ok {
                    Ok(())
                } else {
                    Err(ReadError {
                        row: 0,
                        kind: ReadErrorKind::WrongHeader,
                    })
                }
            }
            Ok(None) => Err(ReadError {
                row: 0,
                kind: ReadErrorKind::Empty,
            }),
            Err(ReadError {
                kind: ReadErrorKind::ColumnCount { .. },
                ..
            }) => Err(ReadError {
                row: 0,
                kind: ReadErrorKind::WrongHeader,
            }),
            Err(e) => Err(e),
        }
    }
}

/// Strict decimal: digits only, no sign, no leading zeros.
fn parse_seq(b: &[u8]) -> Option<u64> {
    match b {
        [] => None,
        [b'0', _, ..] => None,
        _ if b.iter().all(u8::is_ascii_digit) => std::str::from_utf8(b).ok()?.parse().ok(),
        _ => None,
    }
}

/// Decodes the record whose first field is field `base` of `f`.
fn decode(f: &Fields, base: usize) -> Result<EventRef<'_>, ReadErrorKind> {
    let seq = parse_seq(f.field(base)).ok_or(ReadErrorKind::BadSeq)?;
    let start = f.ends[base];
    let end = f.ends[base + COLUMNS.len() - 1];
    // One UTF-8 pass over the record's text fields instead of eleven; then a
    // field is valid exactly when it also starts and ends on a char boundary.
    let whole = std::str::from_utf8(&f.data[start..end]).ok();
    let text = |col: usize| -> Result<&str, ReadErrorKind> {
        let from = f.ends[base + col - 1] - start;
        let to = f.ends[base + col] - start;
        whole
            .and_then(|w| w.get(from..to))
            .or_else(|| std::str::from_utf8(f.field(base + col)).ok())
            .map(csv_safe::unescape)
            .ok_or(ReadErrorKind::InvalidUtf8 {
                column: COLUMNS[col],
            })
    };
    Ok(EventRef {
        seq,
        at: text(1)?,
        actor: text(2)?,
        actor_role: text(3)?,
        action: text(4)?,
        subject_type: text(5)?,
        subject_id: text(6)?,
        round_id: text(7)?,
        payload: text(8)?,
        reason: text(9)?,
        prev_hash: text(10)?,
        hash: text(11)?,
    })
}

// ---------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------

/// Reads `audit.csv` event by event, checking only the file format (use
/// [`verify_csv`] to check the chain).
///
/// Yields `(row, event)` with 1-based data row numbers; after the first
/// error it yields nothing more.
pub struct AuditCsvReader<R: Read> {
    records: RecordReader<R>,
    fields: Fields,
    header_read: bool,
    done: bool,
}

impl<R: Read> AuditCsvReader<R> {
    /// A reader over `r`; the header is checked on the first `next()`.
    pub fn new(r: R) -> Self {
        AuditCsvReader {
            records: RecordReader::new(r),
            fields: Fields::default(),
            header_read: false,
            done: false,
        }
    }

    fn read_one(&mut self) -> Result<Option<(u64, Event)>, ReadError> {
        if !self.header_read {
            self.records.read_header()?;
            self.header_read = true;
        }
        self.fields.clear();
        match self.records.next_record(&mut self.fields)? {
            Some(row) => {
                let ev = decode(&self.fields, 0).map_err(|kind| ReadError { row, kind })?;
                Ok(Some((row, ev.to_event())))
            }
            None => Ok(None),
        }
    }
}

impl<R: Read> Iterator for AuditCsvReader<R> {
    type Item = Result<(u64, Event), ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.read_one().transpose();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

// ---------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------

/// The verdict on an `audit.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyOutcome {
    Valid(Verified),
    Tampered(Failure),
    Malformed(ReadError),
}

impl VerifyOutcome {
    /// Process exit code: 0 valid, 1 tampered, 2 malformed.
    pub fn exit_code(&self) -> i32 {
        match self {
            VerifyOutcome::Valid(_) => 0,
            VerifyOutcome::Tampered(_) => 1,
            VerifyOutcome::Malformed(_) => 2,
        }
    }
}

impl fmt::Display for VerifyOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyOutcome::Valid(v) => write!(
                f,
                "valid: {} events, head seq {}, head hash {}",
                v.events, v.head_seq, v.head_hash
            ),
            VerifyOutcome::Tampered(failure) => write!(f, "tampered: {failure}"),
            VerifyOutcome::Malformed(e) => write!(f, "malformed: {e}"),
        }
    }
}

/// Verifies an `audit.csv` stream: format, every hash, the chain and, when
/// given, the checkpoint. Reports the first problem in row order, exactly as
/// a row-by-row check would.
///
/// The calling thread only reads and cuts the input into chunks of whole
/// records; parsing and hashing run on the rayon pool, and the chain links
/// are checked in order afterwards. So `r` need not be `Send`, and memory is
/// a few chunk groups whatever the trail length. It blocks and uses every
/// core: from async code call it via `spawn_blocking`, and not from inside a
/// rayon task (the calling thread waits for pool work).
pub fn verify_csv<R: Read>(r: R, checkpoint: Option<Checkpoint>) -> VerifyOutcome {
    let mut chunker = match Chunker::new(r) {
        Ok(chunker) => chunker,
        Err(e) => return VerifyOutcome::Malformed(e),
    };
    let mut checker = ChunkChecker::new(checkpoint);
    let mut first = Vec::new();
    if !chunker.fill_group(&mut first) {
        // Small trails fit one group: no pipeline thread needed.
        return checker
            .check(&mut first)
            .unwrap_or_else(|| checker.finish());
    }

    // Capacity 1: one group queued while one is checked and one is read.
    let (full_tx, full_rx) = mpsc::sync_channel::<Vec<Chunk>>(1);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<Chunk>>();
    std::thread::scope(|scope| {
        let checking = scope.spawn(move || {
            for mut group in full_rx {
                if let Some(failure) = checker.check(&mut group) {
                    return failure;
                }
                // The reader may have stopped already; then the buffers are dropped.
                let _ = empty_tx.send(group);
            }
            checker.finish()
        });
        let mut group = first;
        loop {
            // A send error means the checker already stopped at a failure.
            if full_tx.send(group).is_err() {
                break;
            }
            group = empty_rx.try_recv().unwrap_or_default();
            if !chunker.fill_group(&mut group) {
                let _ = full_tx.send(group);
                break;
            }
        }
        drop(full_tx);
        match checking.join() {
            Ok(outcome) => outcome,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Bytes per chunk: big enough to amortize a task, small enough that a
/// group holds many chunks, so the cores finish a group at nearly the same
/// time.
const CHUNK_BYTES: usize = 64 << 10;

/// Chunks handed to the pool at once.
const GROUP_CHUNKS: usize = 32;

/// Raw bytes holding whole records, parsed and checked on a pool thread.
#[derive(Default)]
struct Chunk {
    raw: Vec<u8>,
    /// No record boundary was found within the size limit.
    too_long: bool,
    io_error: Option<String>,
    fields: Fields,
    /// Leading rows that passed every check, including the links between
    /// them (but not the first row's link to the previous chunk).
    ok_rows: usize,
    /// Row 0, for the link to the previous chunk: seq, prev_hash, hash.
    first: Option<(u64, [u8; 64], [u8; 64])>,
    /// The last accepted row: seq and hash.
    last: Option<(u64, [u8; 64])>,
    /// What is wrong with the row after the `ok_rows` good ones.
    failure: Option<RowError>,
}

enum RowError {
    Malformed(ReadErrorKind),
    Tampered { seq: u64, problem: Problem },
}

fn hash_bytes(field: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    // Only called on fields that passed the 64-hex-digit check.
    if let Some(src) = unescape_bytes(field).get(..64) {
        out.copy_from_slice(src);
    }
    out
}

impl Chunk {
    fn reset(&mut self) {
        self.raw.clear();
        self.too_long = false;
        self.io_error = None;
    }

    /// Parses and checks every row, and the links between them; depends on
    /// no other chunk.
    fn process(&mut self, buf: &mut String, checkpoint: Option<&Checkpoint>) {
        self.fields.clear();
        self.ok_rows = 0;
        self.first = None;
        self.last = None;
        self.failure = None;
        // A chunk ends at a record boundary or at the end of input, so its
        // end is a clean end, unless a record outgrew the limit or reading
        // failed.
        let at_eof = !self.too_long && self.io_error.is_none();
        let mut pos = 0;
        loop {
            // Each record is checked as soon as it is parsed, so one
            // record's worth of fields is all that is kept.
            self.fields.clear();
            let step = parse_record(&self.raw[pos..], at_eof, &mut self.fields);
            let n = match step {
                Ok(Step::Record(n)) => n,
                Ok(Step::End) => {
                    if let Some(e) = &self.io_error {
                        self.failure = Some(RowError::Malformed(ReadErrorKind::Io(e.clone())));
                    }
                    return;
                }
                Ok(Step::NeedMore) => {
                    let kind = match &self.io_error {
                        Some(e) => ReadErrorKind::Io(e.clone()),
                        None => ReadErrorKind::RecordTooLong,
                    };
                    self.failure = Some(RowError::Malformed(kind));
                    return;
                }
                Err(why) => {
                    self.failure = Some(RowError::Malformed(ReadErrorKind::Syntax(why)));
                    return;
                }
            };
            pos += n;
            let found = self.fields.ends.len();
            if found != COLUMNS.len() {
                self.failure = Some(RowError::Malformed(ReadErrorKind::ColumnCount { found }));
                return;
            }
            let ev = match decode(&self.fields, 0) {
                Ok(ev) => ev,
                Err(kind) => {
                    self.failure = Some(RowError::Malformed(kind));
                    return;
                }
            };
            let seq = ev.seq;
            let verdict = check_content(&ev, buf).and_then(|()| match self.last {
                None => Ok(()),
                Some((last_seq, last_hash)) => {
                    let head = Head {
                        events: 1,
                        seq: last_seq,
                        hash: last_hash,
                    };
                    check_link(
                        &head,
                        seq,
                        ev.prev_hash.as_bytes(),
                        ev.hash.as_bytes(),
                        checkpoint,
                    )
                }
            });
            if let Err(problem) = verdict {
                self.failure = Some(RowError::Tampered { seq, problem });
                return;
            }
            let hash = hash_bytes(self.fields.field(11));
            if self.first.is_none() {
                self.first = Some((seq, hash_bytes(self.fields.field(10)), hash));
            }
            self.last = Some((seq, hash));
            self.ok_rows += 1;
        }
    }
}

/// Cuts the input into chunks that end exactly at record boundaries.
struct Chunker<R> {
    r: R,
    /// Bytes read past the last boundary, carried into the next chunk.
    carry: Vec<u8>,
    eof: bool,
}

impl<R: Read> Chunker<R> {
    /// Reads and checks the header row.
    fn new(r: R) -> Result<Self, ReadError> {
        let mut chunker = Chunker {
            r,
            carry: Vec::new(),
            eof: false,
        };
        let header_err = |kind| ReadError { row: 0, kind };
        let mut fields = Fields::default();
        loop {
            fields.clear();
            match parse_record(&chunker.carry, chunker.eof, &mut fields)
                .map_err(|why| header_err(ReadErrorKind::Syntax(why)))?
            {
                Step::Record(n) => {
                    let ok = fields.ends.len() == COLUMNS.len()
                        && (0..COLUMNS.len()).all(|k| fields.field(k) == COLUMNS[k].as_bytes());
                    if !ok {
                        return Err(header_err(ReadErrorKind::WrongHeader));
                    }
                    chunker.carry.drain(..n);
                    return Ok(chunker);
                }
                Step::End => return Err(header_err(ReadErrorKind::Empty)),
                Step::NeedMore if chunker.carry.len() > MAX_RECORD_BYTES => {
                    return Err(header_err(ReadErrorKind::WrongHeader));
                }
                Step::NeedMore => {
                    let mut carry = std::mem::take(&mut chunker.carry);
                    let read = chunker.read_more(&mut carry);
                    chunker.carry = carry;
                    read.map_err(|e| header_err(ReadErrorKind::Io(e.to_string())))?;
                }
            }
        }
    }

    /// Appends up to [`CHUNK_BYTES`] more input to `buf`, noting the end.
    fn read_more(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        // `read_to_end` fills spare capacity without zeroing it first.
        buf.reserve(CHUNK_BYTES);
        let want = CHUNK_BYTES as u64;
        let got = self.r.by_ref().take(want).read_to_end(buf)?;
        if (got as u64) < want {
            self.eof = true;
        }
        Ok(())
    }

    /// Fills `group` with up to [`GROUP_CHUNKS`] chunks; false when this is
    /// the last group.
    fn fill_group(&mut self, group: &mut Vec<Chunk>) -> bool {
        group.resize_with(GROUP_CHUNKS, Chunk::default);
        for used in 0..GROUP_CHUNKS {
            let more = self.fill_chunk(&mut group[used]);
            if !more {
                group.truncate(used + 1);
                return false;
            }
        }
        true
    }

    /// Fills one chunk; false when nothing can follow it.
    fn fill_chunk(&mut self, chunk: &mut Chunk) -> bool {
        chunk.reset();
        std::mem::swap(&mut chunk.raw, &mut self.carry);
        loop {
            if chunk.raw.len() < CHUNK_BYTES && !self.eof {
                if let Err(e) = self.read_more(&mut chunk.raw) {
                    chunk.io_error = Some(e.to_string());
                    return false;
                }
                continue;
            }
            if self.eof {
                return false;
            }
            match record_boundary(&chunk.raw) {
                Some(end) => {
                    self.carry.clear();
                    self.carry.extend_from_slice(&chunk.raw[end..]);
                    chunk.raw.truncate(end);
                    return true;
                }
                None if chunk.raw.len() > MAX_RECORD_BYTES => {
                    chunk.too_long = true;
                    return false;
                }
                None => {
                    if let Err(e) = self.read_more(&mut chunk.raw) {
                        chunk.io_error = Some(e.to_string());
                        return false;
                    }
                }
            }
        }
    }
}

/// The end of the last complete record in `raw`, which starts at a record
/// boundary: just after the last line feed preceded by an even number of
/// quotes. In well-formed CSV an even quote count means "outside quotes";
/// where the file is malformed, parsing the chunk reports the error at or
/// before the first place the two could disagree.
fn record_boundary(raw: &[u8]) -> Option<usize> {
    // An XOR fold vectorizes, unlike a filtered count.
    let odd_quotes =
        |bytes: &[u8]| bytes.iter().fold(0u8, |acc, &b| acc ^ u8::from(b == b'"')) == 1;
    let mut odd = odd_quotes(raw);
    let mut end = raw.len();
    while let Some(lf) = raw[..end].iter().rposition(|&b| b == b'\n') {
        odd ^= odd_quotes(&raw[lf..end]);
        if !odd {
            return Some(lf + 1);
        }
        end = lf;
    }
    None
}

/// Checks chunk groups in order: chunks in parallel, then the links
/// between chunks.
struct ChunkChecker {
    verifier: Verifier,
    rows_done: u64,
}

impl ChunkChecker {
    fn new(checkpoint: Option<Checkpoint>) -> Self {
        ChunkChecker {
            verifier: Verifier::new(checkpoint),
            rows_done: 0,
        }
    }

    /// `Some` with the verdict when this group holds the first problem.
    fn check(&mut self, group: &mut [Chunk]) -> Option<VerifyOutcome> {
        let checkpoint = self.verifier.checkpoint();
        group
            .par_iter_mut()
            .for_each_init(String::new, |buf, chunk| chunk.process(buf, checkpoint));
        for chunk in group.iter() {
            let first_row = self.rows_done + 1;
            if let (Some((seq, prev_hash, hash)), Some((last_seq, last_hash))) =
                (&chunk.first, &chunk.last)
            {
                if let Err(failure) = self.verifier.link(first_row, *seq, prev_hash, hash) {
                    return Some(VerifyOutcome::Tampered(failure));
                }
                let rows = chunk.ok_rows as u64;
                self.verifier
                    .advance(first_row + rows - 1, *last_seq, last_hash, rows - 1);
            }
            self.rows_done += chunk.ok_rows as u64;
            let row = self.rows_done + 1;
            match &chunk.failure {
                None => {}
                Some(RowError::Malformed(kind)) => {
                    return Some(VerifyOutcome::Malformed(ReadError {
                        row,
                        kind: kind.clone(),
                    }));
                }
                Some(RowError::Tampered { seq, problem }) => {
                    return Some(VerifyOutcome::Tampered(Failure {
                        row,
                        seq: Some(*seq),
                        problem: problem.clone(),
                    }));
                }
            }
        }
        None
    }

    fn finish(self) -> VerifyOutcome {
        match self.verifier.finish() {
            Ok(v) => VerifyOutcome::Valid(v),
            Err(failure) => VerifyOutcome::Tampered(failure),
        }
    }
}

fn unescape_bytes(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"'").unwrap_or(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::testing::{chain, seal};
    use crate::domain::audit::{GENESIS_HASH, Problem};
    use proptest::prelude::*;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    /// The CSV bytes plus where each data row starts and ends (`rows[0]` is
    /// the header), so tests can cut and splice whole rows.
    fn export(evs: &[Event]) -> (Vec<u8>, Vec<std::ops::Range<usize>>) {
        let mut out = Vec::new();
        write_header(&mut out).unwrap();
        let header = 0..out.len();
        let mut rows = vec![header];
        let mut w = AuditCsvWriter::new(out);
        for ev in evs {
            w.write_event(ev).unwrap();
            let start = rows.last().unwrap().end;
            let end = w.w.len();
            rows.push(start..end);
        }
        (w.into_inner(), rows)
    }

    fn csv(evs: &[Event]) -> Vec<u8> {
        export(evs).0
    }

    fn verify(bytes: &[u8], cp: Option<Checkpoint>) -> VerifyOutcome {
        verify_csv(bytes, cp)
    }

    fn tampered(outcome: VerifyOutcome) -> (u64, Problem) {
        match outcome {
            VerifyOutcome::Tampered(f) => (f.row, f.problem),
            other => panic!("expected tampered, got {other}"),
        }
    }

    fn malformed(outcome: VerifyOutcome) -> (u64, ReadErrorKind) {
        match outcome {
            VerifyOutcome::Malformed(e) => (e.row, e.kind),
            other => panic!("expected malformed, got {other}"),
        }
    }

    fn checkpoint(ev: &Event) -> Option<Checkpoint> {
        Some(Checkpoint {
            seq: ev.seq,
            hash: ev.hash.clone(),
        })
    }

    #[test]
    fn writer_escapes_formulas_and_quotes_only_what_needs_it() {
        let evs = chain(4);
        let text = String::from_utf8(csv(&evs)).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(COLUMNS.join(",").as_str()));
        assert!(text.contains(",'-2 after recount,"), "{text}");
        assert!(text.contains(",'=admin,"), "{text}");
        assert!(text.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{text}");
        assert!(
            text.contains(",\"line one\nline two, with comma\","),
            "{text}"
        );
        assert!(!text.contains('\r'));
    }

    #[test]
    fn reader_returns_exactly_what_was_written() {
        let evs = chain(25);
        let read: Vec<(u64, Event)> = AuditCsvReader::new(&csv(&evs)[..])
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            read.iter().map(|(row, _)| *row).collect::<Vec<_>>(),
            (1..=25).collect::<Vec<_>>()
        );
        assert_eq!(read.into_iter().map(|(_, ev)| ev).collect::<Vec<_>>(), evs);
    }

    #[test]
    fn an_untouched_trail_verifies_with_and_without_its_checkpoint() {
        let evs = chain(15);
        let bytes = csv(&evs);
        let want = Verified {
            events: 15,
            head_seq: 15,
            head_hash: evs[14].hash.clone(),
        };
        assert_eq!(verify(&bytes, None), VerifyOutcome::Valid(want.clone()));
        assert_eq!(
            verify(&bytes, checkpoint(&evs[9])),
            VerifyOutcome::Valid(want.clone())
        );
        assert_eq!(
            verify(&bytes, checkpoint(&evs[14])),
            VerifyOutcome::Valid(want)
        );
        assert_eq!(verify(&bytes, None).exit_code(), 0);
    }

    #[test]
    fn a_header_only_file_is_an_empty_valid_trail() {
        let outcome = verify(HEADER_LINE, None);
        assert_eq!(
            outcome,
            VerifyOutcome::Valid(Verified {
                events: 0,
                head_seq: 0,
                head_hash: GENESIS_HASH.to_owned()
            })
        );
    }

    #[test]
    fn the_final_line_feed_is_optional() {
        let mut bytes = csv(&chain(3));
        bytes.pop();
        assert_eq!(verify(&bytes, None).exit_code(), 0);
    }

    #[test]
    fn a_wrong_checkpoint_hash_fails_at_its_row() {
        let evs = chain(15);
        let cp = Some(Checkpoint {
            seq: 10,
            hash: evs[8].hash.clone(),
        });
        let (row, problem) = tampered(verify(&csv(&evs), cp));
        assert_eq!(row, 10);
        assert!(
            matches!(problem, Problem::CheckpointMismatch { seq: 10, .. }),
            "{problem}"
        );
    }

    #[test]
    fn a_rewritten_and_rehashed_history_passes_alone_but_not_against_a_checkpoint() {
        let evs = chain(15);
        let mut forged = evs.clone();
        forged[4].reason = "nothing to see".to_owned();
        let mut prev = forged[3].hash.clone();
        for ev in &mut forged[4..] {
            *ev = seal(ev.clone(), &prev);
            prev = ev.hash.clone();
        }
        let bytes = csv(&forged);
        assert_eq!(verify(&bytes, None).exit_code(), 0);
        let (row, problem) = tampered(verify(&bytes, checkpoint(&evs[9])));
        assert_eq!(row, 10);
        assert!(matches!(problem, Problem::CheckpointMismatch { .. }));
    }

    fn splice(bytes: &[u8], rows: &[std::ops::Range<usize>], order: &[usize]) -> Vec<u8> {
        let mut out = bytes[rows[0].clone()].to_vec();
        for &k in order {
            out.extend_from_slice(&bytes[rows[k].clone()]);
        }
        out
    }

    #[test]
    fn deleted_inserted_swapped_duplicated_and_truncated_rows_are_named() {
        let evs = chain(15);
        let (bytes, rows) = export(&evs);
        let all: Vec<usize> = (1..=15).collect();

        let deleted: Vec<usize> = all.iter().copied().filter(|&k| k != 5).collect();
        assert_eq!(
            tampered(verify(&splice(&bytes, &rows, &deleted), None)),
            (
                5,
                Problem::SeqGap {
                    expected: 5,
                    found: 6
                }
            )
        );

        // A forged event that hashes correctly and links to row 7: the
        // genuine seq 8 that follows it can no longer fit.
        let mut forged = evs[7].clone();
        forged.reason = "forged".to_owned();
        let forged = seal(forged, &evs[6].hash);
        let (forged_line, _) = export(std::slice::from_ref(&forged));
        let mut inserted = splice(&bytes, &rows, &all[..7]);
        inserted.extend_from_slice(&forged_line[HEADER_LINE.len()..]);
        inserted.extend_from_slice(&bytes[rows[8].start..]);
        assert_eq!(tampered(verify(&inserted, None)), (9, Problem::Duplicate));

        let mut swapped = all.clone();
        swapped.swap(3, 4);
        assert_eq!(
            tampered(verify(&splice(&bytes, &rows, &swapped), None)),
            (
                4,
                Problem::SeqGap {
                    expected: 4,
                    found: 5
                }
            )
        );

        let mut duplicated = all.clone();
        duplicated.insert(6, 6);
        assert_eq!(
            tampered(verify(&splice(&bytes, &rows, &duplicated), None)),
            (7, Problem::Duplicate)
        );

        let truncated = splice(&bytes, &rows, &all[..7]);
        assert_eq!(verify(&truncated, None).exit_code(), 0);
        assert_eq!(
            tampered(verify(&truncated, checkpoint(&evs[9]))),
            (
                8,
                Problem::TruncatedBeforeCheckpoint {
                    checkpoint_seq: 10,
                    last_seq: 7
                }
            )
        );
    }

    /// Row containing byte `i` (0 = header).
    fn row_of(rows: &[std::ops::Range<usize>], i: usize) -> u64 {
        rows.iter().position(|r| r.contains(&i)).unwrap() as u64
    }

    /// A bit flip, a printable letter, and the bytes that carry CSV structure.
    fn replacements(b: u8) -> Vec<u8> {
        let mut out = vec![b ^ 0x01, if b == b'x' { b'y' } else { b'x' }, b'\n', b'"'];
        out.retain(|&r| r != b);
        out
    }

    #[test]
    fn every_single_byte_edit_is_caught_at_its_row() {
        let evs = chain(15);
        let (bytes, rows) = export(&evs);
        let sweep = |positions: std::ops::Range<usize>| {
            let mut edits = 0;
            for i in positions {
                let want_row = row_of(&rows, i);
                for r in replacements(bytes[i]) {
                    let mut edited = bytes.clone();
                    edited[i] = r;
                    edits += 1;
                    let outcome = verify(&edited, None);
                    let got_row = match &outcome {
                        VerifyOutcome::Valid(_) => {
                            panic!("byte {i} {:#04x}->{r:#04x} went unnoticed", bytes[i])
                        }
                        VerifyOutcome::Tampered(f) => f.row,
                        VerifyOutcome::Malformed(e) => e.row,
                    };
                    assert_eq!(
                        got_row, want_row,
                        "byte {i} {:#04x}->{r:#04x}: {outcome}",
                        bytes[i]
                    );
                }
            }
            edits
        };
        // Plain threads, not rayon: verify_csv itself waits on the pool.
        let mid = bytes.len() / 2;
        let edits = std::thread::scope(|s| {
            let low = s.spawn(|| sweep(0..mid));
            sweep(mid..bytes.len()) + low.join().unwrap()
        });
        assert!(edits > 3 * bytes.len(), "{edits}");
    }

    #[test]
    fn malformed_files_name_the_row() {
        let evs = chain(3);
        let good = String::from_utf8(csv(&evs)).unwrap();
        let cases: Vec<(Vec<u8>, u64, ReadErrorKind)> = vec![
            (Vec::new(), 0, ReadErrorKind::Empty),
            (
                good.replacen("seq,", "Seq,", 1).into_bytes(),
                0,
                ReadErrorKind::WrongHeader,
            ),
            (
                good.replacen(",hash\n", ",hash,extra\n", 1).into_bytes(),
                0,
                ReadErrorKind::WrongHeader,
            ),
            (
                good.replace('\n', "\r\n").into_bytes(),
                0,
                ReadErrorKind::Syntax("a CR outside quotes (lines must end with LF only)"),
            ),
            (
                format!("{good}\n").into_bytes(),
                4,
                ReadErrorKind::ColumnCount { found: 1 },
            ),
            (
                good.replacen("\n1,", "\n01,", 1).into_bytes(),
                1,
                ReadErrorKind::BadSeq,
            ),
            (
                good.replacen("\n2,", "\n+2,", 1).into_bytes(),
                2,
                ReadErrorKind::BadSeq,
            ),
            (
                good.replacen("\n3,", "\nthree,", 1).into_bytes(),
                3,
                ReadErrorKind::BadSeq,
            ),
            (
                format!("{good}4,\"open").into_bytes(),
                4,
                ReadErrorKind::Syntax("a quoted field is never closed"),
            ),
        ];
        for (bytes, row, kind) in cases {
            assert_eq!(
                malformed(verify(&bytes, None)),
                (row, kind.clone()),
                "{}",
                String::from_utf8_lossy(&bytes)
            );
        }
        let mut bad_utf8 = good.into_bytes();
        let at = bad_utf8.windows(4).position(|w| w == b"REG-").unwrap();
        bad_utf8[at] = 0xff;
        assert_eq!(
            malformed(verify(&bad_utf8, None)),
            (
                1,
                ReadErrorKind::InvalidUtf8 {
                    column: "subject_id"
                }
            )
        );
        assert_eq!(verify(&bad_utf8, None).exit_code(), 2);
    }

    /// Hands out at most `chunk` bytes per read, to exercise records that
    /// straddle buffer refills.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn long_trails_verify_across_batches_and_short_reads() {
        let evs = chain(9000);
        let bytes = csv(&evs);
        assert_eq!(verify(&bytes, checkpoint(&evs[8999])).exit_code(), 0);
        let (_, rows) = export(&evs[..60]);
        let head = &bytes[..rows[60].end];
        for chunk in [1, 7, 4096] {
            let outcome = verify_csv(Trickle { data: head, chunk }, None);
            assert!(matches!(outcome, VerifyOutcome::Valid(_)), "{outcome}");
        }
        let mut edited = evs.clone();
        edited[8000].actor.push('x');
        assert_eq!(
            tampered(verify(&csv(&edited), None)),
            (8001, Problem::Edited)
        );
        let mut gap = evs;
        gap.remove(4096);
        assert_eq!(
            tampered(verify(&csv(&gap), None)),
            (
                4097,
                Problem::SeqGap {
                    expected: 4097,
                    found: 4098
                }
            )
        );
    }

    /// The obvious row-by-row verifier that the parallel one must match.
    fn verify_sequentially(bytes: &[u8], cp: Option<Checkpoint>) -> VerifyOutcome {
        let mut v = Verifier::new(cp);
        for item in AuditCsvReader::new(bytes) {
            match item {
                Ok((row, ev)) => {
                    if let Err(f) = v.push(row, &ev) {
                        return VerifyOutcome::Tampered(f);
                    }
                }
                Err(e) => return VerifyOutcome::Malformed(e),
            }
        }
        match v.finish() {
            Ok(verified) => VerifyOutcome::Valid(verified),
            Err(f) => VerifyOutcome::Tampered(f),
        }
    }

    #[test]
    fn chunked_verification_matches_row_by_row_verification() {
        // Long quoted fields full of line feeds and quotes, so chunk
        // boundaries must be found by quote parity, not at any line feed.
        let mut evs = chain(700);
        for ev in &mut evs {
            ev.reason = format!(
                "{}\n\"{}\"\n",
                ev.reason,
                "x,\n\"".repeat(ev.seq as usize % 900 * 2)
            );
        }
        let mut prev = GENESIS_HASH.to_owned();
        for ev in &mut evs {
            *ev = seal(ev.clone(), &prev);
            prev = ev.hash.clone();
        }
        let bytes = csv(&evs);
        assert!(bytes.len() > GROUP_CHUNKS * CHUNK_BYTES, "{}", bytes.len());
        let cp = checkpoint(&evs[650]);
        assert_eq!(
            verify(&bytes, cp.clone()),
            verify_sequentially(&bytes, cp.clone())
        );
        assert_eq!(verify(&bytes, cp.clone()).exit_code(), 0);

        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..16 {
            let mut edited = bytes.clone();
            let at = (next() % bytes.len() as u64) as usize;
            edited[at] = [b'"', b'\n', b'\r', b'x', edited[at] ^ 1][(next() % 5) as usize];
            if edited[at] == bytes[at] {
                continue;
            }
            let got = verify(&edited, cp.clone());
            assert_ne!(got.exit_code(), 0, "byte {at}");
            assert_eq!(got, verify_sequentially(&edited, cp.clone()), "byte {at}");
        }
        let cut = &bytes[..bytes.len() * 2 / 3];
        assert_eq!(verify(cut, cp.clone()), verify_sequentially(cut, cp));
    }

    fn any_text() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec![
                "", "=", "+", "-", "@", "'", "\t", "\r", "\"", ",", "\n", "''",
            ]),
            any::<String>(),
        )
            .prop_map(|(lead, rest)| format!("{lead}{rest}"))
    }

    fn any_event() -> impl Strategy<Value = Event> {
        (any::<u64>(), prop::collection::vec(any_text(), 11)).prop_map(|(seq, t)| Event {
            seq,
            at: t[0].clone(),
            actor: t[1].clone(),
            actor_role: t[2].clone(),
            action: t[3].clone(),
            subject_type: t[4].clone(),
            subject_id: t[5].clone(),
            round_id: t[6].clone(),
            payload: t[7].clone(),
            reason: t[8].clone(),
            prev_hash: t[9].clone(),
            hash: t[10].clone(),
        })
    }

    proptest! {
        #[test]
        fn write_then_read_round_trips(evs in prop::collection::vec(any_event(), 0..8)) {
            let read: Vec<Event> = AuditCsvReader::new(&csv(&evs)[..])
                .map(|r| r.map(|(_, ev)| ev))
                .collect::<Result<_, _>>()
                .unwrap();
            prop_assert_eq!(read, evs);
        }
    }

    // ---- the independent Python verifier ---------------------------------

    fn python() -> Option<&'static str> {
        let ok = Command::new("python3")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            Some("python3")
        } else {
            eprintln!("python3 not found: skipping the independent verifier check");
            None
        }
    }

    /// The scratch crate keeps it in `independent/`, the project in
    /// `tests/independent/`.
    fn script() -> PathBuf {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        [
            "tests/independent/verify_audit.py",
            "independent/verify_audit.py",
        ]
        .iter()
        .map(|p| root.join(p))
        .find(|p| p.exists())
        .expect("verify_audit.py next to the crate")
    }

    fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("pokmas-audit-{}-{name}.csv", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn run_script(py: &str, path: &Path, cp: Option<&Checkpoint>) -> (i32, String) {
        let mut cmd = Command::new(py);
        cmd.arg(script()).arg(path);
        if let Some(cp) = cp {
            cmd.arg("--checkpoint")
                .arg(format!("{}:{}", cp.seq, cp.hash));
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    #[test]
    fn the_independent_python_verifier_agrees_on_files_we_write() {
        let Some(py) = python() else { return };
        let evs = chain(15);
        let bytes = csv(&evs);
        let good = temp_file("good", &bytes);
        let (code, msg) = run_script(py, &good, None);
        assert_eq!(code, 0, "{msg}");
        assert!(msg.contains(&evs[14].hash), "{msg}");
        assert_eq!(run_script(py, &good, checkpoint(&evs[9]).as_ref()).0, 0);

        let at = bytes
            .windows(16)
            .position(|w| w == b"-2 after recount")
            .unwrap()
            + 1;
        let mut edited = bytes.clone();
        edited[at] ^= 0x01;
        let edited_path = temp_file("edited", &edited);
        let (code, msg) = run_script(py, &edited_path, None);
        assert_eq!(code, 1, "{msg}");
        assert!(
            msg.contains("row 1 (seq 1)") && msg.contains("edited"),
            "{msg}"
        );
        assert_eq!(verify(&edited, None).exit_code(), 1);

        let (code, msg) = run_script(
            py,
            &good,
            Some(&Checkpoint {
                seq: 20,
                hash: evs[0].hash.clone(),
            }),
        );
        assert_eq!(code, 1, "{msg}");
        assert!(msg.contains("row 16") && msg.contains("truncated"), "{msg}");

        let crlf = temp_file(
            "crlf",
            &String::from_utf8(bytes)
                .unwrap()
                .replace('\n', "\r\n")
                .into_bytes(),
        );
        assert_eq!(run_script(py, &crlf, None).0, 2);
        for path in [good, edited_path, crlf] {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Both verifiers must reach the same verdict and row for every one-byte
    /// edit; the Python side applies the same edits in one process.
    #[test]
    fn both_verifiers_agree_on_every_single_byte_edit() {
        let Some(py) = python() else { return };
        let evs = chain(15);
        let bytes = csv(&evs);
        let cp = &evs[9];
        let mut expected = String::new();
        let mut edits = String::new();
        for i in 0..bytes.len() {
            for r in [bytes[i] ^ 0x01, if bytes[i] == b'x' { b'y' } else { b'x' }] {
                let mut edited = bytes.clone();
                edited[i] = r;
                let (code, row) = match verify(&edited, checkpoint(cp)) {
                    VerifyOutcome::Valid(_) => (0, 0),
                    VerifyOutcome::Tampered(f) => (1, f.row),
                    VerifyOutcome::Malformed(e) => (2, e.row),
                };
                edits.push_str(&format!("{i} {r}\n"));
                expected.push_str(&format!("{code} {row}\n"));
            }
        }
        let good = temp_file("agree", &bytes);
        let edits_path = temp_file("agree-edits", edits.as_bytes());
        let driver = r#"
import re, sys
sys.path.insert(0, sys.argv[1])
import verify_audit as v
data = open(sys.argv[2], 'rb').read()
cp = (int(sys.argv[4]), sys.argv[5])
for line in open(sys.argv[3]):
    i, r = map(int, line.split())
    edited = bytearray(data); edited[i] = r
    code, msg = v.verify(bytes(edited), cp)
    m = re.search(r'row (\d+)', msg)
    print(code, m.group(1) if m else 0)
"#;
        let out = Command::new(py)
            .args(["-c", driver])
            .arg(script().parent().unwrap())
            .arg(&good)
            .arg(&edits_path)
            .arg(cp.seq.to_string())
            .arg(&cp.hash)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(good);
        let _ = std::fs::remove_file(edits_path);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = String::from_utf8(out.stdout).unwrap();
        for ((e, g), edit) in expected.lines().zip(got.lines()).zip(edits.lines()) {
            assert_eq!(e, g, "edit {edit}: rust vs python");
        }
        assert_eq!(expected.lines().count(), got.lines().count());
    }
}
