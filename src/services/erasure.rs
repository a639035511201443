//! Erasure on request (UU 27/2022 Art. 43): an applicant asks for the
//! personal data of one of their applications to be erased, an admin
//! decides, and an approved request is executed exactly the way the
//! retention run erases ([`super::retention::erase`]: the data key is
//! destroyed, the documents deleted, the contact and birth fields cleared).
//!
//! The decision is not discretionary: while a legal hold applies (an open
//! objection, a round not final — [`crate::domain::privacy::legal_hold`])
//! the request is refused with the hold as its reason, otherwise it is
//! executed. Every step is an audit event with ids and counts only; the
//! applicant's own reason stays in the request row, out of the public trail.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ServiceError;
use super::applications::MailCtx;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{application, document, erasure_request, objection, round};
use crate::domain::objection::ObjectionStatus;
use crate::domain::privacy::{DataClass, LegalHold, legal_hold};
use crate::domain::role::Role;
use crate::domain::round::Msg;
use crate::domain::text::plain_text;
use crate::mail::{ErasureStep, Template, enqueue_for_round};
use crate::storage::FileStore;

pub use crate::domain::erasure::ErasureStatus;

/// Longest reason an applicant may give, in characters.
pub const MAX_REASON: usize = 1000;

pub use crate::domain::erasure::{RequestView, reason_in};

/// What an erasure of one application took away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    pub documents: u64,
    pub files_removed: usize,
}

/// The decision on a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Refused(LegalHold),
    Executed(Erased),
}

fn invalid(m: Msg) -> ServiceError {
    ServiceError::Invalid(m)
}

/// The hold on application `a` of round `r` now.
async fn hold_of<C: ConnectionTrait>(
    db: &C,
    a: &application::Model,
    r: &round::Model,
) -> Result<Option<LegalHold>, ServiceError> {
    let open = objection::Entity::find()
        .filter(objection::Column::ApplicationId.eq(a.id))
        .filter(objection::Column::Status.is_not_in(ObjectionStatus::DECIDED))
        .count(db)
        .await?;
    Ok(legal_hold(r.state, open))
}

/// Queues the mail of `step` to the applicant of `a`, when there is an
/// address (the account's, or the application's own before erasure).
async fn notify(
    tx: &crate::db::WriteTx,
    mail: &MailCtx<'_>,
    a: &application::Model,
    step: ErasureStep,
    reason: &str,
) -> Result<(), ServiceError> {
    if let Some((to, locale)) = super::results::recipient(tx, mail.vault, a).await? {
        let template = Template::ErasureNotice {
            name: a.full_name.clone(),
            registration_no: a.registration_no.clone().unwrap_or_default(),
            step,
            reason: reason.to_owned(),
        };
        let programme = crate::db::entities::round::Entity::find_by_id(a.round_id)
            .one(tx)
            .await?
            .map(|r| r.programme())
            .unwrap_or_default();
        enqueue_for_round(
            tx,
            &to,
            &a.full_name,
            locale,
            &template,
            mail.from,
            &programme,
        )
        .await?;
    }
    Ok(())
}

/// An applicant asks for the personal data of their application `application_id`
/// to be erased (`erasure.requested`); a mail confirms it.
///
/// # Errors
/// `NotFound` unless it is the caller's own application; `Invalid` for a
/// reason that is too long or not plain text; `Conflict` when a request is
/// already open or the data are already erased; storage failures.
pub async fn file(
    db: &DatabaseConnection,
    mail: MailCtx<'_>,
    actor: Actor,
    application_id: Uuid,
    reason: &str,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    let Actor::Account {
        id: account_id,
        role: Role::Applicant,
    } = actor
    else {
        return Err(ServiceError::Forbidden);
    };
    let reason = checked_reason(reason)?;
    let tx = begin_write(db).await?;
    let a = application::Entity::find_by_id(application_id)
        .one(&tx)
        .await?
        .filter(|a| a.account_id == Some(account_id))
        .ok_or(ServiceError::NotFound)?;
    let id = record_request(&tx, &mail, actor, &a, Some(account_id), reason, now).await?;
    tx.commit().await?;
    tracing::info!(erasure_request.id = %id, "erasure requested");
    Ok(id)
}

/// An operator covering the kelurahan of a desk registrant (or an admin)
/// files the erasure request for them at the help desk, the resident
/// present with the registration number and status PIN of the receipt.
/// The request has no requesting account; the `erasure.requested` event
/// names the operator as its actor and says it was assisted. An admin
/// decides it like any other.
///
/// # Errors
/// `Forbidden` for other roles; `NotFound` for an unknown number, a wrong
/// PIN, an application with an account or one outside the operator's
/// kelurahan; otherwise as [`file`].
#[allow(clippy::too_many_arguments)]
pub async fn file_at_desk(
    db: &DatabaseConnection,
    mail: MailCtx<'_>,
    actor: Actor,
    scopes: &[String],
    registration_no: &str,
    pin: &str,
    reason: &str,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    let reason = checked_reason(reason)?;
    // The PIN is checked (slowly, on purpose) before the write transaction.
    let found = super::access::desk_registrant(db, actor, scopes, registration_no, pin).await?;
    let tx = begin_write(db).await?;
    let a = application::Entity::find_by_id(found.id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let id = record_request(&tx, &mail, actor, &a, None, reason, now).await?;
    tx.commit().await?;
    tracing::info!(erasure_request.id = %id, "erasure requested at the help desk");
    Ok(id)
}

fn checked_reason(reason: &str) -> Result<&str, ServiceError> {
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON || !plain_text(reason, true) {
        return Err(invalid(Msg::new(
            format!("Alasan paling banyak {MAX_REASON} karakter teks biasa."),
            format!("The reason may have at most {MAX_REASON} characters of plain text."),
        )));
    }
    Ok(reason)
}

/// Records an open request for `a` (`erasure.requested` by `actor`) and
/// queues the confirmation mail; `requested_by` is the applicant's account,
/// `None` when the help desk files it.
async fn record_request(
    tx: &crate::db::WriteTx,
    mail: &MailCtx<'_>,
    actor: Actor,
    a: &application::Model,
    requested_by: Option<Uuid>,
    reason: &str,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    if super::data_keys::is_erased(tx, a.id).await? {
        return Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Data pendaftaran ini sudah dihapus.",
            "The data of this application are already erased.",
        )));
    }
    let open = erasure_request::Entity::find()
        .filter(erasure_request::Column::ApplicationId.eq(a.id))
        .filter(erasure_request::Column::Status.eq(ErasureStatus::Requested))
        .count(tx)
        .await?;
    if open > 0 {
        return Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Permintaan penghapusan untuk pendaftaran ini sedang menunggu keputusan.",
            "An erasure request for this application is already waiting for a decision.",
        )));
    }
    let id = Uuid::now_v7();
    erasure_request::ActiveModel {
        id: Set(id),
        application_id: Set(a.id),
        requested_by: Set(requested_by),
        reason: Set(reason.to_owned()),
        status: Set(ErasureStatus::Requested),
        decided_by: Set(None),
        decision_reason: Set(String::new()),
        requested_at: Set(now),
        decided_at: Set(None),
    }
    .insert(tx)
    .await?;
    let mut payload = serde_json::json!({ "application_id": a.id.to_string() });
    if requested_by.is_none() {
        // The operator in the actor fields assisted the resident at the desk.
        payload["assisted"] = serde_json::Value::String("yes".into());
    }
    let mut event = NewEvent::new(
        actor,
        "erasure.requested",
        "erasure_request",
        id.to_string(),
    )
    .round(a.round_id)
    .payload(payload);
    event.registration_no.clone_from(&a.registration_no);
    event.kelurahan_code.clone_from(&a.kelurahan_code);
    append(tx, event).await?;
    notify(tx, mail, a, ErasureStep::Received, "").await?;
    Ok(id)
}

/// The admin decides an open request: refused with the legal hold as its
/// reason while one applies (`erasure.refused`), otherwise executed like the
/// retention run (`erasure.executed` with counts only); the applicant is
/// mailed either way. Document files nothing refers to any more are removed
/// after the commit.
///
/// # Errors
/// `Forbidden` for anyone but an admin; `NotFound` for an unknown request;
/// `Conflict` when it was already decided; storage failures.
pub async fn decide(
    db: &DatabaseConnection,
    store: &FileStore,
    mail: MailCtx<'_>,
    actor: Actor,
    request_id: Uuid,
    now: OffsetDateTime,
) -> Result<Decision, ServiceError> {
    let admin = super::require_admin(actor)?;
    let tx = begin_write(db).await?;
    let req = erasure_request::Entity::find_by_id(request_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if req.status != ErasureStatus::Requested {
        return Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Permintaan ini sudah diputus.",
            "This request was already decided.",
        )));
    }
    let a = application::Entity::find_by_id(req.application_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let r = round::Entity::find_by_id(a.round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut m: erasure_request::ActiveModel = req.clone().into();
    m.decided_by = Set(Some(admin));
    m.decided_at = Set(Some(now));
    let event = |action: &'static str| {
        let mut e =
            NewEvent::new(actor, action, "erasure_request", req.id.to_string()).round(a.round_id);
        e.registration_no.clone_from(&a.registration_no);
        e.kelurahan_code.clone_from(&a.kelurahan_code);
        e
    };
    if let Some(hold) = hold_of(&tx, &a, &r).await? {
        m.status = Set(ErasureStatus::Refused);
        m.decision_reason = Set(hold.message().id);
        m.update(&tx).await?;
        let e = event("erasure.refused").payload(serde_json::json!({
            "application_id": a.id.to_string(),
            "hold": hold.code(),
        }));
        append(&tx, e).await?;
        let locale_reason = match super::results::recipient(&tx, mail.vault, &a).await? {
            Some((_, crate::mail::Locale::En)) => hold.message().en,
            _ => hold.message().id,
        };
        notify(&tx, &mail, &a, ErasureStep::Refused, &locale_reason).await?;
        tx.commit().await?;
        tracing::info!(erasure_request.id = %req.id, hold = hold.code(), "erasure refused");
        return Ok(Decision::Refused(hold));
    }
    // The mail goes out before the fields are cleared: an assisted
    // applicant's only address is on the application.
    notify(&tx, &mail, &a, ErasureStep::Executed, "").await?;
    let documents = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(a.id))
        .count(&tx)
        .await?;
    let all: BTreeSet<DataClass> = DataClass::PER_APPLICATION.into_iter().collect();
    let hashes = super::retention::erase(&tx, mail.vault, a.id, &all, now).await?;
    m.status = Set(ErasureStatus::Executed);
    m.update(&tx).await?;
    let e = event("erasure.executed").payload(serde_json::json!({
        "application_id": a.id.to_string(),
        "documents": documents,
    }));
    append(&tx, e).await?;
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
    tracing::info!(erasure_request.id = %req.id, documents, "erasure executed");
    Ok(Decision::Executed(Erased {
        documents,
        files_removed,
    }))
}

async fn views<C: ConnectionTrait>(
    db: &C,
    requests: Vec<erasure_request::Model>,
) -> Result<Vec<RequestView>, ServiceError> {
    let mut out = Vec::with_capacity(requests.len());
    for req in requests {
        let a = application::Entity::find_by_id(req.application_id)
            .one(db)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let r = round::Entity::find_by_id(a.round_id)
            .one(db)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let hold = if req.status == ErasureStatus::Requested {
            hold_of(db, &a, &r).await?
        } else {
            None
        };
        out.push(RequestView {
            registration_no: a.registration_no.clone().unwrap_or_default(),
            round_name: r.name,
            hold,
            request: req.into(),
        });
    }
    Ok(out)
}

/// The requests on the account's applications, newest first.
///
/// # Errors
/// Storage failures.
pub async fn of_account<C: ConnectionTrait>(
    db: &C,
    account_id: Uuid,
) -> Result<Vec<RequestView>, ServiceError> {
    let ids: Vec<Uuid> = application::Entity::find()
        .filter(application::Column::AccountId.eq(account_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let requests = erasure_request::Entity::find()
        .filter(erasure_request::Column::ApplicationId.is_in(ids))
        .order_by_desc(erasure_request::Column::RequestedAt)
        .all(db)
        .await?;
    views(db, requests).await
}

/// Every request for the admin: the open ones first, then the decided,
/// newest first within each.
///
/// # Errors
/// `Forbidden` for anyone but an admin; storage failures.
pub async fn for_admin<C: ConnectionTrait>(
    db: &C,
    actor: Actor,
) -> Result<Vec<RequestView>, ServiceError> {
    super::require_admin(actor)?;
    let mut requests = erasure_request::Entity::find()
        .order_by_desc(erasure_request::Column::RequestedAt)
        .all(db)
        .await?;
    requests.sort_by_key(|r| r.status != ErasureStatus::Requested);
    views(db, requests).await
}
