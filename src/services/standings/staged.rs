//! The outcomes of a staged round: each stage on its own, earlier
//! published shortlists as gates, the final rule over the stage totals.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::inputs::load;
use super::{Inputs, Known, internal};
use crate::db::entities::{round_stage, stage_shortlist, stage_shortlist_entry};
use crate::domain::ranking::{self as rk, format_fraction};
use crate::domain::stage::{Candidate, StageResults, rank_staged};
use crate::services::ServiceError;

/// The standings of a formation of a staged round: every stage scored on
/// its own from the stored values, the earlier stages' published
/// shortlists as gates, the final rule over them ([`rank_staged`]). `last`
/// holds the last stage's inputs ([`load`] without a stage). `None` for a
/// one-stage round.
pub(super) async fn staged_outcomes(
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
        .await?
        .into_iter()
        .map(crate::services::rounds::Stage::from)
        .collect::<Vec<_>>();
    let Some(plan) =
        crate::services::rounds::stored_plan(last.round.final_rule.as_deref(), &stages)
    else {
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
