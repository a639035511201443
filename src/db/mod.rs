//! Storage: connection setup, entities and the audit append.

pub mod audit;
pub mod entities;
pub mod merkle;
pub mod ops;
pub mod pool;
pub mod rounds;
pub mod sessions;
pub mod value_types;

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
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

/// Starts a transaction that will write.
///
/// On SQLite this is `BEGIN IMMEDIATE`, so the write lock is taken up front and a
/// read-then-write use case waits for its turn instead of failing on a stale
/// snapshot. Writers of this process first queue for their turn in
/// [`WriteTx`]'s first-come-first-served gate: SQLite's own busy handler makes a
/// waiting writer sleep in growing steps (up to 100 ms), which under load gave
/// second-long tails while the lock stood free. PostgreSQL ignores the mode and
/// needs no gate; the audit append locks the chain head.
///
/// # Errors
/// Fails when the database refuses to start a transaction, or when the turn
/// does not come within [`SQLITE_BUSY_TIMEOUT`].
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTx, DbErr> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let turn = if db.get_database_backend() == DbBackend::Sqlite {
        let asked = std::time::Instant::now();
        let turn = tokio::time::timeout(SQLITE_BUSY_TIMEOUT, TURN.lock())
            .await
            .map_err(|_| DbErr::Custom("database is locked: no turn to write".into()))?;
        crate::ops::metrics::write_gate_waited(asked.elapsed().as_secs_f64());
        Some(turn)
    } else {
        None
    };
    let tx = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    Ok(WriteTx {
        tx,
        head: std::sync::Mutex::new(None),
        _turn: turn,
    })
}

/// A write transaction from [`begin_write`]: a [`DatabaseTransaction`] that on
/// SQLite also holds this process's turn to write until it is committed,
/// rolled back or dropped (which rolls back).
pub struct WriteTx {
    // Declared first so it is dropped (rolled back) before the turn passes on.
    tx: DatabaseTransaction,
    /// The chain head `(seq, hash)` after this transaction's last append:
    /// once the head row is locked (the first append) nobody else can move
    /// it before this transaction ends, so later appends need not read it
    /// again. A use case appending a thousand events read it a thousand times.
    head: std::sync::Mutex<Option<(i64, String)>>,
    _turn: Option<tokio::sync::MutexGuard<'static, ()>>,
}

impl WriteTx {
    /// The chain head this transaction last appended at, if it appended.
    pub(crate) fn known_head(&self) -> Option<(i64, String)> {
        self.head.lock().ok().and_then(|h| h.clone())
    }

    /// Records the head this transaction's append moved the chain to.
    pub(crate) fn moved_head(&self, seq: i64, hash: &str) {
        if let Ok(mut h) = self.head.lock() {
            *h = Some((seq, hash.to_owned()));
        }
    }

    /// Commits, then passes the turn on.
    ///
    /// # Errors
    /// When the database refuses the commit.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.tx.commit().await
    }

    /// Rolls back, then passes the turn on.
    ///
    /// # Errors
    /// When the database refuses the rollback.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTx {
    fn get_database_backend(&self) -> DbBackend {
        self.tx.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.tx.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.tx.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.tx.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.tx.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.tx.support_returning()
    }
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
