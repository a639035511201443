//! An application's home RT no longer has to be an RT of its formation.
//!
//! A round's domicile rule (`kelurahan`, `city`) may admit an applicant who
//! lives outside the formation's RTs, so `fk_application_formation_rt`
//! (`formation_id, round_id, kelurahan_code, rt_number` → `formation_rt`)
//! is replaced by what still holds for every rule:
//! - the home RT is on the region list (`fk_application_rt`, unchanged);
//! - the formation belongs to the application's round
//!   (`fk_application_formation_round`: `formation_id, round_id` →
//!   `formation(id, round_id)`, backed by the new unique index
//!   `uq_formation_round_target`); `fk_application_formation` stays.
//!
//! The services apply the rule itself when an application starts.
//!
//! PostgreSQL drops and adds the constraints. SQLite cannot drop a
//! constraint, so `application` is rebuilt by SQLite's documented procedure
//! (<https://www.sqlite.org/lang_altertable.html#otheralter>): with foreign
//! keys off, in one transaction, a new table is created, the rows copied,
//! the old table dropped, the new one renamed and the indexes, triggers and
//! views that named the old table recreated, then `PRAGMA foreign_key_check`
//! must find nothing before the commit. Foreign keys must be off for the
//! `DROP TABLE`: with them on it deletes every row first and the deletion
//! cascades into the tables that reference `application(id)` (documents,
//! checks, data keys …); `defer_foreign_keys` would defer the checks but not
//! the cascades. `PRAGMA foreign_keys` cannot change inside a transaction,
//! and sea-orm-migration runs SQLite steps outside one on a pool, so the
//! rebuild takes one connection of the pool for itself, and turns foreign
//! keys back on (or closes the connection) before handing it back.

use sea_orm_migration::sea_orm::sqlx::{self, AssertSqlSafe, Sqlite, pool::PoolConnection};
use sea_orm_migration::sea_orm::{DatabaseExecutor, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD_FK: &str = "fk_application_formation_rt";
const NEW_FK: &str = "fk_application_formation_round";
const NEW_INDEX: &str = "uq_formation_round_target";
/// The table the rebuild fills before it takes `application`'s name.
const REBUILT: &str = "application_rebuilt";

/// The columns of `application` at this step, in table order: the core
/// step's, then `personal_ciphertext`.
const COLUMNS: [&str; 34] = [
    "id",
    "round_id",
    "formation_id",
    "account_id",
    "registration_no",
    "state",
    "assisted_by",
    "full_name",
    "nik_ciphertext",
    "nik_hash",
    "nik_masked",
    "birth_place",
    "birth_date",
    "sex",
    "address",
    "kelurahan_code",
    "rt_number",
    "phone",
    "email",
    "education",
    "occupation",
    "family_card_hash",
    "motivation",
    "experience",
    "nik_warnings",
    "status_pin_hash",
    "submission_hash",
    "seq_in_kelurahan",
    "created_at",
    "updated_at",
    "submitted_at",
    "withdrawn_at",
    "eligibility_decided_at",
    "personal_ciphertext",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            return rebuild_sqlite(manager, Direction::Up).await;
        }
        manager.create_index(round_target()).await?;
        manager
            .drop_foreign_key(
                ForeignKey::drop()
                    .name(OLD_FK)
                    .table("application")
                    .to_owned(),
            )
            .await?;
        manager.create_foreign_key(formation_round_fk()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            return rebuild_sqlite(manager, Direction::Down).await;
        }
        manager
            .drop_foreign_key(
                ForeignKey::drop()
                    .name(NEW_FK)
                    .table("application")
                    .to_owned(),
            )
            .await?;
        manager.create_foreign_key(formation_rt_fk()).await?;
        manager
            .drop_index(Index::drop().name(NEW_INDEX).table("formation").to_owned())
            .await
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

/// `formation(id, round_id)`: the target of the new composite key.
fn round_target() -> IndexCreateStatement {
    Index::create()
        .name(NEW_INDEX)
        .table("formation")
        .col("id")
        .col("round_id")
        .unique()
        .to_owned()
}

fn formation_round_fk() -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(NEW_FK)
        .from_tbl("application")
        .from_col("formation_id")
        .from_col("round_id")
        .to_tbl("formation")
        .to_col("id")
        .to_col("round_id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn formation_rt_fk() -> ForeignKeyCreateStatement {
    let mut fk = ForeignKey::create();
    fk.name(OLD_FK)
        .from_tbl("application")
        .to_tbl("formation_rt")
        .on_delete(ForeignKeyAction::Restrict);
    for col in ["formation_id", "round_id", "kelurahan_code", "rt_number"] {
        fk.from_col(col).to_col(col);
    }
    fk
}

fn fk(
    name: &'static str,
    cols: &[&'static str],
    parent: &'static str,
    parent_cols: &[&'static str],
) -> ForeignKeyCreateStatement {
    let mut fk = ForeignKey::create();
    fk.name(name)
        .from_tbl(REBUILT)
        .to_tbl(parent)
        .on_delete(ForeignKeyAction::Restrict);
    for col in cols {
        fk.from_col(*col);
    }
    for col in parent_cols {
        fk.to_col(*col);
    }
    fk
}

/// `application` as the core step and `personal_ciphertext` made it, named
/// [`REBUILT`], with the formation tied to its round (`Up`) or to the RT
/// (`Down`, as before this step).
fn rebuilt_table(direction: Direction) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(REBUILT)
        .col(uuid("id").primary_key())
        .col(uuid("round_id"))
        .col(uuid_null("formation_id"))
        .col(uuid_null("account_id"))
        .col(string_null("registration_no"))
        .col(string("state").default("draft"))
        .col(uuid_null("assisted_by"))
        .col(string("full_name"))
        .col(blob_null("nik_ciphertext"))
        .col(string_null("nik_hash"))
        .col(string_null("nik_masked"))
        .col(string("birth_place"))
        .col(date_null("birth_date"))
        .col(string("sex"))
        .col(text("address"))
        .col(string_null("kelurahan_code"))
        .col(integer_null("rt_number"))
        .col(string("phone"))
        .col(string("email"))
        .col(string("education"))
        .col(string("occupation"))
        .col(string_null("family_card_hash"))
        .col(text("motivation"))
        .col(text("experience"))
        .col(text("nik_warnings"))
        .col(string_null("status_pin_hash"))
        .col(string_null("submission_hash"))
        .col(integer_null("seq_in_kelurahan"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        .col(timestamp_with_time_zone_null("submitted_at"))
        .col(timestamp_with_time_zone_null("withdrawn_at"))
        .col(timestamp_with_time_zone_null("eligibility_decided_at"))
        .col(blob_null("personal_ciphertext"))
        .foreign_key(&mut fk(
            "fk_application_round",
            &["round_id"],
            "round",
            &["id"],
        ));
    match direction {
        Direction::Up => t.foreign_key(&mut fk(
            NEW_FK,
            &["formation_id", "round_id"],
            "formation",
            &["id", "round_id"],
        )),
        Direction::Down => t.foreign_key(&mut fk(
            OLD_FK,
            &["formation_id", "round_id", "kelurahan_code", "rt_number"],
            "formation_rt",
            &["formation_id", "round_id", "kelurahan_code", "rt_number"],
        )),
    };
    t.foreign_key(&mut fk(
        "fk_application_formation",
        &["formation_id"],
        "formation",
        &["id"],
    ))
    .foreign_key(&mut fk(
        "fk_application_account",
        &["account_id"],
        "account",
        &["id"],
    ))
    .foreign_key(&mut fk(
        "fk_application_assisted_by",
        &["assisted_by"],
        "account",
        &["id"],
    ))
    .foreign_key(&mut fk(
        "fk_application_kelurahan",
        &["kelurahan_code"],
        "kelurahan",
        &["code"],
    ))
    .foreign_key(&mut fk(
        "fk_application_rt",
        &["kelurahan_code", "rt_number"],
        "rt",
        &["kelurahan_code", "number"],
    ))
    .to_owned()
}

fn sqlx_err(e: sqlx::Error) -> DbErr {
    DbErr::Migration(format!("rebuilding application: {e}"))
}

async fn exec(conn: &mut PoolConnection<Sqlite>, sql: String) -> Result<(), DbErr> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut **conn)
        .await
        .map(|_| ())
        .map_err(sqlx_err)
}

/// Rebuilds `application` on one connection of the pool with foreign keys
/// off; the connection goes back with them on, or is closed.
async fn rebuild_sqlite(manager: &SchemaManager<'_>, direction: Direction) -> Result<(), DbErr> {
    let DatabaseExecutor::Connection(db) = manager.get_connection() else {
        return Err(DbErr::Migration(
            "rebuilding application needs foreign keys off, which SQLite cannot change \
             inside a transaction: run this step on a connection, not in a transaction"
                .into(),
        ));
    };
    let mut conn = db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .map_err(sqlx_err)?;
    exec(&mut conn, "PRAGMA foreign_keys = OFF".into()).await?;
    let off: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .map_err(sqlx_err)?;
    let result = if off == 0 {
        rebuild_in_transaction(&mut conn, direction).await
    } else {
        Err(DbErr::Migration(
            "rebuilding application: foreign keys could not be turned off".into(),
        ))
    };
    if result.is_err() {
        // A failed statement may leave the transaction open.
        let _ = exec(&mut conn, "ROLLBACK".into()).await;
    }
    if exec(&mut conn, "PRAGMA foreign_keys = ON".into())
        .await
        .is_err()
    {
        // Never hand a connection without foreign keys back to the pool.
        conn.close_on_drop();
    }
    result
}

async fn rebuild_in_transaction(
    conn: &mut PoolConnection<Sqlite>,
    direction: Direction,
) -> Result<(), DbErr> {
    exec(conn, "BEGIN IMMEDIATE".into()).await?;
    if direction == Direction::Up {
        exec(conn, round_target().to_string(SqliteQueryBuilder)).await?;
    }
    // Indexes and triggers go with the dropped table; views naming it would
    // stop the rename. Each is recreated from its own text afterwards.
    let dependants: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT type, name, sql FROM sqlite_master \
         WHERE sql IS NOT NULL AND ( \
           (type IN ('index', 'trigger') AND tbl_name = 'application') \
           OR (type = 'view' AND sql LIKE '%application%')) \
         ORDER BY CASE type WHEN 'index' THEN 0 WHEN 'view' THEN 1 ELSE 2 END, name",
    )
    .fetch_all(&mut **conn)
    .await
    .map_err(sqlx_err)?;
    for (kind, name, _) in &dependants {
        if kind == "view" {
            exec(conn, format!("DROP VIEW \"{name}\"")).await?;
        }
    }
    exec(conn, format!("DROP TABLE IF EXISTS \"{REBUILT}\"")).await?;
    exec(conn, rebuilt_table(direction).to_string(SqliteQueryBuilder)).await?;
    let cols = COLUMNS
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    exec(
        conn,
        format!("INSERT INTO \"{REBUILT}\" ({cols}) SELECT {cols} FROM \"application\""),
    )
    .await?;
    exec(conn, "DROP TABLE \"application\"".into()).await?;
    exec(
        conn,
        format!("ALTER TABLE \"{REBUILT}\" RENAME TO \"application\""),
    )
    .await?;
    for (_, _, sql) in &dependants {
        exec(conn, sql.clone()).await?;
    }
    if direction == Direction::Down {
        exec(conn, format!("DROP INDEX \"{NEW_INDEX}\"")).await?;
    }
    let broken: Vec<(String, Option<i64>, String, i64)> =
        sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(&mut **conn)
            .await
            .map_err(sqlx_err)?;
    if let Some((table, row, parent, _)) = broken.first() {
        return Err(DbErr::Migration(format!(
            "rebuilding application: {} row(s) break a foreign key, e.g. {table} row {row:?} → {parent}",
            broken.len()
        )));
    }
    exec(conn, "COMMIT".into()).await
}
