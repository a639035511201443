//! Opening the database at start-up with an error an operator can act on:
//! which server (host and port) and why (refused, authentication, timeout),
//! instead of a pool that gave up waiting.

use std::time::Duration;

use anyhow::Context;
use sea_orm::DatabaseConnection;
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::{ConnectOptions, Connection};

/// How long one start-up connection attempt to PostgreSQL may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the database named by `url`; for PostgreSQL one direct connection is
/// tried first, so that a failure names host, port and cause.
///
/// # Errors
/// A sentence naming the server and the cause.
pub async fn open_database(url: &str) -> anyhow::Result<DatabaseConnection> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        preflight_postgres(url).await?;
    }
    crate::db::connect(url).await.with_context(|| {
        if url.starts_with("sqlite:") {
            format!(
                "cannot open the SQLite database {}",
                url.trim_start_matches("sqlite://")
                    .split('?')
                    .next()
                    .unwrap_or_default()
            )
        } else {
            "cannot open the database".to_owned()
        }
    })
}

async fn preflight_postgres(url: &str) -> anyhow::Result<()> {
    let opts: PgConnectOptions = url
        .parse()
        .context("DATABASE_URL is not a valid PostgreSQL address")?;
    let server = format!("{}:{}", opts.get_host(), opts.get_port());
    let cause = match tokio::time::timeout(CONNECT_TIMEOUT, opts.connect()).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            return Ok(());
        }
        Ok(Err(e)) => describe(&e),
        Err(_) => format!("timeout: no answer within {} s", CONNECT_TIMEOUT.as_secs()),
    };
    anyhow::bail!("cannot connect to PostgreSQL at {server}: {cause}")
}

fn describe(e: &sea_orm::sqlx::Error) -> String {
    use sea_orm::sqlx::Error;
    match e {
        Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                "connection refused (is PostgreSQL running and listening on this address?)".into()
            }
            std::io::ErrorKind::TimedOut => "timeout while connecting".into(),
            _ => format!("network error: {io}"),
        },
        Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => format!("authentication failed ({})", db.message()),
            Some("3D000") => format!("no such database ({})", db.message()),
            _ => format!("refused by the server ({})", db.message()),
        },
        Error::Tls(t) => format!("TLS error: {t}"),
        Error::PoolTimedOut => "timeout while connecting".into(),
        other => other.to_string(),
    }
}
