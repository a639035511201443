//! How an objection was filed and what it contests (one row per objection
//! filed since the table exists).
//!
//! - `channel`: `account` | `status_pin` | `desk`.
//! - `assisted_by`: the operator of a `desk` filing.
//! - `contested`: contested item codes separated by spaces (`verification`,
//!   `tie`, criterion codes).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "objection_filing")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub objection_id: Uuid,
    pub channel: String,
    pub assisted_by: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub contested: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::objection::ObjectionFiling {
    fn from(m: Model) -> Self {
        Self {
            objection_id: m.objection_id,
            channel: m.channel,
            assisted_by: m.assisted_by,
            contested: m.contested,
        }
    }
}
