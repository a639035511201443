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
    // The round's results page lists formations, no names at all.
    let round_page = p.f.app.get(&format!("/seleksi/{SLUG}/hasil")).await;
    assert_eq!(round_page.status, StatusCode::OK);
    for hidden in ["Pelamar C", "Pelamar D", "Pelamar E", "Pelamar F"] {
        assert!(
            !round_page.body.contains(hidden),
            "the round page names {hidden}"
        );
    }
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
        ("retention.accounts_months", "36"),
        ("retention.sessions_months", "2"),
        ("retention.mail_months", "6"),
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
        "36 bulan setelah masuk terakhir",
        "2 bulan setelah berakhir",
        "6 bulan setelah pesan dikirim",
    ] {
        assert!(page.body.contains(shown), "{shown}");
    }
    app.get("/bahasa/en?kembali=/").await;
    let en = app.get("/pelindungan-data").await;
    assert!(en.body.contains("Data protection officer") && en.body.contains("18 months"));
}

// The retention run on the demo, through the command: tests/it/retention.rs.

/// Applicant A downloads everything held about them from /akun and the API:
/// their account, application with its personal fields, their document
/// with its bytes, their result and their trail events — and nothing of
/// applicant B, whose document, number and name appear nowhere.
#[tokio::test]
async fn an_access_download_holds_all_of_the_applicants_data_and_nobody_elses() {
    use base64::Engine as _;
    use pokmas::db::entities::{document, stored_file};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

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
    let (a_id, b_id) = (p.f.apps[0].0, p.f.apps[1].0);
    // Each files an objection, consents to text messages and was mailed.
    let t0 = time::OffsetDateTime::now_utc();
    for (i, id) in [a_id, b_id].into_iter().enumerate() {
        use pokmas::db::entities::{application, mail_outbox, message_consent, objection};
        let row = application::Entity::find_by_id(id)
            .one(&db)
            .await
            .expect("read")
            .expect("application");
        objection::ActiveModel {
            id: Set(uuid::Uuid::new_v4()),
            round_id: Set(row.round_id),
            application_id: Set(id),
            filed_by: Set(row.account_id.expect("account")),
            grounds: Set(format!("Keberatan rahasia pelamar {i}")),
            document_id: Set(None),
            status: Set(pokmas::domain::objection::ObjectionStatus::Filed),
            reviewer_id: Set(None),
            decision_reason: Set(String::new()),
            deadline_at: Set(t0),
            filed_at: Set(t0),
            decided_at: Set(None),
            approval_id: Set(None),
        }
        .insert(&db)
        .await
        .expect("objection");
        message_consent::ActiveModel {
            application_id: Set(id),
            phone: Set(format!("+62812999900{}", i + 1)),
            channel: Set("sms".into()),
            recorded_by: Set(None),
            given_at: Set(t0),
            withdrawn_at: Set(None),
        }
        .insert(&db)
        .await
        .expect("consent");
        mail_outbox::ActiveModel {
            id: Set(uuid::Uuid::new_v4()),
            message_id: Set(format!("<akses{i}@pokmas.test>")),
            to_address: Set(p.emails[i].clone()),
            to_name: Set(String::new()),
            locale: Set("id".into()),
            template: Set("test".into()),
            subject: Set(format!("Surat pelamar {i}")),
            body_text: Set(format!("Isi surat rahasia pelamar {i}")),
            body_html: Set(String::new()),
            status: Set(pokmas::domain::delivery::Delivery::Sent),
            attempts: Set(1),
            next_attempt_at: Set(t0),
            claimed_until: Set(None),
            last_error: Set(None),
            created_at: Set(t0),
            sent_at: Set(Some(t0)),
            channel: Set("email".into()),
        }
        .insert(&db)
        .await
        .expect("mail");
    }
    // Each applicant's own NIK, phone, e-mail, birth place and address.
    for (id, tag) in [(a_id, "1"), (b_id, "2")] {
        pokmas::db::entities::application::ActiveModel {
            id: Set(id),
            nik_masked: Set(Some(format!("640102********0{tag}"))),
            plain_phone: Set(format!("08129999000{tag}")),
            plain_email: Set(format!("kontak-{tag}@contoh.id")),
            plain_birth_place: Set(format!("Tenggarong {tag}")),
            plain_address: Set(format!("Jl. Melati Rahasia {tag}")),
            ..Default::default()
        }
        .update(&db)
        .await
        .expect("personal data");
    }

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
    assert_eq!(a["address"], "Jl. Melati Rahasia 1");
    assert_eq!(a["nik_masked"], "640102********01");
    assert_eq!(a["phone"], "081299990001");
    assert_eq!(a["email"], "kontak-1@contoh.id");
    assert_eq!(a["birth_place"], "Tenggarong 1");
    assert_eq!(a["objections"][0]["grounds"], "Keberatan rahasia pelamar 0");
    assert_eq!(a["message_consent"]["phone"], "+628129999001");
    let mails = v["account"]["messages"].as_array().expect("messages");
    assert!(
        mails
            .iter()
            .any(|m| m["body_text"] == "Isi surat rahasia pelamar 0"),
        "the mail to A's address"
    );
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
    let b_id_text = b_id.to_string();
    for leak in [
        b_no.as_str(),
        b_id_text.as_str(),
        "Pelamar B",
        sha[1].0.as_str(),
        p.emails[1].as_str(),
        "640102********02",
        "081299990002",
        "kontak-2@contoh.id",
        "Tenggarong 2",
        "Jl. Melati Rahasia 2",
        "Keberatan rahasia pelamar 1",
        "+628129999002",
        "Isi surat rahasia pelamar 1",
    ] {
        assert!(!file.body.contains(leak), "{leak} in A's download");
        assert!(!api.body.contains(leak), "{leak} in A's API download");
    }
    // Every event of the trail about A is in it, none about B.
    let hashes: Vec<&str> = events.iter().filter_map(|e| e["hash"].as_str()).collect();
    let trail = pokmas::db::entities::audit_event::Entity::find()
        .all(&db)
        .await
        .expect("trail");
    let about = |e: &pokmas::db::entities::audit_event::Model, id: uuid::Uuid, no: &str| {
        e.subject_id == id.to_string() || e.registration_no.as_deref() == Some(no)
    };
    let mut a_events = 0;
    for e in &trail {
        if about(e, a_id, &a_no) {
            a_events += 1;
            assert!(
                hashes.contains(&e.hash.as_str()),
                "A's {} missing",
                e.action
            );
        }
        if about(e, b_id, &b_no) {
            assert!(
                !hashes.contains(&e.hash.as_str()),
                "B's {} in A's",
                e.action
            );
        }
    }
    assert!(a_events > 0, "A has a history");
    let api_events = from_api["data"]["audit_events"].as_array().expect("events");
    assert_eq!(
        api_events.len(),
        events.len(),
        "the API holds the same events"
    );
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
        // What the law names: when, what, whom, how, and the remedy.
        "Waktu diketahui: 2026-12-06 21:59 WITA",
        "Data pribadi yang terungkap: Alamat e-mail dan nomor telepon 12 pendaftar",
        "Pihak yang terdampak: Pendaftar Kelurahan Sidodadi",
        "Bagaimana terjadinya: Lampiran surel terkirim ke alamat yang salah",
        "Upaya penanganan dan pemulihan: Penerima diminta menghapus",
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
