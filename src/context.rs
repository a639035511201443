//! What the use cases need besides their input, built once at start: the
//! database, the mail sender (parsed once from the configuration), the
//! vault for personal data, the document store, the checkpoint key and the
//! clock. The server holds it in its state; a service that needs several of
//! these takes the context or the parts it needs.

use lettre::message::Mailbox;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::Config;
use crate::pii::NikVault;
use crate::services::checkpoints::CheckpointKey;
use crate::storage::FileStore;

/// The parts every use case may need, each built once. Cheap to clone
/// (a pool handle, keys and a path).
#[derive(Clone)]
pub struct Context {
    /// The database pool (SQLite file or PostgreSQL).
    pub db: DatabaseConnection,
    /// The sender of every mail, parsed once from `POKMAS_MAIL_FROM`.
    pub mail_from: Mailbox,
    /// Encrypts personal data; keyed from the installation secret.
    pub vault: NikVault,
    /// The document store with the installation's size limit.
    pub store: FileStore,
    /// Signs audit checkpoints.
    pub checkpoint_key: CheckpointKey,
    /// "Now" for throttle windows: the system clock, or a manual one in tests.
    pub clock: Clock,
}

impl Context {
    /// Builds the context of an installation around an open, migrated database.
    ///
    /// # Errors
    /// When the base URL cannot name the checkpoint key (a `+` or a space in
    /// it), or the mail sender is no address.
    pub fn new(db: DatabaseConnection, config: &Config, clock: Clock) -> anyhow::Result<Context> {
        let checkpoint_key = CheckpointKey::new(&config.base_url, config.checkpoint_seed.bytes())
            .map_err(|e| anyhow::anyhow!("--base-url {}: {e}", config.base_url))?;
        let mail_from = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("POKMAS_MAIL_FROM `{}`: {e}", config.mail_from))?;
        Ok(Context {
            db,
            mail_from,
            vault: NikVault::new(&config.secret),
            store: FileStore::new(&config.data_dir).with_max_bytes(config.max_upload_bytes),
            checkpoint_key,
            clock,
        })
    }
}
