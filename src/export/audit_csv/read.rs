//! Reading `audit.csv` back into events, one strict record at a time.

use super::*;

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

/// Pulls whole records out of a byte stream with a bounded buffer.
pub(super) struct RecordReader<R> {
    pub(super) r: R,
    pub(super) buf: Vec<u8>,
    pub(super) pos: usize,
    pub(super) end: usize,
    pub(super) eof: bool,
    /// Index of the next record: 0 is the header.
    pub(super) next_row: u64,
    pub(super) total_read: usize,
}

impl<R: Read> RecordReader<R> {
    pub(super) fn new(r: R) -> Self {
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
    pub(super) fn next_record(&mut self, out: &mut Fields) -> Result<Option<u64>, ReadError> {
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

    pub(super) fn fill(&mut self, row: u64) -> Result<(), ReadError> {
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

    pub(super) fn read_header(&mut self) -> Result<(), ReadError> {
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
pub(super) fn parse_seq(b: &[u8]) -> Option<u64> {
    match b {
        [] => None,
        [b'0', _, ..] => None,
        _ if b.iter().all(u8::is_ascii_digit) => std::str::from_utf8(b).ok()?.parse().ok(),
        _ => None,
    }
}

/// Decodes the record whose first field is field `base` of `f`.
pub(super) fn decode(f: &Fields, base: usize) -> Result<EventRef<'_>, ReadErrorKind> {
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

    pub(super) fn read_one(&mut self) -> Result<Option<(u64, Event)>, ReadError> {
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
