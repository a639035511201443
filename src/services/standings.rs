//! Standings and ranks of a formation, stored and kept current (DESIGN §5, §6).
//!
//! Every input change (a score, an amendment, a recusal, an eligibility
//! decision, a withdrawal, an imported value, an objection outcome) calls
//! [`recompute_formation`] in the same transaction, right after appending the
//! event that describes the change. The stored `ranking` rows are the one
//! source for every page and export: nothing recomputes ranks differently for
//! display. Before results are published the rows are live standings for
//! admins; from publication on, every move of a rank or status appends a
//! `ranking.changed` event naming the event that caused it.

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::ServiceError;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::entities::{
    application, conflict_declaration, criterion, formation, imported_value, panel_formation,
    panel_member, ranking, round, score_value, score_version, scorecard,
};
use crate::domain::ranking::{
    self as rk, Aggregation, CriterionKind, Eligibility, PanelScore, RoundRules, format_fraction,
};

/// Round states in which the stored standings are published ranks.
pub const PUBLISHED_STATES: [&str; 3] = ["provisional", "objection", "final"];

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
pub(crate) fn eligibility(state: &str) -> Eligibility {
    match state {
        "eligible" => Eligibility::Eligible,
        "ineligible" => Eligibility::Ineligible,
        "withdrawn" => Eligibility::Withdrawn,
        _ => Eligibility::Pending,
    }
}

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("{e}"))
}

/// The domain input of one formation, read from the database.
struct Inputs {
    round: round::Model,
    rules: RoundRules,
    formation: rk::Formation,
    apps: Vec<application::Model>,
    domain_apps: Vec<rk::Application>,
}

async fn load<C: ConnectionTrait>(tx: &C, formation_id: Uuid) -> Result<Inputs, ServiceError> {
    let f = formation::Entity::find_by_id(formation_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let round = round::Entity::find_by_id(f.round_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round.id))
        .order_by_asc(criterion::Column::Position)
        .all(tx)
        .await?;
    let code_of: HashMap<Uuid, String> = criteria.iter().map(|c| (c.id, c.code.clone())).collect();
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
    let formation = rk::Formation {
        code: f.code.clone(),
        seats: u32::try_from(f.seats).unwrap_or(0),
        reserve: u32::try_from(f.reserve).unwrap_or(0),
    };

    let apps = application::Entity::find()
        .filter(application::Column::FormationId.eq(formation_id))
        .filter(application::Column::State.ne("draft"))
        .filter(application::Column::RegistrationNo.is_not_null())
        .order_by_asc(application::Column::RegistrationNo)
        .all(tx)
        .await?;
    let in_formation = || {
        Query::select()
            .column(application::Column::Id)
            .from(application::Entity)
            .and_where(application::Column::FormationId.eq(formation_id))
            .to_owned()
    };

    let panel_ids: Vec<Uuid> = panel_formation::Entity::find()
        .filter(panel_formation::Column::FormationId.eq(formation_id))
        .all(tx)
        .await?
        .into_iter()
        .map(|p| p.panel_id)
        .collect();
    let mut panelists: Vec<Uuid> = panel_member::Entity::find()
        .filter(panel_member::Column::PanelId.is_in(panel_ids))
        .all(tx)
        .await?
        .into_iter()
        .map(|m| m.account_id)
        .collect();
    panelists.sort();
    panelists.dedup();

    let recused: std::collections::HashSet<(Uuid, Uuid)> = conflict_declaration::Entity::find()
        .filter(conflict_declaration::Column::ApplicationId.in_subquery(in_formation()))
        .filter(conflict_declaration::Column::Recused.eq(true))
        .all(tx)
        .await?
        .into_iter()
        .map(|c| (c.application_id, c.panelist_id))
        .collect();
    let cards = scorecard::Entity::find()
        .filter(scorecard::Column::ApplicationId.in_subquery(in_formation()))
        .filter(scorecard::Column::CurrentVersion.gt(0))
        .all(tx)
        .await?;
    let versions = score_version::Entity::find()
        .filter(
            score_version::Column::ScorecardId.in_subquery(
                Query::select()
                    .column(scorecard::Column::Id)
                    .from(scorecard::Entity)
                    .and_where(scorecard::Column::ApplicationId.in_subquery(in_formation()))
                    .to_owned(),
            ),
        )
        .all(tx)
        .await?;
    let current: HashMap<Uuid, Uuid> = {
        let latest: HashMap<Uuid, i32> = cards.iter().map(|c| (c.id, c.current_version)).collect();
        versions
            .iter()
            .filter(|v| latest.get(&v.scorecard_id) == Some(&v.version))
            .map(|v| (v.scorecard_id, v.id))
            .collect()
    };
    let version_ids: Vec<Uuid> = current.values().copied().collect();
    let mut values: HashMap<Uuid, BTreeMap<String, i64>> = HashMap::new();
    for chunk in version_ids.chunks(500) {
        for v in score_value::Entity::find()
            .filter(score_value::Column::ScoreVersionId.is_in(chunk.iter().copied()))
            .all(tx)
            .await?
        {
            let code = code_of
                .get(&v.criterion_id)
                .cloned()
                .ok_or_else(|| internal("score for an unknown criterion"))?;
            values
                .entry(v.score_version_id)
                .or_default()
                .insert(code, i64::from(v.value));
        }
    }
    let mut submitted: HashMap<(Uuid, Uuid), BTreeMap<String, i64>> = HashMap::new();
    for card in &cards {
        if let Some(vals) = current.get(&card.id).and_then(|vid| values.get(vid)) {
            submitted.insert((card.application_id, card.panelist_id), vals.clone());
        }
    }
    let mut imported: HashMap<Uuid, BTreeMap<String, i64>> = HashMap::new();
    for v in imported_value::Entity::find()
        .filter(imported_value::Column::ApplicationId.in_subquery(in_formation()))
        .all(tx)
        .await?
    {
        let code = code_of
            .get(&v.criterion_id)
            .cloned()
            .ok_or_else(|| internal("imported value for an unknown criterion"))?;
        imported
            .entry(v.application_id)
            .or_default()
            .insert(code, i64::from(v.value));
    }

    let domain_apps = apps
        .iter()
        .map(|a| rk::Application {
            registration_no: a.registration_no.clone().unwrap_or_default(),
            eligibility: eligibility(&a.state),
            panel_scores: panelists
                .iter()
                .map(|p| PanelScore {
                    panelist_id: p.to_string(),
                    recused: recused.contains(&(a.id, *p)),
                    submitted: submitted.get(&(a.id, *p)).cloned(),
                })
                .collect(),
            imported: imported.remove(&a.id).unwrap_or_default(),
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
pub async fn recompute_formation<C: ConnectionTrait>(
    tx: &C,
    formation_id: Uuid,
    cause_seq: i64,
) -> Result<Vec<RankChange>, ServiceError> {
    let inputs = load(tx, formation_id).await?;
    let published = PUBLISHED_STATES.contains(&inputs.round.state.as_str());
    let outcomes = rk::rank_formation(&inputs.rules, &inputs.formation, &inputs.domain_apps)
        .map_err(internal)?;
    store(tx, &inputs, &outcomes, published, cause_seq, false).await
}

/// [`recompute_formation`] for an input change of an application of `round`
/// in `formation_id` (if any). Standings exist only once the rules are frozen
/// (registration opened): before that the criteria may still change, so
/// there is nothing to rank.
///
/// # Errors
/// As [`recompute_formation`].
pub async fn recompute_after_input<C: ConnectionTrait>(
    tx: &C,
    round: &round::Model,
    formation_id: Option<Uuid>,
    cause_seq: i64,
) -> Result<Vec<RankChange>, ServiceError> {
    match formation_id {
        Some(f) if round.frozen_hash.is_some() => recompute_formation(tx, f, cause_seq).await,
        _ => Ok(Vec::new()),
    }
}

/// Publishes the current standings of every formation of a round as ranks:
/// each application with a rank or status gets its first `ranking.changed`
/// event (from rank 0), caused by the publication event `cause_seq`.
///
/// # Errors
/// Storage failures or rejected inputs.
pub async fn publish_round<C: ConnectionTrait>(
    tx: &C,
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
        let inputs = load(tx, f.id).await?;
        let outcomes = rk::rank_formation(&inputs.rules, &inputs.formation, &inputs.domain_apps)
            .map_err(internal)?;
        all.extend(store(tx, &inputs, &outcomes, true, cause_seq, true).await?);
    }
    Ok(all)
}

async fn store<C: ConnectionTrait>(
    tx: &C,
    inputs: &Inputs,
    outcomes: &[rk::Outcome],
    published: bool,
    cause_seq: i64,
    first_publication: bool,
) -> Result<Vec<RankChange>, ServiceError> {
    let by_no: HashMap<&str, &application::Model> = inputs
        .apps
        .iter()
        .filter_map(|a| a.registration_no.as_deref().map(|n| (n, a)))
        .collect();
    let ids: Vec<Uuid> = inputs.apps.iter().map(|a| a.id).collect();
    let mut existing: HashMap<Uuid, ranking::Model> = HashMap::new();
    for chunk in ids.chunks(500) {
        for r in ranking::Entity::find()
            .filter(ranking::Column::ApplicationId.is_in(chunk.iter().copied()))
            .all(tx)
            .await?
        {
            existing.insert(r.application_id, r);
        }
    }
    let now = time::OffsetDateTime::now_utc();
    let mut inserts = Vec::new();
    let mut changes = Vec::new();
    for o in outcomes {
        let app = by_no
            .get(o.registration_no.as_str())
            .ok_or_else(|| internal("outcome for an unknown application"))?;
        let rank = o.rank.map(|r| i32::try_from(r).unwrap_or(i32::MAX));
        let status = o.status.map(|s| s.as_str().to_owned());
        let total = o.total.as_ref().map(format_fraction);
        let row = ranking::ActiveModel {
            application_id: Set(app.id),
            round_id: Set(inputs.round.id),
            formation_id: Set(app.formation_id.unwrap_or_default()),
            complete: Set(o.complete),
            eligibility: Set(o.eligibility.as_str().to_owned()),
            total_exact: Set(total.clone()),
            passed: Set(o.passed),
            rank: Set(rank),
            status: Set(status.clone()),
            lottery_key: Set(Some(o.lottery_key.clone())),
            published: Set(published),
            updated_at: Set(now),
        };
        let (old_rank, old_status) = match existing.get(&app.id) {
            // At the first publication every application starts from rank 0
            // and no status, whatever the live standings were.
            Some(_) if first_publication => (None, None),
            Some(old) => (old.rank, old.status.clone()),
            None => (None, None),
        };
        match existing.get(&app.id) {
            Some(old)
                if old.rank == rank
                    && old.status == status
                    && old.total_exact == total
                    && old.complete == o.complete
                    && old.eligibility == o.eligibility.as_str()
                    && old.passed == o.passed
                    && old.lottery_key.as_deref() == Some(o.lottery_key.as_str())
                    && old.published == published => {}
            Some(_) => {
                row.update(tx).await?;
            }
            None => inserts.push(row),
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
    for chunk in inserts.chunks(200) {
        ranking::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(tx)
            .await?;
    }
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
