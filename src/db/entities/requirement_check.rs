//! One MS/TMS check of one requirement of an application; history is kept.
//!
//! - `outcome`: `ms` (memenuhi syarat) | `tms` (tidak memenuhi syarat).
//! - `revision` counts 1, 2, … per (application, requirement), unique; the highest
//!   revision is the one that counts.
//! - `automatic` checks (age, domicile) have no `checked_by`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "requirement_check")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub requirement_id: Uuid,
    pub revision: i32,
    pub outcome: crate::domain::eligibility::RequirementOutcome,
    pub reason_code: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub reason_text: String,
    pub automatic: bool,
    pub checked_by: Option<Uuid>,
    pub checked_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::application::Entity",
        from = "Column::ApplicationId",
        to = "super::application::Column::Id",
        on_delete = "Cascade"
    )]
    Application,
    #[sea_orm(
        belongs_to = "super::requirement::Entity",
        from = "Column::RequirementId",
        to = "super::requirement::Column::Id",
        on_delete = "Restrict"
    )]
    Requirement,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::CheckedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    CheckedBy,
}

impl Related<super::application::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Application.def()
    }
}

impl Related<super::requirement::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Requirement.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CheckedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::verification::RequirementCheck {
    fn from(c: Model) -> Self {
        Self {
            id: c.id,
            application_id: c.application_id,
            requirement_id: c.requirement_id,
            revision: c.revision,
            outcome: c.outcome,
            reason_code: c.reason_code,
            reason_text: c.reason_text,
            automatic: c.automatic,
            checked_by: c.checked_by,
            checked_at: c.checked_at,
        }
    }
}
