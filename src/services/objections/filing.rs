//! Filing an objection: by the applicant during the window, or for them at
//! the desk, with grounds, the contested steps and an optional document.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{RESPONSE_DAYS, account_of, load_app, may_object, text_between};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{document, idempotency_key, objection};
use crate::domain::msg::Msg;
use crate::domain::objection::ObjectionStatus;
use crate::domain::round::{Round, RoundState};
use crate::services::ServiceError;

/// Whether the objection window of `r` is open at `now`.
#[must_use]
pub fn window_open(r: &Round, now: OffsetDateTime) -> bool {
    r.state == RoundState::Objection && r.objection_ends_at.is_none_or(|end| now < end)
}

/// A document attached to an objection, already checked by content.
pub struct Attachment<'a> {
    pub store: &'a crate::storage::FileStore,
    pub bytes: Vec<u8>,
    pub original_name: String,
}

/// The applicant files an objection against their own published result.
/// Returns the objection id; a repeated `idempotency_key` returns the first.
///
/// # Errors
/// `NotFound` for someone else's application; `Conflict` outside the window,
/// for an application without a published result, or with an objection
/// already open; `Invalid` for grounds that are too short or too long, or a
/// document that is not PDF/JPEG/PNG or too large.
pub async fn file(
    db: &DatabaseConnection,
    actor: Actor,
    application_id: Uuid,
    grounds: &str,
    attachment: Option<Attachment<'_>>,
    idempotency_key: &str,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    file_as(
        db,
        Filer::Account(actor),
        application_id,
        Filing {
            grounds,
            contested: &[],
            attachment,
            idempotency_key,
        },
        now,
    )
    .await
}

/// Who files an objection.
#[derive(Clone, Copy, Debug)]
pub enum Filer<'a> {
    /// The applicant, signed in to their account.
    Account(Actor),
    /// The resident of an assisted application, with registration number
    /// and status PIN (already checked by the caller).
    StatusPin,
    /// An operator covering the kelurahan of an assisted application, at the
    /// help desk with the resident present (or an admin); recorded as the
    /// assistant.
    Desk(crate::services::applications::Acting<'a>),
}

/// What the objection says.
pub struct Filing<'a> {
    pub grounds: &'a str,
    /// What is contested: `verification`, `tie` or criterion codes.
    pub contested: &'a [String],
    pub attachment: Option<Attachment<'a>>,
    pub idempotency_key: &'a str,
}

/// Files an objection through any channel ([`file`] is the signed-in
/// applicant's). The row's `filed_by` is an account: the applicant, the desk
/// operator, or for a PIN filing the operator who registered the resident
/// (the account that holds the assisted application); `objection_filing`
/// says which channel it came through and who assisted.
///
/// # Errors
/// As [`file`]; `NotFound` when the filer may not object on the application.
pub async fn file_as(
    db: &DatabaseConnection,
    filer: Filer<'_>,
    application_id: Uuid,
    filing: Filing<'_>,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    let Filing {
        grounds,
        contested,
        attachment,
        idempotency_key,
    } = filing;
    let grounds = text_between(grounds, 20, ("Alasan sanggahan", "The grounds"))?;
    let tx = begin_write(db).await?;
    let (app, r) = load_app(&tx, application_id).await?;
    let (who, actor, channel, assisted_by) = match filer {
        Filer::Account(actor) => {
            let (who, _) = account_of(actor)?;
            if app.account_id != Some(who) {
                return Err(ServiceError::NotFound);
            }
            (who, actor, "account", None)
        }
        Filer::Desk(acting) => {
            let (who, _) = account_of(acting.actor)?;
            if app.account_id.is_some() || !may_object(acting, &app) {
                return Err(ServiceError::NotFound);
            }
            (who, acting.actor, "desk", Some(who))
        }
        Filer::StatusPin => {
            let holder = app
                .assisted_by
                .filter(|_| app.account_id.is_none())
                .ok_or(ServiceError::NotFound)?;
            (holder, Actor::System, "status_pin", None)
        }
    };
    let contested = clean_contested(contested);
    let scope = format!("objection:{who}");
    let key = idempotency_key.trim();
    let key = (!key.is_empty() && key.len() <= 100).then_some(key);
    let request_hash = crate::domain::lottery::sha256_hex(&format!("{}:{grounds}", app.id));
    if let Some(k) = key
        && let Some(found) = idempotency_key::Entity::find_by_id((scope.clone(), k.to_owned()))
            .one(&tx)
            .await?
    {
        return match found.response_location.and_then(|l| l.parse().ok()) {
            Some(id) if found.request_hash == request_hash => Ok(id),
            _ => Err(ServiceError::Conflict(Msg::new(
                "Formulir ini sudah dikirim. Muat ulang halaman lalu coba lagi.",
                "This form was already sent. Reload the page and try again.",
            ))),
        };
    }
    // Outside the round's own window, a published stage shortlist that
    // considered the application may be open to objections.
    let round = Round::from(&r);
    let stage = if window_open(&round, now) {
        None
    } else {
        let open = crate::services::shortlists::open_window(&tx, &round, app.id, now).await?;
        match open {
            Some(s) => Some(s.stage_code),
            None => {
                return Err(ServiceError::Conflict(Msg::new(
                    "Masa sanggah tidak sedang dibuka untuk seleksi ini.",
                    "The objection window of this round is not open.",
                )));
            }
        }
    };
    let ranked = crate::db::entities::ranking::Entity::find_by_id(app.id)
        .one(&tx)
        .await?
        .is_some_and(|x| x.published);
    if stage.is_none() && !ranked {
        return Err(ServiceError::Conflict(Msg::new(
            "Pendaftaran ini tidak memiliki hasil yang diumumkan.",
            "This application has no published result.",
        )));
    }
    let open = objection::Entity::find()
        .filter(objection::Column::ApplicationId.eq(app.id))
        .filter(objection::Column::Status.is_not_in(ObjectionStatus::DECIDED))
        .one(&tx)
        .await?;
    if open.is_some() {
        return Err(ServiceError::Conflict(Msg::new(
            "Sanggahan Anda atas hasil ini masih diproses.",
            "Your objection against this result is still being handled.",
        )));
    }
    let document_id = match attachment {
        Some(a) => {
            let name = crate::services::documents::clean_original_name(&a.original_name);
            // Whatever went wrong with the file is the filer's to retry (a
            // 422 here, never the upload form's 413).
            let stored = crate::services::documents::store_upload(&tx, a.store, a.bytes, &name)
                .await
                .map_err(|e| {
                    ServiceError::Invalid(crate::services::documents::told_uploader(&e))
                })?;
            let id = Uuid::now_v7();
            document::ActiveModel {
                id: Set(id),
                application_id: Set(app.id),
                requirement_id: Set(None),
                sha256: Set(stored.sha256),
                original_name: Set(name),
                uploaded_by: Set((channel != "status_pin").then_some(who)),
                created_at: Set(now),
            }
            .insert(&tx)
            .await?;
            Some(id)
        }
        None => None,
    };
    let id = Uuid::now_v7();
    let deadline = now + Duration::days(RESPONSE_DAYS);
    objection::ActiveModel {
        id: Set(id),
        round_id: Set(r.id),
        application_id: Set(app.id),
        filed_by: Set(who),
        grounds: Set(grounds),
        document_id: Set(document_id),
        status: Set(ObjectionStatus::Filed),
        reviewer_id: Set(None),
        decision_reason: Set(String::new()),
        deadline_at: Set(deadline),
        filed_at: Set(now),
        decided_at: Set(None),
        approval_id: Set(None),
    }
    .insert(&tx)
    .await?;
    crate::db::entities::objection_filing::ActiveModel {
        objection_id: Set(id),
        channel: Set(channel.to_owned()),
        assisted_by: Set(assisted_by),
        contested: Set(contested.clone()),
    }
    .insert(&tx)
    .await?;
    if let Some(code) = &stage {
        crate::db::entities::objection_stage::ActiveModel {
            objection_id: Set(id),
            round_id: Set(r.id),
            stage_code: Set(code.clone()),
        }
        .insert(&tx)
        .await?;
    }
    if let Some(k) = key {
        idempotency_key::ActiveModel {
            scope: Set(scope),
            key: Set(k.to_owned()),
            request_hash: Set(request_hash),
            status_code: Set(Some(303)),
            response_location: Set(Some(id.to_string())),
            created_at: Set(now),
        }
        .insert(&tx)
        .await?;
    }
    let no = app.registration_no.clone().unwrap_or_default();
    let mut payload = serde_json::json!({
                "objection_id": id.to_string(),
                "registration_no": no,
                "document": if document_id.is_some() { "yes" } else { "no" },
                "deadline_at": crate::domain::audit::format_at(deadline),
                "channel": channel,
                "assisted_by": assisted_by.map(|a| a.to_string()).unwrap_or_default(),
                "contested": contested,
    });
    if let Some(code) = &stage {
        payload["stage"] = code.clone().into();
    }
    append(
        &tx,
        NewEvent::new(actor, "objection.filed", "objection", id.to_string())
            .round(r.id)
            .payload(payload)
            .with_registration(no.clone()),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(objection.id = %id, application.registration_no = %no, "objection filed");
    Ok(id)
}

/// The picked contested items, kept only if well-formed (short codes of
/// letters, digits, `_` and `-`), without repeats, space-separated.
fn clean_contested(picked: &[String]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for p in picked {
        let p = p.trim();
        if !p.is_empty()
            && p.len() <= 40
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && !out.contains(&p)
        {
            out.push(p);
        }
    }
    out.join(" ")
}
