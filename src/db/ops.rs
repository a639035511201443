//! Storage of the operating checks: the readiness write probe and the
//! fingerprints of the installation's key files.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, Value};

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Size of the probe row: large enough to need new pages, as a real use
/// case's rows do (a tiny row would fit in space a full disk still has).
const PROBE_BALLAST: usize = 64 * 1024;

/// Commits a new row of [`PROBE_BALLAST`] bytes, then deletes it: succeeds
/// only when the database takes (and keeps) writes right now.
///
/// # Errors
/// The database's refusal (full disk, lock timeout, outage).
pub async fn probe_write(db: &DatabaseConnection, instance: &str) -> Result<(), DbErr> {
    let id = format!("{instance}:{}", uuid::Uuid::new_v4().simple());
    let backend = db.get_database_backend();
    let (insert, delete) = match backend {
        sea_orm::DbBackend::Postgres => (
            r#"INSERT INTO "write_probe" ("id", "checked_at", "ballast") VALUES ($1, $2, $3)"#,
            r#"DELETE FROM "write_probe" WHERE "id" = $1"#,
        ),
        _ => (
            r#"INSERT INTO "write_probe" ("id", "checked_at", "ballast") VALUES (?, ?, ?)"#,
            r#"DELETE FROM "write_probe" WHERE "id" = ?"#,
        ),
    };
    let tx = super::begin_write(db).await?;
    tx.execute_raw(Statement::from_sql_and_values(
        backend,
        insert,
        [
            Value::from(id.as_str()),
            Value::from(now()),
            Value::from("x".repeat(PROBE_BALLAST)),
        ],
    ))
    .await?;
    tx.commit().await?;
    let tx = super::begin_write(db).await?;
    tx.execute_raw(Statement::from_sql_and_values(
        backend,
        delete,
        [Value::from(id.as_str())],
    ))
    .await?;
    tx.commit().await
}

/// The recorded fingerprint of the key file `name`, if any.
///
/// # Errors
/// When the database cannot be read.
pub async fn key_fingerprint(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<String>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            r#"SELECT "fingerprint" FROM "installation_key" WHERE "name" = $1"#
        }
        _ => r#"SELECT "fingerprint" FROM "installation_key" WHERE "name" = ?"#,
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(name)],
        ))
        .await?;
    row.map(|r| r.try_get_by_index::<String>(0)).transpose()
}

/// Records the fingerprint of the key file `name` (the first time it is seen).
///
/// # Errors
/// When the database refuses the write.
pub async fn record_key_fingerprint(
    db: &impl ConnectionTrait,
    name: &str,
    fingerprint: &str,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            r#"INSERT INTO "installation_key" ("name", "fingerprint", "recorded_at") VALUES ($1, $2, $3) ON CONFLICT ("name") DO NOTHING"#
        }
        _ => {
            r#"INSERT INTO "installation_key" ("name", "fingerprint", "recorded_at") VALUES (?, ?, ?) ON CONFLICT ("name") DO NOTHING"#
        }
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [
            Value::from(name),
            Value::from(fingerprint),
            Value::from(now()),
        ],
    ))
    .await?;
    Ok(())
}
