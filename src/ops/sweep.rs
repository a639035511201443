//! Housekeeping of the document store: half-written uploads (`.tmp-*`, left
//! by a crash between writing and renaming) and stored files no row refers
//! to (an upload whose transaction never committed) are removed once they
//! are older than a grace period, so an upload in progress is never touched.
//! One audit event sums up each sweep that removed anything.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sea_orm::{DatabaseConnection, EntityTrait, QuerySelect};

use crate::db::audit::{Actor, NewEvent, append};
use crate::db::entities::stored_file;

/// Files younger than this are left alone.
pub const GRACE: Duration = Duration::from_secs(24 * 3600);
/// How often the server sweeps.
pub const INTERVAL: Duration = Duration::from_secs(3600);

/// What one sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub temporary: u64,
    pub unreferenced: u64,
    pub bytes: u64,
}

/// Removes leftovers under `files_root` older than `grace` (at `now`).
///
/// # Errors
/// When the database cannot be read or the summary event not written;
/// files that cannot be removed are logged and skipped.
pub async fn sweep(
    db: &DatabaseConnection,
    files_root: &Path,
    grace: Duration,
    now: SystemTime,
) -> anyhow::Result<SweepReport> {
    let mut candidates = Vec::new();
    collect(files_root, &mut candidates);
    let old = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age >= grace))
    };
    let mut report = SweepReport::default();
    let mut unreferenced = Vec::new();
    for path in candidates {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with(".tmp-") {
            if old(&path) {
                report.bytes += remove(&path);
                report.temporary += 1;
            }
        } else if name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
            unreferenced.push((name, path));
        }
    }
    if !unreferenced.is_empty() {
        // Checked against the rows in the write transaction that records the
        // sweep, so an upload committing meanwhile waits for it; the file's
        // age is read again just before removal, since storing bytes that
        // are already present renews it.
        let tx = crate::db::begin_write(db).await?;
        let known: std::collections::HashSet<String> = stored_file::Entity::find()
            .select_only()
            .column(stored_file::Column::Sha256)
            .into_tuple::<String>()
            .all(&tx)
            .await?
            .into_iter()
            .collect();
        for (sha, path) in unreferenced {
            if !known.contains(&sha) && old(&path) {
                report.bytes += remove(&path);
                report.unreferenced += 1;
            }
        }
        if report != SweepReport::default() {
            record(&tx, &report).await?;
        }
        tx.commit().await?;
    } else if report != SweepReport::default() {
        let tx = crate::db::begin_write(db).await?;
        record(&tx, &report).await?;
        tx.commit().await?;
    }
    if report != SweepReport::default() {
        tracing::info!(
            temporary = report.temporary,
            unreferenced = report.unreferenced,
            bytes = report.bytes,
            "removed leftover files from the document store"
        );
    }
    Ok(report)
}

async fn record(tx: &crate::db::WriteTx, report: &SweepReport) -> anyhow::Result<()> {
    append(
        tx,
        NewEvent::new(Actor::System, "files.swept", "storage", "files").payload(
            serde_json::json!({
                "temporary": report.temporary,
                "unreferenced": report.unreferenced,
                "bytes": report.bytes,
            }),
        ),
    )
    .await?;
    Ok(())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect(&path, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

fn remove(path: &Path) -> u64 {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    match std::fs::remove_file(path) {
        Ok(()) => size,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove a leftover file");
            0
        }
    }
}
