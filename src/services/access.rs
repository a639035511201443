//! The right of access: everything the installation holds about one
//! applicant, as one JSON document — the account with the messages to its
//! address, every application with its personal fields, documents (their
//! bytes in base64), ranking, objections, consent to text messages and the
//! messages to its own address or number, and the trail events about them
//! or done by them. Nothing about anyone else.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ServiceError;
use crate::db::entities::{
    account, application, audit_event, document, mail_outbox, message_consent, objection, ranking,
    round, stored_file,
};
use crate::domain::audit::format_at;
use crate::pii::NikVault;
use crate::storage::FileStore;

fn at(t: Option<OffsetDateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(format_at(t)))
}

/// The access download of the signed-in account `account_id`.
///
/// # Errors
/// `NotFound` for an unknown account; storage failures.
pub async fn for_account<C: ConnectionTrait>(
    db: &C,
    vault: &NikVault,
    store: &FileStore,
    account_id: Uuid,
    now: OffsetDateTime,
) -> Result<Value, ServiceError> {
    let acc = account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let apps = application::Entity::find()
        .filter(application::Column::AccountId.eq(account_id))
        .order_by_asc(application::Column::CreatedAt)
        .all(db)
        .await?;
    let account = json!({
        "id": acc.id,
        "name": acc.name,
        "email": acc.email,
        "phone": acc.phone,
        "role": acc.role,
        "locale": acc.locale,
        "created_at": at(Some(acc.created_at)),
        "email_verified_at": at(acc.email_verified_at),
        "last_login_at": at(acc.last_login_at),
    });
    let mut out = document_of(db, vault, store, Some(account), Some(account_id), apps, now).await?;
    out["account"]["messages"] = messages_to(db, &[acc.email]).await?;
    Ok(out)
}

/// The outbox messages sent (or to be sent) to any of `to`: what the
/// installation wrote to the applicant, with its text.
async fn messages_to<C: ConnectionTrait>(db: &C, to: &[String]) -> Result<Value, ServiceError> {
    let to: Vec<String> = to.iter().filter(|t| !t.is_empty()).cloned().collect();
    if to.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    Ok(Value::Array(
        mail_outbox::Entity::find()
            .filter(mail_outbox::Column::ToAddress.is_in(to))
            .order_by_asc(mail_outbox::Column::CreatedAt)
            .all(db)
            .await?
            .into_iter()
            .map(|m| {
                json!({
                    "channel": m.channel,
                    "to": m.to_address,
                    "subject": m.subject,
                    "template": m.template,
                    "status": m.status.as_str(),
                    "created_at": at(Some(m.created_at)),
                    "sent_at": at(m.sent_at),
                    "body_text": m.body_text,
                })
            })
            .collect(),
    ))
}

/// The access download of one application (a desk registrant at the help
/// desk, after number and PIN were checked).
///
/// # Errors
/// `NotFound` for an unknown application; storage failures.
pub async fn for_application<C: ConnectionTrait>(
    db: &C,
    vault: &NikVault,
    store: &FileStore,
    application_id: Uuid,
    now: OffsetDateTime,
) -> Result<Value, ServiceError> {
    let a = application::Entity::find_by_id(application_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    document_of(db, vault, store, None, None, vec![a], now).await
}

async fn document_of<C: ConnectionTrait>(
    db: &C,
    vault: &NikVault,
    store: &FileStore,
    account: Option<Value>,
    account_id: Option<Uuid>,
    apps: Vec<application::Model>,
    now: OffsetDateTime,
) -> Result<Value, ServiceError> {
    let mut out_apps = Vec::with_capacity(apps.len());
    let mut numbers = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for a in apps {
        let personal = super::data_keys::personal_of(db, vault, &a).await?;
        ids.insert(a.id.to_string());
        if let Some(n) = &a.registration_no {
            numbers.insert(n.clone());
        }
        let r = round::Entity::find_by_id(a.round_id).one(db).await?;
        let mut docs = Vec::new();
        for d in document::Entity::find()
            .filter(document::Column::ApplicationId.eq(a.id))
            .order_by_asc(document::Column::CreatedAt)
            .all(db)
            .await?
        {
            let file = stored_file::Entity::find_by_id(d.sha256.clone())
                .one(db)
                .await?;
            let bytes = store.read(&d.sha256).ok();
            docs.push(json!({
                "id": d.id,
                "name": d.original_name,
                "sha256": d.sha256,
                "content_type": file.as_ref().map(|f| f.content_type.clone()),
                "size_bytes": file.map(|f| f.size_bytes),
                "uploaded_at": at(Some(d.created_at)),
                "content_base64": bytes.map(|b| BASE64.encode(b)),
            }));
        }
        let rank = ranking::Entity::find()
            .filter(ranking::Column::ApplicationId.eq(a.id))
            .one(db)
            .await?
            .filter(|x| x.published)
            .map(|x| json!({ "rank": x.rank, "status": x.status, "total_exact": x.total_exact }));
        let erased = super::data_keys::is_erased(db, a.id).await?;
        let erasure_requests: Vec<Value> = crate::db::entities::erasure_request::Entity::find()
            .filter(crate::db::entities::erasure_request::Column::ApplicationId.eq(a.id))
            .order_by_asc(crate::db::entities::erasure_request::Column::RequestedAt)
            .all(db)
            .await?
            .into_iter()
            .map(|e| {
                json!({
                    "id": e.id,
                    "status": e.status,
                    "reason": e.reason,
                    "decision_reason": e.decision_reason,
                    "requested_at": at(Some(e.requested_at)),
                    "decided_at": at(e.decided_at),
                })
            })
            .collect();
        let objections: Vec<Value> = objection::Entity::find()
            .filter(objection::Column::ApplicationId.eq(a.id))
            .order_by_asc(objection::Column::FiledAt)
            .all(db)
            .await?
            .into_iter()
            .map(|o| {
                json!({
                    "id": o.id,
                    "status": o.status,
                    "grounds": o.grounds,
                    "filed_at": at(Some(o.filed_at)),
                    "decided_at": at(o.decided_at),
                    "decision_reason": o.decision_reason,
                })
            })
            .collect();
        let consent = message_consent::Entity::find_by_id(a.id)
            .one(db)
            .await?
            .map_or(Value::Null, |c| {
                json!({
                    "phone": c.phone,
                    "channel": c.channel,
                    "given_at": at(Some(c.given_at)),
                    "withdrawn_at": at(c.withdrawn_at),
                })
            });
        let mut own = vec![personal.email.clone()];
        if let Some(phone) = crate::sms::normalise_phone(&personal.phone) {
            own.push(phone);
        }
        if let Value::Object(c) = &consent
            && let Some(Value::String(phone)) = c.get("phone")
        {
            own.push(phone.clone());
        }
        own.sort();
        own.dedup();
        let messages = messages_to(db, &own).await?;
        out_apps.push(json!({
            "id": a.id,
            "round": r.map(|r| r.slug),
            "registration_no": a.registration_no,
            "state": a.state,
            "full_name": a.full_name,
            // The full NIK never leaves the vault in any download; the
            // applicant knows it, and the masked form identifies it.
            "nik_masked": a.nik_masked,
            "birth_place": personal.birth_place,
            "birth_date": personal.birth_date.map(|d| d.to_string()),
            "sex": a.sex,
            "address": personal.address,
            "kelurahan_code": a.kelurahan_code,
            "rt_number": a.rt_number,
            "phone": personal.phone,
            "email": personal.email,
            "education": a.education,
            "occupation": a.occupation,
            "motivation": a.motivation,
            "experience": a.experience,
            "created_at": at(Some(a.created_at)),
            "submitted_at": at(a.submitted_at),
            "withdrawn_at": at(a.withdrawn_at),
            "personal_data_erased": erased,
            "erasure_requests": erasure_requests,
            "documents": docs,
            "result": rank,
            "objections": objections,
            "message_consent": consent,
            "messages": messages,
        }));
    }
    let mut who = Condition::any()
        .add(audit_event::Column::SubjectId.is_in(ids))
        .add(audit_event::Column::RegistrationNo.is_in(numbers));
    if let Some(id) = account_id {
        who = who
            .add(audit_event::Column::Actor.eq(id.to_string()))
            .add(audit_event::Column::SubjectId.eq(id.to_string()));
    }
    let events: Vec<Value> = audit_event::Entity::find()
        .filter(who)
        .order_by_asc(audit_event::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(|e| {
            json!({
                "seq": e.seq,
                "at": e.at,
                "action": e.action,
                "actor_role": e.actor_role,
                "subject_type": e.subject_type,
                "subject_id": e.subject_id,
                "registration_no": e.registration_no,
                "payload": serde_json::from_str::<Value>(&e.payload).unwrap_or(Value::Null),
                "reason": e.reason,
                "hash": e.hash,
            })
        })
        .collect();
    Ok(json!({
        "generated_at": format_at(now),
        "account": account,
        "applications": out_apps,
        "audit_events": events,
    }))
}

/// The access download of a desk registrant at the help desk: registration
/// number and status PIN identify the application (the PIN is checked like
/// the public status check), the caller must be an operator covering its
/// kelurahan or an admin, and the handover is recorded
/// (`access.desk_download`, the number only) in the same transaction that
/// reads the data.
///
/// # Errors
/// `Forbidden` for other roles; `NotFound` for an unknown number, a wrong
/// PIN, an application with an account (its owner downloads it at `/akun`)
/// or one outside the operator's kelurahan; storage failures.
#[allow(clippy::too_many_arguments)]
pub async fn desk_download(
    db: &sea_orm::DatabaseConnection,
    vault: &NikVault,
    store: &FileStore,
    actor: crate::db::audit::Actor,
    scopes: &[String],
    registration_no: &str,
    pin: &str,
    now: OffsetDateTime,
) -> Result<Value, ServiceError> {
    use crate::db::audit::{NewEvent, append};
    let a = desk_registrant(db, actor, scopes, registration_no, pin).await?;
    let no = a.registration_no.clone().unwrap_or_default();
    let tx = crate::db::begin_write(db).await?;
    let mut event = NewEvent::new(
        actor,
        "access.desk_download",
        "application",
        a.id.to_string(),
    )
    .round(a.round_id)
    .payload(json!({ "registration_no": no }));
    event.registration_no = Some(no);
    event.kelurahan_code.clone_from(&a.kelurahan_code);
    append(&tx, event).await?;
    let out = document_of(&tx, vault, store, None, None, vec![a], now).await?;
    tx.commit().await?;
    Ok(out)
}

/// The desk registrant that registration number and status PIN identify
/// (the PIN checked like the public status check), for an operator covering
/// its kelurahan or an admin: the resident is present at the help desk.
///
/// # Errors
/// `Forbidden` for other roles; `NotFound` for an unknown number, a wrong
/// PIN, an application with an account (its owner acts at `/akun`) or one
/// outside the operator's kelurahan; storage failures.
pub async fn desk_registrant(
    db: &sea_orm::DatabaseConnection,
    actor: crate::db::audit::Actor,
    scopes: &[String],
    registration_no: &str,
    pin: &str,
) -> Result<application::Model, ServiceError> {
    use crate::db::audit::Actor;
    use crate::domain::registration::{RegistrationNo, StatusPin};
    use crate::domain::role::Role;
    let covers_all = match actor {
        Actor::Account {
            role: Role::Admin, ..
        } => true,
        Actor::Account {
            role: Role::Operator,
            ..
        } => false,
        _ => return Err(ServiceError::Forbidden),
    };
    let (Ok(no), Ok(pin)) = (
        RegistrationNo::parse(registration_no.trim()),
        StatusPin::parse(pin.trim()),
    ) else {
        return Err(ServiceError::NotFound);
    };
    let a = application::Entity::find()
        .filter(application::Column::RegistrationNo.eq(no.to_string()))
        .one(db)
        .await?
        .filter(|a| a.account_id.is_none())
        .filter(|a| {
            covers_all
                || a.kelurahan_code
                    .as_ref()
                    .is_some_and(|k| scopes.iter().any(|s| s == k))
        })
        .ok_or(ServiceError::NotFound)?;
    let Some(phc) = a.status_pin_hash.clone() else {
        return Err(ServiceError::NotFound);
    };
    // argon2 is slow on purpose: checked before the write transaction.
    if !super::accounts::verify_password(pin.as_str().to_owned(), phc).await {
        return Err(ServiceError::NotFound);
    }
    Ok(a)
}
