//! An application's invitation to a test session; at most one per application
//! (rescheduling moves it to another session).
//!
//! - `attendance`: `present` | `absent`, null until recorded.
//! - `decision` is the written note on absence handling, with `decided_by` /
//!   `decided_at`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "test_invitation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub test_session_id: Uuid,
    #[sea_orm(unique)]
    pub application_id: Uuid,
    pub invited_at: TimeDateTimeWithTimeZone,
    pub attendance: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision: Option<String>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::test_session::Entity",
        from = "Column::TestSessionId",
        to = "super::test_session::Column::Id",
        on_delete = "Restrict"
    )]
    TestSession,
    #[sea_orm(
        belongs_to = "super::application::Entity",
        from = "Column::ApplicationId",
        to = "super::application::Column::Id",
        on_delete = "Restrict"
    )]
    Application,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::DecidedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    DecidedBy,
}

impl Related<super::test_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TestSession.def()
    }
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DecidedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
