//! Each application's own data key, wrapped by the installation's key and
//! kept in `data_key`. The NIK and the contact and birth fields of an
//! application are encrypted under it, so destroying the key (erasure) makes
//! every copy of those ciphertexts unreadable, the ones in backups included.
//!
//! Every reader of e-mail, phone, address, birth place or birth date goes
//! through [`personal_of`] (one application) or [`personal_of_many`] (a
//! batch: one query for the keys).

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::db::entities::{application, data_key};
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

pub use crate::domain::application_view::Personal;

impl Personal {
    /// What the `plain_*` columns still hold (a row written before the
    /// fields moved under the data key and not sealed yet).
    fn from_plain(a: &application::Model) -> Self {
        Self {
            email: a.plain_email.clone(),
            phone: a.plain_phone.clone(),
            address: a.plain_address.clone(),
            birth_place: a.plain_birth_place.clone(),
            birth_date: a.plain_birth_date,
        }
    }
}

/// The JSON inside the ciphertext; short names keep the blob small.
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(default)]
    e: String,
    #[serde(default)]
    p: String,
    #[serde(default)]
    a: String,
    #[serde(default)]
    bp: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    bd: Option<String>,
}

const DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn open_with(key: Option<&DataKey>, a: &application::Model) -> Result<Personal, anyhow::Error> {
    let Some(blob) = a.personal_ciphertext.as_deref() else {
        return Ok(Personal::from_plain(a));
    };
    // No key left: the data were erased, the blob is noise now.
    let Some(key) = key else {
        return Ok(Personal::default());
    };
    let plain = key
        .open_personal(a.id, blob)
        .map_err(|e| anyhow::anyhow!("personal fields of {}: {e}", a.id))?;
    let s: Stored = serde_json::from_slice(&plain)?;
    Ok(Personal {
        email: s.e,
        phone: s.p,
        address: s.a,
        birth_place: s.bp,
        birth_date: s.bd.and_then(|d| Date::parse(&d, DATE).ok()),
    })
}

/// The contact and birth fields of `a`, decrypted under its data key.
///
/// # Errors
/// Storage failures; a ciphertext or wrapped key that does not open
/// (another installation's secret).
pub async fn personal_of<C: ConnectionTrait>(
    tx: &C,
    vault: &NikVault,
    a: &application::Model,
) -> Result<Personal, anyhow::Error> {
    if a.personal_ciphertext.is_none() {
        return Ok(Personal::from_plain(a));
    }
    let key = key_of(tx, vault, a.id, false).await?;
    open_with(key.as_ref(), a)
}

/// [`personal_of`] for many applications: their keys are read in batches of
/// one query each, not one query per application.
///
/// # Errors
/// As [`personal_of`].
pub async fn personal_of_many<C: ConnectionTrait>(
    tx: &C,
    vault: &NikVault,
    apps: &[application::Model],
) -> Result<HashMap<Uuid, Personal>, anyhow::Error> {
    let sealed: Vec<Uuid> = apps
        .iter()
        .filter(|a| a.personal_ciphertext.is_some())
        .map(|a| a.id)
        .collect();
    let mut keys: HashMap<Uuid, DataKey> = HashMap::with_capacity(sealed.len());
    // Well under the bind-parameter limits of SQLite and PostgreSQL.
    for chunk in sealed.chunks(500) {
        for row in data_key::Entity::find()
            .filter(data_key::Column::ApplicationId.is_in(chunk.iter().copied()))
            .all(tx)
            .await?
        {
            if let (None, Some(w)) = (row.destroyed_at, row.wrapped_key.as_deref()) {
                let key = vault
                    .unwrap_data_key(row.application_id, w)
                    .map_err(|e| anyhow::anyhow!("data key of {}: {e}", row.application_id))?;
                keys.insert(row.application_id, key);
            }
        }
    }
    apps.iter()
        .map(|a| Ok((a.id, open_with(keys.get(&a.id), a)?)))
        .collect()
}

/// Encrypts `p` under the application's data key (made on first use) for
/// its `personal_ciphertext`.
///
/// # Errors
/// Storage failures; an erased application (its key is gone).
pub async fn seal_personal<C: ConnectionTrait>(
    tx: &C,
    vault: &NikVault,
    application_id: Uuid,
    p: &Personal,
) -> Result<Vec<u8>, anyhow::Error> {
    let key = key_of(tx, vault, application_id, true)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the data of {application_id} were erased"))?;
    let bd = match p.birth_date {
        Some(d) => Some(d.format(DATE)?),
        None => None,
    };
    let json = serde_json::to_vec(&Stored {
        e: p.email.clone(),
        p: p.phone.clone(),
        a: p.address.clone(),
        bp: p.birth_place.clone(),
        bd,
    })?;
    key.seal_personal(application_id, &json)
        .map_err(|e| anyhow::anyhow!("personal fields: {e}"))
}

/// Puts `p` in place of the personal fields of `a` on the active model `m`
/// (sealed, the plain columns emptied).
///
/// # Errors
/// As [`seal_personal`].
pub async fn store_personal<C: ConnectionTrait>(
    tx: &C,
    vault: &NikVault,
    application_id: Uuid,
    p: &Personal,
    m: &mut application::ActiveModel,
) -> Result<(), anyhow::Error> {
    let blob = seal_personal(tx, vault, application_id, p).await?;
    m.personal_ciphertext = Set(Some(blob));
    store_plain_empty(m);
    Ok(())
}

/// Seals the personal fields still in the plain columns (a database from
/// before they moved under the data key) and empties those columns, in one
/// transaction. Returns how many applications were sealed; run at start,
/// where the installation secret is at hand (a migration has none).
///
/// # Errors
/// Storage failures; nothing is changed then.
pub async fn seal_plain_fields(
    db: &sea_orm::DatabaseConnection,
    vault: &NikVault,
) -> Result<usize, anyhow::Error> {
    let tx = crate::db::begin_write(db).await?;
    let rows = application::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(application::Column::PlainEmail.ne(""))
                .add(application::Column::PlainPhone.ne(""))
                .add(application::Column::PlainAddress.ne(""))
                .add(application::Column::PlainBirthPlace.ne(""))
                .add(application::Column::PlainBirthDate.is_not_null()),
        )
        .all(&*tx)
        .await?;
    let n = rows.len();
    for a in rows {
        let mut m = application::ActiveModel {
            id: Set(a.id),
            ..Default::default()
        };
        if is_erased(&*tx, a.id).await? {
            // Erased before: the plain values should not be there at all.
            store_plain_empty(&mut m);
        } else {
            let p = Personal::from_plain(&a);
            store_personal(&*tx, vault, a.id, &p, &mut m).await?;
        }
        m.update(&*tx).await?;
    }
    tx.commit().await?;
    Ok(n)
}

pub(crate) fn store_plain_empty(m: &mut application::ActiveModel) {
    m.plain_email = Set(String::new());
    m.plain_phone = Set(String::new());
    m.plain_address = Set(String::new());
    m.plain_birth_place = Set(String::new());
    m.plain_birth_date = Set(None);
}
