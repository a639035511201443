//! Drops the UNIQUE constraints on `audit_event.prev_hash` and `hash`
//! (an audit append cost more than any other statement).
//!
//! They were meant to stop a fork, but the primary key already does: an
//! append reads the head and writes `seq = head.seq + 1` with
//! `prev_hash = head.hash` in one transaction, so two writers that read the
//! same head collide on `seq` and one of them rolls back. What the two
//! indexes did cost was two inserts at random places of two ever-growing
//! B-trees per event (hashes are random), each a page read and a page written
//! to the WAL at every commit, on the path of every use case.
//!
//! SQLite cannot drop a column constraint, so the table is copied into one
//! without them and its indexes are made again; PostgreSQL drops them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The indexes of `audit_event` (migrations 2 and 7), made again on SQLite.
const INDEXES: [(&str, &str); 9] = [
    ("idx_audit_event_round", r#""round_id", "seq""#),
    ("idx_audit_event_action", r#""action", "seq""#),
    ("idx_audit_event_actor", r#""actor", "seq""#),
    (
        "idx_audit_event_subject",
        r#""subject_type", "subject_id", "seq""#,
    ),
    (
        "idx_audit_event_registration",
        r#""registration_no", "seq""#,
    ),
    ("idx_audit_event_kelurahan", r#""kelurahan_code", "seq""#),
    ("idx_audit_event_at", r#""at""#),
    (
        "idx_audit_event_round_action",
        r#""round_id", "action", "seq""#,
    ),
    (
        "idx_audit_event_actor_round",
        r#""actor", "round_id", "seq""#,
    ),
];

const COLUMNS: &str = r#""seq", "at", "actor", "actor_role", "action", "subject_type", "subject_id", "round_id", "payload", "reason", "prev_hash", "hash", "registration_no", "kelurahan_code""#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() != DbBackend::Sqlite {
            db.execute_unprepared(
                r#"ALTER TABLE "audit_event" DROP CONSTRAINT IF EXISTS "audit_event_prev_hash_key", DROP CONSTRAINT IF EXISTS "audit_event_hash_key""#,
            )
            .await?;
            return Ok(());
        }
        // One string, so one pooled connection runs it all (SQLite checks
        // the new name against the schema it holds, which on another
        // connection could predate the DROP), inside a savepoint so that a
        // failure leaves the old table as it was.
        let mut sql = String::from(
            r#"SAVEPOINT audit_event_rebuild; CREATE TABLE "audit_event_new" ( "seq" integer NOT NULL PRIMARY KEY, "at" varchar NOT NULL, "actor" varchar NOT NULL, "actor_role" varchar NOT NULL, "action" varchar NOT NULL, "subject_type" varchar NOT NULL, "subject_id" varchar NOT NULL, "round_id" varchar NOT NULL, "payload" text NOT NULL, "reason" text NOT NULL, "prev_hash" varchar NOT NULL, "hash" varchar NOT NULL, "registration_no" varchar NULL, "kelurahan_code" varchar NULL ); "#,
        );
        sql.push_str(&format!(
            r#"INSERT INTO "audit_event_new" ({COLUMNS}) SELECT {COLUMNS} FROM "audit_event" ORDER BY "seq"; DROP TABLE "audit_event"; ALTER TABLE "audit_event_new" RENAME TO "audit_event"; "#
        ));
        for (name, cols) in INDEXES {
            sql.push_str(&format!(
                r#"CREATE INDEX "{name}" ON "audit_event" ({cols}); "#
            ));
        }
        sql.push_str("RELEASE audit_event_rebuild;");
        db.execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in ["prev_hash", "hash"] {
            manager
                .create_index(
                    Index::create()
                        .name(format!("uq_audit_event_{col}"))
                        .table("audit_event")
                        .col(col)
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
