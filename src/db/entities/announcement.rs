//! A notice on the information section: city-wide (`kelurahan_code` and
//! `round_id` empty), for one kelurahan, or about one round. Shown from
//! `publish_at` on; the body is Markdown, sanitised when rendered.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "announcement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kelurahan_code: Option<String>,
    pub round_id: Option<Uuid>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body_markdown: String,
    pub publish_at: TimeDateTimeWithTimeZone,
    pub created_by: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
