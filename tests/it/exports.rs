//! Auditor exports: exact column contracts, downloads for
//! auditors only, every export in the trail with its actor, no full NIK in
//! any file, and an exported trail that verifies on SQLite and PostgreSQL.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use pokmas::db::entities::{application, audit_event};
use pokmas::domain::nik::Nik;
use pokmas::domain::role::Role;
use pokmas::export::audit_csv::{VerifyOutcome, verify_csv};
use pokmas::export::round_csv::{
    APPLICATIONS, CRITERIA, RANKINGS, ROUND, SCORES, SHORTLISTS, STAGES,
};
use pokmas::pii::NikVault;
use pokmas::services::exports::{self, ExportFile};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};

use crate::standings::{Fixture, announce_provisional, fixture_on};
use crate::support::{PASSWORD, TestApp};

/// The applicants' full NIKs (valid: women born 01-01-1990, serials 1–4).
pub const NIKS: [&str; 4] = [
    "6472014101900001",
    "6472014101900002",
    "6472014101900003",
    "6472014101900004",
];

/// The standings fixture with NIKs stored as the portal stores them
/// (encrypted, keyed hash, masked), its provisional results announced (ranks
/// published, a checkpoint signed) and an auditor account.
pub async fn published_round(app: TestApp) -> Fixture {
    let f = fixture_on(app).await;
    let db = &f.app.db.db;
    let vault = NikVault::new(&f.app.state.config.secret);
    let today = time::OffsetDateTime::now_utc().date();
    for ((id, _), nik) in f.apps.iter().zip(NIKS) {
        let nik = Nik::parse(nik, today).expect("valid NIK");
        application::ActiveModel {
            id: Set(*id),
            nik_ciphertext: Set(Some(vault.encrypt(&nik).expect("encrypt").into_bytes())),
            nik_hash: Set(Some(vault.keyed_hash(&nik))),
            nik_masked: Set(Some(nik.masked())),
            ..Default::default()
        }
        .update(db)
        .await
        .expect("store NIK");
    }
    announce_provisional(&f).await;
    f.app
        .create_user("auditor@contoh.id", Role::Auditor, &[])
        .await;
    f
}

/// Runs the real binary on the test's database.
pub fn pokmas(db_url: &str, data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pokmas"))
        .env("DATABASE_URL", db_url)
        .env("POKMAS_DATA_DIR", data_dir)
        .env("POKMAS_LOG", "warn")
        .env_remove("POKMAS_BASE_URL")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run pokmas")
}

/// Standard output and error of a run.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `pokmas export all` of round `slug` into `out_dir`, then `audit verify`
/// and `audit recompute` of what it wrote, as an auditor would run them:
/// each must succeed.
pub fn export_verify_recompute(db_url: &str, data_dir: &Path, slug: &str, out_dir: &Path) {
    let run = |args: &[&str]| pokmas(db_url, data_dir, args);
    let out_text = out_dir.to_str().expect("utf8");
    let out = run(&["export", "all", "--round", slug, "--out", out_text]);
    assert!(out.status.success(), "{}", text(&out));
    let audit = out_dir.join("audit.csv");
    let out = run(&["audit", "verify", audit.to_str().expect("utf8")]);
    assert!(out.status.success(), "verify: {}", text(&out));
    let out = run(&["audit", "recompute", out_text]);
    assert!(out.status.success(), "recompute: {}", text(&out));
}

async fn export_events(f: &Fixture) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("export.created"))
        .order_by_asc(audit_event::Column::Seq)
        .all(&f.app.db.db)
        .await
        .expect("events")
}

fn header_of(body: &str) -> &str {
    body.split('\n').next().unwrap_or_default()
}

#[tokio::test]
async fn an_auditor_downloads_every_file_with_its_exact_columns_and_each_download_is_in_the_trail()
{
    let mut f = published_round(TestApp::new().await).await;
    let auditor = f.app.login("auditor@contoh.id", PASSWORD).await;
    assert!(auditor.status.is_redirection(), "logged in");
    let index = f.app.get("/audit/ekspor").await;
    assert_eq!(index.status, 200);
    let round_page = format!("/audit/ekspor/{}", f.round_id);
    assert!(index.body.contains(&round_page), "{}", index.body);
    let page = f.app.get(&round_page).await;
    assert_eq!(page.status, 200);

    let expected_headers = [
        (ExportFile::Round, ROUND.join(",")),
        (
            ExportFile::Formations,
            pokmas::export::formations_csv::HEADER.join(","),
        ),
        (ExportFile::Criteria, CRITERIA.join(",")),
        (ExportFile::Stages, STAGES.join(",")),
        (ExportFile::Scores, SCORES.join(",")),
        (ExportFile::Shortlists, SHORTLISTS.join(",")),
        (ExportFile::Rankings, RANKINGS.join(",")),
        (ExportFile::Applications, APPLICATIONS.join(",")),
        (
            ExportFile::Analytics,
            pokmas::export::analytics_csv::ANALYTICS.join(","),
        ),
        (
            ExportFile::Audit,
            pokmas::export::audit_csv::COLUMNS.join(","),
        ),
    ];
    let mut bodies = std::collections::BTreeMap::new();
    for (file, header) in expected_headers {
        let link = format!("{round_page}/{}", file.key());
        assert!(
            page.body.contains(&format!("href=\"{link}\"")),
            "{link} listed"
        );
        let res = f.app.get(&link).await;
        assert_eq!(res.status, 200, "{link}: {}", res.body);
        assert_eq!(
            res.headers
                .get("content-disposition")
                .and_then(|v| v.to_str().ok()),
            Some(format!("attachment; filename=\"{}\"", file.file_name()).as_str())
        );
        assert_eq!(header_of(&res.body), header, "{}", file.file_name());
        let sha = hex::encode(Sha256::digest(res.body.as_bytes()));
        assert_eq!(
            res.headers
                .get("x-content-sha256")
                .and_then(|v| v.to_str().ok()),
            Some(sha.as_str())
        );
        bodies.insert(file.key(), res.body);
    }

    // The ranks a resident would see, exactly: 80, 75, 50 and 25 of 100 with
    // one seat and one reserve.
    let round_id = f.round_id.to_string();
    let rankings: Vec<&str> = bodies["rankings"].lines().skip(1).collect();
    let expected = [
        ("0001", "80/1,80.00,true,1,selected"),
        ("0002", "75/1,75.00,true,2,reserve"),
        ("0003", "50/1,50.00,true,3,not_selected"),
        ("0004", "25/1,25.00,true,4,not_selected"),
    ];
    assert_eq!(rankings.len(), 4, "{rankings:#?}");
    for (row, (no, tail)) in rankings.iter().zip(expected) {
        let start = format!(
            "{round_id},F-6472011001,64.72.01.1001,1,2026-6472011001-{no},eligible,true,{tail},"
        );
        assert!(row.starts_with(&start), "{row}\nexpected {start}");
        // The lottery key, then the stage (none in a one-stage round).
        let (key, stage) = row
            .rsplit_once(',')
            .and_then(|(rest, stage)| Some((rest.rsplit(',').next()?, stage)))
            .expect("lottery key and stage");
        assert_eq!(stage, "");
        assert_eq!(
            key,
            pokmas::domain::lottery::sha256_hex(&format!(
                "{}:2026-6472011001-{no}",
                "a".repeat(64)
            ))
        );
    }
    // 4 applications × 3 panelists × 2 criteria, all counting.
    let scores: Vec<&str> = bodies["scores"].lines().skip(1).collect();
    assert_eq!(scores.len(), 24);
    // Every value counts (`latest`) and has no stage (a one-stage round).
    assert!(scores.iter().all(|r| r.ends_with(",true,")), "{scores:#?}");
    assert!(bodies["criteria"].contains(&format!("{round_id},K1,K1,60,1,5,,1,panel,\n")));
    // A one-stage round: the stage files hold only their header.
    assert_eq!(bodies["stages"], format!("{}\n", STAGES.join(",")));
    assert_eq!(bodies["shortlists"], format!("{}\n", SHORTLISTS.join(",")));
    assert!(bodies["round"].contains(&format!(
        "{round_id},Rekrutmen Pokmas 2026,provisional,mean,,3,{},,rt,Probebaya,Probebaya,Pokmas,Pokmas,anggota Pokmas,Pokmas member\n",
        "a".repeat(64)
    )));
    assert!(bodies["applications"].contains("647201**********,false,"));

    // Every download is an audited export by the auditor, with what it held.
    let auditor_id = pokmas::db::entities::account::Entity::find()
        .filter(pokmas::db::entities::account::Column::Email.eq("auditor@contoh.id"))
        .one(&f.app.db.db)
        .await
        .expect("find")
        .expect("auditor")
        .id
        .to_string();
    let events = export_events(&f).await;
    assert_eq!(events.len(), 10, "one event per download");
    for ev in &events {
        assert_eq!(
            (ev.actor.as_str(), ev.actor_role.as_str()),
            (auditor_id.as_str(), "auditor")
        );
    }
    let rankings_event = events
        .iter()
        .find(|e| e.payload.contains("\"file\":\"rankings.csv\""))
        .expect("rankings export event");
    let p: serde_json::Value = serde_json::from_str(&rankings_event.payload).expect("json");
    assert_eq!(p["rows"], 4);
    assert_eq!(p["via"], "web");
    assert_eq!(
        p["sha256"],
        hex::encode(Sha256::digest(bodies["rankings"].as_bytes()))
    );
}

#[tokio::test]
async fn only_auditors_and_admins_can_export() {
    let mut f = published_round(TestApp::new().await).await;
    let download = format!("/audit/ekspor/{}/rankings", f.round_id);
    let api = format!("/api/v1/audit/rounds/{}/exports/rankings.csv", f.round_id);

    let anonymous = f.app.get(&api).await;
    assert_eq!(anonymous.status, 401);
    let anonymous = f.app.get(&download).await;
    assert!(!anonymous.status.is_success(), "{}", anonymous.status);

    f.app.login("penilai1@contoh.id", PASSWORD).await;
    assert_eq!(f.app.get(&download).await.status, 403);
    assert_eq!(f.app.get(&api).await.status, 403);
    assert_eq!(f.app.get("/audit/ekspor").await.status, 403);
    assert!(export_events(&f).await.is_empty(), "nothing was exported");

    // An admin may; the API lists the files and serves them as CSV.
    let mut admin = f;
    admin.app.login("admin@contoh.id", PASSWORD).await;
    let list = admin
        .app
        .get("/api/v1/audit/rounds/rekrutmen-pokmas-2026/exports")
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let v: serde_json::Value = serde_json::from_str(&list.body).expect("json");
    assert_eq!(v["files"].as_array().map(Vec::len), Some(10));
    let csv = admin.app.get(&api).await;
    assert_eq!(csv.status, 200);
    assert_eq!(header_of(&csv.body), RANKINGS.join(","));
    let openapi = admin.app.get("/api/openapi.json").await;
    assert!(
        openapi
            .body
            .contains("/api/v1/audit/rounds/{id}/exports/{file}")
    );
    let events = export_events(&admin).await;
    assert_eq!(events.len(), 1);
    assert!(events[0].payload.contains("\"via\":\"api\""));
}

#[tokio::test]
async fn no_export_in_any_format_contains_a_full_nik() {
    let mut f = published_round(TestApp::new().await).await;
    let mut everything: Vec<(String, Vec<u8>)> = Vec::new();

    f.app.login("auditor@contoh.id", PASSWORD).await;
    for file in ExportFile::ALL {
        let web = f
            .app
            .get(&format!("/audit/ekspor/{}/{}", f.round_id, file.key()))
            .await;
        assert_eq!(web.status, 200);
        everything.push((format!("web {}", file.file_name()), web.body.into_bytes()));
        let api = f
            .app
            .get(&format!(
                "/api/v1/audit/rounds/{}/exports/{}",
                f.round_id,
                file.file_name()
            ))
            .await;
        assert_eq!(api.status, 200);
        everything.push((format!("api {}", file.file_name()), api.body.into_bytes()));
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("ekspor");
    let o = pokmas(
        &f.app.db.url,
        dir.path(),
        &[
            "export",
            "all",
            "--round",
            "rekrutmen-pokmas-2026",
            "--out",
            folder.to_str().expect("utf8"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for entry in std::fs::read_dir(&folder).expect("folder") {
        let path = entry.expect("entry").path();
        everything.push((
            format!("cli {}", path.display()),
            std::fs::read(&path).expect("read"),
        ));
    }
    for file in ExportFile::ALL {
        let o = pokmas(
            &f.app.db.url,
            dir.path(),
            &[
                "export",
                file.key(),
                "--round",
                "rekrutmen-pokmas-2026",
                "--out",
                "-",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        everything.push((format!("stdout {}", file.key()), o.stdout));
    }
    assert_eq!(everything.len(), 10 * 4);
    let applications = everything
        .iter()
        .find(|(name, _)| name == "web applications.csv")
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .expect("applications.csv");
    assert!(
        applications.contains("2026-6472011001-0001,F-6472011001,64.72.01.1001,1,647201**********"),
        "the masked NIK is there for the auditor: {applications}"
    );
    for (name, bytes) in &everything {
        let body = String::from_utf8_lossy(bytes);
        for nik in NIKS {
            assert!(!body.contains(nik), "{name} holds the full NIK {nik}");
        }
        assert!(
            !body.contains("Pelamar A"),
            "{name} holds an applicant's name"
        );
    }
}

/// Exports the trail through the service and verifies it, alone and against
/// the checkpoint signed at publication (whose note opens with the key).
async fn an_exported_trail_verifies_against_the_signed_checkpoint(app: TestApp) {
    let f = published_round(app).await;
    let db = &f.app.db.db;
    let mut csv = Vec::new();
    let receipt =
        exports::export_audit(db, pokmas::db::audit::Actor::System, None, "cli", &mut csv)
            .await
            .expect("export");
    let head = pokmas::db::entities::audit_chain_head::Entity::find_by_id(1)
        .one(db)
        .await
        .expect("read")
        .expect("head");
    assert_eq!(
        receipt.rows,
        u64::try_from(head.seq - 1).expect("seq"),
        "all but its own event"
    );
    match verify_csv(csv.as_slice(), None) {
        VerifyOutcome::Valid(v) => assert_eq!(v.events, receipt.rows),
        other => panic!("{other}"),
    }
    let cp = pokmas::services::checkpoints::latest(db)
        .await
        .expect("read")
        .expect("signed at publication");
    let opened = pokmas::domain::checkpoint::open(&cp.note, &f.app.state.checkpoint_key.verifier())
        .expect("the note opens with the public key");
    assert_eq!(
        verify_csv(csv.as_slice(), Some(opened.checkpoint)).exit_code(),
        0
    );
    // The export is in the trail, after the file's last row, with its actor.
    let ev = audit_event::Entity::find_by_id(head.seq)
        .one(db)
        .await
        .expect("read")
        .expect("export event");
    assert_eq!(
        (
            ev.action.as_str(),
            ev.actor.as_str(),
            ev.actor_role.as_str()
        ),
        ("export.created", "system", "system")
    );
    assert!(ev.payload.contains(&format!("\"rows\":{}", receipt.rows)));
    assert!(ev.payload.contains("\"via\":\"cli\""));
}

#[tokio::test]
async fn an_exported_trail_verifies_against_the_signed_checkpoint_on_sqlite() {
    an_exported_trail_verifies_against_the_signed_checkpoint(TestApp::new().await).await;
}

#[tokio::test]
async fn an_exported_trail_verifies_against_the_signed_checkpoint_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    an_exported_trail_verifies_against_the_signed_checkpoint(app).await;
}

#[tokio::test]
async fn export_to_standard_output_writes_exactly_one_file() {
    let f = published_round(TestApp::new().await).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let o = pokmas(
        &f.app.db.url,
        dir.path(),
        &[
            "export",
            "rankings",
            "--round",
            &f.round_id.to_string(),
            "--out",
            "-",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8(o.stdout.clone()).expect("utf8");
    assert_eq!(header_of(&out), RANKINGS.join(","));
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("exported rankings.csv (4 rows"),
        "the summary goes to standard error: {}",
        text(&o)
    );

    let o = pokmas(
        &f.app.db.url,
        dir.path(),
        &["export", "audit", "--out", "-"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(verify_csv(o.stdout.as_slice(), None).exit_code(), 0);

    let o = pokmas(
        &f.app.db.url,
        dir.path(),
        &["export", "scores", "--round", "no-such-round", "--out", "-"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no-such-round"));
    let o = pokmas(
        &f.app.db.url,
        dir.path(),
        &[
            "export",
            "all",
            "--round",
            "rekrutmen-pokmas-2026",
            "--out",
            "-",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "all needs a folder: {}", text(&o));
}
