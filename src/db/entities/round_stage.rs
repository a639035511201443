//! One stage of a multi-stage round (e.g. written test, then interview),
//! frozen with the criteria when registration opens.
//!
//! - `position` 1, 2, … and `code` are unique within the round.
//! - `scoring`: `imported` (values imported, e.g. a written test) | `panel`.
//! - Every stage but the last has `advance_top_k` (the best `top_k × seats`
//!   go on, ties at the cut too) and/or `advance_passing_total` (0–100); the
//!   last has neither.
//! - `final_weight` is set on every stage exactly when the round's
//!   `final_rule` is `weighted`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "round_stage")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub position: i32,
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub scoring: String,
    pub advance_top_k: Option<i32>,
    pub advance_passing_total: Option<i32>,
    pub final_weight: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::round::Stage {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            round_id: m.round_id,
            position: m.position,
            code: m.code,
            name_id: m.name_id,
            name_en: m.name_en,
            scoring: m.scoring,
            advance_top_k: m.advance_top_k,
            advance_passing_total: m.advance_passing_total,
            final_weight: m.final_weight,
        }
    }
}

impl From<&Model> for crate::domain::round::Stage {
    fn from(m: &Model) -> Self {
        Self::from(m.clone())
    }
}
