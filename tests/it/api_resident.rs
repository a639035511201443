//! Applying through the API: the help desk's assisted registration, the
//! CSRF rule for cookie uploads, scopes, and refusals named per field.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pokmas::domain::role::Role;
use serde_json::json;

use crate::api_tokens::{make_token, token_for};
use crate::support::journey::OpenRound;
use crate::support::journey::{DECLS, DOCS, KELURAHAN, NIK, open_round, pdf, verified_resident};
use crate::support::{TestApp, TestResponse, hidden_value};

/// A request with a bearer token and no cookie.
async fn call(
    app: &mut TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> TestResponse {
    let saved = app.switch_browser(Default::default());
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let res = app
        .send(
            req.body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
                .expect("request"),
        )
        .await;
    app.switch_browser(saved);
    res
}

fn multipart(csrf: Option<&str>) -> (String, Vec<u8>) {
    let boundary = "apiUploadTest";
    let mut b = Vec::new();
    if let Some(t) = csrf {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{t}\r\n")
                .as_bytes(),
        );
    }
    b.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ktp.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
            .as_bytes(),
    );
    b.extend_from_slice(&pdf());
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

async fn upload(
    app: &mut TestApp,
    token: Option<&str>,
    path: &str,
    csrf: Option<&str>,
) -> TestResponse {
    let (ct, body) = multipart(csrf);
    let mut req = Request::post(path).header(header::CONTENT_TYPE, ct);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    app.send(req.body(Body::from(body)).expect("request")).await
}

fn desk_fields() -> serde_json::Value {
    json!({
        "full_name": "Rahmat Hidayat",
        "nik": NIK,
        "birth_place": "Samarinda",
        "birth_date": "1990-05-15",
        "sex": "female",
        "address": "Jl. Pahlawan No. 9, RT 007",
        "education": "SMA",
        "occupation": "Pedagang",
        "motivation": "Ingin membangun lingkungan RT bersama warga.",
        "experience": "Ketua RT 2 tahun.",
        "declarations": DECLS,
    })
}

#[tokio::test]
async fn the_help_desk_registers_fills_uploads_and_submits_through_the_api_with_the_pin_shown_once()
{
    let mut app = TestApp::new().await;
    let OpenRound { id: round_id, .. } = open_round(&app).await;
    let token = token_for(&mut app, "meja@contoh.id", Role::Operator, &[KELURAHAN]).await;
    let start = json!({"round_id": round_id, "kelurahan": KELURAHAN, "rt": 7});
    let res = call(
        &mut app,
        &token,
        "POST",
        "/api/v1/operator/applications",
        Some(start.clone()),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = serde_json::from_str::<serde_json::Value>(&res.body).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(
        app.audit_actions()
            .await
            .iter()
            .any(|(a, _)| a == "application.assisted_registered")
    );

    // Submitting too early names what is missing, field by field.
    let res = call(
        &mut app,
        &token,
        "POST",
        &format!("/api/v1/applications/{id}/submission"),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("\"fields\""), "{}", res.body);

    let res = call(
        &mut app,
        &token,
        "PUT",
        &format!("/api/v1/applications/{id}/draft"),
        Some(desk_fields()),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    for d in DOCS {
        let res = upload(
            &mut app,
            Some(&token),
            &format!("/api/v1/applications/{id}/documents/{d}"),
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{d}: {}", res.body);
    }
    let res = call(
        &mut app,
        &token,
        "POST",
        &format!("/api/v1/applications/{id}/submission"),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let done: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    let pin = done["status_pin"]
        .as_str()
        .expect("a PIN for an assisted registration")
        .to_owned();
    assert_eq!(pin.len(), 6);
    let number = done["registration_no"].as_str().expect("number").to_owned();
    // Again: the same number, no PIN.
    let res = call(
        &mut app,
        &token,
        "POST",
        &format!("/api/v1/applications/{id}/submission"),
        None,
    )
    .await;
    let again: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    assert_eq!(again["registration_no"], number.as_str());
    assert!(again["status_pin"].is_null());
    // The draft is closed now.
    let res = call(
        &mut app,
        &token,
        "PUT",
        &format!("/api/v1/applications/{id}/draft"),
        Some(desk_fields()),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    // The PIN works at the status check.
    let res = call(
        &mut app,
        &token,
        "POST",
        "/api/v1/status-check",
        Some(json!({"registration_no": number, "pin": pin})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // An operator of another kelurahan: 403 at the desk, 404 on this draft.
    let other = token_for(
        &mut app,
        "lain@contoh.id",
        Role::Operator,
        &["64.72.09.1002"],
    )
    .await;
    let res = call(
        &mut app,
        &other,
        "POST",
        "/api/v1/operator/applications",
        Some(start),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let res = call(
        &mut app,
        &other,
        "PUT",
        &format!("/api/v1/applications/{id}/draft"),
        Some(desk_fields()),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
}

#[tokio::test]
async fn a_cookie_upload_needs_the_form_token_a_bearer_one_does_not_and_others_drafts_are_404() {
    let mut app = TestApp::new().await;
    let OpenRound { slug, .. } = open_round(&app).await;
    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;
    // JSON with the cookie: no CSRF token needed (Content-Type is the guard).
    let res = app
        .send(
            Request::post(format!("/api/v1/rounds/{slug}/applications"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"kelurahan": KELURAHAN, "rt": 7}).to_string(),
                ))
                .expect("request"),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = serde_json::from_str::<serde_json::Value>(&res.body).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/api/v1/applications/{id}/documents/KTP");
    // A multipart body can come from another site's form: the cookie alone is refused.
    let res = upload(&mut app, None, &path, None).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let csrf = hidden_value(&app.get("/akun").await.body, "csrf").expect("csrf");
    let res = upload(&mut app, None, &path, Some(&csrf)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let token = make_token(&mut app, "Ponsel", "30").await;
    let res = upload(&mut app, Some(&token), &path, None).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    // A wrong field is named; the valid ones were stored all the same.
    let res = call(
        &mut app,
        &token,
        "PUT",
        &format!("/api/v1/applications/{id}/draft"),
        Some(json!({"full_name": "Siti Aminah", "nik": "123"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let err: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    assert!(err["fields"]["nik"].is_string(), "{err}");
    assert!(err["fields"].get("full_name").is_none(), "{err}");

    // Another resident's token: 404 on this draft, whatever the call.
    app.switch_browser(Default::default());
    verified_resident(&mut app, "Budi", "budi@contoh.id").await;
    let budi = make_token(&mut app, "Ponsel", "30").await;
    let res = call(
        &mut app,
        &budi,
        "PUT",
        &format!("/api/v1/applications/{id}/draft"),
        Some(json!({})),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = upload(&mut app, Some(&budi), &path, None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = call(
        &mut app,
        &budi,
        "POST",
        &format!("/api/v1/applications/{id}/submission"),
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
}
