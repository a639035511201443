//! A rendered e-mail waiting to be sent.
//!
//! `status` is `pending`, `sending` (claimed by a worker until `claimed_until`),
//! `sent` or `failed` (gave up after the last retry). `message_id` is fixed at
//! enqueue time so a retried send carries the same Message-ID.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub message_id: String,
    pub to_address: String,
    pub to_name: String,
    pub locale: String,
    pub template: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body_text: String,
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    pub status: crate::domain::delivery::Delivery,
    pub attempts: i32,
    pub next_attempt_at: TimeDateTimeWithTimeZone,
    pub claimed_until: Option<TimeDateTimeWithTimeZone>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub sent_at: Option<TimeDateTimeWithTimeZone>,
    /// `email`, `sms` or `whatsapp`: which worker sends the row.
    pub channel: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
