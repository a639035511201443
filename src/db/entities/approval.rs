//! A four-eyes request: a decision that can remove someone (an eligibility
//! override, an accepted objection, a disqualification, finalization) waits here
//! for a second admin.
//!
//! - `kind` names the decision, e.g. `eligibility.override`, `objection.accept`,
//!   `application.disqualify`, `round.finalize`; `subject_type` / `subject_id`
//!   name what it applies to; `payload` is JSON text of what will be applied.
//! - `status`: `pending` | `approved` | `rejected` | `cancelled`; at most one
//!   `pending` request per (kind, subject).
//! - The database refuses `decided_by = requested_by`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approval")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Option<Uuid>,
    pub kind: String,
    pub subject_type: String,
    pub subject_id: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub requested_by: Uuid,
    pub requested_at: TimeDateTimeWithTimeZone,
    pub status: crate::domain::approval::ApprovalStatus,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<TimeDateTimeWithTimeZone>,
    #[sea_orm(column_type = "Text")]
    pub decision_reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::round::Entity",
        from = "Column::RoundId",
        to = "super::round::Column::Id",
        on_delete = "Restrict"
    )]
    Round,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::RequestedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    RequestedBy,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::DecidedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    DecidedBy,
    #[sea_orm(has_many = "super::objection::Entity")]
    Objection,
}

impl Related<super::round::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Round.def()
    }
}

impl Related<super::objection::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Objection.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::approval::Approval {
    fn from(a: Model) -> Self {
        Self {
            id: a.id,
            round_id: a.round_id,
            kind: a.kind,
            subject_type: a.subject_type,
            subject_id: a.subject_id,
            payload: a.payload,
            reason: a.reason,
            requested_by: a.requested_by,
            requested_at: a.requested_at,
            status: a.status,
            decided_by: a.decided_by,
            decided_at: a.decided_at,
            decision_reason: a.decision_reason,
        }
    }
}
