//! What residents do with their own account: register, confirm the e-mail
//! address, get a new verification link, reset a forgotten password, change
//! the password. Each state change is one transaction with its audit event and
//! its mail; audit payloads carry ids only.
//!
//! One-time links carry 32 random bytes; only their SHA-256 is stored
//! (`auth_token.token_hash`), so a copy of the database cannot be turned into
//! working links.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, SqlErr,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::ServiceError;
use super::accounts::{hash_password, verify_password};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{account, auth_token, session};
use crate::domain::account::AccountStatus;
use crate::domain::account::Email;
use crate::domain::lang::Lang;
use crate::domain::role::Role;
use crate::mail::{Locale, Mailbox, Template, enqueue};

/// How long a verification link works.
pub const VERIFY_TTL: Duration = Duration::hours(48);
/// How long a password-reset link works.
pub const RESET_TTL: Duration = Duration::hours(1);

/// `auth_token.purpose` of an e-mail verification link.
pub const PURPOSE_VERIFY: &str = "verify_email";
/// `auth_token.purpose` of a password-reset link.
pub const PURPOSE_RESET: &str = "reset_password";

/// Where links point and who sends the mail.
#[derive(Clone, Copy, Debug)]
pub struct MailCtx<'a> {
    /// The public base URL without a trailing slash, e.g. `https://pokmas.samarindakota.go.id`.
    pub base_url: &'a str,
    /// The sender of every mail.
    pub from: &'a Mailbox,
    /// Opens the applicant's address, kept under the application's data key.
    pub vault: &'a crate::pii::NikVault,
}

/// A registration whose fields already passed the form checks.
#[derive(Clone, Debug)]
pub struct Registration {
    pub name: String,
    pub email: Email,
    pub password: String,
    /// The language the person used the site in; their mail follows it.
    pub lang: Lang,
}

/// What a registration did. The web page answers the same for both, so the
/// form does not reveal which addresses have an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registered {
    /// A new applicant account; a verification link was mailed.
    Created(Uuid),
    /// The address already had an account; its owner was mailed a way back in.
    AlreadyExists,
}

/// Why a one-time link was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadToken {
    /// No such link (mistyped, forged, or for another purpose).
    Unknown,
    /// The link is older than its lifetime.
    Expired,
    /// The link was used before.
    Used,
}

impl BadToken {
    /// The explanation shown to the person who opened the link.
    pub fn message(self, lang: Lang) -> &'static str {
        match self {
            BadToken::Unknown => lang.pick(
                "Tautan ini tidak valid. Pastikan Anda membuka tautan lengkap dari e-mail terbaru kami.",
                "This link is not valid. Make sure you open the complete link from our latest e-mail.",
            ),
            BadToken::Expired => lang.pick(
                "Tautan ini sudah kedaluwarsa. Mintalah tautan baru.",
                "This link has expired. Ask for a new one.",
            ),
            BadToken::Used => lang.pick(
                "Tautan ini sudah pernah digunakan. Mintalah tautan baru bila masih diperlukan.",
                "This link has already been used. Ask for a new one if you still need it.",
            ),
        }
    }
}

/// A new random token: the text for the link and the hash to store.
fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// SHA-256 (hex) of a token as it appears in a link.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// Stores a new token for `account_id` and returns the link text.
pub(crate) async fn issue_token(
    tx: &impl ConnectionTrait,
    account_id: Uuid,
    purpose: &str,
    ttl: Duration,
) -> Result<String, ServiceError> {
    let (token, hash) = new_token();
    let now = OffsetDateTime::now_utc();
    auth_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account_id),
        purpose: Set(purpose.to_owned()),
        token_hash: Set(hash),
        expires_at: Set(now + ttl),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(tx)
    .await?;
    Ok(token)
}

/// The stored token `token` is for `purpose`, if it is one and is neither
/// used nor expired at `now`.
async fn usable_token(
    db: &impl ConnectionTrait,
    token: &str,
    purpose: &str,
    now: OffsetDateTime,
) -> Result<Result<auth_token::Model, BadToken>, ServiceError> {
    // A token is 43 base64url characters; anything else cannot be one of ours.
    let token = token.trim();
    if token.is_empty() || token.len() > 100 {
        return Ok(Err(BadToken::Unknown));
    }
    let found = auth_token::Entity::find()
        .filter(auth_token::Column::TokenHash.eq(token_hash(token)))
        .filter(auth_token::Column::Purpose.eq(purpose))
        .one(db)
        .await?;
    Ok(match found {
        None => Err(BadToken::Unknown),
        Some(t) if t.used_at.is_some() => Err(BadToken::Used),
        Some(t) if t.expires_at <= now => Err(BadToken::Expired),
        Some(t) => Ok(t),
    })
}

/// Finds a usable token and marks it used, in the caller's transaction.
/// The "mark used" update is conditional on `used_at IS NULL`, so two
/// concurrent uses of one link cannot both succeed.
pub(crate) async fn spend_token(
    tx: &impl ConnectionTrait,
    token: &str,
    purpose: &str,
) -> Result<Result<auth_token::Model, BadToken>, ServiceError> {
    let now = OffsetDateTime::now_utc();
    let found = match usable_token(tx, token, purpose, now).await? {
        Ok(t) => t,
        Err(bad) => return Ok(Err(bad)),
    };
    let updated = auth_token::Entity::update_many()
        .col_expr(
            auth_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(auth_token::Column::Id.eq(found.id))
        .filter(auth_token::Column::UsedAt.is_null())
        .exec(tx)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(Err(BadToken::Used));
    }
    Ok(Ok(found))
}

/// Checks a token without spending it (to decide whether to show the
/// new-password form at all).
///
/// # Errors
/// Storage failures.
pub async fn peek_token(
    db: &DatabaseConnection,
    token: &str,
    purpose: &str,
) -> Result<Result<(), BadToken>, ServiceError> {
    Ok(usable_token(db, token, purpose, OffsetDateTime::now_utc())
        .await?
        .map(drop))
}

fn actor_of(acc: &account::Model) -> Result<Actor, ServiceError> {
    let role = acc
        .role
        .parse::<Role>()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!(e)))?;
    Ok(Actor::Account { id: acc.id, role })
}

fn locale_of(acc: &account::Model) -> Locale {
    Locale::parse(&acc.locale)
}

/// A mail carrying a one-time link: the token's purpose and lifetime, the
/// page the link opens, and the mail made of the account's name and the link.
struct LinkMail {
    purpose: &'static str,
    ttl: Duration,
    path: &'static str,
    template: fn(String, String) -> Template,
}

const VERIFY_MAIL: LinkMail = LinkMail {
    purpose: PURPOSE_VERIFY,
    ttl: VERIFY_TTL,
    path: "/verifikasi-email",
    template: |name, link| Template::VerifyEmail { name, link },
};

const RESET_MAIL: LinkMail = LinkMail {
    purpose: PURPOSE_RESET,
    ttl: RESET_TTL,
    path: "/atur-ulang-sandi",
    template: |name, link| Template::PasswordReset { name, link },
};

/// Issues a one-time token for `what` and mails the account its link.
async fn mail_link(
    tx: &crate::db::WriteTx,
    mail: MailCtx<'_>,
    acc: &account::Model,
    what: &LinkMail,
) -> Result<(), ServiceError> {
    let token = issue_token(tx, acc.id, what.purpose, what.ttl).await?;
    let link = format!("{}{}?token={token}", mail.base_url, what.path);
    enqueue(
        tx,
        &acc.email,
        &acc.name,
        locale_of(acc),
        &(what.template)(acc.name.clone(), link),
        mail.from,
    )
    .await?;
    Ok(())
}

/// Signs the account out everywhere; how many sessions ended.
///
/// # Errors
/// Storage failures.
pub(crate) async fn end_sessions(
    tx: &crate::db::WriteTx,
    account_id: Uuid,
) -> Result<u64, ServiceError> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::AccountId.eq(account_id))
        .exec(tx)
        .await?
        .rows_affected)
}

/// A link's token spent, with the account it was for and the hash of the
/// password it sets, in the transaction that acts on them.
pub(crate) struct Redeemed {
    pub tx: crate::db::WriteTx,
    pub acc: account::Model,
    pub password_hash: String,
}

/// Spends the one-time `token` of `purpose` in a new write transaction and
/// hashes the new `password`; a link that is forged, spent or expired is
/// the inner `Err`, and is refused before any argon2 time is spent.
///
/// # Errors
/// Storage failures; `NotFound` when the token's account is gone.
pub(crate) async fn redeem_token(
    db: &DatabaseConnection,
    token: &str,
    purpose: &str,
    password: String,
) -> Result<Result<Redeemed, BadToken>, ServiceError> {
    if let Err(bad) = peek_token(db, token, purpose).await? {
        return Ok(Err(bad));
    }
    let password_hash = hash_password(password).await?;
    let tx = begin_write(db).await?;
    let spent = match spend_token(&tx, token, purpose).await? {
        Ok(t) => t,
        Err(bad) => return Ok(Err(bad)),
    };
    let acc = account::Entity::find_by_id(spent.account_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(Ok(Redeemed {
        tx,
        acc,
        password_hash,
    }))
}

/// Registers a resident as an `applicant`: active, e-mail not yet verified,
/// with a verification link mailed in the same transaction as the account and
/// its `account.registered` event.
///
/// When the address already has an account nothing is created and the answer
/// is [`Registered::AlreadyExists`]; the web page says "check your e-mail" in
/// both cases, because telling strangers which addresses are registered would
/// undo the same care taken on the log-in and reset forms. The owner is not
/// left puzzled: an unverified owner gets a fresh verification link, a
/// verified one a password-reset link (the likeliest reason to register twice
/// is a forgotten password). The password is hashed in both cases, so timing
/// does not tell them apart either.
///
/// # Errors
/// Storage failures only; the fields were checked by the caller.
pub async fn register(
    db: &DatabaseConnection,
    mail: MailCtx<'_>,
    reg: Registration,
) -> Result<Registered, ServiceError> {
    let password_hash = hash_password(reg.password).await?;
    let tx = begin_write(db).await?;
    let existing = account::Entity::find()
        .filter(account::Column::Email.eq(reg.email.as_str()))
        .one(&tx)
        .await?;
    if let Some(acc) = existing {
        if acc.status == AccountStatus::Active {
            if acc.email_verified_at.is_none() {
                mail_link(&tx, mail, &acc, &VERIFY_MAIL).await?;
            } else if acc.password_hash.is_some() {
                mail_link(&tx, mail, &acc, &RESET_MAIL).await?;
            }
        }
        tx.commit().await?;
        tracing::info!("registration for an existing address: owner notified");
        return Ok(Registered::AlreadyExists);
    }
    let id = Uuid::now_v7();
    let now = OffsetDateTime::now_utc();
    let inserted = account::ActiveModel {
        id: Set(id),
        email: Set(reg.email.as_str().to_owned()),
        name: Set(reg.name),
        password_hash: Set(Some(password_hash)),
        role: Set(Role::Applicant.as_str().to_owned()),
        status: Set(AccountStatus::Active),
        email_verified_at: Set(None),
        locale: Set(reg.lang.code().to_owned()),
        phone: Set(None),
        own_kelurahan_code: Set(None),
        own_rt_number: Set(None),
        family_card_hash: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
    }
    .insert(&tx)
    .await;
    let acc = match inserted {
        Ok(acc) => acc,
        // PostgreSQL: a concurrent registration of the same address won the race.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            drop(tx);
            return Ok(Registered::AlreadyExists);
        }
        Err(e) => return Err(e.into()),
    };
    append(
        &tx,
        NewEvent::new(
            Actor::Account {
                id,
                role: Role::Applicant,
            },
            "account.registered",
            "account",
            id.to_string(),
        )
        .payload(serde_json::json!({ "role": Role::Applicant.as_str() })),
    )
    .await?;
    mail_link(&tx, mail, &acc, &VERIFY_MAIL).await?;
    tx.commit().await?;
    tracing::info!(account.id = %id, "applicant registered");
    Ok(Registered::Created(id))
}

/// Confirms an e-mail address from the link in the verification mail: one
/// transaction spends the token, sets `email_verified_at` and appends
/// `account.email_verified`. Returns the account id.
///
/// # Errors
/// Storage failures; an unusable link is the inner `Err`.
pub async fn verify_email(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Result<Uuid, BadToken>, ServiceError> {
    let tx = begin_write(db).await?;
    let spent = match spend_token(&tx, token, PURPOSE_VERIFY).await? {
        Ok(t) => t,
        // Opening the confirmation link a second time (from the mail again,
        // or a mail client's preview) finds the address confirmed: that is
        // the answer, not "ask for a new link".
        Err(BadToken::Used) => {
            let owner = auth_token::Entity::find()
                .filter(auth_token::Column::TokenHash.eq(token_hash(token.trim())))
                .filter(auth_token::Column::Purpose.eq(PURPOSE_VERIFY))
                .find_also_related(account::Entity)
                .one(&tx)
                .await?
                .and_then(|(_, acc)| acc)
                .filter(|acc| acc.email_verified_at.is_some());
            return Ok(owner.map(|acc| acc.id).ok_or(BadToken::Used));
        }
        Err(bad) => return Ok(Err(bad)),
    };
    let acc = account::Entity::find_by_id(spent.account_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if acc.email_verified_at.is_none() {
        let now = OffsetDateTime::now_utc();
        account::ActiveModel {
            id: Set(acc.id),
            email_verified_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&tx)
        .await?;
        append(
            &tx,
            NewEvent::new(
                actor_of(&acc)?,
                "account.email_verified",
                "account",
                acc.id.to_string(),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(account.id = %acc.id, "e-mail address verified");
    Ok(Ok(acc.id))
}

/// Mails a new verification link to a signed-in, still unverified account.
/// Returns `false` (and sends nothing) when the address is already verified.
///
/// # Errors
/// `NotFound` for an unknown account; storage failures.
pub async fn resend_verification(
    db: &DatabaseConnection,
    mail: MailCtx<'_>,
    account_id: Uuid,
) -> Result<bool, ServiceError> {
    let tx = begin_write(db).await?;
    let acc = account::Entity::find_by_id(account_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if acc.email_verified_at.is_some() {
        return Ok(false);
    }
    mail_link(&tx, mail, &acc, &VERIFY_MAIL).await?;
    tx.commit().await?;
    tracing::info!(account.id = %acc.id, "verification link sent again");
    Ok(true)
}

/// Mails a password-reset link when `email` belongs to an active account with
/// a password; does nothing otherwise. The caller answers the same either way.
///
/// # Errors
/// Storage failures.
pub async fn request_password_reset(
    db: &DatabaseConnection,
    mail: MailCtx<'_>,
    email: &Email,
) -> Result<(), ServiceError> {
    let tx = begin_write(db).await?;
    let acc = account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(&tx)
        .await?;
    if let Some(acc) =
        acc.filter(|a| a.status == AccountStatus::Active && a.password_hash.is_some())
    {
        mail_link(&tx, mail, &acc, &RESET_MAIL).await?;
        tracing::info!(account.id = %acc.id, "password reset link sent");
    }
    tx.commit().await?;
    Ok(())
}

/// The account whose password was reset, so the caller can lift its log-in
/// throttle.
#[derive(Clone, Debug)]
pub struct ResetDone {
    pub account_id: Uuid,
    pub email: String,
}

/// Sets a new password from a reset link: one transaction spends the token,
/// voids the account's other reset links, stores the new hash, ends **every**
/// session of the account (whoever knew the old password is out) and appends
/// `account.password_reset`. `new_password` must already satisfy the policy.
///
/// Opening the link also proves the mailbox is the person's, so an address not
/// yet verified counts as verified from here on (with its own event).
///
/// # Errors
/// Storage failures; an unusable link is the inner `Err`.
pub async fn reset_password(
    db: &DatabaseConnection,
    token: &str,
    new_password: String,
) -> Result<Result<ResetDone, BadToken>, ServiceError> {
    let Redeemed {
        tx,
        acc,
        password_hash,
    } = match redeem_token(db, token, PURPOSE_RESET, new_password).await? {
        Ok(r) => r,
        Err(bad) => return Ok(Err(bad)),
    };
    let actor = actor_of(&acc)?;
    let now = OffsetDateTime::now_utc();
    auth_token::Entity::update_many()
        .col_expr(
            auth_token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(auth_token::Column::AccountId.eq(acc.id))
        .filter(auth_token::Column::Purpose.eq(PURPOSE_RESET))
        .filter(auth_token::Column::UsedAt.is_null())
        .exec(&tx)
        .await?;
    let newly_verified = acc.email_verified_at.is_none();
    account::ActiveModel {
        id: Set(acc.id),
        password_hash: Set(Some(password_hash)),
        email_verified_at: Set(Some(acc.email_verified_at.unwrap_or(now))),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let ended = end_sessions(&tx, acc.id).await?;
    append(
        &tx,
        NewEvent::new(
            actor,
            "account.password_reset",
            "account",
            acc.id.to_string(),
        )
        .payload(serde_json::json!({ "sessions_ended": i64::try_from(ended).unwrap_or(i64::MAX) })),
    )
    .await?;
    if newly_verified {
        append(
            &tx,
            NewEvent::new(
                actor,
                "account.email_verified",
                "account",
                acc.id.to_string(),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(account.id = %acc.id, sessions.ended = ended, "password reset");
    Ok(Ok(ResetDone {
        account_id: acc.id,
        email: acc.email,
    }))
}

/// Why a password change was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeRefused {
    /// The current password was wrong.
    WrongCurrentPassword,
}

/// Changes the password of a signed-in account after checking the current one:
/// one transaction stores the new hash, ends every **other** session of the
/// account (the browser in hand stays signed in) and appends
/// `account.password_changed`. `new_password` must already satisfy the policy.
///
/// # Errors
/// `NotFound` for an unknown account; storage failures. A wrong current
/// password is the inner `Err`.
pub async fn change_password(
    db: &DatabaseConnection,
    account_id: Uuid,
    current_session_id: Option<&str>,
    current_password: &str,
    new_password: String,
) -> Result<Result<(), ChangeRefused>, ServiceError> {
    let acc = account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let Some(phc) = acc.password_hash.clone() else {
        return Ok(Err(ChangeRefused::WrongCurrentPassword));
    };
    if !verify_password(current_password.to_owned(), phc).await {
        return Ok(Err(ChangeRefused::WrongCurrentPassword));
    }
    let password_hash = hash_password(new_password).await?;
    let tx = begin_write(db).await?;
    let now = OffsetDateTime::now_utc();
    account::ActiveModel {
        id: Set(acc.id),
        password_hash: Set(Some(password_hash)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let mut others = session::Entity::delete_many().filter(session::Column::AccountId.eq(acc.id));
    if let Some(current) = current_session_id {
        others = others.filter(session::Column::Id.ne(current));
    }
    let ended = others.exec(&tx).await?.rows_affected;
    append(
        &tx,
        NewEvent::new(
            actor_of(&acc)?,
            "account.password_changed",
            "account",
            acc.id.to_string(),
        )
        .payload(serde_json::json!({ "sessions_ended": i64::try_from(ended).unwrap_or(i64::MAX) })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account.id = %acc.id, sessions.ended = ended, "password changed");
    Ok(Ok(()))
}

/// What the account page shows about the signed-in account.
#[derive(Clone, Debug)]
pub struct AccountSummary {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub email_verified: bool,
    /// The account's own applications, newest first, so the account page
    /// leads back to each one after registration has closed.
    pub applications: Vec<super::applications::OwnApplication>,
}

/// Loads the account page's data.
///
/// # Errors
/// `NotFound` for an unknown account; storage failures.
pub async fn summary(
    db: &DatabaseConnection,
    account_id: Uuid,
) -> Result<AccountSummary, ServiceError> {
    let acc = account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let role = acc
        .role
        .parse::<Role>()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!(e)))?;
    let applications = super::applications::own(db, account_id).await?;
    Ok(AccountSummary {
        name: acc.name,
        email: acc.email,
        role,
        email_verified: acc.email_verified_at.is_some(),
        applications,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_only_their_hash_is_kept() {
        let (a, ha) = new_token();
        let (b, hb) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "32 bytes in unpadded base64url");
        assert_eq!(ha.len(), 64);
        assert_ne!(ha, hb);
        assert!(!ha.contains(&a));
        assert_eq!(token_hash(&a), ha);
    }
}
