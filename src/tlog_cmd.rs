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
