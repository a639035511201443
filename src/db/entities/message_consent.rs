//! An application's consent to news by SMS or WhatsApp at `phone`, recorded
//! when the number was given (by the applicant, or by the operator at the
//! desk as `recorded_by`). `withdrawn_at` stops further messages.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_consent")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub application_id: Uuid,
    pub phone: String,
    pub channel: String,
    pub recorded_by: Option<Uuid>,
    pub given_at: TimeDateTimeWithTimeZone,
    pub withdrawn_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
