//! Pooled SQLite connections that may not be handed out again after a failed
//! transaction.
//!
//! When SQLite runs out of space (`SQLITE_FULL`) or hits an I/O error, most
//! often while committing, it rolls the whole transaction back by itself.
//! sqlx then fails the `ROLLBACK` it sends ("no transaction is active") and
//! keeps counting the connection as inside a transaction. sea-orm, asked for a
//! new transaction on that connection, issues a `SAVEPOINT` instead of
//! `BEGIN IMMEDIATE`, and its "commit" is a `RELEASE`. Once one such
//! transaction is rolled back *to* its savepoint (a statement refused for lack
//! of space, or any refused use case), SQLite keeps the outer transaction
//! open: the connection goes back to the pool holding the write lock, every
//! other writer times out ("database is locked"), and every later write on
//! that connection is answered as saved while it sits in a transaction that
//! is never committed. So a connection whose transaction count is not back to
//! zero when it is released is closed, never pooled, and is checked again
//! before it is handed out; the pool opens a fresh one in its place.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::sqlx::sqlite::{SqliteConnection, SqlitePoolOptions};
use sea_orm::sqlx::{AssertSqlSafe, Connection, Executor, raw_sql};

type BoxFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// SQL run on every SQLite connection each time it is opened or handed out,
/// as returned at that moment. Tests inject faults this way (a page limit
/// that makes the database "full", raised again to give the space back).
pub type SqliteAcquireHook = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// The pool with the release and acquire checks (and `hook`, when given).
pub(crate) fn guarded(
    pool: SqlitePoolOptions,
    hook: Option<SqliteAcquireHook>,
) -> SqlitePoolOptions {
    let on_connect = hook.clone();
    pool.after_release(|conn, _| Box::pin(released(conn)))
        .before_acquire(move |conn, _| acquiring(conn, hook.clone()))
        .after_connect(move |conn, _| {
            let sql = on_connect.as_ref().and_then(|h| h());
            Box::pin(async move { run_hook(conn, sql).await })
        })
}

async fn released(conn: &mut SqliteConnection) -> Result<bool, sea_orm::sqlx::Error> {
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    // A dropped transaction queues its ROLLBACK on the connection's worker;
    // a ping is answered after it, so the count read next is final.
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!(
            "closing a database connection whose transaction did not end cleanly \
             (the database refused its rollback, e.g. after running out of space)"
        );
        return Ok(false);
    }
    Ok(true)
}

fn acquiring(
    conn: &mut SqliteConnection,
    hook: Option<SqliteAcquireHook>,
) -> BoxFuture<'_, Result<bool, sea_orm::sqlx::Error>> {
    let sql = hook.as_ref().and_then(|h| h());
    Box::pin(async move {
        if conn.is_in_transaction() {
            tracing::warn!("not reusing a database connection still inside a transaction");
            return Ok(false);
        }
        run_hook(conn, sql).await?;
        Ok(true)
    })
}

async fn run_hook(
    conn: &mut SqliteConnection,
    sql: Option<String>,
) -> Result<(), sea_orm::sqlx::Error> {
    if let Some(sql) = sql {
        conn.execute(raw_sql(AssertSqlSafe(sql))).await?;
    }
    Ok(())
}
