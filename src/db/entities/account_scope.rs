//! A kelurahan an operator or panelist may work in (scoping is part
//! of the permission). One row per account and kelurahan.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_scope")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kelurahan_code: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "Cascade"
    )]
    Account,
    #[sea_orm(
        belongs_to = "super::kelurahan::Entity",
        from = "Column::KelurahanCode",
        to = "super::kelurahan::Column::Code",
        on_delete = "Restrict"
    )]
    Kelurahan,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl Related<super::kelurahan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Kelurahan.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
