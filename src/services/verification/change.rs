//! A change of a sent outcome: one admin asks, a second admin decides
//! (four-eyes).

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, SqlErr,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    Decision, KIND_OVERRIDE, Staff, check_decisions, load_in_scope, record_outcome,
    requirements_of, round_open, uploaded_slots, write_checks,
};
use crate::db::audit::{NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{account, application, approval, round};
use crate::domain::application::ApplicationState;
use crate::domain::approval::ApprovalStatus;
use crate::domain::msg::Msg;
use crate::services::{ServiceError, require_admin};

/// Asks for a change of an outcome already sent: the new decisions wait in an
/// `approval` row for a second admin; `approval.requested` is audited with the
/// written reason. Returns the approval id.
///
/// # Errors
/// `Forbidden` unless an admin; `Invalid` without a reason or with bad
/// decisions; `Conflict` when the application is not verified yet, the round is
/// past verification, or a change is already pending.
pub async fn request_change(
    db: &DatabaseConnection,
    staff: &Staff,
    application_id: Uuid,
    decisions: &[Decision],
    reason: &str,
) -> Result<Uuid, ServiceError> {
    require_admin(staff.actor())?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ServiceError::field(
            "reason",
            Msg::new(
                "Tulis alasan perubahan (maksimal 2000 karakter).",
                "Write the reason for the change (at most 2000 characters).",
            ),
        ));
    }
    let tx = begin_write(db).await?;
    let app = load_in_scope(&tx, staff, application_id).await?;
    let r = round::Entity::find_by_id(app.round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    round_open(&r)?;
    if app.state == ApplicationState::Submitted {
        return Err(ServiceError::Conflict(Msg::new(
            "Aplikasi ini belum diverifikasi; verifikasi langsung saja.",
            "This application is not verified yet; verify it directly.",
        )));
    }
    let requirements = requirements_of(&tx, r.id).await?;
    let uploaded = uploaded_slots(&tx, app.id).await?;
    check_decisions(&requirements, &uploaded, decisions)?;
    let id = Uuid::now_v7();
    let inserted = approval::ActiveModel {
        id: Set(id),
        round_id: Set(Some(r.id)),
        kind: Set(KIND_OVERRIDE.into()),
        subject_type: Set("application".into()),
        subject_id: Set(app.id.to_string()),
        payload: Set(
            serde_json::to_string(decisions).map_err(|e| ServiceError::Internal(e.into()))?
        ),
        reason: Set(reason.to_owned()),
        requested_by: Set(staff.id),
        requested_at: Set(OffsetDateTime::now_utc()),
        status: Set(ApprovalStatus::Pending),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(String::new()),
    }
    .insert(&tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(ServiceError::Conflict(Msg::new(
                "Sudah ada permintaan perubahan yang menunggu persetujuan.",
                "A change request already awaits approval.",
            )));
        }
        Err(e) => return Err(e.into()),
    }
    let mut event = NewEvent::new(
        staff.actor(),
        "approval.requested",
        "approval",
        id.to_string(),
    )
    .round(r.id)
    .reason(reason)
    .payload(serde_json::json!({
        "kind": KIND_OVERRIDE,
        "application_id": app.id.to_string(),
        "registration_no": app.registration_no.clone().unwrap_or_default(),
        "requested_by": staff.id.to_string(),
    }));
    event.registration_no = app.registration_no.clone();
    event.kelurahan_code = app.kelurahan_code.clone();
    append(&tx, event).await?;
    tx.commit().await?;
    tracing::info!(approval.id = %id, "verification change requested");
    Ok(id)
}

pub use crate::domain::verification::PendingApproval;

/// Every pending verification change, oldest first.
///
/// # Errors
/// `Forbidden` unless an admin; storage failures.
pub async fn pending(
    db: &DatabaseConnection,
    staff: &Staff,
) -> Result<Vec<PendingApproval>, ServiceError> {
    require_admin(staff.actor())?;
    let rows = approval::Entity::find()
        .filter(approval::Column::Kind.eq(KIND_OVERRIDE))
        .filter(approval::Column::Status.eq(ApprovalStatus::Pending))
        .order_by_asc(approval::Column::RequestedAt)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for a in rows {
        let application_id: Uuid = a.subject_id.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        let app = application::Entity::find_by_id(application_id)
            .one(db)
            .await?;
        let who = account::Entity::find_by_id(a.requested_by).one(db).await?;
        let decisions: Vec<Decision> = serde_json::from_str(&a.payload).unwrap_or_default();
        let codes: HashMap<Uuid, String> = match &app {
            Some(app) => requirements_of(db, app.round_id)
                .await?
                .into_iter()
                .map(|q| (q.id, q.code))
                .collect(),
            None => HashMap::new(),
        };
        out.push(PendingApproval {
            id: a.id,
            application_id: Some(application_id),
            registration_no: app.and_then(|x| x.registration_no).unwrap_or_default(),
            requested_by_name: who.map(|w| w.name).unwrap_or_default(),
            requested_by: a.requested_by,
            reason: a.reason,
            requested_at: a.requested_at,
            tms: decisions
                .iter()
                .filter(|d| d.tms)
                .filter_map(|d| codes.get(&d.requirement_id).cloned())
                .collect(),
            change: None,
        });
    }
    for c in crate::services::input_approvals::pending(db).await? {
        let who = account::Entity::find_by_id(c.approval.requested_by)
            .one(db)
            .await?;
        out.push(PendingApproval {
            id: c.approval.id,
            application_id: c.application_id,
            registration_no: c.subject,
            requested_by_name: who.map(|w| w.name).unwrap_or_default(),
            requested_by: c.approval.requested_by,
            reason: c.approval.reason,
            requested_at: c.approval.requested_at,
            tms: Vec::new(),
            change: Some(c.change),
        });
    }
    Ok(out)
}

/// Approves or rejects a pending change. Approval (by an admin other than the
/// requester) writes the new checks and state, `approval.approved` and
/// `application.verification_changed` (naming both admins) and mails the new
/// outcome; rejection writes `approval.rejected`. One transaction.
///
/// # Errors
/// `Forbidden` unless an admin, and for the requester deciding their own
/// request (the database refuses it too); `NotFound` for an unknown or
/// already decided request; `Conflict` when the round is past verification.
pub async fn decide(
    db: &DatabaseConnection,
    mail: &crate::services::self_service::MailCtx<'_>,
    key: &crate::services::checkpoints::CheckpointKey,
    staff: &Staff,
    approval_id: Uuid,
    approve: bool,
    decision_reason: &str,
) -> Result<(), ServiceError> {
    require_admin(staff.actor())?;
    // The approvals page decides every pending four-eyes change of a ranking input.
    let kind = approval::Entity::find_by_id(approval_id)
        .one(db)
        .await?
        .map(|a| a.kind);
    if kind
        .as_deref()
        .is_some_and(crate::services::input_approvals::is_input_change)
    {
        return crate::services::input_approvals::decide(
            db,
            mail,
            key,
            staff.actor(),
            approval_id,
            approve,
            decision_reason,
        )
        .await;
    }
    let tx = begin_write(db).await?;
    let a = approval::Entity::find_by_id(approval_id)
        .one(&tx)
        .await?
        .filter(|a| a.status == ApprovalStatus::Pending && a.kind == KIND_OVERRIDE)
        .ok_or(ServiceError::NotFound)?;
    if a.requested_by == staff.id {
        return Err(ServiceError::Forbidden);
    }
    let application_id: Uuid = a.subject_id.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let app = application::Entity::find_by_id(application_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let now = OffsetDateTime::now_utc();
    let status = if approve {
        ApprovalStatus::Approved
    } else {
        ApprovalStatus::Rejected
    };
    let updated = approval::Entity::update_many()
        .col_expr(
            approval::Column::Status,
            sea_orm::sea_query::Expr::value(status),
        )
        .col_expr(
            approval::Column::DecidedBy,
            sea_orm::sea_query::Expr::value(staff.id),
        )
        .col_expr(
            approval::Column::DecidedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            approval::Column::DecisionReason,
            sea_orm::sea_query::Expr::value(decision_reason.trim().to_owned()),
        )
        .filter(approval::Column::Id.eq(a.id))
        .filter(approval::Column::Status.eq(ApprovalStatus::Pending))
        .exec(&tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ServiceError::NotFound);
    }
    let registration_no = app.registration_no.clone().unwrap_or_default();
    let names = serde_json::json!({
        "kind": KIND_OVERRIDE,
        "registration_no": registration_no,
        "requested_by": a.requested_by.to_string(),
        "decided_by": staff.id.to_string(),
    });
    let mut event = NewEvent::new(
        staff.actor(),
        if approve {
            "approval.approved"
        } else {
            "approval.rejected"
        },
        "approval",
        a.id.to_string(),
    )
    .reason(decision_reason.trim())
    .payload(names);
    event.round_id = a.round_id;
    event.registration_no = app.registration_no.clone();
    event.kelurahan_code = app.kelurahan_code.clone();
    let decided = append(&tx, event).await?;
    if approve {
        let r = round::Entity::find_by_id(app.round_id)
            .one(&tx)
            .await?
            .ok_or(ServiceError::NotFound)?;
        round_open(&r)?;
        let decisions: Vec<Decision> =
            serde_json::from_str(&a.payload).map_err(|e| anyhow::anyhow!(e))?;
        let requirements = requirements_of(&tx, r.id).await?;
        let w = write_checks(
            &tx,
            mail.vault,
            &app,
            &r,
            &requirements,
            &decisions,
            a.requested_by,
        )
        .await?;
        let event = NewEvent::new(
            staff.actor(),
            "application.verification_changed",
            "application",
            app.id.to_string(),
        )
        .round(r.id)
        .reason(a.reason.clone())
        .payload(serde_json::json!({
            "registration_no": registration_no,
            "from": app.state,
            "outcome": if w.eligible { "eligible" } else { "ineligible" },
            "tms": w.tms_codes,
            "approval_id": a.id.to_string(),
            "approval_seq": decided.seq,
            "requested_by": a.requested_by.to_string(),
            "approved_by": staff.id.to_string(),
        }));
        // An eligibility overturned or imposed re-ranks the formation, with
        // the change as cause.
        record_outcome(&tx, event, mail.from, mail.vault, &app, &r, &w).await?;
    }
    tx.commit().await?;
    tracing::info!(approval.id = %a.id, approved = approve, "verification change decided");
    Ok(())
}
