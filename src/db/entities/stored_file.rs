//! A file in storage, content-addressed by the lowercase hex SHA-256 of its bytes.
//!
//! The bytes live outside the database (storage directory or object store) under
//! this hash. `content_type` is what the magic bytes say, not what the uploader
//! claimed. Rows referenced by a [`super::document`] cannot be deleted; an
//! unreferenced row (and its file) may be garbage-collected, e.g. after erasure.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stored_file")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sha256: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::document::Entity")]
    Document,
}

impl Related<super::document::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Document.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
