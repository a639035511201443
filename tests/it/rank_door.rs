//! Changes that can move a published rank, through the JSON API as an admin
//! would make them: a panelist who has scored cannot be removed, and after
//! publication a recusal waits for a second admin, whose approval applies it
//! and causes every rank move.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use pokmas::domain::role::Role;

use crate::api::{json, post_json};
use crate::progress::{events, payload, rank_of};
use crate::standings::{fixture_on, publish};
use crate::support::{Browser, PASSWORD, TestApp};

async fn a_recusal_after_publication_needs_a_second_admin_on(app: TestApp) {
    let mut f = fixture_on(app).await;
    let (a, b) = (f.apps[0].0, f.apps[1].0);
    let p1 = f.panelists[0];
    f.app
        .create_user("admin2@contoh.id", Role::Admin, &[])
        .await;
    f.app.login("admin@contoh.id", PASSWORD).await;
    let remove = format!(
        "/api/v1/admin/rounds/{}/panels/{}/members/{p1}",
        f.round_id, f.panel_id
    );
    let delete = |path: &str| Request::delete(path).body(Body::empty()).expect("request");

    // During the assessment: p1 has scored, so p1 stays on the panel.
    let trail = f.app.audit_actions().await.len();
    let res = f.app.send(delete(&remove)).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("lembar nilai"), "{}", res.body);
    assert_eq!(f.app.audit_actions().await.len(), trail, "nothing written");

    // After publication one admin only asks.
    publish(&f).await;
    assert_eq!(
        rank_of(&f.app, a).await,
        (Some(1), Some("selected".into()), true)
    );
    let reason = "Penilai ternyata ipar pendaftar (laporan warga).";
    let res = post_json(
        &mut f.app,
        &format!("/api/v1/admin/applications/{a}/recusals"),
        &serde_json::json!({ "panelist_id": p1, "reason": reason }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body = json(&res);
    assert_eq!(body["rank_changes"], 0);
    let approval_id = body["approval_id"]
        .as_str()
        .expect("approval id")
        .to_owned();
    assert!(events(&f.app, "conflict.recused_by_admin").await.is_empty());
    assert_eq!(
        rank_of(&f.app, a).await,
        (Some(1), Some("selected".into()), true)
    );
    // Asking twice is a conflict.
    let again = post_json(
        &mut f.app,
        &format!("/api/v1/admin/applications/{a}/recusals"),
        &serde_json::json!({ "panelist_id": p1, "reason": reason }),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let list = f.app.get("/api/v1/admin/approvals").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let item = json(&list)
        .as_array()
        .expect("list")
        .iter()
        .find(|i| i["id"] == approval_id.as_str())
        .cloned()
        .expect("listed");
    assert!(
        item["change"]
            .as_str()
            .expect("change")
            .contains("Kecualikan"),
        "{item}"
    );
    // Panels are fixed once results are out.
    let res = f.app.send(delete(&remove)).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    // The requester cannot approve it.
    let decide = format!("/api/v1/admin/approvals/{approval_id}");
    let own = post_json(
        &mut f.app,
        &decide,
        &serde_json::json!({ "decision": "approve" }),
    )
    .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.body);
    assert_eq!(rank_of(&f.app, a).await.0, Some(1));

    // A second admin approves: applied, re-ranked, every move caused by it.
    f.app.switch_browser(Browser::default());
    f.app.login("admin2@contoh.id", PASSWORD).await;
    let res = post_json(
        &mut f.app,
        &decide,
        &serde_json::json!({ "decision": "approve", "note": "laporan warga benar" }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let recusal = events(&f.app, "conflict.recused_by_admin").await;
    assert_eq!(recusal.len(), 1);
    let p = payload(&recusal[0]);
    assert_eq!(p["approval_id"], approval_id.as_str());
    assert_eq!(recusal[0].reason, reason);
    let approved = events(&f.app, "approval.approved").await;
    assert_eq!(p["approval_seq"], approved[0].seq);
    assert!(approved[0].seq < recusal[0].seq);
    let moved: Vec<serde_json::Value> = events(&f.app, "ranking.changed")
        .await
        .iter()
        .filter(|e| e.seq > recusal[0].seq)
        .map(payload)
        .collect();
    assert!(!moved.is_empty());
    assert!(
        moved.iter().all(|m| m["cause_seq"] == recusal[0].seq),
        "{moved:?}"
    );
    assert_eq!(rank_of(&f.app, a).await, (None, None, false));
    assert_eq!(rank_of(&f.app, b).await.0, Some(1));
}

#[tokio::test]
async fn a_recusal_after_publication_needs_a_second_admin_and_a_scoring_panelist_stays() {
    a_recusal_after_publication_needs_a_second_admin_on(TestApp::new().await).await;
}

#[tokio::test]
async fn a_recusal_after_publication_needs_a_second_admin_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    a_recusal_after_publication_needs_a_second_admin_on(app).await;
}
