//! Operating the installation: a table the readiness check writes to (and
//! empties again) to prove the database still takes writes, and fingerprints of the key files, so a
//! server started with a missing or different key refuses to run instead of
//! making a new key (NIKs stored under the old one could no longer be read,
//! and a duplicate NIK would pass unnoticed).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            r#"CREATE TABLE "write_probe" ("id" VARCHAR(64) NOT NULL PRIMARY KEY, "checked_at" VARCHAR(40) NOT NULL, "ballast" TEXT NOT NULL)"#,
        )
        .await?;
        db.execute_unprepared(
            r#"CREATE TABLE "installation_key" ("name" VARCHAR(64) NOT NULL PRIMARY KEY, "fingerprint" VARCHAR(64) NOT NULL, "recorded_at" VARCHAR(40) NOT NULL)"#,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(r#"DROP TABLE IF EXISTS "installation_key""#)
            .await?;
        db.execute_unprepared(r#"DROP TABLE IF EXISTS "write_probe""#)
            .await?;
        Ok(())
    }
}
