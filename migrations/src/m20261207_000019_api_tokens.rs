//! Personal API tokens: a signed-in person makes one at `/akun` for an app
//! (the city's Smart Probebaya app, a script) and sends it as
//! `Authorization: Bearer`. Only the SHA-256 of the token is kept, so a copy
//! of the database holds no working token. A token carries the role the
//! account had when it was made and stops working when that role changes,
//! when it expires, or when it is revoked (rows are kept for the trail).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("api_token")
                    .col(uuid("id").primary_key())
                    .col(uuid("account_id"))
                    .col(string_len("label", 100))
                    .col(string_len_uniq("token_hash", 64))
                    .col(string_len("role", 20))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_token_account")
                            .from_tbl("api_token")
                            .from_col("account_id")
                            .to_tbl("account")
                            .to_col("id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_token_account")
                    .table("api_token")
                    .col("account_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("api_token").if_exists().to_owned())
            .await
    }
}
