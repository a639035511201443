//! Staff accounts through the admin JSON API: invitations, scopes,
//! deactivation and reactivation.

use axum::http::{Method, StatusCode};
use pokmas::domain::role::Role;
use serde_json::json;

use crate::support::TestApp;
use crate::support::api::{call, json_of, post_json, signed_in};
use crate::support::verification::*;

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
    let res = post_json(&mut app, "/api/v1/admin/staff",
        &json!({"email": "x@samarindakota.go.id", "name": "X", "role": "operator", "kelurahan": []})).await;
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
    let res = post_json(&mut app, &off, &json!({"reason": "Pindah tugas"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = call(&mut app, Method::POST, &off, &json!({"reason": "Lagi"})).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let res = post_json(
        &mut app,
        &format!("/api/v1/admin/staff/{id}/reactivate"),
        &json!({}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // Nobody locks the door behind themselves.
    let res = post_json(
        &mut app,
        &format!("/api/v1/admin/staff/{me}/deactivate"),
        &json!({"reason": "Coba"}),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
}
