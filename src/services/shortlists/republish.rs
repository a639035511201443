//! Publishing a stage's shortlist again, when something it was decided on
//! changed: an upheld objection against it (the verification reopened) or
//! a four-eyes correction of the stage's imported values. Both go through
//! [`republish`], in the transaction of the decision that caused it.
//!
//! When the re-derived shortlist differs from the published one in any
//! candidate's decision, position or total, it is published again, by the
//! same rule: `stage.shortlist_republished` with the whole list (and what
//! caused it), the entries replaced, the standings re-ranked and a signed
//! checkpoint. The next stage's invitations and scores read the entries, so
//! they follow the current list; those the new list pushes below the cut
//! lose a test invitation they already hold and are told
//! ([`super::dropped`]). Once the next stage's own shortlist is published
//! the list can no longer change ([`next_published`]): that one was decided
//! among those who went on from this one.

use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::{compute, conflict, event_payload, insert_entries, stages_of};
use crate::db::WriteTx;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::entities::{round, stage_shortlist, stage_shortlist_entry};
use crate::services::ServiceError;
use crate::services::checkpoints::CheckpointKey;
use crate::services::self_service::MailCtx;

/// What made a published shortlist be derived again; named in
/// `stage.shortlist_republished` and in each `stage.dropped`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// An upheld objection against the shortlist, decided by the
    /// `objection.decided` event `seq`.
    Objection { id: Uuid, seq: i64 },
    /// A correction of the stage's imported values, released by a second
    /// admin's `approval.approved` event `seq`.
    Correction { approval_id: Uuid, seq: i64 },
}

impl Cause {
    /// The event that caused the re-publication.
    #[must_use]
    pub fn seq(self) -> i64 {
        match self {
            Cause::Objection { seq, .. } | Cause::Correction { seq, .. } => seq,
        }
    }

    /// Names the objection or the approval in an event's payload
    /// (`objection_id` or `approval_id`).
    pub(super) fn name_in(self, payload: &mut serde_json::Value) {
        match self {
            Cause::Objection { id, .. } => payload["objection_id"] = id.to_string().into(),
            Cause::Correction { approval_id, .. } => {
                payload["approval_id"] = approval_id.to_string().into();
            }
        }
    }
}

/// The stage after `stage_code` whose shortlist is already published, if
/// any: then the shortlist of `stage_code` can no longer change, whatever
/// would change it.
///
/// # Errors
/// Storage failures.
pub async fn next_published<C: ConnectionTrait>(
    conn: &C,
    round_id: Uuid,
    stage_code: &str,
) -> Result<Option<String>, ServiceError> {
    let stages = stages_of(conn, round_id).await?;
    let Some(next) = stages
        .iter()
        .position(|s| s.code == stage_code)
        .and_then(|i| stages.get(i + 1))
    else {
        return Ok(None);
    };
    Ok(
        stage_shortlist::Entity::find_by_id((round_id, next.code.clone()))
            .one(conn)
            .await?
            .map(|_| next.code.clone()),
    )
}

/// Refuses (`Conflict`) once the shortlist of the stage after `stage_code`
/// is published ([`next_published`]). Both the re-publication and the
/// reviewer's proposal to uphold an objection against the shortlist ask
/// here, so a proposal that could never be approved is not stored either.
///
/// # Errors
/// `Conflict` as above; storage failures.
pub async fn still_changeable<C: ConnectionTrait>(
    conn: &C,
    round_id: Uuid,
    stage_code: &str,
) -> Result<(), ServiceError> {
    match next_published(conn, round_id, stage_code).await? {
        Some(next) => Err(conflict(
            format!(
                "Daftar lolos tahap {next} sudah diterbitkan; daftar lolos tahap {stage_code} tidak dapat diubah lagi."
            ),
            format!(
                "The shortlist of stage {next} is published; the shortlist of stage {stage_code} can no longer change."
            ),
        )),
        None => Ok(()),
    }
}

/// What a shortlist says about one candidate.
type Decision = (bool, Option<i32>, Option<String>);

/// Re-derives the shortlist of `stage_code` after `cause` (already
/// recorded in `tx`) and re-publishes it when it changed. Returns whether
/// it did. Those it pushes below the cut lose their invitation to the next
/// stage and get a mail, in `tx`.
///
/// # Errors
/// `NotFound` when the stage has no published shortlist; `Conflict` when
/// the next stage's shortlist is already published (it was decided among
/// those who went on from this one); storage failures.
pub async fn republish(
    tx: &WriteTx,
    mail: &MailCtx<'_>,
    key: &CheckpointKey,
    actor: Actor,
    round_id: Uuid,
    stage_code: &str,
    cause: Cause,
) -> Result<bool, ServiceError> {
    let published = stage_shortlist::Entity::find_by_id((round_id, stage_code.to_owned()))
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let stages = stages_of(tx, round_id).await?;
    let idx = stages
        .iter()
        .position(|s| s.code == stage_code)
        .ok_or(ServiceError::NotFound)?;
    still_changeable(tx, round_id, stage_code).await?;
    let lists = compute(tx, round_id, stage_code).await?;
    let before: BTreeMap<Uuid, Decision> = stage_shortlist_entry::Entity::find()
        .filter(stage_shortlist_entry::Column::RoundId.eq(round_id))
        .filter(stage_shortlist_entry::Column::StageCode.eq(stage_code))
        .all(tx)
        .await?
        .into_iter()
        .map(|e| (e.application_id, (e.advances, e.position, e.total_exact)))
        .collect();
    let after: BTreeMap<Uuid, Decision> = lists
        .iter()
        .flat_map(|f| &f.entries)
        .map(|e| {
            (
                e.application_id,
                (
                    e.advances,
                    e.position.and_then(|p| i32::try_from(p).ok()),
                    e.total_exact.clone(),
                ),
            )
        })
        .collect();
    if before == after {
        return Ok(false);
    }
    let dropped: Vec<Uuid> = before
        .iter()
        .filter(|(id, (went_on, ..))| *went_on && !after.get(id).is_some_and(|a| a.0))
        .map(|(id, _)| *id)
        .collect();
    stage_shortlist_entry::Entity::delete_many()
        .filter(stage_shortlist_entry::Column::RoundId.eq(round_id))
        .filter(stage_shortlist_entry::Column::StageCode.eq(stage_code))
        .exec(tx)
        .await?;
    insert_entries(tx, round_id, stage_code, &lists).await?;
    let mut payload = event_payload(stage_code, published.objection_ends_at, &lists)?;
    cause.name_in(&mut payload);
    payload["cause_seq"] = cause.seq().into();
    payload["replaces_seq"] = published.event_seq.into();
    let event = append(
        tx,
        NewEvent::new(
            actor,
            "stage.shortlist_republished",
            "round",
            round_id.to_string(),
        )
        .round(round_id)
        .payload(payload),
    )
    .await?;
    stage_shortlist::ActiveModel {
        round_id: Set(round_id),
        stage_code: Set(stage_code.to_owned()),
        event_seq: Set(event.seq),
        ..Default::default()
    }
    .update(tx)
    .await?;
    for f in &lists {
        crate::services::standings::recompute_formation(tx, f.formation_id, event.seq).await?;
    }
    let r = round::Entity::find_by_id(round_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let by = super::dropped::Cause {
        actor,
        round: &r,
        stage: &stages[idx],
        gates_invitations: stages
            .iter()
            .position(|s| s.scoring == "panel")
            .is_some_and(|panel| idx < panel),
        seq: event.seq,
        why: cause,
    };
    super::dropped::below_the_cut(tx, mail, &by, &dropped).await?;
    crate::services::checkpoints::record(tx, key, "stage.shortlist_republished").await?;
    tracing::info!(round.id = %round_id, stage = %stage_code, "stage shortlist re-published");
    Ok(true)
}
