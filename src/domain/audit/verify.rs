//! Walking the chain: checkpoints, problems and the streaming verifier.

use super::*;

/// A published `(seq, hash)` the trail must contain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: u64,
    /// 64 lowercase hex digits.
    pub hash: String,
}

/// Why a `SEQ:HASH` checkpoint argument was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a checkpoint is SEQ:HASH, with HASH 64 hex digits (got {0:?})")]
pub struct CheckpointParseError(pub String);

impl FromStr for Checkpoint {
    type Err = CheckpointParseError;

    /// Parses `SEQ:HASH`; hex digits may be in either case and are stored
    /// lowercase.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CheckpointParseError(s.to_owned());
        let (seq, hash) = s.split_once(':').ok_or_else(err)?;
        if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let seq = seq.parse().map_err(|_| err())?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        Ok(Checkpoint {
            seq,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

/// What is wrong with a row (or with the trail as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// `hash` does not match the row's content.
    Edited,
    /// `hash` is not 64 lowercase hex digits.
    BadHashFormat,
    /// `prev_hash` is not 64 lowercase hex digits.
    BadPrevHashFormat,
    /// `payload` is not exactly its own canonical form.
    PayloadNotCanonical,
    /// `at` is not in the exact [`format_at`] shape.
    BadTimestamp,
    /// `prev_hash` differs from the previous event's hash (64 zeros for seq 1).
    BrokenLink,
    /// `seq` is not the previous seq + 1 (or 1 for the first row).
    SeqGap { expected: u64, found: u64 },
    /// `seq` repeats the previous row's seq.
    Duplicate,
    /// The trail ends below the checkpoint's seq.
    TruncatedBeforeCheckpoint { checkpoint_seq: u64, last_seq: u64 },
    /// The event at the checkpoint's seq has another hash.
    CheckpointMismatch {
        seq: u64,
        expected: String,
        found: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Edited => f.write_str("the hash does not match the row's content: the row was edited"),
            Problem::BadHashFormat => f.write_str("hash is not 64 lowercase hex digits"),
            Problem::BadPrevHashFormat => f.write_str("prev_hash is not 64 lowercase hex digits"),
            Problem::PayloadNotCanonical => f.write_str(
                "payload is not canonical JSON (RFC 8785 text of an object, integers only): it was edited",
            ),
            Problem::BadTimestamp => {
                f.write_str("at is not a UTC timestamp shaped like 2023-05-02T03:04:05.123456Z")
            }
            Problem::BrokenLink => f.write_str(
                "prev_hash does not equal the previous event's hash (64 zeros for seq 1): \
                 a row was inserted, deleted or reordered",
            ),
            Problem::SeqGap { expected, found } if found > expected => write!(
                f,
                "expected seq {expected} but found {found}: events are missing (deleted) or reordered"
            ),
            Problem::SeqGap { expected, found } => {
                write!(f, "expected seq {expected} but found {found}: rows are reordered or inserted")
            }
            Problem::Duplicate => {
                f.write_str("seq repeats the previous row's seq: a row was duplicated or inserted")
            }
            Problem::TruncatedBeforeCheckpoint { checkpoint_seq, last_seq } => write!(
                f,
                "the trail ends at seq {last_seq} but the checkpoint is at seq {checkpoint_seq}: \
                 it was truncated below the checkpoint"
            ),
            Problem::CheckpointMismatch { seq, expected, found } => write!(
                f,
                "the event at checkpoint seq {seq} has hash {found}, but the checkpoint says {expected}"
            ),
        }
    }
}

/// The first thing found wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// 1-based data row (header excluded). For truncation it is the first
    /// missing row; 0 only for a checkpoint at seq 0 that is not genesis.
    pub row: u64,
    /// The seq written in that row, when there is one.
    pub seq: Option<u64>,
    pub problem: Problem,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "row {} (seq {seq}): {}", self.row, self.problem),
            None => write!(f, "row {}: {}", self.row, self.problem),
        }
    }
}

impl std::error::Error for Failure {}

/// A trail that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub events: u64,
    /// 0 for an empty trail.
    pub head_seq: u64,
    /// [`GENESIS_HASH`] for an empty trail.
    pub head_hash: String,
}

/// Streaming chain verifier: feed events in order, then [`Verifier::finish`].
///
/// Memory is constant in the trail length; only the previous hash is kept.
#[derive(Debug)]
pub struct Verifier {
    checkpoint: Option<Checkpoint>,
    head: Head,
    last_row: u64,
}

/// Where the chain stands after the rows accepted so far.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Head {
    pub events: u64,
    pub seq: u64,
    /// Lowercase hex, as in the file.
    pub hash: [u8; 64],
}

impl Head {
    fn genesis() -> Self {
        let mut hash = [0u8; 64];
        hash.copy_from_slice(GENESIS_HASH.as_bytes());
        Head {
            events: 0,
            seq: 0,
            hash,
        }
    }
}

/// The check between a row and the chain head before it: seq order, chain
/// link, checkpoint. `prev_hash` and `hash` must already have passed
/// [`check_content`]. Pure, so the CSV verifier can apply it inside a chunk
/// in parallel and only across chunks in order.
pub(crate) fn check_link(
    head: &Head,
    seq: u64,
    prev_hash: &[u8],
    hash: &[u8],
    checkpoint: Option<&Checkpoint>,
) -> Result<(), Problem> {
    let expected = head.seq.saturating_add(1);
    if seq != expected {
        if head.events > 0 && seq == head.seq {
            return Err(Problem::Duplicate);
        }
        return Err(Problem::SeqGap {
            expected,
            found: seq,
        });
    }
    if !eq64(prev_hash, &head.hash) {
        return Err(Problem::BrokenLink);
    }
    if let Some(cp) = checkpoint
        && cp.seq == seq
        && cp.hash.as_bytes() != hash
    {
        return Err(Problem::CheckpointMismatch {
            seq,
            expected: cp.hash.clone(),
            found: String::from_utf8_lossy(hash).into_owned(),
        });
    }
    Ok(())
}

impl Verifier {
    /// Starts a verification, optionally against a published checkpoint.
    pub fn new(checkpoint: Option<Checkpoint>) -> Self {
        Verifier {
            checkpoint,
            head: Head::genesis(),
            last_row: 0,
        }
    }

    /// Checks one event, found at data row `row`.
    ///
    /// # Errors
    ///
    /// The [`Failure`] for this row; later calls after an error are
    /// meaningless.
    pub fn push(&mut self, row: u64, ev: &Event) -> Result<(), Failure> {
        let mut buf = String::new();
        check_content(&ev.as_ref(), &mut buf).map_err(|problem| Failure {
            row,
            seq: Some(ev.seq),
            problem,
        })?;
        self.link(row, ev.seq, ev.prev_hash.as_bytes(), ev.hash.as_bytes())
    }

    /// Checks consecutive events starting at data row `first_row`, hashing
    /// them in parallel; reports exactly what repeated [`Verifier::push`]
    /// would.
    ///
    /// # Errors
    ///
    /// The first [`Failure`] in row order.
    pub fn push_batch(&mut self, first_row: u64, evs: &[Event]) -> Result<(), Failure> {
        let content: Vec<Result<(), Problem>> = evs
            .par_iter()
            .map_init(String::new, |buf, ev| check_content(&ev.as_ref(), buf))
            .collect();
        for ((row, ev), res) in (first_row..).zip(evs).zip(content) {
            res.map_err(|problem| Failure {
                row,
                seq: Some(ev.seq),
                problem,
            })?;
            self.link(row, ev.seq, ev.prev_hash.as_bytes(), ev.hash.as_bytes())?;
        }
        Ok(())
    }

    pub(crate) fn checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoint.as_ref()
    }

    /// [`check_link`] against the current head, then advances it.
    pub(crate) fn link(
        &mut self,
        row: u64,
        seq: u64,
        prev_hash: &[u8],
        hash: &[u8],
    ) -> Result<(), Failure> {
        check_link(&self.head, seq, prev_hash, hash, self.checkpoint.as_ref()).map_err(
            |problem| Failure {
                row,
                seq: Some(seq),
                problem,
            },
        )?;
        self.advance(row, seq, hash, 1);
        Ok(())
    }

    /// Moves the head to a row whose links the caller has already checked;
    /// `events` rows were accepted on the way.
    pub(crate) fn advance(&mut self, row: u64, seq: u64, hash: &[u8], events: u64) {
        self.head.hash.copy_from_slice(hash);
        self.head.seq = seq;
        self.head.events += events;
        self.last_row = row;
    }

    /// Ends the verification.
    ///
    /// # Errors
    ///
    /// [`Problem::TruncatedBeforeCheckpoint`] when the trail stops below the
    /// checkpoint, naming the first missing row.
    pub fn finish(self) -> Result<Verified, Failure> {
        let head_hash = String::from_utf8_lossy(&self.head.hash).into_owned();
        if let Some(cp) = self.checkpoint {
            if cp.seq > self.head.seq {
                return Err(Failure {
                    row: self.last_row + 1,
                    seq: None,
                    problem: Problem::TruncatedBeforeCheckpoint {
                        checkpoint_seq: cp.seq,
                        last_seq: self.head.seq,
                    },
                });
            }
            if cp.seq == 0 && cp.hash != GENESIS_HASH {
                return Err(Failure {
                    row: 0,
                    seq: None,
                    problem: Problem::CheckpointMismatch {
                        seq: 0,
                        expected: cp.hash,
                        found: GENESIS_HASH.to_owned(),
                    },
                });
            }
        }
        Ok(Verified {
            events: self.head.events,
            head_seq: self.head.seq,
            head_hash,
        })
    }
}

pub(super) fn is_lower_hex64(s: &str) -> bool {
    // A fold without early exit vectorizes; this runs twice per row.
    s.len() == 64
        && s.bytes()
            .fold(true, |ok, b| ok & matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The per-row half of the check, independent of other rows so it can run in
/// parallel. `buf` is scratch space reused across rows.
pub(crate) fn check_content(ev: &EventRef<'_>, buf: &mut String) -> Result<(), Problem> {
    if !is_lower_hex64(ev.hash) {
        return Err(Problem::BadHashFormat);
    }
    if !is_lower_hex64(ev.prev_hash) {
        return Err(Problem::BadPrevHashFormat);
    }
    if parse_at(ev.at).is_none() {
        return Err(Problem::BadTimestamp);
    }
    if check_canonical_payload(ev.payload).is_err() {
        return Err(Problem::PayloadNotCanonical);
    }
    let mut hex = [0u8; 64];
    ev.hash_hex(buf, &mut hex);
    if !eq64(ev.hash.as_bytes(), &hex) {
        return Err(Problem::Edited);
    }
    Ok(())
}
