//! A panelist's conflict-of-interest declaration for one application;
//! one row per (application, panelist).
//!
//! - `kind`: `none` | `family` | `household` | `employment` | `political` | `other`;
//!   null (with `declared_at`) until the panelist declares. Anything but `none`
//!   recuses them.
//! - `recused` is true when the panelist declared a conflict or an admin recused
//!   them (`recused_by`, `recused_at`).
//! - `flagged_reasons` is a JSON array of the system's flags (`same_rt`,
//!   `same_family_card`), null when none; the row may exist before the panelist
//!   declares, to carry them.
//! - A [`super::scorecard`] requires this row (composite foreign key).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conflict_declaration")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub panelist_id: Uuid,
    pub kind: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    pub recused: bool,
    pub recused_by: Option<Uuid>,
    pub recused_at: Option<TimeDateTimeWithTimeZone>,
    #[sea_orm(column_type = "Text", nullable)]
    pub flagged_reasons: Option<String>,
    pub declared_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::application::Entity",
        from = "Column::ApplicationId",
        to = "super::application::Column::Id",
        on_delete = "Restrict"
    )]
    Application,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::PanelistId",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    Panelist,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::RecusedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    RecusedBy,
    #[sea_orm(has_many = "super::scorecard::Entity")]
    Scorecard,
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl Related<super::scorecard::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Scorecard.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
