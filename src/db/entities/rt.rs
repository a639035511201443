//! An RT (neighbourhood unit): kelurahan code + RT number ("RT 012" is `number = 12`).
//!
//! Formations, applications and panelists' own RTs reference these rows, so the
//! RTs of a kelurahan must be imported before a round can cover it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rt")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kelurahan_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub number: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::kelurahan::Entity",
        from = "Column::KelurahanCode",
        to = "super::kelurahan::Column::Code",
        on_delete = "Cascade"
    )]
    Kelurahan,
    #[sea_orm(has_many = "super::account::Entity")]
    Account,
    #[sea_orm(has_many = "super::formation_rt::Entity")]
    FormationRt,
    #[sea_orm(has_many = "super::application::Entity")]
    Application,
}

impl Related<super::kelurahan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Kelurahan.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl Related<super::formation_rt::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FormationRt.def()
    }
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
