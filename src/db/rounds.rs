//! Read queries over rounds that several use cases share.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Select};

use super::entities::round;
use crate::domain::round::RoundState;

/// Rounds the public may see (see [`round::Model::is_public`]), newest year first.
pub fn public() -> Select<round::Entity> {
    round::Entity::find()
        .filter(round::Column::FrozenHash.is_not_null())
        .order_by_desc(round::Column::Year)
        .order_by_asc(round::Column::Name)
}

/// The public rounds, in one state or all.
///
/// # Errors
/// Storage failures.
pub async fn public_list<C: ConnectionTrait>(
    db: &C,
    state: Option<RoundState>,
) -> Result<Vec<round::Model>, DbErr> {
    let mut q = public();
    if let Some(state) = state {
        q = q.filter(round::Column::State.eq(state));
    }
    q.all(db).await
}

/// The public round with this slug.
///
/// # Errors
/// Storage failures.
pub async fn public_by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<round::Model>, DbErr> {
    public().filter(round::Column::Slug.eq(slug)).one(db).await
}
