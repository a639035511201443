//! A fixed-window attempt counter for login and password-reset throttling,
//! shared by every server instance.
//!
//! `key` names what is throttled, e.g. `login:account:<uuid>` or `login:ip:<addr>`;
//! `window_start` is the UTC start of the window, truncated to the window length,
//! so an upsert on `(key, window_start)` increments one counter. Old windows may be
//! deleted at any time.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_limit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub window_start: TimeDateTimeWithTimeZone,
    pub count: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
