//! The admin's scoring progress page and recusal of a panelist:
//! who has scored what, what is missing and why, and a recusal after
//! publication whose rank changes point at it.

use axum::http::StatusCode;
use pokmas::db::entities::{audit_event, panel_member, ranking};
use pokmas::domain::role::Role;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::standings::{fixture, publish};
use crate::support::{Browser, PASSWORD, TestApp};

pub async fn events(app: &TestApp, action: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_asc(audit_event::Column::Seq)
        .all(&app.db.db)
        .await
        .expect("events")
}

pub fn payload(e: &audit_event::Model) -> serde_json::Value {
    serde_json::from_str(&e.payload).expect("payload")
}

/// A second admin (created on first use) signs in in another browser,
/// finds the one pending request on `/admin/persetujuan` and approves it;
/// the first browser is back afterwards. Returns the approval's id.
pub async fn second_admin_approves(app: &mut TestApp) -> Uuid {
    use pokmas::db::entities::{account, approval};
    let exists = account::Entity::find()
        .filter(account::Column::Email.eq("admin2@contoh.id"))
        .one(&app.db.db)
        .await
        .expect("find")
        .is_some();
    if !exists {
        app.create_user("admin2@contoh.id", Role::Admin, &[]).await;
    }
    let pending = approval::Entity::find()
        .filter(approval::Column::Status.eq("pending"))
        .all(&app.db.db)
        .await
        .expect("approvals");
    assert_eq!(pending.len(), 1, "{pending:?}");
    let id = pending[0].id;
    let first = app.switch_browser(Browser::default());
    app.login("admin2@contoh.id", PASSWORD).await;
    let page = app.get("/admin/persetujuan").await;
    assert!(
        page.body.contains(&format!("/admin/persetujuan/{id}")),
        "{}",
        page.body
    );
    let csrf = app.csrf_from("/admin/persetujuan").await;
    let res = app
        .post_form(
            &format!("/admin/persetujuan/{id}"),
            &[
                ("csrf", &csrf),
                ("decision", "approve"),
                ("note", "sudah diperiksa"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    app.switch_browser(first);
    id
}

pub async fn rank_of(app: &TestApp, id: Uuid) -> (Option<i32>, Option<String>, bool) {
    let r = ranking::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("ranking")
        .expect("row");
    (r.rank, r.status, r.complete)
}

#[tokio::test]
async fn an_admin_recusal_makes_an_application_pending_and_its_rank_changes_are_traced() {
    let mut f = fixture().await;
    // A fourth panelist joins but scores nobody.
    let p4 = f
        .app
        .create_user("penilai4@contoh.id", Role::Panelist, &["64.72.01.1001"])
        .await;
    panel_member::ActiveModel {
        panel_id: Set(f.panel_id),
        account_id: Set(p4),
    }
    .insert(&f.app.db.db)
    .await
    .expect("member");
    publish(&f).await;
    let (a, b) = (f.apps[0].0, f.apps[1].0);
    assert_eq!(
        rank_of(&f.app, a).await,
        (Some(1), Some("selected".into()), true)
    );

    f.app.login("admin@contoh.id", PASSWORD).await;
    let page = format!("/admin/seleksi/{}/progres", f.round_id);
    let res = f.app.get(&page).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("terkirim (v1)"), "{}", res.body);
    assert!(res.body.contains("belum menyatakan"), "p4 has not declared");
    assert!(
        res.body
            .contains("lengkap: <strong>4</strong> · belum lengkap: <strong>0"),
        "{}",
        res.body
    );

    // A short reason is refused and nothing changes.
    let action = format!("{page}/kecualikan");
    let csrf = f.app.csrf_from(&page).await;
    let p1 = f.panelists[0].to_string();
    let short = f
        .app
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("application_id", &a.to_string()),
                ("panelist_id", &p1),
                ("reason", "kerabat"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("minimal 10 karakter"));
    assert!(short.body.contains("kerabat"), "typed reason kept");
    assert!(events(&f.app, "conflict.recused_by_admin").await.is_empty());

    let reason = "Penilai ternyata ipar pendaftar (laporan warga).";
    let res = f
        .app
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("application_id", &a.to_string()),
                ("panelist_id", &p1),
                ("reason", reason),
            ],
        )
        .await;
    // Results are published: one admin only requests it, and the pending
    // request is where the form leads.
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        res.headers.get("location").and_then(|v| v.to_str().ok()),
        Some("/admin/persetujuan")
    );
    assert!(events(&f.app, "conflict.recused_by_admin").await.is_empty());
    assert_eq!(
        rank_of(&f.app, a).await,
        (Some(1), Some("selected".into()), true),
        "nothing changes before a second admin approves"
    );
    // The requester cannot approve it.
    let own = f.app.get("/admin/persetujuan").await;
    assert!(own.body.contains("Anda yang mengajukan"), "{}", own.body);
    let approval_id = second_admin_approves(&mut f.app).await;

    // A is pending now (p1's scorecard no longer counts, p4 has not scored);
    // B moves up. Both changes point at the recusal.
    let recusal = events(&f.app, "conflict.recused_by_admin").await;
    assert_eq!(recusal.len(), 1);
    assert_eq!(recusal[0].reason, reason);
    assert_eq!(payload(&recusal[0])["panelist_id"], p1);
    assert_eq!(payload(&recusal[0])["approval_id"], approval_id.to_string());
    let approved = events(&f.app, "approval.approved").await;
    assert_eq!(payload(&recusal[0])["approval_seq"], approved[0].seq);
    assert_eq!(rank_of(&f.app, a).await, (None, None, false));
    assert_eq!(rank_of(&f.app, b).await.0, Some(1));
    let moved: Vec<serde_json::Value> = events(&f.app, "ranking.changed")
        .await
        .iter()
        .filter(|e| e.seq > recusal[0].seq)
        .map(payload)
        .collect();
    assert!(!moved.is_empty());
    assert!(moved.iter().all(|p| p["cause_seq"] == recusal[0].seq));
    let of = |no: &str| moved.iter().find(|p| p["registration_no"] == no).cloned();
    let pa = of(&f.apps[0].1).expect("A moved");
    assert_eq!(
        (pa["from_rank"].as_i64(), pa["to_rank"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(pa["to_status"], "");
    let pb = of(&f.apps[1].1).expect("B moved");
    assert_eq!(
        (pb["from_rank"].as_i64(), pb["to_rank"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(pb["to_status"], "selected");

    // The progress page says why A is incomplete and who is missing.
    let res = f.app.get(&page).await;
    assert!(res.body.contains("dikecualikan"));
    assert!(
        res.body
            .contains("nilai belum dikirim oleh: Pengguna penilai4@contoh.id"),
        "{}",
        res.body
    );
    // Recusing twice is refused.
    let again = f
        .app
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("application_id", &a.to_string()),
                ("panelist_id", &p1),
                ("reason", reason),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    f.app.switch_browser(Browser::default());

    // The recused panelist sees no score of A, not even their own.
    f.app.login("penilai1@contoh.id", PASSWORD).await;
    let sheet = f.app.get(&format!("/penilai/{a}")).await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert!(sheet.body.contains("dikecualikan"), "{}", sheet.body);
    assert!(
        !sheet.body.contains("checked"),
        "no score shown: {}",
        sheet.body
    );
    assert!(!sheet.body.contains("type=\"radio\""), "no score form");
    let api = f.app.get(&format!("/api/v1/panel/applications/{a}")).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let json: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(json["recused"], true);
    assert_eq!(json["my_values"], serde_json::json!({}));
    assert_eq!(json["my_version"], 0);
    assert!(json.get("total").is_none() && json.get("rank").is_none());
    // Progress and recusal are admin pages.
    assert_eq!(f.app.get(&page).await.status, StatusCode::FORBIDDEN);
    let csrf = f.app.csrf_from(&format!("/penilai/{b}")).await;
    let res = f
        .app
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("application_id", &b.to_string()),
                ("panelist_id", &f.panelists[1].to_string()),
                ("reason", reason),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(events(&f.app, "conflict.recused_by_admin").await.len(), 1);
}

#[tokio::test]
async fn the_panel_api_is_in_the_openapi_document_and_refuses_anonymous_callers_and_other_roles() {
    let mut f = fixture().await;
    let doc = f.app.get("/api/openapi.json").await;
    let doc: serde_json::Value = serde_json::from_str(&doc.body).expect("json");
    for path in [
        "/api/v1/panel/applications/{id}",
        "/api/v1/panel/applications/{id}/draft",
        "/api/v1/witness",
        "/api/v1/witness/{id}/commit",
        "/api/v1/witness/{id}/reveal",
        "/api/v1/admin/rounds/{id}/imported-values",
        "/api/v1/admin/applications/{id}/recusals",
        "/api/v1/admin/rounds/{id}/progress",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    let progress = format!("/api/v1/admin/rounds/{}/progress", f.round_id);
    let sheet = format!("/api/v1/panel/applications/{}", f.apps[0].0);
    assert_eq!(f.app.get(&progress).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        f.app.get("/api/v1/witness").await.status,
        StatusCode::UNAUTHORIZED
    );
    f.app.login("penilai1@contoh.id", PASSWORD).await;
    assert_eq!(f.app.get(&progress).await.status, StatusCode::FORBIDDEN);
    assert_eq!(f.app.get(&sheet).await.status, StatusCode::OK);
    f.app.switch_browser(Browser::default());
    f.app.login("admin@contoh.id", PASSWORD).await;
    assert_eq!(f.app.get(&sheet).await.status, StatusCode::FORBIDDEN);
    assert_eq!(f.app.get(&progress).await.status, StatusCode::OK);
    // A panelist outside the formation's panel gets 404 for the sheet.
    f.app.switch_browser(Browser::default());
    f.app
        .create_user("lain@contoh.id", Role::Panelist, &["64.72.01.1001"])
        .await;
    f.app.login("lain@contoh.id", PASSWORD).await;
    assert_eq!(f.app.get(&sheet).await.status, StatusCode::NOT_FOUND);
}
