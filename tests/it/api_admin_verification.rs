//! The operator's verification through the JSON API: the kelurahan queue,
//! decisions, the four-eyes change, and the documents of an application.

use axum::http::{Method, StatusCode};
use pokmas::db::entities::audit_event;
use pokmas::domain::role::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::support::api::{call, json_of, post_json, signed_in};
use crate::support::journey::NIK;
use crate::support::verification::*;
use crate::support::{Browser, PASSWORD, TestApp};

#[tokio::test]
async fn an_operator_lists_only_their_kelurahan_queue_and_records_a_verification() {
    let mut app = TestApp::new().await;
    let admin = app
        .create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    let InVerification { ktp, km, pel, .. } = verification_round(&mut app, admin).await;
    let (km_app, pel_app) = (km.id, pel.id);
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
        !res.body.contains("nik_hash") && !res.body.contains(&km.nik_hash),
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
    // The first six digits (the NIK's region) and ten stars.
    assert_eq!(
        json_of(&res)["nik_masked"],
        format!("{}**********", &NIK[..6])
    );
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
    let res = post_json(
        &mut app,
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

    let res = post_json(
        &mut app,
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
    let res = post_json(
        &mut app,
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
    let res = post_json(
        &mut app,
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
    let res = post_json(&mut app, &decide, &json!({"decision": "approve"})).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    app.switch_browser(Browser::default());
    signed_in(&mut app, "admin2@samarindakota.go.id", Role::Admin, &[]).await;
    let res = post_json(&mut app, &decide, &json!({"decision": "approve"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn an_operator_opens_the_documents_of_an_application_in_their_kelurahan_and_an_operator_elsewhere_cannot()
 {
    let mut app = TestApp::new().await;
    let admin = app
        .create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    let InVerification {
        km,
        km_document: doc,
        ..
    } = verification_round(&mut app, admin).await;
    let km_app = km.id;
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
    assert!(!res.body.contains(KTP_FILE), "{}", res.body);

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
