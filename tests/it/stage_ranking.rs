//! A staged round's shortlist and ranking: the staged fixture the other stage
//! tests build on, ties at the cut, the final rule (last stage alone or
//! weighted), frozen values once a shortlist is published, and exports that
//! recompute every shortlist and rank.

use axum::http::StatusCode;
use pokmas::db::entities::{audit_event, criterion, round_stage};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use crate::rounds::post;
use crate::support::admin::audit_count;
use crate::support::{TestApp, TestResponse};

/// Adds to round `round_id` the imported criterion `code` (0–100, weight 100)
/// of stage `stage`, at `position` in the criteria list.
pub(crate) async fn add_imported_criterion(
    db: &sea_orm::DatabaseConnection,
    round_id: Uuid,
    (code, name_id, name_en): (&str, &str, &str),
    position: i32,
    stage: &str,
) {
    use sea_orm::ActiveModelTrait;
    use sea_orm::ActiveValue::Set;
    criterion::ActiveModel {
        id: Set(Uuid::now_v7()),
        round_id: Set(round_id),
        code: Set(code.into()),
        name_id: Set(name_id.into()),
        name_en: Set(name_en.into()),
        description_id: Set(String::new()),
        description_en: Set(String::new()),
        kind: Set("imported".into()),
        scale_min: Set(0),
        scale_max: Set(100),
        weight: Set(100),
        pass_min: Set(None),
        tiebreak_order: Set(None),
        position: Set(position),
        scale_labels: Set("{}".into()),
        stage_code: Set(Some(stage.into())),
    }
    .insert(db)
    .await
    .expect("criterion");
}

/// The standings fixture (one formation of 1 seat, four eligible applicants
/// A–D scored on the panel criteria K1 and K2) made a staged round: a
/// written test `TERTULIS` (imported `WT`, the best 2 × 1 seat go on) and
/// the interview `WAWANCARA` (K1, K2), ranked by the last stage alone.
pub(crate) async fn staged_fixture() -> crate::standings::Fixture {
    staged_fixture_ruled("last_stage", [None, None]).await
}

/// [`staged_fixture`] with the final rule `final_rule` and the stages'
/// weights (written test, interview).
async fn staged_fixture_ruled(
    final_rule: &str,
    weights: [Option<i32>; 2],
) -> crate::standings::Fixture {
    staged_fixture_ruled_on(TestApp::new().await, final_rule, weights).await
}

/// [`staged_fixture`] on a given installation (e.g. PostgreSQL).
pub(crate) async fn staged_fixture_on(app: TestApp) -> crate::standings::Fixture {
    staged_fixture_ruled_on(app, "last_stage", [None, None]).await
}

async fn staged_fixture_ruled_on(
    app: TestApp,
    final_rule: &str,
    weights: [Option<i32>; 2],
) -> crate::standings::Fixture {
    use sea_orm::ActiveModelTrait;
    use sea_orm::ActiveValue::Set;
    let f = crate::standings::fixture_on(app).await;
    let db = &f.app.db.db;
    for ((pos, code, scoring, top_k), weight) in [
        (1, "TERTULIS", "imported", Some(2)),
        (2, "WAWANCARA", "panel", None),
    ]
    .into_iter()
    .zip(weights)
    {
        round_stage::ActiveModel {
            id: Set(Uuid::now_v7()),
            round_id: Set(f.round_id),
            position: Set(pos),
            code: Set(code.into()),
            name_id: Set(code.into()),
            name_en: Set(code.into()),
            scoring: Set(scoring.into()),
            advance_top_k: Set(top_k),
            advance_passing_total: Set(None),
            final_weight: Set(weight),
        }
        .insert(db)
        .await
        .expect("stage");
    }
    pokmas::db::entities::round::ActiveModel {
        id: Set(f.round_id),
        final_rule: Set(Some(final_rule.into())),
        ..Default::default()
    }
    .update(db)
    .await
    .expect("final rule");
    for id in &f.criteria {
        criterion::ActiveModel {
            id: Set(*id),
            stage_code: Set(Some("WAWANCARA".into())),
            ..Default::default()
        }
        .update(db)
        .await
        .expect("stage of criterion");
    }
    add_imported_criterion(
        db,
        f.round_id,
        ("WT", "Tes tertulis", "Written test"),
        3,
        "TERTULIS",
    )
    .await;
    crate::standings::rerank_in_full(&f).await;
    f
}

#[tokio::test]
async fn a_published_shortlist_lets_ties_at_the_cut_on_and_keeps_the_rest_out_of_the_next_stage() {
    use pokmas::db::entities::{audit_checkpoint, stage_shortlist_entry};
    let mut f = staged_fixture().await;
    f.app
        .login("admin@contoh.id", crate::support::PASSWORD)
        .await;
    let page = format!("/admin/seleksi/{}/impor-nilai", f.round_id);
    let csrf = f.app.csrf_from(&page).await;
    let no = |i: usize| f.apps[i].1.clone();
    // A 90, B 70, C 70, D 40: the cut (place 2 of 2 × 1 seat) is 70, so
    // B and C both go on with A; D does not.
    let csv = format!(
        "registration_no,value\n{},90\n{},70\n{},70\n{},40\n",
        no(0),
        no(1),
        no(2),
        no(3)
    );
    let res = crate::support::journey::post_multipart(
        &mut f.app,
        &page,
        &[("csrf", &csrf), ("criterion", "WT"), ("csv", &csv)],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let detail = format!("/admin/seleksi/{}", f.round_id);
    let action = format!("{detail}/tahap/TERTULIS/terbitkan");
    let res = post(&mut f.app, &detail, &action, &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let entries = stage_shortlist_entry::Entity::find()
        .filter(stage_shortlist_entry::Column::RoundId.eq(f.round_id))
        .order_by_asc(stage_shortlist_entry::Column::RegistrationNo)
        .all(&f.app.db.db)
        .await
        .expect("entries");
    let got: Vec<(bool, Option<i32>, Option<String>)> = entries
        .iter()
        .map(|e| (e.advances, e.position, e.total_exact.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (true, Some(1), Some("90/1".into())),
            (true, Some(2), Some("70/1".into())),
            (true, Some(2), Some("70/1".into())),
            (false, Some(4), Some("40/1".into())),
        ]
    );
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("stage.shortlist_published"))
        .one(&f.app.db.db)
        .await
        .expect("query")
        .expect("event");
    let payload: Value = serde_json::from_str(&event.payload).expect("payload");
    assert_eq!(payload["stage"], "TERTULIS");
    assert_eq!(payload["formations"][0]["entries"][3]["advances"], "no");
    let checkpoint = audit_checkpoint::Entity::find()
        .order_by_desc(audit_checkpoint::Column::Seq)
        .one(&f.app.db.db)
        .await
        .expect("query")
        .expect("a signed checkpoint");
    assert!(
        checkpoint.seq >= event.seq,
        "the checkpoint covers the shortlist"
    );

    // Once is enough.
    let res = post(&mut f.app, &detail, &action, &[]).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

    // D did not go on: its interview scorecard is refused with the reason;
    // A, who went on, can be scored (an amendment of the fixture's card).
    let values = |k1: i32, k2: i32| {
        pokmas::services::scoring::Values::from([("K1".to_owned(), k1), ("K2".to_owned(), k2)])
    };
    let refused = pokmas::services::scoring::submit(
        &f.app.db.db,
        f.panelists[0],
        f.apps[3].0,
        &values(5, 5),
        Some("Nilai wawancara dikoreksi."),
    )
    .await;
    match refused {
        Err(pokmas::services::ServiceError::Conflict(m)) => {
            assert!(m.en.contains("did not go on from stage TERTULIS"), "{m:?}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    pokmas::services::scoring::submit(
        &f.app.db.db,
        f.panelists[0],
        f.apps[0].0,
        &values(5, 4),
        Some("Nilai wawancara dikoreksi."),
    )
    .await
    .expect("A went on and is scored");
}

/// Imports the written test `WT` through the admin's import page: one value
/// per fixture applicant A–D.
pub(crate) async fn import_written_test(
    f: &mut crate::standings::Fixture,
    values: [i32; 4],
) -> TestResponse {
    let page = format!("/admin/seleksi/{}/impor-nilai", f.round_id);
    let csrf = f.app.csrf_from(&page).await;
    let mut csv = String::from("registration_no,value\n");
    for ((_, no), v) in f.apps.iter().zip(values) {
        csv.push_str(&format!("{no},{v}\n"));
    }
    crate::support::journey::post_multipart(
        &mut f.app,
        &page,
        &[("csrf", &csrf), ("criterion", "WT"), ("csv", &csv)],
        &[],
    )
    .await
}

/// Publishes the written test's shortlist on the round's page.
pub(crate) async fn publish_written_shortlist(f: &mut crate::standings::Fixture) {
    let detail = format!("/admin/seleksi/{}", f.round_id);
    let action = format!("{detail}/tahap/TERTULIS/terbitkan");
    let res = post(&mut f.app, &detail, &action, &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

/// The stored standings of applicants A–D: (rank, status, exact total).
pub(crate) async fn stored_ranks(
    f: &crate::standings::Fixture,
) -> Vec<(Option<i32>, Option<String>, Option<String>)> {
    let rows = pokmas::db::entities::ranking::Entity::find()
        .filter(pokmas::db::entities::ranking::Column::RoundId.eq(f.round_id))
        .all(&f.app.db.db)
        .await
        .expect("standings");
    f.apps
        .iter()
        .map(|(id, _)| {
            let r = rows
                .iter()
                .find(|r| r.application_id == *id)
                .expect("a standing per applicant");
            (r.rank, r.status.clone(), r.total_exact.clone())
        })
        .collect()
}

fn some(rank: i32, status: &str, total: &str) -> (Option<i32>, Option<String>, Option<String>) {
    (Some(rank), Some(status.into()), Some(total.into()))
}

/// The fixture's interview totals are A 80, B 75, C 50, D 25. Written test:
/// A 60, B 90, C 60, D 30; 2 × 1 seat go on and A and C tie at the cut (60),
/// so A, B and C go on and D does not, whatever its interview.
async fn a_two_stage_round_ranks_by_its_final_rule(
    final_rule: &str,
    weights: [Option<i32>; 2],
) -> crate::standings::Fixture {
    let mut f = staged_fixture_ruled(final_rule, weights).await;
    f.app
        .login("admin@contoh.id", crate::support::PASSWORD)
        .await;
    let res = import_written_test(&mut f, [60, 90, 60, 30]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // Nobody is ranked before the written test's shortlist is published,
    // though everyone has interview scores.
    let before = stored_ranks(&f).await;
    assert!(
        before
            .iter()
            .all(|(rank, status, _)| rank.is_none() && status.is_none()),
        "{before:?}"
    );
    publish_written_shortlist(&mut f).await;
    f
}

#[tokio::test]
async fn the_last_stage_alone_ranks_those_who_went_on_and_the_gated_one_never() {
    let f = a_two_stage_round_ranks_by_its_final_rule("last_stage", [None, None]).await;
    let ranks = stored_ranks(&f).await;
    assert_eq!(
        ranks,
        [
            some(1, "selected", "80/1"),
            some(2, "reserve", "75/1"),
            some(3, "not_selected", "50/1"),
            // D's interview (25) counts for nothing: it did not go on.
            (None, Some("not_passed".into()), None),
        ]
    );

    // Announcing the results writes the ranks as ranking.changed, and none
    // for D; D stays unranked.
    crate::standings::announce_provisional(&f).await;
    let changed = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("ranking.changed"))
        .all(&f.app.db.db)
        .await
        .expect("events");
    let to_rank = |no: &str| -> Vec<i64> {
        changed
            .iter()
            .filter_map(|e| serde_json::from_str::<Value>(&e.payload).ok())
            .filter(|p| p["registration_no"] == no)
            .filter_map(|p| p["to_rank"].as_i64())
            .collect()
    };
    assert_eq!(to_rank(&f.apps[0].1), [1]);
    assert_eq!(to_rank(&f.apps[1].1), [2]);
    assert_eq!(to_rank(&f.apps[2].1), [3]);
    assert_eq!(to_rank(&f.apps[3].1), [0], "D: not passed, no rank");
    assert_eq!(stored_ranks(&f).await[3].0, None);
}

#[tokio::test]
async fn a_weighted_final_rule_orders_differently_from_the_last_stage_alone() {
    let f = a_two_stage_round_ranks_by_its_final_rule("weighted", [Some(50), Some(50)]).await;
    // B (90 + 75)/2 = 165/2, A (60 + 80)/2 = 70, C (60 + 50)/2 = 55.
    assert_eq!(
        stored_ranks(&f).await,
        [
            some(2, "reserve", "70/1"),
            some(1, "selected", "165/2"),
            some(3, "not_selected", "55/1"),
            (None, Some("not_passed".into()), None),
        ]
    );
}

#[tokio::test]
async fn the_values_of_a_stage_whose_shortlist_is_published_no_longer_change() {
    let mut f = a_two_stage_round_ranks_by_its_final_rule("last_stage", [None, None]).await;
    let before = audit_count(&f.app).await;
    let res = import_written_test(&mut f, [60, 90, 60, 95]).await;
    // The page's refusal by state (409 in the API).
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body
            .contains("Daftar lolos tahap TERTULIS sudah diterbitkan"),
        "{}",
        res.body
    );
    assert_eq!(audit_count(&f.app).await, before);
    assert_eq!(stored_ranks(&f).await[3].0, None);
}

#[tokio::test]
async fn the_exports_of_a_two_stage_round_recompute_every_shortlist_and_rank_and_name_a_tampered_row()
 {
    use crate::exports::{pokmas, text};
    let f = a_two_stage_round_ranks_by_its_final_rule("weighted", [Some(50), Some(50)]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("ekspor");
    let folder_text = folder.to_str().expect("utf8").to_owned();
    let url = f.app.db.url.clone();
    let run = |args: &[&str]| {
        let o = pokmas(&url, dir.path(), args);
        (o.status.code(), text(&o))
    };
    let (code, out) = run(&[
        "export",
        "all",
        "--round",
        "rekrutmen-pokmas-2026",
        "--out",
        &folder_text,
    ]);
    assert_eq!(code, Some(0), "{out}");
    let read = |name: &str| std::fs::read_to_string(folder.join(name)).expect(name);
    let no = |i: usize| f.apps[i].1.clone();

    // The files carry the stages: each value's stage, the stage list with
    // the shortlist's publication, the shortlist, and each rank's stage.
    let scores = read("scores.csv");
    assert!(
        scores.contains(&format!("{},F-6472011001,import,WT,60,1,", no(0))),
        "{scores}"
    );
    assert!(
        scores
            .lines()
            .skip(1)
            .all(|l| l.ends_with(",TERTULIS") || l.ends_with(",WAWANCARA"))
    );
    let stages = read("stages.csv");
    let stage_rows: Vec<&str> = stages.lines().skip(1).collect();
    assert_eq!(stage_rows.len(), 2, "{stages}");
    assert!(
        stage_rows[0].contains(",1,TERTULIS,TERTULIS,imported,2,,50,"),
        "{stages}"
    );
    assert!(
        stage_rows[1].ends_with(",2,WAWANCARA,WAWANCARA,panel,,,50,,,"),
        "{stages}"
    );
    assert!(
        read("round.csv")
            .lines()
            .nth(1)
            .expect("row")
            .contains(",weighted,rt,")
    );
    let shortlists = read("shortlists.csv");
    assert!(
        shortlists.contains(&format!("TERTULIS,F-6472011001,{},false,4,30/1\n", no(3))),
        "{shortlists}"
    );
    let rankings = read("rankings.csv");
    assert!(
        rankings.contains(&format!(
            ",{},eligible,true,165/2,82.50,true,1,selected,",
            no(1)
        )),
        "{rankings}"
    );
    assert!(
        rankings.contains(&format!(",{},eligible,true,,,false,,not_passed,", no(3))),
        "{rankings}"
    );

    let (code, out) = run(&["audit", "recompute", &folder_text]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(
            "agree: 1 formations, 4 applications re-ranked, 1 stage shortlists re-derived"
        ),
        "{out}"
    );
    // The independent re-computation written from the README agrees too.
    if let Some((code, out)) = crate::demo_stages::independent_recompute(&folder) {
        assert_eq!(code, 0, "{out}");
    }

    // D marked as going on from the written test: the shortlist disagrees.
    let tampered = shortlists.replacen(
        &format!("{},false,4,30/1", no(3)),
        &format!("{},true,4,30/1", no(3)),
        1,
    );
    std::fs::write(folder.join("shortlists.csv"), &tampered).expect("write");
    let (code, out) = run(&["audit", "recompute", &folder_text]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "{} (F-6472011001): shortlist of stage TERTULIS: advances exported \"true\", recomputed \"false\"",
            no(3)
        )),
        "{out}"
    );
    if let Some((code, out)) = crate::demo_stages::independent_recompute(&folder) {
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("shortlist of stage TERTULIS: advances"),
            "{out}"
        );
    }
    std::fs::write(folder.join("shortlists.csv"), &shortlists).expect("write");

    // A and B swapped as if the last stage alone ranked them.
    let swapped = rankings
        .replacen(
            ",70/1,70.00,true,2,reserve,",
            ",70/1,70.00,true,1,selected,",
            1,
        )
        .replacen(
            ",165/2,82.50,true,1,selected,",
            ",165/2,82.50,true,2,reserve,",
            1,
        );
    assert_ne!(swapped, rankings);
    std::fs::write(folder.join("rankings.csv"), &swapped).expect("write");
    let (code, out) = run(&["audit", "recompute", &folder_text]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "{} (F-6472011001): rank exported \"1\", recomputed \"2\"",
            no(0)
        )),
        "{out}"
    );
    if let Some((code, out)) = crate::demo_stages::independent_recompute(&folder) {
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("rank: exported \"1\", recomputed \"2\""),
            "{out}"
        );
    }
}
