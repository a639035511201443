//! The audit trail, its one-row chain head and signed checkpoints.
//!
//! `seq`, `prev_hash` and `hash` are unique so that two writers that somehow
//! read the same head can never both commit: the chain cannot fork. (The
//! `seq` key alone does that; migration 9 drops the other two.)

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_event")
                    .col(big_integer("seq").primary_key())
                    .col(string("at"))
                    .col(string("actor"))
                    .col(string("actor_role"))
                    .col(string("action"))
                    .col(string("subject_type"))
                    .col(string("subject_id"))
                    .col(string("round_id"))
                    .col(text("payload"))
                    .col(text("reason"))
                    .col(string_uniq("prev_hash"))
                    .col(string_uniq("hash"))
                    .col(string_null("registration_no"))
                    .col(string_null("kelurahan_code"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_audit_event_round", &["round_id", "seq"][..]),
            ("idx_audit_event_action", &["action", "seq"][..]),
            ("idx_audit_event_actor", &["actor", "seq"][..]),
            (
                "idx_audit_event_subject",
                &["subject_type", "subject_id", "seq"][..],
            ),
            (
                "idx_audit_event_registration",
                &["registration_no", "seq"][..],
            ),
            ("idx_audit_event_kelurahan", &["kelurahan_code", "seq"][..]),
            ("idx_audit_event_at", &["at"][..]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("audit_event");
            for col in cols {
                idx.col(*col);
            }
            manager.create_index(idx.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("audit_chain_head")
                    .col(integer("id").primary_key())
                    .col(big_integer("seq"))
                    .col(string("hash"))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table("audit_chain_head")
                    .columns(["id", "seq", "hash"])
                    .values_panic([1.into(), 0i64.into(), GENESIS_HASH.into()])
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_checkpoint")
                    .col(big_integer("seq").primary_key())
                    .col(string("hash"))
                    .col(string("origin"))
                    .col(text("note"))
                    .col(string("reason"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["audit_checkpoint", "audit_chain_head", "audit_event"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
