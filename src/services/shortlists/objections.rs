//! Objections against a published shortlist: whose window is open, and the
//! re-publication an accepted objection causes when it changes the list.
//!
//! A published shortlist may be contested by the candidates it considered,
//! in its own objection window (while the round is in its assessment). The
//! objection then follows the round's objection steps (reviewer, proposal,
//! a second admin's approval); an accepted one reopens the verification.
//! When the re-derived shortlist differs from the published one in any
//! candidate's decision, position or total, it is published again, by the
//! same rule and in the same transaction as the decision:
//! `stage.shortlist_republished` with the whole list (and the objection and
//! the decision that caused it), the entries replaced, the standings
//! re-ranked and a signed checkpoint. The next stage's invitations and
//! scores read the entries, so they follow the current list; those the new
//! list pushes below the cut lose a test invitation they already hold and
//! are told ([`super::dropped`]).

use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::{compute, conflict, event_payload, insert_entries, stages_of};
use crate::db::WriteTx;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::entities::{round, stage_shortlist, stage_shortlist_entry};
use crate::domain::msg::Msg;
use crate::domain::round::RoundState;
use crate::services::ServiceError;
use crate::services::checkpoints::CheckpointKey;
use crate::services::self_service::MailCtx;

pub use crate::domain::objection::OpenWindow;

/// The published shortlist that `application_id` may object to at `now`:
/// one that considered the application and whose objection window is still
/// open, while the round is in its assessment (the latest if several are).
///
/// # Errors
/// Storage failures.
pub async fn open_window<C: ConnectionTrait>(
    conn: &C,
    r: &crate::domain::round::Round,
    application_id: Uuid,
    now: time::OffsetDateTime,
) -> Result<Option<OpenWindow>, ServiceError> {
    if r.state != RoundState::Assessment {
        return Ok(None);
    }
    let mut open: Vec<stage_shortlist::Model> = stage_shortlist::Entity::find()
        .filter(stage_shortlist::Column::RoundId.eq(r.id))
        .all(conn)
        .await?
        .into_iter()
        .filter(|s| now < s.objection_ends_at)
        .collect();
    open.sort_by_key(|s| std::cmp::Reverse(s.event_seq));
    for s in open {
        let considered =
            stage_shortlist_entry::Entity::find_by_id((r.id, s.stage_code.clone(), application_id))
                .one(conn)
                .await?
                .is_some();
        if !considered {
            continue;
        }
        let stage_name = stages_of(conn, r.id)
            .await?
            .into_iter()
            .find(|st| st.code == s.stage_code)
            .map_or_else(
                || Msg::new(s.stage_code.clone(), s.stage_code.clone()),
                |st| Msg::new(st.name_id, st.name_en),
            );
        return Ok(Some(OpenWindow {
            stage_code: s.stage_code,
            stage_name,
            ends_at: s.objection_ends_at,
        }));
    }
    Ok(None)
}

/// What a shortlist says about one candidate.
type Decision = (bool, Option<i32>, Option<String>);

/// Re-derives the shortlist of `stage_code` after the accepted objection
/// `objection_id` (decided by the event `cause_seq`) and re-publishes it
/// when it changed. Returns whether it did. Those it pushes below the cut
/// lose their invitation to the next stage and get a mail, in `tx`.
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
    objection: (Uuid, i64),
) -> Result<bool, ServiceError> {
    let (objection_id, cause_seq) = objection;
    let published = stage_shortlist::Entity::find_by_id((round_id, stage_code.to_owned()))
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let stages = stages_of(tx, round_id).await?;
    let idx = stages
        .iter()
        .position(|s| s.code == stage_code)
        .ok_or(ServiceError::NotFound)?;
    let next = stages.get(idx + 1);
    if let Some(next) = next
        && stage_shortlist::Entity::find_by_id((round_id, next.code.clone()))
            .one(tx)
            .await?
            .is_some()
    {
        return Err(conflict(
            format!(
                "Daftar lolos tahap {} sudah diterbitkan; daftar lolos tahap {stage_code} tidak dapat diubah lagi.",
                next.code
            ),
            format!(
                "The shortlist of stage {} is published; the shortlist of stage {stage_code} can no longer change.",
                next.code
            ),
        ));
    }
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
    payload["objection_id"] = objection_id.to_string().into();
    payload["cause_seq"] = cause_seq.into();
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
    let cause = super::dropped::Cause {
        actor,
        round: &r,
        stage: &stages[idx],
        gates_invitations: stages
            .iter()
            .position(|s| s.scoring == "panel")
            .is_some_and(|panel| idx < panel),
        seq: event.seq,
        objection_id,
    };
    super::dropped::below_the_cut(tx, mail, &cause, &dropped).await?;
    crate::services::checkpoints::record(tx, key, "stage.shortlist_republished").await?;
    tracing::info!(round.id = %round_id, stage = %stage_code, "stage shortlist re-published");
    Ok(true)
}
