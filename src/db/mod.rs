//! Storage: connection setup, entities and the audit append.

pub mod audit;
pub mod entities;
pub mod merkle;
pub mod ops;
pub mod pool;
pub mod rounds;
pub mod sessions;
pub mod value_types;
mod write;

pub use write::{WriteTx, begin_write, writers_queued};

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};

/// How long an SQLite writer waits for the lock before giving up.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request waits for a PostgreSQL connection.
pub const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

/// Rows SQLite's worker thread may queue for a reader. sqlx's default (50)
/// makes the worker stop and be woken again every 50 rows; a re-rank reads a
/// whole formation (~340 rows) after every scorecard.
pub const SQLITE_ROW_BUFFER: usize = 1024;

/// Opens the database named by `url` (`sqlite://…` or `postgres://…`).
///
/// SQLite is opened in WAL mode with `synchronous=FULL`, foreign keys on and a
/// busy timeout; [`check_sqlite_pragmas`] proves those settings took effect.
///
/// # Errors
/// Fails when the database cannot be reached or the SQLite settings did not apply.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, None).await
}

/// [`connect`], with `hook`'s SQL run on every SQLite connection as it is
/// opened or handed out (see [`pool::SqliteAcquireHook`]).
///
/// # Errors
/// As [`connect`].
pub async fn connect_with(
    url: &str,
    hook: Option<pool::SqliteAcquireHook>,
) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // No ping before handing out a pooled connection: an embedded
        // database cannot drop a connection the way a server can, and on
        // SQLite the ping is a round trip to the connection's worker thread
        // before every transaction and statement.
        opts.max_connections(8)
            .min_connections(1)
            .test_before_acquire(false)
            .map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    // Erased rows and replaced ciphertexts are overwritten
                    // with zeros, not left readable in free pages.
                    .pragma("secure_delete", "on")
                    .row_buffer_size(SQLITE_ROW_BUFFER)
            })
            .map_sqlx_sqlite_pool_opts(move |p| pool::guarded(p, hook.clone()));
    } else {
        // During an outage a request waits this long for a connection and is
        // then answered 503, instead of hanging for sqlx's 30 s default.
        opts.max_connections(16).acquire_timeout(PG_ACQUIRE_TIMEOUT);
    }
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        check_sqlite_pragmas(&db).await?;
    }
    Ok(db)
}

/// Verifies that the SQLite durability settings are in force on a pooled connection.
///
/// # Errors
/// Returns a `DbErr::Custom` naming the PRAGMA that does not hold.
pub async fn check_sqlite_pragmas(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let expect = [
        ("journal_mode", "wal"),
        ("synchronous", "2"),
        ("foreign_keys", "1"),
    ];
    for (pragma, want) in expect {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!("PRAGMA {pragma}"),
            ))
            .await?
            .ok_or_else(|| DbErr::Custom(format!("PRAGMA {pragma} returned nothing")))?;
        let got: String = match row.try_get_by_index::<String>(0) {
            Ok(s) => s.to_lowercase(),
            Err(_) => row.try_get_by_index::<i64>(0)?.to_string(),
        };
        if got != want {
            return Err(DbErr::Custom(format!(
                "SQLite PRAGMA {pragma} is {got}, expected {want}"
            )));
        }
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA busy_timeout",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("PRAGMA busy_timeout returned nothing".into()))?;
    let timeout: i64 = row.try_get_by_index(0)?;
    if timeout < 1000 {
        return Err(DbErr::Custom(format!(
            "SQLite busy_timeout is {timeout} ms, expected ≥ 1000"
        )));
    }
    Ok(())
}

/// Writes a consistent copy of a live SQLite database with `VACUUM INTO`
/// (readers and writers carry on meanwhile).
///
/// # Errors
/// Fails on PostgreSQL (use `pg_dump`), when the target exists, or on I/O errors.
pub async fn backup(db: &DatabaseConnection, path: &std::path::Path) -> anyhow::Result<()> {
    if db.get_database_backend() != DbBackend::Sqlite {
        anyhow::bail!(
            "pokmas backup copies the embedded SQLite database; for PostgreSQL use pg_dump"
        );
    }
    if path.exists() {
        anyhow::bail!("{} already exists; choose a new file name", path.display());
    }
    let target = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("backup path must be UTF-8"))?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await?;
    Ok(())
}
