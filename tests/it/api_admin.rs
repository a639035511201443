//! The admin and operator JSON API (issue 4 §10), through the real router with
//! the session cookie of a signed-in account.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use pokmas::db::entities::{audit_event, criterion};
use pokmas::domain::role::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Browser, PASSWORD, TestApp, TestResponse};

async fn signed_in(app: &mut TestApp, email: &str, role: Role, kelurahan: &[&str]) -> Uuid {
    let id = app.create_user(email, role, kelurahan).await;
    let res = app.login(email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "login: {}", res.body);
    id
}

async fn call(app: &mut TestApp, method: Method, path: &str, body: &Value) -> TestResponse {
    app.send(
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request"),
    )
    .await
}

fn json_of(res: &TestResponse) -> Value {
    serde_json::from_str(&res.body).unwrap_or_else(|_| panic!("not JSON: {}", res.body))
}

fn criteria(weights: &[i32]) -> Value {
    Value::Array(
        weights
            .iter()
            .enumerate()
            .map(|(i, w)| {
                json!({
                    "code": format!("K{i}"),
                    "name_id": format!("Kriteria {i}"),
                    "scale_min": 1,
                    "scale_max": 5,
                    "weight": w,
                    "tiebreak_order": i + 1,
                    "labels": "1 = Sangat kurang | Very poor\n2 = Kurang | Poor\n3 = Cukup | Fair\n4 = Baik | Good\n5 = Sangat baik | Very good",
                })
            })
            .collect(),
    )
}

async fn audit_count(app: &TestApp) -> u64 {
    audit_event::Entity::find()
        .count(&app.db.db)
        .await
        .expect("count")
}

async fn api_round(app: &mut TestApp) -> Uuid {
    let res = call(
        app,
        Method::POST,
        "/api/v1/admin/rounds",
        &json!({"name": "Rekrutmen Pokmas API", "year": 2027, "idempotency_key": "k-1"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    json_of(&res)["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("round id")
}

#[tokio::test]
async fn an_admin_creates_a_round_and_replaces_its_criteria_as_json_and_a_bad_weight_set_changes_nothing()
 {
    let mut app = TestApp::new().await;
    signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let id = api_round(&mut app).await;

    // The same idempotency key returns the same round rather than a second one.
    let again = call(
        &mut app,
        Method::POST,
        "/api/v1/admin/rounds",
        &json!({"name": "Rekrutmen Pokmas API", "year": 2027, "idempotency_key": "k-1"}),
    )
    .await;
    assert_eq!(json_of(&again)["id"], json!(id.to_string()));

    let path = format!("/api/v1/admin/rounds/{id}/criteria");
    let res = call(&mut app, Method::PUT, &path, &criteria(&[60, 40])).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(json_of(&res)["criteria"].as_array().map(Vec::len), Some(2));

    let before = audit_count(&app).await;
    let res = call(&mut app, Method::PUT, &path, &criteria(&[50, 40])).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let err = json_of(&res);
    assert_eq!(err["error"], "invalid");
    assert!(err["fields"]["weights"].is_string(), "{err}");
    let res = call(
        &mut app,
        Method::PUT,
        &path,
        &json!([{"code": "!", "name_id": "x", "scale_min": 1, "scale_max": 5, "weight": 100}]),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        json_of(&res)["fields"]["criteria[0].code"].is_string(),
        "{}",
        res.body
    );
    assert!(
        err["message"].as_str().is_some_and(|m| m.contains("90")),
        "{err}"
    );
    // Nothing changed: same criteria, no audit event.
    let stored: Vec<i32> = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(id))
        .all(&app.db.db)
        .await
        .expect("criteria")
        .into_iter()
        .map(|c| c.weight)
        .collect();
    assert_eq!(stored.iter().sum::<i32>(), 100, "{stored:?}");
    assert_eq!(audit_count(&app).await, before);

    // The detail lists the round with its schedule and criteria.
    let res = app.get(&format!("/api/v1/admin/rounds/{id}")).await;
    assert_eq!(res.status, StatusCode::OK);
    let d = json_of(&res);
    assert_eq!(d["state"], "draft");
    assert!(d["schedule"].get("registration_opens_at").is_some(), "{d}");

    // A form-encoded body is refused: JSON only (this is what stands in for CSRF).
    let res = app
        .post_form("/api/v1/admin/rounds", &[("name", "x"), ("year", "2027")])
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        res.body
    );
    assert_eq!(json_of(&res)["error"], "unsupported_media_type");
}

#[tokio::test]
async fn transitions_out_of_order_are_refused_with_the_reason_as_json() {
    let mut app = TestApp::new().await;
    signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let id = api_round(&mut app).await;
    let path = format!("/api/v1/admin/rounds/{id}/transition");

    let res = call(
        &mut app,
        Method::POST,
        &path,
        &json!({"to": "verification"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let err = json_of(&res);
    assert_eq!(err["error"], "conflict");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("langkah berikutnya")),
        "{err}"
    );

    // Registration cannot open without criteria, requirements and formations.
    let res = call(
        &mut app,
        Method::POST,
        &path,
        &json!({"to": "registration"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

    let res = call(&mut app, Method::POST, &path, &json!({"to": "nowhere"})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

    // Cancelling needs a reason (a field error), then works.
    let res = call(&mut app, Method::POST, &path, &json!({"to": "cancelled"})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(json_of(&res)["fields"]["reason"].is_string());
    let res = call(
        &mut app,
        Method::POST,
        &path,
        &json!({"to": "cancelled", "reason": "Anggaran dialihkan"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(json_of(&res)["state"], "cancelled");

    // A cancelled round is frozen: editing it is a conflict.
    let res = call(
        &mut app,
        Method::PUT,
        &format!("/api/v1/admin/rounds/{id}/criteria"),
        &criteria(&[100]),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
}

#[tokio::test]
async fn the_openapi_document_lists_the_admin_and_operator_paths() {
    let mut app = TestApp::new().await;
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status, StatusCode::OK);
    let doc = json_of(&res);
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/admin/rounds",
        "/api/v1/admin/rounds/{id}",
        "/api/v1/admin/rounds/{id}/criteria",
        "/api/v1/admin/rounds/{id}/transition",
        "/api/v1/admin/rounds/{id}/formations/generate",
        "/api/v1/admin/rounds/{id}/formations/seats",
    ] {
        assert!(paths.contains_key(p), "{p} missing: {:?}", paths.keys());
    }
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        tags.contains(&"admin") && tags.contains(&"operator"),
        "{tags:?}"
    );
}

/// Every new write endpoint with a body that would be valid enough to reach the
/// authorization check.
fn writes(round: Uuid) -> Vec<(Method, String, Value)> {
    let r = format!("/api/v1/admin/rounds/{round}");
    vec![
        (
            Method::POST,
            "/api/v1/admin/rounds".into(),
            json!({"name": "Rekrutmen X", "year": 2027}),
        ),
        (
            Method::PUT,
            r.clone(),
            json!({"name": "Rekrutmen X", "year": 2027}),
        ),
        (Method::PUT, format!("{r}/criteria"), criteria(&[100])),
        (
            Method::POST,
            format!("{r}/transition"),
            json!({"to": "registration"}),
        ),
        (
            Method::POST,
            format!("{r}/formations/generate"),
            json!({"kecamatan": "64.72.09", "seats": 5}),
        ),
        (Method::PUT, format!("{r}/formations/seats"), json!([])),
    ]
}

#[tokio::test]
async fn every_new_write_endpoint_refuses_anonymous_callers_with_401_and_other_roles_with_403() {
    let mut app = TestApp::new().await;
    signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let round = api_round(&mut app).await;
    let before = audit_count(&app).await;

    app.switch_browser(Browser::default());
    for (m, p, b) in writes(round) {
        let res = call(&mut app, m.clone(), &p, &b).await;
        assert_eq!(
            res.status,
            StatusCode::UNAUTHORIZED,
            "{m} {p}: {}",
            res.body
        );
        assert_eq!(json_of(&res)["error"], "login_required", "{m} {p}");
    }

    for (email, role) in [
        ("warga@example.com", Role::Applicant),
        ("panelis@example.com", Role::Panelist),
        ("auditor@example.com", Role::Auditor),
        ("operator@example.com", Role::Operator),
    ] {
        app.switch_browser(Browser::default());
        let scope: &[&str] = if matches!(role, Role::Operator | Role::Panelist) {
            &["64.72.09.1001"]
        } else {
            &[]
        };
        signed_in(&mut app, email, role, scope).await;
        for (m, p, b) in writes(round) {
            let res = call(&mut app, m.clone(), &p, &b).await;
            assert_eq!(
                res.status,
                StatusCode::FORBIDDEN,
                "{role:?} {m} {p}: {}",
                res.body
            );
            assert_eq!(json_of(&res)["error"], "forbidden");
        }
    }
    // Nothing was written by any refused call (logins and account creation aside).
    let writes_after: u64 = audit_event::Entity::find()
        .filter(audit_event::Column::Action.like("round%"))
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(writes_after, 1, "only the admin's round.created");
    assert!(audit_count(&app).await >= before);
}
