//! An objection (sanggahan) against a published result, filed within the
//! objection window.
//!
//! - `status`: [`crate::domain::objection::ObjectionStatus`], stored as its name
//!   (`filed` | `in_review` | `proposed` | `accepted` | `rejected`).
//! - `filed_by` is the applicant or the operator filing for them; `document_id` an
//!   optional attachment; `deadline_at` the end of the window when filed.
//! - An accepted objection needs a four-eyes [`super::approval`] (`approval_id`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "objection")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub application_id: Uuid,
    pub filed_by: Uuid,
    #[sea_orm(column_type = "Text")]
    pub grounds: String,
    pub document_id: Option<Uuid>,
    pub status: crate::domain::objection::ObjectionStatus,
    pub reviewer_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub decision_reason: String,
    pub deadline_at: TimeDateTimeWithTimeZone,
    pub filed_at: TimeDateTimeWithTimeZone,
    pub decided_at: Option<TimeDateTimeWithTimeZone>,
    pub approval_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::application::Entity",
        from = "(Column::ApplicationId, Column::RoundId)",
        to = "(super::application::Column::Id, super::application::Column::RoundId)",
        on_delete = "Restrict"
    )]
    Application,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::FiledBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    FiledBy,
    #[sea_orm(
        belongs_to = "super::document::Entity",
        from = "Column::DocumentId",
        to = "super::document::Column::Id",
        on_delete = "Restrict"
    )]
    Document,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::ReviewerId",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    Reviewer,
    #[sea_orm(
        belongs_to = "super::approval::Entity",
        from = "Column::ApprovalId",
        to = "super::approval::Column::Id",
        on_delete = "Restrict"
    )]
    Approval,
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl Related<super::document::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Document.def()
    }
}

impl Related<super::approval::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Approval.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::objection::Objection {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            round_id: m.round_id,
            application_id: m.application_id,
            filed_by: m.filed_by,
            grounds: m.grounds,
            document_id: m.document_id,
            status: m.status,
            reviewer_id: m.reviewer_id,
            decision_reason: m.decision_reason,
            deadline_at: m.deadline_at,
            filed_at: m.filed_at,
            decided_at: m.decided_at,
            approval_id: m.approval_id,
        }
    }
}
