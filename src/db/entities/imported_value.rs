//! The one value of an `imported` criterion for an application (e.g. a
//! written-test score), loaded from a file.
//!
//! Unique per (criterion, application); a re-import replaces it (the audit trail
//! keeps the old value). Composite foreign keys keep the criterion and the
//! application in the same round. `batch_id` groups the rows of one import.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imported_value")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub criterion_id: Uuid,
    pub application_id: Uuid,
    pub value: i32,
    pub imported_by: Uuid,
    pub imported_at: TimeDateTimeWithTimeZone,
    pub batch_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::criterion::Entity",
        from = "(Column::CriterionId, Column::RoundId)",
        to = "(super::criterion::Column::Id, super::criterion::Column::RoundId)",
        on_delete = "Restrict"
    )]
    Criterion,
    #[sea_orm(
        belongs_to = "super::application::Entity",
        from = "(Column::ApplicationId, Column::RoundId)",
        to = "(super::application::Column::Id, super::application::Column::RoundId)",
        on_delete = "Restrict"
    )]
    Application,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::ImportedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    ImportedBy,
}

impl Related<super::criterion::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Criterion.def()
    }
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ImportedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
