//! The rules the database itself enforces, on SQLite and PostgreSQL alike.
//!
//! Each test runs once per available backend (PostgreSQL when
//! `TEST_DATABASE_URL` is set) and names the backend when it fails.

use migration::{Migrator, MigratorTrait};
use pokmas::db::entities::{
    account, account_scope, application, application_declaration, approval, audit_checkpoint,
    auth_token, conflict_declaration, criterion, document, formation, formation_rt,
    idempotency_key, imported_value, kecamatan, kelurahan, lottery_witness, objection, panel,
    panel_formation, panel_member, ranking, rate_limit, requirement, requirement_check, round, rt,
    score_value, score_version, scorecard, scorecard_draft_value, session, stored_file,
    test_invitation, test_session,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, SqlErr, Statement, TransactionTrait,
};
use time::OffsetDateTime;
use time::macros::{date, datetime};
use uuid::Uuid;

use crate::support::TestDb;

const T0: OffsetDateTime = datetime!(2026-05-02 03:04:05.123456 UTC);
const RAWA_MAKMUR: &str = "64.72.01.1001";
const HANDIL_BAKTI: &str = "64.72.01.1002";

/// A fresh migrated database per backend available here.
async fn backends() -> Vec<(&'static str, TestDb)> {
    let mut dbs = vec![("sqlite", TestDb::sqlite().await)];
    if let Some(pg) = TestDb::postgres().await {
        dbs.push(("postgres", pg));
    }
    dbs
}

/// Inserts `$model` through its entity and checks that what comes back is
/// exactly what went in (column names and types agree with the migration).
macro_rules! put {
    ($db:expr, $model:expr) => {{
        let model = $model;
        let back = model
            .clone()
            .into_active_model()
            .insert($db)
            .await
            .expect("insert");
        assert_eq!(back, model);
        back
    }};
}

#[track_caller]
fn assert_unique_violation<T: std::fmt::Debug>(backend: &str, res: Result<T, DbErr>) {
    match res {
        Err(e) => assert!(
            matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
            "{backend}: expected a unique violation, got {e}"
        ),
        Ok(v) => panic!("{backend}: expected a unique violation, got {v:?}"),
    }
}

#[track_caller]
fn assert_fk_violation<T: std::fmt::Debug>(backend: &str, res: Result<T, DbErr>) {
    match res {
        Err(e) => assert!(
            matches!(e.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_))),
            "{backend}: expected a foreign-key violation, got {e}"
        ),
        Ok(v) => panic!("{backend}: expected a foreign-key violation, got {v:?}"),
    }
}

#[track_caller]
fn assert_check_violation<T: std::fmt::Debug>(backend: &str, check: &str, res: Result<T, DbErr>) {
    match res {
        Err(e) => assert!(
            e.to_string().contains(check),
            "{backend}: expected CHECK {check} to refuse, got {e}"
        ),
        Ok(v) => panic!("{backend}: expected CHECK {check} to refuse, got {v:?}"),
    }
}

// ---------------------------------------------------------------- fixtures

/// Kecamatan Palaran with two kelurahan of three RTs each.
async fn seed_regions(db: &DatabaseConnection) {
    put!(
        db,
        kecamatan::Model {
            code: "64.72.01".into(),
            name: "Palaran".into(),
        }
    );
    for (code, name) in [(RAWA_MAKMUR, "Rawa Makmur"), (HANDIL_BAKTI, "Handil Bakti")] {
        put!(
            db,
            kelurahan::Model {
                code: code.into(),
                kecamatan_code: "64.72.01".into(),
                name: name.into(),
                rt_count: Some(3),
            }
        );
        for number in 1..=3 {
            put!(
                db,
                rt::Model {
                    kelurahan_code: code.into(),
                    number,
                }
            );
        }
    }
}

async fn seed_account(db: &DatabaseConnection, email: &str, role: &str) -> Uuid {
    put!(
        db,
        account::Model {
            id: Uuid::now_v7(),
            email: email.into(),
            name: email.split('@').next().unwrap_or(email).into(),
            password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
            role: role.into(),
            status: pokmas::domain::account::AccountStatus::Active,
            email_verified_at: Some(T0),
            locale: "id".into(),
            phone: None,
            own_kelurahan_code: None,
            own_rt_number: None,
            family_card_hash: None,
            created_at: T0,
            updated_at: T0,
            last_login_at: None,
        }
    )
    .id
}

async fn seed_round(db: &DatabaseConnection, slug: &str, created_by: Uuid) -> Uuid {
    put!(
        db,
        round::Model {
            final_rule: None,
            id: Uuid::now_v7(),
            slug: slug.into(),
            name: format!("Rekrutmen Pokmas {slug}"),
            year: 2026,
            description_id: "Rekrutmen terbuka anggota Pokmas.".into(),
            description_en: "Open recruitment of Pokmas members.".into(),
            state: "draft".parse().expect("state"),
            aggregation: "mean".into(),
            passing_total: Some(60),
            min_panelists: 3,
            age_min: Some(21),
            age_max: None,
            publish_all_names: false,
            programme_id: "Probebaya".into(),
            programme_en: "Probebaya".into(),
            group_id: "Pokmas".into(),
            group_en: "Pokmas".into(),
            member_id: "anggota Pokmas".into(),
            member_en: "Pokmas member".into(),
            domicile_rule: "rt".into(),
            registration_opens_at: Some(T0),
            registration_closes_at: None,
            verification_ends_at: None,
            assessment_starts_at: None,
            assessment_ends_at: None,
            provisional_at: None,
            objection_ends_at: None,
            final_at: None,
            frozen_hash: None,
            frozen_at: None,
            close_event_seq: None,
            close_event_hash: None,
            applicant_list_hash: None,
            lottery_seed: None,
            created_by,
            created_at: T0,
            updated_at: T0,
        }
    )
    .id
}

/// The RTs a formation covers: all of its kelurahan, or a group of them.
enum Area<'a> {
    Whole,
    Rts(&'a [i32]),
}

/// Creates a formation and lists its RTs in one transaction, as the service does.
async fn create_formation(
    db: &DatabaseConnection,
    round_id: Uuid,
    code: &str,
    kelurahan_code: &str,
    area: Area<'_>,
) -> Result<Uuid, DbErr> {
    let txn = db.begin().await?;
    let id = Uuid::now_v7();
    formation::Model {
        id,
        round_id,
        code: code.into(),
        name: format!("Pokmas {code}"),
        kelurahan_code: kelurahan_code.into(),
        all_rts: matches!(area, Area::Whole),
        seats: 5,
        reserve: 2,
    }
    .into_active_model()
    .insert(&txn)
    .await?;
    let rts: Vec<i32> = match area {
        Area::Rts(rts) => rts.to_vec(),
        Area::Whole => rt::Entity::find()
            .filter(rt::Column::KelurahanCode.eq(kelurahan_code))
            .all(&txn)
            .await?
            .into_iter()
            .map(|rt| rt.number)
            .collect(),
    };
    for rt_number in rts {
        formation_rt::Model {
            round_id,
            kelurahan_code: kelurahan_code.into(),
            rt_number,
            formation_id: id,
        }
        .into_active_model()
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(id)
}

/// Where an applicant lives and which formation they are placed in.
struct Placement<'a> {
    formation_id: Uuid,
    kelurahan_code: &'a str,
    rt_number: i32,
}

fn application_model(
    round_id: Uuid,
    nik_hash: &str,
    place: Option<Placement<'_>>,
) -> application::Model {
    application::Model {
        id: Uuid::now_v7(),
        round_id,
        formation_id: place.as_ref().map(|p| p.formation_id),
        account_id: None,
        registration_no: None,
        state: "draft".parse().expect("state"),
        assisted_by: None,
        full_name: "Siti Aminah".into(),
        nik_ciphertext: Some(vec![0x01, 0x02, 0xfe, 0xff]),
        nik_hash: Some(nik_hash.into()),
        nik_masked: Some("647201**********".into()),
        plain_birth_place: "Samarinda".into(),
        plain_birth_date: Some(date!(1990 - 05 - 17)),
        sex: "female".into(),
        plain_address: "Jl. Trikora No. 7".into(),
        kelurahan_code: place.as_ref().map(|p| p.kelurahan_code.to_owned()),
        rt_number: place.as_ref().map(|p| p.rt_number),
        plain_phone: "081234567890".into(),
        plain_email: "siti@example.org".into(),
        education: "sma".into(),
        occupation: "Wiraswasta".into(),
        family_card_hash: None,
        motivation: "Membangun lingkungan.".into(),
        experience: "Ketua RT 2019–2022.".into(),
        nik_warnings: "[]".into(),
        status_pin_hash: None,
        submission_hash: None,
        seq_in_kelurahan: None,
        personal_ciphertext: None,
        created_at: T0,
        updated_at: T0,
        submitted_at: None,
        withdrawn_at: None,
        eligibility_decided_at: None,
    }
}

async fn create_application(
    db: &DatabaseConnection,
    round_id: Uuid,
    nik_hash: &str,
    place: Option<Placement<'_>>,
) -> Result<application::Model, DbErr> {
    application_model(round_id, nik_hash, place)
        .into_active_model()
        .insert(db)
        .await
}

// ------------------------------------------------------------------- tests

#[tokio::test]
async fn one_nik_applies_once_per_round_but_may_apply_again_in_another_round() {
    for (backend, t) in backends().await {
        let db = &t.db;
        seed_regions(db).await;
        let admin = seed_account(db, "admin@example.org", "admin").await;
        let round_2026 = seed_round(db, "2026", admin).await;
        let round_2027 = seed_round(db, "2027", admin).await;

        create_application(db, round_2026, "nik-hash-a", None)
            .await
            .expect("first application");
        let twice = create_application(db, round_2026, "nik-hash-a", None).await;
        let next_round = create_application(db, round_2027, "nik-hash-a", None).await;
        let other_person = create_application(db, round_2026, "nik-hash-b", None).await;

        assert_unique_violation(backend, twice);
        assert!(next_round.is_ok(), "{backend}: {next_round:?}");
        assert!(other_person.is_ok(), "{backend}: {other_person:?}");
    }
}

#[tokio::test]
async fn formations_of_one_round_can_never_cover_the_same_rt() {
    for (backend, t) in backends().await {
        let db = &t.db;
        seed_regions(db).await;
        let admin = seed_account(db, "admin@example.org", "admin").await;
        let round_id = seed_round(db, "2026", admin).await;
        let other_round = seed_round(db, "2027", admin).await;
        create_formation(db, round_id, "RM-A", RAWA_MAKMUR, Area::Rts(&[1, 2]))
            .await
            .expect("first RT group");
        create_formation(db, round_id, "HB", HANDIL_BAKTI, Area::Whole)
            .await
            .expect("whole kelurahan");

        let overlapping_group =
            create_formation(db, round_id, "RM-B", RAWA_MAKMUR, Area::Rts(&[2, 3])).await;
        let whole_over_group = create_formation(db, round_id, "RM", RAWA_MAKMUR, Area::Whole).await;
        let group_inside_whole =
            create_formation(db, round_id, "HB-1", HANDIL_BAKTI, Area::Rts(&[1])).await;
        let disjoint_group =
            create_formation(db, round_id, "RM-C", RAWA_MAKMUR, Area::Rts(&[3])).await;
        let same_rts_next_round =
            create_formation(db, other_round, "RM-A", RAWA_MAKMUR, Area::Rts(&[1, 2])).await;

        assert_unique_violation(backend, overlapping_group);
        assert_unique_violation(backend, whole_over_group);
        assert_unique_violation(backend, group_inside_whole);
        assert!(disjoint_group.is_ok(), "{backend}: {disjoint_group:?}");
        assert!(
            same_rts_next_round.is_ok(),
            "{backend}: {same_rts_next_round:?}"
        );
    }
}

#[tokio::test]
async fn a_kelurahan_without_listed_rts_still_has_at_most_one_whole_formation_per_round() {
    for (backend, t) in backends().await {
        let db = &t.db;
        seed_regions(db).await;
        put!(
            db,
            kelurahan::Model {
                code: "64.72.01.1003".into(),
                kecamatan_code: "64.72.01".into(),
                name: "Bantuas".into(),
                rt_count: None,
            }
        );
        let admin = seed_account(db, "admin@example.org", "admin").await;
        let round_id = seed_round(db, "2026", admin).await;
        create_formation(db, round_id, "BT", "64.72.01.1003", Area::Whole)
            .await
            .expect("whole kelurahan");

        let second_whole =
            create_formation(db, round_id, "BT-2", "64.72.01.1003", Area::Whole).await;

        assert_unique_violation(backend, second_whole);
    }
}

/// The home RT must be on the region list and the formation of the same
/// round; whether the home lies in the formation's area is the round's
/// domicile rule, which the services apply (a wider rule admits an RT the
/// formation does not cover).
#[tokio::test]
async fn an_application_is_placed_in_a_formation_of_its_own_round() {
    for (backend, t) in backends().await {
        let db = &t.db;
        seed_regions(db).await;
        let admin = seed_account(db, "admin@example.org", "admin").await;
        let round_id = seed_round(db, "2026", admin).await;
        let other_round = seed_round(db, "2027", admin).await;
        let rt_1_2 = create_formation(db, round_id, "RM-A", RAWA_MAKMUR, Area::Rts(&[1, 2]))
            .await
            .expect("RT group");
        create_formation(db, round_id, "RM-B", RAWA_MAKMUR, Area::Rts(&[3]))
            .await
            .expect("RT group");
        let next_year = create_formation(db, other_round, "RM", RAWA_MAKMUR, Area::Whole)
            .await
            .expect("whole kelurahan next round");
        let at = |formation_id, rt_number| {
            Some(Placement {
                formation_id,
                kelurahan_code: RAWA_MAKMUR,
                rt_number,
            })
        };

        let covered = create_application(db, round_id, "nik-1", at(rt_1_2, 2)).await;
        let outside_area = create_application(db, round_id, "nik-2", at(rt_1_2, 3)).await;
        let wrong_round = create_application(db, round_id, "nik-3", at(next_year, 1)).await;
        let unlisted_rt = create_application(db, round_id, "nik-4", at(rt_1_2, 99)).await;

        assert!(covered.is_ok(), "{backend}: {covered:?}");
        assert!(outside_area.is_ok(), "{backend}: {outside_area:?}");
        assert_fk_violation(backend, wrong_round);
        assert_fk_violation(backend, unlisted_rt);
    }
}

#[tokio::test]
async fn references_to_regions_that_do_not_exist_are_refused() {
    for (backend, t) in backends().await {
        let db = &t.db;
        seed_regions(db).await;
        let admin = seed_account(db, "admin@example.org", "admin").await;
        let round_id = seed_round(db, "2026", admin).await;

        let missing_kelurahan =
            create_formation(db, round_id, "X", "64.72.99.9999", Area::Rts(&[])).await;
        let missing_rt = create_formation(db, round_id, "RM", RAWA_MAKMUR, Area::Rts(&[4])).await;
        let mut lives_nowhere = application_model(round_id, "nik-1", None);
        lives_nowhere.kelurahan_code = Some(RAWA_MAKMUR.into());
        lives_nowhere.rt_number = Some(9);
        let lives_nowhere = lives_nowhere.into_active_model().insert(db).await;

        assert_fk_violation(backend, missing_kelurahan);
        assert_fk_violation(backend, missing_rt);
        assert_fk_violation(backend, lives_nowhere);
    }
}

#[tokio::test]
async fn whoever_requests_an_approval_cannot_be_the_one_who_approves_it() {
    for (backend, t) in backends().await {
        let db = &t.db;
        let first = seed_account(db, "first@example.org", "admin").await;
        let second = seed_account(db, "second@example.org", "admin").await;
        let round_id = seed_round(db, "2026", first).await;
        let request = |id| approval::Model {
            id,
            round_id: Some(round_id),
            kind: "round.finalize".into(),
            subject_type: "round".into(),
            subject_id: round_id.to_string(),
            payload: "{}".into(),
            reason: "Hasil akhir siap ditetapkan.".into(),
            requested_by: first,
            requested_at: T0,
            status: pokmas::domain::approval::ApprovalStatus::Pending,
            decided_by: None,
            decided_at: None,
            decision_reason: String::new(),
        };
        let pending = put!(db, request(Uuid::now_v7()));
        let decide = |by| approval::Model {
            status: pokmas::domain::approval::ApprovalStatus::Approved,
            decided_by: Some(by),
            decided_at: Some(T0),
            ..pending.clone()
        };

        let duplicate_request = request(Uuid::now_v7()).into_active_model().insert(db).await;
        let by_requester = decide(first)
            .into_active_model()
            .reset_all()
            .update(db)
            .await;
        let by_second_admin = decide(second)
            .into_active_model()
            .reset_all()
            .update(db)
            .await;

        assert_unique_violation(backend, duplicate_request);
        assert_check_violation(backend, "ck_approval_four_eyes", by_requester);
        assert!(by_second_admin.is_ok(), "{backend}: {by_second_admin:?}");
    }
}

#[tokio::test]
async fn scoring_needs_a_conflict_declaration_and_every_amendment_needs_a_reason() {
    for (backend, t) in backends().await {
        let db = &t.db;
        let w = seed_everything(db).await;
        let other_panelist = seed_account(db, "dua@example.org", "panelist").await;
        let version = |version, reason: &str| score_version::Model {
            id: Uuid::now_v7(),
            scorecard_id: w.scorecard,
            version,
            submitted_at: T0,
            reason: reason.into(),
            audit_seq: None,
        };

        let undeclared = scorecard::Model {
            id: Uuid::now_v7(),
            application_id: w.application,
            panelist_id: other_panelist,
            status: "draft".into(),
            current_version: 0,
            created_at: T0,
            updated_at: T0,
        }
        .into_active_model()
        .insert(db)
        .await;
        let silent_amendment = version(2, "  ").into_active_model().insert(db).await;
        let same_version_again = version(1, "").into_active_model().insert(db).await;
        let explained_amendment = version(2, "Salah input nilai K2.")
            .into_active_model()
            .insert(db)
            .await;

        assert_fk_violation(backend, undeclared);
        assert_check_violation(
            backend,
            "ck_score_version_amendment_reason",
            silent_amendment,
        );
        assert_unique_violation(backend, same_version_again);
        assert!(
            explained_amendment.is_ok(),
            "{backend}: {explained_amendment:?}"
        );
    }
}

#[tokio::test]
async fn every_table_round_trips_a_row_through_its_entity() {
    for (backend, t) in backends().await {
        let w = seed_everything(&t.db).await;

        let counts = row_counts(&t.db).await;
        let placed = application::Entity::find_by_id(w.application)
            .find_also_related(rt::Entity)
            .one(&t.db)
            .await
            .expect("join through the composite key");

        for (table, n) in counts {
            assert!(n > 0, "{backend}: {table} has no row after seeding");
        }
        let (app, home) = placed.expect("the application");
        let home = home.expect("its home RT");
        assert_eq!(Some(home.number), app.rt_number, "{backend}");
    }
}

#[tokio::test]
async fn migrating_down_and_up_restores_an_identical_working_schema() {
    for (backend, t) in backends().await {
        let db = &t.db;
        let before = schema_fingerprint(db).await;

        Migrator::down(db, None).await.expect("down");
        let after_down = schema_fingerprint(db).await;
        Migrator::up(db, None).await.expect("up");
        let after_up = schema_fingerprint(db).await;

        assert!(
            before.iter().any(|line| line.contains("formation_rt")),
            "{backend}: the fingerprint does not see the schema"
        );
        assert!(
            !after_down.iter().any(|line| line.contains("formation_rt")),
            "{backend}: down left tables behind"
        );
        assert_eq!(
            before, after_up,
            "{backend}: schema differs after down and up"
        );
        seed_everything(db).await;
    }
}

// ------------------------------------------------- a row in every table

/// Ids of the rows `seed_everything` made that tests build on.
struct World {
    application: Uuid,
    scorecard: Uuid,
}

/// A small but complete round: one row (at least) in every table.
async fn seed_everything(db: &DatabaseConnection) -> World {
    seed_regions(db).await;
    let admin = seed_account(db, "admin@example.org", "admin").await;
    let second_admin = seed_account(db, "admin2@example.org", "admin").await;
    let operator = seed_account(db, "operator@example.org", "operator").await;
    let panelist = seed_account(db, "penilai@example.org", "panelist").await;
    let applicant = seed_account(db, "siti@example.org", "applicant").await;
    put!(
        db,
        account_scope::Model {
            account_id: operator,
            kelurahan_code: RAWA_MAKMUR.into(),
        }
    );
    put!(
        db,
        session::Model {
            id: "c2Vzc2lvbi1pZA".into(),
            data: br#"{"csrf":"x"}"#.to_vec(),
            expires_at: T0,
            account_id: Some(applicant),
        }
    );
    put!(
        db,
        auth_token::Model {
            id: Uuid::now_v7(),
            account_id: applicant,
            purpose: "verify_email".into(),
            token_hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            expires_at: T0,
            used_at: None,
            created_at: T0,
        }
    );
    put!(
        db,
        rate_limit::Model {
            key: "login:ip:127.0.0.1".into(),
            window_start: datetime!(2026-05-02 03:00 UTC),
            count: 1,
        }
    );
    put!(
        db,
        idempotency_key::Model {
            scope: applicant.to_string(),
            key: Uuid::now_v7().to_string(),
            request_hash: "abc".into(),
            status_code: Some(303),
            response_location: Some("/portal".into()),
            created_at: T0,
        }
    );

    let round_id = seed_round(db, "2026", admin).await;
    let formation_id = create_formation(db, round_id, "RM", RAWA_MAKMUR, Area::Whole)
        .await
        .expect("formation");
    let criterion_id = put!(
        db,
        criterion::Model {
            stage_code: None,
            id: Uuid::now_v7(),
            round_id,
            code: "K1".into(),
            name_id: "Pemahaman program".into(),
            name_en: "Understanding of the programme".into(),
            description_id: String::new(),
            description_en: String::new(),
            kind: "panel".into(),
            scale_min: 1,
            scale_max: 5,
            weight: 60,
            pass_min: Some(2),
            tiebreak_order: Some(1),
            position: 1,
            scale_labels: r#"{"1":{"id":"Kurang","en":"Poor"}}"#.into(),
        }
    )
    .id;
    let written_test = put!(
        db,
        criterion::Model {
            stage_code: None,
            id: Uuid::now_v7(),
            round_id,
            code: "TT".into(),
            name_id: "Tes tertulis".into(),
            name_en: "Written test".into(),
            description_id: String::new(),
            description_en: String::new(),
            kind: "imported".into(),
            scale_min: 0,
            scale_max: 100,
            weight: 40,
            pass_min: None,
            tiebreak_order: None,
            position: 2,
            scale_labels: "{}".into(),
        }
    )
    .id;
    let ktp = put!(
        db,
        requirement::Model {
            id: Uuid::now_v7(),
            round_id,
            code: "KTP".into(),
            kind: "document".into(),
            text_id: "Fotokopi KTP".into(),
            text_en: "Copy of the identity card".into(),
            params: Some(r#"{"content_types":["application/pdf"]}"#.into()),
            mandatory: true,
            position: 1,
        }
    )
    .id;
    let pledge = put!(
        db,
        requirement::Model {
            id: Uuid::now_v7(),
            round_id,
            code: "PERNYATAAN".into(),
            kind: "declaration".into(),
            text_id: "Bukan anggota partai politik".into(),
            text_en: "Not a member of a political party".into(),
            params: None,
            mandatory: true,
            position: 2,
        }
    )
    .id;
    let panel_id = put!(
        db,
        panel::Model {
            id: Uuid::now_v7(),
            round_id,
            name: "Tim Penilai Palaran".into(),
        }
    )
    .id;
    put!(
        db,
        panel_member::Model {
            panel_id,
            account_id: panelist,
        }
    );
    put!(
        db,
        panel_formation::Model {
            panel_id,
            formation_id,
        }
    );

    let mut app = application_model(
        round_id,
        "nik-hash-siti",
        Some(Placement {
            formation_id,
            kelurahan_code: RAWA_MAKMUR,
            rt_number: 1,
        }),
    );
    app.account_id = Some(applicant);
    app.registration_no = Some("2026-RM-0001".into());
    app.state = "eligible".parse().expect("state");
    app.seq_in_kelurahan = Some(1);
    app.submitted_at = Some(T0);
    let application_id = put!(db, app).id;
    put!(
        db,
        application_declaration::Model {
            application_id,
            requirement_id: pledge,
            accepted_at: T0,
        }
    );
    let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    put!(
        db,
        stored_file::Model {
            sha256: sha256.into(),
            size_bytes: 0,
            content_type: "application/pdf".into(),
            created_at: T0,
        }
    );
    let document_id = put!(
        db,
        document::Model {
            id: Uuid::now_v7(),
            application_id,
            requirement_id: Some(ktp),
            sha256: sha256.into(),
            original_name: "ktp.pdf".into(),
            uploaded_by: Some(applicant),
            created_at: T0,
        }
    )
    .id;
    put!(
        db,
        requirement_check::Model {
            id: Uuid::now_v7(),
            application_id,
            requirement_id: ktp,
            revision: 1,
            outcome: pokmas::domain::eligibility::RequirementOutcome::Ms,
            reason_code: None,
            reason_text: String::new(),
            automatic: false,
            checked_by: Some(operator),
            checked_at: T0,
        }
    );

    let test_session_id = put!(
        db,
        test_session::Model {
            id: Uuid::now_v7(),
            round_id,
            panel_id,
            starts_at: T0,
            place: "Kantor Kelurahan Rawa Makmur".into(),
            capacity: 20,
        }
    )
    .id;
    put!(
        db,
        test_invitation::Model {
            id: Uuid::now_v7(),
            test_session_id,
            application_id,
            invited_at: T0,
            attendance: Some("present".into()),
            decision: None,
            decided_by: None,
            decided_at: None,
        }
    );
    put!(
        db,
        conflict_declaration::Model {
            id: Uuid::now_v7(),
            application_id,
            panelist_id: panelist,
            kind: Some("none".into()),
            text: String::new(),
            recused: false,
            recused_by: None,
            recused_at: None,
            flagged_reasons: None,
            declared_at: Some(T0),
            created_at: T0,
            updated_at: T0,
        }
    );
    let scorecard_id = put!(
        db,
        scorecard::Model {
            id: Uuid::now_v7(),
            application_id,
            panelist_id: panelist,
            status: "submitted".into(),
            current_version: 1,
            created_at: T0,
            updated_at: T0,
        }
    )
    .id;
    put!(
        db,
        scorecard_draft_value::Model {
            scorecard_id,
            criterion_id,
            value: None,
            comment: String::new(),
        }
    );
    let score_version_id = put!(
        db,
        score_version::Model {
            id: Uuid::now_v7(),
            scorecard_id,
            version: 1,
            submitted_at: T0,
            reason: String::new(),
            audit_seq: Some(42),
        }
    )
    .id;
    put!(
        db,
        score_value::Model {
            score_version_id,
            criterion_id,
            value: 4,
            comment: "Jelas dan runtut.".into(),
        }
    );
    put!(
        db,
        imported_value::Model {
            id: Uuid::now_v7(),
            round_id,
            criterion_id: written_test,
            application_id,
            value: 78,
            imported_by: admin,
            imported_at: T0,
            batch_id: Uuid::now_v7(),
        }
    );

    put!(
        db,
        ranking::Model {
            application_id,
            round_id,
            formation_id,
            complete: true,
            eligibility: "eligible".into(),
            total_exact: Some("1561/20".into()),
            tiebreak_exact: Some("3/4".into()),
            passed: Some(true),
            rank: Some(1),
            status: Some("selected".into()),
            lottery_key: None,
            published: false,
            updated_at: T0,
        }
    );
    let approval_id = put!(
        db,
        approval::Model {
            id: Uuid::now_v7(),
            round_id: Some(round_id),
            kind: "objection.accept".into(),
            subject_type: "objection".into(),
            subject_id: "x".into(),
            payload: "{}".into(),
            reason: "Nilai salah hitung.".into(),
            requested_by: admin,
            requested_at: T0,
            status: pokmas::domain::approval::ApprovalStatus::Approved,
            decided_by: Some(second_admin),
            decided_at: Some(T0),
            decision_reason: String::new(),
        }
    )
    .id;
    put!(
        db,
        objection::Model {
            id: Uuid::now_v7(),
            round_id,
            application_id,
            filed_by: applicant,
            grounds: "Nilai tes tertulis saya tidak sesuai.".into(),
            document_id: Some(document_id),
            status: pokmas::domain::objection::ObjectionStatus::Accepted,
            reviewer_id: Some(admin),
            decision_reason: "Terbukti.".into(),
            deadline_at: T0,
            filed_at: T0,
            decided_at: Some(T0),
            approval_id: Some(approval_id),
        }
    );
    put!(
        db,
        lottery_witness::Model {
            id: Uuid::now_v7(),
            round_id,
            position: 1,
            name: "Perwakilan warga".into(),
            account_id: None,
            commit_hash: Some(
                "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b".into()
            ),
            committed_at: Some(T0),
            secret: Some("secret".into()),
            revealed_at: Some(T0),
        }
    );
    put!(
        db,
        audit_checkpoint::Model {
            seq: 1,
            hash: "0".repeat(64),
            origin: "pokmas.samarindakota.go.id".into(),
            note: "pokmas.samarindakota.go.id\n1\nAAAA\n".into(),
            reason: "daily".into(),
            created_at: T0,
        }
    );
    World {
        application: application_id,
        scorecard: scorecard_id,
    }
}

/// Rows per entity, read back through every entity (so each one's column list
/// must match its table).
async fn row_counts(db: &DatabaseConnection) -> Vec<(&'static str, usize)> {
    macro_rules! count {
        ($($m:ident),* $(,)?) => {
            vec![$((
                stringify!($m),
                $m::Entity::find().all(db).await.expect(stringify!($m)).len(),
            )),*]
        };
    }
    count![
        kecamatan,
        kelurahan,
        rt,
        account,
        account_scope,
        session,
        auth_token,
        rate_limit,
        idempotency_key,
        stored_file,
        round,
        formation,
        formation_rt,
        criterion,
        requirement,
        panel,
        panel_member,
        panel_formation,
        application,
        application_declaration,
        document,
        requirement_check,
        test_session,
        test_invitation,
        conflict_declaration,
        scorecard,
        scorecard_draft_value,
        score_version,
        score_value,
        imported_value,
        ranking,
        approval,
        objection,
        lottery_witness,
        audit_checkpoint,
    ]
}

/// Every table, column, index and constraint as sorted text lines.
async fn schema_fingerprint(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
        _ => {
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable \
                 || ' ' || COALESCE(column_default, '') \
             FROM information_schema.columns WHERE table_schema = 'public' \
             UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' \
             UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' \
                 || pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace \
             ORDER BY 1"
        }
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("read the schema")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("text"))
        .collect()
}
