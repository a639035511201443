//! Applying: a resident's journey from the round page to the receipt, every
//! refusal a form can meet, one NIK per round, and a withdrawal.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pokmas::db::entities::{document, round};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use time::{Duration, OffsetDateTime};

use crate::support::journey::OpenRound;
use crate::support::journey::*;
use crate::support::{PASSWORD, TestApp, hidden_value};

async fn resident_journey(mut app: TestApp) {
    let OpenRound { id: round_id, slug } = open_round(&app).await;
    let public = app.get(&format!("/seleksi/{slug}")).await;
    assert!(public.body.contains(&format!("/seleksi/{slug}/daftar")));
    // Not signed in: told to log in or register first.
    let res = app.get(&format!("/seleksi/{slug}/daftar")).await;
    assert_eq!(res.status, StatusCode::OK);
    let back_here = format!("href=\"/masuk?lanjut=/seleksi/{slug}/daftar\"");
    assert!(res.body.contains(&back_here), "log in and come back here");
    assert!(res.body.contains("href=\"/daftar\""));

    // Signed in but not yet verified: sent to confirm the e-mail first.
    let res = app
        .register("Siti Aminah", "siti@contoh.id", PASSWORD)
        .await;
    assert_eq!(res.status, StatusCode::OK);
    app.login("siti@contoh.id", PASSWORD).await;
    let res = app.get(&format!("/seleksi/{slug}/daftar")).await;
    assert_eq!(res.location(), Some("/akun#verifikasi"));
    let link = TestApp::link_in(
        &app.last_mail_to("siti@contoh.id").await,
        "/verifikasi-email?token=",
    );
    assert_eq!(app.get(&link).await.status, StatusCode::OK);

    let form = start(&mut app, &slug).await;
    let page = app.get(&form).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");

    // Save a draft with one document first: it shows as uploaded.
    let res = post_multipart(
        &mut app,
        &form,
        &[
            ("csrf", &csrf),
            ("full_name", "Siti Aminah"),
            ("action", "save"),
        ],
        &[("doc_KTP", "ktp-siti.pdf", &pdf())],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Draf tersimpan"));
    assert!(res.body.contains("ktp-siti.pdf"), "uploaded file shown");

    // Everything, and submit.
    let mut fields = personal(&csrf, NIK, "siti@contoh.id");
    fields.push(("action", "submit"));
    let pdf = pdf();
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let receipt_path = res.location().expect("receipt").to_owned();
    let receipt = app.get(&receipt_path).await;
    assert_eq!(receipt.status, StatusCode::OK);
    let number = "2027-6472091001-0001";
    assert!(receipt.body.contains(number), "{}", receipt.body);
    assert!(receipt.body.contains("<svg"), "QR code");
    assert!(receipt.body.contains("WITA"));

    let apps = applications(&app).await;
    assert_eq!(apps.len(), 1);
    let a = &apps[0];
    assert_eq!(a.state.as_str(), "submitted");
    assert_eq!(a.round_id, round_id);
    assert_eq!(a.registration_no.as_deref(), Some(number));
    assert_eq!(a.nik_masked.as_deref(), Some("647209**********"));
    assert!(a.submission_hash.is_some());
    assert_eq!(a.nik_warnings, "[]");

    // The receipt mail.
    let mail = app.last_mail_to("siti@contoh.id").await;
    assert_eq!(mail.template, "application_receipt");
    assert!(mail.subject.contains(number));

    // The status page; the trail holds ids and numbers only.
    let status = app.get(&format!("/pendaftaran/{}", a.id)).await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(status.body.contains("menunggu verifikasi"));
    let trail = app.audit_actions().await;
    let actions: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert!(actions.contains(&"application.submitted"));
    assert!(actions.contains(&"document.added"));
    // The full phone number, not a prefix: payloads carry SHA-256 hex digests,
    // and a four-digit prefix turns up in one of them now and then.
    assert!(
        trail
            .iter()
            .all(|(_, p)| !p.contains(NIK) && !p.contains("Siti") && !p.contains("081234567890"))
    );

    // Submitting again (a double click or a retried POST) answers with the
    // receipt, and there is still one application with one number; a late
    // "save draft" lands there too instead of on a form that cannot be sent.
    for action in ["submit", "save"] {
        let mut again = fields.clone();
        again.retain(|(k, _)| *k != "action");
        again.push(("action", action));
        let res = post_multipart(&mut app, &form, &again, &all_docs(&pdf)).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{action}: {}", res.body);
        assert_eq!(res.location(), Some(receipt_path.as_str()), "{action}");
    }
    let apps = applications(&app).await;
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].registration_no.as_deref(), Some(number));
    assert_eq!(apps[0].submission_hash, a.submission_hash);
    assert_eq!(
        app.mails_to("siti@contoh.id").await.len(),
        2,
        "verify + receipt"
    );
}

#[tokio::test]
async fn a_resident_applies_with_documents_and_gets_a_receipt_on_sqlite() {
    resident_journey(TestApp::new().await).await;
}

#[tokio::test]
async fn a_resident_applies_with_documents_and_gets_a_receipt_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        resident_journey(app).await;
    }
}

#[tokio::test]
async fn applications_are_refused_with_messages_next_to_the_fields() {
    let mut app = TestApp::new().await;
    let OpenRound { id: round_id, slug } = open_round(&app).await;
    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;
    let form = start(&mut app, &slug).await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");

    // Each NIK rule surfaces next to the field, the other fields kept.
    for (nik, message) in [
        ("12345", "NIK harus terdiri dari tepat 16 angka."),
        ("64720955059000ab", "NIK hanya boleh berisi angka."),
        ("0072095505900001", "bukan kode provinsi"),
        ("6400095505900001", "(kode kabupaten/kota) tidak boleh 00"),
        ("6472005505900001", "(kode kecamatan) tidak boleh 00"),
        (
            "6472093505900001",
            "(tanggal lahir) harus 01-31, atau 41-71",
        ),
        ("6472095513900001", "(bulan lahir) harus 01-12"),
        // 31 February (a woman: 71 = 31 + 40).
        ("6472097102900001", "tidak ada di kalender"),
        ("6472095505900000", "tidak boleh 0000"),
    ] {
        let res = post_multipart(
            &mut app,
            &form,
            &[
                ("csrf", &csrf),
                ("full_name", "Siti Aminah"),
                ("nik", nik),
                ("action", "save"),
            ],
            &[],
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{nik}");
        assert!(res.body.contains("id=\"nik-error\""), "{nik}: {}", res.body);
        assert!(res.body.contains(message), "{nik}: {message}");
        assert!(
            res.body.contains("value=\"Siti Aminah\""),
            "typed name kept"
        );
        assert!(
            res.body.contains(&format!("value=\"{nik}\"")),
            "typed NIK kept"
        );
    }

    // Impossible birth dates, each with its own message next to the field.
    let tomorrow = (OffsetDateTime::now_utc() + Duration::days(2))
        .date()
        .to_string();
    for (date, message) in [
        ("15-05-1990", "format TTTT-BB-HH"),
        (tomorrow.as_str(), "harus sebelum hari ini"),
        ("1800-01-01", "lebih dari 120 tahun"),
    ] {
        let res = post_multipart(
            &mut app,
            &form,
            &[("csrf", &csrf), ("birth_date", date), ("action", "save")],
            &[],
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{date}");
        assert!(res.body.contains("id=\"birth_date-error\""), "{date}");
        assert!(res.body.contains(message), "{date}: {message}");
    }

    // A birth date that disagrees with the NIK is a warning, not a refusal.
    let res = post_multipart(
        &mut app,
        &form,
        &[
            ("csrf", &csrf),
            ("nik", NIK),
            ("birth_date", "1991-05-15"),
            ("sex", "male"),
            ("action", "save"),
        ],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("berbeda dengan tanggal lahir dalam NIK"));
    assert!(res.body.contains("berbeda dengan yang tercantum dalam NIK"));

    // A .pdf that is really an EXE.
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
    let res = post_multipart(
        &mut app,
        &form,
        &[("csrf", &csrf), ("action", "save")],
        &[("doc_KTP", "ktp.pdf", &exe)],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"doc_KTP-error\""));
    assert!(res.body.contains("Jenis berkas tidak diterima"));

    // Larger than 2 MB: 413, the message by the file and the typed fields kept.
    let mut big = pdf();
    big.resize(2 * 1024 * 1024 + 1, b'0');
    let res = post_multipart(
        &mut app,
        &form,
        &[
            ("csrf", &csrf),
            ("full_name", "Siti Aminah Binti Ahmad"),
            ("action", "save"),
        ],
        &[("doc_KK", "kk.pdf", &big)],
    )
    .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.body.contains("Berkas terlalu besar"));
    assert!(res.body.contains("value=\"Siti Aminah Binti Ahmad\""));

    // A body over the route's limit cannot be read at all: 413 with a clear page.
    let huge = vec![b'0'; app.state.form_body_limit() + 1];
    let res = post_multipart(
        &mut app,
        &form,
        &[("csrf", &csrf), ("action", "save")],
        &[("doc_CV", "cv.pdf", &huge)],
    )
    .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.body.contains("Setiap berkas paling besar 2 MB"));

    // Missing CSRF.
    let res = post_multipart(
        &mut app,
        &form,
        &[("full_name", "X"), ("action", "save")],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // Submitting with documents missing names each one.
    let res = post_multipart(
        &mut app,
        &form,
        &[("csrf", &csrf), ("action", "submit")],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("id=\"doc_CV-error\""));
    assert!(res.body.contains("id=\"decl_BENAR-error\""));

    // A malformed body is a 400 page, never a 500.
    let res = app
        .send(
            Request::post(&form)
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
                .body(Body::from("garbage"))
                .expect("request"),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    // After registration closed, whatever the form says.
    let mut fields = personal(&csrf, NIK, "siti@contoh.id");
    fields.push(("action", "submit"));
    let pdf = pdf();
    round::ActiveModel {
        id: Set(round_id),
        registration_closes_at: Set(Some(OffsetDateTime::now_utc() - Duration::minutes(1))),
        ..Default::default()
    }
    .update(&app.db.db)
    .await
    .expect("close");
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("sudah ditutup"));
    assert!(applications(&app).await[0].registration_no.is_none());
}

#[tokio::test]
async fn one_nik_applies_once_and_documents_stay_private() {
    let mut app = TestApp::new().await;
    let OpenRound { slug, .. } = open_round(&app).await;
    let pdf = pdf();

    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;
    let form = start(&mut app, &slug).await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    let mut fields = personal(&csrf, NIK, "siti@contoh.id");
    fields.push(("action", "submit"));
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let siti_doc = document::Entity::find()
        .one(&app.db.db)
        .await
        .expect("doc")
        .expect("a document");
    let res = app.get(&format!("/dokumen/{}", siti_doc.id)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .expect("header")
            .starts_with("attachment")
    );
    assert_eq!(res.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

    // Another resident, same NIK.
    let siti = app.switch_browser(Default::default());
    verified_resident(&mut app, "Budi", "budi@contoh.id").await;
    let form2 = start(&mut app, &slug).await;
    assert_ne!(form, form2);
    let csrf2 = hidden_value(&app.get(&form2).await.body, "csrf").expect("csrf");
    let mut fields = personal(&csrf2, NIK, "budi@contoh.id");
    fields.push(("action", "submit"));
    let res = post_multipart(&mut app, &form2, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains("NIK ini sudah terdaftar pada seleksi ini")
    );
    assert!(res.body.contains("id=\"nik-error\""));

    // Budi cannot see Siti's document or application.
    let res = app.get(&format!("/dokumen/{}", siti_doc.id)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app
        .get(&format!("/pendaftaran/{}", siti_doc.application_id))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    app.switch_browser(siti);
}

#[tokio::test]
async fn a_resident_withdraws_after_a_confirmation() {
    let mut app = TestApp::new().await;
    let OpenRound { slug, .. } = open_round(&app).await;
    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;
    let form = start(&mut app, &slug).await;
    let id = form
        .trim_start_matches("/pendaftaran/")
        .trim_end_matches("/formulir")
        .to_owned();
    let status = app.get(&format!("/pendaftaran/{id}")).await;
    let csrf = hidden_value(&status.body, "csrf").expect("csrf");

    // Once assessment has started the server refuses, whatever the page
    // showed, and says why in both languages.
    let app_row = applications(&app).await.remove(0);
    let r = round::Entity::find_by_id(app_row.round_id)
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("round");
    let starts = r.assessment_starts_at;
    let mut started: round::ActiveModel = r.clone().into();
    started.assessment_starts_at = Set(Some(OffsetDateTime::now_utc() - Duration::minutes(1)));
    started.update(&app.db.db).await.expect("update");
    let res = app
        .post_form(
            &format!("/pendaftaran/{id}/batal"),
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(
        res.body.contains("tidak dapat dibatalkan lagi"),
        "{}",
        res.body
    );
    assert!(
        res.body.contains("can no longer be withdrawn"),
        "{}",
        res.body
    );
    assert_eq!(applications(&app).await[0].state.as_str(), "draft");
    let mut back: round::ActiveModel = r.into();
    back.assessment_starts_at = Set(starts);
    back.update(&app.db.db).await.expect("update");

    let res = app
        .post_form(&format!("/pendaftaran/{id}/batal"), &[("csrf", &csrf)])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Ya, batalkan"));
    // The language switch on a page answering a POST must not lead to the
    // POST-only address (a GET there is a 405).
    assert!(res.body.contains("/bahasa/en?kembali="), "{}", res.body);
    assert!(!res.body.contains("kembali=/pendaftaran/"), "{}", res.body);
    assert_eq!(applications(&app).await[0].state.as_str(), "draft");
    let res = app
        .post_form(
            &format!("/pendaftaran/{id}/batal"),
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(applications(&app).await[0].state.as_str(), "withdrawn");
    let actions = app.audit_actions().await;
    assert!(actions.iter().any(|(a, _)| a == "application.withdrawn"));

    // "Daftar" again leads to this application, saying why.
    let res = app.get(&format!("/seleksi/{slug}/daftar")).await;
    assert_eq!(
        res.location(),
        Some(format!("/pendaftaran/{id}?pesan=sudah-ada").as_str())
    );
    let page = app.get(res.location().expect("location")).await;
    assert!(
        page.body.contains("sudah memiliki pendaftaran"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Dibatalkan pada"), "{}", page.body);
}
