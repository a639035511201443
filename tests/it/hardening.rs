//! Attacks found by a security pass, each answered the way a user is safe
//! with: no open redirect, no 500 on a crafted return path.

use axum::http::StatusCode;
use pokmas::domain::role::Role;

use crate::support::journey::OpenRound;
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

/// An attacker who plants their own CSRF cookie in a victim's browser and
/// submits their own matching form token cannot act in the victim's
/// session: form tokens are bound to the session they were made for.
#[tokio::test]
async fn a_csrf_pair_from_another_session_is_refused() {
    let mut app = TestApp::new().await;
    app.create_user("penyerang@contoh.id", Role::Applicant, &[])
        .await;
    app.create_user(ADMIN, Role::Admin, &[]).await;
    assert_eq!(
        app.login("penyerang@contoh.id", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let token = app.csrf_from("/akun").await;
    let planted = app.cookie("pokmas_csrf").expect("attacker's csrf cookie");

    app.switch_browser(crate::support::Browser::default());
    assert_eq!(
        app.login(ADMIN, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.get("/akun").await.status, StatusCode::OK);
    app.set_cookie("pokmas_csrf", &planted);
    let res = app.post_form("/keluar", &[("csrf", &token)]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let page = app.get("/akun").await;
    assert_eq!(page.status, StatusCode::OK, "the victim is still signed in");

    // The victim's own form still works.
    let own = app.csrf_from("/akun").await;
    let res = app.post_form("/keluar", &[("csrf", &own)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

/// A resident with a draft open in a round; returns the form's path.
async fn resident_with_a_draft(app: &mut TestApp) -> String {
    let OpenRound { slug, .. } = crate::support::journey::open_round(app).await;
    crate::support::journey::verified_resident(app, "Siti Aminah", "siti@contoh.id").await;
    crate::support::journey::start(app, &slug).await
}

async fn stored_files(app: &TestApp) -> Vec<String> {
    use sea_orm::EntityTrait;
    pokmas::db::entities::stored_file::Entity::find()
        .all(&app.db.db)
        .await
        .expect("stored files")
        .into_iter()
        .map(|f| f.sha256)
        .collect()
}

#[tokio::test]
async fn a_pdf_or_jpeg_header_in_front_of_html_is_refused_next_to_its_field() {
    let mut app = TestApp::new().await;
    let form = resident_with_a_draft(&mut app).await;
    let csrf = app.csrf_from(&form).await;
    for (name, bytes) in [
        (
            "ktp.pdf",
            &b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script>"[..],
        ),
        (
            "ktp.jpg",
            b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00<svg onload=alert(1)>",
        ),
    ] {
        let res = crate::support::journey::post_multipart(
            &mut app,
            &form,
            &[("csrf", &csrf), ("full_name", "Siti Aminah")],
            &[("doc_KTP", name, bytes)],
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            res.body.contains("kode halaman web"),
            "{name}: {}",
            res.body
        );
    }
    assert!(stored_files(&app).await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn a_replaced_upload_is_deleted_when_nothing_refers_to_it() {
    let mut app = TestApp::new().await;
    let form = resident_with_a_draft(&mut app).await;
    let csrf = app.csrf_from(&form).await;
    let first = b"%PDF-1.4\nfirst scan".to_vec();
    let second = b"%PDF-1.4\nsecond scan".to_vec();
    for bytes in [&first, &second] {
        let res = crate::support::journey::post_multipart(
            &mut app,
            &form,
            &[("csrf", &csrf)],
            &[("doc_KTP", "ktp.pdf", bytes)],
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let store = app.state.files();
    let sha = |b: &[u8]| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b));
    assert_eq!(
        stored_files(&app).await,
        vec![sha(&second)],
        "only the current file has a row"
    );
    assert!(
        !store.exists(&sha(&first)),
        "the replaced file is gone from disk"
    );
    assert!(store.exists(&sha(&second)));

    // The same bytes in two places: replacing one keeps the file for the other.
    let res = crate::support::journey::post_multipart(
        &mut app,
        &form,
        &[("csrf", &csrf)],
        &[("doc_KK", "kk.pdf", &second)],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    let res = crate::support::journey::post_multipart(
        &mut app,
        &form,
        &[("csrf", &csrf)],
        &[("doc_KTP", "ktp.pdf", &first)],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(store.exists(&sha(&second)), "still the KK's file");
    assert!(store.exists(&sha(&first)), "stored again");
    let mut expected = vec![sha(&first), sha(&second)];
    expected.sort();
    let mut rows = stored_files(&app).await;
    rows.sort();
    assert_eq!(rows, expected);
}

#[tokio::test]
async fn a_burst_of_uploads_is_throttled_per_account() {
    let mut app = TestApp::new().await;
    let form = resident_with_a_draft(&mut app).await;
    let csrf = app.csrf_from(&form).await;
    let limit = pokmas::services::rate_limit::UPLOADS_PER_ACCOUNT.max;
    for i in 0..limit {
        let bytes = format!("%PDF-1.4\nscan {i}").into_bytes();
        let res = crate::support::journey::post_multipart(
            &mut app,
            &form,
            &[("csrf", &csrf)],
            &[("doc_KTP", "ktp.pdf", &bytes)],
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "upload {i}");
    }
    let res = crate::support::journey::post_multipart(
        &mut app,
        &form,
        &[("csrf", &csrf)],
        &[("doc_KTP", "ktp.pdf", b"%PDF-1.4\none too many")],
    )
    .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.body.contains("Terlalu banyak berkas"), "{}", res.body);
    // A quarter of an hour later the resident can go on.
    app.clock.advance(time::Duration::minutes(31));
    let res = crate::support::journey::post_multipart(
        &mut app,
        &form,
        &[("csrf", &csrf)],
        &[("doc_KTP", "ktp.pdf", b"%PDF-1.4\nlater")],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
}

async fn post_json(app: &mut TestApp, path: &str, body: &str) -> crate::support::TestResponse {
    app.send(
        axum::http::Request::post(path)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_owned()))
            .expect("request"),
    )
    .await
}

/// The API judges who asks before what they sent: an applicant gets 403 on
/// an admin call and 404 on another person's application, whatever the body.
#[tokio::test]
async fn the_api_judges_the_role_and_the_owner_before_the_body() {
    let mut app = TestApp::new().await;
    let OpenRound { slug, .. } = crate::support::journey::open_round(&app).await;
    let owner = crate::support::journey::submitted_by(
        &mut app,
        &slug,
        (
            "Siti Aminah",
            "siti@contoh.id",
            crate::support::journey::NIK,
        ),
    )
    .await;
    app.switch_browser(crate::support::Browser::default());
    crate::support::journey::verified_resident(&mut app, "Budi Santoso", "budi@contoh.id").await;
    for body in ["{}", "{\"name\": 1}", "not json"] {
        let res = post_json(&mut app, "/api/v1/admin/rounds", body).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{body}: {}", res.body);
        let res = post_json(
            &mut app,
            &format!("/api/v1/me/applications/{owner}/objections"),
            body,
        )
        .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{body}: {}", res.body);
    }
}

#[tokio::test]
async fn a_round_cancelled_while_a_draft_is_not_listed_and_an_empty_state_filters_nothing() {
    use pokmas::domain::round::RoundState;
    let mut app = TestApp::new().await;
    let OpenRound { id: open, .. } = crate::support::journey::open_round(&app).await;
    let actor = crate::support::journey::admin_actor(&app).await;
    let mut f = pokmas::domain::form::FormData::default();
    for (k, v) in [
        ("name", "Putaran batal"),
        ("year", "2027"),
        ("description_id", "x"),
        ("description_en", "x"),
    ] {
        f.0.insert(k.to_owned(), v.to_owned());
    }
    let settings = pokmas::services::rounds::RoundSettings::parse(&f).expect("settings");
    let draft = pokmas::services::rounds::create_round(&app.db.db, actor, &settings, None)
        .await
        .expect("draft round");
    pokmas::services::rounds::transition(
        &app.db.db,
        &crate::support::checkpoint_key(),
        actor,
        draft,
        RoundState::Cancelled,
        "Salah buat, dibatalkan.",
        time::OffsetDateTime::now_utc(),
    )
    .await
    .expect("cancel the draft");
    for path in ["/api/v1/rounds", "/api/v1/rounds?state="] {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        assert!(
            res.body.contains(&open.to_string()),
            "{path}: the open round"
        );
        assert!(
            !res.body.contains(&draft.to_string()),
            "{path}: never published"
        );
    }
    let res = app.get("/api/v1/rounds?state=cancelled").await;
    assert!(!res.body.contains(&draft.to_string()));
}

#[tokio::test]
async fn query_mistakes_answer_json_400_and_an_oversized_body_413() {
    let mut app = TestApp::new().await;
    app.create_user("auditor@contoh.id", Role::Auditor, &[])
        .await;
    app.create_user(ADMIN, Role::Admin, &[]).await;
    assert_eq!(
        app.login("auditor@contoh.id", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let ok = app.get("/api/v1/audit/events?limit=500").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    for limit in [
        "0",
        "501",
        "9223372036854775808",
        "99999999999999999999999",
        "lima",
    ] {
        let res = app
            .get(&format!("/api/v1/audit/events?limit={limit}"))
            .await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "limit={limit}: {}",
            res.body
        );
        assert_eq!(
            res.headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "limit={limit}"
        );
        assert!(
            res.body.contains("\"error\":\"bad_request\""),
            "{}",
            res.body
        );
    }
    app.switch_browser(crate::support::Browser::default());
    assert_eq!(
        app.login(ADMIN, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let huge = format!("{{\"name\": \"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let res = post_json(&mut app, "/api/v1/admin/rounds", &huge).await;
    assert_eq!(
        res.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        &res.body[..res.body.len().min(200)]
    );
    assert!(res.body.contains("payload_too_large"));
}

/// A body the document calls an object is refused as an array (serde would
/// read `[]` as a struct whose fields all have defaults), and a kelurahan in
/// the path that does not exist is not found rather than a field error.
#[tokio::test]
async fn an_array_is_no_object_body_and_an_unknown_kelurahan_is_not_found() {
    let mut app = TestApp::new().await;
    app.create_user(ADMIN, Role::Admin, &[]).await;
    assert_eq!(
        app.login(ADMIN, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let someone = uuid::Uuid::new_v4();
    for body in ["[]", "[\"alasan\"]"] {
        let res = post_json(
            &mut app,
            &format!("/api/v1/admin/staff/{someone}/deactivate"),
            body,
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            res.body
        );
        assert!(res.body.contains("\"invalid\""), "{}", res.body);
    }
    let res = post_json(
        &mut app,
        "/api/v1/admin/kelurahan/64.72.99.9999/rts",
        "{\"count\": 5}",
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
}
