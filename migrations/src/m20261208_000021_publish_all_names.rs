//! A round rule that names every ranked applicant in public.
//!
//! `round.publish_all_names` (default false): public results and
//! announcements name only selected and reserve applicants, the others by
//! registration number only — unless this is set. It is part of the
//! frozen rules (in the hashed object only when set, so rounds frozen
//! before keep their hash), so it can only change while the round is a draft.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("round")
                    .add_column(boolean("publish_all_names").default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("round")
                    .drop_column("publish_all_names")
                    .to_owned(),
            )
            .await
    }
}
