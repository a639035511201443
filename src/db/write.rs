//! The one way to write: [`begin_write`] and [`WriteTx`], and on SQLite the
//! group commit that lets writers queued behind each other share one fsync.
//!
//! SQLite has one writer at a time and, with `synchronous=FULL`, one fsync of
//! the write-ahead log per commit. Under load the writers queued for their
//! turn each waited for every earlier writer's fsync: the fsyncs, not the
//! statements, set how many applications per second one instance took.
//!
//! So a writer that finds others queued behind it when it is done does not
//! commit: it leaves its transaction open for them and queues again. Each of
//! them writes in a savepoint of that same transaction (a refused use case
//! rolls back to its savepoint and takes nothing else with it), passes the
//! turn on and waits. When the first one's turn comes back it
//! commits the whole batch, once, and tells every member how that went.
//! No caller is told "saved" before the commit that makes its write durable
//! has returned, so durability is what it was with one commit per use case;
//! what changes is that a commit that fails fails every write of its batch.
//!
//! SQLite rolls a whole transaction back by itself on some errors
//! (`SQLITE_FULL`, I/O errors), after which a savepoint would silently start
//! a new transaction. Every batch therefore writes its number into a
//! connection-local temporary table as its first statement; a writer joins
//! the batch, and the batch is committed, only while that number is there.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use super::SQLITE_BUSY_TIMEOUT;

/// What the commit of a batch came to, told to its members.
type Outcome = Option<Result<(), String>>;

/// The transaction left open for the writers queued behind its first one.
struct Batch {
    /// The batch's number, also written into its mark (see the module comment).
    mark: i64,
    outer: DatabaseTransaction,
    outcome: watch::Sender<Outcome>,
}

/// The turn to write on one SQLite database, held while writing.
type Turn = OwnedMutexGuard<Option<Batch>>;

/// One SQLite database's writers of this process.
#[derive(Default)]
struct Gate {
    /// The turn, first come first served (tokio's mutex is fair), with the
    /// batch open at the moment, if any.
    turn: Arc<Mutex<Option<Batch>>>,
    /// Writers queued for the turn right now: a writer that finds none when
    /// it is done commits at once, as it always did.
    queued: AtomicUsize,
}

/// The gate of the database `db` is a pool of, made on first use. Keyed by
/// the address of the pool's options, which every clone of the connection
/// shares and which lives as long as the pool; tests open many databases in
/// one process and each has a gate of its own.
fn gate(db: &DatabaseConnection) -> Arc<Gate> {
    static GATES: LazyLock<std::sync::Mutex<HashMap<usize, Arc<Gate>>>> =
        LazyLock::new(Default::default);
    let key = Arc::as_ptr(&db.get_sqlite_connection_pool().connect_options()) as usize;
    let mut gates = GATES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Arc::clone(gates.entry(key).or_default())
}

/// The number of the next batch.
static MARKS: AtomicI64 = AtomicI64::new(1);

/// Writers queued for their turn to write on `db` (SQLite; 0 on PostgreSQL).
#[must_use]
pub fn writers_queued(db: &DatabaseConnection) -> usize {
    if db.get_database_backend() == DbBackend::Sqlite {
        gate(db).queued.load(Ordering::Relaxed)
    } else {
        0
    }
}

/// Starts a transaction that will write.
///
/// On SQLite this is `BEGIN IMMEDIATE`, so the write lock is taken up front and a
/// read-then-write use case waits for its turn instead of failing on a stale
/// snapshot, or a savepoint in the batch a queued writer left open (see the
/// module comment). Writers of this process first queue for their turn:
/// SQLite's own busy handler makes a waiting writer sleep in growing steps (up
/// to 100 ms), which under load gave second-long tails while the lock stood
/// free. PostgreSQL ignores the mode and needs no turn (it has group commit of
/// its own); the audit append locks the chain head.
///
/// # Errors
/// Fails when the database refuses to start a transaction, or when the turn
/// does not come within [`SQLITE_BUSY_TIMEOUT`].
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTx, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(WriteTx::new(begin_immediate(db).await?, Role::Unqueued));
    }
    let gate = gate(db);
    let asked = std::time::Instant::now();
    let mut turn = tokio::time::timeout(SQLITE_BUSY_TIMEOUT, queue_for_turn(&gate))
        .await
        .map_err(|_| DbErr::Custom("database is locked: no turn to write".into()))?;
    crate::ops::metrics::write_gate_waited(asked.elapsed().as_secs_f64());
    if let Some(batch) = turn.as_ref()
        && !still_marked(&batch.outer, batch.mark).await?
    {
        // A savepoint now would begin a transaction of its own, which its
        // release would commit: end the batch, refused to its writers.
        commit_batch(&mut turn).await;
    }
    if let Some(batch) = turn.as_ref() {
        let savepoint = batch.outer.begin().await?;
        let told = batch.outcome.subscribe();
        return Ok(WriteTx::new(savepoint, Role::Member { told, turn }));
    }
    let outer = begin_immediate(db).await?;
    let mark = MARKS.fetch_add(1, Ordering::Relaxed);
    outer
        .execute_unprepared(&format!(
            "CREATE TEMP TABLE IF NOT EXISTS pokmas_write_mark \
             (id INTEGER PRIMARY KEY, mark INTEGER NOT NULL); \
             INSERT OR REPLACE INTO pokmas_write_mark (id, mark) VALUES (1, {mark})"
        ))
        .await?;
    Ok(WriteTx::new(outer, Role::First { gate, mark, turn }))
}

async fn begin_immediate(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Waits for the turn, counted in the gate's queue meanwhile (also when the
/// wait is given up or cancelled).
async fn queue_for_turn(gate: &Arc<Gate>) -> Turn {
    struct Queued<'a>(&'a AtomicUsize);
    impl Drop for Queued<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::Relaxed);
        }
    }
    gate.queued.fetch_add(1, Ordering::Relaxed);
    let _queued = Queued(&gate.queued);
    Arc::clone(&gate.turn).lock_owned().await
}

/// Commits the open batch and tells its members, whatever the outcome.
async fn commit_batch(turn: &mut Turn) {
    let Some(batch) = turn.take() else { return };
    let result = match still_marked(&batch.outer, batch.mark).await {
        Ok(true) => batch.outer.commit().await.map_err(|e| e.to_string()),
        Ok(false) => {
            // Whatever transaction is open now is not the batch's: end it.
            let _ = batch.outer.rollback().await;
            Err("the database rolled the transaction back (out of space or an I/O error)".into())
        }
        Err(e) => {
            let _ = batch.outer.rollback().await;
            Err(e.to_string())
        }
    };
    if let Err(e) = &result {
        tracing::error!(error = %e, "a batch of writes was not committed; each of its writers is told");
    }
    batch.outcome.send_replace(Some(result));
}

/// Whether the batch's transaction is still the one it began (see the module
/// comment); a missing table means it is not.
async fn still_marked(outer: &DatabaseTransaction, mark: i64) -> Result<bool, DbErr> {
    let row = outer
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT mark FROM pokmas_write_mark WHERE id = 1",
        ))
        .await;
    match row {
        Ok(Some(r)) => Ok(r.try_get_by_index::<i64>(0)? == mark),
        Ok(None) | Err(DbErr::Query(_) | DbErr::Exec(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The first writer of a batch: queues again behind the writers that joined
/// it, then commits it for all of them.
async fn commit_when_turn_comes(
    gate: Arc<Gate>,
    mark: i64,
    told: watch::Receiver<Outcome>,
) -> Result<(), DbErr> {
    /// Commits the batch on a task of its own when this writer is cancelled
    /// (its client went away) before it came to that: else the batch would
    /// hold the write lock, and its members wait, until another write came.
    struct Finisher(Option<(Arc<Gate>, i64)>);
    impl Drop for Finisher {
        fn drop(&mut self) {
            let Some((gate, mark)) = self.0.take() else {
                return;
            };
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    let mut turn = queue_for_turn(&gate).await;
                    if turn.as_ref().is_some_and(|b| b.mark == mark) {
                        commit_batch(&mut turn).await;
                    }
                });
            }
        }
    }
    let mut finisher = Finisher(Some((Arc::clone(&gate), mark)));
    let mut turn = queue_for_turn(&gate).await;
    if turn.as_ref().is_some_and(|b| b.mark == mark) {
        commit_batch(&mut turn).await;
    }
    finisher.0 = None;
    drop(turn);
    told_outcome(told).await
}

/// The outcome of the batch `told` belongs to, once it is committed.
async fn told_outcome(mut told: watch::Receiver<Outcome>) -> Result<(), DbErr> {
    let outcome = told.wait_for(Option::is_some).await.map(|o| o.clone());
    match outcome {
        Ok(Some(Ok(()))) => Ok(()),
        Ok(Some(Err(e))) => Err(DbErr::Custom(format!("not saved: {e}"))),
        Ok(None) | Err(_) => Err(DbErr::Custom(
            "not saved: the batch of writes was never committed".into(),
        )),
    }
}

/// Where a [`WriteTx`] stands in the queue of writers.
enum Role {
    /// PostgreSQL: no turn.
    Unqueued,
    /// SQLite, the transaction's own writer: `tx` is the transaction itself.
    First {
        gate: Arc<Gate>,
        mark: i64,
        turn: Turn,
    },
    /// SQLite, a writer in the batch another left open: `tx` is a savepoint.
    Member {
        told: watch::Receiver<Outcome>,
        turn: Turn,
    },
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
    role: Role,
}

impl WriteTx {
    fn new(tx: DatabaseTransaction, role: Role) -> WriteTx {
        WriteTx {
            tx,
            head: std::sync::Mutex::new(None),
            role,
        }
    }

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

    /// Commits, then passes the turn on; returns once the write is durable
    /// (on SQLite possibly in one commit with the writers queued behind).
    ///
    /// # Errors
    /// When the database refuses the commit; on SQLite also when the commit of
    /// the batch this write joined failed.
    pub async fn commit(self) -> Result<(), DbErr> {
        match self.role {
            Role::Unqueued => self.tx.commit().await,
            Role::First {
                gate,
                mark,
                mut turn,
            } => {
                if gate.queued.load(Ordering::Relaxed) == 0 {
                    return self.tx.commit().await;
                }
                let (outcome, told) = watch::channel(None);
                *turn = Some(Batch {
                    mark,
                    outer: self.tx,
                    outcome,
                });
                drop(turn);
                commit_when_turn_comes(gate, mark, told).await
            }
            Role::Member { told, turn } => {
                let released = self.tx.commit().await;
                drop(turn);
                released?;
                told_outcome(told).await
            }
        }
    }

    /// Rolls back (a savepoint of a batch only its own writes), then passes
    /// the turn on.
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
