//! Attacks found by a security pass, each answered the way a user is safe
//! with: no open redirect, no 500 on a crafted return path.

use axum::http::StatusCode;
use pokmas::domain::role::Role;

use crate::support::{PASSWORD, TestApp, hidden_value};

const ADMIN: &str = "admin@contoh.id";

#[tokio::test]
async fn the_language_switch_never_leads_off_site_nor_fails_on_a_control_character() {
    let mut app = TestApp::new().await;
    for back in [
        "/%09/evil.example",
        "/%0A/evil.example",
        "/%0D%0A/evil.example",
        "/%5C/evil.example",
        "/%2F%2Fevil.example",
        "//evil.example",
        "https://evil.example/",
        "/%0A",
        "/%0B",
        "/%00",
    ] {
        let res = app.get(&format!("/bahasa/en?kembali={back}")).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{back}: {}", res.body);
        assert_eq!(res.location(), Some("/"), "{back}");
    }
    let res = app.get("/bahasa/en?kembali=/wilayah%3Fq%3Dx").await;
    assert_eq!(res.location(), Some("/wilayah?q=x"));
}

/// Signs in on `/masuk?lanjut={next}` with the form's hidden field.
async fn sign_in_returning_to(
    app: &mut TestApp,
    next_query: &str,
    next_field: &str,
) -> crate::support::TestResponse {
    let form = app.get(&format!("/masuk?lanjut={next_query}")).await;
    assert_eq!(form.status, StatusCode::OK, "{next_query}");
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    app.post_form(
        "/masuk",
        &[
            ("csrf", &csrf),
            ("email", ADMIN),
            ("password", PASSWORD),
            ("lanjut", next_field),
        ],
    )
    .await
}

#[tokio::test]
async fn signing_in_with_a_crafted_return_path_lands_on_the_home_page_signed_in() {
    let mut app = TestApp::new().await;
    app.create_user(ADMIN, Role::Admin, &[]).await;
    for (query, field) in [
        ("/%09/evil.example", "/\t/evil.example"),
        ("/%0A", "/\n"),
        ("/%0B/x", "/\u{b}/x"),
        ("/%5C%5Cevil.example", "/\\\\evil.example"),
    ] {
        app.switch_browser(crate::support::Browser::default());
        let form = app.get(&format!("/masuk?lanjut={query}")).await;
        assert_eq!(form.status, StatusCode::OK, "{query}");
        assert_eq!(
            hidden_value(&form.body, "lanjut").unwrap_or_default(),
            "",
            "{query}: the form does not carry it on"
        );
        let res = sign_in_returning_to(&mut app, query, field).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{field:?}: {}", res.body);
        assert_eq!(res.location(), Some("/"), "{field:?}");
        assert!(
            res.headers
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().is_ok_and(|c| c.starts_with("pokmas_session="))),
            "{field:?}: signed in with a session cookie"
        );
        let home = app.get("/").await;
        assert!(home.body.contains("Keluar"), "{field:?}: signed in");
    }
}
