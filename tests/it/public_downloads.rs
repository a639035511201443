//! Anyone, without signing in, downloads a published round's files that hold
//! no personal data, from links on the results page with the verification
//! command beside them; a repeated download costs a 304.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::results::{SLUG, publish};
use crate::support::{TestApp, TestResponse};

const FILES: [&str; 9] = [
    "rankings.csv",
    "shortlists.csv",
    "stages.csv",
    "criteria.csv",
    "formations.csv",
    "round.csv",
    "audit.csv",
    "checkpoint.txt",
    "kunci.txt",
];

async fn get_if_none_match(app: &mut TestApp, path: &str, tag: &str) -> TestResponse {
    app.send(
        Request::get(path)
            .header(header::IF_NONE_MATCH, tag)
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

#[tokio::test]
async fn a_visitor_downloads_the_public_files_from_the_results_page_and_a_repeat_costs_a_304() {
    let mut p = publish(TestApp::new().await).await;
    let app = &mut p.f.app;
    // `publish` leaves a browser that never signed in.
    let page = app.get(&format!("/seleksi/{SLUG}/hasil")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(
            "pokmas audit verify audit.csv --checkpoint-file checkpoint.txt --public-key kunci.txt"
        ),
        "the verification command stands beside the links"
    );
    let events_before = app.audit_actions().await.len();
    for name in FILES {
        let path = format!("/seleksi/{SLUG}/unduh/{name}");
        assert!(
            page.body.contains(&format!("href=\"{path}\"")),
            "the results page links {path}"
        );
        let res = app.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        assert!(!res.body.is_empty(), "{path} is empty");
        assert!(
            !res.body.contains("Pelamar ") && !res.body.contains("Kenanga Rahasia"),
            "{path} holds no name or address"
        );
        let cache = res
            .headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(cache.starts_with("public, max-age="), "{path}: {cache}");
        let tag = res
            .headers
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{path} has an ETag"))
            .to_owned();
        let again = get_if_none_match(app, &path, &tag).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.body.is_empty());
    }
    let audit = app.get(&format!("/seleksi/{SLUG}/unduh/audit.csv")).await;
    assert!(audit.body.starts_with("seq,at,actor,"), "{}", audit.body);
    let rankings = app
        .get(&format!("/seleksi/{SLUG}/unduh/rankings.csv"))
        .await;
    assert!(rankings.body.starts_with("round_id,formation_code,"));
    assert!(rankings.body.lines().count() > 6, "{}", rankings.body);
    assert_eq!(
        app.audit_actions().await.len(),
        events_before,
        "anonymous downloads add nothing to the trail"
    );
    // Files with panelist ids or masked NIKs stay with auditors.
    for name in ["scores.csv", "applications.csv", "analytics.csv", "x.csv"] {
        let res = app.get(&format!("/seleksi/{SLUG}/unduh/{name}")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{name}");
    }
    // A round without published results has nothing to download.
    let res = app.get("/seleksi/tidak-ada/unduh/audit.csv").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_public_file_changes_its_etag_when_the_trail_moves() {
    let mut p = publish(TestApp::new().await).await;
    let path = format!("/seleksi/{SLUG}/unduh/audit.csv");
    let first = p.f.app.get(&path).await;
    let tag = first.headers[header::ETAG]
        .to_str()
        .expect("etag")
        .to_owned();
    // Any recorded change moves the chain head: an admin opens the objection window.
    crate::results::open_objection_window(&mut p).await;
    p.f.app.switch_browser(crate::support::Browser::default());
    let res = get_if_none_match(&mut p.f.app, &path, &tag).await;
    assert_eq!(res.status, StatusCode::OK, "a stale copy is replaced");
    assert!(
        res.body.len() > first.body.len(),
        "the newer trail is longer"
    );
    assert_ne!(res.headers[header::ETAG].to_str().expect("etag"), tag);
}
