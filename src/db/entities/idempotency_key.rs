//! The first outcome of a form or API request carrying an idempotency key:
//! a retry with the same key returns it instead of creating again.
//!
//! `scope` is the account id (or the session id before sign-in), so one person's
//! key can never replay another's result. `request_hash` detects a key reused for
//! a different request. `status_code` and `response_location` are null while the
//! first request is still in flight.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub request_hash: String,
    pub status_code: Option<i32>,
    pub response_location: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
