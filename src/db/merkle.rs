//! Reads for the Merkle log: the event hashes in `seq` order, nothing else.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::entities::audit_event;

/// Up to `limit` `(seq, hash)` pairs of the events after `after_seq`, in order.
///
/// # Errors
/// Storage failures.
pub async fn hashes_after<C: ConnectionTrait>(
    conn: &C,
    after_seq: i64,
    limit: u64,
) -> Result<Vec<(i64, String)>, DbErr> {
    audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Seq)
        .column(audit_event::Column::Hash)
        .filter(audit_event::Column::Seq.gt(after_seq))
        .order_by_asc(audit_event::Column::Seq)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await
}

/// The sizes of every signed checkpoint, in order.
///
/// # Errors
/// Storage failures.
pub async fn checkpoint_sizes<C: ConnectionTrait>(conn: &C) -> Result<Vec<i64>, DbErr> {
    super::entities::audit_checkpoint::Entity::find()
        .select_only()
        .column(super::entities::audit_checkpoint::Column::Seq)
        .order_by_asc(super::entities::audit_checkpoint::Column::Seq)
        .into_tuple()
        .all(conn)
        .await
}

/// The events that carry a registration number, oldest first.
///
/// # Errors
/// Storage failures.
pub async fn events_of<C: ConnectionTrait>(
    conn: &C,
    registration_no: &str,
) -> Result<Vec<audit_event::Model>, DbErr> {
    audit_event::Entity::find()
        .filter(audit_event::Column::RegistrationNo.eq(registration_no))
        .order_by_asc(audit_event::Column::Seq)
        .all(conn)
        .await
}
