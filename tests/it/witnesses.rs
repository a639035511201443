//! Witnesses cosign checkpoints (C2SP tlog-witness), receipts verify offline
//! against a 2-of-2 policy, and a split view is refused.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::SigningKey;
use pokmas::domain::checkpoint::{VerifierKey, open};
use pokmas::domain::merkle::cosign::{WitnessKey, cosign};
use pokmas::domain::merkle::policy::Policy;
use pokmas::domain::merkle::receipt::Receipt;
use pokmas::domain::merkle::{Hash, verify_consistency};
use pokmas::services::checkpoints::daily;
use pokmas::services::witnesses::witness_latest;
use time::OffsetDateTime;

use crate::support::TestApp;
use crate::support::journey::OpenRound;
use crate::tlog::events;

/// A witness of one log, implementing `add-checkpoint` from the specification.
#[derive(Clone)]
struct TestWitness {
    name: String,
    key: Arc<SigningKey>,
    log: VerifierKey,
    /// The latest cosigned size and root.
    seen: Arc<Mutex<(u64, Hash)>>,
    /// Every status answered, in order.
    answers: Arc<Mutex<Vec<u16>>>,
}

async fn add_checkpoint(State(w): State<TestWitness>, body: String) -> Response {
    let answer = |code: StatusCode, body: String| {
        w.answers.lock().unwrap().push(code.as_u16());
        (code, body).into_response()
    };
    let Some((head, note)) = body.split_once("\n\n") else {
        return answer(StatusCode::BAD_REQUEST, "no blank line".into());
    };
    let mut lines = head.lines();
    let Some(old) = lines
        .next()
        .and_then(|l| l.strip_prefix("old "))
        .and_then(|n| n.parse::<u64>().ok())
    else {
        return answer(StatusCode::BAD_REQUEST, "no old line".into());
    };
    let Some(proof) = lines
        .map(|l| B64.decode(l).ok()?.try_into().ok())
        .collect::<Option<Vec<Hash>>>()
    else {
        return answer(StatusCode::BAD_REQUEST, "bad proof line".into());
    };
    let Ok(cp) = open(note, &w.log) else {
        return answer(StatusCode::FORBIDDEN, "not signed by the log".into());
    };
    let new = cp.checkpoint.seq;
    if old > new {
        return answer(
            StatusCode::BAD_REQUEST,
            "old is larger than the checkpoint".into(),
        );
    }
    let mut seen = w.seen.lock().unwrap();
    if old != seen.0 {
        return answer(StatusCode::CONFLICT, format!("{}\n", seen.0));
    }
    let consistent = if old == 0 {
        proof.is_empty()
    } else {
        verify_consistency(old, new, &proof, &seen.1, &cp.root).is_ok()
    };
    if !consistent {
        return answer(StatusCode::UNPROCESSABLE_ENTITY, "inconsistent".into());
    }
    *seen = (new, cp.root);
    answer(
        StatusCode::OK,
        cosign(&w.name, &w.key, &cp.text, 1_780_000_000),
    )
}

impl TestWitness {
    /// Starts the witness on a free port; returns it and its URL.
    async fn start(n: u8, log: VerifierKey) -> (TestWitness, String) {
        let w = TestWitness {
            name: format!("witness{n}.test"),
            key: Arc::new(SigningKey::from_bytes(&[n; 32])),
            log,
            seen: Arc::new(Mutex::new((0, [0; 32]))),
            answers: Arc::default(),
        };
        let router = axum::Router::new()
            .route("/add-checkpoint", axum::routing::post(add_checkpoint))
            .with_state(w.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, router).await });
        (w, format!("http://{addr}"))
    }

    fn vkey(&self) -> WitnessKey {
        WitnessKey::new(&self.name, self.key.verifying_key())
    }
}

/// The two witnesses configured for `app`'s installation, and the policy a
/// verifier uses (the log and both witnesses, 2 of 2).
async fn with_witnesses(app: TestApp) -> (TestApp, [TestWitness; 2], String) {
    let log = app.state.checkpoint_key.verifier();
    let (w1, url1) = TestWitness::start(41, log.clone()).await;
    let (w2, url2) = TestWitness::start(42, log.clone()).await;
    let witnesses = format!(
        "witness A {} {url1}\nwitness B {} {url2}\ngroup both all A B\nquorum both\n",
        w1.vkey(),
        w2.vkey()
    );
    std::fs::write(app.db.dir.path().join("witnesses.policy"), &witnesses).expect("write");
    let app = app.reconfigured(|_| {});
    let policy = format!("log {log}\n{witnesses}");
    (app, [w1, w2], policy)
}

/// Runs `pokmas audit verify-proof` on receipt `text` with policy
/// `policy_text`, both written to files as an applicant would keep them;
/// returns its exit code and output.
fn verify_proof(text: &str, policy_text: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("dir");
    let (file, policy_file) = (
        dir.path().join("bukti.tlog-proof"),
        dir.path().join("policy.txt"),
    );
    std::fs::write(&file, text).expect("write");
    std::fs::write(&policy_file, policy_text).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pokmas"))
        .args(["audit", "verify-proof"])
        .arg(&file)
        .arg("--policy")
        .arg(&policy_file)
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Runs the independent checker (`tests/independent/verify_proof.py`) on
/// receipt `text`, expecting the checkpoint to name `root` when given;
/// returns its exit code and output, or `None` without python3 (which CI
/// must have).
fn independent_check(text: &str, root: Option<&str>) -> Option<(Option<i32>, String)> {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("bukti.tlog-proof");
    std::fs::write(&file, text).expect("write");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/independent/verify_proof.py"
    );
    let mut command = std::process::Command::new("python3");
    command.arg(script).arg(&file);
    if let Some(root) = root {
        command.arg(root);
    }
    match command.output() {
        Ok(o) => {
            let (code, stdout) = (
                o.status.code(),
                String::from_utf8_lossy(&o.stdout).into_owned(),
            );
            assert!(
                code == Some(0) || code == Some(1),
                "{stdout}{}",
                String::from_utf8_lossy(&o.stderr)
            );
            Some((code, stdout))
        }
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "python3 is needed in CI: {e}"
            );
            None
        }
    }
}

/// Receipt `text` verifies offline against `policy_text` (the log and both
/// test witnesses, 2 of 2) with the command, which names both witnesses,
/// and with the independent checker against the checkpoint root `root`,
/// which reads it as an event with `action`.
fn assert_verifies_offline(text: &str, policy_text: &str, root: &str, action: &str) {
    let (code, stdout) = verify_proof(text, policy_text);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("cosigned by witness A") && stdout.contains("cosigned by witness B"),
        "{stdout}"
    );
    if let Some((code, stdout)) = independent_check(text, Some(root)) {
        assert_eq!(code, Some(0), "{stdout}");
        assert!(stdout.contains(&format!("({action})")), "{stdout}");
    }
}

#[tokio::test]
async fn a_receipt_verifies_offline_against_a_checkpoint_cosigned_by_two_witnesses() {
    let published = crate::results::publish(TestApp::new().await).await;
    let app = published.f.app;
    let registration_no = published.f.apps[0].1.clone();
    let (app, [w1, w2], policy_text) = with_witnesses(app).await;

    assert_eq!(witness_latest(&app.state).await.expect("witnessing"), 2);
    let note = pokmas::services::tlog::latest_note(&app.db.db)
        .await
        .expect("read")
        .expect("note");
    assert_eq!(
        note.matches('\u{2014}').count(),
        3,
        "the log and two witnesses: {note}"
    );
    // Nothing new: nobody is asked again.
    assert_eq!(witness_latest(&app.state).await.expect("again"), 0);

    // The applicant's receipt of an event of theirs (this fixture writes its
    // applications directly, so their first event is the rank publication).
    let rows = pokmas::services::receipts::list(&app.state, &registration_no)
        .await
        .expect("list");
    let submitted = rows
        .iter()
        .find(|r| r.action == "ranking.changed")
        .unwrap_or_else(|| panic!("{registration_no}: {rows:?}"));
    assert!(submitted.covered);
    let text = pokmas::services::receipts::receipt(&app.state, &registration_no, submitted.seq)
        .await
        .expect("receipt");
    let receipt = Receipt::parse(&text).expect("parses");
    let policy = Policy::parse(&policy_text).expect("policy");
    let verified = receipt.verify(&policy).expect("valid");
    assert_eq!(verified.event["action"], "ranking.changed");
    assert!(
        verified.event["payload"]
            .to_string()
            .contains(&registration_no)
    );
    assert_eq!(verified.witnesses.len(), 2);

    // Offline, with the command and with the independent checker.
    let root = note.lines().nth(2).expect("root line");
    assert_verifies_offline(&text, &policy_text, root, "ranking.changed");
    // A changed receipt fails both.
    let forged = text.replacen("\nindex ", "\nindex 1", 1);
    let (code, stdout) = verify_proof(&forged, &policy_text);
    assert_eq!(code, Some(1), "{stdout}");
    if let Some((code, stdout)) = independent_check(&forged, None) {
        assert_eq!(code, Some(1), "{stdout}");
    }
    // With one witness short of the quorum, the receipt is refused.
    let stranger = WitnessKey::new(
        "other.test",
        SigningKey::from_bytes(&[9; 32]).verifying_key(),
    );
    let one = format!(
        "log {}\nwitness A {}\nwitness C {stranger}\ngroup both all A C\nquorum both\n",
        app.state.checkpoint_key.verifier(),
        w1.vkey()
    );
    assert!(
        receipt
            .verify(&Policy::parse(&one).expect("policy"))
            .is_err()
    );
    assert_eq!(*w2.answers.lock().unwrap(), vec![200]);

    // The published policy is the one the verifier used; the log page shows
    // the checkpoint with both cosignatures.
    let mut app = app;
    let res = app.get("/log/policy.txt").await;
    assert_eq!(res.body, policy_text);
    let res = app.get("/log").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.body.contains("witness") || res.body.contains("Saksi"),
        "{}",
        res.body
    );
    assert!(res.body.contains("Kosignatur saksi: 2"), "{}", res.body);
}

#[tokio::test]
async fn a_witness_catches_up_after_409_refuses_a_bad_proof_and_catches_a_split_view() {
    let (app, [w1, _w2], _) = with_witnesses(TestApp::new().await).await;
    let now = OffsetDateTime::now_utc();
    events(&app, 9).await;
    daily(&app.db.db, &app.state.checkpoint_key, now)
        .await
        .expect("daily")
        .expect("signed");
    assert_eq!(witness_latest(&app.state).await.expect("witnessing"), 2);
    assert_eq!(w1.seen.lock().unwrap().0, 10);

    // A restarted server has forgotten what the witness saw: 409, then the
    // retry from the size the witness gave, with a consistency proof.
    let app = app.reconfigured(|_| {});
    events(&app, 7).await;
    daily(
        &app.db.db,
        &app.state.checkpoint_key,
        now + time::Duration::days(2),
    )
    .await
    .expect("daily")
    .expect("signed");
    assert_eq!(witness_latest(&app.state).await.expect("witnessing"), 2);
    assert_eq!(*w1.answers.lock().unwrap(), vec![200, 409, 200]);
    assert_eq!(w1.seen.lock().unwrap().0, 17);

    // A bad proof is refused (422) and nothing is cosigned.
    let note = pokmas::services::tlog::latest_note(&app.db.db)
        .await
        .expect("read")
        .expect("note");
    let client = reqwest::Client::new();
    let (w_url, bad) = {
        let policy = app.state.witnesses.policy().expect("policy");
        let url = policy.witnesses[0].url.clone().expect("url");
        (url, format!("old 17\n{}\n\n{note}", B64.encode([7u8; 32])))
    };
    let res = client
        .post(format!("{w_url}/add-checkpoint"))
        .body(bad)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 422);

    // A split view: another database under the same log key shows a
    // different tree of the same size. The witness refuses to cosign it, and
    // the failure is recorded without stopping anything.
    let other = crate::support::TestApp::new().await;
    let (other, _, _) = {
        // The same witnesses: reuse the configuration file.
        let text =
            std::fs::read_to_string(app.db.dir.path().join("witnesses.policy")).expect("read");
        std::fs::write(other.db.dir.path().join("witnesses.policy"), text).expect("write");
        (other.reconfigured(|_| {}), (), ())
    };
    events(&other, 15).await;
    let cp = daily(&other.db.db, &other.state.checkpoint_key, now)
        .await
        .expect("daily")
        .expect("signed");
    assert_eq!(cp.seq, 16, "{}", cp.seq);
    events(&other, 1).await;
    let cp = daily(
        &other.db.db,
        &other.state.checkpoint_key,
        now + time::Duration::days(2),
    )
    .await
    .expect("daily")
    .expect("signed");
    assert_eq!(cp.seq, 17, "the same size as the witnessed checkpoint");
    let their_root = open(&cp.note, &other.state.checkpoint_key.verifier())
        .expect("opens")
        .root;
    assert_ne!(their_root, w1.seen.lock().unwrap().1, "a different tree");
    assert_eq!(witness_latest(&other.state).await.expect("runs"), 0);
    let statuses = other.state.witnesses.statuses();
    assert!(
        statuses
            .iter()
            .all(|(_, s)| s.last_error.as_deref().is_some_and(|e| e.contains("422"))),
        "{statuses:?}"
    );
    assert_eq!(w1.answers.lock().unwrap().last(), Some(&422));
    // The failure shows on the log page; the consistency proof between the
    // two checkpoints of the first installation is published.
    let mut other = other;
    let page = other.get("/log").await;
    assert!(page.body.contains("gagal: HTTP 422"), "{}", page.body);
    // Operators see it in /metrics too.
    other.peer = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 40001)));
    other
        .state
        .health
        .allow_metrics(&["127.0.0.1".parse().expect("ip")]);
    let metrics = other.get("/metrics").await;
    assert!(
        metrics.body.contains(r#"witness_failing{witness="A"} 1"#),
        "{}",
        metrics.body
    );
    let mut app = app;
    let page = app.get("/log").await;
    assert!(
        page.body.contains("Bukti konsistensi dari ukuran 10"),
        "{}",
        page.body
    );
}

/// What receipts are for: a resident applies through the form, the round
/// runs to its final results (a second admin approving), and afterwards she
/// downloads the receipt of her submission from her status page; it verifies
/// offline against the final checkpoint cosigned by both witnesses.
#[tokio::test]
async fn a_submission_receipt_downloaded_after_the_final_results_verifies_offline() {
    use pokmas::db::audit::Actor;
    use pokmas::domain::role::Role;
    use pokmas::domain::round::RoundState;
    use pokmas::services::{results, rounds};
    use sea_orm::EntityTrait;

    let mut app = TestApp::new().await;
    let OpenRound { id: round_id, slug } = crate::support::journey::open_round(&app).await;
    let id = crate::support::journey::submitted_by(
        &mut app,
        &slug,
        (
            "Siti Aminah",
            "siti@contoh.id",
            crate::support::journey::NIK,
        ),
    )
    .await;

    // The round runs its schedule (registration closes in 7 days, objections
    // end in 28): the services act at those dates, the real clock stays.
    let db = app.db.db.clone();
    let key = app.state.checkpoint_key.clone();
    let admin = crate::support::journey::admin_actor(&app).await;
    let start = OffsetDateTime::now_utc();
    let day = |n: i64| start + time::Duration::days(n);
    for (to, n) in [
        (RoundState::Verification, 8),
        (RoundState::Assessment, 21),
        (RoundState::Provisional, 26),
        (RoundState::Objection, 26),
    ] {
        rounds::transition(&db, &key, admin, round_id, to, "", day(n))
            .await
            .unwrap_or_else(|e| panic!("to {to:?}: {e:?}"));
    }
    let second = Actor::Account {
        id: app.create_user("admin2@contoh.id", Role::Admin, &[]).await,
        role: Role::Admin,
    };
    let reason = "Masa sanggah selesai tanpa sanggahan.";
    results::request_finalization(&db, admin, round_id, reason, day(29))
        .await
        .expect("requested");
    let from: pokmas::mail::Mailbox = app.state.config.mail_from.parse().expect("from");
    let mail = pokmas::services::self_service::MailCtx {
        base_url: &app.state.config.base_url,
        from: &from,
        vault: &app.state.vault,
    };
    results::decide_finalization(&db, &key, &mail, second, round_id, true, day(29))
        .await
        .expect("approved");
    let final_cp = pokmas::services::checkpoints::latest(&db)
        .await
        .expect("read")
        .expect("checkpoint");
    assert_eq!(final_cp.reason, "final");

    let (mut app, [w1, w2], policy_text) = with_witnesses(app).await;
    assert_eq!(witness_latest(&app.state).await.expect("witnessing"), 2);
    assert_eq!(
        w1.seen.lock().unwrap().0,
        u64::try_from(final_cp.seq).expect("size")
    );
    assert_eq!(*w2.answers.lock().unwrap(), vec![200]);

    // Still signed in, she lists her receipts and downloads the submission's.
    let list = app.get(&format!("/pendaftaran/{id}/bukti")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("application.submitted"), "{}", list.body);
    let registration_no = pokmas::db::entities::application::Entity::find_by_id(id)
        .one(&db)
        .await
        .expect("read")
        .and_then(|a| a.registration_no)
        .expect("a number");
    let rows = pokmas::services::receipts::list(&app.state, &registration_no)
        .await
        .expect("list");
    let submitted = rows
        .iter()
        .find(|r| r.action == "application.submitted")
        .unwrap_or_else(|| panic!("{registration_no}: {rows:?}"));
    assert!(submitted.covered);
    let link = format!("/pendaftaran/{id}/bukti/{}", submitted.seq);
    assert!(list.body.contains(&link), "{}", list.body);
    let file = app.get(&link).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert!(
        file.headers[axum::http::header::CONTENT_DISPOSITION]
            .to_str()
            .expect("ascii")
            .contains(".tlog-proof")
    );
    assert!(!file.body.contains(crate::support::journey::NIK));

    // The receipt holds the final checkpoint, cosigned by both witnesses.
    let note = pokmas::services::tlog::latest_note(&db)
        .await
        .expect("read")
        .expect("note");
    assert!(file.body.contains(&note), "{}", file.body);
    assert_eq!(note.lines().nth(1), Some(final_cp.seq.to_string().as_str()));
    let verified = Receipt::parse(&file.body)
        .expect("parses")
        .verify(&Policy::parse(&policy_text).expect("policy"))
        .expect("valid");
    assert_eq!(verified.event["action"], "application.submitted");
    assert_eq!(verified.witnesses.len(), 2);

    let root = note.lines().nth(2).expect("root line");
    assert_verifies_offline(&file.body, &policy_text, root, "application.submitted");
}
