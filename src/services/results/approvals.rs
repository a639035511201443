//! A four-eyes approval: requested by one admin, approved or sent back by
//! another, each step audited.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    SqlErr,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::require_admin;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::entities::{account, approval, audit_event};
use crate::domain::approval::{Approval, ApprovalStatus};
use crate::services::ServiceError;

/// A four-eyes request to store.
pub(crate) struct ApprovalRequest<'a> {
    pub round_id: Uuid,
    pub kind: &'static str,
    /// `(subject_type, subject_id)`.
    pub subject: (&'static str, String),
    /// JSON text of what approval will apply.
    pub payload: String,
    pub reason: &'a str,
    pub requested_by: Uuid,
    pub now: OffsetDateTime,
}

/// The pending request of `kind` about `subject_id`, if any (the database
/// holds at most one, see [`request_approval`]).
///
/// # Errors
/// Storage failures.
pub(crate) async fn pending_about<C: ConnectionTrait>(
    db: &C,
    kind: &str,
    subject_id: &str,
) -> Result<Option<approval::Model>, ServiceError> {
    Ok(approval::Entity::find()
        .filter(approval::Column::Kind.eq(kind))
        .filter(approval::Column::SubjectId.eq(subject_id))
        .filter(approval::Column::Status.eq(ApprovalStatus::Pending))
        .one(db)
        .await?)
}

/// A pending request with the name of the admin who made it, as a page
/// offering its decision to a second admin shows it.
///
/// # Errors
/// Storage failures.
pub(crate) async fn with_requester_name<C: ConnectionTrait>(
    db: &C,
    found: Option<approval::Model>,
) -> Result<Option<(Approval, String)>, ServiceError> {
    let Some(a) = found else {
        return Ok(None);
    };
    let name = account::Entity::find_by_id(a.requested_by)
        .one(db)
        .await?
        .map(|x| x.name)
        .unwrap_or_default();
    Ok(Some((a.into(), name)))
}

/// Stores a pending four-eyes request and returns its id.
///
/// # Errors
/// `Conflict` with `pending_msg` when one is already pending for the same
/// kind and subject; storage failures.
pub(crate) async fn request_approval<C: ConnectionTrait>(
    tx: &C,
    req: ApprovalRequest<'_>,
    pending_msg: crate::domain::msg::Msg,
) -> Result<Uuid, ServiceError> {
    let id = Uuid::now_v7();
    let inserted = approval::ActiveModel {
        id: Set(id),
        round_id: Set(Some(req.round_id)),
        kind: Set(req.kind.into()),
        subject_type: Set(req.subject.0.into()),
        subject_id: Set(req.subject.1),
        payload: Set(req.payload),
        reason: Set(req.reason.to_owned()),
        requested_by: Set(req.requested_by),
        requested_at: Set(req.now),
        status: Set(ApprovalStatus::Pending),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(String::new()),
    }
    .insert(tx)
    .await;
    match inserted {
        Ok(_) => Ok(id),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(ServiceError::conflict(pending_msg))
        }
        Err(e) => Err(e.into()),
    }
}

/// Stores a pending four-eyes request as [`request_approval`] does and
/// appends its `approval.requested` event under the request's round and
/// reason: the payload is `details` (an object: what the deciding admin is
/// shown) with the request's `kind` and `requested_by`, and
/// `registration` names the application concerned, if any.
///
/// # Errors
/// As [`request_approval`].
pub(crate) async fn request_approval_audited(
    tx: &crate::db::WriteTx,
    actor: Actor,
    req: ApprovalRequest<'_>,
    pending_msg: crate::domain::msg::Msg,
    mut details: serde_json::Value,
    registration: Option<String>,
) -> Result<Uuid, ServiceError> {
    let (round_id, kind, reason, admin) = (req.round_id, req.kind, req.reason, req.requested_by);
    let id = request_approval(tx, req, pending_msg).await?;
    details["kind"] = kind.into();
    details["requested_by"] = admin.to_string().into();
    let mut event = NewEvent::new(actor, "approval.requested", "approval", id.to_string())
        .round(round_id)
        .reason(reason)
        .payload(details);
    if let Some(no) = registration {
        event = event.with_registration(no);
    }
    append(tx, event).await?;
    Ok(id)
}

/// The pending request `found`, for `admin` to decide: `NotFound` when
/// there is none, `Forbidden` when `admin` asked for it (four eyes).
///
/// # Errors
/// As said.
pub(crate) fn for_second_admin(
    found: Option<approval::Model>,
    admin: Uuid,
) -> Result<approval::Model, ServiceError> {
    let a = found.ok_or(ServiceError::NotFound)?;
    if a.requested_by == admin {
        return Err(ServiceError::Forbidden);
    }
    Ok(a)
}

/// Decides a pending four-eyes request `a` by `actor`, only if it is still
/// pending (two admins deciding at once: the second finds nothing to
/// decide), and appends `approval.approved` or `approval.rejected`: `event`
/// with its action, round, reason and the names set here (`kind`,
/// `requested_by`, `decided_by`) added to its payload.
///
/// # Errors
/// `NotFound` when the request is no longer pending; storage failures.
pub(crate) async fn settle_approval(
    tx: &crate::db::WriteTx,
    actor: Actor,
    a: &approval::Model,
    approve: bool,
    now: OffsetDateTime,
    note: &str,
    mut event: NewEvent,
) -> Result<audit_event::Model, ServiceError> {
    use sea_orm::sea_query::Expr;
    let decided_by = require_admin(actor)?;
    let updated = approval::Entity::update_many()
        .col_expr(
            approval::Column::Status,
            Expr::value(if approve {
                ApprovalStatus::Approved
            } else {
                ApprovalStatus::Rejected
            }),
        )
        .col_expr(approval::Column::DecidedBy, Expr::value(decided_by))
        .col_expr(approval::Column::DecidedAt, Expr::value(now))
        .col_expr(
            approval::Column::DecisionReason,
            Expr::value(note.trim().to_owned()),
        )
        .filter(approval::Column::Id.eq(a.id))
        .filter(approval::Column::Status.eq(ApprovalStatus::Pending))
        .exec(tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ServiceError::NotFound);
    }
    event.action = if approve {
        "approval.approved"
    } else {
        "approval.rejected"
    };
    event.round_id = a.round_id;
    event.reason = note.trim().to_owned();
    event.payload["kind"] = a.kind.clone().into();
    event.payload["requested_by"] = a.requested_by.to_string().into();
    event.payload["decided_by"] = decided_by.to_string().into();
    Ok(append(tx, event).await?)
}
