//! Each application's own data key, wrapped by the installation's key and
//! kept in `data_key`. The NIK of a draft is encrypted under it, so
//! destroying the key (erasure) makes every copy of that ciphertext
//! unreadable, the ones in backups included.

use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::entities::data_key;
use crate::domain::nik::Nik;
use crate::pii::{DataKey, NikVault};

/// The application's data key: `Ok(None)` when it was destroyed (the data
/// were erased); a new one is made and stored when `create` is set and the
/// application has none yet.
///
/// # Errors
/// Storage failures; a wrapped key that does not open (another secret).
pub async fn key_of<C: ConnectionTrait>(
    tx: &C,
    vault: &NikVault,
    application_id: Uuid,
    create: bool,
) -> Result<Option<DataKey>, anyhow::Error> {
    match data_key::Entity::find_by_id(application_id).one(tx).await? {
        Some(row) => match (row.destroyed_at, row.wrapped_key) {
            (None, Some(w)) => {
                Ok(Some(vault.unwrap_data_key(application_id, &w).map_err(
                    |e| anyhow::anyhow!("data key of {application_id}: {e}"),
                )?))
            }
            _ => Ok(None),
        },
        None if create => {
            let (key, wrapped) = vault
                .new_data_key(application_id)
                .map_err(|e| anyhow::anyhow!("data key: {e}"))?;
            data_key::Entity::insert(data_key::ActiveModel {
                application_id: Set(application_id),
                wrapped_key: Set(Some(wrapped)),
                created_at: Set(OffsetDateTime::now_utc()),
                destroyed_at: Set(None),
            })
            .exec(tx)
            .await?;
            Ok(Some(key))
        }
        None => Ok(None),
    }
}

/// Encrypts a NIK under the application's data key, making the key on
/// first use.
///
/// # Errors
/// Storage failures; an erased application (its key is gone).
pub async fn encrypt_nik<C: ConnectionTrait>(
    tx: &C,
    vault: &NikVault,
    application_id: Uuid,
    nik: &Nik,
) -> Result<String, anyhow::Error> {
    let key = key_of(tx, vault, application_id, true)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the data of {application_id} were erased"))?;
    vault
        .encrypt_under(&key, nik)
        .map_err(|e| anyhow::anyhow!("NIK encryption: {e}"))
}

/// Reads an application's stored NIK of either ciphertext version.
///
/// # Errors
/// Storage failures; a ciphertext that does not open, or whose key was destroyed.
pub async fn decrypt_nik<C: ConnectionTrait>(
    tx: &C,
    vault: &NikVault,
    application_id: Uuid,
    stored: &str,
) -> Result<Nik, anyhow::Error> {
    let key = key_of(tx, vault, application_id, false).await?;
    vault
        .decrypt_any(key.as_ref(), stored)
        .map_err(|e| anyhow::anyhow!("stored NIK: {e}"))
}

/// Destroys the application's data key, recording when; an application
/// that never had one gets a destroyed marker, so every erased application
/// is marked the same way.
///
/// # Errors
/// Storage failures.
pub async fn destroy<C: ConnectionTrait>(
    tx: &C,
    application_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    data_key::Entity::insert(data_key::ActiveModel {
        application_id: Set(application_id),
        wrapped_key: Set(None),
        created_at: Set(now),
        destroyed_at: Set(Some(now)),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(data_key::Column::ApplicationId)
            .update_columns([data_key::Column::WrappedKey, data_key::Column::DestroyedAt])
            .to_owned(),
    )
    .exec(tx)
    .await?;
    Ok(())
}

/// Whether the application's personal data were erased.
///
/// # Errors
/// Storage failures.
pub async fn is_erased<C: ConnectionTrait>(tx: &C, application_id: Uuid) -> Result<bool, DbErr> {
    Ok(data_key::Entity::find_by_id(application_id)
        .one(tx)
        .await?
        .is_some_and(|k| k.destroyed_at.is_some()))
}
