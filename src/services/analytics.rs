//! Panel analytics of a round for auditors and admins: loads the
//! latest submitted scores per formation and the amendments and rank moves
//! from the trail, and hands them to the pure statistics in
//! [`crate::domain::analytics`]. Reads only; flags are never acted upon.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::ServiceError;
use super::trail::{RankStep, require_reader};
use crate::db::entities::{
    account, application, audit_event, conflict_declaration, criterion, formation, round,
    score_value, score_version, scorecard,
};
use crate::domain::analytics::{self as an, Amendment, AmendmentEffect, RankMove, Scale, Score};
use crate::domain::role::Role;

pub use crate::domain::analytics::{
    CriterionDistribution, FormationAnalytics, PanelistRow, RoundAnalytics,
};

/// Computes the panel analytics of every formation of a round (or of one).
///
/// # Errors
/// `Forbidden` unless auditor or admin; `NotFound` for an unknown round or
/// a formation of another round.
pub async fn round_analytics<C: ConnectionTrait>(
    db: &C,
    role: Role,
    round_id: Uuid,
    only: Option<Uuid>,
) -> Result<RoundAnalytics, ServiceError> {
    require_reader(role)?;
    let round = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut fq = formation::Entity::find().filter(formation::Column::RoundId.eq(round_id));
    if let Some(f) = only {
        fq = fq.filter(formation::Column::Id.eq(f));
    }
    let formations = fq.order_by_asc(formation::Column::Code).all(db).await?;
    if only.is_some() && formations.is_empty() {
        return Err(ServiceError::NotFound);
    }
    let criteria: Vec<criterion::Model> = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round_id))
        .filter(criterion::Column::Kind.eq("panel"))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await?;
    let scales: Vec<Scale> = criteria
        .iter()
        .map(|c| Scale {
            code: c.code.clone(),
            min: i64::from(c.scale_min),
            max: i64::from(c.scale_max),
        })
        .collect();
    let code_of: HashMap<Uuid, &str> = criteria.iter().map(|c| (c.id, c.code.as_str())).collect();

    let apps = application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .filter(application::Column::RegistrationNo.is_not_null())
        .all(db)
        .await?;
    let formation_of_app: HashMap<Uuid, Uuid> = apps
        .iter()
        .filter_map(|a| a.formation_id.map(|f| (a.id, f)))
        .collect();
    let formation_of_no: HashMap<String, Uuid> = apps
        .iter()
        .filter_map(|a| Some((a.registration_no.clone()?, a.formation_id?)))
        .collect();

    // Latest submitted values of every scorecard of the round.
    let app_ids: Vec<Uuid> = apps.iter().map(|a| a.id).collect();
    let mut cards = Vec::new();
    for chunk in app_ids.chunks(500) {
        cards.extend(
            scorecard::Entity::find()
                .filter(scorecard::Column::ApplicationId.is_in(chunk.iter().copied()))
                .filter(scorecard::Column::CurrentVersion.gt(0))
                .all(db)
                .await?,
        );
    }
    let cards = counting_scorecards(db, cards, &formation_of_app).await?;
    let mut current: HashMap<Uuid, &scorecard::Model> = HashMap::new();
    for chunk in cards.chunks(500) {
        for v in score_version::Entity::find()
            .filter(score_version::Column::ScorecardId.is_in(chunk.iter().map(|c| c.id)))
            .all(db)
            .await?
        {
            if let Some(card) = chunk
                .iter()
                .find(|c| c.id == v.scorecard_id && c.current_version == v.version)
            {
                current.insert(v.id, card);
            }
        }
    }
    let version_ids: Vec<Uuid> = current.keys().copied().collect();
    let mut scores: HashMap<Uuid, Vec<Score>> = HashMap::new();
    for chunk in version_ids.chunks(500) {
        for v in score_value::Entity::find()
            .filter(score_value::Column::ScoreVersionId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            let (Some(card), Some(code)) = (
                current.get(&v.score_version_id),
                code_of.get(&v.criterion_id),
            ) else {
                continue;
            };
            let Some(f) = formation_of_app.get(&card.application_id) else {
                continue;
            };
            scores.entry(*f).or_default().push(Score {
                panelist: card.panelist_id.to_string(),
                application: card.application_id.to_string(),
                criterion: (*code).to_owned(),
                value: i64::from(v.value),
            });
        }
    }

    // Amendments and published rank moves from the trail (round + action index).
    let trail = |action: &'static str| {
        audit_event::Entity::find()
            .filter(audit_event::Column::RoundId.eq(round_id.to_string()))
            .filter(audit_event::Column::Action.eq(action))
            .order_by_asc(audit_event::Column::Seq)
            .all(db)
    };
    let mut amendments: HashMap<Uuid, Vec<Amendment>> = HashMap::new();
    for e in trail("score.amended").await? {
        let p: serde_json::Value = serde_json::from_str(&e.payload).unwrap_or_default();
        let panelist = p["panelist_id"].as_str().unwrap_or(&e.actor).to_owned();
        let no = e
            .registration_no
            .clone()
            .or_else(|| p["registration_no"].as_str().map(str::to_owned))
            .unwrap_or_default();
        if let Some(f) = formation_of_no.get(&no) {
            amendments.entry(*f).or_default().push(Amendment {
                panelist,
                seq: e.seq,
            });
        }
    }
    let moves: Vec<RankMove> = trail("ranking.changed")
        .await?
        .iter()
        .filter_map(|e| RankStep::from_payload(&e.payload))
        .map(|s| RankMove {
            cause_seq: s.cause_seq,
            from_status: s.from_status,
            to_status: s.to_status,
        })
        .collect();

    let panelist_ids: Vec<Uuid> = cards.iter().map(|c| c.panelist_id).collect();
    let names: HashMap<String, String> = account::Entity::find()
        .filter(account::Column::Id.is_in(panelist_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), a.name))
        .collect();

    let mut out = Vec::new();
    for f in formations {
        let fs = scores.remove(&f.id).unwrap_or_default();
        let effects: BTreeMap<String, AmendmentEffect> =
            an::amendment_effects(amendments.get(&f.id).map_or(&[][..], Vec::as_slice), &moves);
        let mut panelists: Vec<PanelistRow> = an::panelist_stats(&scales, &fs)
            .into_iter()
            .map(|stats| PanelistRow {
                name: names.get(&stats.panelist).cloned().unwrap_or_default(),
                id: stats.panelist.clone(),
                amendments: effects.get(&stats.panelist).cloned().unwrap_or_default(),
                stats,
            })
            .collect();
        panelists.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        let distributions = criteria
            .iter()
            .zip(&scales)
            .map(|(c, s)| {
                let values: Vec<i64> = fs
                    .iter()
                    .filter(|x| x.criterion == c.code)
                    .map(|x| x.value)
                    .collect();
                CriterionDistribution {
                    code: c.code.clone(),
                    name_id: c.name_id.clone(),
                    name_en: c.name_en.clone(),
                    bins: an::distribution(s, &values),
                }
            })
            .collect();
        out.push(FormationAnalytics {
            agreement: an::agreement(&scales, &fs),
            formation: f.into(),
            panelists,
            distributions,
        });
    }
    Ok(RoundAnalytics {
        round: (&round).into(),
        formations: out,
    })
}

/// The scorecards whose values feed the analytics: those the ranking counts.
/// A panelist recused from an application, or no longer on the panel of its
/// formation, has values that no rank rests on, so they are left out here
/// too (their scorecards stay on the panelist's audit page).
///
/// # Errors
/// Storage failures.
async fn counting_scorecards<C: ConnectionTrait>(
    db: &C,
    cards: Vec<scorecard::Model>,
    formation_of_app: &HashMap<Uuid, Uuid>,
) -> Result<Vec<scorecard::Model>, ServiceError> {
    let mut recused = std::collections::HashSet::new();
    let app_ids: Vec<Uuid> = cards.iter().map(|c| c.application_id).collect();
    for chunk in app_ids.chunks(500) {
        for d in conflict_declaration::Entity::find()
            .filter(conflict_declaration::Column::ApplicationId.is_in(chunk.iter().copied()))
            .filter(conflict_declaration::Column::Recused.eq(true))
            .all(db)
            .await?
        {
            recused.insert((d.application_id, d.panelist_id));
        }
    }
    let mut panels: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for f in formation_of_app.values() {
        if !panels.contains_key(f) {
            panels.insert(*f, super::standings::formation_panelists(db, *f).await?);
        }
    }
    Ok(cards
        .into_iter()
        .filter(|c| !recused.contains(&(c.application_id, c.panelist_id)))
        .filter(|c| {
            formation_of_app
                .get(&c.application_id)
                .and_then(|f| panels.get(f))
                .is_some_and(|members| members.contains(&c.panelist_id))
        })
        .collect())
}
