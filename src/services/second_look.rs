//! A second look before provisional publication: when a formation's panel
//! scored unreliably (lowest α below .667) or has a member flagged for
//! favouring a group, the round cannot be published by one admin. One admin
//! asks (`approval.requested`, kind [`KIND_PUBLISH`]); a second admin reads
//! the concerns and publishes with a written reason (`approval.approved`,
//! then `round.provisional_published` naming both and the concerns), or
//! refuses. Nothing is corrected automatically: the panel's scores stand.

use sea_orm::{DatabaseConnection, EntityTrait, QuerySelect};
use time::OffsetDateTime;
use uuid::Uuid;

use super::results::{
    ApprovalRequest, for_second_admin, from_round, pending_about, request_approval_audited,
    settle_approval, with_requester_name,
};
use super::self_service::MailCtx;
use super::{ServiceError, require_admin};
use crate::db::audit::{Actor, NewEvent};
use crate::db::begin_write;
use crate::db::entities::{approval, round};
use crate::domain::round::RoundState;

/// The `approval.kind` of a publication after a second look.
pub const KIND_PUBLISH: &str = "round.publish_provisional";

pub use crate::domain::panel_review::MIN_REASON_CHARS;

pub use crate::domain::panel_review::{Marked, SecondLookStatus as Status};

/// The formations of a round that need a second look.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn marked(db: &DatabaseConnection, round_id: Uuid) -> Result<Vec<Marked>, ServiceError> {
    let r = super::panel_review::round_review(db, round_id).await?;
    Ok(r.review
        .formations
        .iter()
        .filter(|f| f.concerns().any())
        .map(|f| Marked {
            code: f.code.clone(),
            name: r
                .formation(&f.code)
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            concerns: f.concerns(),
        })
        .collect())
}

async fn pending<C: sea_orm::ConnectionTrait>(
    db: &C,
    round_id: Uuid,
) -> Result<Option<approval::Model>, ServiceError> {
    pending_about(db, KIND_PUBLISH, &round_id.to_string()).await
}

/// The second-look status of a round for the admin dashboard; the review
/// is computed only while the round is before provisional publication.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn status(db: &DatabaseConnection, round_id: Uuid) -> Result<Status, ServiceError> {
    let state: Option<String> = round::Entity::find_by_id(round_id)
        .select_only()
        .column(round::Column::State)
        .into_tuple()
        .one(db)
        .await?;
    let state = state.ok_or(ServiceError::NotFound)?;
    let before_publication = matches!(
        RoundState::parse(&state),
        Some(RoundState::Verification | RoundState::Assessment)
    );
    let marked = if before_publication {
        marked(db, round_id).await?
    } else {
        Vec::new()
    };
    let pending = with_requester_name(db, pending(db, round_id).await?).await?;
    Ok(Status {
        round_id,
        before_publication,
        marked,
        pending,
    })
}

/// The message refusing a one-admin publication of a marked round.
#[must_use]
pub fn refusal(marked: &[Marked]) -> (String, String) {
    let codes: Vec<&str> = marked.iter().map(|m| m.code.as_str()).collect();
    (
        format!(
            "Hasil sementara belum dapat diumumkan oleh satu admin: formasi {} perlu ditinjau admin kedua (keandalan panel rendah atau ada penilai yang ditandai). Ajukan di dasbor seleksi.",
            codes.join(", ")
        ),
        format!(
            "Provisional results cannot be published by one admin: formation(s) {} need a second admin's look (low panel reliability or a flagged panelist). Request it on the round dashboard.",
            codes.join(", ")
        ),
    )
}

/// One admin asks to publish a marked round; a second must decide.
///
/// # Errors
/// `Forbidden` unless an admin; `Invalid` without a reason; `Conflict` when
/// nothing is marked, the round is not in assessment or a request is pending.
pub async fn request_publication(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    reason: &str,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    let admin = require_admin(actor)?;
    let reason = reason.trim();
    if reason.chars().count() < 5 {
        return Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Tuliskan alasan permintaan pengumuman (minimal 5 karakter).",
            "Write why you ask to publish (at least 5 characters).",
        )));
    }
    let marked = marked(db, round_id).await?;
    if marked.is_empty() {
        return Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Tidak ada formasi yang perlu ditinjau: umumkan hasil sementara seperti biasa.",
            "No formation needs a second look: publish as usual.",
        )));
    }
    let tx = begin_write(db).await?;
    let r = round::Entity::find_by_id(round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if Some(r.state) != Some(RoundState::Assessment) {
        return Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Hasil sementara hanya dapat diumumkan dari tahap uji kelayakan.",
            "Provisional results can only be published from the assessment stage.",
        )));
    }
    let codes: Vec<&str> = marked.iter().map(|m| m.code.as_str()).collect();
    let id = request_approval_audited(
        &tx,
        actor,
        ApprovalRequest {
            round_id,
            kind: KIND_PUBLISH,
            subject: ("round", round_id.to_string()),
            payload: serde_json::json!({ "formations": codes }).to_string(),
            reason,
            requested_by: admin,
            now,
        },
        crate::domain::msg::Msg::new(
            "Permintaan pengumuman hasil sementara sudah menunggu admin kedua.",
            "A publication request already awaits a second admin.",
        ),
        serde_json::json!({ "round_id": round_id.to_string(), "formations": codes }),
        None,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(round.id = %round_id, approval.id = %id, "publication after a second look requested");
    Ok(id)
}

/// A second admin decides the pending request with a written reason.
/// Approval publishes the provisional results in the same transaction (ranks,
/// result mail, signed checkpoint), the publication event naming both admins,
/// the reason and the marked formations.
///
/// # Errors
/// `Forbidden` unless an admin other than the requester; `Invalid` with a
/// reason under [`MIN_REASON_CHARS`]; `NotFound` without a pending request;
/// `Conflict` when the round can no longer be published.
#[expect(
    clippy::too_many_arguments,
    reason = "one use case: who decides what and why, plus the publication's key and mail"
)]
pub async fn decide_publication(
    db: &DatabaseConnection,
    key: &crate::services::checkpoints::CheckpointKey,
    mail: Option<&MailCtx<'_>>,
    actor: Actor,
    round_id: Uuid,
    approve: bool,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let admin = require_admin(actor)?;
    let reason = reason.trim();
    if reason.chars().count() < MIN_REASON_CHARS {
        return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
            format!(
                "Tuliskan alasan keputusan Anda setelah meninjau panel (minimal {MIN_REASON_CHARS} karakter)."
            ),
            format!(
                "Write the reason for your decision after reviewing the panel (at least {MIN_REASON_CHARS} characters)."
            ),
        )));
    }
    let tx = begin_write(db).await?;
    let a = for_second_admin(pending(&tx, round_id).await?, admin)?;
    let r = round::Entity::find_by_id(round_id)
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let formations: serde_json::Value = serde_json::from_str::<serde_json::Value>(&a.payload)
        .unwrap_or_default()["formations"]
        .clone();
    let decided = settle_approval(
        &tx,
        actor,
        &a,
        approve,
        now,
        reason,
        NewEvent::new(actor, "", "approval", a.id.to_string()).payload(serde_json::json!({
            "round_id": round_id.to_string(),
            "formations": formations,
        })),
    )
    .await?;
    if approve {
        let extra = serde_json::json!({
            "approval_id": a.id.to_string(),
            "approval_seq": decided.seq,
            "requested_by": a.requested_by.to_string(),
            "approved_by": admin.to_string(),
            "second_look": formations,
        });
        crate::services::rounds::apply_transition(
            &tx,
            key,
            mail,
            actor,
            r,
            RoundState::Provisional,
            reason,
            now,
            Some(extra),
        )
        .await
        .map_err(from_round)?;
    }
    tx.commit().await?;
    tracing::info!(round.id = %round_id, approved = approve, "publication after a second look decided");
    Ok(())
}
