//! An office in a formed group (chair, secretary, treasurer) held by a
//! selected member after the final result; members without a row are
//! `anggota`. See `domain::group_roles` for the rule.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "group_role")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub application_id: Uuid,
    pub round_id: Uuid,
    pub formation_id: Uuid,
    /// `chair` | `secretary` | `treasurer`.
    pub role: String,
    pub assigned_by: Uuid,
    pub assigned_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
