//! Staff accounts created with `pokmas user add` can log in and out.

use axum::http::StatusCode;
use pokmas::domain::role::Role;

use crate::support::{PASSWORD, TestApp, hidden_value};

#[tokio::test]
async fn an_admin_created_by_the_cli_service_can_log_in_and_out() {
    let mut app = TestApp::new().await;
    app.create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;

    let res = app.login("Admin@SamarindaKota.go.id", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let home = app.get("/").await;
    assert!(
        home.body.contains("Pengguna admin@samarindakota.go.id"),
        "name shown when signed in"
    );

    let csrf = hidden_value(&home.body, "csrf").expect("logout form carries a token");
    let res = app.post_form("/keluar", &[("csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let home = app.get("/").await;
    assert!(!home.body.contains("Pengguna admin@"), "signed out");
    assert!(home.body.contains(r#"href="/masuk""#));
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_email_is_kept() {
    let mut app = TestApp::new().await;
    app.create_user("operator@contoh.id", Role::Operator, &["64.72.01.1001"])
        .await;
    let res = app.login("operator@contoh.id", "salah-sekali-123").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("E-mail atau kata sandi salah."));
    assert!(res.body.contains(r#"value="operator@contoh.id""#));
    let res = app.login("tidak-ada@contoh.id", PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::UNAUTHORIZED,
        "unknown address answers the same"
    );
}

#[tokio::test]
async fn a_login_without_the_csrf_token_is_refused() {
    let mut app = TestApp::new().await;
    app.create_user("admin@contoh.id", Role::Admin, &[]).await;
    let _ = app.get("/masuk").await;
    let res = app
        .post_form(
            "/masuk",
            &[("email", "admin@contoh.id"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .post_form(
            "/masuk",
            &[
                ("csrf", "dGVzdA=="),
                ("email", "admin@contoh.id"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn operators_need_a_kelurahan_and_it_must_exist() {
    let app = TestApp::new().await;
    let new = |kel: Vec<String>| pokmas::services::accounts::NewAccount {
        email: "op@contoh.id".into(),
        name: "Operator".into(),
        role: Role::Operator,
        kelurahan: kel,
        password: PASSWORD.into(),
    };
    let actor = pokmas::db::audit::Actor::System;
    let err = pokmas::services::accounts::create_account(&app.db.db, actor, new(vec![]))
        .await
        .expect_err("no scope");
    assert!(err.to_string().contains("minimal satu kelurahan"));
    let err = pokmas::services::accounts::create_account(
        &app.db.db,
        actor,
        new(vec!["64.72.99.9999".into()]),
    )
    .await
    .expect_err("unknown kelurahan");
    assert!(err.to_string().contains("64.72.99.9999"));
}

#[tokio::test]
async fn logging_in_from_a_page_returns_to_that_page_but_never_off_site() {
    let mut app = TestApp::new().await;
    app.create_user("admin@contoh.id", Role::Admin, &[]).await;
    let page = app.get("/wilayah").await;
    assert!(
        page.body.contains("/masuk?lanjut=/wilayah"),
        "the header's login link remembers the page"
    );
    let form = app.get("/masuk?lanjut=/wilayah").await;
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    assert_eq!(
        hidden_value(&form.body, "lanjut").as_deref(),
        Some("/wilayah")
    );
    let res = app
        .post_form(
            "/masuk",
            &[
                ("csrf", &csrf),
                ("email", "admin@contoh.id"),
                ("password", PASSWORD),
                ("lanjut", "/wilayah"),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("/wilayah"));

    app.switch_browser(crate::support::Browser::default());
    let form = app.get("/masuk").await;
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    let res = app
        .post_form(
            "/masuk",
            &[
                ("csrf", &csrf),
                ("email", "admin@contoh.id"),
                ("password", PASSWORD),
                ("lanjut", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("/"), "never an open redirect");
}
