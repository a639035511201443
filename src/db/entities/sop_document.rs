//! One version of a standard operating procedure (PDF). Versions of one SOP
//! share `slug`; the bytes are a stored file keyed by `sha256`, kept forever
//! so an older version stays readable.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sop_document")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub slug: String,
    pub version: i32,
    pub title: String,
    pub kelurahan_code: Option<String>,
    pub effective_from: TimeDate,
    pub sha256: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub created_by: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
