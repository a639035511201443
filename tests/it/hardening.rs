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

/// What is wrong with the headers and markup of `res` (a page at `path`):
/// the strict policy header missing, an inline style or script (which that
/// policy would block, so the page would break), or a signed-in page
/// without `Cache-Control: no-store`.
pub fn policy_failures(path: &str, res: &crate::support::TestResponse) -> Vec<String> {
    let mut failures = Vec::new();
    let header = |name: &str| {
        res.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    if header("content-security-policy") != pokmas::web::security_headers::CONTENT_SECURITY_POLICY {
        failures.push(format!("{path}: no strict Content-Security-Policy"));
    }
    if header("cross-origin-opener-policy") != "same-origin"
        || header("permissions-policy").is_empty()
    {
        failures.push(format!("{path}: no COOP or Permissions-Policy"));
    }
    for tag in res.body.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let name = tag.split_whitespace().next().unwrap_or_default();
        let inline_script = name == "script" && !tag.contains("src=");
        if name == "style" || inline_script || tag.contains(" style=") || has_event_handler(tag) {
            failures.push(format!("{path}: inline style or script <{tag}>"));
        }
    }
    if res.body.contains(r#"action="/keluar""#) && header("cache-control") != "no-store" {
        failures.push(format!(
            "{path}: a signed-in page without Cache-Control: no-store"
        ));
    }
    failures
}

/// Whether a tag has an `on…=` event-handler attribute.
fn has_event_handler(tag: &str) -> bool {
    tag.split_whitespace().skip(1).any(|attr| {
        attr.strip_prefix("on")
            .and_then(|rest| rest.split_once('='))
            .is_some_and(|(name, _)| {
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphabetic())
            })
    })
}

#[tokio::test]
async fn every_answer_carries_the_policy_headers_and_signed_in_pages_are_not_stored() {
    let mut app = TestApp::new().await;
    app.create_user(ADMIN, Role::Admin, &[]).await;
    let home = app.get("/").await;
    assert!(
        policy_failures("/", &home).is_empty(),
        "{:?}",
        policy_failures("/", &home)
    );
    assert_eq!(
        home.headers.get("cache-control"),
        None,
        "a public page may be cached"
    );
    let api = app.get("/api/v1/rounds").await;
    assert!(api.headers.contains_key("content-security-policy"));
    assert_eq!(
        app.login(ADMIN, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    for path in ["/", "/akun", "/admin/seleksi", "/wilayah"] {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        let failures = policy_failures(path, &res);
        assert!(failures.is_empty(), "{failures:?}");
        assert_eq!(
            res.headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path}"
        );
    }
    let me = app.get("/api/v1/me/applications").await;
    assert_eq!(
        me.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "a personal API answer"
    );
}

#[test]
fn the_markup_check_finds_inline_style_script_and_handlers() {
    let page = |body: &str| crate::support::TestResponse {
        status: StatusCode::OK,
        headers: axum::http::HeaderMap::new(),
        body: body.to_owned(),
    };
    for bad in [
        "<style>p{}</style>",
        "<p style=\"color:red\">x</p>",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
    ] {
        assert!(
            policy_failures("/", &page(bad))
                .iter()
                .any(|f| f.contains("inline")),
            "{bad}"
        );
    }
    assert!(
        !policy_failures("/", &page("<p>style=&lt;script&gt; online</p>"))
            .iter()
            .any(|f| f.contains("inline"))
    );
}
