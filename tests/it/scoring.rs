//! Panel scoring through the scoring service: declarations first, locked
//! scorecards, amendments with reasons, and concurrent panelists.

use std::collections::BTreeMap;

use pokmas::db::entities::{panel_member, ranking, score_version, scorecard};
use pokmas::domain::role::Role;
use pokmas::services::ServiceError;
use pokmas::services::scoring::{ConflictKind, declare, submit};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::standings::fixture;

fn values(k1: i32, k2: i32) -> BTreeMap<String, i32> {
    BTreeMap::from([("K1".to_owned(), k1), ("K2".to_owned(), k2)])
}

pub(crate) async fn new_panelist(f: &crate::standings::Fixture, email: &str) -> Uuid {
    let id = f
        .app
        .create_user(email, Role::Panelist, &["64.72.01.1001"])
        .await;
    panel_member::ActiveModel {
        panel_id: Set(f.panel_id),
        account_id: Set(id),
    }
    .insert(&f.app.db.db)
    .await
    .expect("member");
    id
}

#[tokio::test]
async fn a_panelist_cannot_score_before_declaring_no_conflict() {
    let f = fixture().await;
    let db = &f.app.db.db;
    let p = new_panelist(&f, "baru@contoh.id").await;
    let app = f.apps[2].0;
    let err = submit(db, p, app, &values(3, 3), None)
        .await
        .expect_err("undeclared");
    assert!(err.to_string().contains("konflik kepentingan"), "{err}");
    declare(db, p, app, ConflictKind::None, "")
        .await
        .expect("declare");
    let (version, _) = submit(db, p, app, &values(3, 3), None)
        .await
        .expect("submit");
    assert_eq!(version, 1);
}

#[tokio::test]
async fn a_submitted_scorecard_is_locked_and_an_amendment_needs_a_reason_and_keeps_the_old_version()
{
    let f = fixture().await;
    let db = &f.app.db.db;
    let p = new_panelist(&f, "baru@contoh.id").await;
    let app = f.apps[3].0;
    declare(db, p, app, ConflictKind::None, "")
        .await
        .expect("declare");
    submit(db, p, app, &values(2, 2), None)
        .await
        .expect("submit");
    let err = submit(db, p, app, &values(5, 5), None)
        .await
        .expect_err("locked");
    assert!(err.to_string().contains("alasan tertulis"), "{err}");
    let (version, _) = submit(
        db,
        p,
        app,
        &values(5, 5),
        Some("salah ketik saat wawancara"),
    )
    .await
    .expect("amend");
    assert_eq!(version, 2);
    let card = scorecard::Entity::find()
        .filter(scorecard::Column::ApplicationId.eq(app))
        .filter(scorecard::Column::PanelistId.eq(p))
        .one(db)
        .await
        .expect("find")
        .expect("card");
    let versions = score_version::Entity::find()
        .filter(score_version::Column::ScorecardId.eq(card.id))
        .count(db)
        .await
        .expect("count");
    assert_eq!(versions, 2, "the first version is kept for auditors");
}

#[tokio::test]
async fn a_recused_panelist_or_one_outside_the_panel_cannot_score() {
    let f = fixture().await;
    let db = &f.app.db.db;
    let p = new_panelist(&f, "kerabat@contoh.id").await;
    let app = f.apps[0].0;
    declare(db, p, app, ConflictKind::Family, "sepupu pelamar")
        .await
        .expect("declare");
    let err = submit(db, p, app, &values(5, 5), None)
        .await
        .expect_err("recused");
    assert!(err.to_string().contains("dikecualikan"), "{err}");
    let err = declare(db, p, app, ConflictKind::None, "")
        .await
        .expect_err("declarations are final");
    assert!(
        matches!(err, ServiceError::Conflict(_)),
        "a refusal by state: {err:?}"
    );

    let outsider = f
        .app
        .create_user("luar@contoh.id", Role::Panelist, &["64.72.01.1001"])
        .await;
    let err = declare(db, outsider, app, ConflictKind::None, "")
        .await
        .expect_err("not on the panel");
    assert!(matches!(err, ServiceError::NotFound));
}

#[tokio::test]
async fn scores_outside_the_scale_or_missing_a_criterion_are_refused() {
    let f = fixture().await;
    let db = &f.app.db.db;
    let p = new_panelist(&f, "baru@contoh.id").await;
    let app = f.apps[1].0;
    declare(db, p, app, ConflictKind::None, "")
        .await
        .expect("declare");
    assert!(submit(db, p, app, &values(6, 3), None).await.is_err());
    assert!(
        submit(db, p, app, &BTreeMap::from([("K1".to_owned(), 3)]), None)
            .await
            .is_err()
    );
    let card = scorecard::Entity::find()
        .filter(scorecard::Column::PanelistId.eq(p))
        .count(db)
        .await
        .expect("count");
    assert_eq!(card, 0, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_panelists_scoring_at_once_lose_nothing_and_the_ranking_matches_a_recomputation() {
    let f = fixture().await;
    let db = f.app.db.db.clone();
    let mut panelists = Vec::new();
    for i in 0..20 {
        panelists.push(new_panelist(&f, &format!("p{i}@contoh.id")).await);
    }
    let app = f.apps[3].0;
    let mut tasks = Vec::new();
    for (i, p) in panelists.iter().copied().enumerate() {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            declare(&db, p, app, ConflictKind::None, "")
                .await
                .expect("declare");
            let v = i32::try_from(i % 5 + 1).expect("small");
            submit(&db, p, app, &values(v, 6 - v), None)
                .await
                .expect("submit");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let cards = scorecard::Entity::find()
        .filter(scorecard::Column::ApplicationId.eq(app))
        .count(&db)
        .await
        .expect("count");
    assert_eq!(cards, 23, "3 from the fixture and 20 concurrent ones");

    let stored: Vec<(Uuid, Option<i32>, Option<String>)> = ranking::Entity::find()
        .filter(ranking::Column::FormationId.eq(f.formation_id))
        .all(&db)
        .await
        .expect("rows")
        .into_iter()
        .map(|r| (r.application_id, r.rank, r.total_exact))
        .collect();
    // Recompute from scratch: wipe the stored rows and rank again.
    ranking::Entity::delete_many()
        .exec(&db)
        .await
        .expect("wipe");
    crate::standings::rerank_in_full(&f).await;
    let fresh: Vec<(Uuid, Option<i32>, Option<String>)> = ranking::Entity::find()
        .filter(ranking::Column::FormationId.eq(f.formation_id))
        .all(&db)
        .await
        .expect("rows")
        .into_iter()
        .map(|r| (r.application_id, r.rank, r.total_exact))
        .collect();
    let mut a = stored;
    let mut b = fresh;
    a.sort();
    b.sort();
    assert_eq!(a, b);

    let mut csv = Vec::new();
    pokmas::db::audit::export_csv(&db, &mut csv)
        .await
        .expect("export");
    assert!(matches!(
        pokmas::export::audit_csv::verify_csv(csv.as_slice(), None),
        pokmas::export::audit_csv::VerifyOutcome::Valid(_)
    ));
}

#[tokio::test]
async fn a_panelist_declares_scores_and_finds_the_scorecard_locked_through_the_pages() {
    let mut f = fixture().await;
    new_panelist(&f, "tablet@contoh.id").await;
    let app_id = f.apps[2].0;
    let res = f
        .app
        .login("tablet@contoh.id", crate::support::PASSWORD)
        .await;
    assert_eq!(res.status, axum::http::StatusCode::SEE_OTHER);

    let list = f.app.get("/penilai").await;
    assert_eq!(list.status, axum::http::StatusCode::OK);
    assert!(list.body.contains("2026-6472011001-0003"));
    assert!(list.body.contains("Perlu pernyataan konflik"));

    let sheet = f.app.get(&format!("/penilai/{app_id}")).await;
    assert!(sheet.body.contains("Pernyataan konflik kepentingan"));
    assert!(
        !sheet.body.contains("name=\"v_K1\""),
        "no score form before the declaration"
    );
    let csrf = crate::support::hidden_value(&sheet.body, "csrf").expect("csrf");
    let res = f
        .app
        .post_form(
            &format!("/penilai/{app_id}/nilai"),
            &[("csrf", &csrf), ("v_K1", "5"), ("v_K2", "5")],
        )
        .await;
    assert_eq!(
        res.status,
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "scoring before declaring is refused"
    );
    let res = f
        .app
        .post_form(
            &format!("/penilai/{app_id}/pernyataan"),
            &[("csrf", &csrf), ("kind", "none")],
        )
        .await;
    assert_eq!(res.status, axum::http::StatusCode::SEE_OTHER);
    // A declaration is final: declaring again is a conflict, shown on the page.
    let res = f
        .app
        .post_form(
            &format!("/penilai/{app_id}/pernyataan"),
            &[("csrf", &csrf), ("kind", "family"), ("text", "sepupu")],
        )
        .await;
    assert_eq!(res.status, axum::http::StatusCode::CONFLICT, "{}", res.body);
    assert!(
        res.body.contains("sudah dicatat dan tidak dapat diubah"),
        "{}",
        res.body
    );

    let sheet = f.app.get(&format!("/penilai/{app_id}")).await;
    assert!(sheet.body.contains("name=\"v_K1\""));
    let res = f
        .app
        .post_form(
            &format!("/penilai/{app_id}/nilai"),
            &[("csrf", &csrf), ("v_K1", "4"), ("v_K2", "3")],
        )
        .await;
    assert_eq!(
        res.status,
        axum::http::StatusCode::SEE_OTHER,
        "{}",
        res.body
    );
    let sheet = f.app.get(&format!("/penilai/{app_id}")).await;
    assert!(sheet.body.contains("terkunci"), "{}", sheet.body);
    let res = f
        .app
        .post_form(
            &format!("/penilai/{app_id}/nilai"),
            &[("csrf", &csrf), ("v_K1", "5"), ("v_K2", "5")],
        )
        .await;
    assert_eq!(
        res.status,
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "a change needs a reason"
    );
    assert!(res.body.contains("alasan tertulis"));
    assert!(
        res.body.contains("value=\"5\" required checked"),
        "typed values kept"
    );

    // A recused panelist sees no score of that application.
    let other = f.apps[0].0;
    let sheet = f.app.get(&format!("/penilai/{other}")).await;
    let csrf = crate::support::hidden_value(&sheet.body, "csrf").expect("csrf");
    f.app
        .post_form(
            &format!("/penilai/{other}/pernyataan"),
            &[("csrf", &csrf), ("kind", "family"), ("text", "paman")],
        )
        .await;
    let sheet = f.app.get(&format!("/penilai/{other}")).await;
    assert!(sheet.body.contains("dikecualikan"));
    assert!(!sheet.body.contains("type=\"radio\""));
    // The form's random CSRF token may hold "v1" by chance: leave it out.
    let shown = match crate::support::hidden_value(&sheet.body, "csrf") {
        Some(token) => sheet.body.replace(&token, ""),
        None => sheet.body.clone(),
    };
    assert!(
        !shown.contains("v1"),
        "no version, no score of other panelists"
    );

    // Another role cannot reach the pages at all.
    f.app.switch_browser(crate::support::Browser::default());
    f.app
        .create_user("op@contoh.id", Role::Operator, &["64.72.01.1001"])
        .await;
    f.app.login("op@contoh.id", crate::support::PASSWORD).await;
    assert_eq!(
        f.app.get("/penilai").await.status,
        axum::http::StatusCode::FORBIDDEN
    );
    assert_eq!(
        f.app.get(&format!("/penilai/{app_id}")).await.status,
        axum::http::StatusCode::FORBIDDEN
    );
}

/// Every stored standing of the fixture's formation, in a comparable form.
async fn stored_rows(f: &crate::standings::Fixture) -> Vec<ranking::Model> {
    let mut rows = ranking::Entity::find()
        .filter(ranking::Column::FormationId.eq(f.formation_id))
        .all(&f.app.db.db)
        .await
        .expect("rows");
    for r in &mut rows {
        r.updated_at = time::OffsetDateTime::UNIX_EPOCH;
    }
    rows.sort_by_key(|r| r.application_id);
    rows
}

/// What a full re-rank of the fixture's formation from every score would
/// store now, computed in a transaction that is rolled back.
async fn fully_recomputed(f: &crate::standings::Fixture) -> Vec<ranking::Model> {
    let tx = pokmas::db::begin_write(&f.app.db.db).await.expect("begin");
    ranking::Entity::delete_many()
        .filter(ranking::Column::FormationId.eq(f.formation_id))
        .exec(&tx)
        .await
        .expect("wipe");
    pokmas::services::standings::recompute_formation(&tx, f.formation_id, 1)
        .await
        .expect("recompute");
    let mut rows = ranking::Entity::find()
        .filter(ranking::Column::FormationId.eq(f.formation_id))
        .all(&tx)
        .await
        .expect("rows");
    tx.rollback().await.expect("rollback");
    for r in &mut rows {
        r.updated_at = time::OffsetDateTime::UNIX_EPOCH;
    }
    rows.sort_by_key(|r| r.application_id);
    rows
}

/// The stored rows equal a full re-rank's; applications not scored yet may
/// have no row (the full re-rank writes them one, incomplete and unranked).
async fn same_as_full(f: &crate::standings::Fixture, when: &str) {
    let stored = stored_rows(f).await;
    let (full, unscored): (Vec<ranking::Model>, Vec<ranking::Model>) = fully_recomputed(f)
        .await
        .into_iter()
        .partition(|r| stored.iter().any(|s| s.application_id == r.application_id));
    assert_eq!(stored, full, "{when}");
    assert!(
        unscored
            .iter()
            .all(|r| !r.complete && r.rank.is_none() && r.status.is_none()),
        "{when}: {unscored:?}"
    );
}

#[tokio::test]
async fn standings_kept_one_score_at_a_time_equal_a_full_recomputation() {
    // Before publication each score places its application among the stored
    // ranks of the others; ties on the total, on the tie-break
    // criterion and down to the lottery, applications entering the order,
    // moving up and down past their equals and falling below the passing
    // total must come out exactly as a full re-rank gives them, after every
    // single change.
    let mut f = fixture().await;
    let db = f.app.db.db.clone();
    // A passing total that some totals miss (C at 50 and D at 25 among them).
    pokmas::db::entities::round::ActiveModel {
        id: Set(f.round_id),
        passing_total: Set(Some(55)),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("passing total");
    crate::standings::rerank_in_full(&f).await;
    let mut new = Vec::new();
    for i in 0..14 {
        new.push(
            crate::standings::add_application(&mut f, &format!("Peserta {i}"))
                .await
                .0,
        );
    }
    // Few distinct values, so totals and tie-break values collide often.
    let pick = |i: usize, p: usize| -> (i32, i32) {
        let k1 = [3, 4, 4, 5][(i * 7 + p * 3) % 4];
        let k2 = [2, 4, 3, 4][(i * 5 + p) % 4];
        (k1, k2)
    };
    let mut checked = 0;
    let mut given = BTreeMap::new();
    for (i, app) in new.iter().enumerate() {
        for (p, panelist) in f.panelists.iter().enumerate() {
            declare(&db, *panelist, *app, ConflictKind::None, "")
                .await
                .expect("declare");
            let (k1, k2) = pick(i, p);
            given.insert((i, p), (k1, k2));
            submit(&db, *panelist, *app, &values(k1, k2), None)
                .await
                .expect("submit");
            same_as_full(&f, &format!("application {i}, panelist {p}")).await;
            checked += 1;
        }
    }
    // Amendments move applications up and down past their equals, and
    // some below the passing total.
    // First large jumps, then one point at a time: an application that
    // slips a little without passing anyone keeps its rank.
    for pass in 0..6 {
        for (i, app) in new.iter().enumerate() {
            let p = (i + pass) % 3;
            let (k1, k2) = given[&(i, p)];
            let (k1, k2) = match pass {
                0 if (i + pass) % 4 == 0 => (3, 2),
                0..=2 => pick(i + 5 * pass + 1, pass),
                _ if (i + pass) % 2 == 0 => (k1, if k2 > 1 { k2 - 1 } else { k2 + 1 }),
                _ => (if k1 < 5 { k1 + 1 } else { k1 - 1 }, k2),
            };
            given.insert((i, p), (k1, k2));
            submit(
                &db,
                f.panelists[p],
                *app,
                &values(k1, k2),
                Some("koreksi nilai setelah rapat panel"),
            )
            .await
            .expect("amend");
            same_as_full(&f, &format!("amendment {pass} of {i}")).await;
            checked += 1;
        }
    }
    let kept = stored_rows(&f).await;
    assert_eq!(kept.len(), 4 + new.len());
    assert!(
        kept.iter().filter(|r| r.rank.is_some()).count() >= 8,
        "most applications ranked: {kept:?}"
    );
    assert!(
        kept.iter()
            .any(|r| r.complete && r.passed == Some(false) && r.rank.is_none()),
        "some below the passing total: {kept:?}"
    );
    assert!(
        kept.iter()
            .all(|r| !r.complete || r.tiebreak_exact.is_some())
    );
    assert_eq!(checked, 14 * f.panelists.len() + 6 * 14);
}

#[tokio::test]
async fn an_application_that_slips_without_passing_anyone_keeps_its_rank() {
    // A changed application is placed among the others by a binary search
    // over their stored ranks; its own old row must not count as
    // one of them. B (75) drops to 215/3 and still ranks between A (80) and
    // C (50).
    let f = fixture().await;
    let db = f.app.db.db.clone();
    crate::standings::rerank_in_full(&f).await;
    let (b, p) = (f.apps[1].0, f.panelists[0]);
    submit(
        &db,
        p,
        b,
        &values(4, 3),
        Some("koreksi nilai setelah rapat panel"),
    )
    .await
    .expect("amend");
    let rows = stored_rows(&f).await;
    let row = rows
        .iter()
        .find(|r| r.application_id == b)
        .expect("B's row");
    assert_eq!(
        (row.total_exact.as_deref(), row.rank, row.status.as_deref()),
        (Some("215/3"), Some(2), Some("reserve"))
    );
    same_as_full(&f, "B slipped").await;
}
