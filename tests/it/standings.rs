//! Stored standings and traceable rank changes, on inputs
//! written straight into the tables the scoring screens will fill.

use pokmas::db::audit::{Actor, NewEvent, append};
use pokmas::db::entities::*;
use pokmas::domain::form::FormData;
use pokmas::domain::ranking::{Aggregation, CriterionKind};
use pokmas::domain::role::Role;
use pokmas::export::audit_csv::{VerifyOutcome, verify_csv};
use pokmas::services::panels::{self, SessionForm};
use pokmas::services::rounds::{self, CriterionDraft, RoundSettings};
use pokmas::services::scoring::{self, ConflictKind};
use pokmas::services::standings::{publish_round, recompute_formation};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::support::{TestApp, shortcut};

const KEL: &str = "64.72.01.1001";

pub struct Fixture {
    pub app: TestApp,
    pub session_id: Uuid,
    pub round_id: Uuid,
    pub formation_id: Uuid,
    pub panel_id: Uuid,
    pub panelists: Vec<Uuid>,
    pub apps: Vec<(Uuid, String)>,
    pub criteria: Vec<Uuid>,
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// One formation (1 seat, 1 reserve), two panel criteria K1 (weight 60,
/// tie-break 1) and K2 (weight 40) on 1–5, three panelists, four eligible
/// applications scored A (5,3) → 80, B (4,4) → 75, C (3,3) → 50, D (2,2) → 25.
pub async fn fixture() -> Fixture {
    fixture_on(TestApp::new().await).await
}

/// [`fixture`] on a given installation (e.g. PostgreSQL).
pub async fn fixture_on(app: TestApp) -> Fixture {
    let db = &app.db.db;
    let admin = app.create_user("admin@contoh.id", Role::Admin, &[]).await;
    let actor = Actor::Account {
        id: admin,
        role: Role::Admin,
    };
    let settings = RoundSettings {
        name: "Rekrutmen Pokmas 2026".into(),
        year: 2026,
        description_id: String::new(),
        description_en: String::new(),
        aggregation: Aggregation::Mean,
        passing_total: None,
        min_panelists: 3,
        age_min: None,
        age_max: None,
        publish_all_names: false,
        schedule: Default::default(),
    };
    let round_id = rounds::create_round(db, actor, &settings, None)
        .await
        .expect("round");
    let drafts: Vec<CriterionDraft> = [("K1", 60, Some(1)), ("K2", 40, None)]
        .into_iter()
        .map(|(code, weight, tiebreak_order)| CriterionDraft {
            code: code.into(),
            name_id: code.into(),
            name_en: code.into(),
            description_id: String::new(),
            description_en: String::new(),
            kind: CriterionKind::Panel,
            scale_min: 1,
            scale_max: 5,
            weight,
            pass_min: None,
            tiebreak_order,
            labels: Default::default(),
            stage: None,
        })
        .collect();
    rounds::set_criteria(db, actor, round_id, &drafts)
        .await
        .expect("criteria");
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round_id))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await
        .expect("criteria")
        .into_iter()
        .map(|c| c.id)
        .collect();
    rounds::create_rts(db, actor, KEL, Some(2))
        .await
        .expect("rts");
    let mut form = FormData::default();
    for (k, v) in [
        ("code", "F-6472011001"),
        ("name", "Pokmas Rawa Makmur"),
        ("kelurahan_code", KEL),
        ("rts", "all"),
        ("seats", "1"),
        ("reserve", "1"),
    ] {
        form.0.insert(k.to_owned(), v.to_owned());
    }
    let draft = rounds::parse_formation(&form).expect("formation form");
    let formation_id = rounds::add_formation(db, actor, round_id, &draft)
        .await
        .expect("formation");
    let panel_id = panels::create_panel(db, actor, round_id, "Panel 1", None)
        .await
        .expect("panel");
    panels::set_formations(db, actor, round_id, panel_id, &[formation_id.to_string()])
        .await
        .expect("panel formation");
    let mut panelists = Vec::new();
    for i in 1..=3 {
        let id = app
            .create_user(&format!("penilai{i}@contoh.id"), Role::Panelist, &[KEL])
            .await;
        panels::add_member(db, actor, round_id, panel_id, &id.to_string())
            .await
            .expect("member");
        panelists.push(id);
    }
    let session = SessionForm {
        starts_at: now(),
        place: "Kantor Kelurahan Rawa Makmur".into(),
        capacity: 10,
        panel_id,
    };
    let session_id = panels::create_session(db, actor, round_id, &session, None)
        .await
        .expect("session");
    shortcut::round_jumped_to_assessment(db, round_id).await;
    let mut f = Fixture {
        app,
        session_id,
        round_id,
        formation_id,
        panel_id,
        panelists,
        apps: Vec::new(),
        criteria,
    };
    for name in ["A", "B", "C", "D"] {
        add_application(&mut f, name).await;
    }
    for (i, (k1, k2)) in [(5, 3), (4, 4), (3, 3), (2, 2)].into_iter().enumerate() {
        for p in f.panelists.clone() {
            scored_by(&f, f.apps[i].0, p, [k1, k2]).await;
        }
    }
    f
}

/// Panelist `panelist` declares no conflict and submits K1 and K2 for
/// application `application_id` through the scoring service, which keeps
/// the formation's standings.
pub async fn scored_by(f: &Fixture, application_id: Uuid, panelist: Uuid, [k1, k2]: [i32; 2]) {
    let db = &f.app.db.db;
    scoring::declare(db, panelist, application_id, ConflictKind::None, "")
        .await
        .expect("declare no conflict");
    let values: scoring::Values = [("K1".to_owned(), k1), ("K2".to_owned(), k2)].into();
    scoring::submit(db, panelist, application_id, &values, None)
        .await
        .expect("submit scores");
}

/// Re-ranks the fixture's formation from every score and commits: the
/// standings the services keep, after a test changed inputs directly.
pub async fn rerank_in_full(f: &Fixture) {
    let tx = pokmas::db::begin_write(&f.app.db.db).await.expect("begin");
    pokmas::services::standings::recompute_formation(&tx, f.formation_id, 1)
        .await
        .expect("recompute");
    tx.commit().await.expect("commit");
}

/// Adds an eligible application named `Pelamar {name}` to the fixture's
/// formation, marked present at the test; returns its id and number.
pub async fn add_application(f: &mut Fixture, name: &str) -> (Uuid, String) {
    let db = &f.app.db.db;
    let (round_id, formation_id) = (f.round_id, f.formation_id);
    let i = f.apps.len();
    let id = Uuid::now_v7();
    let no = format!("2026-6472011001-{:04}", i + 1);
    application::ActiveModel {
        id: Set(id),
        round_id: Set(round_id),
        formation_id: Set(Some(formation_id)),
        account_id: Set(None),
        registration_no: Set(Some(no.clone())),
        state: Set("eligible".parse().expect("state")),
        assisted_by: Set(None),
        full_name: Set(format!("Pelamar {name}")),
        nik_ciphertext: Set(None),
        nik_hash: Set(None),
        nik_masked: Set(None),
        plain_birth_place: Set("Samarinda".into()),
        plain_birth_date: Set(None),
        sex: Set("female".into()),
        plain_address: Set("Jl. Contoh".into()),
        kelurahan_code: Set(Some(KEL.into())),
        rt_number: Set(Some(1)),
        plain_phone: Set(String::new()),
        plain_email: Set(String::new()),
        education: Set(String::new()),
        occupation: Set(String::new()),
        family_card_hash: Set(None),
        motivation: Set(String::new()),
        experience: Set(String::new()),
        nik_warnings: Set("[]".into()),
        status_pin_hash: Set(None),
        submission_hash: Set(None),
        seq_in_kelurahan: Set(Some(i32::try_from(i + 1).expect("small"))),
        personal_ciphertext: Set(None),
        created_at: Set(now()),
        updated_at: Set(now()),
        submitted_at: Set(Some(now())),
        withdrawn_at: Set(None),
        eligibility_decided_at: Set(Some(now())),
    }
    .insert(db)
    .await
    .expect("application");
    test_invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        test_session_id: Set(f.session_id),
        application_id: Set(id),
        invited_at: Set(now()),
        attendance: Set(Some("present".into())),
        decision: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
    }
    .insert(db)
    .await
    .expect("invitation");
    f.apps.push((id, no.clone()));
    (id, no)
}

/// Writes a submitted scorecard version as the scoring service will.
pub async fn submit_version(
    f: &Fixture,
    application_id: Uuid,
    panelist: Uuid,
    version: i32,
    values: [i32; 2],
    reason: &str,
) {
    let db = &f.app.db.db;
    let existing = scorecard::Entity::find()
        .filter(scorecard::Column::ApplicationId.eq(application_id))
        .filter(scorecard::Column::PanelistId.eq(panelist))
        .one(db)
        .await
        .expect("find card");
    let card_id = match existing {
        Some(card) => {
            scorecard::ActiveModel {
                id: Set(card.id),
                current_version: Set(version),
                updated_at: Set(now()),
                ..Default::default()
            }
            .update(db)
            .await
            .expect("update card");
            card.id
        }
        None => {
            conflict_declaration::ActiveModel {
                id: Set(Uuid::now_v7()),
                application_id: Set(application_id),
                panelist_id: Set(panelist),
                kind: Set(Some("none".into())),
                text: Set(String::new()),
                recused: Set(false),
                recused_by: Set(None),
                recused_at: Set(None),
                flagged_reasons: Set(None),
                declared_at: Set(Some(now())),
                created_at: Set(now()),
                updated_at: Set(now()),
            }
            .insert(db)
            .await
            .expect("declaration");
            let id = Uuid::now_v7();
            scorecard::ActiveModel {
                id: Set(id),
                application_id: Set(application_id),
                panelist_id: Set(panelist),
                status: Set("submitted".into()),
                current_version: Set(version),
                created_at: Set(now()),
                updated_at: Set(now()),
            }
            .insert(db)
            .await
            .expect("card");
            id
        }
    };
    let version_id = Uuid::now_v7();
    score_version::ActiveModel {
        id: Set(version_id),
        scorecard_id: Set(card_id),
        version: Set(version),
        submitted_at: Set(now()),
        reason: Set(reason.into()),
        audit_seq: Set(None),
    }
    .insert(db)
    .await
    .expect("version");
    for (criterion_id, value) in f.criteria.iter().zip(values) {
        score_value::ActiveModel {
            score_version_id: Set(version_id),
            criterion_id: Set(*criterion_id),
            value: Set(value),
            comment: Set(String::new()),
        }
        .insert(db)
        .await
        .expect("value");
    }
}

/// Publishes the fixture's provisional results as the round's step to
/// `provisional` does: the state, the publication event and every ranked
/// application's first rank. Returns the event's seq and the rank changes.
pub async fn publish(f: &Fixture) -> (i64, Vec<pokmas::services::standings::RankChange>) {
    let db = &f.app.db.db;
    round::ActiveModel {
        id: Set(f.round_id),
        state: Set("provisional".parse().expect("state")),
        ..Default::default()
    }
    .update(db)
    .await
    .expect("state");
    let tx = pokmas::db::begin_write(db).await.expect("begin");
    let publication = append(
        &tx,
        NewEvent::new(
            Actor::System,
            "results.provisional_published",
            "round",
            f.round_id.to_string(),
        )
        .round(f.round_id),
    )
    .await
    .expect("publication");
    let changes = publish_round(&tx, f.round_id, publication.seq)
        .await
        .expect("publish");
    tx.commit().await.expect("commit");
    (publication.seq, changes)
}

async fn standings(f: &Fixture) -> Vec<(String, Option<i32>, Option<String>, Option<String>)> {
    let rows = ranking::Entity::find()
        .filter(ranking::Column::FormationId.eq(f.formation_id))
        .all(&f.app.db.db)
        .await
        .expect("rankings");
    let mut out: Vec<_> = f
        .apps
        .iter()
        .map(|(id, no)| {
            let r = rows
                .iter()
                .find(|r| r.application_id == *id)
                .expect("row per application");
            (no.clone(), r.rank, r.status.clone(), r.total_exact.clone())
        })
        .collect();
    out.sort();
    out
}

async fn events(f: &Fixture, action: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_asc(audit_event::Column::Seq)
        .all(&f.app.db.db)
        .await
        .expect("events")
}

#[tokio::test]
async fn live_standings_are_stored_exactly_and_publication_gives_every_application_its_first_rank()
{
    let f = fixture().await;
    let db = &f.app.db.db;
    let tx = pokmas::db::begin_write(db).await.expect("begin");
    let cause = append(
        &tx,
        NewEvent::new(Actor::System, "score.submitted", "scorecard", "x").round(f.round_id),
    )
    .await
    .expect("cause");
    let changes = recompute_formation(&tx, f.formation_id, cause.seq)
        .await
        .expect("recompute");
    tx.commit().await.expect("commit");
    assert!(
        changes.is_empty(),
        "standings before publication write no ranking.changed events"
    );
    let s = standings(&f).await;
    assert_eq!(
        s,
        vec![
            (
                "2026-6472011001-0001".into(),
                Some(1),
                Some("selected".into()),
                Some("80/1".into())
            ),
            (
                "2026-6472011001-0002".into(),
                Some(2),
                Some("reserve".into()),
                Some("75/1".into())
            ),
            (
                "2026-6472011001-0003".into(),
                Some(3),
                Some("not_selected".into()),
                Some("50/1".into())
            ),
            (
                "2026-6472011001-0004".into(),
                Some(4),
                Some("not_selected".into()),
                Some("25/1".into())
            ),
        ]
    );
    assert!(events(&f, "ranking.changed").await.is_empty());

    let (publication, changes) = publish(&f).await;
    assert_eq!(changes.len(), 4);
    let evs = events(&f, "ranking.changed").await;
    assert_eq!(evs.len(), 4);
    for ev in &evs {
        let p: serde_json::Value = serde_json::from_str(&ev.payload).expect("payload");
        assert_eq!(p["from_rank"], 0);
        assert_eq!(p["from_status"], "");
        assert_eq!(p["cause_seq"], publication);
        assert!(ev.seq > publication);
    }
    let first: serde_json::Value = serde_json::from_str(&evs[0].payload).expect("payload");
    assert_eq!(first["registration_no"], "2026-6472011001-0001");
    assert_eq!(first["to_rank"], 1);
    assert_eq!(first["to_status"], "selected");
    assert_eq!(first["total"], "80/1");
}

#[tokio::test]
async fn an_amendment_that_swaps_two_ranks_is_traced_to_the_amendment() {
    let f = fixture().await;
    let db = &f.app.db.db;
    publish(&f).await;

    // Panelist 3 amends B from (4,4) to (5,5): B's total becomes 250/3 (83.33) > 80.
    submit_version(
        &f,
        f.apps[1].0,
        f.panelists[2],
        2,
        [5, 5],
        "salah input nilai wawancara",
    )
    .await;
    let tx = pokmas::db::begin_write(db).await.expect("begin");
    let amendment = append(
        &tx,
        NewEvent::new(
            Actor::Account {
                id: f.panelists[2],
                role: Role::Panelist,
            },
            "score.amended",
            "scorecard",
            f.apps[1].1.clone(),
        )
        .round(f.round_id)
        .reason("salah input nilai wawancara"),
    )
    .await
    .expect("amendment");
    let changes = recompute_formation(&tx, f.formation_id, amendment.seq)
        .await
        .expect("recompute");
    tx.commit().await.expect("commit");

    assert_eq!(changes.len(), 2, "only A and B moved: {changes:?}");
    let s = standings(&f).await;
    assert_eq!(s[0].1, Some(2));
    assert_eq!(s[0].2.as_deref(), Some("reserve"));
    assert_eq!(s[1].1, Some(1));
    assert_eq!(s[1].2.as_deref(), Some("selected"));
    assert_eq!(s[1].3.as_deref(), Some("250/3"));

    let evs: Vec<serde_json::Value> = events(&f, "ranking.changed")
        .await
        .into_iter()
        .filter(|e| e.seq > amendment.seq)
        .map(|e| serde_json::from_str(&e.payload).expect("payload"))
        .collect();
    assert_eq!(evs.len(), 2);
    for p in &evs {
        assert_eq!(
            p["cause_seq"], amendment.seq,
            "every rank change points to the amendment"
        );
    }
    let b = evs
        .iter()
        .find(|p| p["registration_no"] == "2026-6472011001-0002")
        .expect("B moved");
    assert_eq!(
        (b["from_rank"].as_i64(), b["to_rank"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        (b["from_status"].as_str(), b["to_status"].as_str()),
        (Some("reserve"), Some("selected"))
    );

    // Recomputing again with nothing changed moves nothing and writes nothing.
    let tx = pokmas::db::begin_write(db).await.expect("begin");
    let again = recompute_formation(&tx, f.formation_id, amendment.seq)
        .await
        .expect("recompute");
    tx.commit().await.expect("commit");
    assert!(again.is_empty());

    let mut csv = Vec::new();
    pokmas::db::audit::export_csv(db, &mut csv)
        .await
        .expect("export");
    assert!(matches!(
        verify_csv(csv.as_slice(), None),
        VerifyOutcome::Valid(_)
    ));
}

#[tokio::test]
async fn a_recusal_that_leaves_too_few_panelists_makes_the_application_pending_and_unranked() {
    let f = fixture().await;
    let db = &f.app.db.db;
    let decl = conflict_declaration::Entity::find()
        .filter(conflict_declaration::Column::ApplicationId.eq(f.apps[0].0))
        .filter(conflict_declaration::Column::PanelistId.eq(f.panelists[0]))
        .one(db)
        .await
        .expect("find")
        .expect("declaration");
    conflict_declaration::ActiveModel {
        id: Set(decl.id),
        recused: Set(true),
        ..Default::default()
    }
    .update(db)
    .await
    .expect("recuse");
    let tx = pokmas::db::begin_write(db).await.expect("begin");
    let cause = append(
        &tx,
        NewEvent::new(
            Actor::System,
            "conflict.recused",
            "application",
            f.apps[0].1.clone(),
        ),
    )
    .await
    .expect("cause");
    recompute_formation(&tx, f.formation_id, cause.seq)
        .await
        .expect("recompute");
    tx.commit().await.expect("commit");
    let s = standings(&f).await;
    assert_eq!(s[0].1, None, "A has only 2 of 3 required panelists");
    assert_eq!(s[0].3, None);
    assert_eq!(
        (s[1].1, s[1].2.as_deref()),
        (Some(1), Some("selected")),
        "B moves up"
    );
}

/// Gives the fixture's round a past schedule and announces provisional
/// results through the round state machine (which publishes the ranks and
/// signs a checkpoint).
pub async fn announce_provisional(f: &Fixture) {
    use pokmas::domain::round::RoundState;
    let db = &f.app.db.db;
    let t0 = now() - time::Duration::days(40);
    let day = |n: i64| Set(Some(t0 + time::Duration::days(n)));
    round::ActiveModel {
        id: Set(f.round_id),
        registration_opens_at: day(1),
        registration_closes_at: day(5),
        verification_ends_at: day(10),
        assessment_starts_at: day(12),
        assessment_ends_at: day(15),
        provisional_at: day(16),
        objection_ends_at: day(60),
        final_at: day(70),
        ..Default::default()
    }
    .update(db)
    .await
    .expect("schedule");
    let admin_id: Uuid = account::Entity::find()
        .filter(account::Column::Role.eq("admin"))
        .one(db)
        .await
        .expect("find")
        .expect("admin")
        .id;
    let actor = Actor::Account {
        id: admin_id,
        role: Role::Admin,
    };
    let alone = pokmas::services::rounds::transition(
        db,
        &f.app.state.checkpoint_key,
        actor,
        f.round_id,
        RoundState::Provisional,
        "",
        now(),
    )
    .await;
    if pokmas::services::second_look::marked(db, f.round_id)
        .await
        .expect("second look")
        .is_empty()
    {
        alone.expect("announce provisional results");
        return;
    }
    // Random or lopsided scores leave a panel unreliable: the round then
    // needs a second admin's written look before it is published.
    assert!(
        alone.is_err(),
        "a marked formation was published by one admin"
    );
    let second = f
        .app
        .create_user("admin-tinjau@contoh.id", Role::Admin, &[])
        .await;
    let second = Actor::Account {
        id: second,
        role: Role::Admin,
    };
    pokmas::services::second_look::request_publication(
        db,
        actor,
        f.round_id,
        "Penilaian selesai.",
        now(),
    )
    .await
    .expect("request publication");
    pokmas::services::second_look::decide_publication(
        db,
        &f.app.state.checkpoint_key,
        None,
        second,
        f.round_id,
        true,
        "Panel ditinjau kedua; angka keandalan dicatat apa adanya.",
        now(),
    )
    .await
    .expect("announce provisional results after a second look");
}

#[tokio::test]
async fn announcing_provisional_results_through_the_round_state_machine_publishes_the_ranks() {
    let f = fixture().await;
    let db = &f.app.db.db;
    announce_provisional(&f).await;
    let published = events(&f, "ranking.changed").await;
    assert_eq!(
        published.len(),
        4,
        "every ranked application gets its first rank"
    );
    let announce = audit_event::Entity::find()
        .filter(audit_event::Column::RoundId.eq(f.round_id.to_string()))
        .filter(audit_event::Column::Seq.lt(published[0].seq))
        .order_by_desc(audit_event::Column::Seq)
        .one(db)
        .await
        .expect("find")
        .expect("the announcement");
    for ev in &published {
        let p: serde_json::Value = serde_json::from_str(&ev.payload).expect("payload");
        assert_eq!(
            p["cause_seq"], announce.seq,
            "caused by {}",
            announce.action
        );
    }
    let rows = ranking::Entity::find()
        .filter(ranking::Column::RoundId.eq(f.round_id))
        .all(db)
        .await
        .expect("rows");
    assert!(rows.iter().all(|r| r.published));

    // The publication is covered by a signed checkpoint of the head at that
    // moment, which opens with the installation's public key.
    let key = crate::support::checkpoint_key();
    let cp = pokmas::services::checkpoints::latest(db)
        .await
        .expect("read")
        .expect("a checkpoint was signed at publication");
    let last = published.last().expect("events");
    assert_eq!(
        (cp.seq, cp.hash.as_str(), cp.reason.as_str()),
        (last.seq, last.hash.as_str(), "provisional")
    );
    let opened = pokmas::domain::checkpoint::open(&cp.note, &key.verifier()).expect("signature");
    assert_eq!(opened.checkpoint.seq, u64::try_from(last.seq).expect("seq"));
    assert_eq!(opened.checkpoint.hash, last.hash);
}
