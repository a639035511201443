//! The tie-break values of each standing (re-rank after one score
//! without re-reading the whole formation).
//!
//! `ranking.tiebreak_exact` holds `n_c` of each tie-break criterion, in
//! tie-break order, as canonical `p/q` fractions separated by spaces (empty
//! when the round has no tie-break criterion, NULL when the application is
//! not complete). Together with `total_exact` and `lottery_key` it is all
//! that step 4 of the ranking rule orders by, so a change to one application
//! re-scores that application and re-orders the formation from its stored
//! rows. Existing rows get NULL and are filled at the next full re-rank.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("ranking")
                    .add_column(ColumnDef::new("tiebreak_exact").text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("ranking")
                    .drop_column("tiebreak_exact")
                    .to_owned(),
            )
            .await
    }
}
