//! Shortlists of a staged round: who goes on from a stage
//! ([`crate::domain::stage::shortlist`]), computed from the stored values of
//! the stage's criteria, published once per stage with a signed checkpoint,
//! and the gate that keeps everyone else out of the next stage.
//!
//! Publishing is one transaction: the entries, one
//! `stage.shortlist_published` event per stage (every formation's decisions
//! with exact totals, so the trail alone re-derives them), the stage's
//! objection window, the standings re-ranked (the published shortlist is
//! the gate the final ranking reads) and a checkpoint that covers the event.

mod dropped;
mod objections;
mod republish;
pub use objections::{OpenWindow, open_window};
pub use republish::{Cause, next_published, republish, still_changeable};

use std::collections::BTreeSet;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::ServiceError;
use super::checkpoints::CheckpointKey;
use super::standings::stage_inputs;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    criterion, formation, round, round_stage, stage_shortlist, stage_shortlist_entry,
};
use crate::domain::msg::Msg;
use crate::domain::ranking::{self as rk, format_fraction};
use crate::domain::round::RoundState;
use crate::domain::stage::{AdvanceRule, Candidate, shortlist};

/// How long the objection window of a published shortlist stays open.
pub const OBJECTION_DAYS: i64 = 3;

/// One candidate's shortlist decision in a formation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub application_id: Uuid,
    pub registration_no: String,
    pub advances: bool,
    pub position: Option<u32>,
    /// `p/q`, `None` when incomplete or not eligible.
    pub total_exact: Option<String>,
}

/// The shortlist of one formation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormationShortlist {
    pub formation_id: Uuid,
    pub formation_code: String,
    pub seats: u32,
    pub entries: Vec<Entry>,
}

fn conflict(id: impl Into<String>, en: impl Into<String>) -> ServiceError {
    ServiceError::Conflict(Msg::new(id, en))
}

async fn stages_of<C: ConnectionTrait>(
    conn: &C,
    round_id: Uuid,
) -> Result<Vec<round_stage::Model>, ServiceError> {
    Ok(round_stage::Entity::find()
        .filter(round_stage::Column::RoundId.eq(round_id))
        .order_by_asc(round_stage::Column::Position)
        .all(conn)
        .await?)
}

/// The applications that went on from `stage_code` (its published entries
/// with `advances`).
async fn advanced<C: ConnectionTrait>(
    conn: &C,
    round_id: Uuid,
    stage_code: &str,
) -> Result<BTreeSet<Uuid>, ServiceError> {
    Ok(stage_shortlist_entry::Entity::find()
        .filter(stage_shortlist_entry::Column::RoundId.eq(round_id))
        .filter(stage_shortlist_entry::Column::StageCode.eq(stage_code))
        .filter(stage_shortlist_entry::Column::Advances.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| e.application_id)
        .collect())
}

/// Computes the shortlist of a stage that has a rule for who goes on, per
/// formation, from the stored values of its criteria; from the second stage
/// on only those who went on from the stage before are considered.
///
/// # Errors
/// `NotFound` for an unknown round or stage; `Invalid` for the last stage
/// (it has no shortlist); storage failures.
pub async fn compute<C: ConnectionTrait>(
    conn: &C,
    round_id: Uuid,
    stage_code: &str,
) -> Result<Vec<FormationShortlist>, ServiceError> {
    let stages = stages_of(conn, round_id).await?;
    let idx = stages
        .iter()
        .position(|s| s.code == stage_code)
        .ok_or(ServiceError::NotFound)?;
    let stage = &stages[idx];
    let rule = AdvanceRule {
        top_k: stage.advance_top_k.and_then(|k| u32::try_from(k).ok()),
        passing_total: stage
            .advance_passing_total
            .and_then(|t| u32::try_from(t).ok()),
    };
    if rule.top_k.is_none() && rule.passing_total.is_none() {
        return Err(ServiceError::Invalid(Msg::new(
            format!(
                "Tahap {stage_code} adalah tahap terakhir; hasilnya peringkat akhir, bukan daftar lolos."
            ),
            format!(
                "Stage {stage_code} is the last stage; its result is the final ranking, not a shortlist."
            ),
        )));
    }
    let earlier = match idx.checked_sub(1).and_then(|i| stages.get(i)) {
        Some(prev) => Some(advanced(conn, round_id, &prev.code).await?),
        None => None,
    };
    let formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .order_by_asc(formation::Column::Code)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(formations.len());
    for f in formations {
        let (rules, rk_formation, apps) = stage_inputs(conn, f.id, stage_code).await?;
        let apps: Vec<(Uuid, rk::Application)> = apps
            .into_iter()
            .filter(|(id, _)| earlier.as_ref().is_none_or(|e| e.contains(id)))
            .collect();
        let domain_apps: Vec<rk::Application> = apps.iter().map(|(_, a)| a.clone()).collect();
        let outcomes = rk::rank_formation(&rules, &rk_formation, &domain_apps)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("stage ranking: {e}")))?;
        let candidates: Vec<Candidate> = outcomes
            .iter()
            .map(|o| Candidate::from_outcome(&rules, o))
            .collect();
        let decisions = shortlist(&rule, rk_formation.seats, &candidates);
        let entries = decisions
            .into_iter()
            .filter_map(|d| {
                let (id, _) = apps
                    .iter()
                    .find(|(_, a)| a.registration_no == d.registration_no)?;
                let total = candidates
                    .iter()
                    .find(|c| c.registration_no == d.registration_no)
                    .and_then(|c| c.total.as_ref())
                    .map(format_fraction);
                Some(Entry {
                    application_id: *id,
                    registration_no: d.registration_no,
                    advances: d.advances,
                    position: d.position,
                    total_exact: total,
                })
            })
            .collect();
        out.push(FormationShortlist {
            formation_id: f.id,
            formation_code: f.code,
            seats: rk_formation.seats,
            entries,
        });
    }
    Ok(out)
}

/// Publishes the shortlist of a stage (`stage.shortlist_published`, then a
/// signed checkpoint) and opens its objection window of [`OBJECTION_DAYS`].
/// Returns the shortlist as published.
///
/// # Errors
/// `Forbidden` for anyone but an admin; `NotFound`; `Conflict` outside the
/// assessment, when the stage was already published or the stage before it
/// was not; `Invalid` for the last stage; storage failures.
pub async fn publish(
    db: &DatabaseConnection,
    key: &CheckpointKey,
    actor: Actor,
    round_id: Uuid,
    stage_code: &str,
    now: OffsetDateTime,
) -> Result<Vec<FormationShortlist>, ServiceError> {
    super::require_admin_or_platform(actor)?;
    let tx = begin_write(db).await?;
    let r = round::Entity::find_by_id(round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if r.state != RoundState::Assessment {
        return Err(conflict(
            "Daftar lolos tahap hanya diterbitkan selama tahap penilaian.",
            "A stage shortlist is published only during the assessment.",
        ));
    }
    let stages = stages_of(&tx, round_id).await?;
    let idx = stages
        .iter()
        .position(|s| s.code == stage_code)
        .ok_or(ServiceError::NotFound)?;
    let published: BTreeSet<String> = stage_shortlist::Entity::find()
        .filter(stage_shortlist::Column::RoundId.eq(round_id))
        .all(&tx)
        .await?
        .into_iter()
        .map(|s| s.stage_code)
        .collect();
    if published.contains(stage_code) {
        return Err(conflict(
            format!("Daftar lolos tahap {stage_code} sudah diterbitkan."),
            format!("The shortlist of stage {stage_code} was already published."),
        ));
    }
    if let Some(prev) = idx.checked_sub(1).and_then(|i| stages.get(i))
        && !published.contains(&prev.code)
    {
        return Err(conflict(
            format!("Terbitkan dahulu daftar lolos tahap {}.", prev.code),
            format!("Publish the shortlist of stage {} first.", prev.code),
        ));
    }
    let lists = compute(&tx, round_id, stage_code).await?;
    let objection_ends_at = now + Duration::days(OBJECTION_DAYS);
    let payload = event_payload(stage_code, objection_ends_at, &lists)?;
    let event = append(
        &tx,
        NewEvent::new(
            actor,
            "stage.shortlist_published",
            "round",
            round_id.to_string(),
        )
        .round(round_id)
        .payload(payload),
    )
    .await?;
    stage_shortlist::Entity::insert(stage_shortlist::ActiveModel {
        round_id: Set(round_id),
        stage_code: Set(stage_code.to_owned()),
        event_seq: Set(event.seq),
        published_at: Set(now),
        objection_ends_at: Set(objection_ends_at),
    })
    .exec(&tx)
    .await?;
    insert_entries(&tx, round_id, stage_code, &lists).await?;
    // Those who did not go on are decided now (not passed); the gate is
    // what the final ranking reads.
    for f in &lists {
        super::standings::recompute_formation(&tx, f.formation_id, event.seq).await?;
    }
    super::checkpoints::record(&tx, key, "stage.shortlist_published").await?;
    tx.commit().await?;
    tracing::info!(round.id = %round_id, stage = %stage_code, "stage shortlist published");
    Ok(lists)
}

/// The payload of a shortlist's publication: every formation's decisions
/// with exact totals, so the trail alone re-derives them.
fn event_payload(
    stage_code: &str,
    objection_ends_at: OffsetDateTime,
    lists: &[FormationShortlist],
) -> Result<serde_json::Value, ServiceError> {
    Ok(serde_json::json!({
        "stage": stage_code,
        "objection_ends_at": objection_ends_at
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("{e}")))?,
        "formations": lists.iter().map(|f| serde_json::json!({
            "code": f.formation_code,
            "seats": f.seats,
            "entries": f.entries.iter().map(|e| serde_json::json!({
                "registration_no": e.registration_no,
                "advances": if e.advances { "yes" } else { "no" },
                "position": e.position.map_or_else(|| serde_json::json!(""), |p| serde_json::json!(p)),
                "total_exact": e.total_exact.clone().unwrap_or_default(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    }))
}

async fn insert_entries<C: ConnectionTrait>(
    tx: &C,
    round_id: Uuid,
    stage_code: &str,
    lists: &[FormationShortlist],
) -> Result<(), ServiceError> {
    let rows: Vec<stage_shortlist_entry::ActiveModel> = lists
        .iter()
        .flat_map(|f| {
            f.entries
                .iter()
                .map(|e| stage_shortlist_entry::ActiveModel {
                    round_id: Set(round_id),
                    stage_code: Set(stage_code.to_owned()),
                    application_id: Set(e.application_id),
                    formation_id: Set(f.formation_id),
                    registration_no: Set(e.registration_no.clone()),
                    advances: Set(e.advances),
                    position: Set(e.position.and_then(|p| i32::try_from(p).ok())),
                    total_exact: Set(e.total_exact.clone()),
                })
        })
        .collect();
    for chunk in rows.chunks(500) {
        stage_shortlist_entry::Entity::insert_many(chunk.to_vec())
            .exec(tx)
            .await?;
    }
    Ok(())
}

pub use crate::domain::stage::Published;

/// The stage each application of a staged round has reached, as
/// `rankings.csv`'s `stage_code` says it: the first stage from whose
/// published shortlist it did not go on (a stage not published yet counts
/// as not gone on from), else the last. What a published score or rank of
/// the application belongs to.
#[derive(Clone, Debug, Default)]
pub struct Reached {
    codes: Vec<String>,
    went_on: BTreeSet<(String, Uuid)>,
}

impl Reached {
    /// The stage `application_id` reached; `None` in a one-stage round.
    #[must_use]
    pub fn of(&self, application_id: Uuid) -> Option<String> {
        let (last, earlier) = self.codes.split_last()?;
        Some(
            earlier
                .iter()
                .find(|code| !self.went_on.contains(&((*code).clone(), application_id)))
                .unwrap_or(last)
                .clone(),
        )
    }
}

/// The stages reached in round `round_id` ([`Reached`]).
///
/// # Errors
/// Storage failures.
pub async fn reached<C: ConnectionTrait>(
    conn: &C,
    round_id: Uuid,
) -> Result<Reached, sea_orm::DbErr> {
    let codes: Vec<String> = round_stage::Entity::find()
        .filter(round_stage::Column::RoundId.eq(round_id))
        .order_by_asc(round_stage::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|s| s.code)
        .collect();
    if codes.is_empty() {
        return Ok(Reached::default());
    }
    let went_on = stage_shortlist_entry::Entity::find()
        .filter(stage_shortlist_entry::Column::RoundId.eq(round_id))
        .filter(stage_shortlist_entry::Column::Advances.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.stage_code, e.application_id))
        .collect();
    Ok(Reached { codes, went_on })
}

/// The round's published shortlists, with their counts.
///
/// # Errors
/// Storage failures.
pub async fn published<C: ConnectionTrait>(
    conn: &C,
    round_id: Uuid,
) -> Result<Vec<Published>, ServiceError> {
    let lists = stage_shortlist::Entity::find()
        .filter(stage_shortlist::Column::RoundId.eq(round_id))
        .order_by_asc(stage_shortlist::Column::EventSeq)
        .all(conn)
        .await?;
    if lists.is_empty() {
        return Ok(Vec::new());
    }
    let entries: Vec<(String, bool)> = stage_shortlist_entry::Entity::find()
        .select_only()
        .column(stage_shortlist_entry::Column::StageCode)
        .column(stage_shortlist_entry::Column::Advances)
        .filter(stage_shortlist_entry::Column::RoundId.eq(round_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(lists
        .into_iter()
        .map(|l| {
            let of_stage = entries.iter().filter(|(code, _)| *code == l.stage_code);
            Published {
                considered: of_stage.clone().count(),
                went_on: of_stage.filter(|(_, advances)| *advances).count(),
                stage_code: l.stage_code,
                published_at: l.published_at,
                objection_ends_at: l.objection_ends_at,
            }
        })
        .collect())
}

/// Who may be invited to a test session of a staged round: those who went
/// on from the stage just before its first panel-scored stage (its
/// published shortlist's entries with `advances`); `None` for a one-stage
/// round, or one whose panel stage comes first (everyone eligible).
///
/// # Errors
/// `Conflict` naming the stage while its shortlist is not published yet;
/// storage failures.
pub async fn invitation_gate<C: ConnectionTrait>(
    conn: &C,
    round_id: Uuid,
) -> Result<Option<BTreeSet<Uuid>>, ServiceError> {
    let stages = stages_of(conn, round_id).await?;
    let Some(prev) = stages
        .iter()
        .position(|s| s.scoring == "panel")
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| stages.get(i))
    else {
        return Ok(None);
    };
    if stage_shortlist::Entity::find_by_id((round_id, prev.code.clone()))
        .one(conn)
        .await?
        .is_none()
    {
        return Err(conflict(
            format!(
                "Terbitkan dahulu daftar lolos tahap {}: hanya yang lolos diundang ke tahap berikutnya.",
                prev.code
            ),
            format!(
                "Publish the shortlist of stage {} first: only those who go on are invited to the next stage.",
                prev.code
            ),
        ));
    }
    Ok(Some(advanced(conn, round_id, &prev.code).await?))
}

/// The gate of a staged round: a value of a criterion of stage 2 or later
/// may be recorded only for an application that went on from the stage
/// before, in its published shortlist ([`require_went_on`]); and no value of
/// a stage whose shortlist is published may change any more (the shortlist
/// was decided on those values, and `audit recompute` checks it against
/// them), except by an imported correction ([`correction_stage`]).
/// Criteria of one-stage rounds pass.
///
/// # Errors
/// `Conflict` with a message naming the stage; storage failures.
pub async fn require_shortlisted<C: ConnectionTrait>(
    conn: &C,
    round_id: Uuid,
    application_id: Uuid,
    criterion: &criterion::Model,
) -> Result<(), ServiceError> {
    if let Some(code) = published_stage_of(conn, round_id, criterion).await? {
        return Err(conflict(
            format!(
                "Daftar lolos tahap {code} sudah diterbitkan; nilai tahap ini tidak dapat diubah lagi."
            ),
            format!(
                "The shortlist of stage {code} is published; the values of this stage can no longer change."
            ),
        ));
    }
    require_went_on(conn, round_id, application_id, criterion).await
}

/// The stage of `criterion` when its shortlist is published.
async fn published_stage_of<C: ConnectionTrait>(
    conn: &C,
    round_id: Uuid,
    criterion: &criterion::Model,
) -> Result<Option<String>, ServiceError> {
    let Some(code) = criterion.stage_code.as_deref() else {
        return Ok(None);
    };
    Ok(
        stage_shortlist::Entity::find_by_id((round_id, code.to_owned()))
            .one(conn)
            .await?
            .map(|_| code.to_owned()),
    )
}

/// Whether a file of values of the imported `criterion` is a correction of
/// a stage whose shortlist is published: then it needs a written reason and
/// a second admin, and the shortlist is published again on approval
/// ([`republish`]). Returns that stage.
///
/// # Errors
/// `Conflict` naming the stages once the next stage's shortlist is
/// published (the values were decided on for good); storage failures.
pub async fn correction_stage<C: ConnectionTrait>(
    conn: &C,
    round_id: Uuid,
    criterion: &criterion::Model,
) -> Result<Option<String>, ServiceError> {
    let Some(code) = published_stage_of(conn, round_id, criterion).await? else {
        return Ok(None);
    };
    if let Some(next) = next_published(conn, round_id, &code).await? {
        return Err(conflict(
            format!(
                "Daftar lolos tahap {next} sudah diterbitkan; nilai tahap {code} tidak dapat dikoreksi lagi."
            ),
            format!(
                "The shortlist of stage {next} is published; the values of stage {code} can no longer be corrected."
            ),
        ));
    }
    Ok(Some(code))
}

/// A value of a criterion of stage 2 or later may be recorded only for an
/// application that went on from the stage before, in its published
/// shortlist. Criteria of one-stage rounds and of the first stage pass.
///
/// # Errors
/// `Conflict` with a message naming the stages; storage failures.
pub async fn require_went_on<C: ConnectionTrait>(
    conn: &C,
    round_id: Uuid,
    application_id: Uuid,
    criterion: &criterion::Model,
) -> Result<(), ServiceError> {
    let Some(code) = criterion.stage_code.as_deref() else {
        return Ok(());
    };
    let stages = stages_of(conn, round_id).await?;
    let Some(idx) = stages.iter().position(|s| s.code == code) else {
        return Ok(());
    };
    let Some(prev) = idx.checked_sub(1).and_then(|i| stages.get(i)) else {
        return Ok(());
    };
    let went_on =
        stage_shortlist_entry::Entity::find_by_id((round_id, prev.code.clone(), application_id))
            .one(conn)
            .await?
            .is_some_and(|e| e.advances);
    if went_on {
        Ok(())
    } else {
        Err(conflict(
            format!(
                "Pendaftar ini tidak lolos tahap {} sehingga tidak dapat dinilai di tahap {code}.",
                prev.code
            ),
            format!(
                "This applicant did not go on from stage {} and cannot be scored in stage {code}.",
                prev.code
            ),
        ))
    }
}
