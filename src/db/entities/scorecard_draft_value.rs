//! A value in a scorecard's private draft: one per criterion, `value` null
//! until chosen. Drafts are never shown to anyone but the panelist.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scorecard_draft_value")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub scorecard_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub criterion_id: Uuid,
    pub value: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::scorecard::Entity",
        from = "Column::ScorecardId",
        to = "super::scorecard::Column::Id",
        on_delete = "Cascade"
    )]
    Scorecard,
    #[sea_orm(
        belongs_to = "super::criterion::Entity",
        from = "Column::CriterionId",
        to = "super::criterion::Column::Id",
        on_delete = "Restrict"
    )]
    Criterion,
}

impl Related<super::scorecard::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Scorecard.def()
    }
}

impl Related<super::criterion::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Criterion.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
