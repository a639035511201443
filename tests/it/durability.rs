//! Nothing acknowledged is lost when the database runs out of space, and
//! writes come back by themselves once space returns.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;
use pokmas::db::entities::account;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Statement,
};

use crate::support::{TestApp, TestDb};

/// No page limit: the hook does nothing.
const UNLIMITED: u64 = 0;

async fn page_count(db: &impl ConnectionTrait) -> u64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA page_count",
        ))
        .await
        .expect("page_count")
        .expect("a row");
    u64::try_from(row.try_get_by_index::<i64>(0).expect("integer")).expect("positive")
}

async fn register(app: &mut TestApp, n: u32) -> (StatusCode, String) {
    let [_, _, hi, lo] = n.to_be_bytes();
    app.peer = Some(std::net::SocketAddr::from(([10, 0, hi, lo], 4000)));
    let email = format!("warga{n}@contoh.id");
    let res = app
        .register(&format!("Warga {n}"), &email, "kata-sandi-rahasia-1")
        .await;
    (res.status, email)
}

/// A write whose commit fails for lack of space: SQLite then rolls the whole
/// transaction back by itself (here a single statement needing more pages
/// than are left, which SQLite answers the same way).
async fn commit_refused_for_space(db: &DatabaseConnection) {
    let tx = pokmas::db::begin_write(db).await.expect("begin a write");
    let res = tx
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            r#"INSERT INTO "write_probe" ("id", "checked_at", "ballast") VALUES (?, ?, ?)"#,
            [
                uuid::Uuid::new_v4().to_string().into(),
                "2026-12-06T00:00:00Z".into(),
                "x".repeat(256 * 1024).into(),
            ],
        ))
        .await;
    assert!(res.is_err(), "the database is full");
}

/// A use case refused by a rule after its first write: its transaction is
/// dropped, which rolls it back.
async fn refused_after_writing(db: &DatabaseConnection) {
    let tx = pokmas::db::begin_write(db)
        .await
        .expect("writes recover once space returns");
    tx.execute_unprepared(r#"UPDATE "kecamatan" SET "name" = "name""#)
        .await
        .expect("write");
    drop(tx);
}

fn database_line(body: &str) -> &str {
    body.lines()
        .find(|l| l.starts_with("database:"))
        .unwrap_or_default()
}

#[tokio::test]
async fn a_full_database_loses_no_acknowledged_write_and_recovers_by_itself() {
    // Arrange: every connection applies the page limit in force when it is
    // opened or handed out, so the database fills up at a known size.
    let limit = Arc::new(AtomicU64::new(UNLIMITED));
    let hook_limit = limit.clone();
    let hook: pokmas::db::pool::SqliteAcquireHook = Arc::new(move || {
        let pages = hook_limit.load(Ordering::SeqCst);
        (pages != UNLIMITED).then(|| format!("PRAGMA max_page_count = {pages}"))
    });
    let mut app = TestApp::on(TestDb::sqlite_with(Some(hook)).await).await;
    let pages = page_count(&app.db.db).await;
    limit.store(pages + 12, Ordering::SeqCst);

    // Act: register until the database is full, and on while it is, with
    // commits refused for lack of space in between.
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    let mut n = 0;
    while refused < 8 && n < 400 {
        n += 1;
        let (status, email) = register(&mut app, n).await;
        if status == StatusCode::OK {
            acknowledged.push(email);
        } else {
            assert_eq!(
                status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "a write that cannot be stored is refused as an error"
            );
            refused += 1;
            commit_refused_for_space(&app.db.db).await;
        }
    }
    assert_eq!(
        refused, 8,
        "the database filled up ({n} registrations tried)"
    );
    let ready = app.get("/readyz").await;
    assert_eq!(
        ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        ready.body
    );
    assert!(
        database_line(&ready.body).contains("not writable: disk full"),
        "{}",
        ready.body
    );

    // Space returns: writes succeed again without a restart.
    limit.store(pages + 100_000, Ordering::SeqCst);
    for _ in 0..16 {
        refused_after_writing(&app.db.db).await;
        n += 1;
        let (status, email) = register(&mut app, n).await;
        assert_eq!(status, StatusCode::OK, "writes recover once space returns");
        acknowledged.push(email);
    }
    let mut ready = app.get("/readyz").await;
    for _ in 0..100 {
        if database_line(&ready.body) == "database: writable" {
            break;
        }
        // A probe result is reused for a moment; ask again until it is new.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        ready = app.get("/readyz").await;
    }
    assert_eq!(
        database_line(&ready.body),
        "database: writable",
        "{}",
        ready.body
    );

    // Assert: after a restart every acknowledged registration is there.
    let url = app.db.url.clone();
    app.db.db.clone().close().await.expect("close");
    let db = pokmas::db::connect(&url).await.expect("reopen");
    let mut missing = Vec::new();
    for email in &acknowledged {
        let found = account::Entity::find()
            .filter(account::Column::Email.eq(email.as_str()))
            .count(&db)
            .await
            .expect("count");
        if found != 1 {
            missing.push(email.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged registrations lost: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
}
