//! A kelurahan (urban village), keyed by its official code, e.g. `64.72.01.1001`.
//!
//! `rt_count` is the number of RTs the official list gives, when known; the RTs
//! themselves are rows of [`super::rt`].

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kelurahan")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub kecamatan_code: String,
    pub name: String,
    pub rt_count: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::kecamatan::Entity",
        from = "Column::KecamatanCode",
        to = "super::kecamatan::Column::Code",
        on_delete = "Restrict"
    )]
    Kecamatan,
    #[sea_orm(has_many = "super::rt::Entity")]
    Rt,
    #[sea_orm(has_many = "super::account::Entity")]
    Account,
    #[sea_orm(has_many = "super::account_scope::Entity")]
    AccountScope,
    #[sea_orm(has_many = "super::formation::Entity")]
    Formation,
    #[sea_orm(has_many = "super::application::Entity")]
    Application,
}

impl Related<super::kecamatan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Kecamatan.def()
    }
}

impl Related<super::rt::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Rt.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl Related<super::account_scope::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AccountScope.def()
    }
}

impl Related<super::formation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Formation.def()
    }
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
