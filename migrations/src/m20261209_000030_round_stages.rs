//! Multi-stage selection: an ordered list of stages per round, the stage a
//! criterion belongs to, and the round's final ranking rule.
//!
//! - `round_stage`: one row per stage, `position` 1, 2, … and `code` unique
//!   within the round; `scoring` `imported` | `panel`; every stage but the
//!   last has `advance_top_k` and/or `advance_passing_total` (who goes on),
//!   the last has neither; `final_weight` is set on every stage exactly when
//!   the final rule is `weighted`.
//! - `criterion.stage_code`: the stage a criterion scores; null in a round
//!   without stages (one stage), so every earlier round reads as before.
//! - `round.final_rule`: `last_stage` | `weighted`, null without stages.
//!
//! All of it is set while the round is a draft and frozen with the criteria.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("round_stage")
                    .col(uuid("id").primary_key())
                    .col(uuid("round_id"))
                    .col(integer("position"))
                    .col(string_len("code", 16))
                    .col(string_len("name_id", 120))
                    .col(string_len("name_en", 120))
                    .col(string_len("scoring", 16))
                    .col(integer_null("advance_top_k"))
                    .col(integer_null("advance_passing_total"))
                    .col(integer_null("final_weight"))
                    .check(Check::named(
                        "ck_round_stage_scoring",
                        Expr::cust("scoring IN ('imported', 'panel')"),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_round_stage_round")
                            .from_tbl("round_stage")
                            .from_col("round_id")
                            .to_tbl("round")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_round_stage_position")
                    .table("round_stage")
                    .col("round_id")
                    .col("position")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_round_stage_code")
                    .table("round_stage")
                    .col("round_id")
                    .col("code")
                    .unique()
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table("criterion")
                    .add_column(string_len_null("stage_code", 16))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("round")
                    .add_column(string_len_null("final_rule", 16))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("round")
                    .drop_column("final_rule")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("criterion")
                    .drop_column("stage_code")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("round_stage").if_exists().to_owned())
            .await
    }
}
