//! Indexes for the auditors' trail browser: the filters it offers
//! combined with keyset pagination on `seq`, so a page of a million-event
//! trail is read from an index instead of scanning or sorting the table.
//!
//! The single-column filters (round, action, actor, subject, registration
//! number, kelurahan, time) are already indexed by the audit migration; what
//! was missing is the combination auditors use most (one round, one kind of
//! event), the amendments/rank changes the panel analytics read per round,
//! and the lookups from a kelurahan or formation to its registration numbers.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, &[&str]); 4] = [
    (
        "idx_audit_event_round_action",
        "audit_event",
        &["round_id", "action", "seq"],
    ),
    (
        "idx_audit_event_actor_round",
        "audit_event",
        &["actor", "round_id", "seq"],
    ),
    (
        "idx_application_formation_regno",
        "application",
        &["formation_id", "registration_no"],
    ),
    (
        "idx_application_kelurahan_regno",
        "application",
        &["kelurahan_code", "registration_no"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, cols) in INDEXES {
            let mut idx = Index::create();
            idx.name(name).table(table);
            for col in cols {
                idx.col(*col);
            }
            manager.create_index(idx.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
