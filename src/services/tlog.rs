//! The audit log as a C2SP tiled transparency log: its tiles, its published
//! checkpoint, and the same tree written out as static files.

use std::collections::BTreeSet;
use std::path::Path;

use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::ServiceError;
use crate::app::App;
use crate::domain::merkle::tile::{TileId, tiles_for};

/// One tile's bytes, or `None` until a signed checkpoint covers all of it.
///
/// # Errors
/// Storage failures while catching up with the trail.
pub async fn tile(app: &App, id: &TileId) -> Result<Option<Vec<u8>>, ServiceError> {
    let signed = super::checkpoints::latest(&app.db)
        .await?
        .and_then(|cp| u64::try_from(cp.seq).ok())
        .unwrap_or(0);
    if !id.fits(signed) {
        return Ok(None);
    }
    app.merkle.sync(&app.db).await?;
    let log = app.merkle.read();
    Ok(id.data(&log.tree, &log.entries))
}

/// The latest checkpoint note as published, cosignatures included.
///
/// # Errors
/// Storage failures.
pub async fn latest_note<C: ConnectionTrait>(conn: &C) -> Result<Option<String>, ServiceError> {
    Ok(super::checkpoints::latest(conn).await?.map(|cp| cp.note))
}

/// What `pokmas audit tiles` wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub size: u64,
    pub new_files: usize,
    pub kept_files: usize,
}

/// Writes the log under `dir` as any static web server can serve it: the
/// latest checkpoint at `dir/checkpoint` and every tile that a stored
/// checkpoint's size needs under `dir/tile/`. Tiles already there are kept
/// (they never change), so running it again after each checkpoint only adds.
///
/// # Errors
/// [`ServiceError::Invalid`] before the first checkpoint; storage and file
/// system failures.
pub async fn write_static(
    db: &DatabaseConnection,
    merkle: &super::merkle_log::LogCache,
    dir: &Path,
) -> Result<Written, ServiceError> {
    let note = latest_note(db).await?.ok_or_else(|| {
        ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Belum ada checkpoint bertanda tangan: tidak ada yang dapat diterbitkan.",
            "There is no signed checkpoint yet: nothing to publish.",
        ))
    })?;
    merkle.sync(db).await?;
    let sizes: BTreeSet<u64> = crate::db::merkle::checkpoint_sizes(db)
        .await?
        .into_iter()
        .filter_map(|s| u64::try_from(s).ok())
        .collect();
    let tiles: BTreeSet<String> = sizes
        .iter()
        .flat_map(|s| tiles_for(*s))
        .map(|t| t.path())
        .collect();
    let mut written = Written {
        size: sizes.last().copied().unwrap_or(0),
        ..Written::default()
    };
    let log = merkle.read();
    for path in tiles {
        let file = dir.join("tile").join(&path);
        if file.exists() {
            written.kept_files += 1;
            continue;
        }
        let id = TileId::parse(&path).ok_or_else(|| anyhow::anyhow!("tile path {path}"))?;
        let data = id
            .data(&log.tree, &log.entries)
            .ok_or_else(|| anyhow::anyhow!("tile {path} is beyond the trail"))?;
        write_atomically(&file, &data)?;
        written.new_files += 1;
    }
    // The checkpoint goes last, so a reader never sees one whose tiles are missing.
    write_atomically(&dir.join("checkpoint"), note.as_bytes())?;
    Ok(written)
}

fn write_atomically(path: &Path, data: &[u8]) -> Result<(), ServiceError> {
    let parent = path
        .parent()
        .ok_or_else(|| anyhow::anyhow!("no folder for {}", path.display()))?;
    std::fs::create_dir_all(parent).map_err(|e| anyhow::anyhow!("{}: {e}", parent.display()))?;
    let tmp = path.with_extension("partial-write");
    std::fs::write(&tmp, data).map_err(|e| anyhow::anyhow!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(())
}

pub use crate::domain::checkpoint::CheckpointLink;

/// The latest `limit` checkpoints, newest first, each with the consistency
/// proof from its predecessor.
///
/// # Errors
/// Storage failures, or a stored note that no longer opens.
pub async fn checkpoint_links(app: &App, limit: u64) -> Result<Vec<CheckpointLink>, ServiceError> {
    use base64::Engine;
    let b64 = |h: &[u8]| base64::engine::general_purpose::STANDARD.encode(h);
    let cps = super::checkpoints::list(&app.db, limit + 1).await?;
    app.merkle.sync(&app.db).await?;
    let key = app.checkpoint_key.verifier();
    let log = app.merkle.read();
    let mut out = Vec::new();
    for (i, cp) in cps
        .iter()
        .enumerate()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
    {
        let opened = crate::domain::checkpoint::open(&cp.note, &key)
            .map_err(|e| anyhow::anyhow!("checkpoint {}: {e}", cp.seq))?;
        let from_previous = cps.get(i + 1).and_then(|prev| {
            let proof = log
                .tree
                .consistency_proof(u64::try_from(prev.seq).ok()?, u64::try_from(cp.seq).ok()?)?;
            Some((prev.seq, proof.iter().map(|h| b64(h)).collect()))
        });
        out.push(CheckpointLink {
            size: cp.seq,
            root: b64(&opened.root),
            reason: cp.reason.clone(),
            cosignatures: cp.note[opened.text.len()..]
                .matches('\u{2014}')
                .count()
                .saturating_sub(1),
            from_previous,
        });
    }
    Ok(out)
}
