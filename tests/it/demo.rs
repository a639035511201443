//! `pokmas demo`: what a newcomer sees after one command.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use http_body_util::BodyExt;
use pokmas::db::entities::{
    application, audit_checkpoint, audit_event, conflict_declaration, criterion, formation,
    lottery_witness, objection, ranking, requirement_check, round, score_value, score_version,
    scorecard,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use tower::ServiceExt;
use uuid::Uuid;

/// Runs `pokmas --data-dir DIR demo ARGS…` through the CLI entry function.
pub(crate) async fn demo(dir: &Path, args: &[&str]) -> (i32, DatabaseConnection) {
    let mut argv = vec![
        "pokmas".to_owned(),
        "--data-dir".to_owned(),
        dir.display().to_string(),
        "--database-url".to_owned(),
        format!("sqlite://{}?mode=rwc", dir.join("pokmas.db").display()),
        "demo".to_owned(),
        "--quiet".to_owned(),
    ];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    let cli = pokmas::cli::Cli::try_parse_from(argv).expect("arguments");
    let code = pokmas::cli::run(cli).await.expect("demo runs");
    let db = pokmas::db::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.join("pokmas.db").display()
    ))
    .await
    .expect("open");
    (code, db)
}

/// `GET path` through the real router, served from the demo's database.
pub(crate) async fn get(dir: &Path, db: &DatabaseConnection, path: &str) -> (StatusCode, String) {
    let config = pokmas::config::Config {
        data_dir: dir.to_path_buf(),
        database_url: format!("sqlite://{}?mode=rwc", dir.join("pokmas.db").display()),
        addr: "127.0.0.1:0".parse().expect("addr"),
        base_url: "http://localhost".into(),
        smtp_url: None,
        mail_from: "Probebaya <noreply@pokmas.test>".into(),
        // The demo's own secret: personal fields are sealed under keys it wraps.
        secret: pokmas::config::Secret::load_or_create(None, dir).expect("secret"),
        checkpoint_seed: pokmas::config::Secret::from_hex(&"cd".repeat(32)).expect("seed"),
        trusted_proxies: vec![],
        max_upload_bytes: pokmas::storage::MAX_DOCUMENT_BYTES,
    };
    let state = pokmas::app::AppState::new(db.clone(), config).expect("app state");
    let res = pokmas::router::router(state)
        .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        .await
        .expect("router");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// The events with `action`, in trail order, with their parsed payloads.
async fn events(db: &DatabaseConnection, action: &str) -> Vec<(i64, serde_json::Value)> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_asc(audit_event::Column::Seq)
        .all(db)
        .await
        .expect("events")
        .into_iter()
        .map(|e| (e.seq, serde_json::from_str(&e.payload).expect("payload")))
        .collect()
}

/// The demo's Pokmas round (the other, two-stage round has a final rule).
async fn pokmas_round(db: &DatabaseConnection) -> round::Model {
    round::Entity::find()
        .filter(round::Column::FinalRule.is_null())
        .one(db)
        .await
        .expect("rounds")
        .expect("the Pokmas round")
}

/// Registration number → (formation code, ranking row) in the Pokmas round.
async fn standings(db: &DatabaseConnection) -> BTreeMap<String, (String, ranking::Model)> {
    let pokmas = pokmas_round(db).await.id;
    let formations: HashMap<Uuid, String> = formation::Entity::find()
        .all(db)
        .await
        .expect("formations")
        .into_iter()
        .map(|f| (f.id, f.code))
        .collect();
    let numbers: HashMap<Uuid, String> = application::Entity::find()
        .all(db)
        .await
        .expect("applications")
        .into_iter()
        .filter_map(|a| a.registration_no.map(|n| (a.id, n)))
        .collect();
    ranking::Entity::find()
        .filter(ranking::Column::RoundId.eq(pokmas))
        .all(db)
        .await
        .expect("rankings")
        .into_iter()
        .map(|r| {
            (
                numbers[&r.application_id].clone(),
                (formations[&r.formation_id].clone(), r),
            )
        })
        .collect()
}

/// Application id → criterion code → sum of the current values of every panelist.
async fn value_sums(db: &DatabaseConnection) -> HashMap<Uuid, BTreeMap<String, i32>> {
    let codes: HashMap<Uuid, String> = criterion::Entity::find()
        .all(db)
        .await
        .expect("criteria")
        .into_iter()
        .map(|c| (c.id, c.code))
        .collect();
    let cards: HashMap<Uuid, scorecard::Model> = scorecard::Entity::find()
        .all(db)
        .await
        .expect("cards")
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let current: HashMap<Uuid, Uuid> = score_version::Entity::find()
        .all(db)
        .await
        .expect("versions")
        .into_iter()
        .filter(|v| cards[&v.scorecard_id].current_version == v.version)
        .map(|v| (v.id, cards[&v.scorecard_id].application_id))
        .collect();
    let mut out: HashMap<Uuid, BTreeMap<String, i32>> = HashMap::new();
    for v in score_value::Entity::find().all(db).await.expect("values") {
        if let Some(app) = current.get(&v.score_version_id) {
            *out.entry(*app)
                .or_default()
                .entry(codes[&v.criterion_id].clone())
                .or_default() += v.value;
        }
    }
    out
}

/// Payloads in trail order with every UUID replaced by its order of first
/// appearance and every SHA-256 digest by `<hash>`, so two runs compare on
/// what happened, not on random ids or on digests that cover a time (the
/// frozen rules carry their freeze time, a submission hash its submission
/// time). Document digests are compared: the demo's documents are fixed.
async fn normalised_payloads(db: &DatabaseConnection) -> Vec<(String, String)> {
    let events = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Seq)
        .all(db)
        .await
        .expect("events");
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut normalise = |text: &str| -> String {
        let mut out = String::new();
        let mut rest = text;
        while !rest.is_empty() {
            let candidate = rest.get(..36).filter(|c| Uuid::parse_str(c).is_ok());
            let digest = rest.get(..64).filter(|d| {
                d.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            });
            if let Some(c) = candidate {
                let n = ids.len();
                let k = *ids.entry(c.to_owned()).or_insert(n);
                out.push_str(&format!("<id{k}>"));
                rest = &rest[36..];
            } else if digest.is_some() && !out.ends_with("\"sha256\":\"") {
                out.push_str("<hash>");
                rest = &rest[64..];
            } else {
                let ch = rest.chars().next().expect("non-empty");
                out.push(ch);
                rest = &rest[ch.len_utf8()..];
            }
        }
        out
    };
    events
        .iter()
        .map(|e| (e.action.clone(), normalise(&e.payload)))
        .collect()
}

#[tokio::test]
async fn the_small_demo_shows_a_published_round_with_every_kind_of_event_and_a_valid_trail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, db) = demo(dir.path(), &["--seed", "7"]).await;
    assert_eq!(code, 0);

    // The Pokmas round, results published and open for objections (the
    // default), beside the two-stage round (`demo_stages.rs`).
    let rounds = round::Entity::find().all(&db).await.expect("rounds");
    assert_eq!(rounds.len(), 2);
    let rounds = [pokmas_round(&db).await];
    assert_eq!(rounds[0].state.as_str(), "objection");
    assert!(rounds[0].name.starts_with("Rekrutmen Pokmas "));

    // Every formation has ranked applications, published.
    let rows = standings(&db).await;
    let formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(rounds[0].id))
        .all(&db)
        .await
        .expect("formations");
    assert!(formations.len() >= 4);
    for f in &formations {
        let ranked = rows
            .values()
            .filter(|(code, r)| *code == f.code && r.rank.is_some() && r.published)
            .count();
        assert!(ranked >= 3, "formation {} has {ranked} ranked", f.code);
    }

    // Withdrawals, ineligible with a written reason, a NIK warning,
    // recusals and amendments with their reasons all happened.
    let apps = application::Entity::find()
        .filter(application::Column::RoundId.eq(rounds[0].id))
        .all(&db)
        .await
        .expect("apps");
    assert!(
        (50..=100).contains(&apps.len()),
        "{} applicants",
        apps.len()
    );
    assert!(apps.iter().any(|a| a.state.as_str() == "withdrawn"));
    assert!(apps.iter().any(|a| a.state.as_str() == "ineligible"));
    assert!(
        apps.iter()
            .any(|a| a.nik_warnings.contains("birth_date_mismatch"))
    );
    assert!(
        apps.iter().any(|a| a.account_id.is_none()),
        "help-desk registrations"
    );
    assert!(apps.iter().any(|a| a.account_id.is_some()), "own accounts");
    let tms = requirement_check::Entity::find()
        .filter(requirement_check::Column::Outcome.eq("tms"))
        .all(&db)
        .await
        .expect("checks");
    assert!(!tms.is_empty() && tms.iter().all(|c| !c.reason_text.trim().is_empty()));
    let recused = conflict_declaration::Entity::find()
        .filter(conflict_declaration::Column::Recused.eq(true))
        .all(&db)
        .await
        .expect("declarations");
    assert!(!recused.is_empty());
    let amended = score_version::Entity::find()
        .filter(score_version::Column::Version.gt(1))
        .all(&db)
        .await
        .expect("versions");
    assert!(!amended.is_empty() && amended.iter().all(|v| v.reason.chars().count() >= 10));

    // Exact ties exist and are broken: by the tie-break criterion where the
    // panel's values differ, by the lottery key where everything is equal.
    let sums = value_sums(&db).await;
    let ids: HashMap<&str, Uuid> = apps
        .iter()
        .filter_map(|a| a.registration_no.as_deref().map(|n| (n, a.id)))
        .collect();
    let ranked: Vec<(&String, &(String, ranking::Model))> =
        rows.iter().filter(|(_, (_, r))| r.rank.is_some()).collect();
    let (mut by_criterion, mut by_lottery) = (0, 0);
    for (i, (no_a, (fa, a))) in ranked.iter().enumerate() {
        for (no_b, (fb, b)) in &ranked[i + 1..] {
            if fa != fb || a.total_exact != b.total_exact {
                continue;
            }
            assert_ne!(a.rank, b.rank, "{no_a} and {no_b} share a rank");
            let (va, vb) = (&sums[&ids[no_a.as_str()]], &sums[&ids[no_b.as_str()]]);
            let a_first = a.rank < b.rank;
            if va["INT"] != vb["INT"] {
                by_criterion += 1;
                assert_eq!(a_first, va["INT"] > vb["INT"], "{no_a}/{no_b}");
            } else if va["ORG"] != vb["ORG"] {
                by_criterion += 1;
                assert_eq!(a_first, va["ORG"] > vb["ORG"], "{no_a}/{no_b}");
            } else {
                by_lottery += 1;
                assert_eq!(a_first, a.lottery_key < b.lottery_key, "{no_a}/{no_b}");
            }
        }
    }
    assert!(by_criterion > 0, "no tie broken by the tie-break criterion");
    assert!(by_lottery > 0, "no tie broken by the lottery");

    // Two witnesses committed and revealed; the public lottery page shows
    // their commitments, their secrets and the seed they fixed.
    let witnesses = lottery_witness::Entity::find()
        .all(&db)
        .await
        .expect("witnesses");
    assert_eq!(witnesses.len(), 2);
    let seed = rounds[0].lottery_seed.clone().expect("the seed is fixed");
    let (status, page) = get(
        dir.path(),
        &db,
        &format!("/seleksi/{}/undian", rounds[0].slug),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for w in &witnesses {
        let commit = w.commit_hash.as_deref().expect("committed");
        let secret = w.secret.as_deref().expect("revealed");
        assert_eq!(pokmas::domain::lottery::sha256_hex(secret), commit);
        assert!(page.contains(&w.name), "witness {} shown", w.name);
        assert!(page.contains(commit), "commitment of {} shown", w.name);
        assert!(page.contains(secret), "secret of {} shown", w.name);
    }
    assert!(page.contains(&seed), "the seed is shown");
    assert_eq!(events(&db, "lottery.seed_fixed").await.len(), 1);

    // Objections: an accepted one reopened a scorecard whose amendment moved
    // ranks (traceably: the move names the amendment, the amendment the
    // objection), a rejected one, and one still under review.
    let decided = events(&db, "objection.decided").await;
    let amended = events(&db, "score.amended").await;
    let moved = events(&db, "ranking.changed").await;
    let traced = decided
        .iter()
        .filter(|(_, d)| d["decision"] == "accepted" && d["reopen"] == "scorecard")
        .any(|(decided_seq, d)| {
            amended
                .iter()
                .filter(|(seq, a)| seq > decided_seq && a["objection_id"] == d["objection_id"])
                .any(|(seq, _)| moved.iter().any(|(_, m)| m["cause_seq"] == *seq))
        });
    assert!(traced, "no rank change traced to an accepted objection");
    assert!(decided.iter().any(|(_, d)| d["decision"] == "rejected"));
    let objections = objection::Entity::find()
        .all(&db)
        .await
        .expect("objections");
    assert!(objections.len() >= 3, "{} objections", objections.len());
    assert!(
        objections
            .iter()
            .any(|o| o.status == pokmas::domain::objection::ObjectionStatus::InReview)
    );

    // The exported trail verifies.
    let mut csv = Vec::new();
    let n = pokmas::db::audit::export_csv(&db, &mut csv)
        .await
        .expect("export");
    assert!(n > 500, "{n} events");
    let outcome = pokmas::export::audit_csv::verify_csv(&csv[..], None);
    assert_eq!(outcome.exit_code(), 0);

    // The credentials file is private to its owner, names every role, the
    // witnesses and the objections.
    let path = dir.path().join("demo-credentials.txt");
    let creds = std::fs::read_to_string(&path).expect("credentials");
    for role in ["admin", "operator", "panelist", "auditor", "applicant"] {
        assert!(creds.lines().any(|l| l.starts_with(role)), "{role}");
    }
    assert!(creds.contains("saksi undian"), "{creds}");
    assert!(creds.contains("sanggahan:"), "{creds}");
    assert!(
        creds
            .lines()
            .any(|l| l.starts_with("applicant") && l.contains("sanggahan")),
        "an applicant who objected can sign in"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // A second demo into the same database is refused, and changes nothing.
    let before = n;
    let (code, db) = demo(dir.path(), &["--seed", "7"]).await;
    assert_eq!(code, 2);
    let mut again = Vec::new();
    let after = pokmas::db::audit::export_csv(&db, &mut again)
        .await
        .expect("export");
    assert_eq!(after, before);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_round_and_another_state_stops_there() {
    let (one, two, three) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let (_, db1) = demo(one.path(), &["--seed", "3"]).await;
    let (_, db2) = demo(two.path(), &["--seed", "3"]).await;

    // The same people, scores, decisions and events, in the same order. Rank
    // announcements are compared without their registration numbers: see
    // below why the order inside a complete tie may differ.
    let split = |events: Vec<(String, String)>| {
        let (ranks, others): (Vec<_>, Vec<_>) = events
            .into_iter()
            .partition(|(action, _)| action == "ranking.changed");
        let mut ranks: Vec<String> = ranks
            .into_iter()
            .map(|(_, p)| {
                let mut v: serde_json::Value = serde_json::from_str(&p).expect("json");
                v.as_object_mut().expect("object").remove("registration_no");
                v.to_string()
            })
            .collect();
        ranks.sort();
        (others, ranks)
    };
    let (events1, ranks1) = split(normalised_payloads(&db1).await);
    let (events2, ranks2) = split(normalised_payloads(&db2).await);
    assert_eq!(events1, events2);
    assert_eq!(ranks1, ranks2);
    // The same standings. The lottery seed derives from the hash of the
    // closing event, which carries its time (the witnesses' secrets repeat):
    // only the order inside a complete tie may differ, so ranks are compared
    // per tie group.
    let (s1, s2) = (standings(&db1).await, standings(&db2).await);
    assert_eq!(s1.len(), s2.len());
    let groups = |s: &BTreeMap<String, (String, ranking::Model)>| {
        let mut g: BTreeMap<(String, Option<String>), Vec<Option<i32>>> = BTreeMap::new();
        for (f, r) in s.values() {
            g.entry((f.clone(), r.total_exact.clone()))
                .or_default()
                .push(r.rank);
        }
        g.values_mut().for_each(|v| v.sort());
        g
    };
    assert_eq!(groups(&s1), groups(&s2));
    for (no, (_, r1)) in &s1 {
        let (_, r2) = &s2[no];
        assert_eq!(
            (&r1.total_exact, &r1.status.is_some(), &r1.eligibility),
            (&r2.total_exact, &r2.status.is_some(), &r2.eligibility),
            "{no}"
        );
    }

    // --state registration: applications are in, nothing is verified or ranked.
    let (code, db3) = demo(three.path(), &["--seed", "3", "--state", "registration"]).await;
    assert_eq!(code, 0);
    let r = pokmas_round(&db3).await;
    assert_eq!(r.state.as_str(), "registration");
    let apps = application::Entity::find().all(&db3).await.expect("apps");
    assert!(!apps.is_empty());
    assert!(
        apps.iter()
            .all(|a| a.state.as_str() == "submitted" || a.state.as_str() == "withdrawn")
    );
    assert!(
        scorecard::Entity::find()
            .all(&db3)
            .await
            .expect("cards")
            .is_empty()
    );
}

#[tokio::test]
async fn the_demo_to_final_decides_every_objection_and_signs_one_final_checkpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, db) = demo(dir.path(), &["--seed", "7", "--state", "final"]).await;
    assert_eq!(code, 0);

    let r = pokmas_round(&db).await;
    assert_eq!(r.state.as_str(), "final");
    let finals = audit_checkpoint::Entity::find()
        .filter(audit_checkpoint::Column::Reason.eq("final"))
        .all(&db)
        .await
        .expect("checkpoints");
    // One final checkpoint per round (the two-stage round is final too).
    assert_eq!(finals.len(), 2);
    let objections = objection::Entity::find()
        .all(&db)
        .await
        .expect("objections");
    assert!(!objections.is_empty());
    assert!(objections.iter().all(|o| o.status.is_decided()));
    // Requested by one admin, approved by the other.
    let finalized = events(&db, "round.finalized").await;
    assert_eq!(finalized.len(), 2);
    let f = &finalized[0].1;
    assert_ne!(f["requested_by"], f["approved_by"]);

    let mut csv = Vec::new();
    pokmas::db::audit::export_csv(&db, &mut csv)
        .await
        .expect("export");
    let outcome = pokmas::export::audit_csv::verify_csv(&csv[..], None);
    assert_eq!(outcome.exit_code(), 0);
}
