//! An administrative requirement (persyaratan) of a round.
//!
//! - `code` is unique within the round.
//! - `kind`: `document` (an upload checked MS/TMS) | `declaration` (a statement the
//!   applicant accepts) | `age` | `domicile` (checked automatically).
//! - `params` is JSON text for the kind, e.g. accepted content types or the age
//!   reference date; null when the kind needs none.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "requirement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub code: String,
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub text_id: String,
    #[sea_orm(column_type = "Text")]
    pub text_en: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub params: Option<String>,
    pub mandatory: bool,
    pub position: i32,
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
    #[sea_orm(has_many = "super::application_declaration::Entity")]
    ApplicationDeclaration,
    #[sea_orm(has_many = "super::document::Entity")]
    Document,
    #[sea_orm(has_many = "super::requirement_check::Entity")]
    RequirementCheck,
}

impl Related<super::round::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Round.def()
    }
}

impl Related<super::application_declaration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApplicationDeclaration.def()
    }
}

impl Related<super::document::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Document.def()
    }
}

impl Related<super::requirement_check::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RequirementCheck.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::round::RequirementRow {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            round_id: m.round_id,
            code: m.code,
            kind: m.kind,
            text_id: m.text_id,
            text_en: m.text_en,
            params: m.params,
            mandatory: m.mandatory,
            position: m.position,
        }
    }
}

impl From<&Model> for crate::domain::round::RequirementRow {
    fn from(m: &Model) -> Self {
        Self::from(m.clone())
    }
}
