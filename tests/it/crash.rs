//! The crash harness: `pokmas serve` is killed (SIGKILL) again and again
//! while several clients register at once; every registration that was
//! answered as done must exist afterwards, the database must pass
//! `PRAGMA integrity_check`, and the audit trail must verify.
//! `POKMAS_CRASH_CYCLES` sets the number of cycles (default 20).

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use pokmas::db::entities::account;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};

use crate::served::Served;

const WRITERS: u32 = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_during_writes_loses_no_acknowledged_write() {
    let cycles: u32 = std::env::var("POKMAS_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().expect("tempdir");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let next = Arc::new(AtomicU32::new(0));
    for cycle in 0..cycles {
        let server = Arc::new(Served::start(
            dir.path(),
            &[],
            &["--trusted-proxies", "127.0.0.1"],
        ));
        let stop = Arc::new(AtomicBool::new(false));
        let in_cycle = Arc::new(AtomicU32::new(0));
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                let (server, stop, next, acked, in_cycle) = (
                    server.clone(),
                    stop.clone(),
                    next.clone(),
                    acknowledged.clone(),
                    in_cycle.clone(),
                );
                std::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        let n = next.fetch_add(1, Ordering::SeqCst);
                        let [_, a, b, c] = n.to_be_bytes();
                        let email = format!("crash{n}@contoh.id");
                        let ip = format!("10.{a}.{b}.{c}");
                        if server.register(&ip, &format!("Warga {n}"), &email) == Some(200) {
                            acked.lock().expect("lock").push(email);
                            in_cycle.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                })
            })
            .collect();
        // Kill once a cycle-dependent number of writes was acknowledged,
        // while the other writers are in the middle of theirs.
        let target = 2 + cycle % 5;
        while in_cycle.load(Ordering::SeqCst) < target {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        server.signal("KILL");
        stop.store(true, Ordering::SeqCst);
        for w in writers {
            w.join().expect("writer");
        }
        let mut server = Arc::try_unwrap(server).ok().expect("sole owner");
        assert!(
            server
                .wait_for_exit(std::time::Duration::from_secs(60))
                .is_some()
        );
    }

    let url = format!(
        "sqlite://{}?mode=rw",
        dir.path().join("pokmas.db").display()
    );
    let db = pokmas::db::connect(&url).await.expect("open");
    let integrity = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .expect("integrity_check")
        .expect("a row");
    assert_eq!(integrity.try_get_by_index::<String>(0).expect("text"), "ok");
    let acknowledged = acknowledged.lock().expect("lock").clone();
    let mut missing = Vec::new();
    for email in &acknowledged {
        let found = account::Entity::find()
            .filter(account::Column::Email.eq(email.as_str()))
            .one(&db)
            .await
            .expect("query");
        if found.is_none() {
            missing.push(email.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged registrations lost over {cycles} kills: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
    let csv = dir.path().join("audit.csv");
    pokmas::export_cmd::run(
        &db,
        pokmas::cli::ExportCommand::Audit {
            out: csv.clone(),
            round: None,
        },
    )
    .await
    .expect("export");
    assert_eq!(
        pokmas::verify_cmd::verify(&csv, None),
        0,
        "the trail verifies"
    );
    eprintln!(
        "crash harness: {cycles} kills, {} acknowledged registrations, none lost",
        acknowledged.len()
    );
}
