//! A signed checkpoint of the audit trail: the chain's `(seq, hash)`
//! at a moment, in the C2SP `tlog-checkpoint` note format.
//!
//! `origin` is the note's origin line, `note` the full signed note text, `reason`
//! why it was taken
//! (e.g. `provisional`, `final`, `daily`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_checkpoint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub hash: String,
    pub origin: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub reason: String,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::checkpoint::RecordedCheckpoint {
    fn from(m: Model) -> Self {
        Self {
            seq: m.seq,
            hash: m.hash,
            origin: m.origin,
            note: m.note,
            reason: m.reason,
            created_at: m.created_at,
        }
    }
}
