//! Finalization of a round behind a four-eyes approval: the request, the
//! check that nothing blocks it, and the decision that moves the round to
//! `final`.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    ApprovalRequest, KIND_FINALIZE, for_second_admin, pending_about, request_approval_audited,
    require_admin, settle_approval,
};
use crate::db::audit::{Actor, NewEvent};
use crate::db::begin_write;
use crate::db::entities::{approval, objection, round};
use crate::domain::objection::ObjectionStatus;
use crate::domain::round::RoundState;
use crate::services::ServiceError;
use crate::services::self_service::MailCtx;

fn invalid(id: &str, en: &str) -> ServiceError {
    ServiceError::invalid(crate::domain::msg::Msg::new(id, en))
}

/// The pending finalization request of a round, if any.
///
/// # Errors
/// Storage failures.
pub async fn pending_finalization<C: ConnectionTrait>(
    db: &C,
    round_id: Uuid,
) -> Result<Option<approval::Model>, ServiceError> {
    pending_about(db, KIND_FINALIZE, &round_id.to_string()).await
}

/// Refuses finalization while the round is not in its objection period, an
/// objection is undecided or the schedule does not allow it yet.
async fn check_finalizable<C: ConnectionTrait>(
    tx: &C,
    r: &round::Model,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let from = Some(r.state)
        .ok_or_else(|| anyhow::anyhow!("round {} has unknown state {}", r.id, r.state))?;
    crate::domain::round::check_transition(from, RoundState::Final, &r.schedule(), now)
        .map_err(ServiceError::Conflict)?;
    let open = objection::Entity::find()
        .filter(objection::Column::RoundId.eq(r.id))
        .filter(objection::Column::Status.is_not_in(ObjectionStatus::DECIDED))
        .count(tx)
        .await?;
    if open > 0 {
        return Err(ServiceError::conflict(crate::domain::msg::Msg::new(
            format!("Masih ada {open} sanggahan yang belum diputus; hasil belum dapat ditetapkan."),
            format!(
                "{open} objection(s) are still undecided; the results cannot be made final yet."
            ),
        )));
    }
    Ok(())
}

/// A round service's refusal of the form as a whole, for a use case with no
/// form: its messages as one conflict.
pub(crate) fn from_round(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Fields(_) => ServiceError::Conflict(e.refusal().unwrap_or_default()),
        other => other,
    }
}

/// One admin asks to finalize a round's results; another must approve
/// ([`approve_finalization`]). Returns the approval id.
///
/// # Errors
/// `Forbidden` unless an admin; `Invalid` without a reason; `Conflict` when
/// the round cannot be finalized yet or a request is already pending.
pub async fn request_finalization(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    reason: &str,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    let admin = require_admin(actor)?;
    let reason = reason.trim();
    if reason.chars().count() < 5 {
        return Err(invalid(
            "Tuliskan dasar penetapan hasil akhir (minimal 5 karakter).",
            "Write the grounds for the final results (at least 5 characters).",
        ));
    }
    let tx = begin_write(db).await?;
    let r = round::Entity::find_by_id(round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    check_finalizable(&tx, &r, now).await?;
    let id = request_approval_audited(
        &tx,
        actor,
        ApprovalRequest {
            round_id: r.id,
            kind: KIND_FINALIZE,
            subject: ("round", r.id.to_string()),
            payload: "{}".into(),
            reason,
            requested_by: admin,
            now,
        },
        crate::domain::msg::Msg::new(
            "Permintaan penetapan hasil akhir sudah menunggu persetujuan.",
            "A request to make the results final already awaits approval.",
        ),
        serde_json::json!({ "round_id": r.id.to_string() }),
        None,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(round.id = %r.id, approval.id = %id, "finalization requested");
    Ok(id)
}

/// A second admin approves (or rejects) the pending finalization request.
/// Approval, in one transaction: `approval.approved`, the round moves to
/// `final` (`round.finalized`, naming both admins), the final result
/// e-mails are queued and the final checkpoint is signed over all of it.
/// From then on no score, eligibility or objection can change.
///
/// # Errors
/// `Forbidden` unless an admin other than the requester; `NotFound` without
/// a pending request; `Conflict` when the round can no longer be finalized.
pub async fn decide_finalization(
    db: &DatabaseConnection,
    key: &crate::services::checkpoints::CheckpointKey,
    mail: &MailCtx<'_>,
    actor: Actor,
    round_id: Uuid,
    approve: bool,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let admin = require_admin(actor)?;
    let tx = begin_write(db).await?;
    let a = for_second_admin(pending_finalization(&tx, round_id).await?, admin)?;
    let r = round::Entity::find_by_id(round_id)
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if approve {
        check_finalizable(&tx, &r, now).await?;
    }
    let decided = settle_approval(
        &tx,
        actor,
        &a,
        approve,
        now,
        "",
        NewEvent::new(actor, "", "approval", a.id.to_string())
            .payload(serde_json::json!({ "round_id": r.id.to_string() })),
    )
    .await?;
    if approve {
        let extra = serde_json::json!({
            "approval_id": a.id.to_string(),
            "approval_seq": decided.seq,
            "requested_by": a.requested_by.to_string(),
            "approved_by": admin.to_string(),
        });
        crate::services::rounds::apply_transition(
            &tx,
            key,
            Some(mail),
            actor,
            r,
            RoundState::Final,
            &a.reason,
            now,
            Some(extra),
        )
        .await
        .map_err(from_round)?;
    }
    tx.commit().await?;
    tracing::info!(round.id = %round_id, approved = approve, "finalization decided");
    Ok(())
}
