//! Personal API tokens: made at /akun, shown once, sent as a bearer token,
//! revocable, expiring, audited; bearer requests need no CSRF token.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pokmas::domain::role::Role;

use crate::support::{PASSWORD, TestApp, TestResponse};

/// Signs `email` in (a new account of `role`) and makes a token at /akun;
/// returns the token as shown and the page.
pub(crate) async fn token_for(
    app: &mut TestApp,
    email: &str,
    role: Role,
    scopes: &[&str],
) -> String {
    app.create_user(email, role, scopes).await;
    let res = app.login(email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    make_token(app, "Smart Probebaya", "30").await
}

/// Makes a token at /akun in the signed-in browser.
pub(crate) async fn make_token(app: &mut TestApp, label: &str, days: &str) -> String {
    let page = app.get("/akun").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = crate::support::hidden_value(&page.body, "csrf").expect("csrf");
    let res = app
        .post_form(
            "/akun/token",
            &[("csrf", &csrf), ("label", label), ("days", days)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    shown_token(&res.body).expect("the new token is shown")
}

fn shown_token(html: &str) -> Option<String> {
    let start = html.find("id=\"token-baru\">")? + "id=\"token-baru\">".len();
    let end = html[start..].find('<')? + start;
    Some(html[start..end].to_owned())
}

/// `GET path` with a bearer token and no cookie.
pub(crate) async fn get_with(app: &mut TestApp, token: &str, path: &str) -> TestResponse {
    let saved = app.switch_browser(Default::default());
    let res = app
        .send(
            Request::get(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    app.switch_browser(saved);
    res
}

#[tokio::test]
async fn a_token_made_at_akun_is_shown_once_opens_the_api_and_stops_when_revoked_or_expired() {
    let mut app = TestApp::new().await;
    let token = token_for(&mut app, "warga@contoh.id", Role::Applicant, &[]).await;
    assert!(token.starts_with("pkm_") && token.len() == 47, "{token}");

    // Shown once: the account page lists it by name, never the token again.
    let page = app.get("/akun").await;
    assert!(page.body.contains("Smart Probebaya"), "{}", page.body);
    assert!(!page.body.contains(&token));
    // Only its SHA-256 is stored.
    let stored: Vec<pokmas::db::entities::api_token::Model> = {
        use sea_orm::EntityTrait;
        pokmas::db::entities::api_token::Entity::find()
            .all(&app.db.db)
            .await
            .expect("tokens")
    };
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].token_hash,
        pokmas::domain::api_token::hash(&token)
    );
    assert_eq!(stored[0].role, "applicant");
    let created = app.audit_actions().await;
    let (_, payload) = created
        .iter()
        .find(|(a, _)| a == "token.created")
        .expect("token.created in the trail");
    assert!(!payload.contains(&token));

    // Without a cookie, the token opens the API as the account.
    let res = get_with(&mut app, &token, "/api/v1/me/applications").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body, "[]");
    assert_eq!(
        res.headers
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap_or("")),
        Some("no-store")
    );
    // An unknown token is 401, even next to a valid session cookie.
    let forged = format!("pkm_{}", "A".repeat(43));
    let res = app
        .send(
            Request::get("/api/v1/me/applications")
                .header(header::AUTHORIZATION, format!("Bearer {forged}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    assert_eq!(
        app.get("/api/v1/me/applications").await.status,
        StatusCode::OK,
        "the cookie alone still works"
    );

    // Revoked: 401 at once, and the trail says so.
    let page = app.get("/akun").await;
    let start = page.body.find("/akun/token/").expect("revoke form");
    let action = &page.body[start..start + page.body[start..].find('"').expect("end")];
    let csrf = crate::support::hidden_value(&page.body, "csrf").expect("csrf");
    let res = app.post_form(action, &[("csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = get_with(&mut app, &token, "/api/v1/me/applications").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(
        app.audit_actions()
            .await
            .iter()
            .any(|(a, _)| a == "token.revoked")
    );
    assert!(app.get("/akun").await.body.contains("dicabut"));

    // Expired: a 7-day token stops after 7 days by the app clock.
    let short = make_token(&mut app, "Skrip", "7").await;
    assert_eq!(
        get_with(&mut app, &short, "/api/v1/me/applications")
            .await
            .status,
        StatusCode::OK
    );
    app.clock.advance(time::Duration::days(7));
    assert_eq!(
        get_with(&mut app, &short, "/api/v1/me/applications")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_refused_token_form_keeps_the_label_and_answers_422() {
    let mut app = TestApp::new().await;
    app.create_user("warga@contoh.id", Role::Applicant, &[])
        .await;
    app.login("warga@contoh.id", PASSWORD).await;
    let csrf = app.csrf_from("/akun").await;
    let res = app
        .post_form(
            "/akun/token",
            &[
                ("csrf", &csrf),
                ("label", "Ponsel saya"),
                ("days", "100000"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("Pilih masa berlaku"), "{}", res.body);
    assert!(res.body.contains("value=\"Ponsel saya\""));
    assert!(
        app.audit_actions()
            .await
            .iter()
            .all(|(a, _)| a != "token.created")
    );
}

#[tokio::test]
async fn a_bearer_request_needs_no_csrf_token_and_a_cookie_request_still_does() {
    let mut app = TestApp::new().await;
    let token = token_for(
        &mut app,
        "petugas@contoh.id",
        Role::Operator,
        &["64.72.09.1001"],
    )
    .await;
    // The signed-in browser without the form's token: refused.
    let res = app
        .post_form("/akun/token", &[("label", "Tanpa token"), ("days", "30")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    // The same form with the bearer token and no cookie at all: accepted.
    let saved = app.switch_browser(Default::default());
    let res = app
        .send(
            Request::post("/akun/token")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("label=Kedua&days=30"))
                .expect("request"),
        )
        .await;
    app.switch_browser(saved);
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(shown_token(&res.body).is_some());
}

#[tokio::test]
async fn the_openapi_document_declares_the_cookie_and_the_bearer_scheme() {
    let mut app = TestApp::new().await;
    let doc: serde_json::Value =
        serde_json::from_str(&app.get("/api/openapi.json").await.body).expect("json");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["cookie"]["in"], "cookie");
    assert_eq!(schemes["cookie"]["name"], "pokmas_session");
    let mine = &doc["paths"]["/api/v1/me/applications"]["get"];
    assert_eq!(
        mine["security"],
        serde_json::json!([{ "bearer": [] }, { "cookie": [] }])
    );
    assert!(
        doc["paths"]["/api/v1/regions"]["get"]
            .get("security")
            .is_none()
    );
}
