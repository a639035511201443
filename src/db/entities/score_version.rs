//! A submitted, locked version of a scorecard; versions are never changed or
//! deleted.
//!
//! `version` is 1, 2, … per scorecard (unique). Version 1 is the first submission
//! and `reason` may be empty; every later version is an amendment and the database
//! refuses it without a written `reason`. `audit_seq` is the seq of the audit event
//! that recorded it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "score_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub scorecard_id: Uuid,
    pub version: i32,
    pub submitted_at: TimeDateTimeWithTimeZone,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub audit_seq: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::scorecard::Entity",
        from = "Column::ScorecardId",
        to = "super::scorecard::Column::Id",
        on_delete = "Restrict"
    )]
    Scorecard,
    #[sea_orm(has_many = "super::score_value::Entity")]
    ScoreValue,
}

impl Related<super::scorecard::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Scorecard.def()
    }
}

impl Related<super::score_value::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ScoreValue.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
