//! Applying: a resident's journey from the round page to the
//! receipt, the help desk's assisted registration and the public status
//! check, a withdrawal, and every refusal a form can meet.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pokmas::db::audit::Actor;
use pokmas::db::entities::{account, application, document, requirement, round, test_session};
use pokmas::domain::lang::Lang;
use pokmas::domain::role::Role;
use pokmas::domain::round::{RoundState, format_wita, input_wita};
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
/// Another valid NIK with the same birth date and sex.
pub(crate) const NIK2: &str = "6472095505900002";
pub(crate) const DOCS: [&str; 4] = ["KTP", "KK", "PERNYATAAN", "CV"];
pub(crate) const DECLS: [&str; 5] = ["NON_PARPOL", "NON_ASN", "NON_PERANGKAT", "BERSIH", "BENAR"];

pub(crate) fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec()
}

/// The admin [`open_round`] creates (password [`PASSWORD`]).
pub(crate) const ADMIN: &str = "admin@samarindakota.go.id";

/// An open round of Samarinda Kota with one formation for Karang Mumus.
pub(crate) async fn open_round(app: &TestApp) -> (Uuid, String) {
    let admin = app.create_user(ADMIN, Role::Admin, &[]).await;
    let actor = Actor::Account {
        id: admin,
        role: Role::Admin,
    };
    open_round_named(app, actor, "Rekrutmen Pokmas Samarinda Kota").await
}

/// The [`ADMIN`] account as an audit actor, for services a test calls directly.
pub(crate) async fn admin_actor(app: &TestApp) -> Actor {
    let id = account::Entity::find()
        .filter(account::Column::Email.eq(ADMIN))
        .one(&app.db.db)
        .await
        .expect("find admin")
        .expect("admin")
        .id;
    Actor::Account {
        id,
        role: Role::Admin,
    }
}

/// An open 2027 round called `name` with formations over Karang Mumus,
/// opened by `actor` (an admin).
pub(crate) async fn open_round_named(app: &TestApp, actor: Actor, name: &str) -> (Uuid, String) {
    let db = &app.db.db;
    let now = OffsetDateTime::now_utc();
    let wita = |days: i64| input_wita(now + Duration::days(days));
    let mut f = FormData::default();
    for (k, v) in [
        ("name", name.to_owned()),
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

/// A verified resident (in a fresh browser, left signed in) applies with
/// every document and submits; returns the application's id.
pub(crate) async fn submitted_by(
    app: &mut TestApp,
    slug: &str,
    (name, email, nik): (&str, &str, &str),
) -> Uuid {
    app.switch_browser(Default::default());
    verified_resident(app, name, email).await;
    let form = start(app, slug).await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    let mut fields = personal(&csrf, nik, email);
    fields.push(("action", "submit"));
    let pdf = pdf();
    let res = post_multipart(app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    id_in(&form)
}

/// The application id in a `/pendaftaran/{id}…` path.
pub(crate) fn id_in(path: &str) -> Uuid {
    let rest = path.trim_start_matches("/pendaftaran/");
    rest.split('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no application id in {path}"))
}

/// The signed-in operator starts an assisted application at the help desk
/// in Karang Mumus, RT `rt`; returns the form's path.
pub(crate) async fn desk_form(app: &mut TestApp, round_id: Uuid, rt: &str) -> String {
    let page = app.get("/meja-bantuan").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let round_str = round_id.to_string();
    let res = app
        .post_form(
            "/meja-bantuan",
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", key.as_str()),
                ("round_id", round_str.as_str()),
                ("kelurahan", KELURAHAN),
                ("rt", rt),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location().expect("to the form").to_owned()
}

/// The form fields of an assisted application for a resident without phone
/// or e-mail.
pub(crate) fn without_phone_or_email<'a>(csrf: &'a str, nik: &'a str) -> Vec<(&'a str, &'a str)> {
    personal(csrf, nik, "")
        .into_iter()
        .map(|(k, v)| if k == "phone" { (k, "") } else { (k, v) })
        .collect()
}

/// The status PIN shown (once) on an assisted receipt.
pub(crate) fn pin_on(body: &str) -> String {
    let marker = "class=\"regno\"><strong>";
    let (i, _) = body.match_indices(marker).last().expect("pin shown");
    let pin = body[i + marker.len()..i + marker.len() + 6].to_owned();
    assert!(pin.bytes().all(|b| b.is_ascii_digit()), "{pin}");
    pin
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
    let (round_id, slug) = open_round(&app).await;
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

#[tokio::test]
async fn an_operator_registers_a_resident_without_phone_or_email_and_the_public_checks_the_status_with_a_pin()
 {
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

    // The desk is for residents without e-mail or phone: neither is asked for.
    let page = app.get(&form).await;
    assert!(page.body.contains("Nomor HP (boleh dikosongkan)"));
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let mut fields = without_phone_or_email(&csrf, NIK);
    fields.push(("action", "submit"));
    let pdf = pdf();
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let number = "2027-6472091001-0001";
    assert!(res.body.contains(number));
    let pin = pin_on(&res.body);

    let a = &applications(&app).await[0];
    assert_eq!(a.state.as_str(), "submitted");
    assert_eq!((a.plain_phone.as_str(), a.plain_email.as_str()), ("", ""));
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

    // Receipts from the public check: the submission is listed, and its
    // proof file can be downloaded once a signed checkpoint covers it.
    assert!(res.body.contains("action=\"/cek-status/bukti\""));
    let list = app
        .post_form("/cek-status/bukti", &[("number", number), ("pin", &pin)])
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("application.submitted"), "{}", list.body);
    assert!(list.body.contains("tersedia setelah checkpoint berikutnya"));
    let key = app.state.checkpoint_key.clone();
    pokmas::services::checkpoints::daily(&app.db.db, &key, time::OffsetDateTime::now_utc())
        .await
        .expect("daily")
        .expect("signed");
    let seq = pokmas::services::receipts::list(&app.state, number)
        .await
        .expect("list")
        .iter()
        .find(|r| r.action == "application.submitted")
        .expect("the submission")
        .seq
        .to_string();
    let file = app
        .post_form(
            "/cek-status/bukti",
            &[("number", number), ("pin", &pin), ("seq", &seq)],
        )
        .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert!(
        file.headers[axum::http::header::CONTENT_DISPOSITION]
            .to_str()
            .expect("ascii")
            .contains(".tlog-proof")
    );
    let policy = pokmas::domain::merkle::policy::Policy::parse(&format!(
        "log {}\nquorum none\n",
        key.verifier()
    ))
    .expect("policy");
    let verified = pokmas::domain::merkle::receipt::Receipt::parse(&file.body)
        .expect("a receipt")
        .verify(&policy)
        .expect("valid");
    assert_eq!(verified.event["action"], "application.submitted");
    assert!(!file.body.contains(NIK));
    let refused = app
        .post_form(
            "/cek-status/bukti",
            &[("number", number), ("pin", "000000"), ("seq", &seq)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", "000000x")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", " ")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Isi nomor pendaftaran dan PIN"));
    assert!(res.body.contains(number), "the number is kept");
    let total = application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(total, 1);
}

#[tokio::test]
async fn a_retried_desk_submission_shows_the_receipt_and_only_the_kelurahan_operator_issues_a_new_pin()
 {
    let mut app = TestApp::new().await;
    let (round_id, _) = open_round(&app).await;
    app.create_user("operator@karangmumus.id", Role::Operator, &[KELURAHAN])
        .await;
    app.create_user("operator@pelabuhan.id", Role::Operator, &["64.72.09.1002"])
        .await;
    app.login("operator@karangmumus.id", PASSWORD).await;
    let form = desk_form(&mut app, round_id, "3").await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    let mut fields = without_phone_or_email(&csrf, NIK);
    fields.push(("action", "submit"));
    let pdf = pdf();
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let old_pin = pin_on(&res.body);
    let number = "2027-6472091001-0001";

    // A double click: the second answer is the receipt, without a PIN (only
    // its hash is kept), and still one application with one number.
    let id = id_in(&form);
    let receipt = format!("/pendaftaran/{id}/tanda-terima");
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some(receipt.as_str()));
    let apps = applications(&app).await;
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].registration_no.as_deref(), Some(number));
    let page = app.get(&receipt).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(number));
    assert_eq!(
        page.body.matches("class=\"regno\"><strong>").count(),
        1,
        "the number, no PIN"
    );
    assert!(page.body.contains("Terbitkan PIN baru"), "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");

    // Without the CSRF token nothing changes.
    let pin_path = format!("/pendaftaran/{id}/pin");
    let res = app.post_form(&pin_path, &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // The operator issues a new PIN: shown once, the old one stops working.
    let mut new_pin = old_pin.clone();
    // First a confirmation step: nothing changes yet.
    let res = app.post_form(&pin_path, &[("csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Ya, terbitkan PIN baru"), "{}", res.body);
    assert!(!res.body.contains("PIN lama tidak berlaku lagi"));
    while new_pin == old_pin {
        let res = app
            .post_form(&pin_path, &[("csrf", &csrf), ("confirm", "yes")])
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains("PIN lama tidak berlaku lagi"));
        assert_eq!(res.headers[header::CACHE_CONTROL], "no-store");
        new_pin = pin_on(&res.body);
    }
    let reissued = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|(a, _)| a == "application.status_pin_reissued")
        .collect::<Vec<_>>();
    assert!(!reissued.is_empty());
    assert!(
        reissued
            .iter()
            .all(|(_, p)| p.contains(number) && !p.contains(&new_pin))
    );
    let operator = app.switch_browser(Default::default());
    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", &old_pin)])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "old PIN refused");
    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", &new_pin)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "new PIN accepted");

    // Another kelurahan's operator sees neither the receipt nor the button,
    // and cannot issue a PIN with a valid token of their own.
    app.login("operator@pelabuhan.id", PASSWORD).await;
    assert_eq!(app.get(&receipt).await.status, StatusCode::NOT_FOUND);
    let csrf = app.csrf_from("/meja-bantuan").await;
    let res = app.post_form(&pin_path, &[("csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    app.switch_browser(Default::default());
    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", &new_pin)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "still the same PIN");
    app.switch_browser(operator);
}

#[tokio::test]
async fn an_rt_outside_every_formation_is_explained() {
    let mut app = TestApp::new().await;
    let (round_id, slug) = open_round(&app).await;
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

    // The area steps offer only what formations cover, and say what a
    // missing RT means and whom to ask.
    let page = app
        .get(&format!(
            "/seleksi/{slug}/daftar?kecamatan={KECAMATAN}&kelurahan={KELURAHAN}"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("RT 023"));
    assert!(!page.body.contains("Pelabuhan"), "not in any formation");
    assert!(
        page.body.contains(
            "Kelurahan atau RT Anda tidak ada dalam daftar? Berarti wilayah itu tidak memenuhi aturan domisili seleksi ini"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("hubungi help desk di kantor kelurahan Anda")
    );
    app.get("/bahasa/en").await;
    let page = app
        .get(&format!("/seleksi/{slug}/daftar?kecamatan={KECAMATAN}"))
        .await;
    assert!(
        page.body
            .contains("Then it does not meet this round's domicile rule")
    );
}

async fn nul_never_reaches_the_database(mut app: TestApp) {
    let (round_id, slug) = open_round(&app).await;
    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;

    // In the path or the query: not found or refused, never a 500.
    for path in [
        "/seleksi/a%00b".to_owned(),
        "/seleksi/a%00b/daftar".to_owned(),
        "/seleksi/a%00b/hasil".to_owned(),
        "/seleksi/a%00b/undian".to_owned(),
        format!("/seleksi/{slug}/hasil/F%00"),
    ] {
        let res = app.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.body);
    }
    for state in ["%00", "registration%00", "terbuka"] {
        let res = app.get(&format!("/api/v1/rounds?state={state}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{state}: {}", res.body);
        assert_eq!(crate::api::json(&res)["error"], "bad_request");
    }

    // In the area step's kelurahan: no such kelurahan. In the idempotency
    // key alone: the key is not used, the draft is started.
    let area = format!("/seleksi/{slug}/daftar?kecamatan={KECAMATAN}&kelurahan={KELURAHAN}");
    let csrf = app.csrf_from(&area).await;
    let start_path = format!("/seleksi/{slug}/daftar");
    let res = app
        .post_form(
            &start_path,
            &[
                ("csrf", &csrf),
                ("idempotency_key", "k1"),
                ("kelurahan", "64.72.09.1001\0"),
                ("rt", "7"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    let res = app
        .post_form(
            &start_path,
            &[
                ("csrf", &csrf),
                ("idempotency_key", "k\0-2"),
                ("kelurahan", KELURAHAN),
                ("rt", "7"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let form = res.location().expect("form").to_owned();

    // In a text field: a message next to it, the rest saved.
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    for field in ["full_name", "motivation"] {
        let res = post_multipart(
            &mut app,
            &form,
            &[
                ("csrf", &csrf),
                (field, "Siti\0Aminah"),
                ("birth_place", "Samarinda"),
                ("action", "save"),
            ],
            &[],
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            res.body
        );
        assert!(
            res.body.contains(&format!("id=\"{field}-error\"")),
            "{field}"
        );
        assert!(
            res.body
                .contains("Teks berisi karakter yang tidak diizinkan.")
        );
    }
    let a = application::Entity::find_by_id(id_in(&form))
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("application");
    let personal = pokmas::services::data_keys::personal_of(&app.db.db, &app.state.vault, &a)
        .await
        .expect("personal");
    assert_eq!(personal.birth_place, "Samarinda");
    // The name is the one the draft started with (from the account).
    assert_eq!(
        (a.full_name.as_str(), a.motivation.as_str()),
        ("Siti Aminah", "")
    );

    // In the help desk's kelurahan.
    app.switch_browser(Default::default());
    app.login(ADMIN, PASSWORD).await;
    let page = app.get("/meja-bantuan").await;
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let res = app
        .post_form(
            "/meja-bantuan",
            &[
                ("csrf", &csrf),
                ("idempotency_key", "k3"),
                ("round_id", &round_id.to_string()),
                ("kelurahan", "64.72.09.1001\0"),
                ("rt", "7"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
}

#[tokio::test]
async fn a_nul_in_any_input_is_refused_without_an_error_page_on_sqlite() {
    nul_never_reaches_the_database(TestApp::new().await).await;
}

#[tokio::test]
async fn a_nul_in_any_input_is_refused_without_an_error_page_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        nul_never_reaches_the_database(app).await;
    }
}

async fn numbers_count_across_rounds(mut app: TestApp) {
    let (_, first) = open_round(&app).await;
    let admin = admin_actor(&app).await;
    let (_, second) =
        open_round_named(&app, admin, "Rekrutmen Pokmas Samarinda Kota Tahap II").await;
    assert_ne!(first, second);
    submitted_by(&mut app, &first, ("Siti Aminah", "siti@contoh.id", NIK)).await;
    let in_second = submitted_by(&mut app, &second, ("Rina Wati", "rina@contoh.id", NIK2)).await;
    // The resident of the second round gets the next number of the year.
    let receipt = app
        .get(&format!("/pendaftaran/{in_second}/tanda-terima"))
        .await;
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.body);
    assert!(
        receipt.body.contains("2027-6472091001-0002"),
        "{}",
        receipt.body
    );
    submitted_by(&mut app, &first, ("Dewi Lestari", "dewi@contoh.id", NIK2)).await;
    let mut numbers: Vec<String> = applications(&app)
        .await
        .into_iter()
        .filter_map(|a| a.registration_no)
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        [
            "2027-6472091001-0001",
            "2027-6472091001-0002",
            "2027-6472091001-0003"
        ]
    );
}

#[tokio::test]
async fn two_rounds_of_one_year_never_hand_out_the_same_number_on_sqlite() {
    numbers_count_across_rounds(TestApp::new().await).await;
}

#[tokio::test]
async fn two_rounds_of_one_year_never_hand_out_the_same_number_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        numbers_count_across_rounds(app).await;
    }
}

#[tokio::test]
async fn the_status_pages_name_each_outcome_with_its_reason_and_the_test_invitation() {
    use pokmas::services::panels::{self, SessionForm};
    use pokmas::services::verification::{Decision, Staff, verify};

    let mut app = TestApp::new().await;
    let db = app.db.db.clone();
    let (round_id, slug) = open_round(&app).await;
    let siti = submitted_by(&mut app, &slug, ("Siti Aminah", "siti@contoh.id", NIK)).await;
    let siti_browser = app.switch_browser(Default::default());

    // Rahmat registers at the desk.
    let operator = app
        .create_user("operator@karangmumus.id", Role::Operator, &[KELURAHAN])
        .await;
    app.login("operator@karangmumus.id", PASSWORD).await;
    let form = desk_form(&mut app, round_id, "3").await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    let mut fields: Vec<(&str, &str)> = without_phone_or_email(&csrf, NIK2)
        .into_iter()
        .map(|(k, v)| {
            if k == "full_name" {
                (k, "Rahmat Hidayat")
            } else {
                (k, v)
            }
        })
        .collect();
    fields.push(("action", "submit"));
    let pdf = pdf();
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let pin = pin_on(&res.body);
    let rahmat = id_in(&form);
    let rahmat_no = "2027-6472091001-0002";

    // The operator finds Siti's KTP unreadable and everything else met.
    let from: pokmas::mail::Mailbox = app.state.config.mail_from.parse().expect("from");
    let staff = Staff {
        id: operator,
        role: Role::Operator,
        scopes: vec![KELURAHAN.into()],
    };
    let reqs = requirement::Entity::find()
        .filter(requirement::Column::RoundId.eq(round_id))
        .all(&db)
        .await
        .expect("requirements");
    let reason = "Foto KTP buram, mohon pindai ulang.";
    let decide = |tms: &str| -> Vec<Decision> {
        reqs.iter()
            .map(|q| {
                let tms = q.code == tms;
                Decision {
                    requirement_id: q.id,
                    tms,
                    reason_code: tms.then(|| "unreadable".to_owned()),
                    reason_text: if tms { reason.into() } else { String::new() },
                }
            })
            .collect()
    };
    let eligible = verify(
        &db,
        &from,
        &app.state.vault,
        &staff,
        siti,
        &decide("KTP"),
        Lang::Id,
    )
    .await
    .expect("verify Siti");
    assert!(!eligible);
    let eligible = verify(
        &db,
        &from,
        &app.state.vault,
        &staff,
        rahmat,
        &decide(""),
        Lang::Id,
    )
    .await
    .expect("verify Rahmat");
    assert!(eligible);

    // The admin schedules the test; Rahmat (eligible) is invited.
    let admin = admin_actor(&app).await;
    let panel = panels::create_panel(&db, admin, round_id, "Panel Karang Mumus", None)
        .await
        .expect("panel");
    let formation = application::Entity::find_by_id(rahmat)
        .one(&db)
        .await
        .expect("load")
        .and_then(|a| a.formation_id)
        .expect("formation");
    panels::set_formations(&db, admin, round_id, panel, &[formation.to_string()])
        .await
        .expect("formations");
    let starts_at = pokmas::domain::round::parse_wita(&input_wita(
        OffsetDateTime::now_utc() + Duration::days(21),
    ))
    .expect("time")
    .expect("some");
    let place = "Aula Kantor Kelurahan Karang Mumus";
    let session = panels::create_session(
        &db,
        admin,
        round_id,
        &SessionForm {
            starts_at,
            place: place.into(),
            capacity: 10,
            panel_id: panel,
        },
        None,
    )
    .await
    .expect("session");
    let invited = panels::auto_fill(
        &db,
        admin,
        &from,
        &pokmas::pii::NikVault::new(&app.state.config.secret),
        round_id,
        session,
    )
    .await
    .expect("invite");
    assert_eq!(invited, 1);
    let when = format_wita(
        test_session::Entity::find_by_id(session)
            .one(&db)
            .await
            .expect("load")
            .expect("session")
            .starts_at,
    );

    // Siti reads her outcome in words, with the listed reason and the
    // operator's explanation; no raw codes.
    app.switch_browser(siti_browser);
    let page = app.get(&format!("/pendaftaran/{siti}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let ktp = reqs.iter().find(|q| q.code == "KTP").expect("KTP");
    assert!(
        page.body.contains(&format!(
            "{} — <strong>Tidak Memenuhi Syarat</strong>: Dokumen tidak terbaca — <bdi>{reason}</bdi>",
            ktp.text_id
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains("<strong>Memenuhi Syarat</strong>"));
    assert!(!page.body.contains(">tms<") && !page.body.contains(">ms<"));
    assert!(page.body.contains("Undangan uji kelayakan: belum ada."));
    app.get("/bahasa/en").await;
    let page = app.get(&format!("/pendaftaran/{siti}")).await;
    assert!(
        page.body
            .contains("<strong>Does not meet requirements</strong>: Document unreadable")
    );
    // The platform's own age finding reads in English too (the stored
    // sentence is Indonesian).
    assert!(page.body.contains(" — Age "), "{}", page.body);
    assert!(!page.body.contains("Umur "), "{}", page.body);
    let api = app.get(&format!("/api/v1/me/applications/{siti}")).await;
    let checks = crate::api::json(&api)["timeline"]["checks"].clone();
    let ktp_check = checks
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["requirement"]["id"] == ktp.text_id.as_str())
        .expect("KTP check")
        .clone();
    assert_eq!(ktp_check["outcome"], "tms");
    assert_eq!(ktp_check["outcome_label"]["id"], "Tidak Memenuhi Syarat");
    assert_eq!(ktp_check["reason_label"]["en"], "Document unreadable");
    assert_eq!(ktp_check["reason"], reason);
    assert!(ktp_check["automatic_reason"].is_null());
    assert!(
        checks
            .as_array()
            .expect("checks")
            .iter()
            .any(|c| c["automatic_reason"]["en"]
                .as_str()
                .is_some_and(|t| t.starts_with("Age "))),
        "{checks}"
    );

    // Rahmat, without an account, checks with number + PIN: the same
    // timeline, his invitation included, and no personal data.
    app.switch_browser(Default::default());
    let res = app
        .post_form("/cek-status", &[("number", rahmat_no), ("pin", &pin)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("<strong>Memenuhi Syarat</strong>"));
    assert!(!res.body.contains("Tidak Memenuhi Syarat"));
    assert!(
        res.body
            .contains(&format!("Undangan uji kelayakan: {when}, {place}")),
        "{}",
        res.body
    );
    assert!(res.body.contains("Hasil: belum diumumkan."));
    assert!(res.body.contains("Masa sanggah: "));
    assert!(res.body.contains("Rahmat ·"));
    for private in ["Hidayat", NIK2, "647209*", "Pahlawan"] {
        assert!(!res.body.contains(private), "{private}");
    }
    let res = crate::api::post_json(
        &mut app,
        "/api/v1/status-check",
        &serde_json::json!({"registration_no": rahmat_no, "pin": pin}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let answer = crate::api::json(&res);
    let t = &answer["timeline"];
    assert!(
        t["checks"]
            .as_array()
            .is_some_and(|c| !c.is_empty() && c.iter().all(|c| c["outcome"] == "ms"))
    );
    assert_eq!(t["invitation"]["place"], place);
    assert!(t["invitation"]["starts_at"].is_string());
    assert!(t["objection_window"]["ends_at"].is_string());
    assert!(t["result"].is_null());
    assert!(!res.body.contains("Hidayat") && !res.body.contains(NIK2));
}

#[tokio::test]
async fn published_results_and_ranks_show_on_the_status_page_and_the_number_and_pin_check() {
    use pokmas::services::applications::{Acting, reissue_pin};

    let mut p = crate::results::publish(TestApp::new().await).await;
    let db = p.f.app.db.db.clone();
    let (a_id, _) = p.f.apps[0].clone();
    let (b_id, b_no) = p.f.apps[1].clone();
    let session = test_session::Entity::find_by_id(p.f.session_id)
        .one(&db)
        .await
        .expect("load")
        .expect("session");
    let when = format_wita(session.starts_at);

    // A follows her application signed in: selected, rank 1.
    crate::results::as_user(&mut p.f.app, &p.emails[0]).await;
    let page = p.f.app.get(&format!("/pendaftaran/{a_id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("Hasil: <strong>Terpilih</strong> · peringkat 1"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("{when}, {}", session.place)));
    assert!(page.body.contains("Masa sanggah: "));
    assert!(!page.body.contains(">selected<"));

    // B was registered at the desk: with the PIN an admin issues, the
    // public check shows the reserve place and rank.
    application::ActiveModel {
        id: Set(b_id),
        account_id: Set(None),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("assisted");
    let admin = Actor::Account {
        id: p.admins[0],
        role: Role::Admin,
    };
    let pin = reissue_pin(
        &db,
        Acting {
            actor: admin,
            scopes: &[],
        },
        b_id,
    )
    .await
    .expect("pin");
    p.f.app.switch_browser(Default::default());
    let res =
        p.f.app
            .post_form("/cek-status", &[("number", &b_no), ("pin", pin.as_str())])
            .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body
            .contains("Hasil: <strong>Cadangan</strong> · peringkat 2"),
        "{}",
        res.body
    );
    assert!(res.body.contains(&format!("{when}, {}", session.place)));
    assert!(!res.body.contains("Kenanga") && !res.body.contains("640102"));
}

/// `--max-upload-mb` sets the limit the form announces, checks and explains.
#[tokio::test]
async fn the_document_size_limit_follows_the_installation_setting() {
    let mut app = TestApp::new()
        .await
        .reconfigured(|c| c.max_upload_bytes = 1024 * 1024);
    let (_, slug) = open_round(&app).await;
    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;
    let form = start(&mut app, &slug).await;
    let page = app.get(&form).await;
    assert!(
        page.body.contains("paling besar 1 MB"),
        "the form announces the limit"
    );
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");

    let mut over = pdf();
    over.resize(1024 * 1024 + 1, b'0');
    let res = post_multipart(
        &mut app,
        &form,
        &[("csrf", &csrf), ("action", "save")],
        &[("doc_KK", "kk.pdf", &over)],
    )
    .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.body.contains("Ukuran maksimal 1 MB"), "{}", res.body);

    let mut under = pdf();
    under.resize(1024 * 1024, b'0');
    let res = post_multipart(
        &mut app,
        &form,
        &[("csrf", &csrf), ("action", "save")],
        &[("doc_KK", "kk.pdf", &under)],
    )
    .await;
    assert!(
        res.status.is_success() || res.status.is_redirection(),
        "{}",
        res.status
    );
    assert_eq!(
        document::Entity::find()
            .count(&app.db.db)
            .await
            .expect("count"),
        1,
        "a file at the limit is kept"
    );
}

/// The help desk before any round opens explains why nothing can start, and
/// an unreadable RT is a message next to it with the other choices kept.
#[tokio::test]
async fn the_help_desk_explains_a_closed_period_and_keeps_choices_on_a_bad_rt() {
    let mut app = TestApp::new().await;
    app.create_user("operator@karangmumus.id", Role::Operator, &[KELURAHAN])
        .await;
    assert_eq!(
        app.login("operator@karangmumus.id", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let page = app.get("/meja-bantuan").await;
    assert!(
        page.body
            .contains("tidak ada seleksi yang membuka pendaftaran"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Mulai pendaftaran"), "no form to fill");

    let (round_id, _) = open_round(&app).await;
    let page = app.get("/meja-bantuan").await;
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("key");
    let round = round_id.to_string();
    for rt in ["", "tujuh"] {
        let res = app
            .post_form(
                "/meja-bantuan",
                &[
                    ("csrf", csrf.as_str()),
                    ("idempotency_key", key.as_str()),
                    ("round_id", round.as_str()),
                    ("kelurahan", KELURAHAN),
                    ("rt", rt),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{rt:?}");
        assert!(res.body.contains("id=\"rt-error\""), "{}", res.body);
        assert!(res.body.contains("Isi nomor RT dengan angka"));
        assert!(
            res.body
                .contains(&format!("value=\"{KELURAHAN}\" selected")),
            "kelurahan kept"
        );
    }
    assert_eq!(applications(&app).await.len(), 0);
}
