//! An uploaded document of an application: links a [`super::stored_file`] (by
//! hash) to the requirement it answers.
//!
//! `requirement_id` is null for an attachment that answers no requirement (e.g.
//! evidence for an objection). `uploaded_by` is the operator for an assisted
//! upload, the applicant's account otherwise (null when the applicant has none).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub requirement_id: Option<Uuid>,
    pub sha256: String,
    pub original_name: String,
    pub uploaded_by: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
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
        belongs_to = "super::stored_file::Entity",
        from = "Column::Sha256",
        to = "super::stored_file::Column::Sha256",
        on_delete = "Restrict"
    )]
    StoredFile,
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::UploadedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    UploadedBy,
    #[sea_orm(has_many = "super::objection::Entity")]
    Objection,
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

impl Related<super::stored_file::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::StoredFile.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UploadedBy.def()
    }
}

impl Related<super::objection::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Objection.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::application_view::DocumentRecord {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            application_id: m.application_id,
            requirement_id: m.requirement_id,
            sha256: m.sha256,
            original_name: m.original_name,
            uploaded_by: m.uploaded_by,
            created_at: m.created_at,
        }
    }
}
