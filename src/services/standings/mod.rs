//! Standings and ranks of a formation, stored and kept current.
//!
//! Every input change (a score, an amendment, a recusal, an eligibility
//! decision, a withdrawal, an imported value, an objection outcome) calls
//! [`recompute_formation`] in the same transaction, right after appending the
//! event that describes the change. The stored `ranking` rows are the one
//! source for every page and export: nothing recomputes ranks differently for
//! display. Before results are published the rows are live standings for
//! admins; from publication on, every move of a rank or status appends a
//! `ranking.changed` event naming the event that caused it.
//!
//! A staged round (one with stages and a final rule) is ranked by the stage
//! rule ([`crate::domain::stage::rank_staged`]): each stage scored on its
//! own, the published shortlists of the earlier stages as gates, the final
//! rule over the stage totals; always in full, through the same `store` and
//! the same `ranking.changed` events.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::ServiceError;
use crate::db::entities::{application, criterion, formation, round};
use crate::domain::application::ApplicationState;
use crate::domain::ranking::{self as rk, Eligibility, RoundRules};

/// Every input of the ranking, and the one door each changes through: each
/// use case named here re-ranks the formation in its own transaction with
/// its event as `cause_seq` (the actions in [`RankingInput::causes`]).
/// Once results are published, the changes an admin makes alone need a
/// second admin ([`crate::services::input_approvals`], eligibility changes
/// and objection decisions), or are refused ([`crate::services::panel_freeze`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RankingInput {
    /// Submitted scorecards and amendments (`services::scoring`).
    Scores,
    /// Declared conflicts and recusals imposed by an admin
    /// (`services::scoring::declare`, `services::panel_admin::recuse`).
    Recusals,
    /// Which accounts sit on the panel of a formation (`services::panels`,
    /// frozen by stage in `services::panel_freeze`).
    PanelMembership,
    /// Values of imported criteria (`services::imports`).
    ImportedValues,
    /// Eligibility: first verification, its four-eyes change, withdrawal,
    /// an accepted objection that reopens the verification.
    Eligibility,
    /// Attendance and absence decisions: they only decide who may be scored
    /// (recorded during the assessment, before any publication); they move
    /// no rank by themselves, so they write no re-rank.
    Attendance,
    /// The lottery seed (`services::lottery`, fixed before assessment).
    LotterySeed,
    /// Formation seats and reserve places (frozen when registration opens,
    /// before any standing exists).
    Seats,
    /// The published shortlists of a staged round's earlier stages
    /// (`services::shortlists`): who may be ranked. Published during the
    /// assessment, and published again after an upheld objection or an
    /// approved correction of a stage's imported values.
    Shortlists,
}

impl RankingInput {
    /// Every input.
    pub const ALL: [RankingInput; 9] = [
        RankingInput::Scores,
        RankingInput::Recusals,
        RankingInput::PanelMembership,
        RankingInput::ImportedValues,
        RankingInput::Eligibility,
        RankingInput::Attendance,
        RankingInput::LotterySeed,
        RankingInput::Seats,
        RankingInput::Shortlists,
    ];

    /// The audit actions that change this input and may be a `cause_seq`.
    #[must_use]
    pub fn causes(self) -> &'static [&'static str] {
        match self {
            RankingInput::Scores => &["score.submitted", "score.amended"],
            RankingInput::Recusals => &["conflict.declared", "conflict.recused_by_admin"],
            RankingInput::PanelMembership => &[
                "panel.member_added",
                "panel.member_removed",
                "panel.formations_set",
            ],
            RankingInput::ImportedValues => &["imported_value.set"],
            RankingInput::Eligibility => &[
                "application.verified",
                "application.verification_changed",
                "application.withdrawn",
                "objection.decided",
                // After the final result, four-eyes (`services::after_final`).
                "application.withdrawn_after_final",
                "application.disqualified",
            ],
            RankingInput::Attendance | RankingInput::Seats => &[],
            RankingInput::LotterySeed => &["lottery.seed_fixed"],
            RankingInput::Shortlists => {
                &["stage.shortlist_published", "stage.shortlist_republished"]
            }
        }
    }

    /// Whether `action` may be the cause of a `ranking.changed` (an input
    /// change above, or the publication of provisional results).
    #[must_use]
    pub fn is_cause(action: &str) -> bool {
        action == "round.provisional_published"
            || RankingInput::ALL
                .iter()
                .any(|i| i.causes().contains(&action))
    }
}

/// One application whose rank or status moved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankChange {
    pub application_id: Uuid,
    pub registration_no: String,
    pub from_rank: u32,
    pub to_rank: u32,
    pub from_status: String,
    pub to_status: String,
    /// Exact total as `p/q`, empty when incomplete.
    pub total: String,
}

/// Eligibility as ranked, from an application's state.
pub(crate) fn eligibility(state: ApplicationState) -> Eligibility {
    match state {
        ApplicationState::Eligible => Eligibility::Eligible,
        ApplicationState::Ineligible => Eligibility::Ineligible,
        ApplicationState::Withdrawn => Eligibility::Withdrawn,
        ApplicationState::Disqualified => Eligibility::Disqualified,
        ApplicationState::Draft | ApplicationState::Submitted => Eligibility::Pending,
    }
}

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("{e}"))
}

/// The columns of an application the ranking needs.
struct AppRow {
    id: Uuid,
    registration_no: String,
    formation_id: Uuid,
}

/// The domain input of one formation, read from the database.
struct Inputs {
    round: round::Model,
    rules: RoundRules,
    formation: rk::Formation,
    apps: Vec<AppRow>,
    domain_apps: Vec<rk::Application>,
}

/// What the caller of a re-rank already read in the same transaction (so
/// as current as a fresh read): each one given is not read again. A
/// scorecard re-ranks after every submission, and each statement is a round
/// trip to SQLite's worker thread.
#[derive(Default)]
pub struct Known {
    /// The formation's round.
    pub round: Option<round::Model>,
    /// Every criterion of the round, by position.
    pub criteria: Option<Vec<criterion::Model>>,
    /// [`formation_panelists`] of the formation.
    pub panelists: Option<Vec<Uuid>>,
    /// The changed application, when the re-rank is for one.
    pub application: Option<application::Model>,
    /// In a staged round, rank this stage's criteria (default: the last
    /// stage's; the stored standings of a staged round combine every stage,
    /// see [`recompute_formation`]).
    pub stage: Option<String>,
}

mod inputs;
mod reposition;
mod rows;
mod staged;

use inputs::load;
pub use inputs::{application_inputs, current_values, formation_panelists, stage_inputs};
use reposition::{reorder_from_stored, reposition};
use rows::{existing_rows, store, tiebreak_text, with_tiebreaks};
use staged::staged_outcomes;

/// Re-ranks one formation from its stored inputs and stores the result.
///
/// When the round's results are published, every application whose rank or
/// status moved gets a `ranking.changed` event with `cause_seq`, the seq of
/// the event (already appended in this transaction) that caused the re-rank.
///
/// # Errors
/// Storage failures, or inputs the ranking rules reject (a bug upstream).
pub async fn recompute_formation(
    tx: &crate::db::WriteTx,
    formation_id: Uuid,
    cause_seq: i64,
) -> Result<Vec<RankChange>, ServiceError> {
    let inputs = load(tx, formation_id, None, Known::default()).await?;
    let published = inputs.round.state.is_published();
    let outcomes = rank_in_full(tx, &inputs, formation_id).await?;
    store(tx, &inputs, &outcomes, None, published, cause_seq, false).await
}

/// Every outcome of a formation from `inputs` (its last stage's, in a
/// staged round), with its stored tie-break text: by the one-stage rule,
/// or in a staged round by the stage rule ([`rank_staged`]).
async fn rank_in_full(
    tx: &crate::db::WriteTx,
    inputs: &Inputs,
    formation_id: Uuid,
) -> Result<Vec<(rk::Outcome, Option<String>)>, ServiceError> {
    if let Some(staged) = staged_outcomes(tx, inputs, formation_id).await? {
        return Ok(staged);
    }
    let outcomes = rk::rank_formation(&inputs.rules, &inputs.formation, &inputs.domain_apps)
        .map_err(internal)?;
    Ok(with_tiebreaks(&inputs.rules, outcomes))
}

/// [`recompute_after_change`] for a change of `application_id` of `round`
/// in `formation_id` (if any): its eligibility decided or changed, its
/// withdrawal. Standings exist only once the rules are frozen (registration
/// opened): before that the criteria may still change, so there is nothing
/// to rank.
///
/// # Errors
/// As [`recompute_formation`].
pub async fn recompute_after_input(
    tx: &crate::db::WriteTx,
    round: &round::Model,
    formation_id: Option<Uuid>,
    application_id: Uuid,
    cause_seq: i64,
) -> Result<Vec<RankChange>, ServiceError> {
    match formation_id {
        Some(f) if round.frozen_hash.is_some() => {
            let known = Known {
                round: Some(round.clone()),
                ..Known::default()
            };
            recompute_after_change(tx, f, application_id, cause_seq, known).await
        }
        _ => Ok(Vec::new()),
    }
}

/// Publishes the current standings of every formation of a round as ranks:
/// each application with a rank or status gets its first `ranking.changed`
/// event (from rank 0), caused by the publication event `cause_seq`.
///
/// # Errors
/// Storage failures or rejected inputs.
pub async fn publish_round(
    tx: &crate::db::WriteTx,
    round_id: Uuid,
    cause_seq: i64,
) -> Result<Vec<RankChange>, ServiceError> {
    let formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .order_by_asc(formation::Column::Code)
        .all(tx)
        .await?;
    let mut all = Vec::new();
    for f in formations {
        let inputs = load(tx, f.id, None, Known::default()).await?;
        let outcomes = rank_in_full(tx, &inputs, f.id).await?;
        all.extend(store(tx, &inputs, &outcomes, None, true, cause_seq, true).await?);
    }
    Ok(all)
}

/// Re-ranks after a change that only touched `application_id`'s inputs (a
/// score, an amendment, a recusal, its eligibility or withdrawal). When that
/// application was outside the order (no rank or status: incomplete or not
/// eligible) and still is, nothing else can move: only its own inputs are
/// read and at most its own row written. Otherwise the formation is
/// re-ordered from the stored standings, or re-ranked in full
/// ([`recompute_formation`]) when those cannot stand in.
///
/// # Errors
/// As [`recompute_formation`].
pub async fn recompute_after_change(
    tx: &crate::db::WriteTx,
    formation_id: Uuid,
    application_id: Uuid,
    cause_seq: i64,
    known: Known,
) -> Result<Vec<RankChange>, ServiceError> {
    let one = load(tx, formation_id, Some(application_id), known).await?;
    if one.round.final_rule.is_some() {
        // A staged round: one value can move a shortlist's weighted total
        // and the gates of others; the stored rows do not carry the stages.
        return recompute_formation(tx, formation_id, cause_seq).await;
    }
    let published = one.round.state.is_published();
    let outcome =
        rk::rank_formation(&one.rules, &one.formation, &one.domain_apps).map_err(internal)?;
    let Some(fresh) = outcome.into_iter().next() else {
        return recompute_formation(tx, formation_id, cause_seq).await;
    };
    let stored = existing_rows(tx, &one).await?;
    let mine = stored.get(&application_id);
    let fresh_tiebreak = tiebreak_text(&one.rules, &fresh);
    // Only complete, eligible applications get a status and are ordered
    // (the domain's invariant): one that was outside the order and stays
    // outside moves nobody, so its own row is all there is to write.
    if fresh.status.is_none() && mine.is_none_or(|r| r.rank.is_none() && r.status.is_none()) {
        if mine.is_some_and(|r| r.same_inputs(&fresh, fresh_tiebreak.as_deref(), published)) {
            return Ok(Vec::new());
        }
        return store(
            tx,
            &one,
            &[(fresh, fresh_tiebreak)],
            Some(stored),
            published,
            cause_seq,
            false,
        )
        .await;
    }
    // Before publication nothing is announced, so the others' rows need not
    // be read: the changed one is placed among them by their stored ranks.
    if !published && reposition(tx, &one, &fresh, fresh_tiebreak.as_ref(), mine).await? {
        return Ok(Vec::new());
    }
    match reorder_from_stored(tx, one, fresh, published, cause_seq).await? {
        Some(changes) => Ok(changes),
        None => recompute_formation(tx, formation_id, cause_seq).await,
    }
}
