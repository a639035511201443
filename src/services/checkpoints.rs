//! Signed checkpoints of the audit trail: at every publication of results,
//! and once a day when the trail moved, the Merkle root over the events up to
//! the chain head (and the head's `(seq, hash)`) is signed with the
//! installation's Ed25519 key and stored as a C2SP `tlog-checkpoint` note. A checkpoint is only signed when it extends the
//! previous one, so the key never blesses a rewritten or truncated trail.

use std::sync::Arc;

use ed25519_dalek::SigningKey;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryOrder, QuerySelect,
};
use time::OffsetDateTime;

use super::ServiceError;
use crate::db::entities::{audit_chain_head, audit_checkpoint, audit_event};
use crate::domain::audit::Checkpoint;
use crate::domain::checkpoint::{self as note, RecordedCheckpoint, VerifierKey};
use crate::services::merkle_log::LogCache;

/// The head of the audit chain: its last sequence number, hash and the
/// time of that event as recorded.
#[derive(Clone, Debug)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
    /// The recorded time of the last event, if there is one.
    pub at: Option<String>,
}

/// The current head of the audit chain.
///
/// # Errors
/// `NotFound` before the chain was created; storage failures.
pub async fn chain_head(db: &DatabaseConnection) -> Result<ChainHead, ServiceError> {
    let head = audit_chain_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let at = audit_event::Entity::find_by_id(head.seq)
        .one(db)
        .await?
        .map(|e| e.at);
    Ok(ChainHead {
        seq: head.seq,
        hash: head.hash,
        at,
    })
}

/// The installation's checkpoint signing key, the origin it signs for and
/// the Merkle log whose roots it signs.
#[derive(Clone)]
pub struct CheckpointKey {
    signing: SigningKey,
    verifier: VerifierKey,
    log: Arc<LogCache>,
}

impl std::fmt::Debug for CheckpointKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CheckpointKey({})", self.verifier)
    }
}

impl CheckpointKey {
    /// The key for an installation reachable at `base_url`; the origin line
    /// names the installation (`host/audit`) so that checkpoints of two
    /// installations can never be confused.
    ///
    /// # Errors
    /// [`note::NoteError::BadKeyName`] when the origin could not be published
    /// as a verifier key (a `+` or a space in the base URL): a key nobody
    /// could type back would sign checkpoints nobody can check.
    pub fn new(base_url: &str, seed: &[u8; 32]) -> Result<CheckpointKey, note::NoteError> {
        let host = base_url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let signing = SigningKey::from_bytes(seed);
        let verifier = VerifierKey::new(&format!("{host}/audit"), signing.verifying_key())?;
        Ok(CheckpointKey {
            signing,
            verifier,
            log: Arc::default(),
        })
    }

    /// The Merkle log over the trail that this key signs the roots of.
    #[must_use]
    pub fn log(&self) -> &Arc<LogCache> {
        &self.log
    }

    /// Signs arbitrary note text with the log key (for tests of witnesses
    /// and of consistency between checkpoints).
    #[must_use]
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The origin line of every checkpoint this installation signs.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.verifier.name
    }

    /// The public verifier key (`NAME+KEYID+BASE64`) to publish.
    #[must_use]
    pub fn verifier(&self) -> VerifierKey {
        self.verifier.clone()
    }
}

/// Signs and stores a checkpoint of the current chain head. Call it inside the
/// transaction that published something, after its events, so the checkpoint
/// covers them. When the head already has a checkpoint, that one is returned.
///
/// # Errors
/// [`ServiceError::Invalid`] on an empty trail; [`ServiceError::Internal`]
/// when the head does not extend the previous checkpoint (the trail was
/// rewritten or truncated: nothing is signed).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    key: &CheckpointKey,
    reason: &str,
) -> Result<audit_checkpoint::Model, ServiceError> {
    let head = audit_chain_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if head.seq == 0 {
        return Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Jejak audit masih kosong; belum ada yang bisa ditandatangani.",
            "The audit trail is still empty; there is nothing to sign yet.",
        )));
    }
    if let Some(existing) = audit_checkpoint::Entity::find_by_id(head.seq)
        .one(conn)
        .await?
    {
        return Ok(existing);
    }
    let previous = latest_row(conn).await?;
    let hash_at_previous = match &previous {
        Some(p) => audit_event::Entity::find_by_id(p.seq)
            .one(conn)
            .await?
            .map(|e| e.hash),
        None => None,
    };
    let head_cp = Checkpoint {
        seq: u64::try_from(head.seq).map_err(|e| anyhow::anyhow!(e))?,
        hash: head.hash.clone(),
    };
    let previous_cp = previous.as_ref().map(to_checkpoint).transpose()?;
    note::check_extends(previous_cp.as_ref(), &head_cp, hash_at_previous.as_deref())
        .map_err(|e| anyhow::anyhow!("refusing to sign checkpoint {}: {e}", head.seq))?;
    key.log.sync(conn).await?;
    let root = {
        let log = key.log.read();
        if let Some(p) = &previous {
            // The tree must extend the previous checkpoint's tree too.
            let opened = note::open(&p.note, &key.verifier())
                .map_err(|e| anyhow::anyhow!("the last checkpoint does not open: {e}"))?;
            if log.tree.root_at(opened.checkpoint.seq) != Some(opened.root) {
                return Err(anyhow::anyhow!(
                    "refusing to sign checkpoint {}: the tree no longer extends checkpoint {}",
                    head.seq,
                    opened.checkpoint.seq
                )
                .into());
            }
        }
        log.tree
            .root_at(head_cp.seq)
            .ok_or_else(|| anyhow::anyhow!("the log is shorter than the chain head {}", head.seq))?
    };
    let text =
        note::sign(key.origin(), &head_cp, &root, &key.signing).map_err(|e| anyhow::anyhow!(e))?;
    let model = audit_checkpoint::ActiveModel {
        seq: Set(head.seq),
        hash: Set(head.hash),
        origin: Set(key.origin().to_owned()),
        note: Set(text),
        reason: Set(reason.to_owned()),
        created_at: Set(OffsetDateTime::now_utc()),
    }
    .insert(conn)
    .await?;
    Ok(model)
}

/// The most recent checkpoint, if any.
///
/// # Errors
/// Storage failures.
pub async fn latest<C: ConnectionTrait>(
    conn: &C,
) -> Result<Option<RecordedCheckpoint>, ServiceError> {
    Ok(latest_row(conn).await?.map(Into::into))
}

/// The most recent checkpoint as stored, for services that sign after it
/// or add cosignatures to it.
pub(crate) async fn latest_row<C: ConnectionTrait>(
    conn: &C,
) -> Result<Option<audit_checkpoint::Model>, ServiceError> {
    Ok(audit_checkpoint::Entity::find()
        .order_by_desc(audit_checkpoint::Column::Seq)
        .one(conn)
        .await?)
}

/// The most recent checkpoints, newest first.
///
/// # Errors
/// Storage failures.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
) -> Result<Vec<RecordedCheckpoint>, ServiceError> {
    Ok(audit_checkpoint::Entity::find()
        .order_by_desc(audit_checkpoint::Column::Seq)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The daily checkpoint: signs the head when the trail moved since the last
/// checkpoint and that one is more than a day old (or there is none).
/// Returns the new checkpoint, or `None` when there was nothing to do.
///
/// # Errors
/// As [`record`].
pub async fn daily(
    db: &DatabaseConnection,
    key: &CheckpointKey,
    now: OffsetDateTime,
) -> Result<Option<audit_checkpoint::Model>, ServiceError> {
    let tx = crate::db::begin_write(db).await?;
    let head = audit_chain_head::Entity::find_by_id(1).one(&tx).await?;
    let last = latest(&tx).await?;
    let due = match (&head, &last) {
        (None, _) => false,
        (Some(h), None) => h.seq > 0,
        (Some(h), Some(l)) => h.seq > l.seq && now - l.created_at >= time::Duration::days(1),
    };
    if !due {
        return Ok(None);
    }
    let cp = record(&tx, key, "daily").await?;
    tx.commit().await?;
    Ok(Some(cp))
}

fn to_checkpoint(m: &audit_checkpoint::Model) -> Result<Checkpoint, ServiceError> {
    Ok(Checkpoint {
        seq: u64::try_from(m.seq).map_err(|e| anyhow::anyhow!(e))?,
        hash: m.hash.clone(),
    })
}
