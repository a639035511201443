//! Published shortlists of a staged round: who goes on from a stage.
//!
//! - `stage_shortlist`: one row per stage publication (`round_id`,
//!   `stage_code`), with the seq of its `stage.shortlist_published` event
//!   and the end of its objection window.
//! - `stage_shortlist_entry`: one row per candidate considered in the
//!   stage: `advances` (goes on to the next stage), `position` (by total
//!   among those in the race, equal totals share it) and the exact total.
//!   Only an application with `advances` may be invited or scored in the
//!   next stage.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("stage_shortlist")
                    .col(uuid("round_id"))
                    .col(string_len("stage_code", 16))
                    .col(big_integer("event_seq"))
                    .col(timestamp_with_time_zone("published_at"))
                    .col(timestamp_with_time_zone("objection_ends_at"))
                    .primary_key(Index::create().col("round_id").col("stage_code"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stage_shortlist_round")
                            .from_tbl("stage_shortlist")
                            .from_col("round_id")
                            .to_tbl("round")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("stage_shortlist_entry")
                    .col(uuid("round_id"))
                    .col(string_len("stage_code", 16))
                    .col(uuid("application_id"))
                    .col(uuid("formation_id"))
                    .col(string_len("registration_no", 40))
                    .col(boolean("advances"))
                    .col(integer_null("position"))
                    .col(string_len_null("total_exact", 200))
                    .primary_key(
                        Index::create()
                            .col("round_id")
                            .col("stage_code")
                            .col("application_id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stage_shortlist_entry_application")
                            .from_tbl("stage_shortlist_entry")
                            .from_col("application_id")
                            .to_tbl("application")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table("stage_shortlist_entry")
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table("stage_shortlist")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
