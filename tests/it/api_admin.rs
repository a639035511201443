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
        "/api/v1/operator/verification",
        "/api/v1/operator/applications/{id}",
        "/api/v1/operator/applications/{id}/verification",
        "/api/v1/admin/applications/{id}/change-requests",
        "/api/v1/admin/approvals",
        "/api/v1/admin/approvals/{id}",
        "/api/v1/admin/staff",
        "/api/v1/admin/staff/{id}/kelurahan",
        "/api/v1/admin/staff/{id}/deactivate",
        "/api/v1/admin/staff/{id}/reactivate",
        "/api/v1/admin/rounds/{id}/panels",
        "/api/v1/admin/rounds/{id}/panels/{panel}/members",
        "/api/v1/admin/rounds/{id}/panels/{panel}/formations",
        "/api/v1/admin/rounds/{id}/sessions",
        "/api/v1/admin/rounds/{id}/sessions/{session}/fill",
        "/api/v1/admin/rounds/{id}/invitations/{invitation}/attendance",
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
        (Method::PUT, format!("{r}/requirements"), json!([])),
        (
            Method::POST,
            format!("{r}/template"),
            json!({"template": "panel"}),
        ),
        (
            Method::POST,
            "/api/v1/admin/kelurahan/64.72.09.1001/rts".into(),
            json!({"count": 5}),
        ),
        (
            Method::POST,
            format!("{r}/formations"),
            json!({"code": "F1", "name": "Formasi RT 1-3", "kelurahan_code": "64.72.09.1001", "rts": "1;2;3", "seats": 3}),
        ),
        (Method::DELETE, format!("{r}/formations/{round}"), json!({})),
        (
            Method::POST,
            format!("{r}/formations/import"),
            json!({"csv": ""}),
        ),
        (
            Method::DELETE,
            format!("{r}/panels/{round}/members/{round}"),
            json!({}),
        ),
        (
            Method::POST,
            format!("{r}/invitations/{round}/move"),
            json!({"session_id": round}),
        ),
        (
            Method::POST,
            format!("{r}/invitations/{round}/decision"),
            json!({"decision": "Sakit"}),
        ),
        (
            Method::POST,
            format!("/api/v1/operator/applications/{round}/verification"),
            json!({"decisions": []}),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/applications/{round}/change-requests"),
            json!({"decisions": [], "reason": "x"}),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/approvals/{round}"),
            json!({"decision": "approve"}),
        ),
        (
            Method::POST,
            "/api/v1/admin/staff".into(),
            json!({"email": "baru@samarindakota.go.id", "name": "Baru", "role": "auditor"}),
        ),
        (
            Method::PUT,
            format!("/api/v1/admin/staff/{round}/kelurahan"),
            json!({"kelurahan": ["64.72.09.1001"]}),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/staff/{round}/deactivate"),
            json!({"reason": "Pindah"}),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/staff/{round}/reactivate"),
            json!({}),
        ),
        (
            Method::POST,
            format!("{r}/panels"),
            json!({"name": "Panel A"}),
        ),
        (
            Method::POST,
            format!("{r}/panels/{round}/members"),
            json!({"account_id": round}),
        ),
        (
            Method::PUT,
            format!("{r}/panels/{round}/formations"),
            json!({"formations": []}),
        ),
        (
            Method::POST,
            format!("{r}/sessions"),
            json!({"date": "2027-06-01", "place": "Aula", "capacity": 5, "panel_id": round}),
        ),
        (
            Method::POST,
            format!("{r}/sessions/{round}/fill"),
            json!({}),
        ),
        (
            Method::POST,
            format!("{r}/invitations/{round}/attendance"),
            json!({"attendance": "present"}),
        ),
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
        let operator_may = |p: &str| role == Role::Operator && p.starts_with("/api/v1/operator/");
        app.switch_browser(Browser::default());
        let scope: &[&str] = if matches!(role, Role::Operator | Role::Panelist) {
            &["64.72.09.1001"]
        } else {
            &[]
        };
        signed_in(&mut app, email, role, scope).await;
        for (m, p, b) in writes(round) {
            let res = call(&mut app, m.clone(), &p, &b).await;
            if operator_may(&p) {
                // Allowed role, but no such application in their scope.
                assert_eq!(res.status, StatusCode::NOT_FOUND, "{m} {p}: {}", res.body);
                continue;
            }
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

// ---------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------

const KARANG_MUMUS: &str = "64.72.09.1001";
const PELABUHAN: &str = "64.72.09.1002";

/// A round in verification with one document requirement and one submitted
/// application in each of Karang Mumus and Pelabuhan: `(round, requirement,
/// karang mumus application, pelabuhan application)`.
async fn verification_fixture(app: &TestApp, admin: Uuid) -> (Uuid, Uuid, Uuid, Uuid) {
    use pokmas::db::entities::{application, formation, requirement, round};
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    use time::{Date, Duration, Month, OffsetDateTime};
    let db = &app.db.db;
    let now = OffsetDateTime::now_utc();
    let round_id = Uuid::now_v7();
    round::Model {
        id: round_id,
        slug: "rekrutmen-api-2027".into(),
        name: "Rekrutmen Pokmas API 2027".into(),
        year: 2027,
        description_id: String::new(),
        description_en: String::new(),
        state: "verification".into(),
        aggregation: "mean".into(),
        passing_total: None,
        min_panelists: 3,
        age_min: None,
        age_max: None,
        registration_opens_at: Some(now - Duration::days(10)),
        registration_closes_at: Some(now - Duration::days(1)),
        verification_ends_at: Some(now + Duration::days(7)),
        assessment_starts_at: Some(now + Duration::days(10)),
        assessment_ends_at: Some(now + Duration::days(12)),
        provisional_at: Some(now + Duration::days(15)),
        objection_ends_at: Some(now + Duration::days(18)),
        final_at: Some(now + Duration::days(25)),
        frozen_hash: None,
        frozen_at: None,
        close_event_seq: None,
        close_event_hash: None,
        applicant_list_hash: None,
        lottery_seed: None,
        created_by: admin,
        created_at: now,
        updated_at: now,
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("round");
    let req = Uuid::now_v7();
    requirement::Model {
        id: req,
        round_id,
        code: "KTP".into(),
        kind: "document".into(),
        text_id: "Fotokopi KTP".into(),
        text_en: "Copy of the ID card".into(),
        params: None,
        mandatory: true,
        position: 0,
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("requirement");
    let mut apps = Vec::new();
    for (n, k) in [KARANG_MUMUS, PELABUHAN].into_iter().enumerate() {
        pokmas::services::rounds::create_rts(db, pokmas::db::audit::Actor::System, k, Some(5))
            .await
            .expect("rts");
        let fid = Uuid::now_v7();
        formation::Model {
            id: fid,
            round_id,
            code: k.replace('.', ""),
            name: format!("Pokmas {k}"),
            kelurahan_code: k.into(),
            all_rts: true,
            seats: 5,
            reserve: 2,
        }
        .into_active_model()
        .insert(db)
        .await
        .expect("formation");
        for rt in 1..=5 {
            pokmas::db::entities::formation_rt::Model {
                round_id,
                kelurahan_code: k.into(),
                rt_number: rt,
                formation_id: fid,
            }
            .into_active_model()
            .insert(db)
            .await
            .expect("formation rt");
        }
        let id = Uuid::now_v7();
        let no = format!("SKT-2027-000{}", n + 1);
        application::Model {
            id,
            round_id,
            formation_id: Some(fid),
            account_id: None,
            registration_no: Some(no.clone()),
            state: "submitted".into(),
            assisted_by: None,
            full_name: format!("Pemohon {k}"),
            nik_ciphertext: None,
            nik_hash: Some(format!("hash-{no}")),
            nik_masked: Some("647201**********".into()),
            birth_place: "Samarinda".into(),
            birth_date: Some(Date::from_calendar_date(1985, Month::March, 14).expect("date")),
            sex: "female".into(),
            address: "Jl. Pangeran Diponegoro".into(),
            kelurahan_code: Some(k.into()),
            rt_number: Some(3),
            phone: String::new(),
            email: String::new(),
            education: String::new(),
            occupation: String::new(),
            family_card_hash: None,
            motivation: String::new(),
            experience: String::new(),
            nik_warnings: "[]".into(),
            status_pin_hash: None,
            submission_hash: None,
            seq_in_kelurahan: Some(i32::try_from(n + 1).expect("seq")),
            created_at: now,
            updated_at: now,
            submitted_at: Some(now),
            withdrawn_at: None,
            eligibility_decided_at: None,
        }
        .into_active_model()
        .insert(db)
        .await
        .expect("application");
        apps.push(id);
    }
    (round_id, req, apps[0], apps[1])
}

#[tokio::test]
async fn an_operator_lists_only_their_kelurahan_queue_and_records_a_verification() {
    let mut app = TestApp::new().await;
    let admin = app
        .create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    let (_round, ktp, km_app, pel_app) = verification_fixture(&app, admin).await;
    signed_in(
        &mut app,
        "op.km@samarindakota.go.id",
        Role::Operator,
        &[KARANG_MUMUS],
    )
    .await;

    let res = app.get("/api/v1/operator/verification").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let queue = json_of(&res);
    let listed: Vec<&str> = queue
        .as_array()
        .expect("rounds")
        .iter()
        .flat_map(|r| r["applications"].as_array().expect("apps").iter())
        .filter_map(|a| a["application_id"].as_str())
        .collect();
    assert_eq!(listed, vec![km_app.to_string()]);
    assert!(
        !res.body.contains("nik_hash") && !res.body.contains("hash-SKT"),
        "{}",
        res.body
    );
    let res = app
        .get(&format!(
            "/api/v1/operator/verification?kelurahan={PELABUHAN}"
        ))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

    // The opened application shows the NIK masked, nothing more.
    let res = app
        .get(&format!("/api/v1/operator/applications/{km_app}"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(json_of(&res)["nik_masked"], "647201**********");
    // Another kelurahan's application does not exist for this operator.
    let res = app
        .get(&format!("/api/v1/operator/applications/{pel_app}"))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let path = format!("/api/v1/operator/applications/{pel_app}/verification");
    let body = json!({"decisions": [{"requirement_id": ktp, "outcome": "ms"}]});
    let res = call(&mut app, Method::POST, &path, &body).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);

    // A TMS without a reason is refused per requirement; nothing written.
    let path = format!("/api/v1/operator/applications/{km_app}/verification");
    let res = call(
        &mut app,
        Method::POST,
        &path,
        &json!({"decisions": [{"requirement_id": ktp, "outcome": "tms"}]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        json_of(&res)["fields"][ktp.to_string()].is_string(),
        "{}",
        res.body
    );

    let res = call(
        &mut app,
        Method::POST,
        &path,
        &json!({"decisions": [{"requirement_id": ktp, "outcome": "tms",
            "reason_code": "unreadable", "reason_text": "Foto KTP buram."}]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(json_of(&res)["eligible"], false);
    let verified = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("application.verified"))
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(verified, 1);

    // A second verification is a conflict: changes need a second admin.
    let res = call(
        &mut app,
        Method::POST,
        &path,
        &json!({"decisions": [{"requirement_id": ktp, "outcome": "ms"}]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

    // An operator of another kelurahan is refused; the queue stays theirs.
    app.switch_browser(Browser::default());
    signed_in(
        &mut app,
        "op.pel@samarindakota.go.id",
        Role::Operator,
        &[PELABUHAN],
    )
    .await;
    let res = app
        .get(&format!("/api/v1/operator/applications/{km_app}"))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = app
        .get(&format!(
            "/api/v1/operator/verification?kelurahan={KARANG_MUMUS}"
        ))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

    // Four eyes: one admin asks, the same admin may not approve, another does.
    app.switch_browser(Browser::default());
    let res = app.login("admin@samarindakota.go.id", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = call(
        &mut app,
        Method::POST,
        &format!("/api/v1/admin/applications/{km_app}/change-requests"),
        &json!({"decisions": [{"requirement_id": ktp, "outcome": "ms"}],
            "reason": "KTP asli diperiksa di kantor kelurahan."}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let approval = json_of(&res)["approval_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let res = app.get("/api/v1/admin/approvals").await;
    assert_eq!(
        json_of(&res).as_array().map(Vec::len),
        Some(1),
        "{}",
        res.body
    );
    let decide = format!("/api/v1/admin/approvals/{approval}");
    let res = call(
        &mut app,
        Method::POST,
        &decide,
        &json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    app.switch_browser(Browser::default());
    signed_in(&mut app, "admin2@samarindakota.go.id", Role::Admin, &[]).await;
    let res = call(
        &mut app,
        Method::POST,
        &decide,
        &json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn an_admin_invites_scopes_deactivates_and_reactivates_staff_through_json() {
    let mut app = TestApp::new().await;
    let me = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let invite = json!({"email": "op.baru@samarindakota.go.id", "name": "Operator Baru",
        "role": "operator", "kelurahan": [KARANG_MUMUS]});
    let res = call(&mut app, Method::POST, "/api/v1/admin/staff", &invite).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = json_of(&res)["id"].as_str().expect("id").to_owned();
    assert_eq!(app.mails_to("op.baru@samarindakota.go.id").await.len(), 1);

    let res = call(&mut app, Method::POST, "/api/v1/admin/staff", &invite).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let res = call(
        &mut app,
        Method::POST,
        "/api/v1/admin/staff",
        &json!({"email": "x@samarindakota.go.id", "name": "X", "role": "operator", "kelurahan": []}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

    let scopes = format!("/api/v1/admin/staff/{id}/kelurahan");
    let res = call(
        &mut app,
        Method::PUT,
        &scopes,
        &json!({"kelurahan": ["99.99"]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res = call(
        &mut app,
        Method::PUT,
        &scopes,
        &json!({"kelurahan": [KARANG_MUMUS, PELABUHAN]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app.get("/api/v1/admin/staff").await;
    let list = json_of(&res);
    let row = list
        .as_array()
        .expect("staff")
        .iter()
        .find(|r| r["id"] == json!(id))
        .expect("listed");
    assert_eq!(row["kelurahan"], json!([KARANG_MUMUS, PELABUHAN]));

    let off = format!("/api/v1/admin/staff/{id}/deactivate");
    let res = call(
        &mut app,
        Method::POST,
        &off,
        &json!({"reason": "Pindah tugas"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = call(&mut app, Method::POST, &off, &json!({"reason": "Lagi"})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let res = call(
        &mut app,
        Method::POST,
        &format!("/api/v1/admin/staff/{id}/reactivate"),
        &json!({}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // Nobody locks the door behind themselves.
    let res = call(
        &mut app,
        Method::POST,
        &format!("/api/v1/admin/staff/{me}/deactivate"),
        &json!({"reason": "Coba"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
}

#[tokio::test]
async fn an_admin_forms_a_panel_schedules_a_session_fills_it_and_records_attendance_through_json() {
    use pokmas::db::entities::{formation, test_invitation};
    let mut app = TestApp::new().await;
    let admin = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let panelist = app
        .create_user(
            "panelis@samarindakota.go.id",
            Role::Panelist,
            &[KARANG_MUMUS],
        )
        .await;
    let (round, ktp, km_app, _) = verification_fixture(&app, admin).await;
    // Karang Mumus' applicant is eligible, so there is someone to invite.
    let res = call(
        &mut app,
        Method::POST,
        &format!("/api/v1/operator/applications/{km_app}/verification"),
        &json!({"decisions": [{"requirement_id": ktp, "outcome": "ms"}]}),
    )
    .await;
    assert_eq!(json_of(&res)["eligible"], true, "{}", res.body);

    let base = format!("/api/v1/admin/rounds/{round}");
    let res = call(
        &mut app,
        Method::POST,
        &format!("{base}/panels"),
        &json!({"name": ""}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(json_of(&res)["fields"]["name"].is_string());
    let res = call(
        &mut app,
        Method::POST,
        &format!("{base}/panels"),
        &json!({"name": "Panel Karang Mumus"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let panel = json_of(&res)["id"].as_str().expect("id").to_owned();

    let res = call(
        &mut app,
        Method::POST,
        &format!("{base}/panels/{panel}/members"),
        &json!({"account_id": panelist}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let km_formation = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round))
        .filter(formation::Column::KelurahanCode.eq(KARANG_MUMUS))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("formation")
        .id;
    let res = call(
        &mut app,
        Method::PUT,
        &format!("{base}/panels/{panel}/formations"),
        &json!({"formations": [km_formation]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app.get(&format!("{base}/panels")).await;
    let list = json_of(&res);
    assert_eq!(
        list[0]["members"][0]["account_id"],
        json!(panelist),
        "{list}"
    );
    assert_eq!(list[0]["formations"], json!([km_formation]), "{list}");

    let date = (time::OffsetDateTime::now_utc() + time::Duration::days(12)).date();
    let res = call(
        &mut app,
        Method::POST,
        &format!("{base}/sessions"),
        &json!({"date": date.to_string(), "time": "09:00", "place": "Aula Kelurahan",
            "capacity": 10, "panel_id": panel}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let session = json_of(&res)["id"].as_str().expect("id").to_owned();
    let res = call(
        &mut app,
        Method::POST,
        &format!("{base}/sessions/{session}/fill"),
        &json!({}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(json_of(&res)["invited"], 1);
    let invitation = test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.eq(km_app))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("invitation")
        .id;
    let attendance = format!("{base}/invitations/{invitation}/attendance");
    let res = call(
        &mut app,
        Method::POST,
        &attendance,
        &json!({"attendance": "maybe"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let res = call(
        &mut app,
        Method::POST,
        &attendance,
        &json!({"attendance": "present"}),
    )
    .await;
    // Attendance belongs to the assessment stage: refused with the reason before it.
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(
        json_of(&res)["message"]
            .as_str()
            .is_some_and(|m| m.contains("uji"))
    );
    {
        use pokmas::db::entities::round;
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        round::ActiveModel {
            id: Set(round),
            state: Set("assessment".into()),
            ..Default::default()
        }
        .update(&app.db.db)
        .await
        .expect("assessment");
    }
    let res = call(
        &mut app,
        Method::POST,
        &attendance,
        &json!({"attendance": "present"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn an_admin_replaces_requirements_adds_and_removes_a_formation_and_imports_formations_through_json()
 {
    let mut app = TestApp::new().await;
    signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let round = api_round(&mut app).await;
    let r = format!("/api/v1/admin/rounds/{round}");
    let res = call(
        &mut app,
        Method::POST,
        "/api/v1/admin/kelurahan/64.72.09.1001/rts",
        &json!({"count": 10}),
    )
    .await;
    assert_eq!(json_of(&res)["changed"], 10, "{}", res.body);
    let res = call(
        &mut app,
        Method::POST,
        &format!("{r}/template"),
        &json!({"template": "panel"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let got = json_of(&call(&mut app, Method::GET, &r, &json!({})).await);
    assert!(
        got["criteria"].as_array().is_some_and(|c| !c.is_empty()),
        "template criteria: {got}"
    );
    let dash = call(&mut app, Method::GET, &format!("{r}/dashboard"), &json!({})).await;
    assert_eq!(dash.status, StatusCode::OK, "{}", dash.body);
    assert_eq!(json_of(&dash)["submitted"], 0);

    let reqs = json!([
        {"code": "KTP", "kind": "document", "text_id": "Pindaian KTP", "text_en": "KTP scan", "mandatory": true},
        {"code": "NON_ASN", "kind": "declaration", "text_id": "Saya bukan ASN.", "text_en": "I am not a civil servant.", "mandatory": true}
    ]);
    let res = call(&mut app, Method::PUT, &format!("{r}/requirements"), &reqs).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let got = json_of(&call(&mut app, Method::GET, &r, &json!({})).await);
    assert_eq!(
        got["requirements"].as_array().map(Vec::len),
        Some(2),
        "{got}"
    );

    let body = json!({"code": "KM-A", "name": "Karang Mumus RT 1-5", "kelurahan_code": "64.72.09.1001", "rts": "1;2;3;4;5", "seats": 3, "reserve": 1});
    let res = call(&mut app, Method::POST, &format!("{r}/formations"), &body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let fid = json_of(&res)["id"].as_str().expect("id").to_owned();
    let overlap = json!({"code": "KM-B", "name": "Karang Mumus RT 5-6", "kelurahan_code": "64.72.09.1001", "rts": "5;6", "seats": 2});
    let res = call(&mut app, Method::POST, &format!("{r}/formations"), &overlap).await;
    assert!(
        res.status.is_client_error(),
        "overlapping RT 5 refused: {} {}",
        res.status,
        res.body
    );
    let res = call(
        &mut app,
        Method::DELETE,
        &format!("{r}/formations/{fid}"),
        &json!({}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let bad = json!({"csv": "round_id,formation_code,name,kelurahan_code,rts,seats,reserve\nx,KM,Karang Mumus,64.72.09.1001,all,nol,1\n"});
    let res = call(
        &mut app,
        Method::POST,
        &format!("{r}/formations/import"),
        &bad,
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let good = json!({"csv": format!("round_id,formation_code,name,kelurahan_code,rts,seats,reserve\n{round},KM,Pokmas Karang Mumus,64.72.09.1001,all,5,2\n")});
    let res = call(
        &mut app,
        Method::POST,
        &format!("{r}/formations/import"),
        &good,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let got = json_of(&call(&mut app, Method::GET, &r, &json!({})).await);
    assert_eq!(got["formations"].as_array().map(Vec::len), Some(1), "{got}");
}
