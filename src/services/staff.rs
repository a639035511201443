//! Staff accounts: admins invite operators, panelists and
//! auditors by e-mail, set their kelurahan scopes, deactivate and reactivate
//! them; panelists record where they live and their family-card number for
//! the conflict flags. Each change is one transaction with its audit event;
//! payloads carry ids and codes only.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, SqlErr,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::self_service::{BadToken, MailCtx, Redeemed, end_sessions, issue_token, redeem_token};
use super::{ServiceError, require_admin_or_platform};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{account, account_scope, kelurahan, rt};
use crate::domain::account::AccountStatus;
use crate::domain::account::Email;
use crate::domain::family_card::FamilyCardNo;
use crate::domain::lang::Lang;
use crate::domain::role::Role;
use crate::mail::templates::InvitedRole;
use crate::mail::{Locale, Template, enqueue};
use crate::pii::NikVault;

/// `auth_token.purpose` of an invitation link.
pub const PURPOSE_INVITE: &str = "invite";
/// How long an invitation link works.
pub const INVITE_TTL: Duration = Duration::days(7);

pub use crate::domain::role::INVITABLE;

/// An invitation as typed by the admin.
#[derive(Clone, Debug)]
pub struct Invite {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub kelurahan: Vec<String>,
}

pub use crate::domain::account::{ConflictSummary, StaffRow};

fn invalid(lang: Lang, id: &str, en: &str) -> ServiceError {
    let _ = lang;
    ServiceError::Invalid(crate::domain::msg::Msg::new(id, en))
}

/// Checks kelurahan codes: known, deduplicated, sorted, and present for
/// scoped roles.
async fn clean_scopes(
    tx: &impl ConnectionTrait,
    role: Role,
    codes: &[String],
    lang: Lang,
) -> Result<Vec<String>, ServiceError> {
    let mut scopes: Vec<String> = codes
        .iter()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    scopes.sort();
    scopes.dedup();
    if role.is_scoped() && scopes.is_empty() {
        return Err(invalid(
            lang,
            "Operator dan tim penilai wajib diberi minimal satu kelurahan.",
            "Operators and panelists need at least one kelurahan.",
        ));
    }
    if !role.is_scoped() && !scopes.is_empty() {
        return Err(invalid(
            lang,
            "Hanya operator dan tim penilai yang dibatasi per kelurahan.",
            "Only operators and panelists are scoped to kelurahan.",
        ));
    }
    for code in &scopes {
        if kelurahan::Entity::find_by_id(code.clone())
            .one(tx)
            .await?
            .is_none()
        {
            return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
                format!("Kelurahan tidak dikenal: {code}"),
                format!("Unknown kelurahan: {code}"),
            )));
        }
    }
    Ok(scopes)
}

async fn replace_scopes(
    tx: &impl ConnectionTrait,
    account_id: Uuid,
    scopes: &[String],
) -> Result<(), ServiceError> {
    account_scope::Entity::delete_many()
        .filter(account_scope::Column::AccountId.eq(account_id))
        .exec(tx)
        .await?;
    for code in scopes {
        account_scope::ActiveModel {
            account_id: Set(account_id),
            kelurahan_code: Set(code.clone()),
        }
        .insert(tx)
        .await?;
    }
    Ok(())
}

fn invited_role(role: Role) -> Option<InvitedRole> {
    match role {
        Role::Operator => Some(InvitedRole::Operator),
        Role::Panelist => Some(InvitedRole::Panelist),
        Role::Auditor => Some(InvitedRole::Auditor),
        Role::Admin | Role::Applicant => None,
    }
}

/// Invites a staff member: an `invited` account without a password, its
/// scopes, an invitation link (`/undangan?token=…`) mailed in the same
/// transaction, and `account.invited`.
///
/// # Errors
/// `Forbidden` unless `actor` is an admin; `Invalid` for a bad address, name,
/// role or scope; `Conflict` when the address already has an account.
pub async fn invite(
    db: &DatabaseConnection,
    mail: MailCtx<'_>,
    actor: Actor,
    inv: Invite,
    lang: Lang,
) -> Result<Uuid, ServiceError> {
    require_admin_or_platform(actor)?;
    let email = Email::parse(&inv.email).map_err(|e| ServiceError::Invalid(e.msg()))?;
    if email.as_str().parse::<crate::mail::Mailbox>().is_err() {
        return Err(invalid(
            lang,
            "Alamat e-mail tidak valid.",
            "Not a valid e-mail address.",
        ));
    }
    let name = inv.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(invalid(
            lang,
            "Nama wajib diisi (maksimal 120 karakter).",
            "A name is required (at most 120 characters).",
        ));
    }
    let Some(template_role) = invited_role(inv.role) else {
        return Err(invalid(
            lang,
            "Hanya operator, tim penilai dan auditor yang dapat diundang.",
            "Only operators, panelists and auditors can be invited.",
        ));
    };
    let tx = begin_write(db).await?;
    let scopes = clean_scopes(&tx, inv.role, &inv.kelurahan, lang).await?;
    if account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(&tx)
        .await?
        .is_some()
    {
        return Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Alamat e-mail ini sudah memiliki akun.",
            "This e-mail address already has an account.",
        )));
    }
    let id = Uuid::now_v7();
    let now = OffsetDateTime::now_utc();
    let inserted = account::ActiveModel {
        id: Set(id),
        email: Set(email.as_str().to_owned()),
        name: Set(name.clone()),
        password_hash: Set(None),
        role: Set(inv.role.as_str().to_owned()),
        status: Set(AccountStatus::Invited),
        email_verified_at: Set(None),
        locale: Set(lang.code().to_owned()),
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
    match inserted {
        Ok(_) => {}
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
                "Alamat e-mail ini sudah memiliki akun.",
                "This e-mail address already has an account.",
            )));
        }
        Err(e) => return Err(e.into()),
    }
    replace_scopes(&tx, id, &scopes).await?;
    let token = issue_token(&tx, id, PURPOSE_INVITE, INVITE_TTL).await?;
    let template = Template::Invitation {
        name: name.clone(),
        role: template_role,
        link: format!("{}/undangan?token={token}", mail.base_url),
    };
    enqueue(
        &tx,
        email.as_str(),
        &name,
        Locale::parse(lang.code()),
        &template,
        mail.from,
    )
    .await?;
    append(
        &tx,
        NewEvent::new(actor, "account.invited", "account", id.to_string())
            .payload(serde_json::json!({ "role": inv.role.as_str(), "kelurahan": scopes })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account.id = %id, account.role = %inv.role, "staff member invited");
    Ok(id)
}

/// Accepts an invitation: spends the link, sets the password, activates the
/// account and confirms its address (the link proved the mailbox), with
/// `account.activated`.
///
/// # Errors
/// `Invalid` for a password the policy refuses (the form checks it first);
/// storage failures; an unusable link is the inner `Err`.
pub async fn accept_invite(
    db: &DatabaseConnection,
    token: &str,
    password: String,
) -> Result<Result<Uuid, BadToken>, ServiceError> {
    crate::domain::account::check_new_password(&password)
        .map_err(|e| ServiceError::Invalid(e.msg()))?;
    let Redeemed {
        tx,
        acc,
        password_hash,
    } = match redeem_token(db, token, PURPOSE_INVITE, password).await? {
        Ok(r) => r,
        Err(bad) => return Ok(Err(bad)),
    };
    // A deactivated invitee stays out, even with a valid link.
    if acc.status != AccountStatus::Invited {
        return Ok(Err(BadToken::Used));
    }
    let role: Role = acc
        .role
        .parse()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("{e}")))?;
    let now = OffsetDateTime::now_utc();
    account::ActiveModel {
        id: Set(acc.id),
        password_hash: Set(Some(password_hash)),
        status: Set(AccountStatus::Active),
        email_verified_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    append(
        &tx,
        NewEvent::new(
            Actor::Account { id: acc.id, role },
            "account.activated",
            "account",
            acc.id.to_string(),
        ),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account.id = %acc.id, "invitation accepted");
    Ok(Ok(acc.id))
}

/// `(code, name)` of every kelurahan, by name, for the scope and RT pickers.
///
/// # Errors
/// Storage failures.
pub async fn kelurahan_options(
    db: &DatabaseConnection,
) -> Result<Vec<(String, String)>, ServiceError> {
    Ok(kelurahan::Entity::find()
        .order_by_asc(kelurahan::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect())
}

/// Every account except applicants, by role then name.
///
/// # Errors
/// `Forbidden` unless an admin; storage failures.
pub async fn list(db: &DatabaseConnection, actor: Actor) -> Result<Vec<StaffRow>, ServiceError> {
    require_admin_or_platform(actor)?;
    let accounts = account::Entity::find()
        .filter(account::Column::Role.ne(Role::Applicant.as_str()))
        .order_by_asc(account::Column::Role)
        .order_by_asc(account::Column::Name)
        .all(db)
        .await?;
    let scopes = account_scope::Entity::find().all(db).await?;
    let mut out = Vec::new();
    for a in accounts {
        let Ok(role) = a.role.parse::<Role>() else {
            continue;
        };
        out.push(StaffRow {
            scopes: scopes
                .iter()
                .filter(|s| s.account_id == a.id)
                .map(|s| s.kelurahan_code.clone())
                .collect(),
            id: a.id,
            email: a.email,
            name: a.name,
            role,
            status: a.status,
        });
    }
    Ok(out)
}

async fn staff_account(
    tx: &impl ConnectionTrait,
    id: Uuid,
) -> Result<(account::Model, Role), ServiceError> {
    let acc = account::Entity::find_by_id(id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let role: Role = acc
        .role
        .parse()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("{e}")))?;
    if role == Role::Applicant {
        return Err(ServiceError::NotFound);
    }
    Ok((acc, role))
}

/// Replaces the kelurahan scopes of an operator or panelist
/// (`account.scopes_changed`).
///
/// # Errors
/// `Forbidden` unless an admin; `NotFound` for an unknown or applicant
/// account; `Invalid` for an empty or unknown scope.
pub async fn set_scopes(
    db: &DatabaseConnection,
    actor: Actor,
    account_id: Uuid,
    kelurahan: &[String],
    lang: Lang,
) -> Result<(), ServiceError> {
    require_admin_or_platform(actor)?;
    let tx = begin_write(db).await?;
    let (acc, role) = staff_account(&tx, account_id).await?;
    let scopes = clean_scopes(&tx, role, kelurahan, lang).await?;
    replace_scopes(&tx, acc.id, &scopes).await?;
    append(
        &tx,
        NewEvent::new(
            actor,
            "account.scopes_changed",
            "account",
            acc.id.to_string(),
        )
        .payload(serde_json::json!({ "kelurahan": scopes })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account.id = %acc.id, "scopes changed");
    Ok(())
}

/// Deactivates a staff account and deletes its sessions in the same
/// transaction, so it is signed out everywhere at once
/// (`account.deactivated`).
///
/// # Errors
/// `Forbidden` unless an admin, or for the admin's own account (nobody may
/// lock the last door behind themselves); `NotFound`; `Conflict` when
/// already deactivated.
pub async fn deactivate(
    db: &DatabaseConnection,
    actor: Actor,
    account_id: Uuid,
    reason: &str,
) -> Result<(), ServiceError> {
    require_admin_or_platform(actor)?;
    if matches!(actor, Actor::Account { id, .. } if id == account_id) {
        return Err(ServiceError::Forbidden);
    }
    if reason.chars().count() > 500 || !crate::domain::text::plain_text(reason, true) {
        return Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Alasan paling banyak 500 karakter teks biasa.",
            "The reason may be at most 500 characters of plain text.",
        )));
    }
    let tx = begin_write(db).await?;
    let (acc, _) = staff_account(&tx, account_id).await?;
    if acc.status == AccountStatus::Deactivated {
        return Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Akun sudah nonaktif.",
            "The account is already deactivated.",
        )));
    }
    account::ActiveModel {
        id: Set(acc.id),
        status: Set(AccountStatus::Deactivated),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let ended = end_sessions(&tx, acc.id).await?;
    append(
        &tx,
        NewEvent::new(actor, "account.deactivated", "account", acc.id.to_string())
            .reason(reason.trim())
            .payload(serde_json::json!({
                "sessions_ended": i64::try_from(ended).unwrap_or(i64::MAX),
                "previous_status": acc.status.as_str(),
            })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account.id = %acc.id, sessions.ended = ended, "account deactivated");
    Ok(())
}

/// Reactivates a deactivated account (`account.reactivated`). An account that
/// never set a password goes back to `invited`, so it still needs its link.
///
/// # Errors
/// `Forbidden` unless an admin; `NotFound`; `Conflict` when not deactivated.
pub async fn reactivate(
    db: &DatabaseConnection,
    actor: Actor,
    account_id: Uuid,
) -> Result<(), ServiceError> {
    require_admin_or_platform(actor)?;
    let tx = begin_write(db).await?;
    let (acc, _) = staff_account(&tx, account_id).await?;
    if acc.status != AccountStatus::Deactivated {
        return Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Akun tidak sedang nonaktif.",
            "The account is not deactivated.",
        )));
    }
    let status = if acc.password_hash.is_some() {
        AccountStatus::Active
    } else {
        AccountStatus::Invited
    };
    account::ActiveModel {
        id: Set(acc.id),
        status: Set(status),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    append(
        &tx,
        NewEvent::new(actor, "account.reactivated", "account", acc.id.to_string())
            .payload(serde_json::json!({ "status": status.as_str() })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account.id = %acc.id, "account reactivated");
    Ok(())
}

/// Where a panelist lives and their family card, as typed.
#[derive(Clone, Debug, Default)]
pub struct ConflictData {
    pub kelurahan_code: String,
    pub rt_number: Option<i32>,
    /// Empty keeps the stored number; the number itself is never stored.
    pub family_card_no: String,
}

/// The stored conflict data of a panelist.
///
/// # Errors
/// `Forbidden` for accounts other than panelists; storage failures.
pub async fn conflict_summary(
    db: &DatabaseConnection,
    actor: Actor,
) -> Result<ConflictSummary, ServiceError> {
    let Actor::Account {
        id,
        role: Role::Panelist,
    } = actor
    else {
        return Err(ServiceError::Forbidden);
    };
    let acc = account::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(ConflictSummary {
        kelurahan_code: acc.own_kelurahan_code,
        rt_number: acc.own_rt_number,
        family_card_recorded: acc.family_card_hash.is_some(),
    })
}

/// A panelist records their own RT and family-card number (stored only as a
/// keyed hash) for the same-RT / same-family conflict flags
/// (`account.conflict_data_updated`, with no personal data in its payload).
///
/// # Errors
/// `Forbidden` for accounts other than panelists; `Invalid` for an unknown RT
/// or a malformed family-card number.
pub async fn set_conflict_data(
    db: &DatabaseConnection,
    vault: &NikVault,
    actor: Actor,
    data: &ConflictData,
    lang: Lang,
) -> Result<(), ServiceError> {
    let Actor::Account {
        id,
        role: Role::Panelist,
    } = actor
    else {
        return Err(ServiceError::Forbidden);
    };
    let kk_hash = match data.family_card_no.trim() {
        "" => None,
        typed => Some(
            FamilyCardNo::parse(typed)
                .map(|kk| vault.kk_hash(&kk))
                .map_err(|e| {
                    ServiceError::Invalid(crate::domain::msg::Msg::new(
                        e.message(Lang::Id),
                        e.message(Lang::En),
                    ))
                })?,
        ),
    };
    let kel = data.kelurahan_code.trim();
    let Some(rt_number) = data.rt_number.filter(|_| !kel.is_empty()) else {
        return Err(invalid(
            lang,
            "Pilih kelurahan dan tulis nomor RT tempat Anda tinggal.",
            "Choose the kelurahan and type the number of the RT you live in.",
        ));
    };
    let tx = begin_write(db).await?;
    if rt::Entity::find_by_id((kel.to_owned(), rt_number))
        .one(&tx)
        .await?
        .is_none()
    {
        return Err(invalid(
            lang,
            "RT tersebut tidak tercatat di kelurahan itu.",
            "That RT is not recorded in that kelurahan.",
        ));
    }
    let acc = account::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let kk_changed = kk_hash.is_some();
    account::ActiveModel {
        id: Set(acc.id),
        own_kelurahan_code: Set(Some(kel.to_owned())),
        own_rt_number: Set(Some(rt_number)),
        family_card_hash: Set(kk_hash.or(acc.family_card_hash)),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    append(
        &tx,
        NewEvent::new(
            actor,
            "account.conflict_data_updated",
            "account",
            acc.id.to_string(),
        )
        .payload(serde_json::json!({
            "rt": "yes",
            "family_card": if kk_changed { "yes" } else { "no" },
        })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account.id = %acc.id, "conflict data updated");
    Ok(())
}
