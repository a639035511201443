//! Key fragments of the pages residents and panelists read, pinned by
//! snapshots: the public results table of a formation, the status headline
//! of an application, and the scorecard form. Each page is rendered by the
//! real router on a real database; ids, dates, times, hashes and form tokens
//! are redacted, so a snapshot moves only when what a reader sees does.

use axum::http::StatusCode;

use crate::results::{CODE, SLUG, as_user, publish};
use crate::scoring::new_panelist;
use crate::standings::fixture;
use crate::support::snap::{fragment, guard_ci, html};
use crate::support::{PASSWORD, TestApp, hidden_value};

#[tokio::test]
async fn the_public_results_table_and_the_status_headline_match_their_snapshots() {
    guard_ci();
    let mut p = publish(TestApp::new().await).await;
    let page = p.f.app.get(&format!("/seleksi/{SLUG}/hasil/{CODE}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    insta::assert_snapshot!(
        "public_results_table",
        html(fragment(&page.body, "<table class=\"results\"", "</table>"))
    );

    let (first, _) = p.f.apps[0].clone();
    as_user(&mut p.f.app, &p.emails[0]).await;
    let page = p.f.app.get(&format!("/pendaftaran/{first}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    insta::assert_snapshot!(
        "resident_status_headline",
        html(fragment(&page.body, "class=\"headline\"", "</div>"))
    );
}

#[tokio::test]
async fn the_scorecard_form_matches_its_snapshot() {
    guard_ci();
    let mut f = fixture().await;
    new_panelist(&f, "tablet@contoh.id").await;
    let app_id = f.apps[2].0;
    let res = f.app.login("tablet@contoh.id", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let sheet_path = format!("/penilai/{app_id}");
    let sheet = f.app.get(&sheet_path).await;
    let csrf = hidden_value(&sheet.body, "csrf").expect("csrf");
    let res = f
        .app
        .post_form(
            &format!("{sheet_path}/pernyataan"),
            &[("csrf", &csrf), ("kind", "none")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let sheet = f.app.get(&sheet_path).await;
    assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.body);
    insta::assert_snapshot!(
        "scorecard_form",
        html(fragment(
            &sheet.body,
            &format!("<form method=\"post\" action=\"{sheet_path}/nilai\""),
            "</form>"
        ))
    );
}
