//! Running it for a city: health checks, outages, stalled clients, shutdown.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::http::StatusCode;

use crate::served::Served;
use crate::support::TestApp;

#[tokio::test]
async fn during_a_database_outage_pages_and_the_api_answer_503_and_health_names_the_cause() {
    let mut app = TestApp::new().await;
    app.db.db.clone().close().await.expect("close the pool");

    let alive = app.get("/healthz").await;
    assert_eq!(
        alive.status,
        StatusCode::OK,
        "alive while the database is not"
    );

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        ready.body.contains("database: not writable: unreachable"),
        "{}",
        ready.body
    );
    assert!(
        ready.body.contains("mail worker: not running"),
        "{}",
        ready.body
    );

    let page = app.get("/").await;
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Layanan sedang tidak tersedia"),
        "{}",
        page.body
    );
    assert!(page.headers.contains_key("retry-after"));

    let api = app.get("/api/v1/rounds").await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE, "{}", api.body);
    let body: serde_json::Value = serde_json::from_str(&api.body).expect("JSON error body");
    assert_eq!(body["error"], "unavailable");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn start_up_against_an_unreachable_database_names_host_port_and_cause() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_pokmas"))
        .env("POKMAS_DATA_DIR", dir.path())
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/pokmas")
        .env("POKMAS_LOG", "warn")
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .output()
        .expect("run pokmas serve");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to PostgreSQL at 127.0.0.1:1: connection refused"),
        "{err}"
    );
}

#[test]
fn a_client_that_stops_mid_headers_is_disconnected_and_cannot_hold_up_shutdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Served::start(
        dir.path(),
        &[],
        &["--header-timeout-secs", "1", "--shutdown-grace-secs", "2"],
    );

    // A stalled client is disconnected once the header deadline passes.
    let mut stalled = std::net::TcpStream::connect(&server.addr).expect("connect");
    stalled
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .expect("write");
    stalled
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut rest = Vec::new();
    let _ = stalled.read_to_end(&mut rest);
    assert!(
        !String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 200"),
        "never answered as a request"
    );

    // Another stalls while the server is asked to stop; it stops anyway.
    let mut second = std::net::TcpStream::connect(&server.addr).expect("connect");
    second
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .expect("write");
    server.signal("TERM");
    let stopped = server.wait_for_exit(Duration::from_secs(120));
    assert_eq!(
        stopped,
        Some(true),
        "stopped cleanly within the grace period"
    );
}

#[test]
fn shutdown_waits_for_a_stalled_client_no_longer_than_the_grace_period() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The header deadline is far away: only the grace period can end it.
    let mut server = Served::start(
        dir.path(),
        &[],
        &[
            "--header-timeout-secs",
            "3600",
            "--shutdown-grace-secs",
            "1",
        ],
    );
    let mut stalled = std::net::TcpStream::connect(&server.addr).expect("connect");
    stalled
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .expect("write");
    // The connection is being served before the signal arrives.
    assert!(
        server
            .try_send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .is_some()
    );
    server.signal("TERM");
    assert_eq!(
        server.wait_for_exit(Duration::from_secs(120)),
        Some(true),
        "the stalled connection was dropped after the grace period"
    );
}

#[test]
fn a_server_whose_key_file_went_missing_refuses_to_start_and_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Served::start(dir.path(), &[], &[]);
    server.signal("TERM");
    assert_eq!(server.wait_for_exit(Duration::from_secs(120)), Some(true));
    drop(server);

    for key in ["secret.key", "checkpoint.key"] {
        let kept = std::fs::read(dir.path().join(key)).expect("key file");
        std::fs::remove_file(dir.path().join(key)).expect("remove");
        let out = Command::new(env!("CARGO_BIN_EXE_pokmas"))
            .env_remove("DATABASE_URL")
            .env("POKMAS_DATA_DIR", dir.path())
            .env("POKMAS_LOG", "warn")
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .output()
            .expect("run pokmas serve");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(key) && err.contains("does not belong to this database"),
            "{err}"
        );
        std::fs::remove_file(dir.path().join(key)).expect("remove the new key");
        std::fs::write(dir.path().join(key), kept).expect("put the original back");
    }
}

#[tokio::test]
async fn metrics_are_served_to_configured_addresses_only() {
    let mut app = TestApp::new().await;
    app.peer = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 40000)));
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    assert_eq!(
        app.get("/metrics").await.status,
        StatusCode::NOT_FOUND,
        "nobody is allowed by default"
    );

    app.state
        .health
        .allow_metrics(&["127.0.0.1".parse().expect("ip")]);
    let res = app.get("/metrics").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    for metric in [
        r#"http_requests_total{route="/",method="GET",status="200"}"#,
        "http_request_duration_seconds",
        r#"db_pool_connections{state="open"}"#,
        "mail_outbox_backlog",
        "mail_outbox_failed",
        "audit_head_seq",
    ] {
        assert!(res.body.contains(metric), "{metric} missing:\n{}", res.body);
    }

    app.peer = Some(std::net::SocketAddr::from(([10, 1, 2, 3], 40000)));
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);
}
