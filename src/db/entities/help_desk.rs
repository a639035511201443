//! Where and when a kelurahan's help desk is open. The row whose
//! `kelurahan_code` is empty is the city's call centre.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "help_desk")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kelurahan_code: String,
    pub address: String,
    pub opening_hours: String,
    pub phone: String,
    pub whatsapp: String,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
