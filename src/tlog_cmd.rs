//! `pokmas audit tiles` and `pokmas audit verify-proof`: the Merkle log from
//! the command line.

use std::path::Path;

/// `pokmas audit tiles DIR`.
///
/// # Errors
/// Storage or file system failures, or no checkpoint yet.
pub async fn write_tiles(db: &sea_orm::DatabaseConnection, dir: &Path) -> anyhow::Result<i32> {
    let cache = crate::services::merkle_log::LogCache::default();
    let written = crate::services::tlog::write_static(db, &cache, dir)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "log of {} events written to {}: {} new tile files, {} already there",
        written.size,
        dir.display(),
        written.new_files,
        written.kept_files
    );
    Ok(0)
}

/// The Merkle root over the first `size` events of an exported `audit.csv`
/// (read by its `hash` column), for checking it against a signed checkpoint.
///
/// # Errors
/// An unreadable file, a missing `hash` column, a malformed hash or fewer
/// than `size` events.
pub fn csv_root(file: &Path, size: u64) -> Result<crate::domain::merkle::Hash, String> {
    let mut reader =
        csv::Reader::from_path(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let column = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .position(|h| h == "hash")
        .ok_or("the file has no hash column")?;
    let mut frontier = crate::domain::merkle::tree::Frontier::default();
    for record in reader.records() {
        if frontier.size() == size {
            break;
        }
        let record = record.map_err(|e| e.to_string())?;
        let hash = record.get(column).unwrap_or_default();
        let leaf = crate::domain::merkle::event_leaf(hash)
            .ok_or_else(|| format!("event {} has a malformed hash", frontier.size() + 1))?;
        frontier.push(leaf);
    }
    if frontier.size() < size {
        return Err(format!(
            "the file holds {} events, fewer than {size}",
            frontier.size()
        ));
    }
    Ok(frontier.root())
}

/// After the chain checked out against a signed checkpoint: the Merkle root
/// over the same events must be the signed root too. Exit code 0 or 1.
#[must_use]
pub fn check_root(file: &Path, opened: &crate::domain::checkpoint::Opened) -> i32 {
    match csv_root(file, opened.checkpoint.seq) {
        Ok(root) if root == opened.root => {
            println!(
                "merkle root valid: the first {} events give the signed root",
                opened.checkpoint.seq
            );
            0
        }
        Ok(_) => {
            println!(
                "tampered: the Merkle root over the first {} events is not the signed root",
                opened.checkpoint.seq
            );
            1
        }
        Err(e) => {
            println!("tampered: {e}");
            1
        }
    }
}

/// `pokmas audit verify-proof FILE --policy POLICY`: prints the verdict and
/// returns the exit code (0 valid, 1 not valid, 2 malformed input).
#[must_use]
pub fn verify_proof(file: &Path, policy: &Path) -> i32 {
    use crate::domain::merkle::policy::Policy;
    use crate::domain::merkle::receipt::{Receipt, ReceiptError};
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let parsed = read(policy)
        .and_then(|t| Policy::parse(&t).map_err(|e| format!("{}: {e}", policy.display())))
        .and_then(|p| {
            read(file)
                .and_then(|t| Receipt::parse(&t).map_err(|e| format!("{}: {e}", file.display())))
                .map(|r| (p, r))
        });
    let (policy, receipt) = match parsed {
        Ok(x) => x,
        Err(e) => {
            println!("malformed: {e}");
            return 2;
        }
    };
    match receipt.verify(&policy) {
        Ok(v) => {
            let field = |k: &str| v.event.get(k).map(ToString::to_string).unwrap_or_default();
            println!(
                "valid: event {} ({} at {}, subject {}) is entry {} of {} in the log {}",
                field("seq"),
                field("action"),
                field("at"),
                field("subject_id"),
                receipt.index,
                v.tree_size,
                v.origin
            );
            println!("event hash {}", v.event_hash);
            println!("payload {}", field("payload"));
            for (name, time) in &v.witnesses {
                println!("cosigned by witness {name} at {time} (POSIX time)");
            }
            0
        }
        Err(ReceiptError::Malformed(e)) => {
            println!("malformed: {e}");
            2
        }
        Err(e) => {
            println!("not valid: {e}");
            1
        }
    }
}
