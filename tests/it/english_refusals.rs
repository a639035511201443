//! Refusals read in English in the English interface, area by area: the
//! results' finalization, the objection reviewer's assignment and proposal,
//! the second look before publication, an admin's recusal of a panelist,
//! staff accounts and the audit trail (its page and its API with
//! `Accept-Language`). Each names a sentence of the service's refusal and
//! checks that the Indonesian one is not the only text shown.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pokmas::db::entities::objection;
use pokmas::domain::role::Role;
use sea_orm::EntityTrait;

use crate::results::{as_user, open_objection_window, post_from, publish};
use crate::standings::fixture;
use crate::support::journey::post_multipart;
use crate::support::{Browser, PASSWORD, TestApp, TestResponse, hidden_value};

/// `response` shows `en`; `id` (the Indonesian sentence) at most beside it
/// on the shared error page, never alone.
fn in_english(res: &TestResponse, en: &str, id: &str) {
    assert!(res.body.contains(en), "{en}: {}", res.body);
    if res.body.contains(id) {
        assert!(
            res.body.contains("lang=\"en\""),
            "Indonesian only: {}",
            res.body
        );
    }
}

#[tokio::test]
async fn results_and_objection_reviewer_refusals_read_in_english() {
    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    // E files an objection.
    let (e_id, _) = p.f.apps[4].clone();
    as_user(&mut p.f.app, &p.emails[4]).await;
    let form_path = format!("/pendaftaran/{e_id}/sanggahan");
    let form = p.f.app.get(&form_path).await;
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    let key = hidden_value(&form.body, "idempotency_key").expect("key");
    let res = post_multipart(
        &mut p.f.app,
        &form_path,
        &[
            ("csrf", &csrf),
            ("idempotency_key", &key),
            (
                "grounds",
                "Nilai K1 saya dari penilai pertama tidak sesuai jawaban wawancara saya.",
            ),
        ],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let o = objection::Entity::find()
        .one(&p.f.app.db.db)
        .await
        .expect("read")
        .expect("objection");

    p.f.app.switch_browser(p.admin_browser.clone());
    p.f.app.get("/bahasa/en").await;
    // Results: finalization without its grounds.
    let results = format!("/admin/seleksi/{}/hasil", p.f.round_id);
    let res = post_from(
        &mut p.f.app,
        &results,
        &format!("{results}/final"),
        &[("reason", "x")],
    )
    .await;
    in_english(
        &res,
        "Write the grounds for the final results (at least 5 characters).",
        "Tuliskan dasar penetapan hasil akhir",
    );
    // Objection reviewer: a panelist who scored E may not review.
    let list = format!("/admin/seleksi/{}/sanggahan", p.f.round_id);
    let assign = format!("/admin/sanggahan/{}/peninjau", o.id);
    let scorer = p.f.panelists[0].to_string();
    let res = post_from(&mut p.f.app, &list, &assign, &[("reviewer_id", &scorer)]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    in_english(
        &res,
        "The reviewer may not be someone who made the contested decision",
        "Peninjau tidak boleh orang yang membuat keputusan",
    );
    let reviewer = p.admins[1].to_string();
    let res = post_from(&mut p.f.app, &list, &assign, &[("reviewer_id", &reviewer)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // The reviewer's proposal without a decision chosen.
    p.f.app.switch_browser(Browser::default());
    as_user(&mut p.f.app, "admin2@contoh.id").await;
    p.f.app.get("/bahasa/en").await;
    let detail = format!("/sanggahan/{}", o.id);
    let res = post_from(
        &mut p.f.app,
        &detail,
        &format!("{detail}/usulan"),
        &[("outcome", ""), ("reasons", "Nilai sudah sesuai catatan.")],
    )
    .await;
    in_english(&res, "Choose a decision.", "Pilih keputusan.");
}

#[tokio::test]
async fn second_look_and_recusal_refusals_read_in_english() {
    let mut f = fixture().await;
    f.app.login("admin@contoh.id", PASSWORD).await;
    f.app.get("/bahasa/en").await;
    // The second look: a request without its reason.
    let dash = format!("/admin/seleksi/{}/dasbor", f.round_id);
    let res = post_from(
        &mut f.app,
        &dash,
        &format!("/admin/seleksi/{}/tinjauan-kedua/minta", f.round_id),
        &[("reason", "x")],
    )
    .await;
    assert!(res.status.is_client_error(), "{}", res.status);
    in_english(
        &res,
        "Write why you ask to publish (at least 5 characters).",
        "Tuliskan alasan permintaan pengumuman",
    );
    // Panel admin: a recusal without a written reason.
    let progress = format!("/admin/seleksi/{}/progres", f.round_id);
    let (app_id, panelist) = (f.apps[0].0.to_string(), f.panelists[0].to_string());
    let res = post_from(
        &mut f.app,
        &progress,
        &format!("{progress}/kecualikan"),
        &[
            ("application_id", &app_id),
            ("panelist_id", &panelist),
            ("reason", "pendek"),
        ],
    )
    .await;
    assert!(res.status.is_client_error(), "{}", res.status);
    in_english(
        &res,
        "Write why the panelist is recused (at least 10 characters).",
        "Tuliskan alasan pengecualian penilai",
    );
}

#[tokio::test]
async fn staff_account_and_audit_trail_refusals_read_in_english() {
    let mut app = TestApp::new().await;
    app.create_user("admin@contoh.id", Role::Admin, &[]).await;
    app.create_user("op@contoh.id", Role::Operator, &["64.72.01.1001"])
        .await;
    app.login("admin@contoh.id", PASSWORD).await;
    app.get("/bahasa/en").await;
    // Staff accounts: an address that already has an account.
    let res = post_from(
        &mut app,
        "/admin/akun",
        "/admin/akun",
        &[
            ("email", "op@contoh.id"),
            ("name", "Operator Dua"),
            ("role", "operator"),
            ("kelurahan", "64.72.01.1001"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    in_english(&res, "already has an account", "sudah memiliki akun");
    // The trail's page and its API: a filter that cannot be understood.
    let res = app.get("/audit/jejak?actor=bukan-id").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    in_english(
        &res,
        "The actor &quot;bukan-id&quot; must be an account ID",
        "harus berupa ID akun",
    );
    let res = app
        .send(
            Request::get("/api/v1/audit/events?actor=bukan-id")
                .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    let json: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    assert!(
        json["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("The actor \"bukan-id\" must be an account ID")),
        "{}",
        res.body
    );
}

/// Sends `method` `path` with `Accept-Language: en` and an optional JSON body.
async fn send_en(app: &mut TestApp, method: &str, path: &str, json: Option<&str>) -> TestResponse {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9");
    if json.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    app.send(
        req.body(Body::from(json.unwrap_or_default().to_owned()))
            .expect("request"),
    )
    .await
}

fn message(res: &TestResponse) -> String {
    let json: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    json["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_public_status_checks_api_messages_follow_accept_language() {
    let mut app = TestApp::new().await;
    let path = "/api/v1/status-check";
    let res = send_en(
        &mut app,
        "POST",
        path,
        Some(r#"{"registration_no":"2026-6472011001-0001","pin":"123456"}"#),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    assert_eq!(
        message(&res),
        "The registration number or PIN does not match."
    );
    let res = send_en(&mut app, "POST", path, Some(r#"{"pin":"123456"}"#)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert_eq!(
        message(&res),
        "The body must be JSON with registration_no and pin."
    );
    let res = send_en(&mut app, "POST", path, None).await;
    assert_eq!(
        res.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        res.body
    );
    assert_eq!(
        message(&res),
        "Send it with Content-Type: application/json."
    );
    let res = send_en(&mut app, "DELETE", path, None).await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED, "{}", res.body);
    assert_eq!(
        message(&res),
        "This HTTP method is not supported at this address."
    );
    // Without a preference, Bahasa Indonesia.
    let res = app
        .send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    r#"{"registration_no":"2026-6472011001-0001","pin":"123456"}"#,
                ))
                .expect("request"),
        )
        .await;
    assert_eq!(message(&res), "Nomor pendaftaran atau PIN tidak cocok.");
}
