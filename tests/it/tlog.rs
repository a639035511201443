//! The audit trail as a C2SP tiled transparency log: the signed checkpoint
//! carries the Merkle root, the tiles rebuild it, and `pokmas audit tiles`
//! writes the same files a static web server can serve.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use http_body_util::BodyExt;
use pokmas::db::audit::{Actor, NewEvent, append};
use pokmas::domain::checkpoint::open;
use pokmas::domain::merkle::{Hash, Tree, leaf_hash, verify_inclusion};
use pokmas::services::checkpoints::daily;
use time::OffsetDateTime;
use tower::ServiceExt;

use crate::support::TestApp;

/// Appends `n` events in one transaction.
pub async fn events(app: &TestApp, n: u32) {
    let tx = pokmas::db::begin_write(&app.db.db).await.expect("tx");
    for i in 0..n {
        append(
            &tx,
            NewEvent::new(Actor::System, "test.happened", "test", i.to_string()),
        )
        .await
        .expect("append");
    }
    tx.commit().await.expect("commit");
}

/// `GET path` as raw bytes, with the response headers.
pub async fn get_bytes(app: &TestApp, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let res = pokmas::router::router(app.state.clone())
        .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        .await
        .expect("router");
    let (status, headers) = (res.status(), res.headers().clone());
    let body = res
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

async fn the_tiles_rebuild_the_signed_root_and_the_static_copy_matches(app: TestApp) {
    let key = &app.state.checkpoint_key;
    assert_eq!(
        get_bytes(&app, "/log/checkpoint").await.0,
        StatusCode::NOT_FOUND
    );
    // The installation's set-up already wrote one event.
    events(&app, 599).await;
    let cp = daily(&app.db.db, key, OffsetDateTime::now_utc())
        .await
        .expect("daily")
        .expect("signed");
    assert_eq!(cp.seq, 600);
    // Later events are not served until a checkpoint covers them.
    events(&app, 300).await;

    let (status, headers, note) = get_bytes(&app, "/log/checkpoint").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    let note = String::from_utf8(note).expect("utf-8");
    let opened = open(&note, &key.verifier()).expect("signed by the installation");
    assert_eq!(opened.checkpoint.seq, 600);

    // A client rebuilds the root from the tiles alone: two full level-0 tiles
    // give the first 512 leaf hashes; the partial one gives the rest.
    let mut leaves: Vec<Hash> = Vec::new();
    for path in ["0/000", "0/001", "0/002.p/88"] {
        let (status, headers, body) = get_bytes(&app, &format!("/log/tile/{path}")).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
        assert!(
            headers[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        leaves.extend(
            body.chunks(32)
                .map(|c| <Hash>::try_from(c).expect("32 bytes")),
        );
    }
    let tree = Tree::from_leaves(leaves.iter().copied());
    assert_eq!(tree.root(), opened.root, "the tiles give the signed root");
    let (_, _, level1) = get_bytes(&app, "/log/tile/1/000.p/2").await;
    assert_eq!(level1[..32], tree.level(8)[0]);
    // Entries are the event hashes; each hashes to its leaf.
    let (_, _, bundle) = get_bytes(&app, "/log/tile/entries/002.p/88").await;
    assert_eq!(bundle.len(), 88 * 34);
    assert_eq!(leaf_hash(&bundle[2..34]), leaves[512]);
    let proof = tree.inclusion_proof(599, 600).expect("proof");
    assert_eq!(
        verify_inclusion(599, 600, &leaves[599], &proof, &opened.root),
        Ok(())
    );
    // Beyond the signed size, or not canonical: not found.
    for path in ["0/002", "0/002.p/89", "0/003.p/1", "0/2", "entries/003.p/4"] {
        let (status, _, _) = get_bytes(&app, &format!("/log/tile/{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    // The static copy: every file is byte for byte what the server answers.
    let dir = tempfile::tempdir().expect("dir");
    let written = pokmas::services::tlog::write_static(
        &app.db.db,
        &pokmas::services::merkle_log::LogCache::default(),
        dir.path(),
    )
    .await
    .expect("written");
    assert_eq!(written.size, 600);
    let mut files = 0;
    for entry in walk(dir.path()) {
        let rel = entry
            .strip_prefix(dir.path())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let (status, _, body) = get_bytes(&app, &format!("/log/{rel}")).await;
        assert_eq!(status, StatusCode::OK, "{rel}");
        assert_eq!(std::fs::read(&entry).unwrap(), body, "{rel}");
        files += 1;
    }
    // checkpoint, 3 + 1 hash tiles, 3 entry bundles
    assert_eq!(files, 8);
    let again = pokmas::services::tlog::write_static(
        &app.db.db,
        &pokmas::services::merkle_log::LogCache::default(),
        dir.path(),
    )
    .await
    .expect("written again");
    assert_eq!((again.new_files, again.kept_files), (0, 7));
    assert_eq!(
        B64.decode(note.lines().nth(2).unwrap()).unwrap(),
        opened.root
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn the_tiles_rebuild_the_signed_root_and_the_static_copy_matches_on_sqlite() {
    the_tiles_rebuild_the_signed_root_and_the_static_copy_matches(TestApp::new().await).await;
}

#[tokio::test]
async fn the_tiles_rebuild_the_signed_root_and_the_static_copy_matches_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    the_tiles_rebuild_the_signed_root_and_the_static_copy_matches(app).await;
}
