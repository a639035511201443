//! The lottery seed by commit–reveal, through the pages: an admin
//! names two witnesses, each commits before registration closes and reveals
//! after, a wrong reveal is refused, and the test recomputes the seed and a
//! lottery key from what the public page shows.

use axum::http::StatusCode;
use pokmas::db::audit::Actor;
use pokmas::db::entities::{audit_event, lottery_witness, ranking, round};
use pokmas::domain::role::Role;
use pokmas::domain::round::RoundState;
use pokmas::services::rounds::transition;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::standings::{Fixture, fixture, fixture_on};
use crate::support::{Browser, PASSWORD, TestApp, hidden_value};

fn sha(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Puts the fixture's round back into registration (rules frozen, a complete
/// schedule whose closing date has passed, no seed yet).
pub(crate) async fn reopen_registration(f: &Fixture) {
    let now = OffsetDateTime::now_utc();
    let day = |d: i64| Some(now + Duration::days(d));
    round::ActiveModel {
        id: Set(f.round_id),
        state: Set("registration".parse().expect("state")),
        frozen_hash: Set(Some("f".repeat(64))),
        frozen_at: Set(day(-11)),
        lottery_seed: Set(None),
        registration_opens_at: Set(day(-10)),
        registration_closes_at: Set(day(-9)),
        verification_ends_at: Set(day(-8)),
        assessment_starts_at: Set(day(-7)),
        assessment_ends_at: Set(day(-6)),
        provisional_at: Set(day(-5)),
        objection_ends_at: Set(day(-4)),
        final_at: Set(day(-3)),
        ..Default::default()
    }
    .update(&f.app.db.db)
    .await
    .expect("reopen");
}

async fn load_round(f: &Fixture) -> round::Model {
    round::Entity::find_by_id(f.round_id)
        .one(&f.app.db.db)
        .await
        .expect("load")
        .expect("round")
}

async fn events(f: &Fixture, action: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_asc(audit_event::Column::Seq)
        .all(&f.app.db.db)
        .await
        .expect("events")
}

async fn move_round(f: &Fixture, to: RoundState) -> Result<(), String> {
    transition(
        &f.app.db.db,
        &f.app.state.checkpoint_key,
        Actor::System,
        f.round_id,
        to,
        "",
        OffsetDateTime::now_utc(),
    )
    .await
    .map_err(|e| format!("{e:?}"))
}

use crate::support::post_with_csrf as post;

/// The text of every `<code class="hash">` on a page, in order.
fn hashes(body: &str) -> Vec<String> {
    body.split("<code class=\"hash\">")
        .skip(1)
        .filter_map(|s| s.split('<').next().map(str::to_owned))
        .collect()
}

/// The text of every `<code>` on a page, in order.
fn codes(body: &str) -> Vec<String> {
    body.split("<code>")
        .skip(1)
        .filter_map(|s| s.split('<').next().map(str::to_owned))
        .collect()
}

async fn journey(mut f: Fixture) {
    reopen_registration(&f).await;
    let rid = f.round_id;
    f.app
        .create_user("admin2@contoh.id", Role::Admin, &[])
        .await;
    f.app
        .create_user("inspektorat@contoh.id", Role::Auditor, &[])
        .await;
    f.app
        .create_user("warga@contoh.id", Role::Auditor, &[])
        .await;

    // The admin names two witnesses through the page.
    let res = f.app.login("admin2@contoh.id", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = format!("/admin/seleksi/{rid}/saksi");
    for (email, label) in [
        ("inspektorat@contoh.id", "Inspektorat Kota"),
        ("warga@contoh.id", "Perwakilan warga"),
    ] {
        let res = post(
            &mut f.app,
            &page,
            &page,
            &[("email", email), ("label", label)],
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let res = post(
        &mut f.app,
        &page,
        &page,
        &[("email", "tidak-ada@contoh.id"), ("label", "")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Tidak ada akun aktif"), "{}", res.body);
    assert!(res.body.contains("tidak-ada@contoh.id"), "typed value kept");
    let admin = f.app.switch_browser(Browser::default());

    // Closing registration is refused while a witness has not committed.
    let refused = move_round(&f, RoundState::Verification).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("belum menyerahkan komitmen")),
        "{refused:?}"
    );

    // Each witness commits sha256(secret) through their page; the warga
    // commits first, so their secret comes first in the seed.
    let witnesses = lottery_witness::Entity::find()
        .filter(lottery_witness::Column::RoundId.eq(rid))
        .order_by_asc(lottery_witness::Column::Position)
        .all(&f.app.db.db)
        .await
        .expect("witnesses");
    assert_eq!(witnesses.len(), 2);
    let secrets = [
        ("warga@contoh.id", "rahasia-warga-rt05-2026"),
        ("inspektorat@contoh.id", "Inspektorat-Samarinda-77"),
    ];
    let mut browsers = Vec::new();
    for (email, secret) in secrets {
        f.app.login(email, PASSWORD).await;
        let list = f.app.get("/saksi").await;
        assert_eq!(list.status, StatusCode::OK);
        let id: Uuid = list
            .body
            .split("href=\"/saksi/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("link to the witness page");
        let wpage = format!("/saksi/{id}");
        let shown = f.app.get(&wpage).await;
        assert!(shown.body.contains("tidak disimpan"), "{}", shown.body);
        assert_eq!(
            shown
                .headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        let bad = post(
            &mut f.app,
            &wpage,
            &format!("{wpage}/komit"),
            &[("commit_hash", "bukan-hash"), ("kept", "1")],
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("64 digit heksadesimal"));
        let res = post(
            &mut f.app,
            &wpage,
            &format!("{wpage}/komit"),
            &[("commit_hash", &sha(secret)), ("kept", "1")],
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        // Nothing but the hash is stored before the reveal.
        let stored = lottery_witness::Entity::find_by_id(id)
            .one(&f.app.db.db)
            .await
            .expect("load")
            .expect("witness");
        assert_eq!(stored.commit_hash.as_deref(), Some(sha(secret).as_str()));
        assert_eq!(stored.secret, None);
        browsers.push((f.app.switch_browser(Browser::default()), id, secret));
    }
    // Someone else's witness page is not found.
    f.app.login("warga@contoh.id", PASSWORD).await;
    let other = f.app.get(&format!("/saksi/{}", browsers[1].1)).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    f.app.switch_browser(Browser::default());

    // Registration closes; the assessment cannot start before the reveals.
    move_round(&f, RoundState::Verification)
        .await
        .expect("close");
    let closed = load_round(&f).await;
    let close_hash = closed.close_event_hash.clone().expect("close hash");
    assert_eq!(closed.lottery_seed, None, "no seed before the reveals");
    let refused = move_round(&f, RoundState::Assessment).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("seed undian belum ditetapkan")),
        "{refused:?}"
    );

    // A wrong reveal is refused and changes nothing.
    let before = events(&f, "lottery.revealed").await.len();
    let (browser, id, secret) = browsers.remove(0);
    f.app.switch_browser(browser);
    let wpage = format!("/saksi/{id}");
    let wrong = post(
        &mut f.app,
        &wpage,
        &format!("{wpage}/ungkap"),
        &[("secret", "rahasia-warga-rt06-2026")],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body.contains("tidak cocok dengan komitmen"),
        "{}",
        wrong.body
    );
    assert!(
        wrong.body.contains("rahasia-warga-rt06-2026"),
        "typed value kept"
    );
    assert_eq!(events(&f, "lottery.revealed").await.len(), before);
    let res = post(
        &mut f.app,
        &wpage,
        &format!("{wpage}/ungkap"),
        &[("secret", secret)],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        load_round(&f).await.lottery_seed,
        None,
        "one reveal missing"
    );
    let (browser, id, secret) = browsers.remove(0);
    f.app.switch_browser(browser);
    let wpage = format!("/saksi/{id}");
    let res = post(
        &mut f.app,
        &wpage,
        &format!("{wpage}/ungkap"),
        &[("secret", secret)],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // The public page shows the close hash, both commits and secrets and the
    // seed; the test recomputes them with its own SHA-256.
    f.app.switch_browser(Browser::default());
    let public = f.app.get("/seleksi/rekrutmen-pokmas-2026/undian").await;
    assert_eq!(public.status, StatusCode::OK);
    let shown_hashes = hashes(&public.body);
    let shown_secrets: Vec<String> = codes(&public.body)
        .into_iter()
        .filter(|c| c.starts_with("rahasia-") || c.starts_with("Inspektorat-"))
        .collect();
    assert_eq!(
        shown_secrets,
        vec!["rahasia-warga-rt05-2026", "Inspektorat-Samarinda-77"],
        "secrets in commit order"
    );
    assert_eq!(shown_hashes[0], sha(&shown_secrets[0]), "first commit");
    assert_eq!(shown_hashes[1], sha(&shown_secrets[1]), "second commit");
    assert!(shown_hashes.contains(&close_hash));
    let expected_seed = sha(&format!(
        "{close_hash}:{}:{}",
        shown_secrets[0], shown_secrets[1]
    ));
    assert!(shown_hashes.contains(&expected_seed), "seed shown");
    let seed = load_round(&f).await.lottery_seed.expect("seed fixed");
    assert_eq!(seed, expected_seed);
    let first_no = &f.apps[0].1;
    assert!(
        public.body.contains(&sha(&format!("{seed}:{first_no}"))),
        "worked example of a lottery key"
    );
    // The stored standings use the new seed, re-ranked with the seed event as cause.
    for (app_id, no) in &f.apps {
        let row = ranking::Entity::find_by_id(*app_id)
            .one(&f.app.db.db)
            .await
            .expect("ranking")
            .expect("row");
        assert_eq!(
            row.lottery_key.as_deref(),
            Some(sha(&format!("{seed}:{no}")).as_str())
        );
    }
    // Commits, reveals and the seed are audited.
    assert_eq!(events(&f, "lottery.committed").await.len(), 2);
    assert_eq!(events(&f, "lottery.revealed").await.len(), 2);
    let fixed = events(&f, "lottery.seed_fixed").await;
    assert_eq!(fixed.len(), 1);
    assert!(fixed[0].payload.contains(&seed));
    // The public round page links to it, and the assessment may now start.
    let round_page = f.app.get("/seleksi/rekrutmen-pokmas-2026").await;
    assert!(
        round_page
            .body
            .contains("/seleksi/rekrutmen-pokmas-2026/undian")
    );
    move_round(&f, RoundState::Assessment)
        .await
        .expect("assessment");

    // Witnesses can no longer be named or removed.
    f.app.switch_browser(admin);
    let page_now = f.app.get(&page).await;
    assert!(hidden_value(&page_now.body, "csrf").is_some());
    assert!(!page_now.body.contains("Tetapkan saksi</button>"));
}

#[tokio::test]
async fn two_witnesses_commit_and_reveal_and_anyone_can_recompute_the_seed_on_sqlite() {
    journey(fixture().await).await;
}

#[tokio::test]
async fn two_witnesses_commit_and_reveal_and_anyone_can_recompute_the_seed_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    journey(fixture_on(app).await).await;
}

#[tokio::test]
async fn only_admins_name_witnesses() {
    let mut f = fixture().await;
    reopen_registration(&f).await;
    f.app
        .create_user("auditor@contoh.id", Role::Auditor, &[])
        .await;
    f.app.login("auditor@contoh.id", PASSWORD).await;
    let page = format!("/admin/seleksi/{}/saksi", f.round_id);
    assert_eq!(f.app.get(&page).await.status, StatusCode::FORBIDDEN);
    let csrf = f.app.csrf_from("/akun").await;
    let res = f
        .app
        .post_form(
            &page,
            &[
                ("csrf", &csrf),
                ("email", "auditor@contoh.id"),
                ("label", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(events(&f, "lottery.witness_named").await.is_empty());
}

async fn send_json(
    app: &mut TestApp,
    path: &str,
    body: serde_json::Value,
) -> crate::support::TestResponse {
    app.send(
        axum::http::Request::post(path)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .expect("request"),
    )
    .await
}

#[tokio::test]
async fn a_witness_commits_and_reveals_through_the_json_api_and_a_wrong_secret_is_refused() {
    let mut f = fixture().await;
    reopen_registration(&f).await;
    f.app
        .create_user("saksi@contoh.id", Role::Auditor, &[])
        .await;
    let wid = pokmas::services::lottery::name_witness(
        &f.app.db.db,
        Actor::System,
        f.round_id,
        "saksi@contoh.id",
        "Perwakilan warga",
    )
    .await
    .expect("named");
    f.app.login("saksi@contoh.id", PASSWORD).await;
    let secret = "saksi-warga-2026-rahasia";
    let res = send_json(
        &mut f.app,
        &format!("/api/v1/witness/{wid}/commit"),
        serde_json::json!({ "commit_hash": sha(secret) }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // Revealing before registration closes is refused.
    let early = send_json(
        &mut f.app,
        &format!("/api/v1/witness/{wid}/reveal"),
        serde_json::json!({ "secret": secret }),
    )
    .await;
    // A state refusal: the body was fine, the time was not.
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    move_round(&f, RoundState::Verification)
        .await
        .expect("close");
    let wrong = send_json(
        &mut f.app,
        &format!("/api/v1/witness/{wid}/reveal"),
        serde_json::json!({ "secret": "saksi-warga-2026-rahasiA" }),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("tidak cocok"), "{}", wrong.body);
    assert!(events(&f, "lottery.revealed").await.is_empty());
    let res = send_json(
        &mut f.app,
        &format!("/api/v1/witness/{wid}/reveal"),
        serde_json::json!({ "secret": secret }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    let close = load_round(&f).await.close_event_hash.expect("closed");
    assert_eq!(body["seed"], sha(&format!("{close}:{secret}")));
    // Nobody else may use this witness role.
    f.app.switch_browser(Browser::default());
    f.app.login("admin@contoh.id", PASSWORD).await;
    let res = send_json(
        &mut f.app,
        &format!("/api/v1/witness/{wid}/commit"),
        serde_json::json!({ "commit_hash": sha("x") }),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}
