//! Settings from flags and environment, with defaults that run on a laptop
//! with nothing else installed. Secrets are never printed (`Debug` redacts them).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rand::RngCore;

/// Settings shared by every command that touches the installation.
#[derive(Clone, Debug, clap::Args)]
pub struct InstallationArgs {
    /// Folder for the SQLite database, uploaded documents, mail files and keys.
    #[arg(long, env = "POKMAS_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Database URL (`sqlite://…` or `postgres://…`); defaults to `DATA_DIR/pokmas.db`.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
}

impl InstallationArgs {
    /// The database URL to open, creating the data folder for the SQLite default.
    ///
    /// # Errors
    /// Fails when the data folder cannot be created.
    pub fn database_url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create data folder {}", self.data_dir.display()))?;
        Ok(format!(
            "sqlite://{}?mode=rwc",
            self.data_dir.join("pokmas.db").display()
        ))
    }
}

/// Settings of `pokmas serve`.
#[derive(Clone, Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "POKMAS_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Public address of the site, used in e-mail links and to mark cookies `Secure` on https.
    #[arg(long, env = "POKMAS_BASE_URL")]
    pub base_url: Option<String>,

    /// SMTP server (`smtp://`, `smtp+starttls://` or `smtps://`, optional `user:pass@`);
    /// without it mail is written as `.eml` files under `DATA_DIR/mail/`.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender address of outgoing mail.
    #[arg(
        long,
        env = "POKMAS_MAIL_FROM",
        default_value = "Probebaya Samarinda <noreply@pokmas.localhost>"
    )]
    pub mail_from: String,

    /// Secret for cookies and NIK encryption (64 hex digits); generated into
    /// `DATA_DIR/secret.key` on first start when not given.
    #[arg(long, env = "POKMAS_SECRET", hide_env_values = true)]
    pub secret: Option<String>,

    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed
    /// (comma-separated IPs). Without it the header is ignored: any client
    /// could set it and dodge the per-IP log-in throttle.
    #[arg(long, env = "POKMAS_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Largest accepted document in MB (1 MB = 1,048,576 bytes). Residents
    /// upload over slow mobile data, so keep it small; scans of a page fit
    /// in 2 MB.
    #[arg(long, env = "POKMAS_MAX_UPLOAD_MB", default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(1..=20))]
    pub max_upload_mb: u16,

    /// Load the small demo round (accounts, applicants, scores, provisional
    /// ranks) first, when the database is empty; does nothing otherwise.
    #[arg(long)]
    pub demo: bool,

    /// Timeouts, shutdown and monitoring.
    #[command(flatten)]
    pub ops: crate::ops::OpsArgs,
}

/// The installation secret: 32 random bytes.
#[derive(Clone)]
pub struct Secret([u8; 32]);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Secret {
    /// Raw key bytes, for deriving purpose-specific keys.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses 64 hex digits.
    ///
    /// # Errors
    /// Fails on anything else.
    pub fn from_hex(s: &str) -> anyhow::Result<Secret> {
        let bytes = hex::decode(s.trim()).context("the secret must be 64 hex digits")?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("the secret must be 64 hex digits"))?;
        Ok(Secret(arr))
    }

    /// The given secret, or the one in `data_dir/secret.key`, created on first use
    /// with owner-only permissions.
    ///
    /// # Errors
    /// Fails when the file cannot be read or written, or holds no valid secret.
    pub fn load_or_create(given: Option<&str>, data_dir: &Path) -> anyhow::Result<Secret> {
        if let Some(s) = given {
            return Secret::from_hex(s);
        }
        Secret::in_file(data_dir, "secret.key")
    }

    /// The 32 random bytes in `data_dir/name`, created on first use with
    /// owner-only permissions.
    ///
    /// # Errors
    /// Fails when the file cannot be read or written, or holds no valid secret.
    pub fn in_file(data_dir: &Path, name: &str) -> anyhow::Result<Secret> {
        let path = data_dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(s) => Secret::from_hex(&s).with_context(|| format!("{} is damaged", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir)?;
                let mut bytes = [0u8; 32];
                rand::rng().fill_bytes(&mut bytes);
                write_private(&path, hex::encode(bytes).as_bytes())?;
                tracing::info!(path = %path.display(), "generated a new key file");
                Ok(Secret(bytes))
            }
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
}

/// Writes a file readable by its owner only.
///
/// # Errors
/// Fails when the file cannot be created.
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(contents)?;
    f.sync_all()?;
    Ok(())
}

/// Everything the server needs, resolved.
#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub addr: SocketAddr,
    pub base_url: String,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub secret: Secret,
    /// The Ed25519 seed that signs audit checkpoints (`data_dir/checkpoint.key`),
    /// kept apart from `secret` so that it can be rotated or escrowed alone.
    pub checkpoint_seed: Secret,
    /// Reverse proxies whose `X-Forwarded-For` is believed (empty: none).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Largest accepted document, in bytes.
    pub max_upload_bytes: usize,
}

impl Config {
    /// Whether cookies must carry `Secure`.
    pub fn https(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// Resolves flags and environment into a configuration.
    ///
    /// # Errors
    /// Fails when the data folder or the secret cannot be prepared.
    pub fn resolve(inst: &InstallationArgs, serve: &ServeArgs) -> anyhow::Result<Config> {
        let database_url = inst.database_url()?;
        std::fs::create_dir_all(&inst.data_dir)?;
        let secret = Secret::load_or_create(serve.secret.as_deref(), &inst.data_dir)?;
        let checkpoint_seed = Secret::in_file(&inst.data_dir, "checkpoint.key")?;
        let base_url = serve
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", serve.addr))
            .trim_end_matches('/')
            .to_owned();
        Ok(Config {
            data_dir: inst.data_dir.clone(),
            database_url,
            addr: serve.addr,
            base_url,
            smtp_url: serve.smtp_url.clone(),
            mail_from: serve.mail_from.clone(),
            secret,
            checkpoint_seed,
            trusted_proxies: serve.trusted_proxies.clone(),
            max_upload_bytes: usize::from(serve.max_upload_mb) * 1024 * 1024,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_created_once_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = Secret::load_or_create(None, dir.path()).expect("create");
        let b = Secret::load_or_create(None, dir.path()).expect("reload");
        assert_eq!(a.bytes(), b.bytes());
        assert!(!format!("{a:?}").contains(&hex::encode(a.bytes())));
    }

    #[test]
    fn a_malformed_secret_is_refused() {
        assert!(Secret::from_hex("abcd").is_err());
        assert!(Secret::from_hex(&"zz".repeat(32)).is_err());
    }
}
