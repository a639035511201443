//! One row of the hash-chained audit trail.
//!
//! Every text column is stored exactly as it was hashed; nothing here is ever
//! re-formatted on the way out. `registration_no` and `kelurahan_code` are
//! index columns for the trail browser and are not part of the hash.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub round_id: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    #[sea_orm(unique)]
    pub prev_hash: String,
    #[sea_orm(unique)]
    pub hash: String,
    pub registration_no: Option<String>,
    pub kelurahan_code: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for crate::domain::trail_read::TrailEvent {
    fn from(m: Model) -> Self {
        Self {
            seq: m.seq,
            at: m.at,
            actor: m.actor,
            actor_role: m.actor_role,
            action: m.action,
            subject_type: m.subject_type,
            subject_id: m.subject_id,
            round_id: m.round_id,
            payload: m.payload,
            reason: m.reason,
            prev_hash: m.prev_hash,
            hash: m.hash,
            registration_no: m.registration_no,
            kelurahan_code: m.kelurahan_code,
        }
    }
}
