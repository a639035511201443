//! A panelist's membership of a panel.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "panel_member")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub panel_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
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
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    Account,
}

impl Related<super::panel::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Panel.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
