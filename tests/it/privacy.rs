//! Personal data over its whole life: minimised public results, the
//! privacy notice, retention and erasure, access downloads and breaches.

use axum::http::StatusCode;

use crate::results::{CODE, KEL, SLUG, publish};
use pokmas::domain::role::Role;

use crate::support::{PASSWORD, TestApp};

/// Of six ranked applicants (A selected, B reserve, C–F not selected), the
/// results page, the announcement and the API name only A and B; the others
/// keep their rows, ranks and numbers.
#[tokio::test]
async fn public_results_name_only_selected_and_reserve_applicants() {
    let mut p = publish(TestApp::new().await).await;
    let nos: Vec<String> = p.f.apps.iter().map(|(_, n)| n.clone()).collect();
    for path in [
        format!("/seleksi/{SLUG}/hasil/{CODE}"),
        format!("/seleksi/{SLUG}/pengumuman/{KEL}"),
        format!("/api/v1/rounds/{SLUG}/results/{CODE}"),
    ] {
        let res = p.f.app.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        assert!(
            res.body.contains("Pelamar A"),
            "{path}: the selected is named"
        );
        assert!(
            res.body.contains("Pelamar B"),
            "{path}: the reserve is named"
        );
        for hidden in ["Pelamar C", "Pelamar D", "Pelamar E", "Pelamar F"] {
            assert!(!res.body.contains(hidden), "{path} names {hidden}");
        }
        for no in &nos {
            assert!(res.body.contains(no.as_str()), "{path} lists {no}");
        }
    }
}

/// The privacy notice is public in both languages and linked from every
/// page's footer; an admin names the controller, the officer and the
/// retention periods, a bad entry is refused next to its field with
/// everything typed kept, and the saved settings appear on the notice.
#[tokio::test]
async fn the_privacy_notice_shows_the_controller_officer_and_retention_an_admin_sets() {
    let mut app = TestApp::new().await;
    let home = app.get("/").await;
    assert!(
        home.body.contains(r#"href="/pelindungan-data""#),
        "footer link"
    );
    let page = app.get("/pelindungan-data").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Pelindungan Data Pribadi"));
    assert!(page.body.contains("Pemerintah Kota Samarinda"));
    assert!(
        page.body.contains("12 bulan") && page.body.contains("60 bulan"),
        "README defaults"
    );
    assert!(page.body.contains("belum dicantumkan"), "no officer yet");

    app.create_user("admin@contoh.id", Role::Admin, &[]).await;
    let res = app.get("/admin/pelindungan-data").await;
    assert_ne!(res.status, StatusCode::OK, "signed out");
    app.login("admin@contoh.id", PASSWORD).await;
    let csrf = app.csrf_from("/admin/pelindungan-data").await;
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("controller_name", "Dinas Kominfo Kota Samarinda"),
        ("controller_address", "Jl. Dahlia No. 1"),
        ("dpo_name", "Rina Pelindung"),
        ("dpo_email", "bukan-email"),
        ("dpo_phone", "0541 123456"),
        ("retention.documents_months", "18"),
        ("retention.contact_months", "12"),
        ("retention.birth_months", "60"),
        ("retention.nik_months", "600"),
    ];
    let res = app.post_form("/admin/pelindungan-data", &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Alamat e-mail tidak valid"));
    assert!(res.body.contains("1 to 120") || res.body.contains("1–120"));
    assert!(
        res.body.contains("Rina Pelindung") && res.body.contains("value=\"600\""),
        "kept"
    );
    fields[4].1 = "ppdp@samarindakota.go.id";
    fields[9].1 = "60";
    let res = app.post_form("/admin/pelindungan-data", &fields).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Pengaturan disimpan"));
    let changed = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|(a, _)| a == "privacy.settings_changed")
        .count();
    assert_eq!(changed, 1);

    let page = app.get("/pelindungan-data").await;
    for shown in [
        "Dinas Kominfo Kota Samarinda",
        "Rina Pelindung",
        "ppdp@samarindakota.go.id",
        "18 bulan",
    ] {
        assert!(page.body.contains(shown), "{shown}");
    }
    app.get("/bahasa/en?kembali=/").await;
    let en = app.get("/pelindungan-data").await;
    assert!(en.body.contains("Data protection officer") && en.body.contains("18 months"));
}

/// On the demo's final round: a dry run now lists nothing; a dry run for a
/// day 13 months on lists documents and contact data, and executing at that
/// moment erases exactly that list (the rows, the files) with one
/// `retention.erased` event; 61 months on, NIK and birth data go and the
/// data key is destroyed, so a NIK ciphertext kept from before (as a
/// backup holds it) no longer opens. The exported trail verifies and the
/// ranks recompute afterwards.
#[tokio::test]
async fn a_retention_run_erases_exactly_what_its_dry_run_listed_and_the_trail_still_verifies() {
    use pokmas::db::entities::{application, data_key, document};
    use pokmas::domain::privacy::DataClass;
    use pokmas::services::retention;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

    let dir = tempfile::tempdir().expect("tempdir");
    let (code, db) = crate::demo::demo(dir.path(), &["--state", "final"]).await;
    assert_eq!(code, 0);
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("pokmas.db").display()
    );
    let run = |args: &[&str]| crate::exports::pokmas(&url, dir.path(), args);
    let secret = pokmas::config::Secret::load_or_create(None, dir.path()).expect("secret");
    let vault = pokmas::pii::NikVault::new(&secret);

    let out = run(&["retention", "run"]);
    assert!(out.status.success(), "{}", crate::exports::text(&out));
    assert!(crate::exports::text(&out).contains("nothing is due"));

    let now = time::OffsetDateTime::now_utc();
    let later = now + time::Duration::days(400);
    let later_text = later
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let listed = run(&["retention", "run", "--as-of", &later_text]);
    let listed = crate::exports::text(&listed);
    let plan = retention::plan(&db, &vault, later).await.expect("plan");
    // Both demo rounds are final: the Pokmas round and the two-stage one.
    assert_eq!(plan.rounds.len(), 2, "{listed}");
    let due = &plan.rounds[0];
    assert!(
        due.documents() > 0 && due.count(DataClass::Contact) > 0,
        "{listed}"
    );
    assert_eq!(
        due.count(DataClass::Nik),
        0,
        "identity data stay five years"
    );
    for a in plan.rounds.iter().flat_map(|r| &r.applications) {
        assert!(
            listed.contains(&a.registration_no),
            "{} listed",
            a.registration_no
        );
    }
    let docs_before = document::Entity::find().count(&db).await.expect("count");
    let sample = document::Entity::find()
        .one(&db)
        .await
        .expect("doc")
        .expect("a document");
    let store = pokmas::storage::FileStore::new(dir.path());
    assert!(store.exists(&sample.sha256));

    let done = retention::execute(&db, &vault, &store, later)
        .await
        .expect("execute");
    assert_eq!(done.plan, plan, "erased exactly what the dry run listed");
    assert_eq!(
        document::Entity::find().count(&db).await.expect("count"),
        docs_before - plan.rounds.iter().map(|r| r.documents()).sum::<u64>()
    );
    assert!(!store.exists(&sample.sha256), "the file is gone");
    assert!(
        retention::plan(&db, &vault, later)
            .await
            .expect("plan")
            .rounds
            .is_empty()
    );
    let erased = application::Entity::find_by_id(due.applications[0].application_id)
        .one(&db)
        .await
        .expect("read")
        .expect("application");
    let p = pokmas::services::data_keys::personal_of(&db, &vault, &erased)
        .await
        .expect("personal");
    assert!(
        !p.has_contact() && p.has_birth(),
        "contact erased, birth kept"
    );
    assert!(
        erased.registration_no.is_some() && !erased.full_name.is_empty(),
        "kept"
    );

    // A copy of a NIK ciphertext, as a backup made before erasure holds it.
    let holder = application::Entity::find()
        .filter(application::Column::NikCiphertext.is_not_null())
        .one(&db)
        .await
        .expect("read")
        .expect("an application with a NIK");
    let copy = String::from_utf8(holder.nik_ciphertext.clone().expect("ct")).expect("utf8");
    assert!(copy.starts_with("v2:"), "under the applicant's own key");
    let key = pokmas::services::data_keys::key_of(&db, &vault, holder.id, false)
        .await
        .expect("key");
    assert!(
        vault.decrypt_any(key.as_ref(), &copy).is_ok(),
        "readable before"
    );

    let much_later = now + time::Duration::days(61 * 31);
    let plan = retention::plan(&db, &vault, much_later)
        .await
        .expect("plan");
    assert!(plan.rounds[0].count(DataClass::Nik) > 0);
    let done = retention::execute(&db, &vault, &store, much_later)
        .await
        .expect("execute");
    assert_eq!(done.plan, plan);
    let key = pokmas::services::data_keys::key_of(&db, &vault, holder.id, false)
        .await
        .expect("key");
    assert!(key.is_none(), "destroyed");
    assert!(
        vault.decrypt_any(None, &copy).is_err(),
        "the copy no longer opens"
    );
    let row = data_key::Entity::find_by_id(holder.id)
        .one(&db)
        .await
        .expect("read")
        .expect("row");
    assert!(row.wrapped_key.is_none() && row.destroyed_at.is_some());
    let holder = application::Entity::find_by_id(holder.id)
        .one(&db)
        .await
        .expect("read")
        .expect("app");
    assert!(holder.nik_ciphertext.is_none() && holder.nik_masked.is_none());
    let p = pokmas::services::data_keys::personal_of(&db, &vault, &holder)
        .await
        .expect("personal");
    assert!(!p.has_birth() && holder.personal_ciphertext.is_none());

    // Two summary events with counts only, and a trail that still verifies
    // and ranks that still recompute.
    let events = pokmas::db::entities::audit_event::Entity::find()
        .filter(pokmas::db::entities::audit_event::Column::Action.eq("retention.erased"))
        .all(&db)
        .await
        .expect("events");
    // One per round (the Pokmas round and the two-stage one) and run.
    assert_eq!(events.len(), 4);
    assert!(!events[0].payload.contains('@') && events[0].payload.contains("\"documents\""));
    for (n, r) in plan.rounds.iter().enumerate() {
        let out_dir = dir.path().join(format!("export-{n}"));
        crate::exports::export_verify_recompute(&url, dir.path(), &r.slug, &out_dir);
    }
}

/// Applicant A downloads everything held about them from /akun and the API:
/// their account, application with its personal fields, their document
/// with its bytes, their result and their trail events — and nothing of
/// applicant B, whose document, number and name appear nowhere.
#[tokio::test]
async fn an_access_download_holds_all_of_the_applicants_data_and_nobody_elses() {
    use base64::Engine as _;
    use pokmas::db::entities::{document, stored_file};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};

    let mut p = publish(TestApp::new().await).await;
    let db = p.f.app.db.db.clone();
    let store = p.f.app.state.files();
    let mut sha = Vec::new();
    for (i, (id, _)) in p.f.apps.iter().take(2).enumerate() {
        let bytes = format!("%PDF-1.4\n% berkas pelamar {i}\n%%EOF\n").into_bytes();
        let blob = store.put(&bytes).expect("store");
        stored_file::ActiveModel {
            sha256: Set(blob.sha256.clone()),
            size_bytes: Set(bytes.len() as i64),
            content_type: Set("application/pdf".into()),
            created_at: Set(time::OffsetDateTime::now_utc()),
        }
        .insert(&db)
        .await
        .expect("file row");
        document::ActiveModel {
            id: Set(uuid::Uuid::new_v4()),
            application_id: Set(*id),
            requirement_id: Set(None),
            sha256: Set(blob.sha256.clone()),
            original_name: Set(format!("ktp-{i}.pdf")),
            uploaded_by: Set(None),
            created_at: Set(time::OffsetDateTime::now_utc()),
        }
        .insert(&db)
        .await
        .expect("document");
        sha.push((blob.sha256, bytes));
    }
    let (a_no, b_no) = (p.f.apps[0].1.clone(), p.f.apps[1].1.clone());

    let res = p.f.app.get("/api/v1/me/data").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    crate::results::as_user(&mut p.f.app, &p.emails[0]).await;
    let account = p.f.app.get("/akun").await;
    assert!(account.body.contains(r#"href="/akun/data-saya""#));
    let file = p.f.app.get("/akun/data-saya").await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("attachment")
    );
    let api = p.f.app.get("/api/v1/me/data").await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let from_api: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    let v: serde_json::Value = serde_json::from_str(&file.body).expect("json");
    assert_eq!(from_api["data"]["applications"], v["applications"]);

    assert_eq!(v["account"]["email"], p.emails[0].as_str());
    let apps = v["applications"].as_array().expect("applications");
    assert_eq!(apps.len(), 1);
    let a = &apps[0];
    assert_eq!(a["registration_no"], a_no.as_str());
    assert_eq!(a["full_name"], "Pelamar A");
    assert_eq!(a["address"], "Jl. Kenanga Rahasia 7");
    assert_eq!(a["result"]["status"], "selected");
    let docs = a["documents"].as_array().expect("documents");
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["sha256"], sha[0].0.as_str());
    let content = base64::engine::general_purpose::STANDARD
        .decode(docs[0]["content_base64"].as_str().expect("bytes"))
        .expect("base64");
    assert_eq!(content, sha[0].1, "the document itself");
    let events = v["audit_events"].as_array().expect("events");
    assert!(
        events.iter().any(|e| e["action"] == "ranking.changed"),
        "their rank event"
    );
    assert!(events.iter().any(|e| e["registration_no"] == a_no.as_str()));
    for leak in [
        b_no.as_str(),
        "Pelamar B",
        sha[1].0.as_str(),
        p.emails[1].as_str(),
    ] {
        assert!(!file.body.contains(leak), "{leak} in A's download");
    }
}

/// An admin records a breach discovered an hour ago by the app clock: the
/// page counts down the 3 × 24 h and shows both notices with what, whom,
/// how and the measures; an incomplete record is refused at 422 with the
/// text kept; past the deadline the page says so; recording both notices
/// stops the clock, a repeat is a 409, and every step is in the trail.
#[tokio::test]
async fn a_breach_record_runs_its_three_day_clock_and_generates_the_notices() {
    let mut app = TestApp::new().await;
    app.create_user("admin@contoh.id", Role::Admin, &[]).await;
    app.login("admin@contoh.id", PASSWORD).await;
    let csrf = app.csrf_from("/admin/kebocoran-data").await;
    let res = app
        .post_form(
            "/admin/kebocoran-data",
            &[
                ("csrf", &csrf),
                ("discovered_at", "kemarin"),
                ("what", "Alamat e-mail pendaftar"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Alamat e-mail pendaftar"), "kept");
    assert!(res.body.contains("Isi 5–4000 karakter"));

    // The clock stands at 2026-12-06 22:59:59 WITA.
    let res = app
        .post_form(
            "/admin/kebocoran-data",
            &[
                ("csrf", &csrf),
                ("discovered_at", "2026-12-06 21:59"),
                ("what", "Alamat e-mail dan nomor telepon 12 pendaftar"),
                ("whom", "Pendaftar Kelurahan Sidodadi"),
                ("how", "Lampiran surel terkirim ke alamat yang salah"),
                ("measures", "Penerima diminta menghapus; kata sandi diganti"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.get("/admin/kebocoran-data").await;
    assert!(
        page.body
            .contains("Sisa waktu pemberitahuan: 70 jam 59 menit"),
        "{}",
        page.body
    );
    assert!(page.body.contains("2026-12-09 21:59 WITA"), "deadline");
    for part in [
        "Alamat e-mail dan nomor telepon 12 pendaftar",
        "Pendaftar Kelurahan Sidodadi",
        "Lampiran surel terkirim",
        "Penerima diminta menghapus",
        "Pemerintah Kota Samarinda",
        "lembaga penyelenggara pelindungan data pribadi",
    ] {
        assert!(page.body.contains(part), "{part}");
    }

    let dashboard = app.get("/admin/seleksi").await;
    assert!(
        dashboard
            .body
            .contains("Sisa waktu pemberitahuan: 70 jam 59 menit"),
        "reminder"
    );
    app.clock.advance(time::Duration::hours(72));
    let page = app.get("/admin/kebocoran-data").await;
    assert!(
        page.body.contains("Melewati batas 3 × 24 jam"),
        "{}",
        page.body
    );
    let id = pokmas::services::breaches::list(&app.db.db)
        .await
        .expect("list")[0]
        .id;
    let path = format!("/admin/kebocoran-data/{id}/pemberitahuan");
    for to in ["subjects", "authority"] {
        let res = app.post_form(&path, &[("csrf", &csrf), ("to", to)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let page = app.get("/admin/kebocoran-data").await;
    assert!(page.body.contains("Pemberitahuan selesai"));
    let dashboard = app.get("/admin/seleksi").await;
    assert!(
        !dashboard.body.contains("Kebocoran data pribadi"),
        "no reminder once notified"
    );
    let res = app
        .post_form(&path, &[("csrf", &csrf), ("to", "subjects")])
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let steps: Vec<(String, String)> = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|(a, _)| a.starts_with("breach."))
        .collect();
    let names: Vec<&str> = steps.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        names,
        [
            "breach.recorded",
            "breach.subjects_notified",
            "breach.authority_notified"
        ]
    );
    assert!(steps[1].1.contains("\"no\""), "late: {}", steps[1].1);
    assert!(
        !steps[0].1.contains("Sidodadi"),
        "descriptions stay out of the trail"
    );
}
