//! Personal API tokens: made and revoked by their owner at `/akun`, checked
//! on every `Authorization: Bearer` request. Making and revoking each is one
//! transaction with its audit event (`token.created`, `token.revoked`); the
//! payloads carry ids, the label's length and the expiry, never the token.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ServiceError;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{account, api_token};
use crate::domain::account::AccountStatus;
use crate::domain::api_token::{self as rule, TokenState};
use crate::domain::role::Role;
use crate::domain::text::plain_text;

pub use crate::domain::api_token::TokenRow;

/// A token just made: its text is shown once and never again.
#[derive(Clone, Debug)]
pub struct Created {
    pub id: Uuid,
    pub token: String,
    pub expires_at: OffsetDateTime,
}

fn role_of(raw: &str) -> Result<Role, ServiceError> {
    raw.parse::<Role>()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!(e)))
}

/// Makes a token for `account_id`, carrying the account's current role,
/// valid for `days` (one of [`rule::LIFETIMES_DAYS`]).
///
/// # Errors
/// `Invalid` (message in both languages) for an empty, too long or
/// control-character label, a lifetime not offered, or too many active
/// tokens; `NotFound` for an unknown or inactive account; storage failures.
pub async fn create(
    db: &DatabaseConnection,
    now: OffsetDateTime,
    account_id: Uuid,
    label: &str,
    days: &str,
) -> Result<Created, ServiceError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > rule::MAX_LABEL || !plain_text(label, false) {
        return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
            format!(
                "Isi nama token (1–{} karakter, tanpa karakter kendali).",
                rule::MAX_LABEL
            ),
            format!(
                "Give the token a name (1–{} characters, no control characters).",
                rule::MAX_LABEL
            ),
        )));
    }
    let Some(lifetime) = rule::lifetime(days) else {
        return Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Pilih masa berlaku dari daftar.",
            "Choose a lifetime from the list.",
        )));
    };
    let tx = begin_write(db).await?;
    let acc = account::Entity::find_by_id(account_id)
        .one(&tx)
        .await?
        .filter(|a| a.status == AccountStatus::Active)
        .ok_or(ServiceError::NotFound)?;
    let role = role_of(&acc.role)?;
    let active = api_token::Entity::find()
        .filter(api_token::Column::AccountId.eq(acc.id))
        .filter(api_token::Column::RevokedAt.is_null())
        .filter(api_token::Column::ExpiresAt.gt(now))
        .all(&tx)
        .await?
        .len();
    if active >= rule::MAX_ACTIVE {
        return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
            format!(
                "Paling banyak {} token aktif; cabut yang tidak dipakai lagi.",
                rule::MAX_ACTIVE
            ),
            format!(
                "At most {} active tokens; revoke one you no longer use.",
                rule::MAX_ACTIVE
            ),
        )));
    }
    let (token, hash) = rule::generate();
    let id = Uuid::now_v7();
    let expires_at = now + lifetime;
    api_token::ActiveModel {
        id: Set(id),
        account_id: Set(acc.id),
        label: Set(label.to_owned()),
        token_hash: Set(hash),
        role: Set(role.as_str().to_owned()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(&tx)
    .await?;
    append(
        &tx,
        NewEvent::new(
            Actor::Account { id: acc.id, role },
            "token.created",
            "api_token",
            id.to_string(),
        )
        .payload(serde_json::json!({
            "account_id": acc.id.to_string(),
            "role": role.as_str(),
            "expires_at": expires_at.unix_timestamp(),
        })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account.id = %acc.id, api_token.id = %id, "api token created");
    Ok(Created {
        id,
        token,
        expires_at,
    })
}

/// Revokes one of the account's own tokens. Revoking a revoked token
/// changes nothing and records nothing.
///
/// # Errors
/// `NotFound` when the token is not the account's; storage failures.
pub async fn revoke(
    db: &DatabaseConnection,
    now: OffsetDateTime,
    account_id: Uuid,
    token_id: Uuid,
) -> Result<(), ServiceError> {
    let tx = begin_write(db).await?;
    let acc = account::Entity::find_by_id(account_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let t = api_token::Entity::find_by_id(token_id)
        .one(&tx)
        .await?
        .filter(|t| t.account_id == acc.id)
        .ok_or(ServiceError::NotFound)?;
    if t.revoked_at.is_some() {
        return Ok(());
    }
    api_token::ActiveModel {
        id: Set(t.id),
        revoked_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    append(
        &tx,
        NewEvent::new(
            Actor::Account {
                id: acc.id,
                role: role_of(&acc.role)?,
            },
            "token.revoked",
            "api_token",
            t.id.to_string(),
        )
        .payload(serde_json::json!({ "account_id": acc.id.to_string() })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account.id = %acc.id, api_token.id = %t.id, "api token revoked");
    Ok(())
}

/// The account's tokens, newest first.
///
/// # Errors
/// Storage failures.
pub async fn list(
    db: &DatabaseConnection,
    now: OffsetDateTime,
    account_id: Uuid,
) -> Result<Vec<TokenRow>, ServiceError> {
    let Some(acc) = account::Entity::find_by_id(account_id).one(db).await? else {
        return Ok(Vec::new());
    };
    let account_role = role_of(&acc.role)?;
    let rows = api_token::Entity::find()
        .filter(api_token::Column::AccountId.eq(account_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|t| {
            Ok(TokenRow {
                state: TokenState::of(
                    now,
                    t.expires_at,
                    t.revoked_at.is_some(),
                    role_of(&t.role)?,
                    account_role,
                ),
                id: t.id,
                label: t.label,
                created_at: t.created_at,
                expires_at: t.expires_at,
            })
        })
        .collect()
}

/// The account a bearer token opens the API for, or `None` for anything
/// that is not an active token of an active account.
///
/// # Errors
/// Storage failures.
pub async fn authenticate(
    db: &DatabaseConnection,
    now: OffsetDateTime,
    raw: &str,
) -> Result<Option<Uuid>, ServiceError> {
    if !rule::well_formed(raw) {
        return Ok(None);
    }
    let Some(t) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(rule::hash(raw)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(acc) = account::Entity::find_by_id(t.account_id)
        .one(db)
        .await?
        .filter(|a| a.status == AccountStatus::Active)
    else {
        return Ok(None);
    };
    let state = TokenState::of(
        now,
        t.expires_at,
        t.revoked_at.is_some(),
        role_of(&t.role)?,
        role_of(&acc.role)?,
    );
    Ok((state == TokenState::Active).then_some(acc.id))
}
