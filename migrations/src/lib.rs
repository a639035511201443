//! Schema steps for pokmas, one module per step, on SQLite and PostgreSQL alike.
//!
//! Schema changes only ever happen here; the application runs
//! `Migrator::up` at start (`pokmas serve`, `pokmas migrate`).

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_core;
mod m20261128_000002_audit;
mod m20261128_000003_mail;
mod m20261128_000007_trail;
mod m20261203_000008_ranking_tiebreak;
mod m20261203_000009_audit_unique_hashes;
mod m20261203_000010_audit_head_trigger;
mod m20261206_000015_operations;
mod m20261207_000016_information;
mod m20261207_000017_personal_data;
mod m20261207_000018_resident_view;
mod m20261207_000019_api_tokens;
mod m20261208_000021_publish_all_names;
mod m20261208_000025_group_roles;
mod m20261209_000030_round_stages;
mod m20261209_000031_stage_shortlists;
mod m20261209_000040_personal_ciphertext;
mod m20261210_000050_round_programme;
mod m20261211_000062_stage_objections;
mod m20261212_000070_application_home_rt;

/// Every migration of the application, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_core::Migration),
            Box::new(m20261128_000002_audit::Migration),
            Box::new(m20261128_000003_mail::Migration),
            Box::new(m20261128_000007_trail::Migration),
            Box::new(m20261203_000008_ranking_tiebreak::Migration),
            Box::new(m20261203_000009_audit_unique_hashes::Migration),
            Box::new(m20261203_000010_audit_head_trigger::Migration),
            Box::new(m20261206_000015_operations::Migration),
            Box::new(m20261207_000016_information::Migration),
            Box::new(m20261207_000017_personal_data::Migration),
            Box::new(m20261207_000018_resident_view::Migration),
            Box::new(m20261207_000019_api_tokens::Migration),
            Box::new(m20261208_000021_publish_all_names::Migration),
            Box::new(m20261208_000025_group_roles::Migration),
            Box::new(m20261209_000030_round_stages::Migration),
            Box::new(m20261209_000031_stage_shortlists::Migration),
            Box::new(m20261209_000040_personal_ciphertext::Migration),
            Box::new(m20261210_000050_round_programme::Migration),
            Box::new(m20261211_000062_stage_objections::Migration),
            Box::new(m20261212_000070_application_home_rt::Migration),
        ]
    }
}
