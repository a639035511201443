//! A formation scored by a panel. A formation has at most one panel (unique
//! `formation_id`), so "the panelists of an application" is never ambiguous.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_formation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub panel_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub formation_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::panel::Entity",
        from = "Column::PanelId",
        to = "super::panel::Column::Id",
        on_delete = "Cascade"
    )]
    Panel,
    #[sea_orm(
        belongs_to = "super::formation::Entity",
        from = "Column::FormationId",
        to = "super::formation::Column::Id",
        on_delete = "Cascade"
    )]
    Formation,
}

impl Related<super::panel::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Panel.def()
    }
}

impl Related<super::formation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Formation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
