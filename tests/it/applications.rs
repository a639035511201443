//! Applying (issue 3 §2–§4): a resident's journey from the round page to the
//! receipt, the help desk's assisted registration and the public status
//! check, a withdrawal, and every refusal a form can meet.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pokmas::db::audit::Actor;
use pokmas::db::entities::{application, document, round};
use pokmas::domain::role::Role;
use pokmas::domain::round::{RoundState, input_wita};
use pokmas::services::rounds::{self as rounds, FormData, RoundSettings};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::support::{PASSWORD, TestApp, TestResponse, hidden_value};

pub(crate) const KECAMATAN: &str = "64.72.09";
/// Karang Mumus, with 23 RTs.
pub(crate) const KELURAHAN: &str = "64.72.09.1001";
/// A valid NIK of a woman born 15 May 1990, first registered in 64.72.09.
pub(crate) const NIK: &str = "6472095505900001";
pub(crate) const DOCS: [&str; 4] = ["KTP", "KK", "PERNYATAAN", "CV"];
pub(crate) const DECLS: [&str; 5] = ["NON_PARPOL", "NON_ASN", "NON_PERANGKAT", "BERSIH", "BENAR"];

pub(crate) fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec()
}

/// An open round of Samarinda Kota with one formation for Karang Mumus.
pub(crate) async fn open_round(app: &TestApp) -> (Uuid, String) {
    let db = &app.db.db;
    let admin = app
        .create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    let actor = Actor::Account {
        id: admin,
        role: Role::Admin,
    };
    let now = OffsetDateTime::now_utc();
    let wita = |days: i64| input_wita(now + Duration::days(days));
    let mut f = FormData::default();
    for (k, v) in [
        ("name", "Rekrutmen Pokmas Samarinda Kota".to_owned()),
        ("year", "2027".to_owned()),
        ("description_id", "Seleksi.".to_owned()),
        ("description_en", "Selection.".to_owned()),
        ("aggregation", "mean".to_owned()),
        ("passing_total", "60".to_owned()),
        ("min_panelists", "3".to_owned()),
        ("age_min", "21".to_owned()),
        ("age_max", "60".to_owned()),
        ("registration_opens_at", wita(-1)),
        ("registration_closes_at", wita(7)),
        ("verification_ends_at", wita(14)),
        ("assessment_starts_at", wita(20)),
        ("assessment_ends_at", wita(22)),
        ("provisional_at", wita(25)),
        ("objection_ends_at", wita(28)),
        ("final_at", wita(35)),
    ] {
        f.0.insert(k.to_owned(), v);
    }
    let settings = RoundSettings::parse(&f).expect("settings");
    let id = rounds::create_round(db, actor, &settings, None)
        .await
        .expect("round");
    rounds::apply_template(db, actor, id, "panel")
        .await
        .expect("template");
    rounds::create_rts(db, actor, KELURAHAN, Some(23))
        .await
        .expect("rts");
    rounds::generate_formations(db, actor, id, KECAMATAN, 5, 2)
        .await
        .expect("formations");
    rounds::transition(
        db,
        &crate::support::checkpoint_key(),
        actor,
        id,
        RoundState::Registration,
        "",
        now,
    )
    .await
    .expect("open registration");
    let slug = round::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("load")
        .expect("round")
        .slug;
    (id, slug)
}

/// Registers, verifies the e-mail from the outbox and logs in.
pub(crate) async fn verified_resident(app: &mut TestApp, name: &str, email: &str) {
    let res = app.register(name, email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app.login(email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let link = TestApp::link_in(&app.last_mail_to(email).await, "/verifikasi-email?token=");
    let res = app.get(&link).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

/// A `multipart/form-data` body.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----pokmasTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, filename, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) async fn post_multipart(
    app: &mut TestApp,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> TestResponse {
    let (ct, body) = multipart(fields, files);
    app.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .expect("request"),
    )
    .await
}

/// Walks the area steps and starts a draft; returns the form's path.
pub(crate) async fn start(app: &mut TestApp, slug: &str) -> String {
    let page = app.get(&format!("/seleksi/{slug}/daftar")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Samarinda Kota"), "kecamatan offered");
    let page = app
        .get(&format!(
            "/seleksi/{slug}/daftar?kecamatan={KECAMATAN}&kelurahan={KELURAHAN}"
        ))
        .await;
    assert!(page.body.contains("RT 023"), "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("kelurahan", KELURAHAN),
        ("rt", "7"),
    ];
    let res = app
        .post_form(&format!("/seleksi/{slug}/daftar"), &fields)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let form = res.location().expect("to the form").to_owned();
    // A double click with the same key: the same draft.
    let again = app
        .post_form(&format!("/seleksi/{slug}/daftar"), &fields)
        .await;
    assert_eq!(again.location(), Some(form.as_str()));
    form
}

pub(crate) fn personal<'a>(csrf: &'a str, nik: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("csrf", csrf),
        ("full_name", "Siti Aminah"),
        ("nik", nik),
        ("birth_place", "Samarinda"),
        ("birth_date", "1990-05-15"),
        ("sex", "female"),
        ("address", "Jl. Pahlawan No. 7, RT 007"),
        ("phone", "081234567890"),
        ("email", email),
        ("education", "SMA"),
        ("occupation", "Wiraswasta"),
        ("motivation", "Ingin membangun lingkungan RT bersama warga."),
        ("experience", "Pengurus posyandu 5 tahun."),
    ];
    for d in DECLS {
        v.push((Box::leak(format!("decl_{d}").into_boxed_str()), "1"));
    }
    v
}

pub(crate) fn all_docs(bytes: &[u8]) -> Vec<(&'static str, &'static str, &[u8])> {
    DOCS.iter()
        .map(|d| {
            (
                &*Box::leak(format!("doc_{d}").into_boxed_str()),
                "scan.pdf",
                bytes,
            )
        })
        .collect()
}

async fn applications(app: &TestApp) -> Vec<application::Model> {
    application::Entity::find()
        .all(&app.db.db)
        .await
        .expect("applications")
}

async fn resident_journey(mut app: TestApp) {
    let (round_id, slug) = open_round(&app).await;
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
    assert_eq!(a.state, "submitted");
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

    // Submitting again (a retried POST) changes nothing.
    let res = post_multipart(&mut app, &form, &fields, &[]).await;
    assert_ne!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(applications(&app).await.len(), 1);
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
    let (round_id, slug) = open_round(&app).await;
    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;
    let form = start(&mut app, &slug).await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");

    // Each NIK rule surfaces next to the field, the other fields kept.
    for (nik, message) in [
        ("12345", "NIK harus terdiri dari tepat 16 angka."),
        ("64720955059000ab", "NIK hanya boleh berisi angka."),
        ("0072095505900001", "bukan kode provinsi"),
        ("6472093505900001", "tanggal lahir"),
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
    let huge = vec![b'0'; pokmas::web::applications::FORM_BODY_LIMIT + 1];
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
    let (_, slug) = open_round(&app).await;
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
    let (_, slug) = open_round(&app).await;
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
    assert_eq!(applications(&app).await[0].state, "draft");
    let mut back: round::ActiveModel = r.into();
    back.assessment_starts_at = Set(starts);
    back.update(&app.db.db).await.expect("update");

    let res = app
        .post_form(&format!("/pendaftaran/{id}/batal"), &[("csrf", &csrf)])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Ya, batalkan"));
    assert_eq!(applications(&app).await[0].state, "draft");
    let res = app
        .post_form(
            &format!("/pendaftaran/{id}/batal"),
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(applications(&app).await[0].state, "withdrawn");
    let actions = app.audit_actions().await;
    assert!(actions.iter().any(|(a, _)| a == "application.withdrawn"));
}

#[tokio::test]
async fn an_operator_registers_a_resident_and_the_public_checks_the_status_with_a_pin() {
    let mut app = TestApp::new().await;
    let (round_id, _) = open_round(&app).await;
    app.create_user("operator@karangmumus.id", Role::Operator, &[KELURAHAN])
        .await;
    let res = app.login("operator@karangmumus.id", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    let page = app.get("/meja-bantuan").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let round_str = round_id.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("round_id", round_str.as_str()),
        ("kelurahan", KELURAHAN),
        ("rt", "3"),
    ];
    let res = app.post_form("/meja-bantuan", &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let form = res.location().expect("form").to_owned();
    let again = app.post_form("/meja-bantuan", &fields).await;
    assert_eq!(
        again.location(),
        Some(form.as_str()),
        "one application per key"
    );

    // Another kelurahan is out of the operator's scope.
    let page = app.get("/meja-bantuan").await;
    let csrf2 = hidden_value(&page.body, "csrf").expect("csrf");
    let res = app
        .post_form(
            "/meja-bantuan",
            &[
                ("csrf", &csrf2),
                ("idempotency_key", "k2"),
                ("round_id", &round_str),
                ("kelurahan", "64.72.09.1002"),
                ("rt", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    let mut fields = personal(&csrf, NIK, "");
    fields.push(("action", "submit"));
    let pdf = pdf();
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let number = "2027-6472091001-0001";
    assert!(res.body.contains(number));
    let marker = "class=\"regno\"><strong>";
    let pins: Vec<&str> = res
        .body
        .match_indices(marker)
        .map(|(i, _)| &res.body[i + marker.len()..i + marker.len() + 6])
        .collect();
    let pin = pins.last().expect("pin shown").to_string();
    assert!(pin.bytes().all(|b| b.is_ascii_digit()), "{pin}");

    let a = &applications(&app).await[0];
    assert!(a.account_id.is_none());
    assert!(a.assisted_by.is_some());
    assert!(
        a.status_pin_hash
            .as_deref()
            .is_some_and(|h| !h.contains(&pin))
    );
    let actions = app.audit_actions().await;
    assert!(
        actions
            .iter()
            .any(|(a, _)| a == "application.assisted_registered")
    );

    // The public check: number + PIN show the first name and status only.
    app.switch_browser(Default::default());
    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", &pin)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Siti ·"));
    assert!(!res.body.contains("Aminah") && !res.body.contains(NIK));
    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", "000000x")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let total = application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(total, 1);
}

#[tokio::test]
async fn an_rt_outside_every_formation_is_explained() {
    let mut app = TestApp::new().await;
    let (round_id, _) = open_round(&app).await;
    // Pelabuhan's RTs are listed only after the formations were frozen.
    rounds::create_rts(&app.db.db, Actor::System, "64.72.09.1002", Some(4))
        .await
        .expect("rts");
    app.create_user(
        "operator@samarindakota.id",
        Role::Operator,
        &[KELURAHAN, "64.72.09.1002"],
    )
    .await;
    app.login("operator@samarindakota.id", PASSWORD).await;
    let round_str = round_id.to_string();
    for (kelurahan, rt, message) in [
        (
            "64.72.09.1002",
            "2",
            "tidak termasuk wilayah formasi mana pun",
        ),
        (KELURAHAN, "99", "RT ini tidak terdaftar"),
    ] {
        let page = app.get("/meja-bantuan").await;
        let csrf = hidden_value(&page.body, "csrf").expect("csrf");
        let key = hidden_value(&page.body, "idempotency_key").expect("key");
        let res = app
            .post_form(
                "/meja-bantuan",
                &[
                    ("csrf", &csrf),
                    ("idempotency_key", &key),
                    ("round_id", &round_str),
                    ("kelurahan", kelurahan),
                    ("rt", rt),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("id=\"rt-error\""), "{}", res.body);
        assert!(res.body.contains(message), "{message}");
    }
    assert!(applications(&app).await.is_empty());
}
