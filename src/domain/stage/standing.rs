//! The stored standing of every application of a staged round: what the
//! server keeps in its standings and exports in `rankings.csv`, and what
//! `audit recompute` derives again from the exported files. Both feed this
//! one function, so they cannot read the stage rule differently.
//!
//! Earlier stages enter as their **published** shortlists: a shortlist is a
//! decision, signed when it is published, and it stays the gate even when
//! an applicant who went on withdraws later (no place is re-opened). A
//! stage whose shortlist is not published yet lets nobody on, so nobody is
//! ranked before every shortlist is out.

use std::collections::BTreeMap;

use super::{Candidate, StageError, StagePlan, final_standing};
use crate::domain::ranking::{
    Eligibility, Formation, Outcome, Ratio, RoundRules, Status, format_rounded_2dp,
};

/// One stage's results in one formation, as [`rank_staged`] takes them.
#[derive(Debug, Clone)]
pub struct StageResults {
    /// The stage's one-stage rules ([`stage_rules`]).
    pub rules: RoundRules,
    /// [`crate::domain::ranking::rank_formation`] of every application of
    /// the formation under `rules`, from the current values.
    pub outcomes: Vec<Outcome>,
    /// For a stage with a rule for who goes on: its published shortlist,
    /// one [`Candidate::published`] per entry; `None` until it is published.
    /// Not read for the last stage.
    pub shortlist: Option<Vec<Candidate>>,
}

/// One application's standing in a staged round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedStanding {
    /// In the shape of a one-stage outcome (see [`rank_staged`] for what
    /// each field means here).
    pub outcome: Outcome,
    /// The last stage's tie-break values, when `outcome.total` is set.
    pub tiebreak: Option<Vec<Ratio>>,
    /// The index of the stage the application reached: the first stage it
    /// did not go on from, or the last.
    pub reached: usize,
}

impl Candidate {
    /// A candidate of a published shortlist entry: its total as published
    /// and whether it was in the race (`position` set), so that
    /// [`super::shortlist`] over the entries gives the published decisions
    /// again, and a weighted final total uses the total that was published.
    #[must_use]
    pub fn published(registration_no: &str, total: Option<Ratio>, position: Option<u32>) -> Self {
        Candidate {
            registration_no: registration_no.to_owned(),
            gates_met: total.is_some() && position.is_some(),
            total,
            tiebreak: Vec::new(),
        }
    }
}

/// The one-stage rules of one stage: the round's rules (`round`, all its
/// criteria) restricted to the criteria `in_stage` names, with no passing
/// total of its own (each stage's rule for who goes on decides), and no
/// panelist needed when the stage has imported criteria only (a written
/// test).
#[must_use]
pub fn stage_rules(round: &RoundRules, in_stage: impl Fn(&str) -> bool) -> RoundRules {
    let criteria: Vec<_> = round
        .criteria
        .iter()
        .filter(|c| in_stage(&c.code))
        .cloned()
        .collect();
    let imported_only = criteria
        .iter()
        .all(|c| c.kind == crate::domain::ranking::CriterionKind::Imported);
    RoundRules {
        aggregation: round.aggregation,
        passing_total: None,
        min_panelists: if imported_only {
            0
        } else {
            round.min_panelists
        },
        criteria,
        seed: round.seed.clone(),
    }
}

/// The standings of one formation of a staged round, by
/// [`final_standing`] over the published shortlists of the earlier stages
/// and the last stage's current results. `stages[s]` holds stage `s`; every
/// application appears in every stage's `outcomes` (the formation's
/// applications, whatever they reached).
///
/// Per application (`outcome`):
/// - `eligibility`: as given;
/// - `complete`: complete in the stage it reached;
/// - `total`: the final total (by the final rule) when through every gate
///   and complete and eligible in the last stage, else `None`;
/// - `passed`: `true` when ranked; `false` when through every gate with a
///   final total but a criterion minimum of the last stage missed, or when
///   eligible and stopped at a stage whose shortlist is published (it did
///   not go on); else `None` (still undecided, or not eligible);
/// - `rank` and `status` as in the one-stage rule (`not_passed` exactly when
///   `passed` is `false`);
/// - `lottery_key` as in the one-stage rule.
///
/// Ranked applications come first in rank order, then the others by
/// registration number.
///
/// # Errors
/// A [`StageError`] for an invalid plan, a wrong number of stages or a
/// registration number repeated within a stage.
pub fn rank_staged(
    plan: &StagePlan,
    formation: &Formation,
    stages: &[StageResults],
) -> Result<Vec<StagedStanding>, StageError> {
    plan.validate()?;
    let Some(last_stage) = stages.last() else {
        return Err(StageError::StageCount {
            given: 0,
            stages: plan.stages.len(),
        });
    };
    if stages.len() != plan.stages.len() {
        return Err(StageError::StageCount {
            given: stages.len(),
            stages: plan.stages.len(),
        });
    }
    let last = stages.len() - 1;
    let last_candidates: Vec<Candidate> = last_stage
        .outcomes
        .iter()
        .map(|o| Candidate::from_outcome(&last_stage.rules, o))
        .collect();
    let mut results: Vec<Vec<Candidate>> = stages[..last]
        .iter()
        .map(|s| s.shortlist.clone().unwrap_or_default())
        .collect();
    results.push(last_candidates);
    let finals = final_standing(plan, formation, &last_stage.rules.seed, &results)?;

    let by_stage: Vec<BTreeMap<&str, &Outcome>> = stages
        .iter()
        .map(|s| {
            s.outcomes
                .iter()
                .map(|o| (o.registration_no.as_str(), o))
                .collect()
        })
        .collect();
    let tiebreak_of: BTreeMap<&str, &Vec<Ratio>> = results[last]
        .iter()
        .map(|c| (c.registration_no.as_str(), &c.tiebreak))
        .collect();
    let mut out = Vec::with_capacity(last_stage.outcomes.len());
    for fo in finals {
        let no = fo.registration_no.as_str();
        let Some(o_last) = by_stage[last].get(no) else {
            // Only in a published shortlist, not among the formation's
            // applications now: nothing to store.
            continue;
        };
        let reached = fo.reached.min(last);
        let o_at = by_stage[reached].get(no).copied().unwrap_or(o_last);
        let eligible = o_last.eligibility == Eligibility::Eligible;
        let stopped_by_a_published_shortlist =
            reached < last && stages[reached].shortlist.is_some() && eligible;
        let passed = if fo.rank.is_some() {
            Some(true)
        } else if fo.total.is_some() || stopped_by_a_published_shortlist {
            Some(false)
        } else {
            None
        };
        let status = fo
            .status
            .or((passed == Some(false)).then_some(Status::NotPassed));
        let tiebreak = fo.total.as_ref().map(|_| {
            tiebreak_of
                .get(no)
                .map(|t| (*t).clone())
                .unwrap_or_default()
        });
        out.push(StagedStanding {
            outcome: Outcome {
                registration_no: fo.registration_no.clone(),
                eligibility: o_last.eligibility,
                complete: o_at.complete,
                incomplete: o_at.incomplete.clone(),
                criteria: o_at.criteria.clone(),
                total_rounded_2dp: fo.total.as_ref().map(format_rounded_2dp),
                total: fo.total,
                passed,
                rank: fo.rank,
                status,
                lottery_key: fo.lottery_key,
            },
            tiebreak,
            reached,
        });
    }
    Ok(out)
}
