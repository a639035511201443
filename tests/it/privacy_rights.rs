//! The applicant's rights over their data: erasure on request (filed by the
//! applicant at `/akun` and through the API, decided by an admin: refused
//! while a legal hold applies, otherwise executed like the retention run),
//! the desk registrant's access download, and a round rule that names every
//! ranked applicant in public.

use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::results::{as_user, post_from, publish};
use crate::support::TestApp;

/// Applicant A asks at `/akun` for her data to be erased while the round
/// only has provisional results: the page shows the request waiting, a
/// second request through the API is a 409, the admin's decision refuses
/// it with the legal hold as reason (shown on `/akun` and in the API), both
/// steps are mailed to her and are in the trail without personal data.
#[tokio::test]
async fn an_erasure_request_is_refused_with_its_legal_hold_while_the_round_is_not_final() {
    let mut p = publish(TestApp::new().await).await;
    let a_id = p.f.apps[0].0;
    let a_email = p.emails[0].clone();
    as_user(&mut p.f.app, &a_email).await;
    let account = p.f.app.get("/akun").await;
    assert!(
        account.body.contains(r#"action="/akun/hapus-data""#),
        "the form is offered"
    );
    let res = post_from(
        &mut p.f.app,
        "/akun",
        "/akun/hapus-data",
        &[
            ("application_id", &a_id.to_string()),
            ("reason", "Saya tidak ingin data saya disimpan."),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let account = p.f.app.get("/akun?pesan=hapus-diajukan").await;
    assert!(account.body.contains("Menunggu keputusan admin"));
    assert!(account.body.contains("Permintaan penghapusan data dicatat"));

    let again = crate::api::post_json(
        &mut p.f.app,
        "/api/v1/me/erasure-requests",
        &serde_json::json!({ "application_id": a_id, "reason": "" }),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let listed = p.f.app.get("/api/v1/me/erasure-requests").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let listed = crate::api::json(&listed);
    assert_eq!(listed["requests"][0]["status"], "requested");

    // Another applicant cannot file on A's application.
    as_user(&mut p.f.app, &p.emails[1]).await;
    let other = crate::api::post_json(
        &mut p.f.app,
        "/api/v1/me/erasure-requests",
        &serde_json::json!({ "application_id": a_id }),
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.body);

    let mine = p.f.app.switch_browser(p.admin_browser.clone());
    let page = p.f.app.get("/admin/penghapusan-data").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Saya tidak ingin data saya disimpan."));
    assert!(
        page.body.contains("Seleksi belum ditetapkan"),
        "the hold shown"
    );
    let request_id = listed["requests"][0]["id"].as_str().expect("id").to_owned();
    let res = post_from(
        &mut p.f.app,
        "/admin/penghapusan-data",
        &format!("/admin/penghapusan-data/{request_id}/putuskan"),
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = p.f.app.get("/admin/penghapusan-data").await;
    assert!(page.body.contains("Ditolak sementara"), "{}", page.body);
    // Nothing is open any more, so the token comes from another admin form.
    let res = post_from(
        &mut p.f.app,
        "/admin/kebocoran-data",
        &format!("/admin/penghapusan-data/{request_id}/putuskan"),
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "decided once");
    p.f.app.switch_browser(mine);

    as_user(&mut p.f.app, &a_email).await;
    let account = p.f.app.get("/akun").await;
    assert!(
        account.body.contains("Ditolak sementara"),
        "{}",
        account.body
    );
    assert!(account.body.contains("Seleksi belum ditetapkan"));
    let listed = crate::api::json(&p.f.app.get("/api/v1/me/erasure-requests").await);
    assert_eq!(listed["requests"][0]["status"], "refused");

    let mails = p.f.app.mails_to(&a_email).await;
    let erasure: Vec<_> = mails
        .iter()
        .filter(|m| m.template == "erasure_notice")
        .collect();
    assert_eq!(erasure.len(), 2, "received, then refused");
    assert!(erasure[1].body_text.contains("Seleksi belum ditetapkan"));

    let db = p.f.app.db.db.clone();
    let app_row = pokmas::db::entities::application::Entity::find_by_id(a_id)
        .one(&db)
        .await
        .expect("read")
        .expect("application");
    let vault = pokmas::pii::NikVault::new(&p.f.app.state.config.secret);
    let personal = pokmas::services::data_keys::personal_of(&db, &vault, &app_row)
        .await
        .expect("personal");
    assert_eq!(personal.address, "Jl. Kenanga Rahasia 7", "nothing erased");
    for action in ["erasure.requested", "erasure.refused"] {
        let ev = pokmas::db::entities::audit_event::Entity::find()
            .filter(pokmas::db::entities::audit_event::Column::Action.eq(action))
            .one(&db)
            .await
            .expect("read")
            .unwrap_or_else(|| panic!("{action} in the trail"));
        for leak in ["Kenanga", "tidak ingin", "@"] {
            assert!(!ev.payload.contains(leak), "{action} carries {leak}");
        }
    }
}

/// On the demo's final round an applicant's request is executed: the data
/// key is destroyed (a NIK ciphertext kept from before no longer opens),
/// contact and birth fields are empty, the documents and their files are
/// gone, the access download shows none of it, the applicant is mailed, and
/// the exported trail still verifies and the ranks still recompute.
#[tokio::test]
async fn an_executed_erasure_leaves_nik_contact_and_documents_unreadable_and_the_trail_verifiable()
{
    use pokmas::db::audit::Actor;
    use pokmas::db::entities::{account, application, data_key, document, mail_outbox};
    use pokmas::domain::role::Role;
    use pokmas::services::erasure::{self, Decision};

    let dir = tempfile::tempdir().expect("tempdir");
    let (code, db) = crate::demo::demo(dir.path(), &["--state", "final"]).await;
    assert_eq!(code, 0);
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("pokmas.db").display()
    );
    let store = pokmas::storage::FileStore::new(dir.path());
    let secret = pokmas::config::Secret::load_or_create(None, dir.path()).expect("secret");
    let vault = pokmas::pii::NikVault::new(&secret);

    // An applicant with an account, a NIK and documents.
    let mut target = None;
    for a in application::Entity::find()
        .filter(application::Column::AccountId.is_not_null())
        .filter(application::Column::NikCiphertext.is_not_null())
        .all(&db)
        .await
        .expect("read")
    {
        let docs = document::Entity::find()
            .filter(document::Column::ApplicationId.eq(a.id))
            .all(&db)
            .await
            .expect("read");
        let email = pokmas::services::data_keys::personal_of(&db, &vault, &a)
            .await
            .expect("personal")
            .email;
        if !docs.is_empty() && !email.is_empty() {
            target = Some((a, docs));
            break;
        }
    }
    let (a, docs) = target.expect("a demo applicant with an account, a NIK and documents");
    let applicant = Actor::Account {
        id: a.account_id.expect("account"),
        role: Role::Applicant,
    };
    let admin = account::Entity::find()
        .filter(account::Column::Role.eq("admin"))
        .one(&db)
        .await
        .expect("read")
        .expect("a demo admin");
    let admin = Actor::Account {
        id: admin.id,
        role: Role::Admin,
    };
    let from: pokmas::mail::Mailbox = "Probebaya <noreply@pokmas.test>".parse().expect("from");
    let mail = pokmas::services::applications::MailCtx {
        base_url: "http://localhost",
        from: &from,
        vault: &vault,
    };
    let copy = String::from_utf8(a.nik_ciphertext.clone().expect("ct")).expect("utf8");
    let key = pokmas::services::data_keys::key_of(&db, &vault, a.id, false)
        .await
        .expect("key");
    assert!(
        vault.decrypt_any(key.as_ref(), &copy).is_ok(),
        "readable before"
    );
    let shared: Vec<String> = docs.iter().map(|d| d.sha256.clone()).collect();

    // Her NIK, contact and birth data in clear, those nobody else shares.
    let mine = pokmas::services::data_keys::personal_of(&db, &vault, &a)
        .await
        .expect("personal");
    let nik = vault.decrypt_any(key.as_ref(), &copy).expect("nik");
    let others = application::Entity::find()
        .filter(application::Column::Id.ne(a.id))
        .all(&db)
        .await
        .expect("read");
    let others: Vec<String> = pokmas::services::data_keys::personal_of_many(&db, &vault, &others)
        .await
        .expect("personal")
        .into_values()
        .map(|p| {
            let born = p.birth_date.map(|d| d.to_string()).unwrap_or_default();
            format!(
                "{} {} {} {} {born}",
                p.email, p.phone, p.address, p.birth_place
            )
        })
        .collect();
    let account_email = account::Entity::find_by_id(a.account_id.expect("account"))
        .one(&db)
        .await
        .expect("read")
        .expect("account")
        .email;
    let mut secrets: Vec<String> = vec![nik.as_str().to_owned()];
    for v in [
        mine.phone.clone(),
        pokmas::sms::normalise_phone(&mine.phone).unwrap_or_default(),
        mine.address.clone(),
        mine.birth_place.clone(),
        mine.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        mine.email.clone(),
    ] {
        // The account's address stays with the account (its own class).
        if v.len() >= 6
            && !v.eq_ignore_ascii_case(&account_email)
            && !others.iter().any(|o| o.contains(&v))
        {
            secrets.push(v);
        }
    }
    assert!(
        secrets.len() >= 3,
        "the demo's values are her own: {secrets:?}"
    );
    // Copies outside the application, as the service makes them: her
    // consent to text messages and a text message sent to her number that
    // quotes her data.
    {
        use pokmas::db::entities::message_consent;
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let phone = pokmas::sms::normalise_phone(&mine.phone).expect("a demo phone");
        let t = time::OffsetDateTime::now_utc();
        let consented = message_consent::Entity::find_by_id(a.id)
            .one(&db)
            .await
            .expect("read")
            .is_some();
        if !consented {
            message_consent::ActiveModel {
                application_id: Set(a.id),
                phone: Set(phone.clone()),
                channel: Set("sms".into()),
                recorded_by: Set(None),
                given_at: Set(t),
                withdrawn_at: Set(None),
            }
            .insert(&db)
            .await
            .expect("consent");
        }
        mail_outbox::ActiveModel {
            id: Set(uuid::Uuid::new_v4()),
            message_id: Set("<salinan@pokmas.test>".into()),
            to_address: Set(phone),
            to_name: Set(a.full_name.clone()),
            locale: Set("id".into()),
            template: Set("test".into()),
            subject: Set("Salinan".into()),
            body_text: Set(secrets.join(" ")),
            body_html: Set(String::new()),
            status: Set(pokmas::domain::delivery::Delivery::Sent),
            attempts: Set(1),
            next_attempt_at: Set(t),
            claimed_until: Set(None),
            last_error: Set(None),
            created_at: Set(t),
            sent_at: Set(Some(t)),
            channel: Set("sms".into()),
        }
        .insert(&db)
        .await
        .expect("text message");
    }
    let rows = crate::retention::every_row(&db).await;
    assert!(
        rows.iter().any(|(_, r)| r.contains(&a.full_name)),
        "the scan reads the rows"
    );
    for s in &secrets {
        assert!(
            rows.iter().any(|(_, r)| r.contains(s.as_str())),
            "{s} is in clear somewhere before the erasure"
        );
    }

    let now = time::OffsetDateTime::now_utc();
    let id = erasure::file(&db, mail, applicant, a.id, "", now)
        .await
        .expect("filed");
    let decision = erasure::decide(&db, &store, mail, admin, id, now)
        .await
        .expect("decided");
    let Decision::Executed(done) = decision else {
        panic!("refused on a final round: {decision:?}");
    };
    assert_eq!(done.documents, docs.len() as u64);

    let key = pokmas::services::data_keys::key_of(&db, &vault, a.id, false)
        .await
        .expect("key");
    assert!(key.is_none(), "the data key is destroyed");
    assert!(
        vault.decrypt_any(None, &copy).is_err(),
        "a NIK ciphertext kept from before no longer opens"
    );
    let row = data_key::Entity::find_by_id(a.id)
        .one(&db)
        .await
        .expect("read")
        .expect("row");
    assert!(row.wrapped_key.is_none() && row.destroyed_at.is_some());
    let erased = application::Entity::find_by_id(a.id)
        .one(&db)
        .await
        .expect("read")
        .expect("application");
    assert!(erased.nik_ciphertext.is_none() && erased.nik_masked.is_none());
    let p = pokmas::services::data_keys::personal_of(&db, &vault, &erased)
        .await
        .expect("personal");
    assert_eq!(p, pokmas::services::data_keys::Personal::default());
    assert!(erased.personal_ciphertext.is_none());
    assert!(
        erased.registration_no.is_some() && !erased.full_name.is_empty(),
        "kept"
    );
    assert!(
        document::Entity::find()
            .filter(document::Column::ApplicationId.eq(a.id))
            .all(&db)
            .await
            .expect("read")
            .is_empty(),
        "the documents are gone"
    );
    for sha in &shared {
        let still_used = document::Entity::find()
            .filter(document::Column::Sha256.eq(sha.as_str()))
            .one(&db)
            .await
            .expect("read")
            .is_some();
        assert_eq!(store.exists(sha), still_used, "file {sha}");
    }
    let download =
        pokmas::services::access::for_account(&db, &vault, &store, a.account_id.expect("acc"), now)
            .await
            .expect("download");
    let app_json = &download["applications"][0];
    assert_eq!(app_json["erasure_requests"][0]["status"], "executed");
    assert_eq!(app_json["personal_data_erased"], true);
    assert!(app_json["nik_masked"].is_null() && app_json["email"] == "");
    assert!(
        app_json["documents"]
            .as_array()
            .is_none_or(|d| d.is_empty())
    );
    let mail_row = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Template.eq("erasure_notice"))
        .all(&db)
        .await
        .expect("read");
    assert_eq!(mail_row.len(), 2, "received and executed");
    let again = erasure::file(&db, mail, applicant, a.id, "", now).await;
    assert!(again.is_err(), "nothing left to erase");

    let executed = pokmas::db::entities::audit_event::Entity::find()
        .filter(pokmas::db::entities::audit_event::Column::Action.eq("erasure.executed"))
        .one(&db)
        .await
        .expect("read")
        .expect("erasure.executed");
    assert!(executed.payload.contains("\"documents\"") && !executed.payload.contains('@'));

    let r = pokmas::db::entities::round::Entity::find_by_id(a.round_id)
        .one(&db)
        .await
        .expect("read")
        .expect("round");
    let out_dir = dir.path().join("export");
    crate::exports::export_verify_recompute(&url, dir.path(), &r.slug, &out_dir);

    // Nowhere in clear: no row of any table (outbox copies, sessions and
    // tokens, consents included), no file of the data folder or the export.
    let rows = crate::retention::every_row(&db).await;
    for s in &secrets {
        let hits: Vec<&String> = rows
            .iter()
            .filter(|(_, r)| r.contains(s.as_str()))
            .map(|(t, _)| t)
            .collect();
        assert!(hits.is_empty(), "{s} still in {hits:?}");
        let files = crate::retention::files_holding(dir.path(), s);
        assert!(files.is_empty(), "{s} still in {files:?}");
    }
}

/// A desk registrant (B, no account) gets their access download at the
/// help desk: an operator of B's kelurahan types number and PIN and gets
/// B's data, documents and trail events — nobody else's — and the handover
/// is in the trail; a wrong PIN or an operator of another kelurahan gets
/// the form again at 422 with the number kept.
#[tokio::test]
async fn a_desk_registrant_gets_their_access_download_at_the_help_desk_with_number_and_pin() {
    use pokmas::domain::role::Role;

    let mut p = publish(TestApp::new().await).await;
    let db = p.f.app.db.db.clone();
    let (b_id, b_no) = p.f.apps[1].clone();
    let a_no = p.f.apps[0].1.clone();
    let pin = crate::support::journey::assisted_with_pin(&db, p.admins[0], b_id).await;
    p.f.app
        .create_user("op-lain@contoh.id", Role::Operator, &["64.72.01.1002"])
        .await;
    p.f.app
        .create_user("op@contoh.id", Role::Operator, &[crate::results::KEL])
        .await;

    as_user(&mut p.f.app, "op-lain@contoh.id").await;
    let res = post_from(
        &mut p.f.app,
        "/meja-bantuan/data-pendaftar",
        "/meja-bantuan/data-pendaftar",
        &[("registration_no", &b_no), ("pin", pin.as_str())],
    )
    .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "other kelurahan"
    );

    as_user(&mut p.f.app, "op@contoh.id").await;
    let desk = p.f.app.get("/meja-bantuan").await;
    assert!(desk.body.contains(r#"href="/meja-bantuan/data-pendaftar""#));
    let res = post_from(
        &mut p.f.app,
        "/meja-bantuan/data-pendaftar",
        "/meja-bantuan/data-pendaftar",
        &[("registration_no", &b_no), ("pin", "000000")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "wrong PIN");
    assert!(res.body.contains(&b_no) && res.body.contains("tidak cocok"));
    let res = post_from(
        &mut p.f.app,
        "/meja-bantuan/data-pendaftar",
        "/meja-bantuan/data-pendaftar",
        &[("registration_no", &b_no), ("pin", pin.as_str())],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.headers["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("attachment")
    );
    let v: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    let apps = v["applications"].as_array().expect("applications");
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["registration_no"], b_no.as_str());
    assert_eq!(apps[0]["full_name"], "Pelamar B");
    assert_eq!(apps[0]["address"], "Jl. Kenanga Rahasia 7");
    assert_eq!(apps[0]["result"]["status"], "reserve");
    let events = v["audit_events"].as_array().expect("events");
    assert!(
        events.iter().any(|e| e["action"] == "access.desk_download"),
        "the handover itself is among B's events"
    );
    for leak in [a_no.as_str(), "Pelamar A", p.emails[0].as_str()] {
        assert!(!res.body.contains(leak), "{leak} in B's download");
    }
    let handovers: Vec<_> =
        p.f.app
            .audit_actions()
            .await
            .into_iter()
            .filter(|(a, _)| a == "access.desk_download")
            .collect();
    assert_eq!(handovers.len(), 1, "one successful download, one event");
}

/// A round whose frozen rules publish every name: the results page, the
/// announcement and the API name all six ranked applicants, and the public
/// round page states the rule; without it only A and B are named
/// (`privacy::public_results_name_only_selected_and_reserve_applicants`).
#[tokio::test]
async fn a_round_whose_frozen_rules_publish_all_names_names_every_ranked_applicant() {
    use crate::results::{CODE, KEL, SLUG};
    use pokmas::db::entities::round;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};

    let mut p = publish(TestApp::new().await).await;
    let db = p.f.app.db.db.clone();
    let page = p.f.app.get(&format!("/seleksi/{SLUG}")).await;
    assert!(
        page.body
            .contains("hanya menyebut nama pendaftar terpilih dan cadangan"),
        "the default rule is stated"
    );
    round::ActiveModel {
        id: Set(p.f.round_id),
        publish_all_names: Set(true),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("rule");
    for path in [
        format!("/seleksi/{SLUG}/hasil/{CODE}"),
        format!("/seleksi/{SLUG}/pengumuman/{KEL}"),
        format!("/api/v1/rounds/{SLUG}/results/{CODE}"),
    ] {
        let res = p.f.app.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        for named in [
            "Pelamar A",
            "Pelamar B",
            "Pelamar C",
            "Pelamar D",
            "Pelamar E",
            "Pelamar F",
        ] {
            assert!(res.body.contains(named), "{path} names {named}");
        }
    }
    let page = p.f.app.get(&format!("/seleksi/{SLUG}")).await;
    assert!(
        page.body
            .contains("menyebut nama semua pendaftar yang diperingkat"),
        "the rule is on the round page"
    );
}

/// In headless Chromium at phone width: an admin records a breach found an
/// hour ago (app clock), the page shows the 3 × 24 h clock, its deadline and
/// both generated notices, the dashboard reminds of it, the admin records
/// each notice as sent (the clock stops), and every step is in the trail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_an_admin_records_a_breach_sees_its_clock_and_records_both_notices() {
    use crate::browser::{Chrome, serve};
    use fantoccini::Locator;
    use pokmas::domain::role::Role;

    let app = TestApp::new().await;
    app.create_user("admin@contoh.id", Role::Admin, &[]).await;
    let base = serve(&app).await;
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let c = &chrome.client;
    c.goto(&format!("{base}/masuk")).await.expect("login");
    chrome.sign_in("admin@contoh.id", None).await;

    c.goto(&format!("{base}/admin/kebocoran-data"))
        .await
        .expect("breaches");
    chrome
        .wait_for_text("h1", "Catatan kebocoran data pribadi")
        .await;
    // The clock stands at 2026-12-06 22:59:59 WITA.
    for (id, text) in [
        ("discovered_at", "2026-12-06 21:59"),
        ("what", "Alamat e-mail dan nomor telepon 12 pendaftar"),
        ("whom", "Pendaftar Kelurahan Sidodadi"),
        ("how", "Lampiran surel terkirim ke alamat yang salah"),
        ("measures", "Penerima diminta menghapus; kata sandi diganti"),
    ] {
        c.find(Locator::Id(id))
            .await
            .unwrap_or_else(|_| panic!("field {id}"))
            .send_keys(text)
            .await
            .expect("type");
    }
    chrome.screenshot("breach-form-360").await;
    c.find(Locator::Css(
        "form[action='/admin/kebocoran-data'] button[type=submit]",
    ))
    .await
    .expect("record")
    .click()
    .await
    .expect("click");
    let clock = chrome
        .wait_for_text(
            "section.breach",
            "Sisa waktu pemberitahuan: 70 jam 59 menit",
        )
        .await;
    assert!(clock.contains("2026-12-09 21:59 WITA"), "deadline: {clock}");
    for part in [
        "Alamat e-mail dan nomor telepon 12 pendaftar",
        "Pendaftar Kelurahan Sidodadi",
        "lembaga penyelenggara pelindungan data pribadi",
    ] {
        assert!(clock.contains(part), "notice holds {part}");
    }
    chrome.assert_phone_friendly().await;
    chrome.screenshot("breach-clock-360").await;

    c.goto(&format!("{base}/admin/seleksi"))
        .await
        .expect("dashboard");
    chrome
        .wait_for_text("main", "Sisa waktu pemberitahuan: 70 jam 59 menit")
        .await;

    c.goto(&format!("{base}/admin/kebocoran-data"))
        .await
        .expect("breaches");
    for _ in ["subjects", "authority"] {
        c.find(Locator::Css("section.breach form button[type=submit]"))
            .await
            .expect("record as sent")
            .click()
            .await
            .expect("click");
        chrome.wait_for_text("section.breach", "Terkirim").await;
    }
    chrome
        .wait_for_text("section.breach", "Pemberitahuan selesai")
        .await;
    chrome.screenshot("breach-notified-360").await;
    chrome.stop().await;

    let steps: Vec<String> = app
        .audit_actions()
        .await
        .into_iter()
        .map(|(a, _)| a)
        .filter(|a| a.starts_with("breach."))
        .collect();
    assert_eq!(
        steps,
        [
            "breach.recorded",
            "breach.subjects_notified",
            "breach.authority_notified"
        ]
    );
}
