//! The Merkle log of the audit trail, held in memory beside the database.
//!
//! The tree is a pure function of the event hashes, so every server process
//! builds it from the trail and extends it with each newer event before
//! answering; nothing about it is stored twice. A checkpoint is signed inside
//! the transaction that published something, so the log may read events not
//! yet committed; should that transaction roll back, the next read finds its
//! last entry gone or changed and rebuilds the log. Tiles and proofs are only
//! given up to the latest committed checkpoint, so nothing uncommitted leaves
//! the process.

use std::sync::{RwLock, RwLockReadGuard};

use sea_orm::ConnectionTrait;

use super::ServiceError;
use crate::domain::merkle::{Hash, Tree, event_leaf};

/// Rows read per query while catching up.
const BATCH: u64 = 20_000;

/// The committed log: tree and entries (the raw event hashes).
#[derive(Debug, Default)]
pub struct Log {
    pub tree: Tree,
    pub entries: Vec<Hash>,
}

/// The shared, lazily extended log of one server process.
#[derive(Debug, Default)]
pub struct LogCache {
    inner: RwLock<Log>,
}

fn entry(seq: i64, hash: &str) -> Result<(Hash, Hash), ServiceError> {
    let raw: Hash = hex::decode(hash)
        .ok()
        .and_then(|r| r.try_into().ok())
        .ok_or_else(|| anyhow::anyhow!("audit event {seq} has a malformed hash"))?;
    let leaf = event_leaf(hash).ok_or_else(|| anyhow::anyhow!("audit event {seq}"))?;
    Ok((raw, leaf))
}

impl LogCache {
    /// Reads the log as it stands (call [`LogCache::sync`] first).
    ///
    /// # Panics
    /// Never in practice: a writer panicking mid-append poisons the lock, and
    /// the data is then still a valid prefix, so it is used as is.
    pub fn read(&self) -> RwLockReadGuard<'_, Log> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Extends the log with every event `db` sees that it does not hold yet
    /// and returns its size.
    ///
    /// # Errors
    /// Storage failures, or events out of order (a gap in the trail).
    pub async fn sync<C: ConnectionTrait>(&self, db: &C) -> Result<u64, ServiceError> {
        let (size, last) = {
            let log = self.read();
            (log.tree.size(), log.entries.last().copied())
        };
        if let Some(last) = last {
            let seq = i64::try_from(size).map_err(|e| anyhow::anyhow!(e))?;
            let still = crate::db::merkle::hashes_after(db, seq - 1, 1).await?;
            if still
                .first()
                .and_then(|(s, h)| (*s == seq).then(|| entry(*s, h)))
                .transpose()?
                .map(|e| e.0)
                != Some(last)
            {
                tracing::warn!(
                    log.size = size,
                    "audit log cache lost its last entry; rebuilding"
                );
                *self
                    .inner
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Log::default();
            }
        }
        loop {
            let size = self.read().tree.size();
            let after = i64::try_from(size).map_err(|e| anyhow::anyhow!(e))?;
            let rows = crate::db::merkle::hashes_after(db, after, BATCH).await?;
            if rows.is_empty() {
                return Ok(size);
            }
            let mut decoded = Vec::with_capacity(rows.len());
            for (seq, hash) in &rows {
                decoded.push((*seq, entry(*seq, hash)?));
            }
            let mut log = self
                .inner
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (seq, (raw, leaf)) in decoded {
                let next = log.tree.size() + 1;
                if u64::try_from(seq).ok() < Some(next) {
                    continue; // another request appended it meanwhile
                }
                if u64::try_from(seq).ok() != Some(next) {
                    return Err(
                        anyhow::anyhow!("audit event {next} is missing from the trail").into(),
                    );
                }
                log.tree.push(leaf);
                log.entries.push(raw);
            }
            if (rows.len() as u64) < BATCH {
                return Ok(log.tree.size());
            }
        }
    }
}
