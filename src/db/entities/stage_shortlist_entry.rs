//! One candidate of a published stage shortlist: whether they go on to the
//! next stage, their position by total (equal totals share it; null when
//! out of the race) and their exact stage total (`p/q`, null when
//! incomplete).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stage_shortlist_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub round_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub application_id: Uuid,
    pub formation_id: Uuid,
    pub registration_no: String,
    pub advances: bool,
    pub position: Option<i32>,
    pub total_exact: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
