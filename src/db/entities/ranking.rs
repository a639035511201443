//! The current standing of one application, re-computed with every
//! input change; one row per application.
//!
//! - `eligibility`: `eligible` | `ineligible` | `withdrawn` | `pending`.
//! - `total_exact` is the exact total as `"p/q"`, null while incomplete.
//! - `passed` is null while incomplete; `rank` (1-based) is set for passing
//!   complete applications only; `status`: `selected` | `reserve` | `not_passed` |
//!   `not_selected`, null while pending.
//! - `lottery_key` is `sha256_hex(seed + ":" + registration_no)` once the seed exists.
//! - `published` turns standings into public ranks (provisional results).
//!
//! Ranks are a total order per formation, but the database does not make them
//! unique: re-ranking rewrites a formation in batches that may pass through
//! duplicate ranks mid-statement.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ranking")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub application_id: Uuid,
    pub round_id: Uuid,
    pub formation_id: Uuid,
    pub complete: bool,
    pub eligibility: String,
    pub total_exact: Option<String>,
    /// `n_c` of each tie-break criterion in tie-break order, `p/q` separated by
    /// spaces; `None` until complete.
    pub tiebreak_exact: Option<String>,
    pub passed: Option<bool>,
    pub rank: Option<i32>,
    pub status: Option<String>,
    pub lottery_key: Option<String>,
    pub published: bool,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::application::Entity",
        from = "(Column::ApplicationId, Column::RoundId)",
        to = "(super::application::Column::Id, super::application::Column::RoundId)",
        on_delete = "Cascade"
    )]
    Application,
    #[sea_orm(
        belongs_to = "super::formation::Entity",
        from = "Column::FormationId",
        to = "super::formation::Column::Id",
        on_delete = "Restrict"
    )]
    Formation,
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl Related<super::formation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Formation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
