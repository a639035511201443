//! One panelist's scorecard for one application (all criteria); unique per
//! (application, panelist), and only possible once the panelist has a
//! [`super::conflict_declaration`] row for the application.
//!
//! - `status`: `draft` | `submitted`.
//! - `current_version` is the latest submitted [`super::score_version`], 0 when
//!   never submitted. Draft values (private) are in [`super::scorecard_draft_value`].

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scorecard")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub panelist_id: Uuid,
    pub status: String,
    pub current_version: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::conflict_declaration::Entity",
        from = "(Column::ApplicationId, Column::PanelistId)",
        to = "(super::conflict_declaration::Column::ApplicationId, super::conflict_declaration::Column::PanelistId)",
        on_delete = "Restrict"
    )]
    ConflictDeclaration,
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
    #[sea_orm(has_many = "super::scorecard_draft_value::Entity")]
    ScorecardDraftValue,
    #[sea_orm(has_many = "super::score_version::Entity")]
    ScoreVersion,
}

impl Related<super::conflict_declaration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConflictDeclaration.def()
    }
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Panelist.def()
    }
}

impl Related<super::scorecard_draft_value::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ScorecardDraftValue.def()
    }
}

impl Related<super::score_version::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ScoreVersion.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
