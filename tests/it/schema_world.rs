//! A row in every table: the `World` a small but complete round seeds, and
//! the tests built on it (every entity round-trips a row; migrating down and
//! up restores an identical, working schema), on SQLite and PostgreSQL alike.

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
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel,
    Statement,
};
use time::macros::datetime;
use uuid::Uuid;

use crate::schema::{
    Area, Placement, RAWA_MAKMUR, T0, application_model, backends, create_formation, put,
    seed_account, seed_regions, seed_round,
};

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
pub(crate) struct World {
    pub(crate) application: Uuid,
    pub(crate) scorecard: Uuid,
}

/// A small but complete round: one row (at least) in every table.
pub(crate) async fn seed_everything(db: &DatabaseConnection) -> World {
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
