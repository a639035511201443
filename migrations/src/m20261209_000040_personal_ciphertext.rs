//! An application's contact and birth fields (e-mail, phone, street
//! address, place and date of birth) move under its own data key:
//! `personal_ciphertext` holds them as encrypted JSON, so destroying the key
//! erases every copy, the ones in backups included.
//!
//! The plain columns stay (always written empty from now on) because a
//! migration has no installation secret to encrypt with: the server seals
//! the values of an existing database at start, in one transaction, then
//! empties the plain columns (`services::data_keys::seal_plain_fields`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("application")
                    .add_column(blob_null("personal_ciphertext"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("application")
                    .drop_column("personal_ciphertext")
                    .to_owned(),
            )
            .await
    }
}
