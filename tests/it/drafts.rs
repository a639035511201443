//! Scorecard drafts and comments: a draft saved without
//! JavaScript survives signing out, stays private, and a submission keeps the
//! comments with its version. Also: a withdrawal re-ranks its formation.

use axum::http::StatusCode;
use pokmas::db::audit::Actor;
use pokmas::db::entities::{panel_member, ranking, round, score_value, scorecard_draft_value};
use pokmas::domain::role::Role;
use pokmas::services::applications::{Acting, withdraw};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::progress::events;
use crate::standings::fixture;
use crate::support::{Browser, PASSWORD};

#[tokio::test]
async fn a_draft_survives_signing_out_stays_private_and_comments_are_kept_with_the_submission() {
    let mut f = fixture().await;
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
    let a = f.apps[0].0;
    let sheet = format!("/penilai/{a}");
    f.app.login("penilai4@contoh.id", PASSWORD).await;
    let csrf = f.app.csrf_from(&sheet).await;
    // Saving a draft before declaring is refused.
    let res = f
        .app
        .post_form(&format!("{sheet}/draf"), &[("csrf", &csrf), ("v_K1", "4")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = f
        .app
        .post_form(
            &format!("{sheet}/pernyataan"),
            &[("csrf", &csrf), ("kind", "none"), ("text", "")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = f.app.get(&sheet).await;
    assert!(page.body.contains("Simpan draf"), "{}", page.body);
    assert!(
        page.body.contains("formnovalidate"),
        "draft needs no complete form"
    );

    // Half a scorecard and a comment, saved as a draft.
    let comment = "Paham tugas Pokmas, contoh kegiatan RT jelas.";
    let res = f
        .app
        .post_form(
            &format!("{sheet}/draf"),
            &[
                ("csrf", &csrf),
                ("v_K1", "4"),
                ("c_K1", comment),
                ("c_K2", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Off-scale draft values are refused with the scale named.
    let res = f
        .app
        .post_form(&format!("{sheet}/draf"), &[("csrf", &csrf), ("v_K2", "9")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("Nilai K2 (K2) harus antara 1 dan 5."),
        "{}",
        res.body
    );
    let drafted = events(&f.app, "score.draft_saved").await;
    assert_eq!(drafted.len(), 1);
    assert!(
        !drafted[0].payload.contains("Paham"),
        "no draft content in the trail"
    );

    // Sign out and in again: the draft is still there.
    let csrf = f.app.csrf_from(&sheet).await;
    f.app.post_form("/keluar", &[("csrf", &csrf)]).await;
    assert_ne!(f.app.get(&sheet).await.status, StatusCode::OK);
    f.app.login("penilai4@contoh.id", PASSWORD).await;
    let page = f.app.get(&sheet).await;
    assert!(
        page.body.contains("draf Anda yang belum dikirim"),
        "{}",
        page.body
    );
    assert!(page.body.contains(comment));
    assert!(
        page.body
            .contains("name=\"v_K1\" value=\"4\" required checked"),
        "{}",
        page.body
    );
    let api = f.app.get(&format!("/api/v1/panel/applications/{a}")).await;
    let json: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(json["draft_values"]["K1"], 4);
    assert_eq!(json["my_version"], 0);
    let me = f.app.switch_browser(Browser::default());

    // Another panelist sees only their own submitted scorecard, not the draft.
    f.app.login("penilai2@contoh.id", PASSWORD).await;
    let other = f.app.get(&sheet).await;
    assert!(!other.body.contains(comment));
    let api = f.app.get(&format!("/api/v1/panel/applications/{a}")).await;
    let json: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(json["draft_values"], serde_json::json!({}));
    assert_eq!(json["my_values"], serde_json::json!({"K1": 5, "K2": 3}));
    // The JSON draft save is the panelist's own too: it does not reach p4's card.
    let res = f
        .app
        .send(
            axum::http::Request::put(format!("/api/v1/panel/applications/{a}/draft"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    r#"{"values":{"K1":2},"comments":{}}"#,
                ))
                .expect("request"),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    f.app.switch_browser(me);

    // Submitting keeps the comment with the version and clears the draft.
    let csrf = f.app.csrf_from(&sheet).await;
    let res = f
        .app
        .post_form(
            &format!("{sheet}/nilai"),
            &[
                ("csrf", &csrf),
                ("v_K1", "4"),
                ("v_K2", "3"),
                ("c_K1", comment),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let with_comment = score_value::Entity::find()
        .filter(score_value::Column::Comment.eq(comment))
        .count(&f.app.db.db)
        .await
        .expect("count");
    assert_eq!(with_comment, 1);
    let page = f.app.get(&sheet).await;
    assert!(
        page.body.contains(comment),
        "comment shown with the version"
    );
    assert!(!page.body.contains("draf Anda yang belum dikirim"));
    // Only panelist 2's JSON draft remains.
    assert_eq!(
        scorecard_draft_value::Entity::find()
            .count(&f.app.db.db)
            .await
            .expect("count"),
        1
    );
}

/// The fixture's standings as stored after the scores, with the round back
/// in verification (rules frozen), where withdrawals and eligibility changes
/// are still possible.
async fn in_verification() -> crate::standings::Fixture {
    let f = fixture().await;
    let db = &f.app.db.db;
    round::ActiveModel {
        id: Set(f.round_id),
        state: Set("verification".parse().expect("state")),
        frozen_hash: Set(Some("f".repeat(64))),
        ..Default::default()
    }
    .update(db)
    .await
    .expect("state");
    f
}

#[tokio::test]
async fn a_withdrawal_re_ranks_the_formation_in_the_same_transaction() {
    let f = in_verification().await;
    let db = &f.app.db.db;
    let admin = pokmas::db::entities::account::Entity::find()
        .filter(pokmas::db::entities::account::Column::Email.eq("admin@contoh.id"))
        .one(db)
        .await
        .expect("admin")
        .expect("exists");
    withdraw(
        db,
        Acting {
            actor: Actor::Account {
                id: admin.id,
                role: Role::Admin,
            },
            scopes: &[],
        },
        f.apps[0].0,
    )
    .await
    .expect("withdraw");
    let row = |id| async move {
        ranking::Entity::find_by_id(id)
            .one(db)
            .await
            .expect("ranking")
            .expect("row")
    };
    let a = row(f.apps[0].0).await;
    assert_eq!(a.eligibility, "withdrawn");
    assert_eq!(a.rank, None);
    let b = row(f.apps[1].0).await;
    assert_eq!((b.rank, b.status.as_deref()), (Some(1), Some("selected")));
}

#[tokio::test]
async fn an_approved_eligibility_change_re_ranks_the_formation() {
    use pokmas::db::entities::requirement;
    use pokmas::services::verification::{Decision, Staff, decide, request_change};
    let f = in_verification().await;
    let db = &f.app.db.db;
    let ktp = uuid::Uuid::now_v7();
    requirement::ActiveModel {
        id: Set(ktp),
        round_id: Set(f.round_id),
        code: Set("KTP".into()),
        kind: Set("document".into()),
        text_id: Set("KTP".into()),
        text_en: Set("ID card".into()),
        params: Set(None),
        mandatory: Set(true),
        position: Set(0),
    }
    .insert(db)
    .await
    .expect("requirement");
    let first = f
        .app
        .create_user("admin-a@contoh.id", Role::Admin, &[])
        .await;
    let second = f
        .app
        .create_user("admin-b@contoh.id", Role::Admin, &[])
        .await;
    let staff = |id| Staff {
        id,
        role: Role::Admin,
        scopes: vec![],
    };
    let approval = request_change(
        db,
        &staff(first),
        f.apps[0].0,
        &[Decision {
            requirement_id: ktp,
            tms: true,
            reason_code: Some("mismatch".into()),
            reason_text: "KTP milik orang lain.".into(),
        }],
        "Laporan warga: KTP bukan milik pendaftar.",
    )
    .await
    .map_err(|e| format!("{e:?}"))
    .expect("requested");
    let from: pokmas::mail::Mailbox = "Probebaya <noreply@pokmas.test>".parse().expect("from");
    let vault = pokmas::pii::NikVault::new(
        &pokmas::config::Secret::from_hex(&"ab".repeat(32)).expect("secret"),
    );
    let mail = pokmas::services::self_service::MailCtx {
        base_url: "http://localhost",
        from: &from,
        vault: &vault,
    };
    decide(
        db,
        &mail,
        &crate::support::checkpoint_key(),
        &staff(second),
        approval,
        true,
        "Terbukti.",
    )
    .await
    .expect("approved");
    let a = ranking::Entity::find_by_id(f.apps[0].0)
        .one(db)
        .await
        .expect("ranking")
        .expect("row");
    assert_eq!((a.eligibility.as_str(), a.rank), ("ineligible", None));
    let b = ranking::Entity::find_by_id(f.apps[1].0)
        .one(db)
        .await
        .expect("ranking")
        .expect("row");
    assert_eq!((b.rank, b.status.as_deref()), (Some(1), Some("selected")));
}
