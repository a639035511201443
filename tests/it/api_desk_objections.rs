//! Objections of desk registrants through the JSON API: with number + PIN
//! (`POST /api/v1/status-check/objections`) and by the kelurahan's operator
//! at the desk (`POST /api/v1/operator/applications/{id}/objections`), the
//! same service call and channels as the HTML forms.

use axum::http::StatusCode;
use pokmas::db::entities::{application, objection_filing};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait};
use serde_json::json;

use crate::api::{json, post_json};
use crate::resident_view::make_assisted;
use crate::results::{as_user, open_objection_window, publish};
use crate::support::TestApp;

const GROUNDS: &str = "Nilai kriteria K1 dari salah satu penilai tidak sesuai jawaban saya.";

#[tokio::test]
async fn a_desk_registrant_objects_through_the_api_with_number_and_pin_and_an_operator_at_the_desk()
{
    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    let (_, a_no, operator) = make_assisted(&mut p, 0).await;
    let url = "/api/v1/status-check/objections";

    // A wrong PIN files nothing and says not which part is wrong.
    let res = post_json(
        &mut p.f.app,
        url,
        &json!({"registration_no": a_no, "pin": "654321", "grounds": GROUNDS}),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    // Grounds too short: 422 with the one error body.
    let res = post_json(
        &mut p.f.app,
        url,
        &json!({"registration_no": a_no, "pin": "123456", "grounds": "terlalu pendek"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(json(&res)["error"], "invalid");
    let body = json!({"registration_no": a_no, "pin": "123456", "grounds": GROUNDS,
        "contested": ["K1"], "idempotency_key": "k-1"});
    let res = post_json(&mut p.f.app, url, &body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let first = json(&res)["id"].clone();
    // The same key replays; a second objection while one is open is a conflict.
    let res = post_json(&mut p.f.app, url, &body).await;
    assert_eq!(json(&res)["id"], first, "{}", res.body);
    let res = post_json(
        &mut p.f.app,
        url,
        &json!({"registration_no": a_no, "pin": "123456", "grounds": GROUNDS}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(json(&res)["error"], "conflict");

    // At the desk: B's resident is a desk registrant too; an applicant may
    // not use the desk call (403 before the body), the operator may.
    let db = p.f.app.db.db.clone();
    let (b_id, _) = p.f.apps[1].clone();
    let (c_id, _) = p.f.apps[2].clone();
    application::ActiveModel {
        id: Set(b_id),
        account_id: Set(None),
        assisted_by: Set(Some(operator)),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("assisted");
    let desk = format!("/api/v1/operator/applications/{b_id}/objections");
    let res = post_json(&mut p.f.app, &desk, &json!({})).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    as_user(&mut p.f.app, "operator@contoh.id").await;
    // An application with an account is its applicant's to object on.
    let res = post_json(
        &mut p.f.app,
        &format!("/api/v1/operator/applications/{c_id}/objections"),
        &json!({"grounds": GROUNDS}),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = post_json(&mut p.f.app, &desk, &json!({"grounds": GROUNDS})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let filing = objection_filing::Entity::find()
        .all(&db)
        .await
        .expect("read");
    assert!(
        filing
            .iter()
            .any(|f| f.channel == "status_pin" && f.contested == "K1"),
        "{filing:?}"
    );
    assert!(
        filing
            .iter()
            .any(|f| f.channel == "desk" && f.assisted_by == Some(operator)),
        "{filing:?}"
    );
}

/// The trail's page size is documented with the range the server enforces,
/// so a client (or schemathesis) is not told that 0 or 501 is valid.
#[tokio::test]
async fn the_trail_page_size_is_documented_as_1_to_500() {
    let mut app = TestApp::new().await;
    let doc = json(&app.get("/api/openapi.json").await);
    let params = doc["paths"]["/api/v1/audit/events"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .clone();
    let limit = params.iter().find(|p| p["name"] == "limit").expect("limit");
    assert_eq!(limit["schema"]["minimum"], 1, "{limit}");
    assert_eq!(limit["schema"]["maximum"], 500, "{limit}");
}
