//! Objections against a published stage shortlist.
//!
//! - `objection_stage`: one row per objection filed against the shortlist of
//!   a stage (during that shortlist's own objection window, while the round
//!   is in its assessment) instead of the round's results; `stage_code`
//!   names the stage. Objections without a row contest the results, as
//!   before. An accepted one that changes the stage's shortlist re-publishes
//!   it (`stage.shortlist_republished`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("objection_stage")
                    .col(uuid("objection_id").primary_key())
                    .col(uuid("round_id"))
                    .col(string_len("stage_code", 16))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_objection_stage_objection")
                            .from_tbl("objection_stage")
                            .from_col("objection_id")
                            .to_tbl("objection")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_objection_stage_shortlist")
                            .from_tbl("objection_stage")
                            .from_col("round_id")
                            .from_col("stage_code")
                            .to_tbl("stage_shortlist")
                            .to_col("round_id")
                            .to_col("stage_code")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table("objection_stage")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
