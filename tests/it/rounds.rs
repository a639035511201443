//! Round administration up to the freeze, and the public round page,
//! through the real router as an admin would click it.

use axum::http::StatusCode;
use pokmas::db::entities::{audit_event, criterion, formation, formation_rt, requirement, round};
use pokmas::domain::role::Role;
use pokmas::domain::round::input_wita;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::support::{PASSWORD, TestApp, TestResponse, hidden_value};

/// Kecamatan Samarinda Kota and three of its kelurahan with RT counts from
/// `fixtures/rt_counts_partial.csv`; the other two are left without RTs.
const KECAMATAN: &str = "64.72.09";
const KARANG_MUMUS: (&str, &str) = ("64.72.09.1001", "23");
const PELABUHAN: (&str, &str) = ("64.72.09.1002", "17");
pub(crate) const BUGIS: (&str, &str) = ("64.72.09.1004", "19");

pub(crate) async fn signed_in_admin(mut app: TestApp) -> TestApp {
    app.create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    let res = app.login("admin@samarindakota.go.id", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "login: {}", res.body);
    app
}

pub(crate) use crate::support::post_with_csrf as post;

pub(crate) async fn create_round(app: &mut TestApp, name: &str) -> Uuid {
    let page = app.get("/admin/seleksi").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let key = hidden_value(&page.body, "idempotency_key").expect("idempotency key");
    let res = app
        .post_form(
            "/admin/seleksi",
            &[
                ("csrf", &csrf),
                ("idempotency_key", &key),
                ("name", name),
                ("year", "2027"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id: Uuid = res
        .location()
        .and_then(|l| l.strip_prefix("/admin/seleksi/"))
        .and_then(|s| s.parse().ok())
        .expect("redirect to the round");
    // A double click (same idempotency key) does not create a second round.
    let again = app
        .post_form(
            "/admin/seleksi",
            &[
                ("csrf", &csrf),
                ("idempotency_key", &key),
                ("name", name),
                ("year", "2027"),
            ],
        )
        .await;
    assert_eq!(again.location(), res.location(), "same round again");
    id
}

pub(crate) fn wita(days: i64) -> String {
    input_wita(OffsetDateTime::now_utc() + Duration::days(days))
}

/// A schedule around now: registration opened yesterday, closes in a week.
pub(crate) fn schedule_fields() -> Vec<(&'static str, String)> {
    vec![
        ("registration_opens_at", wita(-1)),
        ("registration_closes_at", wita(7)),
        ("verification_ends_at", wita(14)),
        ("assessment_starts_at", wita(20)),
        ("assessment_ends_at", wita(22)),
        ("provisional_at", wita(25)),
        ("objection_ends_at", wita(28)),
        ("final_at", wita(35)),
    ]
}

pub(crate) async fn save_settings(
    app: &mut TestApp,
    id: Uuid,
    schedule: &[(&'static str, String)],
) -> TestResponse {
    let path = format!("/admin/seleksi/{id}");
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", "Rekrutmen Pokmas Samarinda Kota"),
        ("year", "2027"),
        (
            "description_id",
            "Seleksi anggota Pokmas untuk Kecamatan Samarinda Kota.",
        ),
        (
            "description_en",
            "Selection of Pokmas members for Samarinda Kota district.",
        ),
        ("aggregation", "mean"),
        ("passing_total", "60"),
        ("min_panelists", "3"),
        ("age_min", "21"),
        ("age_max", "60"),
    ];
    fields.extend(schedule.iter().map(|(k, v)| (*k, v.as_str())));
    post(app, &path, &path, &fields).await
}

pub(crate) async fn audit_count(app: &TestApp) -> u64 {
    audit_event::Entity::find()
        .count(&app.db.db)
        .await
        .expect("count")
}

pub(crate) async fn load_round(app: &TestApp, id: Uuid) -> round::Model {
    round::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("round exists")
}

/// Builds a complete draft round: template criteria, a schedule, RTs for
/// three kelurahan and one formation per kelurahan of the kecamatan.
pub(crate) async fn build_round(app: &mut TestApp) -> Uuid {
    let id = create_round(app, "Rekrutmen Pokmas Samarinda Kota").await;
    let crit = format!("/admin/seleksi/{id}/kriteria");
    let res = post(
        app,
        &crit,
        &format!("/admin/seleksi/{id}/templat"),
        &[("template", "panel"), ("confirm", "1")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = save_settings(app, id, &schedule_fields()).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    let fpage = format!("/admin/seleksi/{id}/formasi");
    for (code, count) in [KARANG_MUMUS, PELABUHAN, BUGIS] {
        let res = post(
            app,
            &fpage,
            &format!("{fpage}/rt"),
            &[("kelurahan", code), ("rt_count", count)],
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    let res = post(
        app,
        &fpage,
        &format!("{fpage}/buat"),
        &[("kecamatan", KECAMATAN), ("seats", "5"), ("reserve", "2")],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Formasi dibuat"), "{}", res.body);
    // Pasar Pagi and Sungai Pinang Luar have no RT rows: said so, and offered the RT form.
    assert!(res.body.contains("belum memiliki data RT"), "{}", res.body);
    assert!(res.body.contains("Pasar Pagi"));
    id
}

async fn submitted_application(
    app: &TestApp,
    round_id: Uuid,
    formation_id: Uuid,
    kelurahan: &str,
    rt: i32,
) {
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let now = OffsetDateTime::now_utc();
    pokmas::db::entities::application::Model {
        id: Uuid::now_v7(),
        round_id,
        formation_id: Some(formation_id),
        account_id: None,
        registration_no: Some("SKT-2027-0001".into()),
        state: "submitted".parse().expect("state"),
        assisted_by: None,
        full_name: "Siti Aminah".into(),
        nik_ciphertext: None,
        nik_hash: Some("h1".into()),
        nik_masked: None,
        plain_birth_place: "Samarinda".into(),
        plain_birth_date: None,
        sex: "female".into(),
        plain_address: "Jl. Pangeran Diponegoro".into(),
        kelurahan_code: Some(kelurahan.into()),
        rt_number: Some(rt),
        plain_phone: String::new(),
        plain_email: String::new(),
        education: String::new(),
        occupation: String::new(),
        family_card_hash: None,
        motivation: String::new(),
        experience: String::new(),
        nik_warnings: "[]".into(),
        status_pin_hash: None,
        submission_hash: None,
        seq_in_kelurahan: Some(1),
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
}

async fn journey(mut app: TestApp) {
    app = signed_in_admin(app).await;
    let id = build_round(&mut app).await;
    let db = app.db.db.clone();

    // Three whole-kelurahan formations, each listing every RT.
    let formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(id))
        .all(&db)
        .await
        .expect("formations");
    assert_eq!(formations.len(), 3);
    assert!(
        formations
            .iter()
            .all(|f| f.all_rts && f.seats == 5 && f.reserve == 2)
    );
    let rts = formation_rt::Entity::find()
        .filter(formation_rt::Column::RoundId.eq(id))
        .count(&db)
        .await
        .expect("rts");
    assert_eq!(rts, 23 + 17 + 19);

    // Bulk edit: Bugis gets 7 seats.
    let bugis = formations
        .iter()
        .find(|f| f.kelurahan_code == BUGIS.0)
        .expect("bugis");
    let fpage = format!("/admin/seleksi/{id}/formasi");
    let seats_key = format!("seats_{}", bugis.id);
    let reserve_key = format!("reserve_{}", bugis.id);
    let res = post(
        &mut app,
        &fpage,
        &format!("{fpage}/kursi"),
        &[(&seats_key, "7"), (&reserve_key, "3")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // Bugis gains two RTs after its formation was made (say, a later RT
    // import): a group over them is refused, and the freeze adds them to
    // the whole-kelurahan formation.
    let added = pokmas::services::rounds::create_rts(
        &db,
        pokmas::db::audit::Actor::System,
        BUGIS.0,
        Some(21),
    )
    .await
    .expect("rts");
    assert_eq!(added, 2);
    let res = post(
        &mut app,
        &fpage,
        &format!("{fpage}/tambah"),
        &[
            ("code", "BUGIS-BARU"),
            ("name", "Pokmas Bugis Baru"),
            ("kelurahan_code", BUGIS.0),
            ("rts", "20;21"),
            ("seats", "1"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("sudah menjadi satu formasi utuh"),
        "{}",
        res.body
    );

    // A kelurahan whose RT count is recorded but whose RTs are not listed:
    // an empty count uses the recorded one.
    {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        pokmas::db::entities::kelurahan::ActiveModel {
            code: Set("64.72.09.1003".into()),
            rt_count: Set(Some(14)),
            ..Default::default()
        }
        .update(&db)
        .await
        .expect("record count");
    }
    let res = post(
        &mut app,
        &fpage,
        &format!("{fpage}/rt"),
        &[("kelurahan", "64.72.09.1003"), ("rt_count", "")],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("14 RT ditambahkan"), "{}", res.body);

    // The draft is not public.
    let slug = load_round(&app, id).await.slug;
    assert_eq!(slug, "rekrutmen-pokmas-samarinda-kota-2027");
    assert_eq!(
        app.get(&format!("/seleksi/{slug}")).await.status,
        StatusCode::NOT_FOUND
    );

    // Open registration: the rules freeze.
    let detail = format!("/admin/seleksi/{id}");
    let res = post(
        &mut app,
        &detail,
        &format!("{detail}/status"),
        &[("to", "registration")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let r = load_round(&app, id).await;
    assert_eq!(r.state.as_str(), "registration");
    let hash = r.frozen_hash.clone().expect("frozen hash");
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("round.registration_opened"))
        .one(&db)
        .await
        .expect("query")
        .expect("event");
    let payload: serde_json::Value = serde_json::from_str(&event.payload).expect("json");
    assert_eq!(payload["frozen_hash"], serde_json::json!(hash));
    // Anyone can re-derive the hash from the payload alone.
    let text = pokmas::domain::audit::canonical_payload(&payload["frozen"]).expect("canonical");
    assert_eq!(pokmas::domain::lottery::sha256_hex(&text), hash);
    assert_eq!(
        payload["rts_added_to_whole_formations"],
        serde_json::json!(2)
    );
    let frozen_bugis = payload["frozen"]["formations"]
        .as_array()
        .expect("formations")
        .iter()
        .find(|f| f["code"] == serde_json::json!(BUGIS.0))
        .expect("bugis frozen");
    assert_eq!(frozen_bugis["rts"].as_array().map(Vec::len), Some(21));

    // Every later edit is refused with a clear message, and nothing changes.
    let before = audit_count(&app).await;
    let crit_before = criterion::Entity::find().count(&db).await.expect("count");
    let crit = format!("/admin/seleksi/{id}/kriteria");
    let res = post(
        &mut app,
        &detail,
        &crit,
        &[
            ("c0_code", "X"),
            ("c0_name_id", "Baru"),
            ("c0_scale_min", "1"),
            ("c0_scale_max", "2"),
            ("c0_weight", "100"),
            ("c0_labels", "1 = a\n2 = b"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("sudah dikunci"), "{}", res.body);
    let res = post(
        &mut app,
        &detail,
        &format!("{fpage}/kursi"),
        &[(&seats_key, "9"), (&reserve_key, "3")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("sudah dikunci"));
    assert!(
        res.body.contains("Perubahan tidak disimpan."),
        "the refused edit is said to be discarded"
    );
    let res = post(
        &mut app,
        &detail,
        &format!("/admin/seleksi/{id}/templat"),
        &[("template", "tpp2023"), ("confirm", "1")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = post(
        &mut app,
        &detail,
        &format!("/admin/seleksi/{id}/persyaratan"),
        &[
            ("r0_code", "X"),
            ("r0_kind", "document"),
            ("r0_text_id", "Apa saja"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = save_settings(&mut app, id, &schedule_fields()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        audit_count(&app).await,
        before,
        "no event for a refused edit"
    );
    assert_eq!(
        criterion::Entity::find().count(&db).await.expect("count"),
        crit_before
    );
    assert_eq!(load_round(&app, id).await.frozen_hash, Some(hash.clone()));
    let bugis_now = formation::Entity::find_by_id(bugis.id)
        .one(&db)
        .await
        .expect("q")
        .expect("f");
    assert_eq!((bugis_now.seats, bugis_now.reserve), (7, 3));

    // One submitted application in Bugis RT 1 (the application service is
    // another issue; a row is enough for the live counts).
    submitted_application(&app, id, bugis.id, BUGIS.0, 1).await;

    // The public page shows criteria, weights, seats, requirements and the hash.
    app.get("/bahasa/id?kembali=/").await;
    let page = app.get(&format!("/seleksi/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Integritas dan komitmen",
        "Pemahaman Probebaya",
        "Pengalaman pengorganisasian masyarakat",
        "Sangat baik: rekam jejak teruji",
        "Pokmas Kelurahan Bugis",
        "Saya bukan pengurus atau anggota partai politik.",
        "Contoh dengan dua pendaftar",
        "Formasi dengan pendaftar lebih sedikit dari kursi",
        &hash,
    ] {
        assert!(page.body.contains(text), "public page lacks {text}");
    }
    assert!(
        page.body.contains("<td class=\"num\">30</td>"),
        "weight 30 shown"
    );
    assert!(
        page.body.contains("<td class=\"num\">7</td>"),
        "Bugis seats shown"
    );
    assert!(
        page.body.contains("kursi: <strong>17</strong>")
            || page.body.contains("kursi\": <strong>17"),
        "total seats 5+5+7"
    );
    let en = app
        .get(&format!("/bahasa/en?kembali=/seleksi/{slug}"))
        .await;
    assert_eq!(en.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/seleksi/{slug}")).await;
    assert!(page.body.contains("Integrity and commitment"));
    assert!(
        page.body.contains("applications: <strong>1</strong>"),
        "live total"
    );
    assert!(
        page.body.contains("Pokmas Kelurahan Bugis: 1 / 7 seats"),
        "fewer applicants than seats"
    );
    assert!(
        page.body
            .contains("Kec. Samarinda Kota</th><th class=\"num\">1</th>"),
        "per kecamatan"
    );
    assert!(page.body.contains("Worked example with two applicants"));

    // The home page links to it.
    let home = app.get("/").await;
    assert!(home.body.contains(&format!("href=\"/seleksi/{slug}\"")));

    // formations.csv round-trips through its own format.
    let csv = app.get(&format!("/admin/seleksi/{id}/formasi.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("round_id,formation_code,name,kelurahan_code,rts,seats,reserve\n")
    );
    assert!(csv.body.contains(&format!(
        "{id},{},Pokmas Kelurahan Bugis,{},all,7,3",
        BUGIS.0, BUGIS.0
    )));
}

#[tokio::test]
async fn an_admin_builds_a_round_from_a_template_and_opening_registration_freezes_it_on_sqlite() {
    journey(TestApp::new().await).await;
}

#[tokio::test]
async fn an_admin_builds_a_round_from_a_template_and_opening_registration_freezes_it_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    journey(app).await;
}

#[tokio::test]
async fn rt_groups_split_a_kelurahan_and_csv_imports_replace_formations() {
    let mut app = signed_in_admin(TestApp::new().await).await;
    let id = create_round(&mut app, "Seleksi Pokmas Pelabuhan").await;
    let fpage = format!("/admin/seleksi/{id}/formasi");
    let res = post(
        &mut app,
        &fpage,
        &format!("{fpage}/rt"),
        &[("kelurahan", PELABUHAN.0), ("rt_count", PELABUHAN.1)],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    for (code, rts) in [
        ("PLB-1", "1;2;3;4;5;6;7;8"),
        ("PLB-2", "9;10;11;12;13;14;15;16;17"),
    ] {
        let res = post(
            &mut app,
            &fpage,
            &format!("{fpage}/tambah"),
            &[
                ("code", code),
                ("name", &format!("Pokmas {code}")),
                ("kelurahan_code", PELABUHAN.0),
                ("rts", rts),
                ("seats", "3"),
                ("reserve", "1"),
            ],
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    // A whole-kelurahan formation would overlap both groups.
    let res = post(
        &mut app,
        &fpage,
        &format!("{fpage}/tambah"),
        &[
            ("code", "PLB"),
            ("name", "Pokmas Pelabuhan"),
            ("kelurahan_code", PELABUHAN.0),
            ("rts", "all"),
            ("seats", "3"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);

    let csv = app
        .get(&format!("/admin/seleksi/{id}/formasi.csv"))
        .await
        .body;
    assert!(
        csv.contains(",PLB-2,Pokmas PLB-2,64.72.09.1002,9;10;11;12;13;14;15;16;17,3,1\n"),
        "{csv}"
    );
    let replaced = csv.replace(",3,1\n", ",4,2\n");
    let res = post(
        &mut app,
        &fpage,
        &format!("{fpage}/impor"),
        &[("csv", &replaced)],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let seats: Vec<i32> = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(id))
        .all(&app.db.db)
        .await
        .expect("q")
        .into_iter()
        .map(|f| f.seats)
        .collect();
    assert_eq!(seats, vec![4, 4]);
    let last = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .one(&app.db.db)
        .await
        .expect("q")
        .expect("event");
    assert_eq!(last.action, "formations.imported");
}

/// The second template (a written test imported from outside, then an
/// interview) and a requirements edit, both through the admin forms.
#[tokio::test]
async fn the_written_test_template_and_a_requirements_edit_are_saved_through_the_forms() {
    let mut app = signed_in_admin(TestApp::new().await).await;
    let id = create_round(&mut app, "Rekrutmen model TPP 2023").await;
    let crit = format!("/admin/seleksi/{id}/kriteria");
    let res = post(
        &mut app,
        &crit,
        &format!("/admin/seleksi/{id}/templat"),
        &[("template", "tpp2023"), ("confirm", "1")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let mut criteria: Vec<(String, String, i32)> = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(id))
        .all(&app.db.db)
        .await
        .expect("criteria")
        .into_iter()
        .map(|c| (c.code, c.kind, c.weight))
        .collect();
    criteria.sort();
    assert_eq!(
        criteria,
        [
            ("MOT".to_owned(), "panel".to_owned(), 40),
            ("PRB".to_owned(), "panel".to_owned(), 30),
            ("TES".to_owned(), "imported".to_owned(), 100),
            ("TGS".to_owned(), "panel".to_owned(), 30),
        ]
    );
    // Two stages: the written test with a shortlist of 3 × seats, then the
    // interview; a facilitators' round living anywhere in the city.
    let stages = pokmas::db::entities::round_stage::Entity::find()
        .filter(pokmas::db::entities::round_stage::Column::RoundId.eq(id))
        .all(&app.db.db)
        .await
        .expect("stages");
    let mut stages: Vec<_> = stages
        .into_iter()
        .map(|s| (s.position, s.code, s.advance_top_k))
        .collect();
    stages.sort();
    assert_eq!(
        stages,
        [(1, "TES".to_owned(), Some(3)), (2, "WWN".to_owned(), None)]
    );
    let r = load_round(&app, id).await;
    assert_eq!((r.age_min, r.age_max), (Some(21), Some(50)));
    assert_eq!(r.domicile_rule, "city");
    assert_eq!(r.group_id, "Tenaga Pendamping (TPP)");
    let page = app.get(&crit).await;
    assert!(
        page.body.contains("TES"),
        "the criteria page lists the test"
    );

    // Requirements: two rows saved, then a second age rule refused with
    // its reason next to the field and nothing changed.
    let req = format!("/admin/seleksi/{id}/persyaratan");
    let rows = [
        ("r0_code", "usia"),
        ("r0_kind", "age"),
        (
            "r0_text_id",
            "Usia 21–50 tahun pada tanggal pendaftaran ditutup.",
        ),
        ("r0_mandatory", "on"),
        ("r1_code", "KTP"),
        ("r1_kind", "document"),
        ("r1_text_id", "Pindaian KTP elektronik."),
        ("r1_text_en", "Scan of the electronic identity card."),
        ("r1_mandatory", "on"),
    ];
    let res = post(&mut app, &req, &req, &rows).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let db = app.db.db.clone();
    let saved = || async {
        let mut v: Vec<(String, String, bool)> = requirement::Entity::find()
            .filter(requirement::Column::RoundId.eq(id))
            .all(&db)
            .await
            .expect("requirements")
            .into_iter()
            .map(|r| (r.code, r.kind, r.mandatory))
            .collect();
        v.sort();
        v
    };
    let before = saved().await;
    assert_eq!(
        before,
        [
            ("KTP".to_owned(), "document".to_owned(), true),
            ("USIA".to_owned(), "age".to_owned(), true),
        ]
    );
    let mut twice = rows.to_vec();
    twice.extend([
        ("r2_code", "USIA2"),
        ("r2_kind", "age"),
        ("r2_text_id", "Batas usia lagi."),
    ]);
    let res = post(&mut app, &req, &req, &twice).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Persyaratan otomatis ini sudah ada."));
    assert!(res.body.contains("Batas usia lagi."), "typed text kept");
    assert_eq!(saved().await, before);
}
