//! Public pages and assets as browsers ask for them: compressed once and
//! served from memory, in the coding the browser accepts, with validators so
//! a repeat visit costs a 304.

use std::io::Read;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::results::{CODE, SLUG, publish};
use crate::support::TestApp;

const BROWSER: &str = "gzip, deflate, br, zstd";

async fn raw(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Bytes) {
    let mut req = Request::get(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = pokmas::router::router(app.state.clone())
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("router");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    (status, headers, body)
}

fn unbrotli(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(b, 4096)
        .read_to_end(&mut out)
        .expect("brotli body");
    out
}

fn ungzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .expect("gzip body");
    out
}

#[tokio::test]
async fn a_browser_gets_the_results_page_in_brotli_and_a_repeat_visit_costs_a_304() {
    let p = publish(TestApp::new().await).await;
    let app = &p.f.app;
    let path = format!("/seleksi/{SLUG}/hasil/{CODE}");

    let (status, plain_h, plain) = raw(app, &path, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(plain_h.get(header::CONTENT_ENCODING).is_none());
    let plain_text = String::from_utf8(plain.to_vec()).expect("utf-8 page");
    assert!(plain_text.contains("</html>"), "a whole document");

    let (status, br_h, br) = raw(app, &path, &[("accept-encoding", BROWSER)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(br_h[header::CONTENT_ENCODING], "br");
    assert_eq!(br_h[header::VARY], "Accept-Encoding");
    // The page carries a signed checkpoint and hashes, which do not compress
    // and differ on every run: a small page shrinks to about a third, so the
    // bound is half, and brotli must beat gzip (checked below).
    assert!(
        br.len() * 2 < plain.len(),
        "brotli shrinks the page: {} of {}",
        br.len(),
        plain.len()
    );
    assert_eq!(unbrotli(&br), plain.to_vec(), "the same page, only smaller");
    // Security headers still come with a precompressed answer.
    assert!(br_h.contains_key(header::CONTENT_SECURITY_POLICY));

    let (status, gz_h, gz) = raw(app, &path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(gz_h[header::CONTENT_ENCODING], "gzip");
    assert_eq!(ungzip(&gz), plain.to_vec());
    assert!(
        br.len() < gz.len(),
        "brotli is preferred because it is smaller: {} against gzip's {}",
        br.len(),
        gz.len()
    );

    let tag = br_h[header::ETAG].to_str().expect("etag").to_owned();
    assert_ne!(tag, gz_h[header::ETAG], "each coding has its own validator");
    let (status, again_h, again) = raw(
        app,
        &path,
        &[("accept-encoding", BROWSER), ("if-none-match", &tag)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(again.is_empty());
    assert_eq!(again_h[header::ETAG], tag.as_str());
}

#[tokio::test]
async fn the_validator_changes_when_the_trail_moves_and_with_the_language() {
    let p = publish(TestApp::new().await).await;
    let path = format!("/seleksi/{SLUG}/hasil/{CODE}");
    let (_, before, _) = raw(&p.f.app, &path, &[("accept-encoding", BROWSER)]).await;
    let tag = before[header::ETAG].to_str().expect("etag").to_owned();

    // Any audited change moves the chain head, and with it the page's version.
    let tx = pokmas::db::begin_write(&p.f.app.state.db)
        .await
        .expect("begin");
    pokmas::db::audit::append(
        &tx,
        pokmas::db::audit::NewEvent::new(
            pokmas::domain::audit::Actor::System,
            "test.moved",
            "test",
            "1",
        ),
    )
    .await
    .expect("append");
    tx.commit().await.expect("commit");
    let (status, after, _) = raw(
        &p.f.app,
        &path,
        &[("accept-encoding", BROWSER), ("if-none-match", &tag)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "an old copy is not confirmed");
    assert_ne!(after[header::ETAG], tag.as_str());

    // The English page is another document with its own validator.
    let (_, id, _) = raw(&p.f.app, &path, &[("accept-encoding", BROWSER)]).await;
    let (_, en, en_body) = raw(
        &p.f.app,
        &path,
        &[("accept-encoding", "identity"), ("cookie", "lang=en")],
    )
    .await;
    assert!(String::from_utf8_lossy(&en_body).contains("lang=\"en\""));
    assert_ne!(
        en[header::ETAG]
            .to_str()
            .expect("etag")
            .trim_end_matches('"'),
        id[header::ETAG]
            .to_str()
            .expect("etag")
            .trim_end_matches("-br\"")
    );
}

#[tokio::test]
async fn assets_are_served_compressed_as_browsers_ask_and_plain_otherwise() {
    let app = TestApp::new().await;
    let css = pokmas::views::assets::url("app.css");
    let (status, plain_h, plain) = raw(&app, &css, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(plain_h.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(
        plain_h[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let (status, br_h, br) = raw(&app, &css, &[("accept-encoding", BROWSER)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(br_h[header::CONTENT_ENCODING], "br");
    assert_eq!(br_h[header::CONTENT_TYPE], plain_h[header::CONTENT_TYPE]);
    assert_eq!(unbrotli(&br), plain.to_vec());
    let (status, _, _) = raw(
        &app,
        &css,
        &[
            ("accept-encoding", BROWSER),
            ("if-none-match", br_h[header::ETAG].to_str().expect("etag")),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
}
