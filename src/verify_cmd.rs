//! `pokmas audit verify`: reads an exported trail without any database.

use std::path::Path;

use crate::domain::audit::Checkpoint;
use crate::export::audit_csv::{VerifyOutcome, verify_csv};

/// Verifies `file`, prints the verdict, and returns the exit code (0, 1 or 2).
pub fn verify(file: &Path, checkpoint: Option<&str>) -> i32 {
    let checkpoint = match checkpoint.map(str::parse::<Checkpoint>).transpose() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("malformed: {e} (expected SEQ:HASH, e.g. 1200:<64 hex digits>)");
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
        VerifyOutcome::Valid(v) => {
            println!(
                "valid: {} events, head {}:{}",
                v.events, v.head_seq, v.head_hash
            );
        }
        VerifyOutcome::Tampered(f) => println!("tampered: {f}"),
        VerifyOutcome::Malformed(e) => println!("malformed: {e}"),
    }
    outcome.exit_code()
}
