//! Personal data over its whole life: installation privacy settings (the
//! controller, the data protection officer, retention periods), one data key
//! per application whose destruction erases what it encrypts, applicants'
//! erasure requests with the admin's decision, and breach records with
//! their notification steps.
//!
//! `data_key.destroyed_at` marks an erased application: the key (when there
//! was one) is gone and the personal fields were blanked in the same
//! transaction. Rows are never deleted, so the trail keeps its references.

use ForeignKeyAction::{Cascade, Restrict};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    name: &str,
    from: &str,
    col: &str,
    to: &str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(Alias::new(from), Alias::new(col))
        .to(Alias::new(to), Alias::new("id"))
        .on_delete(on_delete)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("privacy_setting")
                    .col(string("key").primary_key())
                    .col(text("value"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("data_key")
                    .col(uuid("application_id").primary_key())
                    .col(blob_null("wrapped_key"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("destroyed_at"))
                    .foreign_key(&mut fk(
                        "fk_data_key_application",
                        "data_key",
                        "application_id",
                        "application",
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("erasure_request")
                    .col(uuid("id").primary_key())
                    .col(uuid("application_id"))
                    .col(uuid_null("requested_by"))
                    .col(text("reason"))
                    .col(string("status"))
                    .col(uuid_null("decided_by"))
                    .col(text("decision_reason"))
                    .col(timestamp_with_time_zone("requested_at"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .foreign_key(&mut fk(
                        "fk_erasure_request_application",
                        "erasure_request",
                        "application_id",
                        "application",
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_erasure_request_application")
                    .table("erasure_request")
                    .col("application_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("breach_record")
                    .col(uuid("id").primary_key())
                    .col(timestamp_with_time_zone("discovered_at"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .col(uuid("recorded_by"))
                    .col(text("what"))
                    .col(text("whom"))
                    .col(text("how"))
                    .col(text("measures"))
                    .col(timestamp_with_time_zone_null("subjects_notified_at"))
                    .col(timestamp_with_time_zone_null("authority_notified_at"))
                    .foreign_key(&mut fk(
                        "fk_breach_record_account",
                        "breach_record",
                        "recorded_by",
                        "account",
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "breach_record",
            "erasure_request",
            "data_key",
            "privacy_setting",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
