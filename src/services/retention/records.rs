//! The retention of what is not held on an application: applicant accounts
//! idle past their period, ended sessions and tokens, and the address and
//! text of old outbox messages. Planned and erased in the same run, and the
//! same transaction, as the applications' classes.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ServiceError;
use crate::db::entities::{
    account, api_token, application, auth_token, mail_outbox, round, session,
};
use crate::domain::account::AccountStatus;
use crate::domain::delivery::Delivery;
use crate::domain::privacy::{DataClass, RetentionSchedule};
use crate::domain::role::Role;
use crate::domain::round::RoundState;

/// Ids per statement.
const CHUNK: usize = 500;

/// The domain of the address an erased account is left with: reserved
/// (RFC 2606), so no mail can ever reach it.
const ERASED_DOMAIN: &str = "@dihapus.invalid";

/// The address an erased account keeps (the column is unique and required).
#[must_use]
pub fn erased_email(id: Uuid) -> String {
    format!("akun-{id}{ERASED_DOMAIN}")
}

/// Whether an account's data were erased by the retention run.
#[must_use]
pub fn is_erased_account(email: &str) -> bool {
    email.ends_with(ERASED_DOMAIN)
}

/// What is due outside the applications, by id, in a stable order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DueRecords {
    /// Applicant accounts to empty.
    pub accounts: Vec<Uuid>,
    /// Sessions that ended (expired) long enough ago.
    pub sessions: Vec<String>,
    /// E-mail confirmation and password-reset tokens, used or expired.
    pub auth_tokens: Vec<Uuid>,
    /// API tokens, revoked or expired.
    pub api_tokens: Vec<Uuid>,
    /// Outbox messages (e-mail and text) sent or given up.
    pub messages: Vec<Uuid>,
}

impl DueRecords {
    /// Whether nothing is due.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
            && self.sessions.is_empty()
            && self.auth_tokens.is_empty()
            && self.api_tokens.is_empty()
            && self.messages.is_empty()
    }

    /// Sessions and tokens together.
    #[must_use]
    pub fn sessions_and_tokens(&self) -> usize {
        self.sessions.len() + self.auth_tokens.len() + self.api_tokens.len()
    }
}

/// Accounts that have an application in a round that has not ended.
async fn in_running_rounds<C: ConnectionTrait>(db: &C) -> Result<BTreeSet<Uuid>, ServiceError> {
    let running: Vec<Uuid> = round::Entity::find()
        .filter(round::Column::State.is_not_in([RoundState::Final, RoundState::Cancelled]))
        .select_only()
        .column(round::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    if running.is_empty() {
        return Ok(BTreeSet::new());
    }
    let owners: Vec<Option<Uuid>> = application::Entity::find()
        .filter(application::Column::RoundId.is_in(running))
        .filter(application::Column::AccountId.is_not_null())
        .select_only()
        .column(application::Column::AccountId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(owners.into_iter().flatten().collect())
}

/// What the schedule makes due at `now` outside the applications.
///
/// # Errors
/// Storage failures.
pub(super) async fn plan<C: ConnectionTrait>(
    db: &C,
    schedule: &RetentionSchedule,
    now: OffsetDateTime,
) -> Result<DueRecords, ServiceError> {
    let due = |class: DataClass, from: OffsetDateTime| schedule.is_due(class, from, now);

    let busy = in_running_rounds(db).await?;
    let accounts = account::Entity::find()
        .filter(account::Column::Role.eq(Role::Applicant.as_str()))
        .order_by_asc(account::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|a| !is_erased_account(&a.email) && !busy.contains(&a.id))
        .filter(|a| {
            let last = a
                .last_login_at
                .map_or(a.created_at, |t| t.max(a.created_at));
            due(DataClass::Accounts, last)
        })
        .map(|a| a.id)
        .collect();

    let sessions = session::Entity::find()
        .filter(session::Column::ExpiresAt.lte(now))
        .order_by_asc(session::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|s| due(DataClass::Sessions, s.expires_at))
        .map(|s| s.id)
        .collect();

    let auth_tokens = auth_token::Entity::find()
        .filter(
            Condition::any()
                .add(auth_token::Column::ExpiresAt.lte(now))
                .add(auth_token::Column::UsedAt.is_not_null()),
        )
        .order_by_asc(auth_token::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|t| {
            let ended = t.used_at.map_or(t.expires_at, |u| u.min(t.expires_at));
            due(DataClass::Sessions, ended)
        })
        .map(|t| t.id)
        .collect();

    let api_tokens = api_token::Entity::find()
        .filter(
            Condition::any()
                .add(api_token::Column::ExpiresAt.lte(now))
                .add(api_token::Column::RevokedAt.is_not_null()),
        )
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|t| {
            let ended = t.revoked_at.map_or(t.expires_at, |r| r.min(t.expires_at));
            due(DataClass::Sessions, ended)
        })
        .map(|t| t.id)
        .collect();

    let messages = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Status.is_not_in([Delivery::Pending, Delivery::Sending]))
        .filter(
            Condition::any()
                .add(mail_outbox::Column::ToAddress.ne(""))
                .add(mail_outbox::Column::BodyText.ne(""))
                .add(mail_outbox::Column::BodyHtml.ne("")),
        )
        .order_by_asc(mail_outbox::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|m| due(DataClass::MailBodies, m.sent_at.unwrap_or(m.created_at)))
        .map(|m| m.id)
        .collect();

    Ok(DueRecords {
        accounts,
        sessions,
        auth_tokens,
        api_tokens,
        messages,
    })
}

/// Erases `due` in the caller's transaction. An emptied account keeps its
/// row (applications and the trail refer to it) with a reserved address,
/// no name, phone, password, own RT or family-card hash, deactivated; its
/// sessions and tokens go with it, and the outbox copies to its address
/// are blanked.
///
/// # Errors
/// Storage failures.
pub(super) async fn erase<C: ConnectionTrait>(
    tx: &C,
    due: &DueRecords,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    for id in &due.accounts {
        let Some(acc) = account::Entity::find_by_id(*id).one(tx).await? else {
            continue;
        };
        super::forget_messages_to(tx, vec![acc.email.clone()]).await?;
        session::Entity::delete_many()
            .filter(session::Column::AccountId.eq(*id))
            .exec(tx)
            .await?;
        auth_token::Entity::delete_many()
            .filter(auth_token::Column::AccountId.eq(*id))
            .exec(tx)
            .await?;
        api_token::Entity::delete_many()
            .filter(api_token::Column::AccountId.eq(*id))
            .exec(tx)
            .await?;
        account::ActiveModel {
            id: Set(*id),
            email: Set(erased_email(*id)),
            name: Set(String::new()),
            password_hash: Set(None),
            status: Set(AccountStatus::Deactivated),
            phone: Set(None),
            own_kelurahan_code: Set(None),
            own_rt_number: Set(None),
            family_card_hash: Set(None),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(tx)
        .await?;
    }
    // In chunks: a database bounds the parameters of one statement.
    for ids in due.sessions.chunks(CHUNK) {
        session::Entity::delete_many()
            .filter(session::Column::Id.is_in(ids.to_vec()))
            .exec(tx)
            .await?;
    }
    for ids in due.auth_tokens.chunks(CHUNK) {
        auth_token::Entity::delete_many()
            .filter(auth_token::Column::Id.is_in(ids.to_vec()))
            .exec(tx)
            .await?;
    }
    for ids in due.api_tokens.chunks(CHUNK) {
        api_token::Entity::delete_many()
            .filter(api_token::Column::Id.is_in(ids.to_vec()))
            .exec(tx)
            .await?;
    }
    for ids in due.messages.chunks(CHUNK) {
        // A delivery error may quote the address.
        super::blank_mails()
            .col_expr(
                mail_outbox::Column::LastError,
                Expr::value(Option::<String>::None),
            )
            .filter(mail_outbox::Column::Id.is_in(ids.to_vec()))
            .exec(tx)
            .await?;
    }
    Ok(())
}
