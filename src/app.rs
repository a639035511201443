//! The application state shared by every handler, the CLI and the worker.

use std::sync::Arc;

use axum::extract::FromRef;
use axum_csrf::{CsrfConfig, Key, SameSite};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::services::checkpoints::CheckpointKey;

/// Everything a request may need. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

/// The running application.
pub struct App {
    /// The database pool (SQLite file or PostgreSQL).
    pub db: DatabaseConnection,
    /// Resolved configuration (secrets redacted in `Debug`).
    pub config: Config,
    /// CSRF protection for every state-changing form, keyed from the installation secret.
    pub csrf: CsrfConfig,
    /// Signs audit checkpoints.
    pub checkpoint_key: CheckpointKey,
    /// The audit chain head public pages are cached by.
    pub head: crate::db::audit::HeadCache,
    /// What readiness checks know about this process.
    pub health: crate::ops::health::Health,
    /// The Merkle log over the trail (shared with the checkpoint signer).
    pub merkle: Arc<crate::services::merkle_log::LogCache>,
    /// The witnesses asked to cosign each checkpoint, and their status.
    pub witnesses: crate::services::witnesses::Witnesses,
    /// "Now" for throttle windows: the system clock, or a manual one in tests.
    pub clock: crate::clock::Clock,
    /// The sender of every mail, parsed once from `POKMAS_MAIL_FROM`.
    pub mail_from: lettre::message::Mailbox,
    /// Encrypts personal data; keyed from the installation secret.
    pub vault: crate::pii::NikVault,
}

impl AppState {
    /// Builds the state around an open, migrated database.
    ///
    /// # Errors
    /// When the base URL cannot name the checkpoint key (a `+` or a space in it).
    pub fn new(db: DatabaseConnection, config: Config) -> anyhow::Result<AppState> {
        Self::with_clock(db, config, crate::clock::Clock::system())
    }

    /// [`AppState::new`] acting on `clock` (tests hold a manual one).
    ///
    /// # Errors
    /// As [`AppState::new`].
    pub fn with_clock(
        db: DatabaseConnection,
        config: Config,
        clock: crate::clock::Clock,
    ) -> anyhow::Result<AppState> {
        let csrf = csrf_config(&config);
        let checkpoint_key = CheckpointKey::new(&config.base_url, config.checkpoint_seed.bytes())
            .map_err(|e| anyhow::anyhow!("--base-url {}: {e}", config.base_url))?;
        let merkle = Arc::clone(checkpoint_key.log());
        let witnesses = crate::services::witnesses::Witnesses::load(&config.data_dir);
        let mail_from = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("POKMAS_MAIL_FROM `{}`: {e}", config.mail_from))?;
        let vault = crate::pii::NikVault::new(&config.secret);
        Ok(AppState(Arc::new(App {
            vault,
            mail_from,
            merkle,
            witnesses,
            db,
            config,
            csrf,
            checkpoint_key,
            head: crate::db::audit::HeadCache::default(),
            health: crate::ops::health::Health::default(),
            clock,
        })))
    }
}

impl App {
    /// A purpose-specific key derived from the installation secret, so one
    /// leaked derived key never exposes another (cookies, CSRF, NIK hashing).
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        derive_key(&self.config, purpose)
    }

    /// The document store with the installation's size limit.
    #[must_use]
    pub fn files(&self) -> crate::storage::FileStore {
        crate::storage::FileStore::new(&self.config.data_dir)
            .with_max_bytes(self.config.max_upload_bytes)
    }

    /// Body limit of a form with uploads: every document at its maximum
    /// plus room for the text fields, so one oversize file is still read and
    /// answered with a message next to it, the other fields kept.
    #[must_use]
    pub fn form_body_limit(&self) -> usize {
        6 * self.config.max_upload_bytes + 256 * 1024
    }
}

fn derive_key(config: &Config, purpose: &str) -> [u8; 32] {
    derive_key_from_secret(&config.secret, purpose)
}

/// [`App::derive_key`] for code that holds the secret but no `App` (the CLI,
/// unit tests): `SHA-256("pokmas:" ‖ purpose ‖ ":" ‖ secret)`.
#[must_use]
pub fn derive_key_from_secret(secret: &crate::config::Secret, purpose: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"pokmas:");
    h.update(purpose.as_bytes());
    h.update(b":");
    h.update(secret.bytes());
    h.finalize().into()
}

fn csrf_config(config: &Config) -> CsrfConfig {
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(&derive_key(config, "csrf-cookie-a"));
    key[32..].copy_from_slice(&derive_key(config, "csrf-cookie-b"));
    CsrfConfig::default()
        .with_cookie_name("pokmas_csrf")
        .with_cookie_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_secure(config.https())
        .with_key(Some(Key::from(&key)))
        .with_salt(hex::encode(derive_key(config, "csrf-salt")))
}

impl FromRef<AppState> for CsrfConfig {
    fn from_ref(state: &AppState) -> Self {
        state.0.csrf.clone()
    }
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
