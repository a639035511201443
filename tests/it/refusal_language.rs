//! Refusals in the reader's language: a service's refusal reads in English
//! in the English interface and with `Accept-Language: en` in the API, in
//! Bahasa Indonesia by default.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pokmas::db::audit::Actor;
use pokmas::domain::role::Role;

use crate::standings::fixture;
use crate::support::{PASSWORD, TestApp, TestResponse};

use crate::support::post_with_csrf as post;

async fn api_post(app: &mut TestApp, path: &str, lang: Option<&str>, body: &str) -> TestResponse {
    let mut req = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(lang) = lang {
        req = req.header(header::ACCEPT_LANGUAGE, lang);
    }
    app.send(req.body(Body::from(body.to_owned())).expect("request"))
        .await
}

#[tokio::test]
async fn a_panelists_missing_value_and_amendment_refusals_read_in_english_in_the_english_interface()
{
    let mut f = fixture().await;
    crate::scoring::new_panelist(&f, "tablet@contoh.id").await;
    let app_id = f.apps[2].0;
    f.app.login("tablet@contoh.id", PASSWORD).await;
    let sheet = format!("/penilai/{app_id}");
    let res = post(
        &mut f.app,
        &sheet,
        &format!("{sheet}/pernyataan"),
        &[("kind", "none")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    let action = format!("{sheet}/nilai");
    let partial = post(&mut f.app, &sheet, &action, &[("v_K1", "4")]).await;
    assert_eq!(partial.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(partial.body.contains("wajib diisi"), "{}", partial.body);

    f.app.get("/bahasa/en").await;
    let partial = post(&mut f.app, &sheet, &action, &[("v_K1", "4")]).await;
    assert_eq!(partial.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        partial.body.contains("(K2) is required."),
        "{}",
        partial.body
    );
    assert!(!partial.body.contains("wajib diisi"), "{}", partial.body);

    let res = post(&mut f.app, &sheet, &action, &[("v_K1", "4"), ("v_K2", "3")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let amended = post(&mut f.app, &sheet, &action, &[("v_K1", "5"), ("v_K2", "5")]).await;
    assert_eq!(amended.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        amended
            .body
            .contains("Changing submitted scores needs a written reason"),
        "{}",
        amended.body
    );
}

#[tokio::test]
async fn a_lottery_refusal_reads_in_english_in_the_english_interface() {
    let mut f = fixture().await;
    crate::lottery::reopen_registration(&f).await;
    f.app
        .create_user("admin2@contoh.id", Role::Admin, &[])
        .await;
    f.app.login("admin2@contoh.id", PASSWORD).await;
    let page = format!("/admin/seleksi/{}/saksi", f.round_id);
    let fields = [("email", "tidak-ada@contoh.id"), ("label", "")];

    let res = post(&mut f.app, &page, &page, &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("Tidak ada akun aktif dengan alamat e-mail tersebut."),
        "{}",
        res.body
    );

    f.app.get("/bahasa/en").await;
    let res = post(&mut f.app, &page, &page, &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("There is no active account with that e-mail address."),
        "{}",
        res.body
    );
    assert!(!res.body.contains("Tidak ada akun aktif"), "{}", res.body);
}

#[tokio::test]
async fn api_refusals_of_a_lottery_rule_and_of_the_schema_follow_accept_language() {
    let mut f = fixture().await;
    crate::lottery::reopen_registration(&f).await;
    f.app
        .create_user("saksi@contoh.id", Role::Auditor, &[])
        .await;
    let wid = pokmas::services::lottery::name_witness(
        &f.app.db.db,
        Actor::System,
        f.round_id,
        "saksi@contoh.id",
        "Perwakilan warga",
    )
    .await
    .expect("named");
    f.app.login("saksi@contoh.id", PASSWORD).await;
    let path = format!("/api/v1/witness/{wid}/commit");

    // A service's refusal (a lottery rule) and a body the schema refuses,
    // each in both languages.
    for (body, id, en) in [
        (
            r#"{"commit_hash":"bukan-hash"}"#,
            "Komitmen harus berupa 64 digit heksadesimal",
            "The commitment must be 64 hexadecimal digits",
        ),
        (
            r#"{"commit_hash":7}"#,
            "Isi permintaan tidak sesuai skema",
            "The request body does not match the schema",
        ),
    ] {
        let res = api_post(&mut f.app, &path, None, body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains(id), "{}", res.body);
        let res = api_post(&mut f.app, &path, Some("en-GB,en;q=0.9"), body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains(en), "{}", res.body);
        assert!(!res.body.contains(id), "{}", res.body);
    }
}
