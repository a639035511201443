//! The information section and messages without e-mail: announcements (city,
//! kelurahan or round), versioned SOP documents, the FAQ, help-desk contacts
//! per kelurahan and the city's call centre, each application's consent to
//! SMS/WhatsApp messages, and a channel on the outbox so a text message waits
//! in the same durable queue as an e-mail.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("announcement")
                    .col(uuid("id").primary_key())
                    .col(string_null("kelurahan_code"))
                    .col(uuid_null("round_id"))
                    .col(string("title"))
                    .col(text("body_markdown"))
                    .col(timestamp_with_time_zone("publish_at"))
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_announcement_publish_at")
                    .table("announcement")
                    .col("publish_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("sop_document")
                    .col(uuid("id").primary_key())
                    .col(string("slug"))
                    .col(integer("version"))
                    .col(string("title"))
                    .col(string_null("kelurahan_code"))
                    .col(date("effective_from"))
                    .col(string("sha256"))
                    .col(string("file_name"))
                    .col(big_integer("size_bytes"))
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sop_document_slug_version")
                    .table("sop_document")
                    .col("slug")
                    .col("version")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("faq_entry")
                    .col(uuid("id").primary_key())
                    .col(integer("position"))
                    .col(string("question"))
                    .col(text("answer_markdown"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        // One row per kelurahan; the row with the empty code is the city's
        // call centre.
        manager
            .create_table(
                Table::create()
                    .table("help_desk")
                    .col(string("kelurahan_code").primary_key())
                    .col(string("address"))
                    .col(string("opening_hours"))
                    .col(string("phone"))
                    .col(string("whatsapp"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("message_consent")
                    .col(uuid("application_id").primary_key())
                    .col(string("phone"))
                    .col(string("channel"))
                    .col(uuid_null("recorded_by"))
                    .col(timestamp_with_time_zone("given_at"))
                    .col(timestamp_with_time_zone_null("withdrawn_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("message_consent", "application_id")
                            .to("application", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("mail_outbox")
                    .add_column(string("channel").default("email"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("mail_outbox")
                    .drop_column("channel")
                    .to_owned(),
            )
            .await?;
        for t in [
            "message_consent",
            "help_desk",
            "faq_entry",
            "sop_document",
            "announcement",
        ] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
