//! An objection against the published shortlist of one stage of a staged
//! round (no row: the objection contests the round's results).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "objection_stage")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub objection_id: Uuid,
    pub round_id: Uuid,
    pub stage_code: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
