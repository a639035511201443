//! Streaming verification of `audit.csv`: records are checked in parallel
//! chunks and the chain is walked in order.

use super::*;

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
pub(super) const CHUNK_BYTES: usize = 64 << 10;

/// Chunks handed to the pool at once.
pub(super) const GROUP_CHUNKS: usize = 32;

/// Raw bytes holding whole records, parsed and checked on a pool thread.
#[derive(Default)]
pub(super) struct Chunk {
    pub(super) raw: Vec<u8>,
    /// No record boundary was found within the size limit.
    pub(super) too_long: bool,
    pub(super) io_error: Option<String>,
    pub(super) fields: Fields,
    /// Leading rows that passed every check, including the links between
    /// them (but not the first row's link to the previous chunk).
    pub(super) ok_rows: usize,
    /// Row 0, for the link to the previous chunk: seq, prev_hash, hash.
    pub(super) first: Option<(u64, [u8; 64], [u8; 64])>,
    /// The last accepted row: seq and hash.
    pub(super) last: Option<(u64, [u8; 64])>,
    /// What is wrong with the row after the `ok_rows` good ones.
    pub(super) failure: Option<RowError>,
}

pub(super) enum RowError {
    Malformed(ReadErrorKind),
    Tampered { seq: u64, problem: Problem },
}

pub(super) fn hash_bytes(field: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    // Only called on fields that passed the 64-hex-digit check.
    if let Some(src) = unescape_bytes(field).get(..64) {
        out.copy_from_slice(src);
    }
    out
}

impl Chunk {
    pub(super) fn reset(&mut self) {
        self.raw.clear();
        self.too_long = false;
        self.io_error = None;
    }

    /// Parses and checks every row, and the links between them; depends on
    /// no other chunk.
    pub(super) fn process(&mut self, buf: &mut String, checkpoint: Option<&Checkpoint>) {
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
pub(super) struct Chunker<R> {
    pub(super) r: R,
    /// Bytes read past the last boundary, carried into the next chunk.
    pub(super) carry: Vec<u8>,
    pub(super) eof: bool,
}

impl<R: Read> Chunker<R> {
    /// Reads and checks the header row.
    pub(super) fn new(r: R) -> Result<Self, ReadError> {
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
    pub(super) fn read_more(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
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
    pub(super) fn fill_group(&mut self, group: &mut Vec<Chunk>) -> bool {
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
    pub(super) fn fill_chunk(&mut self, chunk: &mut Chunk) -> bool {
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
pub(super) fn record_boundary(raw: &[u8]) -> Option<usize> {
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
pub(super) struct ChunkChecker {
    pub(super) verifier: Verifier,
    pub(super) rows_done: u64,
}

impl ChunkChecker {
    pub(super) fn new(checkpoint: Option<Checkpoint>) -> Self {
        ChunkChecker {
            verifier: Verifier::new(checkpoint),
            rows_done: 0,
        }
    }

    /// `Some` with the verdict when this group holds the first problem.
    pub(super) fn check(&mut self, group: &mut [Chunk]) -> Option<VerifyOutcome> {
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

    pub(super) fn finish(self) -> VerifyOutcome {
        match self.verifier.finish() {
            Ok(v) => VerifyOutcome::Valid(v),
            Err(failure) => VerifyOutcome::Tampered(failure),
        }
    }
}

pub(super) fn unescape_bytes(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"'").unwrap_or(b)
}
