//! The `pokmas` binary as an operator uses it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn pokmas(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pokmas"))
        .env_remove("DATABASE_URL")
        .env("POKMAS_DATA_DIR", data_dir)
        .env("POKMAS_LOG", "warn")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run pokmas")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn every_command_has_help_and_the_binary_has_a_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v = pokmas(dir.path(), &["--version"]);
    assert!(v.status.success());
    assert!(text(&v).starts_with("pokmas "));
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["import-regions", "--help"],
        vec!["user", "add", "--help"],
        vec!["export", "audit", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["backup", "--help"],
    ] {
        let o = pokmas(dir.path(), &args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("Usage: pokmas"), "{args:?}");
    }
}

#[test]
fn a_malformed_region_file_is_rejected_whole_with_line_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let file = d.join("wilayah.csv");
    std::fs::write(
        &file,
        "kode_kecamatan,nama_kecamatan,kode_kelurahan,nama_kelurahan\n\
         64.72.11,Baru,64.72.11.1001,Kelurahan Baru\n\
         64.72.11,Baru,64.72.11.10x2,Rusak\n\
         64.72.11,,64.72.11.1003,Tanpa Kecamatan\n",
    )
    .expect("write");
    let o = pokmas(d, &["import-regions", file.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("baris 3"), "{}", text(&o));
    assert!(text(&o).contains("baris 4"), "{}", text(&o));

    // Nothing was imported: the valid first line is not in the database either.
    let csv = d.join("audit.csv");
    let o = pokmas(
        d,
        &["export", "audit", "--out", csv.to_str().expect("utf8")],
    );
    assert!(o.status.success(), "{}", text(&o));
    let trail = std::fs::read_to_string(&csv).expect("read");
    assert_eq!(
        trail.lines().count(),
        1,
        "only the header: no import happened\n{trail}"
    );
}

#[test]
fn importing_regions_and_rts_twice_changes_nothing_the_second_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let regions = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/regions_samarinda.csv"
    );
    let o = pokmas(d, &["import-regions", regions]);
    assert!(
        text(&o).contains("10 kecamatan, 59 kelurahan, 0 RT added"),
        "{}",
        text(&o)
    );
    let o = pokmas(d, &["import-regions", regions]);
    assert!(
        text(&o).contains("0 kecamatan, 0 kelurahan, 0 RT added; 0 renamed"),
        "{}",
        text(&o)
    );

    let rts = d.join("rt.csv");
    std::fs::write(
        &rts,
        "kode_kelurahan,rt\n64.72.01.1001,1\n64.72.01.1001,2\n64.72.01.1001,3\n",
    )
    .expect("write");
    let o = pokmas(d, &["import-regions", rts.to_str().expect("utf8")]);
    assert!(text(&o).contains("3 RT added"), "{}", text(&o));
    let o = pokmas(d, &["import-regions", rts.to_str().expect("utf8")]);
    assert!(text(&o).contains("0 RT added"), "{}", text(&o));

    let unknown = d.join("rt-unknown.csv");
    std::fs::write(&unknown, "kode_kelurahan,rt\n64.72.99.9999,1\n").expect("write");
    let o = pokmas(d, &["import-regions", unknown.to_str().expect("utf8")]);
    assert!(!o.status.success());
    assert!(text(&o).contains("64.72.99.9999"), "{}", text(&o));

    let csv = d.join("audit.csv");
    pokmas(
        d,
        &["export", "audit", "--out", csv.to_str().expect("utf8")],
    );
    let trail = std::fs::read_to_string(&csv).expect("read");
    assert_eq!(
        trail.matches("regions.imported").count(),
        2,
        "one event per import that changed something"
    );
}

#[test]
fn backup_makes_a_bundle_that_restores_opens_and_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let regions = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/regions_samarinda.csv"
    );
    assert!(pokmas(d, &["import-regions", regions]).status.success());
    std::fs::write(d.join("checkpoint.key"), "cd".repeat(32)).expect("key");
    let bundle = d.join("backup");
    let o = pokmas(d, &["backup", bundle.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("secret.key is NOT in the bundle"),
        "{}",
        text(&o)
    );
    let o = pokmas(d, &["backup", bundle.to_str().expect("utf8")]);
    assert!(
        !o.status.success(),
        "an existing backup is never overwritten"
    );

    // Restore into a fresh data dir; a non-empty one is refused.
    let restored = tempfile::tempdir().expect("tempdir");
    std::fs::write(restored.path().join("x"), "in use").expect("write");
    let o = pokmas(
        restored.path(),
        &["restore", bundle.to_str().expect("utf8")],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("is not empty"), "{}", text(&o));
    std::fs::remove_file(restored.path().join("x")).expect("rm");
    let o = pokmas(
        restored.path(),
        &["restore", bundle.to_str().expect("utf8")],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read(restored.path().join("checkpoint.key")).expect("key"),
        "cd".repeat(32).as_bytes()
    );
    let csv = restored.path().join("audit.csv");
    let o = pokmas(
        restored.path(),
        &["export", "audit", "--out", csv.to_str().expect("utf8")],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = pokmas(
        restored.path(),
        &["audit", "verify", csv.to_str().expect("utf8")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // A damaged bundle is refused before anything is copied.
    std::fs::write(bundle.join("checkpoint.key"), "ef".repeat(32)).expect("tamper");
    let again = tempfile::tempdir().expect("tempdir");
    let o = pokmas(again.path(), &["restore", bundle.to_str().expect("utf8")]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("checkpoint.key does not match its SHA-256 sum"),
        "{}",
        text(&o)
    );
    assert!(!again.path().join("pokmas.db").exists());
}

#[test]
fn serve_answers_health_checks_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pokmas"))
        .env_remove("DATABASE_URL")
        .env("POKMAS_DATA_DIR", dir.path())
        .env("POKMAS_LOG", "info")
        .env("NO_COLOR", "1")
        .args(["serve", "--addr", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let stderr = child.stderr.take().expect("stderr");
    // The reader ends when the process closes its stderr, so joining it after
    // `wait` yields every line, the last ones included.
    let reader = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut ok = false;
    while Instant::now() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .expect("write");
            let mut resp = String::new();
            let _ = std::io::Read::read_to_string(&mut s, &mut resp);
            ok = resp.starts_with("HTTP/1.1 200");
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(ok, "healthz answered 200");
    assert!(
        dir.path().join("secret.key").exists(),
        "the secret is generated into the data dir"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let code = child.wait().expect("wait");
    assert!(code.success(), "exit status {code:?}");
    let logs = reader.join().expect("log reader");
    assert!(
        logs.iter().any(|l| l.contains("stopped cleanly")),
        "{logs:#?}"
    );
    assert!(
        logs.iter()
            .any(|l| l.contains("loaded the Samarinda regions")),
        "{logs:#?}"
    );
}
