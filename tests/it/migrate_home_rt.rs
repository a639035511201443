//! Upgrading a database the previous version left, with a submitted
//! application in it, to the step that frees an application's home RT from
//! its formation's RTs: every row survives unchanged (on SQLite the
//! `application` table is rebuilt, and the tables referring to it must not
//! lose a row to a cascade), foreign keys are on again afterwards, and the
//! old constraint is gone.

use migration::{Migrator, MigratorTrait};
use pokmas::db::entities::{application, application_declaration, data_key, document};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, Statement,
};
use uuid::Uuid;

use crate::support::journey::{
    DOCS, NIK, OpenRound, Resident, RoundPlan, admin_actor, applies, open_round_with, pdf,
};
use crate::support::verification::KARANG_MUMUS;
use crate::support::{TestApp, TestDb};

const STEP: &str = "m20261212_000070_application_home_rt";

/// How many migrations come before [`STEP`].
fn steps_before() -> u32 {
    let at = Migrator::migrations()
        .iter()
        .position(|m| m.name() == STEP)
        .expect("the step is listed");
    u32::try_from(at).expect("few migrations")
}

/// What the upgrade must keep of an application: its row and the number of
/// rows referring to it in three of the tables that do.
async fn kept(db: &DatabaseConnection, id: Uuid) -> (application::Model, [u64; 3]) {
    let row = application::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("load")
        .expect("the application");
    let counts = [
        document::Entity::find()
            .filter(document::Column::ApplicationId.eq(id))
            .count(db)
            .await
            .expect("documents"),
        application_declaration::Entity::find()
            .filter(application_declaration::Column::ApplicationId.eq(id))
            .count(db)
            .await
            .expect("declarations"),
        data_key::Entity::find()
            .filter(data_key::Column::ApplicationId.eq(id))
            .count(db)
            .await
            .expect("data key"),
    ];
    (row, counts)
}

/// `application`'s table text (SQLite, whose foreign keys keep no name) or
/// its constraints (PostgreSQL), as one string.
async fn application_schema(db: &DatabaseConnection) -> String {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT group_concat(name || ' ' || COALESCE(sql, ''), ' ') FROM sqlite_master \
             WHERE tbl_name = 'application'"
        }
        _ => {
            "SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ' ') \
             FROM pg_constraint WHERE conrelid = 'application'::regclass"
        }
    };
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("schema")
        .expect("a row")
        .try_get_by_index::<String>(0)
        .expect("text")
}

/// How the old and the new tie of the formation read in
/// [`application_schema`].
fn ties(backend: DbBackend) -> (&'static str, &'static str) {
    match backend {
        DbBackend::Sqlite => (
            "REFERENCES \"formation_rt\"",
            "FOREIGN KEY (\"formation_id\", \"round_id\") REFERENCES \"formation\" (\"id\", \"round_id\")",
        ),
        _ => (
            "fk_application_formation_rt",
            "fk_application_formation_round FOREIGN KEY (formation_id, round_id) REFERENCES formation(id, round_id)",
        ),
    }
}

async fn an_old_database_with_an_application_upgrades_with_its_rows_intact(db: TestDb) {
    let backend = db.db.get_database_backend();
    let mut app = TestApp::on(db).await;
    app.create_user(
        crate::support::journey::ADMIN,
        pokmas::domain::role::Role::Admin,
        &[],
    )
    .await;
    let actor = admin_actor(&app).await;
    let OpenRound { slug, .. } =
        open_round_with(&app, actor, &RoundPlan::named("Rekrutmen Lama")).await;
    let pdf = pdf();
    let docs: Vec<(&str, &str, &[u8])> = DOCS.iter().map(|d| (*d, "scan.pdf", &pdf[..])).collect();
    let applicant = applies(
        &mut app,
        &slug,
        &Resident {
            name: "Siti Lama",
            email: "siti@example.com",
            nik: NIK,
            kelurahan: KARANG_MUMUS,
            rt: "3",
            documents: &docs,
        },
    )
    .await;
    let db = app.db.db.clone();
    let before = kept(&db, applicant.id).await;
    let (old_tie, new_tie) = ties(backend);
    let old_schema = application_schema(&db).await;
    assert!(
        old_schema.contains(old_tie) && !old_schema.contains(new_tie),
        "{backend:?}: the old schema: {old_schema}"
    );
    assert!(
        before.1.iter().all(|n| *n > 0),
        "{backend:?}: {:?}",
        before.1
    );

    Migrator::up(&db, None).await.expect("upgrade");

    assert_eq!(kept(&db, applicant.id).await, before, "{backend:?}");
    let schema = application_schema(&db).await;
    assert!(
        !schema.contains(old_tie) && schema.contains(new_tie),
        "{backend:?}: {schema}"
    );
    if backend == DbBackend::Sqlite {
        assert!(
            schema.contains("uq_application_registration_no")
                && schema.contains("idx_application_formation_regno"),
            "the indexes are back: {schema}"
        );
        let broken = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA foreign_key_check",
            ))
            .await
            .expect("check");
        assert!(broken.is_empty(), "no row breaks a foreign key");
        // Whichever connection the pool hands out has foreign keys on.
        for _ in 0..10 {
            pokmas::db::check_sqlite_pragmas(&db)
                .await
                .expect("pragmas hold after the rebuild");
        }
    }
    // The application still opens for its applicant.
    let page = app.get(&format!("/pendaftaran/{}", applicant.id)).await;
    assert_eq!(page.status, axum::http::StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&applicant.registration_no));
}

#[tokio::test]
async fn an_old_sqlite_database_with_an_application_upgrades_with_its_rows_intact() {
    let db = TestDb::sqlite_steps(None, Some(steps_before())).await;
    an_old_database_with_an_application_upgrades_with_its_rows_intact(db).await;
}

#[tokio::test]
async fn an_old_postgres_database_with_an_application_upgrades_with_its_rows_intact() {
    let Some(db) = TestDb::postgres_steps(Some(steps_before())).await else {
        return;
    };
    an_old_database_with_an_application_upgrades_with_its_rows_intact(db).await;
}
