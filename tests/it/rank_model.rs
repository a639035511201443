//! A model-based test of the one door for rank changes: a seeded random
//! driver applies sequences of every rank-affecting use case it can reach
//! through the services (scores and amendments, declared conflicts, imposed
//! recusals, panel members added and removed, imported values, the
//! publication of provisional results, four-eyes requests approved,
//! rejected or self-approved) and after every step checks that
//!
//! - the stored standings equal a full re-ranking from scratch;
//! - every `ranking.changed` the step wrote names an event of that step as
//!   its cause, of an action that step may cause (after publication only an
//!   approval decided by a second admin can move a rank);
//! - after publication, every stored rank and status is the last one the
//!   trail announced for that application;
//! - a refused step wrote nothing;
//!
//! and at the end that `pokmas export all` passes `audit verify` and
//! `audit recompute`. `RANK_MODEL_SEED` and `RANK_MODEL_STEPS` replay a run.

use std::collections::{BTreeMap, HashMap};

use pokmas::db::audit::Actor;
use pokmas::db::entities::{
    audit_chain_head, audit_event, criterion, panel_member, ranking, round, scorecard,
};
use pokmas::domain::role::Role;
use pokmas::services::ServiceError;
use pokmas::services::panel_admin::{Recusal, recuse};
use pokmas::services::scoring::{ConflictKind, declare, submit};
use pokmas::services::standings::RankingInput;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::exports::{pokmas, text};
use crate::standings::{Fixture, add_application, announce_provisional, fixture_on};
use crate::support::TestApp;

const KEL: &str = "64.72.01.1001";

struct Model {
    f: Fixture,
    admin: Actor,
    second: Actor,
    /// Every panelist account (on the panel or not).
    pool: Vec<Uuid>,
    published: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Score,
    Conflict,
    Recuse,
    RemoveMember,
    AddMember,
    Import,
    Decide,
    SelfApprove,
    Publish,
}

impl Step {
    /// The actions whose events this step may name as a rank change's cause.
    fn causes(self, published: bool) -> &'static [&'static str] {
        match (self, published) {
            (Step::Publish, _) => &["round.provisional_published"],
            // A second admin's approval releases a recusal or a file.
            (Step::Decide, _) => &["conflict.recused_by_admin", "imported_value.set"],
            // After publication nothing one admin or a panelist does alone
            // moves a rank (amendments need a reopening objection).
            (_, true) => &[],
            (Step::Score, false) => RankingInput::Scores.causes(),
            (Step::Conflict, false) => &["conflict.declared"],
            (Step::Recuse, false) => &["conflict.recused_by_admin"],
            (Step::RemoveMember | Step::AddMember, false) => RankingInput::PanelMembership.causes(),
            (Step::Import, false) => RankingInput::ImportedValues.causes(),
            (Step::SelfApprove, false) => &[],
        }
    }
}

async fn head(db: &sea_orm::DatabaseConnection) -> i64 {
    audit_chain_head::Entity::find_by_id(1)
        .one(db)
        .await
        .expect("head")
        .map_or(0, |h| h.seq)
}

/// Three panel criteria weights become K1 50, K2 30 and an imported WT 20
/// (0–100); two more applications and two spare panelists; the rules count
/// as frozen (registration opened) so that panel changes re-rank.
async fn setup(app: TestApp) -> Model {
    let mut f = fixture_on(app).await;
    let db = f.app.db.db.clone();
    for (id, weight) in [(f.criteria[0], 50), (f.criteria[1], 30)] {
        criterion::ActiveModel {
            id: Set(id),
            weight: Set(weight),
            ..Default::default()
        }
        .update(&db)
        .await
        .expect("weight");
    }
    criterion::ActiveModel {
        stage_code: sea_orm::ActiveValue::NotSet,
        id: Set(Uuid::now_v7()),
        round_id: Set(f.round_id),
        code: Set("WT".into()),
        name_id: Set("Tes tertulis".into()),
        name_en: Set("Written test".into()),
        description_id: Set(String::new()),
        description_en: Set(String::new()),
        kind: Set("imported".into()),
        scale_min: Set(0),
        scale_max: Set(100),
        weight: Set(20),
        pass_min: Set(None),
        tiebreak_order: Set(None),
        position: Set(2),
        scale_labels: Set("{}".into()),
    }
    .insert(&db)
    .await
    .expect("criterion");
    round::ActiveModel {
        id: Set(f.round_id),
        frozen_hash: Set(Some("0".repeat(64))),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("frozen");
    for name in ["E", "F"] {
        add_application(&mut f, name).await;
    }
    let mut pool = f.panelists.clone();
    for i in 4..=5 {
        pool.push(
            f.app
                .create_user(&format!("penilai{i}@contoh.id"), Role::Panelist, &[KEL])
                .await,
        );
    }
    let admin_id = admin_id(&f).await;
    let second = f
        .app
        .create_user("admin2@contoh.id", Role::Admin, &[])
        .await;
    crate::standings::rerank_in_full(&f).await;
    Model {
        f,
        admin: Actor::Account {
            id: admin_id,
            role: Role::Admin,
        },
        second: Actor::Account {
            id: second,
            role: Role::Admin,
        },
        pool,
        published: false,
    }
}

async fn admin_id(f: &Fixture) -> Uuid {
    pokmas::db::entities::account::Entity::find()
        .filter(pokmas::db::entities::account::Column::Email.eq("admin@contoh.id"))
        .one(&f.app.db.db)
        .await
        .expect("find")
        .expect("admin")
        .id
}

async fn members(m: &Model) -> Vec<Uuid> {
    panel_member::Entity::find()
        .filter(panel_member::Column::PanelId.eq(m.f.panel_id))
        .all(&m.f.app.db.db)
        .await
        .expect("members")
        .into_iter()
        .map(|x| x.account_id)
        .collect()
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

/// Applies one random step; `Ok(step)` when the services accepted it,
/// `Err(step)` when they refused it.
/// A preparatory "no conflict" declaration (not a ranking input) moves
/// `before` past its own events.
async fn apply(
    m: &mut Model,
    rng: &mut ChaCha8Rng,
    publish_now: bool,
    before: &mut i64,
) -> Result<Step, Step> {
    let db = m.f.app.db.db.clone();
    if publish_now {
        announce_provisional(&m.f).await;
        m.published = true;
        return Ok(Step::Publish);
    }
    let app = m.f.apps[rng.random_range(0..m.f.apps.len())].0;
    let on_panel = members(m).await;
    // Mostly someone on the panel, sometimes anyone (who is then refused).
    let panelist = if on_panel.is_empty() || rng.random_bool(0.2) {
        pick(rng, &m.pool)
    } else {
        pick(rng, &on_panel)
    };
    let reason = "koreksi setelah pemeriksaan ulang berkas";
    let roll = rng.random_range(0..100);
    let (step, ok) = match roll {
        0..=44 => {
            let values: BTreeMap<String, i32> = BTreeMap::from([
                ("K1".to_owned(), rng.random_range(1..=5)),
                ("K2".to_owned(), rng.random_range(1..=5)),
            ]);
            let scored = scorecard::Entity::find()
                .filter(scorecard::Column::ApplicationId.eq(app))
                .filter(scorecard::Column::PanelistId.eq(panelist))
                .filter(scorecard::Column::CurrentVersion.gt(0))
                .one(&db)
                .await
                .expect("card")
                .is_some();
            if !scored {
                // Declaring "no conflict" is not a rank input; do it apart.
                let none = declare(&db, panelist, app, ConflictKind::None, "").await;
                assert!(
                    none.is_err() || none.is_ok_and(|c| c.is_empty()),
                    "declaring no conflict moved a rank"
                );
                *before = head(&db).await;
            }
            let amend = scored.then_some("nilai dikoreksi setelah diskusi panel");
            (
                Step::Score,
                submit(&db, panelist, app, &values, amend).await.is_ok(),
            )
        }
        45..=47 => (
            Step::Conflict,
            declare(&db, panelist, app, ConflictKind::Family, "saudara sepupu")
                .await
                .is_ok(),
        ),
        48..=53 => {
            let p = if on_panel.is_empty() {
                panelist
            } else {
                pick(rng, &on_panel)
            };
            // Whether it applied or waits for approval, the checks after
            // the step judge what it did to the ranks.
            let r = recuse(&db, m.admin, app, p, reason).await;
            (
                Step::Recuse,
                matches!(r, Ok(Recusal::Applied(_) | Recusal::Requested(_))),
            )
        }
        54..=58 => {
            let p = if on_panel.is_empty() {
                panelist
            } else {
                pick(rng, &on_panel)
            };
            (
                Step::RemoveMember,
                pokmas::services::panels::remove_member(
                    &db,
                    m.admin,
                    m.f.round_id,
                    m.f.panel_id,
                    p,
                )
                .await
                .is_ok(),
            )
        }
        59..=63 => {
            let off: Vec<Uuid> = m
                .pool
                .iter()
                .copied()
                .filter(|p| !on_panel.contains(p))
                .collect();
            let p = if off.is_empty() {
                panelist
            } else {
                pick(rng, &off)
            };
            (
                Step::AddMember,
                pokmas::services::panels::add_member(
                    &db,
                    m.admin,
                    m.f.round_id,
                    m.f.panel_id,
                    &p.to_string(),
                )
                .await
                .is_ok(),
            )
        }
        64..=79 => {
            let mut csv = String::from("registration_no,value\n");
            let mut chosen: Vec<&(Uuid, String)> = m.f.apps.iter().collect();
            chosen.retain(|_| rng.random_bool(0.5));
            for (_, no) in chosen {
                csv.push_str(&format!("{no},{}\n", rng.random_range(0..=100)));
            }
            let r = pokmas::services::imports::import_with_reason(
                &db,
                m.admin,
                m.f.round_id,
                "WT",
                csv.as_bytes(),
                reason,
            )
            .await;
            (Step::Import, r.is_ok())
        }
        80..=94 => {
            let pending = pending(&db).await;
            if pending.is_empty() {
                return Err(Step::Decide);
            }
            let id = pick(rng, &pending);
            let approve = rng.random_bool(0.75);
            (
                Step::Decide,
                decide(m, m.second, id, approve, "diperiksa").await.is_ok(),
            )
        }
        _ => {
            let pending = pending(&db).await;
            if pending.is_empty() {
                return Err(Step::SelfApprove);
            }
            let r = decide(m, m.admin, pick(rng, &pending), true, "").await;
            assert!(matches!(r, Err(ServiceError::Forbidden)), "{r:?}");
            (Step::SelfApprove, false)
        }
    };
    if ok { Ok(step) } else { Err(step) }
}

/// A second admin's decision on a pending change, as the approvals page
/// makes it.
async fn decide(
    m: &Model,
    actor: Actor,
    id: Uuid,
    approve: bool,
    note: &str,
) -> Result<(), ServiceError> {
    let state = &m.f.app.state;
    let from: pokmas::mail::Mailbox = state.config.mail_from.parse().expect("from");
    let mail = pokmas::services::self_service::MailCtx {
        base_url: &state.config.base_url,
        from: &from,
        vault: &state.vault,
    };
    pokmas::services::input_approvals::decide(
        &m.f.app.db.db,
        &mail,
        &crate::support::checkpoint_key(),
        actor,
        id,
        approve,
        note,
    )
    .await
}

async fn pending(db: &sea_orm::DatabaseConnection) -> Vec<Uuid> {
    pokmas::services::input_approvals::pending(db)
        .await
        .expect("pending")
        .into_iter()
        .map(|p| p.approval.id)
        .collect()
}

/// What is stored, and what a full re-rank from scratch stores (rolled back).
async fn stored_and_full(f: &Fixture) -> (Vec<ranking::Model>, Vec<ranking::Model>) {
    let read = |rows: Vec<ranking::Model>| {
        let mut rows: Vec<ranking::Model> = rows
            .into_iter()
            .map(|mut r| {
                r.updated_at = time::OffsetDateTime::UNIX_EPOCH;
                r
            })
            // An application never re-ranked yet may have no row: a full
            // re-rank gives it an empty one.
            .filter(|r| r.complete || r.rank.is_some() || r.status.is_some())
            .collect();
        rows.sort_by_key(|r| r.application_id);
        rows
    };
    let stored = ranking::Entity::find()
        .filter(ranking::Column::FormationId.eq(f.formation_id))
        .all(&f.app.db.db)
        .await
        .expect("rows");
    let tx = pokmas::db::begin_write(&f.app.db.db).await.expect("begin");
    ranking::Entity::delete_many()
        .filter(ranking::Column::FormationId.eq(f.formation_id))
        .exec(&tx)
        .await
        .expect("wipe");
    pokmas::services::standings::recompute_formation(&tx, f.formation_id, 1)
        .await
        .expect("recompute");
    let full = ranking::Entity::find()
        .filter(ranking::Column::FormationId.eq(f.formation_id))
        .all(&tx)
        .await
        .expect("rows");
    tx.rollback().await.expect("rollback");
    (read(stored), read(full))
}

fn payload(e: &audit_event::Model) -> serde_json::Value {
    serde_json::from_str(&e.payload).expect("payload")
}

async fn check_step(m: &Model, step: Result<Step, Step>, before: i64, n: usize) {
    let db = &m.f.app.db.db;
    let after = head(db).await;
    let what = format!("step {n} {step:?}");
    let Ok(step) = step else {
        assert_eq!(after, before, "{what}: a refused step wrote events");
        return;
    };
    let (stored, full) = stored_and_full(&m.f).await;
    assert_eq!(
        stored, full,
        "{what}: stored standings differ from a full re-rank"
    );
    let new: Vec<audit_event::Model> = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.gt(before))
        .order_by_asc(audit_event::Column::Seq)
        .all(db)
        .await
        .expect("events");
    let by_seq: HashMap<i64, &audit_event::Model> = new.iter().map(|e| (e.seq, e)).collect();
    for e in new.iter().filter(|e| e.action == "ranking.changed") {
        let cause = payload(e)["cause_seq"].as_i64().expect("cause_seq");
        let c = by_seq.get(&cause).unwrap_or_else(|| {
            panic!(
                "{what}: ranking.changed {} names {cause}, not an event of this step",
                e.seq
            )
        });
        assert!(cause < e.seq, "{what}: cause after its effect");
        assert!(
            step.causes(m.published && step != Step::Publish)
                .contains(&c.action.as_str()),
            "{what}: ranking.changed {} caused by {} ({})",
            e.seq,
            c.action,
            c.seq
        );
        assert!(
            RankingInput::is_cause(&c.action),
            "{what}: {} is no ranking input",
            c.action
        );
        if step == Step::Decide {
            let approval_seq = payload(c)["approval_seq"].as_i64().expect("approval_seq");
            assert_eq!(
                by_seq.get(&approval_seq).map(|a| a.action.as_str()),
                Some("approval.approved"),
                "{what}: released by an approval of this step"
            );
        }
    }
    if m.published {
        // Replaying the trail's announcements gives the stored ranks.
        let mut announced: HashMap<String, (i64, String)> = HashMap::new();
        for e in audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("ranking.changed"))
            .order_by_asc(audit_event::Column::Seq)
            .all(db)
            .await
            .expect("events")
        {
            let p = payload(&e);
            announced.insert(
                p["registration_no"].as_str().expect("no").to_owned(),
                (
                    p["to_rank"].as_i64().expect("rank"),
                    p["to_status"].as_str().unwrap_or_default().to_owned(),
                ),
            );
        }
        let no_of: HashMap<Uuid, String> = m.f.apps.iter().cloned().collect();
        for r in &stored {
            let no = no_of.get(&r.application_id).cloned().unwrap_or_default();
            let want = announced.get(&no).cloned().unwrap_or((0, String::new()));
            let have = (
                i64::from(r.rank.unwrap_or(0)),
                r.status.clone().unwrap_or_default(),
            );
            assert_eq!(have, want, "{what}: {no} stored vs announced");
        }
    }
}

fn steps() -> usize {
    std::env::var("RANK_MODEL_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500)
}

async fn run(app: TestApp, seed: u64) {
    let mut m = setup(with_plus_in_its_key(app)).await;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let total = steps();
    let mut accepted: BTreeMap<String, usize> = BTreeMap::new();
    let mut moved_by_approvals = 0;
    for n in 0..total {
        let mut before = head(&m.f.app.db.db).await;
        let publish_now = !m.published && n == total * 2 / 5;
        let step = apply(&mut m, &mut rng, publish_now, &mut before).await;
        if let Ok(s) = step {
            *accepted.entry(format!("{s:?}")).or_default() += 1;
        }
        check_step(&m, step, before, n).await;
        if step == Ok(Step::Decide) {
            moved_by_approvals += audit_event::Entity::find()
                .filter(audit_event::Column::Seq.gt(before))
                .filter(audit_event::Column::Action.eq("ranking.changed"))
                .all(&m.f.app.db.db)
                .await
                .expect("events")
                .len();
        }
    }
    eprintln!(
        "rank model, seed {seed}, {total} steps, accepted: {accepted:?}, ranks moved by approvals: {moved_by_approvals}"
    );
    assert!(moved_by_approvals > 0, "no approval moved a published rank");
    for kind in ["Score", "Recuse", "Import", "Decide", "Publish"] {
        assert!(
            accepted.contains_key(kind),
            "no accepted {kind} step: {accepted:?}"
        );
    }
    analytics_count_only_counting_values(&m).await;
    exported_trail_verifies_and_recomputes(&m).await;
}

/// Panel analytics take in exactly the values the ranking counts: none of a
/// panelist recused from an application, none of one no longer on the panel.
async fn analytics_count_only_counting_values(m: &Model) {
    let db = &m.f.app.db.db;
    let on_panel = members(m).await;
    let recused: Vec<(Uuid, Uuid)> = pokmas::db::entities::conflict_declaration::Entity::find()
        .filter(pokmas::db::entities::conflict_declaration::Column::Recused.eq(true))
        .all(db)
        .await
        .expect("recusals")
        .into_iter()
        .map(|d| (d.application_id, d.panelist_id))
        .collect();
    let mut counting: HashMap<String, usize> = HashMap::new();
    for c in scorecard::Entity::find()
        .filter(scorecard::Column::CurrentVersion.gt(0))
        .all(db)
        .await
        .expect("cards")
    {
        if on_panel.contains(&c.panelist_id)
            && !recused.contains(&(c.application_id, c.panelist_id))
        {
            // Two panel criteria per scorecard.
            *counting.entry(c.panelist_id.to_string()).or_default() += 2;
        }
    }
    let a = pokmas::services::analytics::round_analytics(db, Role::Auditor, m.f.round_id, None)
        .await
        .expect("analytics");
    for f in &a.formations {
        for row in &f.panelists {
            assert_eq!(
                row.stats.scored,
                counting.get(&row.id).copied().unwrap_or(0),
                "analytics of panelist {} count values no rank rests on",
                row.id
            );
        }
    }
}

async fn exported_trail_verifies_and_recomputes(m: &Model) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("ekspor");
    let out_s = out.to_str().expect("utf8");
    let url = &m.f.app.db.url;
    let o = pokmas(
        url,
        dir.path(),
        &[
            "export",
            "all",
            "--round",
            "rekrutmen-pokmas-2026",
            "--out",
            out_s,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let audit = out.join("audit.csv");
    let o = pokmas(
        url,
        dir.path(),
        &["audit", "verify", audit.to_str().expect("utf8")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = pokmas(url, dir.path(), &["audit", "recompute", out_s]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // The key this installation publishes verifies its signed checkpoint.
    let cp = pokmas::services::checkpoints::latest(&m.f.app.db.db)
        .await
        .expect("checkpoint")
        .expect("a checkpoint was signed at publication");
    let note = dir.path().join("checkpoint.txt");
    std::fs::write(&note, &cp.note).expect("note");
    let key = m.f.app.state.checkpoint_key.verifier().to_string();
    let o = pokmas(
        url,
        dir.path(),
        &[
            "audit",
            "verify",
            audit.to_str().expect("utf8"),
            "--checkpoint-file",
            note.to_str().expect("utf8"),
            "--public-key",
            &key,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{key}: {}", text(&o));
}

/// An installation whose verifier key has a `+` in its base64 (as about
/// half of all keys do).
fn with_plus_in_its_key(app: TestApp) -> TestApp {
    let n = crate::offline_audit::seed_with_plus_in_its_key();
    app.reconfigured(|c| {
        c.checkpoint_seed = pokmas::config::Secret::from_hex(&hex::encode([n; 32])).expect("seed");
    })
}

fn seed() -> u64 {
    std::env::var("RANK_MODEL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(14)
}

#[tokio::test]
async fn every_rank_change_goes_through_one_door_on_sqlite() {
    run(TestApp::new().await, seed()).await;
}

#[tokio::test]
async fn every_rank_change_goes_through_one_door_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    run(app, seed() + 1).await;
}
