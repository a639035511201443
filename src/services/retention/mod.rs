//! The retention run: what of the personal data of ended rounds is due for
//! erasure by the installation's schedule, and its erasure.
//!
//! A round ends when it is finalized or cancelled (the time of that audit
//! event). Erasure keeps the trail, the scores, the ranking, names and
//! registration numbers: the audit trail still verifies and the ranks still
//! recompute. [`plan`] and [`execute`] share one selection, so a run erases
//! exactly what the dry run just before it listed.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ServiceError;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    account, application, data_key, document, mail_outbox, message_consent, objection, round,
};
use crate::domain::audit::parse_at;
use crate::domain::delivery::Delivery;
use crate::domain::privacy::{DataClass, RetentionSchedule};
use crate::domain::round::RoundState;
use crate::pii::NikVault;
use crate::services::data_keys;
use crate::storage::FileStore;

mod records;
pub use records::{DueRecords, erased_email, is_erased_account};

/// The personal data of one application due for erasure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueApplication {
    pub application_id: Uuid,
    /// Empty for a draft that was never submitted.
    pub registration_no: String,
    /// The classes still held and due.
    pub classes: BTreeSet<DataClass>,
    /// How many documents go with [`DataClass::Documents`].
    pub documents: u64,
}

/// What a round has due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueRound {
    pub round_id: Uuid,
    pub slug: String,
    pub ended_at: OffsetDateTime,
    pub applications: Vec<DueApplication>,
}

impl DueRound {
    /// Applications with `class` due.
    #[must_use]
    pub fn count(&self, class: DataClass) -> u64 {
        self.applications
            .iter()
            .filter(|a| a.classes.contains(&class))
            .count() as u64
    }

    /// Documents due.
    #[must_use]
    pub fn documents(&self) -> u64 {
        self.applications.iter().map(|a| a.documents).sum()
    }
}

/// What is due at one moment, by round, and outside the applications.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub at: Option<OffsetDateTime>,
    pub rounds: Vec<DueRound>,
    pub records: DueRecords,
}

impl Plan {
    /// The plan as the command prints it: a line per round with counts,
    /// then a line per application with its number and the classes; then
    /// a line with the counts outside the applications and a line per
    /// account.
    #[must_use]
    pub fn describe(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        if self.rounds.is_empty() && self.records.is_empty() {
            out.push_str("nothing is due\n");
        }
        for r in &self.rounds {
            let _ = writeln!(
                out,
                "round {} (ended {}): {} applications, {} documents; nik {}, contact {}, birth {}",
                r.slug,
                crate::domain::audit::format_at(r.ended_at),
                r.applications.len(),
                r.documents(),
                r.count(DataClass::Nik),
                r.count(DataClass::Contact),
                r.count(DataClass::Birth),
            );
            for a in &r.applications {
                let classes: Vec<String> = a
                    .classes
                    .iter()
                    .map(|c| match c {
                        DataClass::Documents => format!("documents({})", a.documents),
                        other => other.key().to_owned(),
                    })
                    .collect();
                let no = if a.registration_no.is_empty() {
                    format!("draft {}", a.application_id)
                } else {
                    a.registration_no.clone()
                };
                let _ = writeln!(out, "  {no}: {}", classes.join(", "));
            }
        }
        let r = &self.records;
        if !r.is_empty() {
            let _ = writeln!(
                out,
                "accounts {}, sessions {}, tokens {}, messages {}",
                r.accounts.len(),
                r.sessions.len(),
                r.auth_tokens.len() + r.api_tokens.len(),
                r.messages.len(),
            );
            for id in &r.accounts {
                let _ = writeln!(out, "  account {id}: accounts");
            }
        }
        out
    }
}

/// When each finalized or cancelled round ended: the time of the event that
/// moved it there.
async fn ended_rounds<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<(round::Model, OffsetDateTime)>, ServiceError> {
    use crate::db::entities::audit_event;
    let rounds = round::Entity::find()
        .filter(round::Column::State.is_in([RoundState::Final, RoundState::Cancelled]))
        .order_by_asc(round::Column::Slug)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rounds.len());
    for r in rounds {
        let action = if r.state == RoundState::Final {
            RoundState::Final.entered_action()
        } else {
            RoundState::Cancelled.entered_action()
        };
        let ev = audit_event::Entity::find()
            .filter(audit_event::Column::RoundId.eq(r.id.to_string()))
            .filter(audit_event::Column::Action.eq(action))
            .order_by_desc(audit_event::Column::Seq)
            .one(db)
            .await?;
        if let Some(at) = ev.and_then(|e| parse_at(&e.at)) {
            out.push((r, at));
        }
    }
    Ok(out)
}

/// The classes an application still holds.
fn held(
    a: &application::Model,
    personal: Option<&data_keys::Personal>,
    documents: u64,
    key: Option<&data_key::Model>,
) -> BTreeSet<DataClass> {
    let mut out = BTreeSet::new();
    if documents > 0 {
        out.insert(DataClass::Documents);
    }
    if personal.is_some_and(data_keys::Personal::has_contact) {
        out.insert(DataClass::Contact);
    }
    if personal.is_some_and(data_keys::Personal::has_birth) {
        out.insert(DataClass::Birth);
    }
    let key_alive = key.is_some_and(|k| k.destroyed_at.is_none());
    if a.nik_ciphertext.is_some()
        || a.nik_masked.is_some()
        || a.nik_hash.is_some()
        || a.family_card_hash.is_some()
        || key_alive
    {
        out.insert(DataClass::Nik);
    }
    out
}

/// What the schedule makes due at `now`.
///
/// # Errors
/// Storage failures.
pub async fn plan<C: ConnectionTrait>(
    db: &C,
    vault: &NikVault,
    now: OffsetDateTime,
) -> Result<Plan, ServiceError> {
    let schedule = super::privacy::load(db).await?.retention;
    plan_with(db, vault, &schedule, now).await
}

async fn plan_with<C: ConnectionTrait>(
    db: &C,
    vault: &NikVault,
    schedule: &RetentionSchedule,
    now: OffsetDateTime,
) -> Result<Plan, ServiceError> {
    let mut rounds = Vec::new();
    for (r, ended_at) in ended_rounds(db).await? {
        let due: BTreeSet<DataClass> = schedule.due_classes(ended_at, now).into_iter().collect();
        if due.is_empty() {
            continue;
        }
        let apps = application::Entity::find()
            .filter(application::Column::RoundId.eq(r.id))
            .order_by_asc(application::Column::RegistrationNo)
            .order_by_asc(application::Column::Id)
            .all(db)
            .await?;
        let ids: Vec<Uuid> = apps.iter().map(|a| a.id).collect();
        let mut docs: BTreeMap<Uuid, u64> = BTreeMap::new();
        for d in document::Entity::find()
            .filter(document::Column::ApplicationId.is_in(ids.clone()))
            .all(db)
            .await?
        {
            *docs.entry(d.application_id).or_default() += 1;
        }
        let keys: BTreeMap<Uuid, data_key::Model> = data_key::Entity::find()
            .filter(data_key::Column::ApplicationId.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|k| (k.application_id, k))
            .collect();
        let personal = data_keys::personal_of_many(db, vault, &apps).await?;
        let mut applications = Vec::new();
        for a in apps {
            let documents = docs.get(&a.id).copied().unwrap_or(0);
            let classes: BTreeSet<DataClass> =
                held(&a, personal.get(&a.id), documents, keys.get(&a.id))
                    .intersection(&due)
                    .copied()
                    .collect();
            if classes.is_empty() {
                continue;
            }
            applications.push(DueApplication {
                application_id: a.id,
                registration_no: a.registration_no.clone().unwrap_or_default(),
                documents: if classes.contains(&DataClass::Documents) {
                    documents
                } else {
                    0
                },
                classes,
            });
        }
        if !applications.is_empty() {
            rounds.push(DueRound {
                round_id: r.id,
                slug: r.slug,
                ended_at,
                applications,
            });
        }
    }
    let records = records::plan(db, schedule, now).await?;
    Ok(Plan {
        at: Some(now),
        rounds,
        records,
    })
}

/// Erases `classes` of one application in the caller's transaction; returns
/// the hashes of the documents whose rows were deleted (their files go once
/// nothing else refers to them, after the commit).
///
/// # Errors
/// Storage failures.
pub async fn erase<C: ConnectionTrait>(
    tx: &C,
    vault: &NikVault,
    application_id: Uuid,
    classes: &BTreeSet<DataClass>,
    now: OffsetDateTime,
) -> Result<Vec<String>, ServiceError> {
    let mut hashes = Vec::new();
    if classes.contains(&DataClass::Documents) {
        let docs = document::Entity::find()
            .filter(document::Column::ApplicationId.eq(application_id))
            .all(tx)
            .await?;
        let ids: Vec<Uuid> = docs.iter().map(|d| d.id).collect();
        // An objection's evidence is one of these documents: the objection
        // and its decision stay, the file goes.
        objection::Entity::update_many()
            .col_expr(
                objection::Column::DocumentId,
                Expr::value(Option::<Uuid>::None),
            )
            .filter(objection::Column::DocumentId.is_in(ids.clone()))
            .exec(tx)
            .await?;
        document::Entity::delete_many()
            .filter(document::Column::Id.is_in(ids))
            .exec(tx)
            .await?;
        hashes.extend(docs.into_iter().map(|d| d.sha256));
    }
    let mut m = application::ActiveModel {
        id: Set(application_id),
        ..Default::default()
    };
    let mut changed = false;
    let contact = classes.contains(&DataClass::Contact);
    let birth = classes.contains(&DataClass::Birth);
    let nik = classes.contains(&DataClass::Nik);
    if contact || birth {
        let a = application::Entity::find_by_id(application_id)
            .one(tx)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut p = data_keys::personal_of(tx, vault, &a).await?;
        if contact {
            forget_contact(tx, &a, &p).await?;
            p.email.clear();
            p.phone.clear();
            p.address.clear();
        }
        if birth {
            p.birth_place.clear();
            p.birth_date = None;
        }
        // What is left is sealed again under the same key; a copy of the
        // old ciphertext (a backup) opens until the key is destroyed with
        // the NIK class.
        if nik || !p.has_any() || data_keys::is_erased(tx, application_id).await? {
            m.personal_ciphertext = Set(None);
            data_keys::store_plain_empty(&mut m);
        } else {
            data_keys::store_personal(tx, vault, application_id, &p, &mut m).await?;
        }
        changed = true;
    }
    if nik {
        m.personal_ciphertext = Set(None);
        m.nik_ciphertext = Set(None);
        m.nik_masked = Set(None);
        m.nik_hash = Set(None);
        m.family_card_hash = Set(None);
        changed = true;
        super::data_keys::destroy(tx, application_id, now).await?;
    }
    if changed {
        m.updated_at = Set(now);
        m.update(tx).await?;
    }
    Ok(hashes)
}

/// Forgets the copies of an application's contact data outside the
/// application: the consent to text messages (with its number) and the
/// address and text of outbox messages sent to the application's own
/// e-mail address or phone. Messages still waiting to go there are given
/// up, except the erasure notice, which the mail worker clears once sent.
/// An address that is also the account's stays: the account is not erased.
async fn forget_contact<C: ConnectionTrait>(
    tx: &C,
    a: &application::Model,
    p: &data_keys::Personal,
) -> Result<(), ServiceError> {
    let mut to: Vec<String> = Vec::new();
    if let Some(c) = message_consent::Entity::find_by_id(a.id).one(tx).await? {
        to.push(c.phone);
        message_consent::Entity::delete_by_id(a.id).exec(tx).await?;
    }
    if let Some(phone) = crate::sms::normalise_phone(&p.phone) {
        to.push(phone);
    }
    let account_email = match a.account_id {
        Some(id) => account::Entity::find_by_id(id)
            .one(tx)
            .await?
            .map(|acc| acc.email),
        None => None,
    };
    let email = p.email.trim();
    if !email.is_empty()
        && account_email
            .as_deref()
            .is_none_or(|acc| !acc.eq_ignore_ascii_case(email))
    {
        to.push(email.to_owned());
    }
    forget_messages_to(tx, to).await
}

/// Clears the address and text of the outbox messages sent to any of `to`
/// (e-mail addresses or phone numbers); messages still waiting to go there
/// are given up, except the erasure notice, which the mail worker clears
/// once sent.
async fn forget_messages_to<C: ConnectionTrait>(
    tx: &C,
    to: Vec<String>,
) -> Result<(), ServiceError> {
    if to.is_empty() {
        return Ok(());
    }
    let waiting = [Delivery::Pending, Delivery::Sending];
    mail_outbox::Entity::update_many()
        .col_expr(mail_outbox::Column::Status, Expr::value(Delivery::Failed))
        .col_expr(
            mail_outbox::Column::LastError,
            Expr::value("recipient's data erased"),
        )
        .filter(mail_outbox::Column::ToAddress.is_in(to.clone()))
        .filter(mail_outbox::Column::Status.is_in(waiting))
        .filter(mail_outbox::Column::Template.ne("erasure_notice"))
        .exec(tx)
        .await?;
    blank_mails()
        .filter(mail_outbox::Column::ToAddress.is_in(to))
        .filter(mail_outbox::Column::Status.is_not_in(waiting))
        .exec(tx)
        .await?;
    Ok(())
}

/// An update that empties the recipient and the text of mails: what of a
/// sent mail is personal data.
fn blank_mails() -> sea_orm::UpdateMany<mail_outbox::Entity> {
    let mut update = mail_outbox::Entity::update_many();
    for c in [
        mail_outbox::Column::ToAddress,
        mail_outbox::Column::ToName,
        mail_outbox::Column::BodyText,
        mail_outbox::Column::BodyHtml,
    ] {
        update = update.col_expr(c, Expr::value(""));
    }
    update
}

/// What a run erased.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub plan: Plan,
    /// Document files removed from storage.
    pub files_removed: usize,
}

/// Erases everything due at `now`, in one transaction with one
/// `retention.erased` event per round (counts only) and one for what lies
/// outside the applications, then removes the document files nothing
/// refers to any more.
///
/// # Errors
/// Storage failures; nothing is erased then.
pub async fn execute(
    db: &DatabaseConnection,
    vault: &NikVault,
    store: &FileStore,
    now: OffsetDateTime,
) -> Result<Outcome, ServiceError> {
    let tx = begin_write(db).await?;
    let plan = plan(&tx, vault, now).await?;
    let mut hashes = BTreeSet::new();
    for r in &plan.rounds {
        for a in &r.applications {
            hashes.extend(erase(&tx, vault, a.application_id, &a.classes, now).await?);
        }
        append(
            &tx,
            NewEvent::new(
                Actor::System,
                "retention.erased",
                "round",
                r.round_id.to_string(),
            )
            .round(r.round_id)
            .payload(serde_json::json!({
                "applications": r.applications.len(),
                "documents": r.documents(),
                "nik": r.count(DataClass::Nik),
                "contact": r.count(DataClass::Contact),
                "birth": r.count(DataClass::Birth),
            }))
            .reason("retention period ended"),
        )
        .await?;
    }
    if !plan.records.is_empty() {
        let r = &plan.records;
        records::erase(&tx, r, now).await?;
        append(
            &tx,
            NewEvent::new(Actor::System, "retention.erased", "installation", "records")
                .payload(serde_json::json!({
                    "accounts": r.accounts.len(),
                    "sessions": r.sessions.len(),
                    "tokens": r.auth_tokens.len() + r.api_tokens.len(),
                    "messages": r.messages.len(),
                }))
                .reason("retention period ended"),
        )
        .await?;
    }
    tx.commit().await?;
    let mut files_removed = 0;
    for h in hashes {
        match super::documents::forget_if_unreferenced(db, store, &h).await {
            Ok(true) => files_removed += 1,
            Ok(false) => {}
            // The hourly sweep removes a file left behind.
            Err(e) => tracing::warn!(error = %e, "erased document file not removed yet"),
        }
    }
    Ok(Outcome {
        plan,
        files_removed,
    })
}
