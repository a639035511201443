//! The print button of receipts: a small same-site script (the policy
//! allows no inline script) reveals it and opens the print dialog; without
//! script it stays hidden and the words for the browser's menu remain.

use axum::http::StatusCode;
use fantoccini::Locator;

use crate::browser::{Chrome, serve};
use crate::support::journey::OpenRound;
use crate::support::journey::{NIK, open_round, submitted_by};
use crate::support::{PASSWORD, TestApp};

/// The versioned URL of `print.js` on a page.
fn script_url(body: &str) -> String {
    let marker = "<script src=\"";
    let start = body.find(marker).expect("a script on the page") + marker.len();
    let url = &body[start..start + body[start..].find('"').expect("closed")];
    assert!(url.starts_with("/assets/print.js?v="), "{url}");
    url.replace("&amp;", "&")
}

#[tokio::test]
async fn the_receipt_carries_a_hidden_print_button_and_its_script_is_a_cached_asset() {
    let mut app = TestApp::new().await;
    let OpenRound { slug, .. } = open_round(&app).await;
    let id = submitted_by(&mut app, &slug, ("Siti Aminah", "siti@contoh.id", NIK)).await;
    let receipt = app.get(&format!("/pendaftaran/{id}/tanda-terima")).await;
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.body);
    assert!(
        receipt
            .body
            .contains("<button type=\"button\" data-print hidden>Cetak tanda terima</button>"),
        "{}",
        receipt.body
    );
    assert!(
        receipt.body.contains("Ctrl+P"),
        "the words stay for no script"
    );
    let url = script_url(&receipt.body);
    let js = app.get(&url).await;
    assert_eq!(js.status, StatusCode::OK);
    assert_eq!(
        js.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        js.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("public, max-age=31536000, immutable")
    );
    assert!(js.body.contains("window.print()"), "{}", js.body);
    let css = app.get("/assets/app.css").await;
    assert!(
        css.body
            .contains("@media print{button[data-print]{display:none}}"),
        "the button is not printed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_receipts_print_button_opens_the_print_dialog_under_the_policy() {
    let mut app = TestApp::new().await;
    let OpenRound { slug, .. } = open_round(&app).await;
    let id = submitted_by(&mut app, &slug, ("Siti Aminah", "siti@contoh.id", NIK)).await;
    let base = serve(&app).await;
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let c = &chrome.client;
    c.goto(&format!("{base}/masuk")).await.expect("login page");
    // A resident's header names them, not their address, so sign in by hand.
    for (field, value) in [("email", "siti@contoh.id"), ("password", PASSWORD)] {
        c.find(Locator::Id(field))
            .await
            .expect("field")
            .send_keys(value)
            .await
            .expect("type");
    }
    c.find(Locator::Css("main button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    chrome.wait_for_text("header", "Siti Aminah").await;
    c.goto(&format!("{base}/pendaftaran/{id}/tanda-terima"))
        .await
        .expect("receipt");
    chrome
        .wait_for_text("main", "Tanda terima pendaftaran")
        .await;
    chrome.assert_phone_friendly().await;
    // Shown only because print.js ran: a script the policy had blocked
    // would leave the button hidden.
    let button = c
        .find(Locator::Css("button[data-print]"))
        .await
        .expect("print button");
    assert!(
        button.is_displayed().await.expect("displayed"),
        "print.js revealed the button"
    );
    chrome.screenshot("receipt-print-button-360").await;
    // The real dialog would block the session: a stub counts the call.
    c.execute(
        "window.__printed = 0; window.print = function () { window.__printed += 1; };",
        vec![],
    )
    .await
    .expect("stub");
    button.click().await.expect("click");
    let printed = c
        .execute("return window.__printed;", vec![])
        .await
        .expect("count");
    assert_eq!(printed.as_u64(), Some(1), "one click, one print dialog");
    chrome.stop().await;
}
