//! A published shortlist of one stage of a staged round: the seq of its
//! `stage.shortlist_published` event and the end of its objection window.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stage_shortlist")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub round_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage_code: String,
    pub event_seq: i64,
    pub published_at: TimeDateTimeWithTimeZone,
    pub objection_ends_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
