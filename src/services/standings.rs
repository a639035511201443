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

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};
use uuid::Uuid;

use super::ServiceError;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::entities::{
    application, conflict_declaration, criterion, formation, imported_value, panel_formation,
    panel_member, ranking, round, round_stage, score_value, score_version, scorecard,
    stage_shortlist, stage_shortlist_entry,
};
use crate::domain::application::ApplicationState;
use crate::domain::ranking::{
    self as rk, Aggregation, CriterionKind, Eligibility, PanelScore, RoundRules, format_fraction,
};
use crate::domain::stage::{Candidate, StageResults, rank_staged, stage_rules};

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
    /// (`services::shortlists`, during the assessment): who may be ranked.
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
            RankingInput::Shortlists => &["stage.shortlist_published"],
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

/// The accounts on the panels that assess a formation, sorted, once each.
///
/// # Errors
/// Storage failures.
pub async fn formation_panelists<C: ConnectionTrait>(
    tx: &C,
    formation_id: Uuid,
) -> Result<Vec<Uuid>, ServiceError> {
    // A join, not `panel_id IN (SELECT ..)`: SQLite answers an IN over a
    // subquery with a temporary b-tree, whose page buffers (allocated and
    // freed for every statement) were 5% of the city demo's scoring.
    let mut panelists: Vec<Uuid> = panel_member::Entity::find()
        .select_only()
        .column(panel_member::Column::AccountId)
        .join(
            JoinType::InnerJoin,
            panel_member::Entity::belongs_to(panel_formation::Entity)
                .from(panel_member::Column::PanelId)
                .to(panel_formation::Column::PanelId)
                .into(),
        )
        .filter(panel_formation::Column::FormationId.eq(formation_id))
        .into_tuple()
        .all(tx)
        .await?;
    panelists.sort();
    panelists.dedup();
    Ok(panelists)
}

/// The ranking rules of a round and one application's ranking inputs (the
/// panelists in the formation's sorted order), as the ranking read them:
/// what the applicant's score breakdown is computed from.
///
/// # Errors
/// `NotFound` for an application outside the formation; storage failures.
pub async fn application_inputs<C: ConnectionTrait>(
    tx: &C,
    formation_id: Uuid,
    application_id: Uuid,
) -> Result<(RoundRules, rk::Application), ServiceError> {
    let inputs = load(tx, formation_id, Some(application_id), Known::default()).await?;
    let app = inputs
        .domain_apps
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    Ok((inputs.rules, app))
}

/// The one-stage ranking inputs of one stage of a staged round in one
/// formation: the stage's rules (no passing total of its own), the
/// formation, and every submitted application with its id.
///
/// # Errors
/// `NotFound` for an unknown formation; storage failures.
pub async fn stage_inputs<C: ConnectionTrait>(
    tx: &C,
    formation_id: Uuid,
    stage_code: &str,
) -> Result<(RoundRules, rk::Formation, Vec<(Uuid, rk::Application)>), ServiceError> {
    let known = Known {
        stage: Some(stage_code.to_owned()),
        ..Known::default()
    };
    let inputs = load(tx, formation_id, None, known).await?;
    let apps = inputs
        .apps
        .iter()
        .map(|a| a.id)
        .zip(inputs.domain_apps)
        .collect();
    Ok((inputs.rules, inputs.formation, apps))
}

/// Reads the ranking inputs of a formation, or of one application of it
/// (`only`), in a few statements that select only the columns ranking needs:
/// this runs after every score, so it must not decode whole rows.
async fn load<C: ConnectionTrait>(
    tx: &C,
    formation_id: Uuid,
    only: Option<Uuid>,
    known: Known,
) -> Result<Inputs, ServiceError> {
    let f = formation::Entity::find_by_id(formation_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let round = match known.round {
        Some(r) if r.id == f.round_id => r,
        _ => round::Entity::find_by_id(f.round_id)
            .one(tx)
            .await?
            .ok_or(ServiceError::NotFound)?,
    };
    let criteria = match known.criteria {
        Some(c) if c.iter().all(|c| c.round_id == round.id) => c,
        _ => {
            criterion::Entity::find()
                .filter(criterion::Column::RoundId.eq(round.id))
                .order_by_asc(criterion::Column::Position)
                .all(tx)
                .await?
        }
    };
    let code_of: HashMap<Uuid, String> = criteria.iter().map(|c| (c.id, c.code.clone())).collect();
    // A staged round ranks one stage's criteria at a time (each stage's
    // weights sum to 100); values of the other stages are left out below.
    let stage = match known.stage {
        Some(code) => Some(code),
        None if round.final_rule.is_some() => round_stage::Entity::find()
            .filter(round_stage::Column::RoundId.eq(round.id))
            .order_by_desc(round_stage::Column::Position)
            .one(tx)
            .await?
            .map(|s| s.code),
        None => None,
    };
    let criteria: Vec<criterion::Model> = match &stage {
        Some(code) => criteria
            .into_iter()
            .filter(|c| c.stage_code.as_deref() == Some(code.as_str()))
            .collect(),
        None => criteria,
    };
    let ranked_codes: std::collections::HashSet<&str> =
        criteria.iter().map(|c| c.code.as_str()).collect();
    let rules = RoundRules {
        aggregation: if round.aggregation == "trimmed_mean" {
            Aggregation::TrimmedMean
        } else {
            Aggregation::Mean
        },
        passing_total: round.passing_total.map(|p| u32::try_from(p).unwrap_or(0)),
        min_panelists: u32::try_from(round.min_panelists).unwrap_or(0),
        criteria: criteria
            .iter()
            .map(|c| rk::Criterion {
                code: c.code.clone(),
                kind: if c.kind == "imported" {
                    CriterionKind::Imported
                } else {
                    CriterionKind::Panel
                },
                scale_min: i64::from(c.scale_min),
                scale_max: i64::from(c.scale_max),
                weight: u32::try_from(c.weight).unwrap_or(0),
                pass_min: c.pass_min.map(i64::from),
                tiebreak_order: c.tiebreak_order.and_then(|o| u32::try_from(o).ok()),
            })
            .collect(),
        // Until the commit–reveal seed exists (registration still open), live
        // standings use an empty seed; ranks are only published after it is set.
        seed: round.lottery_seed.clone().unwrap_or_default(),
    };
    // The criteria are already the stage's; the stage rule drops the
    // round-wide passing total and, for a written test, the panel.
    let rules = if stage.is_some() {
        stage_rules(&rules, |_| true)
    } else {
        rules
    };
    let formation = rk::Formation {
        code: f.code.clone(),
        seats: u32::try_from(f.seats).unwrap_or(0),
        reserve: u32::try_from(f.reserve).unwrap_or(0),
    };

    let app_rows: Vec<(Uuid, Option<String>, ApplicationState)> = match (only, known.application) {
        // The row the caller read in this transaction, through the filters
        // of the query below.
        (Some(id), Some(a)) if a.id == id => {
            if a.formation_id == Some(formation_id)
                && a.state != ApplicationState::Draft
                && a.registration_no.is_some()
            {
                vec![(a.id, a.registration_no, a.state)]
            } else {
                Vec::new()
            }
        }
        _ => {
            let mut apps_query = application::Entity::find()
                .select_only()
                .column(application::Column::Id)
                .column(application::Column::RegistrationNo)
                .column(application::Column::State)
                .filter(application::Column::FormationId.eq(formation_id))
                .filter(application::Column::State.ne(ApplicationState::Draft))
                .filter(application::Column::RegistrationNo.is_not_null())
                .order_by_asc(application::Column::RegistrationNo);
            if let Some(id) = only {
                apps_query = apps_query.filter(application::Column::Id.eq(id));
            }
            apps_query.into_tuple().all(tx).await?
        }
    };
    // The applications whose inputs are read: the formation's, or just one
    // (`app_rows` above holds it only when it is in the formation; inputs read
    // for anything else are dropped below). One application is compared by
    // id: an IN over a subquery costs SQLite a temporary b-tree per statement.
    let in_scope = |column: sea_orm::sea_query::SimpleExpr| match only {
        Some(id) => column.eq(id),
        None => column.in_subquery(
            Query::select()
                .column(application::Column::Id)
                .from(application::Entity)
                .and_where(application::Column::FormationId.eq(formation_id))
                .to_owned(),
        ),
    };

    let panelists = match known.panelists {
        Some(p) => p,
        None => formation_panelists(tx, formation_id).await?,
    };

    let recused: std::collections::HashSet<(Uuid, Uuid)> = conflict_declaration::Entity::find()
        .select_only()
        .column(conflict_declaration::Column::ApplicationId)
        .column(conflict_declaration::Column::PanelistId)
        .filter(in_scope(Expr::col((
            conflict_declaration::Entity,
            conflict_declaration::Column::ApplicationId,
        ))))
        .filter(conflict_declaration::Column::Recused.eq(true))
        .into_tuple()
        .all(tx)
        .await?
        .into_iter()
        .collect();
    // The current version's values of every submitted scorecard, in one
    // statement: (application, panelist, criterion, value).
    let values: Vec<(Uuid, Uuid, Uuid, i32)> = score_value::Entity::find()
        .select_only()
        .column(scorecard::Column::ApplicationId)
        .column(scorecard::Column::PanelistId)
        .column(score_value::Column::CriterionId)
        .column(score_value::Column::Value)
        .join(
            JoinType::InnerJoin,
            score_value::Relation::ScoreVersion.def(),
        )
        .join(
            JoinType::InnerJoin,
            score_version::Relation::Scorecard.def(),
        )
        .filter(in_scope(Expr::col((
            scorecard::Entity,
            scorecard::Column::ApplicationId,
        ))))
        .filter(scorecard::Column::CurrentVersion.gt(0))
        .filter(
            Expr::col((score_version::Entity, score_version::Column::Version))
                .equals((scorecard::Entity, scorecard::Column::CurrentVersion)),
        )
        .into_tuple()
        .all(tx)
        .await?;
    let mut submitted: HashMap<(Uuid, Uuid), BTreeMap<String, i64>> = HashMap::new();
    for (app, panelist, criterion_id, value) in values {
        let code = code_of
            .get(&criterion_id)
            .cloned()
            .ok_or_else(|| internal("score for an unknown criterion"))?;
        if !ranked_codes.contains(code.as_str()) {
            continue;
        }
        submitted
            .entry((app, panelist))
            .or_default()
            .insert(code, i64::from(value));
    }
    let mut imported: HashMap<Uuid, BTreeMap<String, i64>> = HashMap::new();
    // Values are imported only for imported criteria (the import refuses
    // any other): a round without one has none to read.
    let imported_rows: Vec<(Uuid, Uuid, i32)> = if criteria.iter().any(|c| c.kind == "imported") {
        imported_value::Entity::find()
            .select_only()
            .column(imported_value::Column::ApplicationId)
            .column(imported_value::Column::CriterionId)
            .column(imported_value::Column::Value)
            .filter(in_scope(Expr::col((
                imported_value::Entity,
                imported_value::Column::ApplicationId,
            ))))
            .into_tuple()
            .all(tx)
            .await?
    } else {
        Vec::new()
    };
    for (app, criterion_id, value) in imported_rows {
        let code = code_of
            .get(&criterion_id)
            .cloned()
            .ok_or_else(|| internal("imported value for an unknown criterion"))?;
        if !ranked_codes.contains(code.as_str()) {
            continue;
        }
        imported
            .entry(app)
            .or_default()
            .insert(code, i64::from(value));
    }

    let domain_apps = app_rows
        .iter()
        .map(|(id, no, state)| rk::Application {
            registration_no: no.clone().unwrap_or_default(),
            eligibility: eligibility(*state),
            panel_scores: panelists
                .iter()
                .map(|p| PanelScore {
                    panelist_id: p.to_string(),
                    recused: recused.contains(&(*id, *p)),
                    submitted: submitted.remove(&(*id, *p)),
                })
                .collect(),
            imported: imported.remove(id).unwrap_or_default(),
        })
        .collect();
    let apps = app_rows
        .into_iter()
        .map(|(id, no, _)| AppRow {
            id,
            registration_no: no.unwrap_or_default(),
            formation_id,
        })
        .collect();
    Ok(Inputs {
        round,
        rules,
        formation,
        apps,
        domain_apps,
    })
}

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

/// The standings of a formation of a staged round: every stage scored on
/// its own from the stored values, the earlier stages' published
/// shortlists as gates, the final rule over them ([`rank_staged`]). `last`
/// holds the last stage's inputs ([`load`] without a stage). `None` for a
/// one-stage round.
async fn staged_outcomes(
    tx: &crate::db::WriteTx,
    last: &Inputs,
    formation_id: Uuid,
) -> Result<Option<Vec<(rk::Outcome, Option<String>)>>, ServiceError> {
    if last.round.final_rule.is_none() {
        return Ok(None);
    }
    let stages = round_stage::Entity::find()
        .filter(round_stage::Column::RoundId.eq(last.round.id))
        .order_by_asc(round_stage::Column::Position)
        .all(tx)
        .await?;
    let Some(plan) = super::rounds::stored_plan(&last.round, &stages) else {
        return Ok(None);
    };
    let published: std::collections::HashSet<String> = stage_shortlist::Entity::find()
        .filter(stage_shortlist::Column::RoundId.eq(last.round.id))
        .all(tx)
        .await?
        .into_iter()
        .map(|s| s.stage_code)
        .collect();
    let entries = stage_shortlist_entry::Entity::find()
        .filter(stage_shortlist_entry::Column::RoundId.eq(last.round.id))
        .filter(stage_shortlist_entry::Column::FormationId.eq(formation_id))
        .order_by_asc(stage_shortlist_entry::Column::RegistrationNo)
        .all(tx)
        .await?;
    let mut results = Vec::with_capacity(stages.len());
    for (i, st) in stages.iter().enumerate() {
        let (rules, outcomes) = if i + 1 == stages.len() {
            let o = rk::rank_formation(&last.rules, &last.formation, &last.domain_apps)
                .map_err(internal)?;
            (last.rules.clone(), o)
        } else {
            let known = Known {
                round: Some(last.round.clone()),
                stage: Some(st.code.clone()),
                ..Known::default()
            };
            let inputs = load(tx, formation_id, None, known).await?;
            let o = rk::rank_formation(&inputs.rules, &inputs.formation, &inputs.domain_apps)
                .map_err(internal)?;
            (inputs.rules, o)
        };
        let shortlist = if published.contains(&st.code) {
            let mut list = Vec::new();
            for e in entries.iter().filter(|e| e.stage_code == st.code) {
                let total = e
                    .total_exact
                    .as_deref()
                    .map(rk::parse_fraction)
                    .transpose()
                    .map_err(internal)?;
                let position = e.position.and_then(|p| u32::try_from(p).ok());
                list.push(Candidate::published(&e.registration_no, total, position));
            }
            Some(list)
        } else {
            None
        };
        results.push(StageResults {
            rules,
            outcomes,
            shortlist,
        });
    }
    let standings = rank_staged(&plan, &last.formation, &results).map_err(internal)?;
    Ok(Some(
        standings
            .into_iter()
            .map(|s| {
                let tiebreak = s
                    .tiebreak
                    .map(|t| t.iter().map(format_fraction).collect::<Vec<_>>().join(" "));
                (s.outcome, tiebreak)
            })
            .collect(),
    ))
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

/// The stored form of [`rk::tiebreak_values`]: `p/q` separated by spaces.
fn tiebreak_text(rules: &RoundRules, o: &rk::Outcome) -> Option<String> {
    o.complete.then(|| {
        rk::tiebreak_values(rules, o)
            .iter()
            .map(format_fraction)
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Outcomes of [`rk::rank_formation`] with their stored tie-break text.
fn with_tiebreaks(
    rules: &RoundRules,
    outcomes: Vec<rk::Outcome>,
) -> Vec<(rk::Outcome, Option<String>)> {
    outcomes
        .into_iter()
        .map(|o| {
            let t = tiebreak_text(rules, &o);
            (o, t)
        })
        .collect()
}

async fn store(
    tx: &crate::db::WriteTx,
    inputs: &Inputs,
    outcomes: &[(rk::Outcome, Option<String>)],
    existing: Option<HashMap<Uuid, Stored>>,
    published: bool,
    cause_seq: i64,
    first_publication: bool,
) -> Result<Vec<RankChange>, ServiceError> {
    let by_no: HashMap<&str, &AppRow> = inputs
        .apps
        .iter()
        .map(|a| (a.registration_no.as_str(), a))
        .collect();
    let existing = match existing {
        Some(rows) => rows,
        None => existing_rows(tx, inputs).await?,
    };
    let now = time::OffsetDateTime::now_utc();
    let mut inserts = Vec::new();
    // Rows whose rank moved and nothing else: (old rank, new rank, new status, row).
    let mut shifted = Vec::new();
    let mut changes = Vec::new();
    for (o, tiebreak) in outcomes {
        let app = by_no
            .get(o.registration_no.as_str())
            .ok_or_else(|| internal("outcome for an unknown application"))?;
        let rank = o.rank.map(|r| i32::try_from(r).unwrap_or(i32::MAX));
        let status = o.status.map(|s| s.as_str().to_owned());
        let total = o.total.as_ref().map(format_fraction);
        let row = row_model(inputs.round.id, app, o, tiebreak, published, now);
        let (old_rank, old_status) = match existing.get(&app.id) {
            // At the first publication every application starts from rank 0
            // and no status, whatever the live standings were.
            Some(_) if first_publication => (None, None),
            Some(old) => (old.rank, old.status.clone()),
            None => (None, None),
        };
        match existing.get(&app.id) {
            Some(old) if old.same_inputs(o, tiebreak.as_deref(), published) => {
                match (old.rank, rank) {
                    (Some(from), Some(to)) if from != to => {
                        shifted.push((from, to, status.clone(), row));
                    }
                    _ if old.rank == rank && old.status == status => {}
                    _ => inserts.push(row),
                }
            }
            // Changed and new rows are written together below (an upsert),
            // so a shift of every rank costs a few statements, not one each.
            _ => inserts.push(row),
        }
        let moved = old_rank != rank || old_status != status;
        let announce = if first_publication {
            rank.is_some() || status.is_some()
        } else {
            moved
        };
        if published && announce {
            changes.push(RankChange {
                application_id: app.id,
                registration_no: o.registration_no.clone(),
                from_rank: old_rank.and_then(|r| u32::try_from(r).ok()).unwrap_or(0),
                to_rank: o.rank.unwrap_or(0),
                from_status: old_status.unwrap_or_default(),
                to_status: status.unwrap_or_default(),
                total: total.unwrap_or_default(),
            });
        }
    }
    if !shift_in_place(tx, inputs, &existing, &shifted, now).await? {
        inserts.extend(shifted.into_iter().map(|(_, _, _, row)| row));
    }
    upsert(tx, inserts).await?;
    for c in &changes {
        append(
            tx,
            NewEvent::new(
                Actor::System,
                "ranking.changed",
                "application",
                c.application_id.to_string(),
            )
            .round(inputs.round.id)
            .payload(serde_json::json!({
                "registration_no": c.registration_no,
                "from_rank": c.from_rank,
                "to_rank": c.to_rank,
                "from_status": c.from_status,
                "to_status": c.to_status,
                "total": c.total,
                "cause_seq": cause_seq,
            }))
            .with_registration(c.registration_no.clone()),
        )
        .await?;
    }
    Ok(changes)
}

/// A formation's `ranking` row for outcome `o` of `app`.
fn row_model(
    round_id: Uuid,
    app: &AppRow,
    o: &rk::Outcome,
    tiebreak: &Option<String>,
    published: bool,
    now: time::OffsetDateTime,
) -> ranking::ActiveModel {
    ranking::ActiveModel {
        application_id: Set(app.id),
        round_id: Set(round_id),
        formation_id: Set(app.formation_id),
        complete: Set(o.complete),
        eligibility: Set(o.eligibility.as_str().to_owned()),
        total_exact: Set(o.total.as_ref().map(format_fraction)),
        tiebreak_exact: Set(tiebreak.clone()),
        passed: Set(o.passed),
        rank: Set(o.rank.map(|r| i32::try_from(r).unwrap_or(i32::MAX))),
        status: Set(o.status.map(|s| s.as_str().to_owned())),
        lottery_key: Set(Some(o.lottery_key.clone())),
        published: Set(published),
        updated_at: Set(now),
    }
}

/// Writes `rows` whole, new or not, a few hundred per statement.
async fn upsert<C: ConnectionTrait>(
    tx: &C,
    rows: Vec<ranking::ActiveModel>,
) -> Result<(), ServiceError> {
    for chunk in rows.chunks(200) {
        ranking::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(ranking::Column::ApplicationId)
                    .update_columns([
                        ranking::Column::RoundId,
                        ranking::Column::FormationId,
                        ranking::Column::Complete,
                        ranking::Column::Eligibility,
                        ranking::Column::TotalExact,
                        ranking::Column::TiebreakExact,
                        ranking::Column::Passed,
                        ranking::Column::Rank,
                        ranking::Column::Status,
                        ranking::Column::LotteryKey,
                        ranking::Column::Published,
                        ranking::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

/// Moves the ranks `lo..=hi` of a formation by `d` in one `UPDATE`, each
/// with the status of its new rank, leaving out the row of `except`.
#[allow(clippy::too_many_arguments)]
async fn shift_ranks<C: ConnectionTrait>(
    tx: &C,
    formation_id: Uuid,
    formation: &rk::Formation,
    (lo, hi): (i32, i32),
    d: i32,
    except: Option<Uuid>,
    now: time::OffsetDateTime,
) -> Result<(), ServiceError> {
    let seats = i64::from(formation.seats);
    let reserve = i64::from(formation.reserve);
    let moved = || Expr::col(ranking::Column::Rank).add(d);
    let mut q = ranking::Entity::update_many()
        .col_expr(ranking::Column::Rank, moved())
        .col_expr(
            ranking::Column::Status,
            Expr::case(moved().lte(seats), rk::Status::Selected.as_str())
                .case(moved().lte(seats + reserve), rk::Status::Reserve.as_str())
                .finally(rk::Status::NotSelected.as_str())
                .into(),
        )
        .col_expr(ranking::Column::UpdatedAt, Expr::value(now))
        .filter(ranking::Column::FormationId.eq(formation_id))
        .filter(ranking::Column::Rank.between(lo, hi));
    if let Some(id) = except {
        q = q.filter(ranking::Column::ApplicationId.ne(id));
    }
    q.exec(tx).await?;
    Ok(())
}

/// Moves a block of ranks by one step in a single `UPDATE`, when `shifted`
/// is exactly that: the rows holding the consecutive old ranks `lo..=hi` of
/// the formation, each moved by the same `d`, their statuses those of the
/// new ranks. That is what one application moving up or down the table does
/// to the applications it passes (on average half of a 340-applicant
/// formation, after every scorecard); an upsert would bind and rewrite every
/// column of each. Returns `false`, writing nothing, for any other shape.
async fn shift_in_place<C: ConnectionTrait>(
    tx: &C,
    inputs: &Inputs,
    existing: &HashMap<Uuid, Stored>,
    shifted: &[(i32, i32, Option<String>, ranking::ActiveModel)],
    now: time::OffsetDateTime,
) -> Result<bool, ServiceError> {
    let Some(&(first_from, first_to, _, _)) = shifted.first() else {
        return Ok(true);
    };
    let Some(formation_id) = inputs.apps.first().map(|a| a.formation_id) else {
        return Ok(false);
    };
    let d = first_to - first_from;
    let (mut lo, mut hi) = (first_from, first_from);
    for (from, to, status, _) in shifted {
        let Ok(new_rank) = u32::try_from(*to) else {
            return Ok(false);
        };
        if to - from != d
            || status.as_deref() != Some(rk::status_at(&inputs.formation, new_rank).as_str())
        {
            return Ok(false);
        }
        lo = Ord::min(lo, *from);
        hi = Ord::max(hi, *from);
    }
    // The range must hold these rows and no other: then the statement below
    // touches exactly them, whatever is written after it.
    let in_range = existing
        .values()
        .filter(|r| r.rank.is_some_and(|k| (lo..=hi).contains(&k)))
        .count();
    let span = usize::try_from(hi - lo + 1).unwrap_or(0);
    if span != shifted.len() || in_range != shifted.len() {
        return Ok(false);
    }
    shift_ranks(tx, formation_id, &inputs.formation, (lo, hi), d, None, now).await?;
    Ok(true)
}

/// The columns of a stored `ranking` row that a re-rank compares with its
/// fresh outcome, with its application (not the other keys, nor
/// `updated_at`: this is read for a whole formation after every scorecard,
/// and every column of every row is copied across SQLite's worker thread).
#[derive(Clone, Debug, sea_orm::FromQueryResult)]
struct Stored {
    application_id: Uuid,
    complete: bool,
    eligibility: String,
    total_exact: Option<String>,
    tiebreak_exact: Option<String>,
    passed: Option<bool>,
    rank: Option<i32>,
    status: Option<String>,
    lottery_key: Option<String>,
    published: bool,
}

impl Stored {
    /// Whether this row already holds everything of outcome `o` but its
    /// rank and status.
    fn same_inputs(&self, o: &rk::Outcome, tiebreak: Option<&str>, published: bool) -> bool {
        self.complete == o.complete
            && self.eligibility == o.eligibility.as_str()
            && self.passed == o.passed
            && self.total_exact == o.total.as_ref().map(format_fraction)
            && self.tiebreak_exact.as_deref() == tiebreak
            && self.lottery_key.as_deref() == Some(o.lottery_key.as_str())
            && self.published == published
    }
}

/// The stored ranking rows of the applications in `inputs`, in one statement.
async fn existing_rows<C: ConnectionTrait>(
    tx: &C,
    inputs: &Inputs,
) -> Result<HashMap<Uuid, Stored>, ServiceError> {
    let mut q = ranking::Entity::find().select_only().columns([
        ranking::Column::ApplicationId,
        ranking::Column::Complete,
        ranking::Column::Eligibility,
        ranking::Column::TotalExact,
        ranking::Column::TiebreakExact,
        ranking::Column::Passed,
        ranking::Column::Rank,
        ranking::Column::Status,
        ranking::Column::LotteryKey,
        ranking::Column::Published,
    ]);
    q = match inputs.apps.as_slice() {
        [] => return Ok(HashMap::new()),
        [one] => q.filter(ranking::Column::ApplicationId.eq(one.id)),
        many => q.filter(
            ranking::Column::ApplicationId.in_subquery(
                Query::select()
                    .column(application::Column::Id)
                    .from(application::Entity)
                    .and_where(application::Column::FormationId.eq(many[0].formation_id))
                    .to_owned(),
            ),
        ),
    };
    Ok(q.into_model::<Stored>()
        .all(tx)
        .await?
        .into_iter()
        .map(|r| (r.application_id, r))
        .collect())
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

/// Ranks read per statement by [`reposition`]'s search.
const PROBES: i32 = 7;

/// The keys step 4 orders a stored standing by, read for one rank.
#[derive(Debug, sea_orm::FromQueryResult)]
struct RankedKeys {
    rank: Option<i32>,
    registration_no: Option<String>,
    total_exact: Option<String>,
    tiebreak_exact: Option<String>,
    lottery_key: Option<String>,
}

/// Places the one changed application of `one` (outcome `fresh`, stored row
/// `mine`) among the formation's other ranked rows without reading them
/// all: they are in rank order by their stored keys, so its new rank is
/// found by a search over ranks (three reads of seven rows instead of
/// every row of a 340-applicant formation after each scorecard), the rows
/// it passes move one step in one `UPDATE`, and its own row is written.
/// Gives the ranks and statuses [`rk::order_standings`] gives (the domain
/// test `one_standing_placed_among_the_others_gets_its_rank_formation_rank`,
/// and `standings_kept_one_score_at_a_time_equal_a_full_recomputation`
/// through the services); publication re-ranks every formation in full
/// anyway.
///
/// `false`, having written nothing, when the stored ranks are not
/// `1..=n` or a read row lacks its keys or carries another seed's lottery
/// key: the caller then re-orders from every stored row.
async fn reposition<C: ConnectionTrait>(
    tx: &C,
    one: &Inputs,
    fresh: &rk::Outcome,
    fresh_tiebreak: Option<&String>,
    mine: Option<&Stored>,
) -> Result<bool, ServiceError> {
    let Some(app) = one.apps.first() else {
        return Ok(false);
    };
    // Ranks must be exactly 1..=n. Every application that can hold a rank
    // has a row: it became complete through scorecards, and each scorecard
    // re-ranks in its own transaction (imports and the lottery seed re-rank
    // whole formations).
    let (ranked, max): (i64, Option<i32>) = ranking::Entity::find()
        .select_only()
        .column_as(ranking::Column::Rank.count(), "ranked")
        .column_as(ranking::Column::Rank.max(), "max_rank")
        .filter(ranking::Column::FormationId.eq(app.formation_id))
        .into_tuple()
        .one(tx)
        .await?
        .unwrap_or((0, None));
    let n = max.unwrap_or(0);
    if i64::from(n) != ranked {
        return Ok(false);
    }
    let old = mine.and_then(|r| r.rank);
    if old.is_some_and(|o| o < 1 || o > n) {
        return Ok(false);
    }
    let rankable_now = rankable(fresh);
    let new = if rankable_now {
        let tiebreak = parse_tiebreak(fresh_tiebreak.map(String::as_str))?;
        let Some(total) = fresh.total.as_ref() else {
            return Ok(false);
        };
        let me = rk::Standing {
            registration_no: &fresh.registration_no,
            total,
            tiebreak: &tiebreak,
            lottery_key: &fresh.lottery_key,
        };
        let lottery = crate::domain::lottery::LotteryKeys::new(&one.rules.seed);
        // The others in rank order, skipping the changed one's old rank.
        let others = n - i32::from(old.is_some());
        let rank_of = |i: i32| match old {
            Some(o) if i + 1 >= o => i + 2,
            _ => i + 1,
        };
        // A search over `PROBES` evenly spaced ranks at a time (one
        // statement each step) rather than one: three statements instead of
        // nine for a 340-applicant formation.
        let (mut lo, mut hi) = (0, others);
        while lo < hi {
            let len = hi - lo;
            let picks: Vec<i32> = if len <= PROBES {
                (lo..hi).collect()
            } else {
                (1..=PROBES).map(|j| lo + len * j / (PROBES + 1)).collect()
            };
            let rows: Vec<(i32, RankedKeys)> = ranking::Entity::find()
                .select_only()
                .column(ranking::Column::Rank)
                .column(application::Column::RegistrationNo)
                .column(ranking::Column::TotalExact)
                .column(ranking::Column::TiebreakExact)
                .column(ranking::Column::LotteryKey)
                .join(JoinType::InnerJoin, ranking::Relation::Application.def())
                .filter(ranking::Column::FormationId.eq(app.formation_id))
                .filter(ranking::Column::Rank.is_in(picks.iter().map(|&i| rank_of(i))))
                .into_model::<RankedKeys>()
                .all(tx)
                .await?
                .into_iter()
                .filter_map(|k| Some((k.rank?, k)))
                .collect();
            let mut next = (lo, hi);
            for &i in &picks {
                let Some((_, keys)) = rows.iter().find(|(rank, _)| *rank == rank_of(i)) else {
                    return Ok(false);
                };
                let (Some(no), Some(total), Some(key), Some(tiebreak)) = (
                    keys.registration_no.as_deref(),
                    keys.total_exact.as_deref(),
                    keys.lottery_key.as_deref(),
                    keys.tiebreak_exact.as_deref(),
                ) else {
                    return Ok(false);
                };
                if key != crate::domain::lottery::lower_hex(&lottery.key_bytes(no)) {
                    return Ok(false);
                }
                let total = rk::parse_fraction(total).map_err(internal)?;
                let tiebreak = parse_tiebreak(Some(tiebreak))?;
                let other = rk::Standing {
                    registration_no: no,
                    total: &total,
                    tiebreak: &tiebreak,
                    lottery_key: key,
                };
                if rk::cmp_standings(&other, &me) == std::cmp::Ordering::Less {
                    next.0 = i + 1;
                } else {
                    next.1 = i;
                    break;
                }
            }
            (lo, hi) = next;
        }
        Some(lo + 1)
    } else {
        None
    };
    let now = time::OffsetDateTime::now_utc();
    let f = &one.formation;
    // The others between the old and the new place move one step.
    let moves = match (old, new) {
        (Some(o), Some(k)) if k < o => Some(((k, o - 1), 1)),
        (Some(o), Some(k)) if k > o => Some(((o + 1, k), -1)),
        (Some(_), Some(_)) => None,
        (None, Some(k)) => Some(((k, n), 1)),
        (Some(o), None) => Some(((o + 1, n), -1)),
        (None, None) => None,
    };
    if let Some((range, d)) = moves
        && range.0 <= range.1
    {
        shift_ranks(tx, app.formation_id, f, range, d, Some(app.id), now).await?;
    }
    let mut placed = fresh.clone();
    if let Some(k) = new {
        let k = u32::try_from(k).map_err(internal)?;
        placed.rank = Some(k);
        placed.status = Some(rk::status_at(f, k));
    } else {
        placed.rank = None;
    }
    let rank = placed.rank.and_then(|k| i32::try_from(k).ok());
    let status = placed.status.map(|s| s.as_str());
    let unchanged = mine.is_some_and(|r| {
        r.same_inputs(&placed, fresh_tiebreak.map(String::as_str), false)
            && r.rank == rank
            && r.status.as_deref() == status
    });
    if !unchanged {
        let row = row_model(
            one.round.id,
            app,
            &placed,
            &fresh_tiebreak.cloned(),
            false,
            now,
        );
        upsert(tx, vec![row]).await?;
    }
    Ok(true)
}

/// Stored tie-break values (`p/q` separated by spaces).
fn parse_tiebreak(text: Option<&str>) -> Result<Vec<rk::Ratio>, ServiceError> {
    text.unwrap_or_default()
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(rk::parse_fraction)
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)
}

/// Re-ranks a formation after a change to one application's inputs from the
/// other applications' stored standings (total, tie-break values, lottery
/// key) and the changed one's fresh `outcome`, ordered by
/// [`rk::order_standings`] — the same order [`rk::rank_formation`] gives. Reads
/// one row per application instead of every score of the formation.
///
/// `None` when the stored rows cannot stand in for the inputs (an
/// application without a row, a row from before tie-break values were
/// stored, a changed eligibility or seed): the caller then re-ranks in full.
async fn reorder_from_stored(
    tx: &crate::db::WriteTx,
    one: Inputs,
    fresh: rk::Outcome,
    published: bool,
    cause_seq: i64,
) -> Result<Option<Vec<RankChange>>, ServiceError> {
    let Some(changed) = one.apps.first().map(|a| a.id) else {
        return Ok(None);
    };
    let formation_id = one.apps[0].formation_id;
    // Each application of the formation with its stored row, in one
    // statement: this runs after every scorecard, and on SQLite every row
    // crosses a thread boundary. `StandingRow` reads these by position.
    let joined = application::Entity::find()
        .select_only()
        .column(application::Column::Id)
        .column(application::Column::RegistrationNo)
        .column(application::Column::State)
        .column_as(ranking::Column::Complete, "r_complete")
        .column_as(ranking::Column::Eligibility, "r_eligibility")
        .column_as(ranking::Column::TotalExact, "r_total_exact")
        .column_as(ranking::Column::TiebreakExact, "r_tiebreak_exact")
        .column_as(ranking::Column::Passed, "r_passed")
        .column_as(ranking::Column::Rank, "r_rank")
        .column_as(ranking::Column::Status, "r_status")
        .column_as(ranking::Column::LotteryKey, "r_lottery_key")
        .column_as(ranking::Column::Published, "r_published")
        .join(JoinType::LeftJoin, application::Relation::Ranking.def())
        .filter(application::Column::FormationId.eq(formation_id))
        .filter(application::Column::State.ne(ApplicationState::Draft))
        .filter(application::Column::RegistrationNo.is_not_null())
        .order_by_asc(application::Column::RegistrationNo)
        .into_model::<StandingRow>()
        .all(tx)
        .await?;
    let mut app_rows: Vec<(Uuid, Option<String>, ApplicationState)> =
        Vec::with_capacity(joined.len());
    let mut stored: HashMap<Uuid, Stored> = HashMap::with_capacity(joined.len());
    for j in joined {
        if let Some(row) = j.stored() {
            stored.insert(j.id, row);
        }
        app_rows.push((j.id, j.registration_no, j.state));
    }
    if stored.len() + 1 < app_rows.len() {
        return Ok(None);
    }
    let fresh_tiebreak = tiebreak_text(&one.rules, &fresh);
    let mut outcomes: Vec<(rk::Outcome, Option<String>)> = Vec::with_capacity(app_rows.len());
    for (id, no, state) in &app_rows {
        let no = no.clone().unwrap_or_default();
        if *id == changed {
            outcomes.push((fresh.clone(), fresh_tiebreak.clone()));
            continue;
        }
        let Some(row) = stored.get(id) else {
            return Ok(None);
        };
        let el = eligibility(*state);
        if row.eligibility != el.as_str()
            || (row.complete && (row.total_exact.is_none() || row.tiebreak_exact.is_none()))
        {
            return Ok(None);
        }
        let total = match &row.total_exact {
            Some(t) if row.complete => Some(rk::parse_fraction(t).map_err(internal)?),
            _ => None,
        };
        let status = (row.complete && el == Eligibility::Eligible && row.passed == Some(false))
            .then_some(rk::Status::NotPassed);
        outcomes.push((
            rk::Outcome {
                registration_no: no,
                eligibility: el,
                complete: row.complete,
                incomplete: None,
                criteria: Vec::new(),
                total,
                total_rounded_2dp: None,
                passed: row.passed,
                rank: None,
                status,
                lottery_key: row.lottery_key.clone().unwrap_or_default(),
            },
            row.tiebreak_exact.clone(),
        ));
    }
    if !outcomes
        .iter()
        .any(|(o, _)| o.registration_no == fresh.registration_no)
    {
        return Ok(None);
    }
    // The fresh outcome's lottery key is derived from the current seed; a
    // stored key from another seed means the rows are stale. Every writer
    // stores a whole formation's keys under one seed (a full re-rank rewrites
    // each row whose key differs, this path copies the stored keys), so one
    // stored row per formation tells which seed its rows came from; checking
    // all of them would hash 340 keys after every scorecard.
    if let Some((o, _)) = outcomes
        .iter()
        .find(|(o, _)| o.registration_no != fresh.registration_no)
    {
        let lottery = crate::domain::lottery::LotteryKeys::new(&one.rules.seed);
        if o.lottery_key
            != crate::domain::lottery::lower_hex(&lottery.key_bytes(&o.registration_no))
        {
            return Ok(None);
        }
    }
    let tiebreaks: Vec<Vec<rk::Ratio>> = outcomes
        .iter()
        .map(|(o, t)| match (rankable(o), t) {
            (true, Some(t)) => parse_tiebreak(Some(t)),
            _ => Ok(Vec::new()),
        })
        .collect::<Result<_, _>>()?;
    let ranked: Vec<usize> = (0..outcomes.len())
        .filter(|&i| rankable(&outcomes[i].0))
        .collect();
    let order = {
        let standings: Vec<rk::Standing<'_>> = ranked
            .iter()
            .map(|&i| {
                let o = &outcomes[i].0;
                rk::Standing {
                    registration_no: &o.registration_no,
                    total: o.total.as_ref().unwrap_or(&ZERO),
                    tiebreak: &tiebreaks[i],
                    lottery_key: &o.lottery_key,
                }
            })
            .collect();
        rk::order_standings(&one.formation, &standings)
    };
    let mut in_order = Vec::with_capacity(outcomes.len());
    let mut taken = vec![false; outcomes.len()];
    for (k, rank, status) in order {
        let i = ranked[k];
        taken[i] = true;
        let (mut o, t) = outcomes[i].clone();
        o.rank = Some(rank);
        o.status = Some(status);
        in_order.push((o, t));
    }
    // Then everyone else by registration number, as rank_formation lists them.
    in_order.extend(
        outcomes
            .into_iter()
            .zip(taken)
            .filter(|(_, t)| !t)
            .map(|(o, _)| o),
    );
    let inputs = Inputs {
        apps: app_rows
            .into_iter()
            .map(|(id, no, _)| AppRow {
                id,
                registration_no: no.unwrap_or_default(),
                formation_id,
            })
            .collect(),
        domain_apps: Vec::new(),
        ..one
    };
    store(
        tx,
        &inputs,
        &in_order,
        Some(stored),
        published,
        cause_seq,
        false,
    )
    .await
    .map(Some)
}

/// An application of a formation joined with its stored `ranking` row, if any.
struct StandingRow {
    id: Uuid,
    registration_no: Option<String>,
    state: crate::domain::application::ApplicationState,
    r_complete: Option<bool>,
    r_eligibility: Option<String>,
    r_total_exact: Option<String>,
    r_tiebreak_exact: Option<String>,
    r_passed: Option<bool>,
    r_rank: Option<i32>,
    r_status: Option<String>,
    r_lottery_key: Option<String>,
    r_published: Option<bool>,
}

/// Read by position, in the order of the select in [`reorder_from_stored`]:
/// by name, every field of 340 rows after each scorecard was a hash lookup.
impl sea_orm::FromQueryResult for StandingRow {
    fn from_query_result(res: &sea_orm::QueryResult, _pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            id: res.try_get_by_index(0)?,
            registration_no: res.try_get_by_index(1)?,
            state: res.try_get_by_index(2)?,
            r_complete: res.try_get_by_index(3)?,
            r_eligibility: res.try_get_by_index(4)?,
            r_total_exact: res.try_get_by_index(5)?,
            r_tiebreak_exact: res.try_get_by_index(6)?,
            r_passed: res.try_get_by_index(7)?,
            r_rank: res.try_get_by_index(8)?,
            r_status: res.try_get_by_index(9)?,
            r_lottery_key: res.try_get_by_index(10)?,
            r_published: res.try_get_by_index(11)?,
        })
    }
}

impl StandingRow {
    /// The stored row, when the application has one (its NOT NULL columns
    /// are NULL only when the join found none).
    fn stored(&self) -> Option<Stored> {
        Some(Stored {
            application_id: self.id,
            complete: self.r_complete?,
            eligibility: self.r_eligibility.clone()?,
            total_exact: self.r_total_exact.clone(),
            tiebreak_exact: self.r_tiebreak_exact.clone(),
            passed: self.r_passed,
            rank: self.r_rank,
            status: self.r_status.clone(),
            lottery_key: self.r_lottery_key.clone(),
            published: self.r_published?,
        })
    }
}

static ZERO: std::sync::LazyLock<rk::Ratio> =
    std::sync::LazyLock::new(|| rk::Ratio::from_integer(0.into()));

/// Whether step 4 orders this outcome: complete, eligible and passing.
fn rankable(o: &rk::Outcome) -> bool {
    o.complete && o.eligibility == Eligibility::Eligible && o.passed == Some(true)
}
