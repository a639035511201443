//! The audit chain under concurrency, across process restarts, and against tampering.

use std::process::Command;

use pokmas::db::audit::{Actor, NewEvent, append, export_csv};
use pokmas::export::audit_csv::{VerifyOutcome, verify_csv};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::support::TestDb;

async fn append_concurrently(db: &DatabaseConnection, tasks: usize, per_task: usize) {
    let mut handles = Vec::new();
    for t in 0..tasks {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..per_task {
                let tx = pokmas::db::begin_write(&db).await.expect("begin");
                append(
                    &tx,
                    NewEvent::new(Actor::System, "test.appended", "task", t.to_string()).payload(
                        serde_json::json!({ "task": t, "i": i, "note": "Ñ — \"kutip\"\n" }),
                    ),
                )
                .await
                .expect("append");
                tx.commit().await.expect("commit");
            }
        }));
    }
    for h in handles {
        h.await.expect("task");
    }
}

async fn assert_chain_ok(db: &DatabaseConnection, expected: u64) {
    let count = pokmas::db::entities::audit_event::Entity::find()
        .count(db)
        .await
        .expect("count");
    assert_eq!(count, expected);
    let mut buf = Vec::new();
    let n = export_csv(db, &mut buf).await.expect("export");
    assert_eq!(n, expected);
    match verify_csv(buf.as_slice(), None) {
        VerifyOutcome::Valid(v) => {
            assert_eq!(v.events, expected);
            assert_eq!(v.head_seq, expected);
        }
        other => panic!("chain does not verify: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_writers_on_sqlite_never_fork_the_chain() {
    let t = TestDb::sqlite().await;
    append_concurrently(&t.db, 16, 100).await;
    assert_chain_ok(&t.db, 1600).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_writers_on_postgres_never_fork_the_chain() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    append_concurrently(&t.db, 16, 100).await;
    assert_chain_ok(&t.db, 1600).await;
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_event_and_no_gap() {
    let t = TestDb::sqlite().await;
    let tx = pokmas::db::begin_write(&t.db).await.expect("begin");
    append(
        &tx,
        NewEvent::new(Actor::System, "test.rolled_back", "x", "1"),
    )
    .await
    .expect("append");
    drop(tx);
    let tx = pokmas::db::begin_write(&t.db).await.expect("begin");
    let ev = append(&tx, NewEvent::new(Actor::System, "test.kept", "x", "2"))
        .await
        .expect("append");
    tx.commit().await.expect("commit");
    assert_eq!(ev.seq, 1, "the rolled-back append did not consume a seq");
    assert_chain_ok(&t.db, 1).await;
}

fn pokmas(data_dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pokmas"));
    cmd.env_remove("DATABASE_URL")
        .env("POKMAS_DATA_DIR", data_dir)
        .env("POKMAS_LOG", "warn")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn pokmas");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("pokmas output")
}

#[tokio::test]
async fn a_trail_written_by_several_processes_exports_and_verifies_and_one_byte_breaks_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // Each command is its own process: timestamps and text must survive the round trip.
    let out = pokmas(d, &["migrate"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = pokmas(
        d,
        &["import-regions", "fixtures/regions_samarinda.csv"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = pokmas(
        d,
        &[
            "user",
            "add",
            "--email",
            "admin@contoh.id",
            "--name",
            "Admin Kota",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("kata-sandi-panjang\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = pokmas(
        d,
        &[
            "user",
            "add",
            "--email",
            "op@contoh.id",
            "--name",
            "Operator",
            "--role",
            "operator",
            "--kelurahan",
            "64.72.01.1001",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("password (shown once): "));

    let csv = d.join("audit.csv");
    let out = pokmas(
        d,
        &["export", "audit", "--out", csv.to_str().expect("utf8")],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = pokmas(d, &["audit", "verify", csv.to_str().expect("utf8")], None);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("valid: 3 events"), "{stdout}");
    let head = stdout
        .split("head ")
        .nth(1)
        .expect("head printed")
        .trim()
        .to_owned();

    let out = pokmas(
        d,
        &[
            "audit",
            "verify",
            csv.to_str().expect("utf8"),
            "--checkpoint",
            &head,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));

    // One byte changed inside the second event's payload: "operator" → "operatoR".
    let mut bytes = std::fs::read(&csv).expect("read");
    let pos = bytes
        .windows(8)
        .position(|w| w == b"operator")
        .expect("operator in trail");
    bytes[pos + 7] = b'R';
    let bad = d.join("audit-edited.csv");
    std::fs::write(&bad, &bytes).expect("write");
    let out = pokmas(d, &["audit", "verify", bad.to_str().expect("utf8")], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("row 3"),
        "the edited row is named: {stdout}"
    );

    let out = pokmas(
        d,
        &[
            "audit",
            "verify",
            d.join("missing.csv").to_str().expect("utf8"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));

    // The independent verifier written from the README rule agrees on both files.
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/independent/verify_audit.py"
    );
    if let Ok(o) = Command::new("python3").arg(script).arg(&csv).output() {
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        let o = Command::new("python3")
            .arg(script)
            .arg(&bad)
            .output()
            .expect("python3");
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 is needed in CI for the independent verifier"
        );
    }
}

#[tokio::test]
async fn every_single_byte_edit_of_a_real_exported_trail_is_detected() {
    let t = TestDb::sqlite().await;
    pokmas::services::regions::seed_if_empty(&t.db)
        .await
        .expect("seed");
    append_concurrently(&t.db, 2, 3).await;
    let tx = pokmas::db::begin_write(&t.db).await.expect("begin");
    append(
        &tx,
        NewEvent::new(Actor::System, "test.reason", "x", "y")
            .reason("-=cmd|' /C calc'!A0\nbaris dua"),
    )
    .await
    .expect("append");
    tx.commit().await.expect("commit");
    let mut good = Vec::new();
    export_csv(&t.db, &mut good).await.expect("export");
    assert!(matches!(
        verify_csv(good.as_slice(), None),
        VerifyOutcome::Valid(_)
    ));
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        match verify_csv(bad.as_slice(), None) {
            VerifyOutcome::Valid(_) => panic!("edit at byte {i} went unnoticed"),
            VerifyOutcome::Tampered(_) | VerifyOutcome::Malformed(_) => {}
        }
    }
}

#[tokio::test]
async fn the_cached_head_sees_own_appends_at_once_and_other_writers_within_its_ttl() {
    use pokmas::db::audit::{HEAD_TTL, HeadCache};
    use sea_orm::ConnectionTrait;
    let t = TestDb::sqlite().await;
    let head = HeadCache::default();
    for expected in 1..=2 {
        let tx = pokmas::db::begin_write(&t.db).await.expect("begin");
        let ev = append(&tx, NewEvent::new(Actor::System, "test.head", "x", "1"))
            .await
            .expect("append");
        tx.commit().await.expect("commit");
        assert_eq!(
            head.get(&t.db).await.expect("head"),
            (expected, ev.hash),
            "an append of this process shows at once"
        );
    }
    // Another process (a CLI command, a second server) moves the head
    // without this process knowing; a fixed value stands in for its hash.
    t.db.execute_unprepared(&format!(
        "UPDATE audit_chain_head SET seq = 3, hash = '{}' WHERE id = 1",
        "ab".repeat(32)
    ))
    .await
    .expect("external write");
    tokio::time::sleep(HEAD_TTL + std::time::Duration::from_millis(50)).await;
    assert_eq!(
        head.get(&t.db).await.expect("head"),
        (3, "ab".repeat(32)),
        "another writer's head is seen within HEAD_TTL"
    );
}

/// Accepts `room` bytes, then fails as a full disk does.
struct FullDisk {
    room: usize,
}

impl std::io::Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.room == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "no space left on device",
            ));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The export reads pages ahead on a task of its own while it writes: every
/// event still comes out once and in order across page boundaries, and a
/// writer that fails (a full disk) ends the export with that error instead
/// of leaving it waiting on the reader.
#[tokio::test(flavor = "multi_thread")]
async fn an_export_across_many_pages_is_whole_and_a_full_disk_stops_it() {
    let db = TestDb::sqlite().await;
    let appended = pokmas::demo::bench::append_events(&db.db, 2_345, false)
        .await
        .expect("append");
    let mut buf = Vec::new();
    let n = export_csv(&db.db, &mut buf).await.expect("export");
    assert_eq!(n, appended);
    match verify_csv(buf.as_slice(), None) {
        VerifyOutcome::Valid(v) => assert_eq!(v.events, appended),
        other => panic!("the export must verify: {other}"),
    }

    let failed = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        export_csv(&db.db, FullDisk { room: 50_000 }),
    )
    .await
    .expect("the export ends instead of hanging");
    let e = failed.expect_err("a full disk is an error");
    assert!(format!("{e:#}").contains("no space left"), "{e:#}");
}
