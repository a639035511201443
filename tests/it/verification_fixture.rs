//! The verification fixture: a round in verification with its requirements,
//! formations and submitted applications, and the signed-in browser steps the
//! verification and staff-account tests take on it.

use axum::http::StatusCode;
use pokmas::db::audit::Actor;
use pokmas::db::entities::{
    application, document, formation, formation_rt, requirement, round, stored_file,
};
use pokmas::storage::FileStore;
use sea_orm::{ActiveModelTrait, IntoActiveModel};
use time::{Date, Duration, Month, OffsetDateTime};
use uuid::Uuid;

use crate::support::{Browser, PASSWORD, TestApp};

pub(crate) const KARANG_MUMUS: &str = "64.72.09.1001";
pub(crate) const PELABUHAN: &str = "64.72.09.1002";
const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// A round in verification, with a document, an age and a domicile
/// requirement, one formation per kelurahan and three submitted applications:
/// two in Karang Mumus (one with a document), one in Pelabuhan.
pub(crate) struct Fixture {
    pub(crate) round_id: Uuid,
    /// Karang Mumus, RT 3, with an e-mail address and a KTP document.
    pub(crate) siti: Uuid,
    pub(crate) siti_doc: Uuid,
    /// Karang Mumus, RT 4, with an e-mail address.
    pub(crate) budi: Uuid,
    /// Pelabuhan, assisted, without e-mail.
    pub(crate) rahmat: Uuid,
    pub(crate) ktp: Uuid,
    pub(crate) age: Uuid,
    pub(crate) domicile: Uuid,
}

pub(crate) async fn fixture(app: &TestApp, admin: Uuid) -> Fixture {
    let db = &app.db.db;
    for k in [KARANG_MUMUS, PELABUHAN] {
        pokmas::services::rounds::create_rts(db, Actor::System, k, Some(10))
            .await
            .expect("rts");
    }
    let now = OffsetDateTime::now_utc();
    let round_id = Uuid::now_v7();
    round::Model {
        final_rule: None,
        id: round_id,
        slug: "rekrutmen-2027".into(),
        name: "Rekrutmen Pokmas 2027".into(),
        year: 2027,
        description_id: String::new(),
        description_en: String::new(),
        state: "verification".parse().expect("state"),
        aggregation: "mean".into(),
        passing_total: None,
        min_panelists: 3,
        age_min: Some(21),
        age_max: Some(60),
        publish_all_names: false,
        programme_id: "Probebaya".into(),
        programme_en: "Probebaya".into(),
        group_id: "Pokmas".into(),
        group_en: "Pokmas".into(),
        member_id: "anggota Pokmas".into(),
        member_en: "Pokmas member".into(),
        domicile_rule: "rt".into(),
        registration_opens_at: Some(now - Duration::days(10)),
        registration_closes_at: Some(now - Duration::days(1)),
        verification_ends_at: Some(now + Duration::days(7)),
        assessment_starts_at: Some(now + Duration::days(10)),
        assessment_ends_at: Some(now + Duration::days(12)),
        provisional_at: Some(now + Duration::days(15)),
        objection_ends_at: Some(now + Duration::days(18)),
        final_at: Some(now + Duration::days(25)),
        frozen_hash: None,
        frozen_at: None,
        close_event_seq: None,
        close_event_hash: None,
        applicant_list_hash: None,
        lottery_seed: None,
        created_by: admin,
        created_at: now,
        updated_at: now,
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("round");
    let mut req_ids = Vec::new();
    for (pos, (code, kind, text)) in [
        ("KTP", "document", "Fotokopi KTP"),
        ("USIA", "age", "Usia 21–60 tahun"),
        ("DOMISILI", "domicile", "Berdomisili di wilayah formasi"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = Uuid::now_v7();
        requirement::Model {
            id,
            round_id,
            code: code.into(),
            kind: kind.into(),
            text_id: text.into(),
            text_en: text.into(),
            params: None,
            mandatory: true,
            position: i32::try_from(pos).expect("position"),
        }
        .into_active_model()
        .insert(db)
        .await
        .expect("requirement");
        req_ids.push(id);
    }
    let mut formations = Vec::new();
    for k in [KARANG_MUMUS, PELABUHAN] {
        let id = Uuid::now_v7();
        formation::Model {
            id,
            round_id,
            code: k.replace('.', ""),
            name: format!("Pokmas {k}"),
            kelurahan_code: k.into(),
            all_rts: true,
            seats: 5,
            reserve: 2,
        }
        .into_active_model()
        .insert(db)
        .await
        .expect("formation");
        for rt in 1..=10 {
            formation_rt::Model {
                round_id,
                kelurahan_code: k.into(),
                rt_number: rt,
                formation_id: id,
            }
            .into_active_model()
            .insert(db)
            .await
            .expect("formation rt");
        }
        formations.push(id);
    }
    let siti = submitted(
        app,
        round_id,
        formations[0],
        (KARANG_MUMUS, 3),
        "SKT-2027-0001",
        "Siti Aminah",
        "siti@contoh.id",
    )
    .await;
    let budi = submitted(
        app,
        round_id,
        formations[0],
        (KARANG_MUMUS, 4),
        "SKT-2027-0002",
        "Budi Santoso",
        "budi@contoh.id",
    )
    .await;
    let rahmat = submitted(
        app,
        round_id,
        formations[1],
        (PELABUHAN, 2),
        "SKT-2027-0003",
        "Rahmat Hidayat",
        "",
    )
    .await;

    let blob = FileStore::new(app.db.dir.path()).put(PDF).expect("store");
    stored_file::Model {
        sha256: blob.sha256.clone(),
        size_bytes: i64::try_from(PDF.len()).expect("size"),
        content_type: "application/pdf".into(),
        created_at: now,
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("stored file");
    let siti_doc = Uuid::now_v7();
    document::Model {
        id: siti_doc,
        application_id: siti,
        requirement_id: Some(req_ids[0]),
        sha256: blob.sha256,
        original_name: "ktp-siti.pdf".into(),
        uploaded_by: None,
        created_at: now,
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("document");
    Fixture {
        round_id,
        siti,
        siti_doc,
        budi,
        rahmat,
        ktp: req_ids[0],
        age: req_ids[1],
        domicile: req_ids[2],
    }
}

/// Inserts an application already submitted, as the application service
/// (built elsewhere) will leave it.
pub(crate) async fn submitted(
    app: &TestApp,
    round_id: Uuid,
    formation_id: Uuid,
    (kelurahan, rt): (&str, i32),
    registration_no: &str,
    name: &str,
    email: &str,
) -> Uuid {
    let now = OffsetDateTime::now_utc();
    let id = Uuid::now_v7();
    application::Model {
        id,
        round_id,
        formation_id: Some(formation_id),
        account_id: None,
        registration_no: Some(registration_no.into()),
        state: "submitted".parse().expect("state"),
        assisted_by: None,
        full_name: name.into(),
        nik_ciphertext: None,
        nik_hash: Some(format!("hash-{registration_no}")),
        nik_masked: Some("647201**********".into()),
        plain_birth_place: "Samarinda".into(),
        plain_birth_date: Some(Date::from_calendar_date(1985, Month::March, 14).expect("date")),
        sex: "female".into(),
        plain_address: "Jl. Pangeran Diponegoro".into(),
        kelurahan_code: Some(kelurahan.into()),
        rt_number: Some(rt),
        plain_phone: String::new(),
        plain_email: email.into(),
        education: String::new(),
        occupation: String::new(),
        family_card_hash: None,
        motivation: String::new(),
        experience: String::new(),
        nik_warnings: "[]".into(),
        status_pin_hash: None,
        submission_hash: None,
        seq_in_kelurahan: registration_no
            .rsplit('-')
            .next()
            .and_then(|n| n.parse().ok()),
        personal_ciphertext: None,
        created_at: now,
        updated_at: now,
        submitted_at: Some(now),
        withdrawn_at: None,
        eligibility_decided_at: None,
    }
    .into_active_model()
    .insert(&app.db.db)
    .await
    .expect("application");
    id
}

/// Signs `email` in within a fresh browser and hands back the one before.
pub(crate) async fn as_user(app: &mut TestApp, email: &str) -> Browser {
    let before = app.switch_browser(Browser::default());
    let res = app.login(email, PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "login {email}: {}",
        res.body
    );
    before
}

pub(crate) use crate::support::post_with_csrf as post_on;
