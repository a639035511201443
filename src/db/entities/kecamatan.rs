//! A kecamatan (district), keyed by its official code, e.g. `64.72.01`.
//!
//! Region master data, loaded by `pokmas import-regions`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kecamatan")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::kelurahan::Entity")]
    Kelurahan,
}

impl Related<super::kelurahan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Kelurahan.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
