//! The application state shared by every handler, the CLI and the worker.

use std::sync::Arc;

use axum::extract::FromRef;
use axum_csrf::{CsrfConfig, Key, SameSite};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::context::Context;

/// Everything a request may need. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

/// The running application.
pub struct App {
    /// The database, mail sender, vault, document store, checkpoint key and
    /// clock, built once at start; `app.db`, `app.vault` … reach them.
    pub ctx: Context,
    /// Resolved configuration (secrets redacted in `Debug`).
    pub config: Config,
    /// CSRF protection for every state-changing form, keyed from the installation secret.
    pub csrf: CsrfConfig,
    /// The audit chain head public pages are cached by.
    pub head: crate::db::audit::HeadCache,
    /// What readiness checks know about this process.
    pub health: crate::ops::health::Health,
    /// The Merkle log over the trail (shared with the checkpoint signer).
    pub merkle: Arc<crate::services::merkle_log::LogCache>,
    /// The witnesses asked to cosign each checkpoint, and their status.
    pub witnesses: crate::services::witnesses::Witnesses,
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
        let ctx = Context::new(db, &config, clock)?;
        Ok(AppState::with_context(ctx, config))
    }

    /// The state around a context built at start.
    #[must_use]
    pub fn with_context(ctx: Context, config: Config) -> AppState {
        let csrf = csrf_config(&config);
        let merkle = Arc::clone(ctx.checkpoint_key.log());
        let witnesses = crate::services::witnesses::Witnesses::load(&config.data_dir);
        AppState(Arc::new(App {
            ctx,
            merkle,
            witnesses,
            config,
            csrf,
            head: crate::db::audit::HeadCache::default(),
            health: crate::ops::health::Health::default(),
        }))
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
        self.ctx.store.clone()
    }

    /// What a service needs to send mail: the public base URL (without a
    /// trailing slash), the sender and the vault holding applicants' addresses.
    #[must_use]
    pub fn mail(&self) -> crate::services::self_service::MailCtx<'_> {
        crate::services::self_service::MailCtx {
            base_url: self.config.base_url.trim_end_matches('/'),
            from: &self.mail_from,
            vault: &self.vault,
        }
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

/// The context's parts are the state's: `app.db`, `app.vault`, … read as
/// they did before the context held them.
impl std::ops::Deref for App {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.ctx
    }
}
