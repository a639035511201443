//! The help desk's choices never default to the first entry: an operator
//! of one kelurahan finds it chosen, an operator of several (or an admin)
//! finds "— pilih —", and a form sent without a kelurahan comes back with
//! a field error and everything typed kept.

use axum::http::StatusCode;
use pokmas::domain::role::Role;

use crate::support::journey::OpenRound;
use crate::support::journey::{KELURAHAN, open_round};
use crate::support::{PASSWORD, TestApp, hidden_value};

/// The `<select id="{id}">…</select>` of a page.
fn select<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("<select id=\"{id}\""))
        .unwrap_or_else(|| panic!("no select {id}: {body}"));
    let end = body[start..].find("</select>").expect("select closed");
    &body[start..start + end]
}

#[tokio::test]
async fn an_operator_of_one_kelurahan_finds_it_chosen_at_the_help_desk() {
    let mut app = TestApp::new().await;
    open_round(&app).await;
    app.create_user("op@karangmumus.id", Role::Operator, &[KELURAHAN])
        .await;
    app.login("op@karangmumus.id", PASSWORD).await;
    let page = app.get("/meja-bantuan").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let kel = select(&page.body, "kelurahan");
    assert!(
        kel.contains(&format!("<option value=\"{KELURAHAN}\" selected>")),
        "{kel}"
    );
    assert!(!kel.contains("— pilih"), "nothing else to choose: {kel}");
}

#[tokio::test]
async fn with_several_kelurahan_the_help_desk_asks_for_one_and_keeps_what_was_typed() {
    let mut app = TestApp::new().await;
    let OpenRound { id: round_id, .. } = open_round(&app).await;
    app.create_user(
        "op@duakelurahan.id",
        Role::Operator,
        &[KELURAHAN, "64.72.09.1002"],
    )
    .await;
    app.login("op@duakelurahan.id", PASSWORD).await;
    let page = app.get("/meja-bantuan").await;
    let kel = select(&page.body, "kelurahan");
    assert!(
        kel.contains("<option value=\"\" disabled selected>— pilih kelurahan —</option>"),
        "{kel}"
    );
    assert!(!kel.contains("\" selected>Karang Mumus"), "{kel}");
    assert!(!kel.contains("\" selected>Pelabuhan"), "{kel}");

    // Sent without choosing: refused on the field, the round and RT kept.
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let round = round_id.to_string();
    let res = app
        .post_form(
            "/meja-bantuan",
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", key.as_str()),
                ("round_id", round.as_str()),
                ("rt", "12"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body.contains("id=\"kelurahan-error\""),
        "the error sits at the field: {}",
        res.body
    );
    assert!(
        res.body.contains("Pilih kelurahan tempat tinggal warga"),
        "{}",
        res.body
    );
    assert!(res.body.contains("value=\"12\""), "RT kept: {}", res.body);
    assert!(
        select(&res.body, "round_id").contains(&format!("<option value=\"{round}\" selected>")),
        "round kept"
    );
    // And in English.
    app.get("/bahasa/en").await;
    let csrf = hidden_value(&app.get("/meja-bantuan").await.body, "csrf").expect("csrf");
    let res = app
        .post_form(
            "/meja-bantuan",
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", key.as_str()),
                ("round_id", round.as_str()),
                ("rt", "12"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("Choose the kelurahan where the resident lives"),
        "{}",
        res.body
    );
}
