//! The panel review on the demo: the planted biased panelist is caught by
//! the RT they favour, publication then needs a second admin's written
//! reason, the public page shows the figures and an export re-derives them.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use pokmas::db::audit::Actor;
use pokmas::db::entities::{account, audit_event, formation, round};
use pokmas::domain::group_bias::Group;
use pokmas::domain::role::Role;
use pokmas::domain::round::RoundState;
use pokmas::services::{ServiceError, panel_review, rounds, second_look};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::demo::{demo, get};

async fn admin(db: &DatabaseConnection, email: &str) -> Actor {
    let a = account::Entity::find()
        .filter(account::Column::Email.eq(email))
        .one(db)
        .await
        .expect("find")
        .expect("admin");
    Actor::Account {
        id: a.id,
        role: Role::Admin,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demos_biased_panelist_is_flagged_for_the_rt_they_favour_and_publishing_needs_a_second_admin()
 {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, db) = demo(dir.path(), &["--state", "assessment"]).await;
    assert_eq!(code, 0);
    let r = round::Entity::find()
        .filter(round::Column::FinalRule.is_null())
        .one(&db)
        .await
        .expect("round")
        .expect("the Pokmas round");

    // Arrange: the review of the scored round.
    let review = panel_review::round_review(&db, r.id).await.expect("review");
    let email_of = |id: &str| {
        let name = review.names.get(id).cloned().unwrap_or_default();
        (id.to_owned(), name)
    };
    let flagged: Vec<_> = review
        .review
        .panelists
        .iter()
        .filter(|p| p.flagged())
        .collect();
    assert_eq!(flagged.len(), 1, "one flagged panelist: {flagged:?}");
    let biased = account::Entity::find()
        .filter(account::Column::Email.eq("penilai1.4@demo.pokmas.id"))
        .one(&db)
        .await
        .expect("find")
        .expect("penilai1.4");
    assert_eq!(
        flagged[0].panelist,
        biased.id.to_string(),
        "{:?}",
        email_of(&flagged[0].panelist)
    );
    // Every group it is flagged for is the favoured RT of its kelurahan
    // (RT 1, 2, 3 for the formations in code order, then again).
    let formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(r.id))
        .order_by_asc(formation::Column::Code)
        .all(&db)
        .await
        .expect("formations");
    let favoured: BTreeSet<(String, i32)> = formations
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                f.kelurahan_code.clone(),
                1 + i32::try_from(i % 3).expect("small"),
            )
        })
        .collect();
    let groups: Vec<&Group> = flagged[0]
        .groups
        .iter()
        .filter(|g| g.flagged)
        .map(|g| &g.group)
        .collect();
    assert!(!groups.is_empty());
    for g in groups {
        match g {
            Group::Rt { kelurahan, rt } => {
                assert!(favoured.contains(&(kelurahan.clone(), *rt)), "{g:?}");
            }
            other => panic!("flagged for {other:?}, not an RT"),
        }
    }

    // The auditors' page names them with the group, flagged first.
    let ctx = pokmas::views::PageCtx {
        lang: pokmas::domain::lang::Lang::Id,
        path: "/".into(),
        signed_in: None,
        csrf: None,
    };
    let page = pokmas::views::panel_review::audit_page(&ctx, &review);
    let html = page.body.into_string();
    let first_heading = html.find("<h3>").expect("a panelist");
    assert!(
        html[first_heading..].starts_with(&format!(
            "<h3><a href=\"/audit/penilai/{}\">{}",
            biased.id, biased.name
        )),
        "the flagged panelist comes first"
    );
    assert_eq!(
        html.matches("⚑ ditandai").count(),
        1,
        "one flagged panelist"
    );

    // The formations of the biased panelist's panel are marked.
    let marked = second_look::marked(&db, r.id).await.expect("marked");
    assert_eq!(marked.len(), formations.len());
    assert!(marked.iter().all(|m| m.concerns.flagged_members == 1));
    let (status, page) = get(dir.path(), &db, &format!("/admin/seleksi/{}/dasbor", r.id)).await;
    // Signed out: the dashboard is not public.
    assert_ne!(status, StatusCode::OK, "{page}");

    // Act 1: one admin cannot publish alone.
    // The demo's own key: its two-stage round's shortlist is already signed.
    let seed = pokmas::config::Secret::in_file(dir.path(), "checkpoint.key").expect("seed");
    let key =
        pokmas::services::checkpoints::CheckpointKey::new("http://127.0.0.1:8080", seed.bytes())
            .expect("key");
    let first = admin(&db, "admin@demo.pokmas.id").await;
    let second = admin(&db, "admin2@demo.pokmas.id").await;
    let now = time::OffsetDateTime::now_utc() + time::Duration::days(400);
    let refused =
        rounds::transition(&db, &key, first, r.id, RoundState::Provisional, "", now).await;
    let Err(pokmas::services::ServiceError::Fields(m)) = refused else {
        panic!("publication by one admin must be refused: {refused:?}");
    };
    let text: String = m.values().map(|x| x.en.clone()).collect();
    assert!(text.contains("second admin"), "{text}");

    // Act 2: the request, then the decision by the same admin, then a too
    // short reason, then a proper one.
    second_look::request_publication(&db, first, r.id, "Penilaian selesai.", now)
        .await
        .expect("request");
    let same = second_look::decide_publication(
        &db,
        &key,
        None,
        first,
        r.id,
        true,
        "Saya sendiri menyetujui permintaan saya.",
        now,
    )
    .await;
    assert!(matches!(same, Err(ServiceError::Forbidden)), "{same:?}");
    let short =
        second_look::decide_publication(&db, &key, None, second, r.id, true, "ok", now).await;
    assert!(matches!(short, Err(ServiceError::Invalid(_))), "{short:?}");
    second_look::decide_publication(
        &db,
        &key,
        None,
        second,
        r.id,
        true,
        "Panel sudah ditinjau; penilai yang ditandai dimintai klarifikasi.",
        now,
    )
    .await
    .expect("published by the second admin");

    // Assert: published, the event names both admins and the marked formations.
    let r = round::Entity::find_by_id(r.id)
        .one(&db)
        .await
        .expect("round")
        .expect("one");
    assert_eq!(r.state.as_str(), "provisional");
    let published = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(RoundState::Provisional.entered_action()))
        .one(&db)
        .await
        .expect("event")
        .expect("publication");
    let p: serde_json::Value = serde_json::from_str(&published.payload).expect("payload");
    let id_of = |a: Actor| match a {
        Actor::Account { id, .. } => id.to_string(),
        Actor::System => String::new(),
    };
    assert_eq!(p["requested_by"], id_of(first));
    assert_eq!(p["approved_by"], id_of(second));
    assert_eq!(
        p["second_look"].as_array().map(Vec::len),
        Some(formations.len())
    );
    assert!(published.reason.contains("klarifikasi"));

    // The public page of a formation shows the figures, anonymised.
    let f = &formations[0];
    let (status, html) = get(
        dir.path(),
        &db,
        &format!("/seleksi/{}/hasil/{}", r.slug, f.code),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Keandalan panel penilai"), "{html}");
    assert!(html.contains("ICC(2,1)"));
    assert!(html.contains("ditinjau admin kedua"));
    assert!(!html.contains(&biased.name), "panelists stay anonymous");

    // An exported folder re-derives every figure offline.
    let out = dir.path().join("ekspor");
    pokmas::services::exports::export_all(&db, Actor::System, r.id, "cli", &out)
        .await
        .expect("export all");
    let report = pokmas::export::analytics_csv::recompute_dir(&out).expect("readable");
    assert!(
        report.disagreements.is_empty(),
        "{:?}",
        report.disagreements
    );
    assert_eq!(report.formations, formations.len());
    assert!(!report.flagged.is_empty());
    assert!(
        report
            .flagged
            .iter()
            .all(|f| f.starts_with(&biased.id.to_string())),
        "{:?}",
        report.flagged
    );
}
