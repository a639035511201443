//! Published results: the public
//! results of a round read from the stored `ranking` rows (never recomputed
//! for display), the result e-mails of a publication, and finalization behind
//! a four-eyes approval.
//!
//! Publication itself is the round's transition to `provisional`
//! ([`crate::services::rounds::transition_mailing`]), which calls
//! [`mail_results`] in its transaction; finalization is
//! [`request_finalization`] by one admin and [`approve_finalization`] by
//! another, whose transaction moves the round to `final`, mails the final
//! results and signs the final checkpoint.

mod approvals;
mod finalization;
mod mailing;
mod public;
pub(crate) use approvals::{
    ApprovalRequest, for_second_admin, pending_about, request_approval, request_approval_audited,
    settle_approval, with_requester_name,
};
pub(crate) use finalization::from_round;
pub use finalization::{decide_finalization, pending_finalization, request_finalization};
pub use mailing::{mail_results, recipient, recipients};
pub use public::{
    FormationResults, PublicDecision, PublishedCheckpoint, ResultRow, RoundResults,
    formation_results, public_decisions, published_round, round_checkpoints, round_results,
};

/// A four-eyes approval as stored.
pub use crate::domain::approval::Approval;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ServiceError, require_admin};
use crate::db::audit::Actor;
use crate::db::entities::{objection, round};
use crate::domain::objection::ObjectionStatus;

/// The `approval.kind` of a finalization request.
pub const KIND_FINALIZE: &str = "round.finalize";

pub use crate::domain::results::Overview;

/// The admin's overview of a round's results, objections and finalization.
///
/// # Errors
/// `Forbidden` unless an admin; `NotFound` for an unknown round.
pub async fn overview(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    now: OffsetDateTime,
) -> Result<Overview, ServiceError> {
    require_admin(actor)?;
    let r = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let open: Vec<objection::Model> = objection::Entity::find()
        .filter(objection::Column::RoundId.eq(r.id))
        .filter(objection::Column::Status.is_not_in(ObjectionStatus::DECIDED))
        .all(db)
        .await?;
    let pending = with_requester_name(db, pending_finalization(db, r.id).await?).await?;
    Ok(Overview {
        checkpoints: round_checkpoints(db, r.id).await?,
        open_objections: open.len(),
        overdue_objections: open.iter().filter(|o| now > o.deadline_at).count(),
        pending,
        round: r.into(),
    })
}
