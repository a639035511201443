//! The public shell: home page, regions, language switch, health, errors, assets.

use axum::http::{StatusCode, header};

use crate::support::TestApp;

#[tokio::test]
async fn home_page_speaks_indonesian_and_knows_samarinda_regions() {
    let mut app = TestApp::new().await;
    let res = app.get("/").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(r#"<html lang="id">"#));
    assert!(
        res.body
            .contains("Rekrutmen terbuka anggota Pokmas Probebaya")
    );
    assert!(res.body.contains("<strong>10</strong> kecamatan"));
    assert!(res.body.contains("<strong>59</strong> kelurahan"));
    assert!(
        res.body.contains("Belum ada seleksi yang diumumkan."),
        "empty state when there is no round"
    );
}

#[tokio::test]
async fn regions_page_lists_every_kelurahan_with_its_official_code() {
    let mut app = TestApp::new().await;
    let res = app.get("/wilayah").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body.matches("<td><code>64.72.").count(), 59);
    assert!(res.body.contains("Sungai Siring Pelita"));
}

#[tokio::test]
async fn english_switch_persists_across_pages_and_returns_to_the_same_page() {
    let mut app = TestApp::new().await;
    let res = app.get("/bahasa/en?kembali=/wilayah").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some("/wilayah"));
    let res = app.get("/").await;
    assert!(res.body.contains(r#"<html lang="en">"#));
    assert!(
        res.body
            .contains("Open recruitment of Probebaya Pokmas members")
    );
    let res = app.get("/bahasa/id?kembali=https://evil.example/").await;
    assert_eq!(res.location(), Some("/"), "never an open redirect");
    assert!(app.get("/").await.body.contains(r#"<html lang="id">"#));
}

#[tokio::test]
async fn health_check_answers_while_the_process_serves() {
    let mut app = TestApp::new().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, "ok");
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404_without_internal_detail() {
    let mut app = TestApp::new().await;
    let res = app.get("/tidak-ada/../../etc/passwd").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(res.body.contains("Halaman tidak ditemukan"));
    assert!(res.body.contains("Kembali ke beranda"));
}

#[tokio::test]
async fn assets_are_embedded_and_cached_for_a_year() {
    let mut app = TestApp::new().await;
    let home = app.get("/").await;
    let start = home
        .body
        .find("/assets/app.css?v=")
        .expect("versioned css link");
    let url = &home.body[start..home.body[start..].find('"').expect("end") + start];
    let res = app.get(url).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(
        res.headers[header::CACHE_CONTROL]
            .to_str()
            .expect("ascii")
            .contains("immutable")
    );
    assert_eq!(
        app.get("/assets/secret.key").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn public_audit_page_shows_the_chain_head() {
    let mut app = TestApp::new().await;
    let res = app.get("/jejak-audit").await;
    assert_eq!(res.status, StatusCode::OK);
    // Seeding the regions wrote event 1.
    assert!(res.body.contains("<strong>1</strong>"));
    assert!(
        res.body
            .contains("pokmas audit verify audit.csv --checkpoint 1:")
    );
}

/// Pages for the ways a browser can go wrong without the user doing
/// anything odd: a bookmarked form action (wrong method) and a form left open
/// until its token expired both say what to do, never a blank or a
/// permissions page.
#[tokio::test]
async fn a_wrong_method_and_an_expired_form_get_pages_that_say_what_to_do() {
    let mut app = TestApp::new().await;
    let res = app.get("/keluar").await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(res.body.contains("gunakan tombol"), "{}", res.body);
    let res = app.get("/api/v1/status-check").await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        res.body.contains("\"error\":\"method_not_allowed\""),
        "{}",
        res.body
    );

    let _ = app.get("/masuk").await;
    let res = app
        .post_form(
            "/masuk",
            &[
                ("csrf", "kedaluwarsa"),
                ("email", "a@contoh.id"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("Muat ulang halamannya"), "{}", res.body);
    assert!(res.body.contains("Reload the page"), "{}", res.body);
}
