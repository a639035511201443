//! The data key of one application: 32 random bytes wrapped (AEAD) by a key
//! derived from the installation secret. The application's NIK is encrypted
//! under it. `destroyed_at` set means the application's personal data were
//! erased: `wrapped_key` is null from then on (also for an application that
//! never had a key) and the personal fields were blanked.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_key")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub application_id: Uuid,
    #[sea_orm(column_type = "Blob", nullable)]
    pub wrapped_key: Option<Vec<u8>>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub destroyed_at: Option<TimeDateTimeWithTimeZone>,
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
}

impl ActiveModelBehavior for ActiveModel {}
