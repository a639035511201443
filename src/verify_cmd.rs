//! `pokmas audit verify`: reads an exported trail without any database.

use std::path::Path;

use crate::domain::audit::Checkpoint;
use crate::export::audit_csv::{VerifyOutcome, verify_csv};

/// Parses `SEQ:HASH`.
///
/// # Errors
/// A message for the user when the shape is wrong.
pub fn parse_checkpoint(s: &str) -> Result<Checkpoint, String> {
    let (seq, hash) = s.split_once(':').ok_or("checkpoint must be SEQ:HASH")?;
    let seq: u64 = seq.trim().parse().map_err(|_| "checkpoint SEQ must be a positive integer")?;
    let hash = hash.trim().to_owned();
    if seq == 0 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err("checkpoint must be SEQ:HASH with SEQ ≥ 1 and HASH 64 lowercase hex digits".into());
    }
    Ok(Checkpoint { seq, hash })
}

/// Verifies `file`, prints the verdict, and returns the exit code (0, 1 or 2).
pub fn verify(file: &Path, checkpoint: Option<&str>) -> i32 {
    let checkpoint = match checkpoint.map(parse_checkpoint).transpose() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("malformed: {e}");
            return 2;
        }
    };
    let f = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("malformed: cannot open {}: {e}", file.display());
            return 2;
        }
    };
    let outcome = verify_csv(std::io::BufReader::with_capacity(1 << 20, f), checkpoint);
    match &outcome {
        VerifyOutcome::Valid(v) => println!("valid: {} events, head {}:{}", v.events, v.head_seq, v.head_hash),
        VerifyOutcome::Tampered(f) => println!("tampered: {f}"),
        VerifyOutcome::Malformed(e) => println!("malformed: {e}"),
    }
    outcome.exit_code()
}
