//! A suspected or confirmed personal-data breach: when it was discovered,
//! what leaked, whom it concerns, how, and the measures taken; the written
//! notices to the data subjects and to the supervisory body are due within
//! 3 × 24 hours of `discovered_at`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "breach_record")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub discovered_at: TimeDateTimeWithTimeZone,
    pub recorded_at: TimeDateTimeWithTimeZone,
    pub recorded_by: Uuid,
    #[sea_orm(column_type = "Text")]
    pub what: String,
    #[sea_orm(column_type = "Text")]
    pub whom: String,
    #[sea_orm(column_type = "Text")]
    pub how: String,
    #[sea_orm(column_type = "Text")]
    pub measures: String,
    pub subjects_notified_at: Option<TimeDateTimeWithTimeZone>,
    pub authority_notified_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::privacy::BreachRecord {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            discovered_at: m.discovered_at,
            recorded_at: m.recorded_at,
            recorded_by: m.recorded_by,
            what: m.what,
            whom: m.whom,
            how: m.how,
            measures: m.measures,
            subjects_notified_at: m.subjects_notified_at,
            authority_notified_at: m.authority_notified_at,
        }
    }
}
