//! The admin and operator JSON API, through the real router with
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
        "/api/v1/admin/rounds/{id}/formations.csv",
        "/api/v1/operator/applications/{id}/documents/{doc}",
    ] {
        assert!(paths.contains_key(p), "{p} missing: {:?}", paths.keys());
    }
    // Reads share a path with a write; each method is described.
    assert!(
        paths["/api/v1/admin/rounds/{id}/sessions"]["get"].is_object(),
        "GET sessions undocumented"
    );
    assert!(
        paths["/api/v1/admin/rounds/{id}/formations.csv"]["get"]["responses"]["200"]["content"]
            ["text/csv"]
            .is_object(),
        "formations.csv is documented as text/csv"
    );
    let bytes = &paths["/api/v1/operator/applications/{id}/documents/{doc}"]["get"]["responses"]["200"]
        ["content"];
    for t in ["application/pdf", "image/jpeg", "image/png"] {
        assert!(bytes[t].is_object(), "document served as {t}: {bytes}");
    }
    let dash = &doc["components"]["schemas"]["DashboardBody"]["properties"];
    assert!(dash["registered"].is_object(), "{dash}");
    let item = &doc["components"]["schemas"]["VerificationApplication"]["properties"];
    assert!(item["documents"].is_object(), "{item}");
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
        final_rule: None,
        id: round_id,
        slug: "rekrutmen-api-2027".into(),
        name: "Rekrutmen Pokmas API 2027".into(),
        year: 2027,
        description_id: String::new(),
        description_en: String::new(),
        state: "verification".parse().expect("state"),
        aggregation: "mean".into(),
        passing_total: None,
        min_panelists: 3,
        age_min: None,
        age_max: None,
        publish_all_names: false,
        programme_id: "Probebaya".into(),
        programme_en: "Probebaya".into(),
        group_id: "Pokmas".into(),
        group_en: "Pokmas".into(),
        member_id: "anggota Pokmas".into(),
        member_en: "Pokmas member".into(),
        domicile_rule: "rt".into(),
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
            state: "submitted".parse().expect("state"),
            assisted_by: None,
            full_name: format!("Pemohon {k}"),
            nik_ciphertext: None,
            nik_hash: Some(format!("hash-{no}")),
            nik_masked: Some("647201**********".into()),
            plain_birth_place: "Samarinda".into(),
            plain_birth_date: Some(Date::from_calendar_date(1985, Month::March, 14).expect("date")),
            sex: "female".into(),
            plain_address: "Jl. Pangeran Diponegoro".into(),
            kelurahan_code: Some(k.into()),
            rt_number: Some(3),
            plain_phone: String::new(),
            plain_email: String::new(),
            education: String::new(),
            occupation: String::new(),
            family_card_hash: None,
            motivation: String::new(),
            experience: String::new(),
            nik_warnings: "[]".into(),
            status_pin_hash: None,
            submission_hash: None,
            seq_in_kelurahan: Some(i32::try_from(n + 1).expect("seq")),
            personal_ciphertext: None,
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
    // A taken name is well formed: the round refuses it as a conflict.
    let res = call(
        &mut app,
        Method::POST,
        &format!("{base}/panels"),
        &json!({"name": "Panel Karang Mumus"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(
        json_of(&res)["message"]
            .as_str()
            .is_some_and(|m| m.contains("Panel Karang Mumus")),
        "{}",
        res.body
    );

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
            state: Set("assessment".parse().expect("state")),
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

// ---------------------------------------------------------------------------
// Reads: the formations file, documents, the test schedule, and the matrix
// ---------------------------------------------------------------------------

/// A small PDF, ASCII only so the test client's text body holds it exactly.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// The address the Karang Mumus applicant of [`scheduled_round`] gives.
const APPLICANT_EMAIL: &str = "pemohon.km@contoh.id";

/// Stores [`PDF`] as the application's upload for `requirement` through the
/// upload service's own two steps; returns the document id.
async fn uploaded_pdf(app: &TestApp, application: Uuid, requirement: Uuid) -> Uuid {
    use pokmas::db::entities::document;
    use pokmas::services::documents::{put_upload, record_upload};
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let store = pokmas::storage::FileStore::new(app.db.dir.path());
    let blob = put_upload(&store, PDF.to_vec(), "ktp.pdf")
        .await
        .expect("stored");
    let file = record_upload(&app.db.db, &blob).await.expect("stored file");
    let id = Uuid::now_v7();
    document::Model {
        id,
        application_id: application,
        requirement_id: Some(requirement),
        sha256: file.sha256,
        original_name: "ktp-pemohon.pdf".into(),
        uploaded_by: None,
        created_at: time::OffsetDateTime::now_utc(),
    }
    .into_active_model()
    .insert(&app.db.db)
    .await
    .expect("document");
    id
}

/// The `id` of a 2xx answer that created something.
fn id_of(res: &TestResponse) -> Uuid {
    assert!(res.status.is_success(), "{} {}", res.status, res.body);
    json_of(res)["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id: {}", res.body))
}

fn in_days(days: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::days(days))
        .date()
        .to_string()
}

/// What [`scheduled_round`] built.
struct Scheduled {
    round: Uuid,
    km_app: Uuid,
    document: Uuid,
    panel: Uuid,
    panelist: Uuid,
    /// In date order; the first holds the one invitation.
    sessions: [Uuid; 2],
    invitation: Uuid,
}

/// The verification fixture carried on to the test schedule through the API,
/// as the signed-in admin: Karang Mumus' applicant (with a PDF and an e-mail
/// address) verified eligible, a panel with one panelist assessing Karang
/// Mumus, two sessions (days 11 and 12, 09:00 WITA, five seats each) and the
/// first one filled. Pelabuhan's applicant stays submitted.
async fn scheduled_round(app: &mut TestApp, admin: Uuid) -> Scheduled {
    use pokmas::db::entities::{application, formation, test_invitation};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let (round, ktp, km_app, _) = verification_fixture(app, admin).await;
    let document = uploaded_pdf(app, km_app, ktp).await;
    application::ActiveModel {
        id: Set(km_app),
        plain_email: Set(APPLICANT_EMAIL.into()),
        ..Default::default()
    }
    .update(&app.db.db)
    .await
    .expect("email");
    let res = call(
        app,
        Method::POST,
        &format!("/api/v1/operator/applications/{km_app}/verification"),
        &json!({"decisions": [{"requirement_id": ktp, "outcome": "ms"}]}),
    )
    .await;
    assert_eq!(json_of(&res)["eligible"], true, "{}", res.body);

    let panelist = app
        .create_user(
            "penilai.km@samarindakota.go.id",
            Role::Panelist,
            &[KARANG_MUMUS],
        )
        .await;
    let base = format!("/api/v1/admin/rounds/{round}");
    let panel = id_of(
        &call(
            app,
            Method::POST,
            &format!("{base}/panels"),
            &json!({"name": "Panel Karang Mumus"}),
        )
        .await,
    );
    let res = call(
        app,
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
        app,
        Method::PUT,
        &format!("{base}/panels/{panel}/formations"),
        &json!({"formations": [km_formation]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let mut sessions = [Uuid::nil(); 2];
    for (slot, (days, place)) in sessions.iter_mut().zip([
        (11, "Aula Kelurahan Karang Mumus"),
        (12, "Kantor Camat Samarinda Kota"),
    ]) {
        *slot = id_of(
            &call(
                app,
                Method::POST,
                &format!("{base}/sessions"),
                &json!({"date": in_days(days), "time": "09:00", "place": place,
                    "capacity": 5, "panel_id": panel}),
            )
            .await,
        );
    }
    let res = call(
        app,
        Method::POST,
        &format!("{base}/sessions/{}/fill", sessions[0]),
        &json!({}),
    )
    .await;
    assert_eq!(json_of(&res)["invited"], 1, "{}", res.body);
    let invitation = test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.eq(km_app))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("invitation")
        .id;
    Scheduled {
        round,
        km_app,
        document,
        panel,
        panelist,
        sessions,
        invitation,
    }
}

/// Moves a round on without its schedule checks, as the journeys that need a
/// later stage do.
async fn set_round_state(app: &TestApp, round: Uuid, state: &str) {
    use pokmas::db::entities::round;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    round::ActiveModel {
        id: Set(round),
        state: Set(state.parse().expect("state")),
        ..Default::default()
    }
    .update(&app.db.db)
    .await
    .expect("round state");
}

async fn events_named(app: &TestApp, action: &str) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .count(&app.db.db)
        .await
        .expect("count")
}

/// `(code, kelurahan, all_rts, rts, seats, reserve)` of each formation of a
/// round as the API reads it back, without the ids an import replaces.
async fn formations_read_back(app: &mut TestApp, round: Uuid) -> Vec<Value> {
    let res = app.get(&format!("/api/v1/admin/rounds/{round}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    json_of(&res)["formations"]
        .as_array()
        .expect("formations")
        .iter()
        .map(|f| {
            json!([
                f["code"],
                f["name"],
                f["kelurahan_code"],
                f["all_rts"],
                f["rts"],
                f["seats"],
                f["reserve"]
            ])
        })
        .collect()
}

/// A draft round with RTs in Karang Mumus and Pelabuhan: two RT groups in
/// Karang Mumus (1–5, 6–10) and the whole of Pelabuhan.
async fn round_with_three_formations(app: &mut TestApp) -> Uuid {
    let round = api_round(app).await;
    for (k, n) in [(KARANG_MUMUS, 10), (PELABUHAN, 8)] {
        let res = call(
            app,
            Method::POST,
            &format!("/api/v1/admin/kelurahan/{k}/rts"),
            &json!({"count": n}),
        )
        .await;
        assert_eq!(json_of(&res)["changed"], n, "{}", res.body);
    }
    for body in [
        json!({"code": "KM-A", "name": "Karang Mumus RT 1-5", "kelurahan_code": KARANG_MUMUS,
            "rts": "1;2;3;4;5", "seats": 3, "reserve": 1}),
        json!({"code": "KM-B", "name": "Karang Mumus RT 6-10", "kelurahan_code": KARANG_MUMUS,
            "rts": "6;7;8;9;10", "seats": 2, "reserve": 0}),
        json!({"code": "PEL", "name": "Pokmas Pelabuhan", "kelurahan_code": PELABUHAN,
            "rts": "all", "seats": 5, "reserve": 2}),
    ] {
        id_of(
            &call(
                app,
                Method::POST,
                &format!("/api/v1/admin/rounds/{round}/formations"),
                &body,
            )
            .await,
        );
    }
    round
}

#[tokio::test]
async fn the_formations_csv_of_the_api_is_the_admin_pages_file_and_the_import_takes_it_back_unchanged()
 {
    let mut app = TestApp::new().await;
    signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let round = round_with_three_formations(&mut app).await;
    let before = formations_read_back(&mut app, round).await;
    assert_eq!(before.len(), 3);

    let path = format!("/api/v1/admin/rounds/{round}/formations.csv");
    let res = app.get(&path).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.headers["content-type"], "text/csv; charset=utf-8");
    let csv = res.body;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "round_id,formation_code,name,kelurahan_code,rts,seats,reserve"
    );
    assert!(
        lines.contains(
            &format!("{round},KM-A,Karang Mumus RT 1-5,{KARANG_MUMUS},1;2;3;4;5,3,1").as_str()
        ),
        "{csv}"
    );
    assert!(
        lines.contains(&format!("{round},PEL,Pokmas Pelabuhan,{PELABUHAN},all,5,2").as_str()),
        "{csv}"
    );
    // The same file the admin page hands out.
    let html = app
        .get(&format!("/admin/seleksi/{round}/formasi.csv"))
        .await;
    assert_eq!(html.status, StatusCode::OK);
    assert_eq!(html.body, csv);
    assert_eq!(events_named(&app, "formations.exported").await, 2);

    // Imported back as it is: the same formations, and the next export is
    // the same file byte for byte.
    let res = call(
        &mut app,
        Method::POST,
        &format!("/api/v1/admin/rounds/{round}/formations/import"),
        &json!({"csv": csv}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(formations_read_back(&mut app, round).await, before);
    assert_eq!(app.get(&path).await.body, csv);
}

#[tokio::test]
async fn an_operator_opens_the_documents_of_an_application_in_their_kelurahan_and_an_operator_elsewhere_cannot()
 {
    let mut app = TestApp::new().await;
    let admin = app
        .create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    let (_round, ktp, km_app, _) = verification_fixture(&app, admin).await;
    let doc = uploaded_pdf(&app, km_app, ktp).await;
    signed_in(
        &mut app,
        "op.km@samarindakota.go.id",
        Role::Operator,
        &[KARANG_MUMUS],
    )
    .await;

    let res = app
        .get(&format!("/api/v1/operator/applications/{km_app}"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let url = format!("/api/v1/operator/applications/{km_app}/documents/{doc}");
    assert_eq!(
        json_of(&res)["documents"],
        json!([{"id": doc, "requirement_code": "KTP", "content_type": "application/pdf",
            "size_bytes": PDF.len(), "url": url}])
    );
    // The file name the applicant typed is not needed for checking.
    assert!(!res.body.contains("ktp-pemohon"), "{}", res.body);

    let res = app.get(&url).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body.as_bytes(), PDF);
    assert_eq!(res.headers["content-type"], "application/pdf");
    assert_eq!(res.headers["x-content-type-options"], "nosniff");
    assert_eq!(res.headers["cache-control"], "private, no-store");

    // Pelabuhan's operator: the application and its file do not exist for them.
    app.switch_browser(Browser::default());
    signed_in(
        &mut app,
        "op.pel@samarindakota.go.id",
        Role::Operator,
        &[PELABUHAN],
    )
    .await;
    let res = app.get(&url).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    assert_eq!(json_of(&res)["error"], "not_found");
    assert!(!res.body.contains("%PDF"));

    // An admin opens it anywhere.
    app.switch_browser(Browser::default());
    let res = app.login("admin@samarindakota.go.id", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = app.get(&url).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body.as_bytes(), PDF);
}

#[tokio::test]
async fn an_admin_reads_the_test_schedule_with_attendance_and_the_absence_decision_and_the_funnel_adds_up()
 {
    let mut app = TestApp::new().await;
    let admin = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let fx = scheduled_round(&mut app, admin).await;
    let base = format!("/api/v1/admin/rounds/{}", fx.round);
    let path = format!("{base}/sessions");

    let res = app.get(&path).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let s = json_of(&res);
    assert_eq!(s["waiting"], 0, "{s}");
    let invited = json!({
        "id": fx.invitation,
        "application_id": fx.km_app,
        "registration_no": "SKT-2027-0001",
        "full_name": format!("Pemohon {KARANG_MUMUS}"),
        "formation_code": KARANG_MUMUS.replace('.', ""),
        "attendance": null,
        "absence_decision": null,
        "decided_by": null,
    });
    assert_eq!(
        s["sessions"],
        json!([
            {"id": fx.sessions[0], "date": in_days(11), "time": "09:00",
             "starts_at": s["sessions"][0]["starts_at"], "place": "Aula Kelurahan Karang Mumus",
             "capacity": 5, "panel_id": fx.panel, "panel_name": "Panel Karang Mumus",
             "invitations": [invited]},
            {"id": fx.sessions[1], "date": in_days(12), "time": "09:00",
             "starts_at": s["sessions"][1]["starts_at"], "place": "Kantor Camat Samarinda Kota",
             "capacity": 5, "panel_id": fx.panel, "panel_name": "Panel Karang Mumus",
             "invitations": []},
        ])
    );
    // 09:00 WITA is 01:00 UTC.
    assert!(
        s["sessions"][0]["starts_at"]
            .as_str()
            .is_some_and(|t| t.starts_with(&format!("{}T01:00:00", in_days(11)))),
        "{s}"
    );

    // At the test the applicant does not come; the admin records why.
    set_round_state(&app, fx.round, "assessment").await;
    let inv = format!("{base}/invitations/{}", fx.invitation);
    let res = call(
        &mut app,
        Method::POST,
        &format!("{inv}/attendance"),
        &json!({"attendance": "absent"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let decision = "Sakit dengan surat dokter; dijadwalkan ulang.";
    let res = call(
        &mut app,
        Method::POST,
        &format!("{inv}/decision"),
        &json!({"decision": decision}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let s = json_of(&app.get(&path).await);
    let row = &s["sessions"][0]["invitations"][0];
    assert_eq!(row["attendance"], "absent", "{s}");
    assert_eq!(row["absence_decision"], decision, "{s}");
    assert_eq!(
        row["decided_by"], "Pengguna admin@samarindakota.go.id",
        "{s}"
    );
    assert_eq!(events_named(&app, "test.absence_decided").await, 1);

    // The funnel, cumulative: both registered and submitted, one eligible and
    // invited, nobody attended; Pelabuhan still waits for verification.
    let d = json_of(&app.get(&format!("{base}/dashboard")).await);
    let steps: Vec<u64> = ["registered", "submitted", "eligible", "invited", "attended"]
        .iter()
        .map(|k| d[k].as_u64().unwrap_or_else(|| panic!("{k}: {d}")))
        .collect();
    assert_eq!(steps, [2, 2, 1, 1, 0], "{d}");
    assert!(steps.windows(2).all(|w| w[0] >= w[1]), "{steps:?}");
    assert_eq!(
        (d["drafts"].as_u64(), d["absent"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(d["backlog"][0]["kelurahan_code"], PELABUHAN, "{d}");
}

#[tokio::test]
async fn an_admin_generates_formations_per_kelurahan_and_edits_their_seats_through_json() {
    let mut app = TestApp::new().await;
    signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let round = api_round(&mut app).await;
    for (k, n) in [(KARANG_MUMUS, 12), (PELABUHAN, 8)] {
        let res = call(
            &mut app,
            Method::POST,
            &format!("/api/v1/admin/kelurahan/{k}/rts"),
            &json!({"count": n}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let generate = format!("/api/v1/admin/rounds/{round}/formations/generate");
    let body = json!({"kecamatan": "64.72.09", "seats": 4, "reserve": 1});
    let res = call(&mut app, Method::POST, &generate, &body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let report = json_of(&res);
    assert_eq!(
        report["created"].as_array().map(Vec::len),
        Some(2),
        "{report}"
    );
    // Kelurahan of the kecamatan without RT rows are named, not guessed at.
    assert!(
        report["without_rts"]
            .as_array()
            .is_some_and(|k| !k.is_empty() && !k.contains(&json!(KARANG_MUMUS))),
        "{report}"
    );
    let got = formations_read_back(&mut app, round).await;
    let summary: Vec<(Value, Value, Value, Value)> = got
        .iter()
        .map(|f| (f[2].clone(), f[3].clone(), f[5].clone(), f[6].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (json!(KARANG_MUMUS), json!(true), json!(4), json!(1)),
            (json!(PELABUHAN), json!(true), json!(4), json!(1)),
        ]
    );

    // Generating again covers nothing twice.
    let res = call(&mut app, Method::POST, &generate, &body).await;
    let again = json_of(&res);
    assert_eq!(again["created"], json!([]), "{again}");
    assert_eq!(again["already_covered"].as_array().map(Vec::len), Some(2));
    assert_eq!(formations_read_back(&mut app, round).await, got);

    // Bulk seats: only Karang Mumus changes.
    let detail = json_of(&app.get(&format!("/api/v1/admin/rounds/{round}")).await);
    let km = detail["formations"]
        .as_array()
        .expect("formations")
        .iter()
        .find(|f| f["kelurahan_code"] == KARANG_MUMUS)
        .expect("km")["id"]
        .clone();
    let res = call(
        &mut app,
        Method::PUT,
        &format!("/api/v1/admin/rounds/{round}/formations/seats"),
        &json!([{"formation_id": km, "seats": 7, "reserve": 3}]),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(json_of(&res)["changed"], 1);
    let after: Vec<(Value, Value, Value)> = formations_read_back(&mut app, round)
        .await
        .iter()
        .map(|f| (f[2].clone(), f[5].clone(), f[6].clone()))
        .collect();
    assert_eq!(
        after,
        [
            (json!(KARANG_MUMUS), json!(7), json!(3)),
            (json!(PELABUHAN), json!(4), json!(1)),
        ]
    );
    assert_eq!(events_named(&app, "formations.seats_updated").await, 1);
}

#[tokio::test]
async fn an_admin_moves_an_invitation_to_another_session_and_the_applicant_is_mailed_the_new_place()
{
    let mut app = TestApp::new().await;
    let admin = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let fx = scheduled_round(&mut app, admin).await;
    let mails = app.mails_to(APPLICANT_EMAIL).await.len();
    let path = format!(
        "/api/v1/admin/rounds/{}/invitations/{}/move",
        fx.round, fx.invitation
    );

    let res = call(
        &mut app,
        Method::POST,
        &path,
        &json!({"session_id": fx.sessions[1]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let s = json_of(
        &app.get(&format!("/api/v1/admin/rounds/{}/sessions", fx.round))
            .await,
    );
    assert_eq!(s["sessions"][0]["invitations"], json!([]), "{s}");
    assert_eq!(
        s["sessions"][1]["invitations"][0]["id"],
        json!(fx.invitation)
    );
    assert_eq!(
        s["sessions"][1]["invitations"][0]["application_id"],
        json!(fx.km_app)
    );
    let sent = app.mails_to(APPLICANT_EMAIL).await;
    assert_eq!(sent.len(), mails + 1);
    let mail = sent.last().expect("mail");
    assert_eq!(mail.template, "test_invitation");
    assert!(mail.subject.contains("SKT-2027-0001"), "{}", mail.subject);
    assert!(
        mail.body_text.contains("Kantor Camat Samarinda Kota"),
        "{}",
        mail.body_text
    );
    assert_eq!(events_named(&app, "test.moved").await, 1);

    // Into the session it is already in: refused, no second mail.
    let res = call(
        &mut app,
        Method::POST,
        &path,
        &json!({"session_id": fx.sessions[1]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        json_of(&res)["fields"]["session"].is_string(),
        "{}",
        res.body
    );
    assert_eq!(app.mails_to(APPLICANT_EMAIL).await.len(), mails + 1);
}

#[tokio::test]
async fn an_admin_removes_a_panelist_through_json_and_the_panel_loses_the_member() {
    let mut app = TestApp::new().await;
    let admin = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let fx = scheduled_round(&mut app, admin).await;
    let panels = format!("/api/v1/admin/rounds/{}/panels", fx.round);
    let list = json_of(&app.get(&panels).await);
    assert_eq!(list[0]["members"][0]["account_id"], json!(fx.panelist));

    let member = format!("{panels}/{}/members/{}", fx.panel, fx.panelist);
    let res = call(&mut app, Method::DELETE, &member, &json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let list = json_of(&app.get(&panels).await);
    assert_eq!(list[0]["members"], json!([]), "{list}");
    assert_eq!(list[0]["short"], true);
    let d = json_of(
        &app.get(&format!("/api/v1/admin/rounds/{}/dashboard", fx.round))
            .await,
    );
    assert_eq!(d["short_panels"], json!(["Panel Karang Mumus"]), "{d}");
    assert_eq!(events_named(&app, "panel.member_removed").await, 1);

    // Removing them again: there is no such membership.
    let res = call(&mut app, Method::DELETE, &member, &json!({})).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    assert_eq!(events_named(&app, "panel.member_removed").await, 1);
}

#[tokio::test]
async fn an_admin_lists_rounds_in_every_state_newest_year_first() {
    let mut app = TestApp::new().await;
    let admin = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let draft = api_round(&mut app).await;
    let (in_verification, ..) = verification_fixture(&app, admin).await;
    let res = call(
        &mut app,
        Method::POST,
        "/api/v1/admin/rounds",
        &json!({"name": "Rekrutmen Pokmas 2028", "year": 2028, "idempotency_key": "k-2028"}),
    )
    .await;
    let next_year = id_of(&res);

    let res = app.get("/api/v1/admin/rounds").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let rows: Vec<(Value, Value, Value)> = json_of(&res)
        .as_array()
        .expect("rounds")
        .iter()
        .map(|r| (r["id"].clone(), r["year"].clone(), r["state"].clone()))
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0], (json!(next_year), json!(2028), json!("draft")));
    let rest: std::collections::BTreeSet<String> = rows[1..]
        .iter()
        .map(|r| format!("{} {}", r.0, r.2))
        .collect();
    assert_eq!(
        rest,
        [
            format!("\"{draft}\" \"draft\""),
            format!("\"{in_verification}\" \"verification\""),
        ]
        .into_iter()
        .collect()
    );
}

/// Every admin and operator read, with real ids of [`scheduled_round`] so a
/// 404 cannot pass for a refusal: `(path, operator of the kelurahan may)`.
fn reads(fx: &Scheduled) -> Vec<(String, bool)> {
    let r = format!("/api/v1/admin/rounds/{}", fx.round);
    let a = format!("/api/v1/operator/applications/{}", fx.km_app);
    vec![
        ("/api/v1/admin/rounds".into(), false),
        (r.clone(), false),
        (format!("{r}/panels"), false),
        (format!("{r}/dashboard"), false),
        (format!("{r}/sessions"), false),
        (format!("{r}/formations.csv"), false),
        ("/api/v1/admin/approvals".into(), false),
        ("/api/v1/admin/staff".into(), false),
        ("/api/v1/operator/verification".into(), true),
        (a.clone(), true),
        (format!("{a}/documents/{}", fx.document), true),
    ]
}

#[tokio::test]
async fn every_admin_and_operator_read_refuses_anonymous_callers_and_other_roles_and_answers_an_admin()
 {
    let mut app = TestApp::new().await;
    let admin = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let fx = scheduled_round(&mut app, admin).await;
    let all = reads(&fx);

    // The admin reads every one of them.
    for (p, _) in &all {
        let res = app.get(p).await;
        assert_eq!(res.status, StatusCode::OK, "admin {p}: {}", res.body);
    }

    app.switch_browser(Browser::default());
    for (p, _) in &all {
        let res = app.get(p).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{p}: {}", res.body);
        assert_eq!(json_of(&res)["error"], "login_required", "{p}");
    }

    // Auditors read everything too, but through their own read-only routes
    // (/api/v1/audit/…): the admin and operator routes are not
    // theirs, as on the HTML side (/admin/…, /petugas/…).
    for (email, role, scope) in [
        ("warga@example.com", Role::Applicant, &[][..]),
        ("panelis@example.com", Role::Panelist, &[KARANG_MUMUS][..]),
        ("auditor@example.com", Role::Auditor, &[][..]),
        ("op.km@example.com", Role::Operator, &[KARANG_MUMUS][..]),
    ] {
        app.switch_browser(Browser::default());
        signed_in(&mut app, email, role, scope).await;
        for (p, operator_may) in &all {
            let res = app.get(p).await;
            if role == Role::Operator && *operator_may {
                assert_eq!(res.status, StatusCode::OK, "{role:?} {p}: {}", res.body);
                continue;
            }
            assert_eq!(
                res.status,
                StatusCode::FORBIDDEN,
                "{role:?} {p}: {}",
                res.body
            );
            assert_eq!(json_of(&res)["error"], "forbidden", "{role:?} {p}");
        }
    }

    // An operator of another kelurahan: the application and its document do
    // not exist for them, and their queue does not list it.
    app.switch_browser(Browser::default());
    signed_in(&mut app, "op.pel@example.com", Role::Operator, &[PELABUHAN]).await;
    for (p, operator_may) in &all {
        let res = app.get(p).await;
        let expected = match (*operator_may, p.as_str()) {
            (false, _) => StatusCode::FORBIDDEN,
            (true, "/api/v1/operator/verification") => StatusCode::OK,
            (true, _) => StatusCode::NOT_FOUND,
        };
        assert_eq!(res.status, expected, "op.pel {p}: {}", res.body);
        assert!(
            !res.body.contains(&fx.km_app.to_string()),
            "op.pel {p}: {}",
            res.body
        );
    }

    // The auditor's way to the same round's formations file.
    app.switch_browser(Browser::default());
    let res = app.login("auditor@example.com", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = app
        .get(&format!(
            "/api/v1/audit/rounds/{}/exports/formations.csv",
            fx.round
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

// ---------------------------------------------------------------------------
// Bad input: a clear reason, nothing changed
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_schedule_with_dates_out_of_order_is_refused_with_the_reason_and_the_round_is_unchanged()
{
    let mut app = TestApp::new().await;
    signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let round = api_round(&mut app).await;
    let path = format!("/api/v1/admin/rounds/{round}");
    let res = call(
        &mut app,
        Method::PUT,
        &path,
        &json!({"name": "Rekrutmen Pokmas API", "year": 2027, "schedule": {
            "registration_opens_at": "2027-01-10T08:00",
            "registration_closes_at": "2027-01-31T16:00"}}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let before = app.get(&path).await.body;
    let events = audit_count(&app).await;

    // Registration would close before it opens; the new name must not stick either.
    let res = call(
        &mut app,
        Method::PUT,
        &path,
        &json!({"name": "Nama Baru", "year": 2027, "schedule": {
            "registration_opens_at": "2027-01-10T08:00",
            "registration_closes_at": "2027-01-05T16:00"}}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let err = json_of(&res);
    assert_eq!(err["error"], "invalid");
    let msg = err["fields"]["registration_closes_at"]
        .as_str()
        .unwrap_or_else(|| panic!("{err}"));
    assert!(msg.contains("harus sesudah"), "{msg}");
    assert!(
        err["message"].as_str().is_some_and(|m| m.contains(msg)),
        "{err}"
    );

    assert_eq!(app.get(&path).await.body, before);
    assert_eq!(audit_count(&app).await, events);
}

#[tokio::test]
async fn an_overlapping_formation_is_refused_with_the_reason_and_the_formations_are_unchanged() {
    let mut app = TestApp::new().await;
    signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let round = round_with_three_formations(&mut app).await;
    let before = formations_read_back(&mut app, round).await;
    let events = audit_count(&app).await;
    let add = format!("/api/v1/admin/rounds/{round}/formations");

    // RT 5 already belongs to KM-A.
    let res = call(
        &mut app,
        Method::POST,
        &add,
        &json!({"code": "KM-C", "name": "Karang Mumus RT 5", "kelurahan_code": KARANG_MUMUS,
            "rts": "5", "seats": 1}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let msg = json_of(&res)["fields"]["rts"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", res.body))
        .to_owned();
    assert!(
        msg.contains("tumpang tindih") && msg.contains("RT 5 (KM-A)"),
        "{msg}"
    );
    // Pelabuhan is one whole formation already.
    let res = call(
        &mut app,
        Method::POST,
        &add,
        &json!({"code": "PEL-2", "name": "Pelabuhan RT 1", "kelurahan_code": PELABUHAN,
            "rts": "1", "seats": 1}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        json_of(&res)["fields"]["rts"]
            .as_str()
            .is_some_and(|m| m.contains("PEL")),
        "{}",
        res.body
    );
    // A file whose two lines overlap is refused whole.
    let csv = format!(
        "round_id,formation_code,name,kelurahan_code,rts,seats,reserve\n\
         {round},KM-X,Karang Mumus RT 1-6,{KARANG_MUMUS},1;2;3;4;5;6,3,1\n\
         {round},KM-Y,Karang Mumus RT 6-10,{KARANG_MUMUS},6;7;8;9;10,2,0\n"
    );
    let res = call(
        &mut app,
        Method::POST,
        &format!("{add}/import"),
        &json!({"csv": csv}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        json_of(&res)["message"]
            .as_str()
            .is_some_and(|m| m.contains("tumpang tindih")),
        "{}",
        res.body
    );

    assert_eq!(formations_read_back(&mut app, round).await, before);
    assert_eq!(audit_count(&app).await, events);
}
