//! The value given for one criterion in one submitted scorecard version.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "score_value")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub score_version_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub criterion_id: Uuid,
    pub value: i32,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::score_version::Entity",
        from = "Column::ScoreVersionId",
        to = "super::score_version::Column::Id",
        on_delete = "Cascade"
    )]
    ScoreVersion,
    #[sea_orm(
        belongs_to = "super::criterion::Entity",
        from = "Column::CriterionId",
        to = "super::criterion::Column::Id",
        on_delete = "Restrict"
    )]
    Criterion,
}

impl Related<super::score_version::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ScoreVersion.def()
    }
}

impl Related<super::criterion::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Criterion.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
