//! An installation privacy setting: `key` → `value`. Keys: `controller_name`,
//! `controller_address`, `dpo_name`, `dpo_email`, `dpo_phone`, and
//! `retention.<class>_months` (whole months, see
//! [`crate::domain::privacy::DataClass`]). A missing key takes its default.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "privacy_setting")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    #[sea_orm(column_type = "Text")]
    pub value: String,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
