//! The admin JSON API for rounds: creating one, its criteria, its
//! transitions, the OpenAPI document, the authorization of every write, the
//! round list, and bad input refused with a reason.

use axum::http::{Method, StatusCode};
use pokmas::db::entities::{audit_event, criterion};
use pokmas::domain::role::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::admin::*;
use crate::support::api::{call, id_of, json_of, post_json, signed_in};
use crate::support::verification::*;
use crate::support::{Browser, TestApp};

#[tokio::test]
async fn an_admin_creates_a_round_and_replaces_its_criteria_as_json_and_a_bad_weight_set_changes_nothing()
 {
    let mut app = TestApp::new().await;
    signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let id = api_round(&mut app).await;

    // The same idempotency key returns the same round rather than a second one.
    let again = post_json(
        &mut app,
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

    let res = post_json(&mut app, &path, &json!({"to": "verification"})).await;
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
    let res = post_json(&mut app, &path, &json!({"to": "registration"})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

    let res = call(&mut app, Method::POST, &path, &json!({"to": "nowhere"})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

    // Cancelling needs a reason (a field error), then works.
    let res = call(&mut app, Method::POST, &path, &json!({"to": "cancelled"})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(json_of(&res)["fields"]["reason"].is_string());
    let res = post_json(
        &mut app,
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

#[tokio::test]
async fn an_admin_lists_rounds_in_every_state_newest_year_first() {
    let mut app = TestApp::new().await;
    let admin = signed_in(&mut app, "admin@samarindakota.go.id", Role::Admin, &[]).await;
    let draft = api_round(&mut app).await;
    let in_verification = verification_round(&mut app, admin).await.round;
    let res = post_json(
        &mut app,
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
    let res = post_json(
        &mut app,
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
    let res = post_json(
        &mut app,
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
    let res = post_json(&mut app, &format!("{add}/import"), &json!({"csv": csv})).await;
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
