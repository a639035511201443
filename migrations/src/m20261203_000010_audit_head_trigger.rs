//! The chain head follows every appended event inside the database: an
//! `AFTER INSERT` trigger on `audit_event` sets `audit_chain_head` to the new
//! row's `seq` and `hash` (one statement fewer per audit event, on
//! the path of every use case).
//!
//! The append still reads the head first (locking its row on PostgreSQL), so
//! appends stay serialized; the trigger only makes the write that followed
//! every insert part of the insert, and the head can no longer disagree with
//! the last row written.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            db.execute_unprepared(
                r#"CREATE TRIGGER "audit_event_advance_head" AFTER INSERT ON "audit_event" BEGIN UPDATE "audit_chain_head" SET "seq" = NEW."seq", "hash" = NEW."hash" WHERE "id" = 1; END"#,
            )
            .await?;
        } else {
            db.execute_unprepared(
                r#"CREATE FUNCTION "audit_event_advance_head"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE "audit_chain_head" SET "seq" = NEW."seq", "hash" = NEW."hash" WHERE "id" = 1; RETURN NEW; END $$"#,
            )
            .await?;
            db.execute_unprepared(
                r#"CREATE TRIGGER "audit_event_advance_head" AFTER INSERT ON "audit_event" FOR EACH ROW EXECUTE FUNCTION "audit_event_advance_head"()"#,
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            db.execute_unprepared(r#"DROP TRIGGER IF EXISTS "audit_event_advance_head""#)
                .await?;
        } else {
            db.execute_unprepared(
                r#"DROP TRIGGER IF EXISTS "audit_event_advance_head" ON "audit_event""#,
            )
            .await?;
            db.execute_unprepared(r#"DROP FUNCTION IF EXISTS "audit_event_advance_head"()"#)
                .await?;
        }
        Ok(())
    }
}
