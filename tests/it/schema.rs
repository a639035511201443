//! The rules the database itself enforces, on SQLite and PostgreSQL alike.
//!
//! Each test runs once per available backend (PostgreSQL when
//! `TEST_DATABASE_URL` is set) and names the backend when it fails.

use pokmas::db::entities::{
    account, application, approval, formation, formation_rt, kecamatan, kelurahan, round, rt,
    score_version, scorecard,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, SqlErr, TransactionTrait,
};
use time::OffsetDateTime;
use time::macros::{date, datetime};
use uuid::Uuid;

use crate::schema_world::seed_everything;
use crate::support::TestDb;

pub(crate) const T0: OffsetDateTime = datetime!(2026-05-02 03:04:05.123456 UTC);
pub(crate) const RAWA_MAKMUR: &str = "64.72.01.1001";
const HANDIL_BAKTI: &str = "64.72.01.1002";

/// A fresh migrated database per backend available here.
pub(crate) async fn backends() -> Vec<(&'static str, TestDb)> {
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
pub(crate) use put;

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
pub(crate) async fn seed_regions(db: &DatabaseConnection) {
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

pub(crate) async fn seed_account(db: &DatabaseConnection, email: &str, role: &str) -> Uuid {
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

pub(crate) async fn seed_round(db: &DatabaseConnection, slug: &str, created_by: Uuid) -> Uuid {
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
pub(crate) enum Area<'a> {
    Whole,
    Rts(&'a [i32]),
}

/// Creates a formation and lists its RTs in one transaction, as the service does.
pub(crate) async fn create_formation(
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
pub(crate) struct Placement<'a> {
    pub(crate) formation_id: Uuid,
    pub(crate) kelurahan_code: &'a str,
    pub(crate) rt_number: i32,
}

pub(crate) fn application_model(
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
