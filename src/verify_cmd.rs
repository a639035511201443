//! `pokmas audit verify`: reads an exported trail without any database.

use std::path::Path;

use crate::domain::audit::Checkpoint;
use crate::domain::checkpoint::{NoteError, VerifierKey, open};
use crate::export::audit_csv::{VerifyOutcome, verify_csv};
use crate::services::checkpoints::CheckpointKey;

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

/// Reads a verifier key given as `NAME+KEYID+BASE64` or as a file holding it.
fn read_key(key: &str) -> Result<VerifierKey, String> {
    let text = match std::fs::read_to_string(key) {
        Ok(t) => t,
        Err(_) if key.contains('+') => key.to_owned(),
        Err(e) => return Err(format!("cannot read the public key file {key}: {e}")),
    };
    text.trim()
        .parse::<VerifierKey>()
        .map_err(|e| format!("{e} (got {:?})", text.trim()))
}

/// `audit verify FILE --checkpoint-file NOTE --public-key KEY`: checks the
/// note's signature first, then the trail against the checkpoint it signs.
/// Exit 1 on a forged or foreign signature, 2 on a malformed key or note.
pub fn verify_signed(file: &Path, note: &Path, key: &str) -> i32 {
    let key = match read_key(key) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("malformed: {e}");
            return 2;
        }
    };
    let text = match std::fs::read_to_string(note) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("malformed: cannot read {}: {e}", note.display());
            return 2;
        }
    };
    let opened = match open(&text, &key) {
        Ok(o) => o,
        Err(
            e @ (NoteError::BadSignature(_)
            | NoteError::NotSignedByKey(_)
            | NoteError::WrongOrigin { .. }),
        ) => {
            println!(
                "tampered: the checkpoint note {} is not validly signed by {}: {e}",
                note.display(),
                key.name
            );
            return 1;
        }
        Err(e) => {
            println!("malformed: checkpoint note {}: {e}", note.display());
            return 2;
        }
    };
    println!(
        "checkpoint signature valid: {} signed seq {} hash {}",
        opened.origin, opened.checkpoint.seq, opened.checkpoint.hash
    );
    let cp = format!("{}:{}", opened.checkpoint.seq, opened.checkpoint.hash);
    match verify(file, Some(&cp)) {
        0 => crate::tlog_cmd::check_root(file, &opened),
        code => code,
    }
}

/// `audit checkpoint [--public-key]`: prints the latest signed note.
///
/// # Errors
/// Storage failures, or a `checkpoint.key` in the data folder that did not
/// sign the latest checkpoint (printing it would mislead).
pub async fn print_checkpoint(
    db: &sea_orm::DatabaseConnection,
    data_dir: &Path,
    base_url: &str,
    with_key: bool,
) -> anyhow::Result<i32> {
    let latest = crate::services::checkpoints::latest(db).await?;
    if with_key {
        let path = data_dir.join("checkpoint.key");
        // Never create a key here: a fresh one would sign nothing we hold.
        let seed = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
            .and_then(|s| crate::config::Secret::from_hex(&s))?;
        let key = CheckpointKey::new(base_url, seed.bytes())?;
        let vkey = match &latest {
            Some(cp) => {
                let v = VerifierKey::new(&cp.origin, key.verifier().key)?;
                open(&cp.note, &v).map_err(|e| {
                    anyhow::anyhow!(
                        "{} did not sign the latest checkpoint ({e}); is --data-dir right?",
                        path.display()
                    )
                })?;
                v
            }
            None => key.verifier(),
        };
        println!("{vkey}");
    }
    match latest {
        Some(cp) => {
            print!("{}", cp.note);
            Ok(0)
        }
        None => {
            eprintln!("no checkpoint has been signed yet");
            Ok(1)
        }
    }
}

/// `audit recompute DIR`: prints every disagreement; exit 0, 1 or 2.
pub fn recompute(dir: &Path) -> i32 {
    match crate::export::recompute::recompute_dir(dir) {
        Ok(report) if report.disagreements.is_empty() => {
            let shortlists = if report.shortlists > 0 {
                format!(", {} stage shortlists re-derived", report.shortlists)
            } else {
                String::new()
            };
            println!(
                "agree: {} formations, {} applications re-ranked{shortlists}, no disagreement",
                report.formations, report.applications
            );
            0
        }
        Ok(report) => {
            for d in &report.disagreements {
                println!("disagree: {d}");
            }
            println!(
                "{} disagreements in {} formations, {} applications",
                report.disagreements.len(),
                report.formations,
                report.applications
            );
            1
        }
        Err(e) => {
            println!("malformed: {e}");
            2
        }
    }
}

/// `pokmas audit analytics DIR`: exit 0 when every figure of `analytics.csv`
/// is recomputed the same, 1 with the disagreeing rows listed, 2 malformed.
#[must_use]
pub fn analytics(dir: &Path) -> i32 {
    match crate::export::analytics_csv::recompute_dir(dir) {
        Ok(report) => {
            for f in &report.flagged {
                println!("flagged: {f}");
            }
            for d in &report.disagreements {
                println!(
                    "disagree: {}: exported {:?}, recomputed {:?}",
                    d.row, d.exported, d.recomputed
                );
            }
            if report.disagreements.is_empty() {
                println!(
                    "agree: {} formations, {} panelists recomputed, no disagreement",
                    report.formations, report.panelists
                );
                0
            } else {
                println!(
                    "{} disagreements in {} formations, {} panelists",
                    report.disagreements.len(),
                    report.formations,
                    report.panelists
                );
                1
            }
        }
        Err(e) => {
            println!("malformed: {e}");
            2
        }
    }
}
