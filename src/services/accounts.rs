//! Accounts: creation by an administrator or the CLI, and password sign-in.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};
use uuid::Uuid;

use super::ServiceError;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{account, account_scope, kelurahan};
use crate::domain::account::AccountStatus;
use crate::domain::account::{Email, check_new_password};
use crate::domain::role::Role;

/// An active account as a request acts with it.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    /// Kelurahan codes an operator or panelist acts in.
    pub scopes: Vec<String>,
    pub email_verified: bool,
}

/// The account `id` as it stands now, or `None` when it is gone or no longer
/// active: read on every request, so a deactivation or a role change takes
/// effect at once.
///
/// # Errors
/// Storage failures; a stored role that is not a role.
pub async fn signed_in(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<Option<SignedIn>, ServiceError> {
    let Some(acc) = account::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|a| a.status == AccountStatus::Active)
    else {
        return Ok(None);
    };
    let role = acc
        .role
        .parse::<Role>()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!(e)))?;
    let scopes = account_scope::Entity::find()
        .filter(account_scope::Column::AccountId.eq(acc.id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.kelurahan_code)
        .collect();
    Ok(Some(SignedIn {
        id: acc.id,
        name: acc.name,
        role,
        scopes,
        email_verified: acc.email_verified_at.is_some(),
    }))
}

/// What is needed to create an account.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Kelurahan codes the account acts in (operators and panelists).
    pub kelurahan: Vec<String>,
    pub password: String,
}

tokio::task_local! {
    /// Set only around `pokmas demo`'s loading (see [`with_demo_hashing`]).
    static DEMO_HASHING: bool;
}

/// Runs `f` with argon2id at a token cost (64 KiB, one pass)
/// for every password and PIN hashed inside it. Only the demo loader uses it:
/// its 20,000 generated accounts would otherwise cost ~10 CPU-minutes of
/// hashing for passwords that are printed in the credentials file anyway.
/// The hashes stay valid argon2id PHC strings (the parameters travel with
/// each hash), so logging in works the same; real accounts created by the
/// server never pass through here.
pub async fn with_demo_hashing<F: std::future::Future>(f: F) -> F::Output {
    DEMO_HASHING.scope(true, f).await
}

fn hasher() -> Argon2<'static> {
    if DEMO_HASHING.try_with(|d| *d).unwrap_or(false) {
        let params = argon2::Params::new(64, 1, 1, None).unwrap_or_default();
        Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
    } else {
        Argon2::default()
    }
}

/// Hashes a password with argon2id and a random salt, off the async runtime.
///
/// # Errors
/// Only on an internal hashing failure.
pub async fn hash_password(password: String) -> Result<String, ServiceError> {
    let argon = hasher();
    tokio::task::spawn_blocking(move || {
        argon
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))
    })
    .await
    .map_err(|e| anyhow::anyhow!(e))?
    .map_err(ServiceError::Internal)
}

/// Checks a password against a stored PHC string, off the async runtime.
pub async fn verify_password(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Creates an active, verified account (administrators vouch for staff accounts).
/// One transaction: the account, its scopes and an `account.created` event.
///
/// # Errors
/// `Invalid` for a bad e-mail, name, password or unknown kelurahan; `Conflict`
/// when the e-mail address is taken.
pub async fn create_account(
    db: &DatabaseConnection,
    actor: Actor,
    new: NewAccount,
) -> Result<Uuid, ServiceError> {
    let email = Email::parse(&new.email).map_err(|e| ServiceError::Invalid(e.msg()))?;
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Nama wajib diisi (maksimal 120 karakter).",
            "A name is required (at most 120 characters).",
        )));
    }
    check_new_password(&new.password).map_err(|e| ServiceError::Invalid(e.msg()))?;
    if new.role.is_scoped() && new.kelurahan.is_empty() {
        return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
            format!(
                "Akun {} harus diberi minimal satu kelurahan (--kelurahan KODE).",
                new.role
            ),
            format!(
                "A {} account needs at least one kelurahan (--kelurahan CODE).",
                new.role
            ),
        )));
    }
    let password_hash = hash_password(new.password).await?;

    let tx = begin_write(db).await?;
    if account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(&tx)
        .await?
        .is_some()
    {
        return Err(ServiceError::conflict(crate::domain::msg::Msg::new(
            format!("E-mail {email} sudah terdaftar."),
            format!("The e-mail address {email} is already registered."),
        )));
    }
    for code in &new.kelurahan {
        if kelurahan::Entity::find_by_id(code.clone())
            .one(&tx)
            .await?
            .is_none()
        {
            return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
                format!("Kelurahan dengan kode {code} tidak dikenal."),
                format!("No kelurahan has the code {code}."),
            )));
        }
    }
    let id = Uuid::now_v7();
    let now = time::OffsetDateTime::now_utc();
    account::ActiveModel {
        id: Set(id),
        email: Set(email.as_str().to_owned()),
        name: Set(name),
        password_hash: Set(Some(password_hash)),
        role: Set(new.role.as_str().to_owned()),
        status: Set(AccountStatus::Active),
        email_verified_at: Set(Some(now)),
        locale: Set("id".into()),
        phone: Set(None),
        own_kelurahan_code: Set(None),
        own_rt_number: Set(None),
        family_card_hash: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
    }
    .insert(&tx)
    .await?;
    let mut scopes = new.kelurahan.clone();
    scopes.sort();
    scopes.dedup();
    for code in &scopes {
        account_scope::ActiveModel {
            account_id: Set(id),
            kelurahan_code: Set(code.clone()),
        }
        .insert(&tx)
        .await?;
    }
    append(
        &tx,
        NewEvent::new(actor, "account.created", "account", id.to_string())
            .payload(serde_json::json!({ "role": new.role.as_str(), "kelurahan": scopes })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account.id = %id, account.role = %new.role, "account created");
    Ok(id)
}

/// A signed-in account, as the web layer keeps it.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    /// Whether the e-mail address was confirmed (unverified residents may
    /// sign in but not apply).
    pub email_verified: bool,
}

/// Checks an e-mail and password. A wrong password, an unknown address and a
/// deactivated account all answer `None`, so the form cannot probe which is which.
///
/// # Errors
/// Only on a storage failure.
pub async fn authenticate(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
) -> Result<Option<Authenticated>, ServiceError> {
    let Ok(email) = Email::parse(email) else {
        return Ok(None);
    };
    let found = account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(db)
        .await?;
    let Some(acc) = found else {
        // Spend the same time as a real check so response timing reveals nothing.
        let _ = verify_password(password.to_owned(), DUMMY_HASH.clone()).await;
        return Ok(None);
    };
    let Some(phc) = acc.password_hash.clone() else {
        return Ok(None);
    };
    if !verify_password(password.to_owned(), phc).await || acc.status != AccountStatus::Active {
        return Ok(None);
    }
    let Ok(role) = acc.role.parse::<Role>() else {
        return Ok(None);
    };
    let tx = db.begin().await?;
    account::ActiveModel {
        id: Set(acc.id),
        last_login_at: Set(Some(time::OffsetDateTime::now_utc())),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    tx.commit().await?;
    Ok(Some(Authenticated {
        id: acc.id,
        name: acc.name,
        role,
        email_verified: acc.email_verified_at.is_some(),
    }))
}

/// An argon2id hash of a random string, computed once, so that a miss on an
/// unknown address costs as much time as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    Argon2::default()
        .hash_password(uuid::Uuid::new_v4().to_string().as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn demo_hashes_are_cheap_only_inside_the_demo_scope_and_still_verify() {
        let cheap = with_demo_hashing(hash_password("rahasia-demo".into()))
            .await
            .expect("hash");
        assert!(cheap.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{cheap}");
        assert!(verify_password("rahasia-demo".into(), cheap.clone()).await);
        assert!(!verify_password("rahasia-lain".into(), cheap).await);
        let full = hash_password("rahasia-demo".into()).await.expect("hash");
        assert!(
            full.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{full}"
        );
    }
}
