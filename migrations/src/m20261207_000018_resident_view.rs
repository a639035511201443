//! How an objection was filed and what it contests.
//!
//! `objection_filing` has one row per objection filed since this migration:
//! - `channel`: `account` (the applicant signed in), `status_pin` (the
//!   resident with registration number + status PIN at `/cek-status`) or
//!   `desk` (an operator of the kelurahan at the help desk, resident present).
//! - `assisted_by`: the operator of a `desk` filing, null otherwise.
//! - `contested`: what the applicant picked as contested, codes separated by
//!   spaces (`verification`, `tie`, or a criterion code); may be empty.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("objection_filing")
                    .col(uuid("objection_id").primary_key())
                    .col(string("channel"))
                    .col(uuid_null("assisted_by"))
                    .col(text("contested"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_objection_filing_objection")
                            .from_tbl("objection_filing")
                            .from_col("objection_id")
                            .to_tbl("objection")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_objection_filing_assisted_by")
                            .from_tbl("objection_filing")
                            .from_col("assisted_by")
                            .to_tbl("account")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("objection_filing").to_owned())
            .await
    }
}
