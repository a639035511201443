//! An applicant's request to erase the personal data of one application.
//!
//! - `status`: `requested` | `refused` | `executed`.
//! - `requested_by` is the applicant's account (null when an operator records
//!   it for a desk registrant); `decided_by` the admin who decided, with
//!   `decision_reason` (the legal hold when refused).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "erasure_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub requested_by: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub status: crate::domain::erasure::ErasureStatus,
    pub decided_by: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub decision_reason: String,
    pub requested_at: TimeDateTimeWithTimeZone,
    pub decided_at: Option<TimeDateTimeWithTimeZone>,
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
}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::erasure::ErasureRequest {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            application_id: m.application_id,
            requested_by: m.requested_by,
            reason: m.reason,
            status: m.status,
            decided_by: m.decided_by,
            decision_reason: m.decision_reason,
            requested_at: m.requested_at,
            decided_at: m.decided_at,
        }
    }
}
