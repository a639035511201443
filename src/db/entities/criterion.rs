//! A scoring criterion of a round, published before anyone applies.
//!
//! - `code` is unique within the round; `kind`: `panel` | `imported`.
//! - Integer scale `scale_min` < `scale_max`; `weight` 0–100 (a round's weights sum
//!   to 100, checked by the service); `pass_min` within the scale, or null.
//! - `tiebreak_order` is 1, 2, … for tie-break criteria (unique within the round),
//!   null otherwise; `position` orders the criteria on forms and pages.
//! - `stage_code` names the `round_stage` it scores in a staged round, null otherwise.
//! - `scale_labels` is JSON text: `{"<point>": {"id": "…", "en": "…"}, …}`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "criterion")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    #[sea_orm(column_type = "Text")]
    pub description_id: String,
    #[sea_orm(column_type = "Text")]
    pub description_en: String,
    pub kind: String,
    pub scale_min: i32,
    pub scale_max: i32,
    pub weight: i32,
    pub pass_min: Option<i32>,
    pub tiebreak_order: Option<i32>,
    pub position: i32,
    #[sea_orm(column_type = "Text")]
    pub scale_labels: String,
    /// The stage this criterion scores; `None` in a round without stages.
    pub stage_code: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::round::Entity",
        from = "Column::RoundId",
        to = "super::round::Column::Id",
        on_delete = "Cascade"
    )]
    Round,
    #[sea_orm(has_many = "super::scorecard_draft_value::Entity")]
    ScorecardDraftValue,
    #[sea_orm(has_many = "super::score_value::Entity")]
    ScoreValue,
    #[sea_orm(has_many = "super::imported_value::Entity")]
    ImportedValue,
}

impl Related<super::round::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Round.def()
    }
}

impl Related<super::scorecard_draft_value::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ScorecardDraftValue.def()
    }
}

impl Related<super::score_value::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ScoreValue.def()
    }
}

impl Related<super::imported_value::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ImportedValue.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::round::CriterionRow {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            round_id: m.round_id,
            code: m.code,
            name_id: m.name_id,
            name_en: m.name_en,
            description_id: m.description_id,
            description_en: m.description_en,
            kind: m.kind,
            scale_min: m.scale_min,
            scale_max: m.scale_max,
            weight: m.weight,
            pass_min: m.pass_min,
            tiebreak_order: m.tiebreak_order,
            position: m.position,
            scale_labels: m.scale_labels,
            stage_code: m.stage_code,
        }
    }
}

impl From<&Model> for crate::domain::round::CriterionRow {
    fn from(m: &Model) -> Self {
        Self::from(m.clone())
    }
}
