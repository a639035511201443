//! SQLite writers queued behind each other share one commit, and nobody is
//! told "saved" before that commit: a refused writer takes nothing else with
//! it, a batch the database rolled back is refused to the writers in it,
//! and a writer whose client went away still has its batch committed.

use std::time::Duration;

use pokmas::db::{WriteTx, begin_write, writers_queued};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};
use tokio::sync::oneshot;

use crate::support::TestDb;

async fn insert(tx: &WriteTx, id: &str) -> Result<(), DbErr> {
    tx.execute_raw(Statement::from_sql_and_values(
        tx.get_database_backend(),
        r#"INSERT INTO "write_probe" ("id", "checked_at", "ballast") VALUES (?, ?, '')"#,
        [id.into(), "2026-12-08T00:00:00Z".into()],
    ))
    .await
    .map(|_| ())
}

/// The probe rows another connection sees: what is committed.
async fn committed(outside: &DatabaseConnection) -> Vec<String> {
    let rows = outside
        .query_all_raw(Statement::from_string(
            outside.get_database_backend(),
            r#"SELECT "id" FROM "write_probe" ORDER BY "id""#,
        ))
        .await
        .expect("read the probe rows");
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("id"))
        .collect()
}

/// Lets the spawned writers run until `n` of them wait for their turn.
async fn until_queued(db: &DatabaseConnection, n: usize) {
    for _ in 0..10_000 {
        if writers_queued(db) >= n {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("{n} writers never queued");
}

/// A second pool on the same file, as another process would read it.
async fn outside(t: &TestDb) -> DatabaseConnection {
    pokmas::db::connect(&t.url)
        .await
        .expect("a second connection")
}

#[tokio::test]
async fn writers_queued_behind_one_share_its_commit_and_a_refused_one_takes_nothing_with_it() {
    let t = TestDb::sqlite().await;
    let outside = outside(&t).await;
    let a = begin_write(&t.db).await.expect("a begins");
    insert(&a, "a").await.expect("a writes");

    // Three more writers queue behind `a`: `b` is refused after writing,
    // `c` holds its turn until told, `d` just writes.
    let db = t.db.clone();
    let b = tokio::spawn(async move {
        let tx = begin_write(&db).await?;
        insert(&tx, "b").await?;
        drop(tx);
        Ok::<_, DbErr>(())
    });
    let (c_wrote, c_has_written) = oneshot::channel();
    let (go_on, c_may_go_on) = oneshot::channel::<()>();
    let db = t.db.clone();
    let c = tokio::spawn(async move {
        let tx = begin_write(&db).await?;
        insert(&tx, "c").await?;
        let _ = c_wrote.send(());
        let _ = c_may_go_on.await;
        tx.commit().await
    });
    let db = t.db.clone();
    let d = tokio::spawn(async move {
        let tx = begin_write(&db).await?;
        insert(&tx, "d").await?;
        tx.commit().await
    });
    until_queued(&t.db, 3).await;

    let a = tokio::spawn(a.commit());
    c_has_written.await.expect("c wrote");
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !a.is_finished(),
        "a is not told its write is saved while the batch it shares with c is open"
    );
    assert_eq!(
        committed(&outside).await,
        Vec::<String>::new(),
        "nothing of the batch is visible before its one commit"
    );

    go_on.send(()).expect("c waits");
    a.await.expect("a runs").expect("a is saved");
    b.await.expect("b runs").expect("b rolled back");
    c.await.expect("c runs").expect("c is saved");
    d.await.expect("d runs").expect("d is saved");
    assert_eq!(
        committed(&outside).await,
        ["a", "c", "d"],
        "the refused writer's row alone is missing"
    );
}

#[tokio::test]
async fn a_batch_the_database_rolled_back_is_refused_to_its_writers_and_the_next_starts_anew() {
    let t = TestDb::sqlite().await;
    let outside = outside(&t).await;
    let a = begin_write(&t.db).await.expect("a begins");
    insert(&a, "a").await.expect("a writes");

    // `x` ends the whole transaction the way SQLite does by itself when it
    // runs out of space or hits an I/O error; `y` writes after it.
    let db = t.db.clone();
    let x = tokio::spawn(async move {
        let tx = begin_write(&db).await?;
        insert(&tx, "x").await?;
        tx.execute_unprepared("ROLLBACK").await?;
        drop(tx);
        Ok::<_, DbErr>(())
    });
    let db = t.db.clone();
    let y = tokio::spawn(async move {
        let tx = begin_write(&db).await?;
        insert(&tx, "y").await?;
        tx.commit().await
    });
    until_queued(&t.db, 2).await;

    let a = a.commit().await;
    x.await.expect("x runs").expect("x ran");
    let y = y.await.expect("y runs");
    assert!(a.is_err(), "a's write was rolled back: {a:?}");
    y.expect("y found the batch ended and wrote in a transaction of its own");
    assert_eq!(committed(&outside).await, ["y"]);

    // The next write is saved as usual.
    let tx = begin_write(&t.db).await.expect("writes go on");
    insert(&tx, "z").await.expect("z writes");
    tx.commit().await.expect("z is saved");
    assert_eq!(committed(&outside).await, ["y", "z"]);
}

#[tokio::test]
async fn a_batch_whose_first_writer_went_away_is_still_committed_for_the_others() {
    let t = TestDb::sqlite().await;
    let outside = outside(&t).await;
    let a = begin_write(&t.db).await.expect("a begins");
    insert(&a, "a").await.expect("a writes");

    let (b_wrote, b_has_written) = oneshot::channel();
    let (go_on, b_may_go_on) = oneshot::channel::<()>();
    let db = t.db.clone();
    let b = tokio::spawn(async move {
        let tx = begin_write(&db).await?;
        insert(&tx, "b").await?;
        let _ = b_wrote.send(());
        let _ = b_may_go_on.await;
        tx.commit().await
    });
    until_queued(&t.db, 1).await;

    // `a` leaves its transaction to `b` and queues again; its client goes
    // away while it waits.
    let a = tokio::spawn(a.commit());
    b_has_written.await.expect("b wrote");
    a.abort();
    assert!(a.await.is_err_and(|e| e.is_cancelled()));
    go_on.send(()).expect("b waits");

    let b = tokio::time::timeout(Duration::from_secs(20), b)
        .await
        .expect("b is told, although the writer that opened its batch went away");
    b.expect("b runs").expect("b is saved");
    assert_eq!(committed(&outside).await, ["a", "b"]);
    outside
        .execute_unprepared(r#"DELETE FROM "write_probe""#)
        .await
        .expect("the write lock is free again");
}

#[tokio::test]
async fn a_session_save_takes_its_turn_among_the_writers() {
    use tower_sessions::SessionStore;
    use tower_sessions::session::{Id, Record};

    let t = TestDb::sqlite().await;
    let store = pokmas::db::sessions::DbSessionStore::new(t.db.clone(), "account");
    let mut record = Record {
        id: Id::default(),
        data: std::collections::HashMap::default(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(8),
    };
    store.create(&mut record).await.expect("a session");

    // A use case holds the turn; the session's save (every request of a
    // signed-in user makes one) queues behind it instead of sleeping in
    // SQLite's busy handler beside the queue.
    let a = begin_write(&t.db).await.expect("a begins");
    insert(&a, "a").await.expect("a writes");
    record.expiry_date += time::Duration::minutes(5);
    let saving = tokio::spawn({
        let (store, record) = (store.clone(), record.clone());
        async move { store.save(&record).await }
    });
    until_queued(&t.db, 1).await;
    a.commit().await.expect("a is saved");
    saving
        .await
        .expect("the save runs")
        .expect("the session is saved");
    let loaded = store.load(&record.id).await.expect("load").expect("found");
    assert_eq!(loaded.expiry_date, record.expiry_date);
}

#[tokio::test]
async fn a_throttle_count_takes_its_turn_among_the_writers() {
    use pokmas::services::rate_limit::{self, UPLOADS_PER_ACCOUNT, UPLOADS_PER_IP};

    let t = TestDb::sqlite().await;
    // A use case holds the turn; the counts of an uploaded file (its
    // uploader's and their address's) queue behind it instead of sleeping
    // in SQLite's busy handler beside the queue: the form POST's tail.
    let a = begin_write(&t.db).await.expect("a begins");
    insert(&a, "a").await.expect("a writes");
    let counting = tokio::spawn({
        let db = t.db.clone();
        async move {
            let now = time::OffsetDateTime::now_utc();
            let mine = rate_limit::attempt(&db, now, UPLOADS_PER_ACCOUNT, "resident").await?;
            let address = rate_limit::attempt(&db, now, UPLOADS_PER_IP, "10.0.0.1").await?;
            Ok::<_, DbErr>(vec![mine, address])
        }
    });
    until_queued(&t.db, 1).await;
    a.commit().await.expect("a is saved");
    let over = counting
        .await
        .expect("the count runs")
        .expect("the upload is counted");
    assert_eq!(over, vec![false, false], "one file is within both limits");
}
