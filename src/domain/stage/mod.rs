//! Multi-stage selection: who goes on from a stage, and the final ranking of
//! a round whose selection runs in stages (documents → written test →
//! interview).
//!
//! Each stage is scored on its own with the rule of [`crate::domain::ranking`]
//! (its own criteria, completeness and criterion minimums); this module only
//! takes each stage's exact totals and decides:
//!
//! 1. **Who goes on** from a stage ([`shortlist`]), per formation, by the
//!    stage's published [`AdvanceRule`]:
//!    - `passing_total`: a candidate whose total is at least the passing
//!      total goes on (equality passes);
//!    - `top_k`: the best `top_k × seats` candidates go on, and every
//!      candidate whose total **equals** the total at that cut goes on too
//!      (ties at the cut all pass; no lottery decides a shortlist);
//!    - both: the passing total is applied first, then the cut among those
//!      who reached it (so nobody below the passing total takes a place in
//!      the cut).
//!
//!    Only candidates that are complete in the stage and meet its criterion
//!    minimums (`gates_met`) can go on; candidates of a stage who did not go
//!    on from the stage before are not considered (the shortlist gates the
//!    next stage's invitations).
//! 2. **The final ranking** ([`final_standing`]) by the round's
//!    [`FinalRule`]:
//!    - `LastStage`: the last stage's total alone, earlier stages acting only
//!      as gates;
//!    - `Weighted`: `Σ w_s · total_s / Σ w_s` over every stage, with integer
//!      weights, in exact fractions.
//!
//!    Candidates who went on from every earlier stage and are complete and
//!    meet the gates of the last stage are ordered by the final total
//!    descending, then by the last stage's tie-break values descending, then
//!    by `lottery_key` ascending (as in the one-stage rule), and get ranks
//!    1, 2, …: the first `seats` are selected, the next `reserve` reserve,
//!    the rest not selected.
//!
//! Everything is exact ([`Ratio`]); no floating point decides anything.
//! The types carry codes and registration numbers only, so a service can
//! fill them from stored rows and `audit recompute` from exported files.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use num_bigint::BigInt;
use thiserror::Error;
use time::OffsetDateTime;

use super::lottery::LotteryKeys;
use super::ranking::{
    Eligibility, Formation, Outcome, Ratio, RoundRules, Status, status_at, tiebreak_values,
};

#[cfg(test)]
mod proptests;
mod standing;
#[cfg(test)]
mod tests;

pub use standing::{StageResults, StagedStanding, rank_staged, stage_rules};

/// The published rule for who goes on from a stage. At least one part is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AdvanceRule {
    /// The cut is `top_k × seats` of the formation; ties at the cut all pass.
    pub top_k: Option<u32>,
    /// Minimum total (0–100) to go on; equality passes.
    pub passing_total: Option<u32>,
}

/// How the final ranking is computed from the stages' totals.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FinalRule {
    /// The last stage's total alone; earlier stages are only gates.
    LastStage,
    /// `Σ w_s · total_s / Σ w_s`, one integer weight per stage in order.
    Weighted(Vec<u32>),
}

/// One stage of a round, in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StageSpec {
    /// Unique code within the round, e.g. `TERTULIS`.
    pub code: String,
    /// Who goes on; `None` exactly for the last stage.
    pub advance: Option<AdvanceRule>,
}

/// The stage rules of a round: frozen with the rest when registration opens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StagePlan {
    /// The stages, first to last.
    pub stages: Vec<StageSpec>,
    /// The final ranking rule.
    pub final_rule: FinalRule,
}

/// One candidate's result in one stage, as the one-stage ranking computed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Registration number, unique within the formation.
    pub registration_no: String,
    /// Exact total in `[0, 100]`; `None` when incomplete or not eligible.
    pub total: Option<Ratio>,
    /// Whether every criterion minimum of the stage is met.
    pub gates_met: bool,
    /// The stage's tie-break values (`n_c` in tie-break order); only the last
    /// stage's are used.
    pub tiebreak: Vec<Ratio>,
}

impl Candidate {
    /// The candidate of one stage from the one-stage ranking of that stage
    /// (`rules` = the stage's criteria with no passing total of its own, so
    /// `passed` means its criterion minimums): this is how a service or
    /// `audit recompute` feeds each stage's stored outcome to this rule.
    #[must_use]
    pub fn from_outcome(rules: &RoundRules, o: &Outcome) -> Candidate {
        let counts = o.complete && o.eligibility == Eligibility::Eligible;
        Candidate {
            registration_no: o.registration_no.clone(),
            total: if counts { o.total.clone() } else { None },
            gates_met: counts && o.passed == Some(true),
            tiebreak: if counts {
                tiebreak_values(rules, o)
            } else {
                Vec::new()
            },
        }
    }
}

/// Why a stage plan cannot be frozen, or inputs do not fit it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StageError {
    /// A plan needs at least one stage.
    #[error("a stage plan needs at least one stage")]
    NoStages,
    /// Empty or repeated stage code.
    #[error("stage code {0:?} is empty or repeated")]
    BadCode(String),
    /// Every stage but the last needs a rule for who goes on; the last has none.
    #[error("stage {0:?}: every stage but the last has a rule for who goes on, the last has none")]
    AdvancePlacement(String),
    /// A rule with neither part, `top_k = 0` or a passing total above 100.
    #[error("stage {0:?}: the rule needs top_k ≥ 1 and/or a passing total of at most 100")]
    BadAdvance(String),
    /// Weights: one per stage, not all zero.
    #[error("the weighted final rule needs one weight per stage ({stages}), not all zero")]
    BadWeights {
        /// Number of stages.
        stages: usize,
    },
    /// The results given are not one list per stage.
    #[error("{given} stage result lists for {stages} stages")]
    StageCount {
        /// Lists given.
        given: usize,
        /// Stages in the plan.
        stages: usize,
    },
    /// A registration number appears twice in one stage.
    #[error("stage {stage:?}: registration number {registration_no:?} appears twice")]
    Duplicate {
        /// The stage code.
        stage: String,
        /// The repeated number.
        registration_no: String,
    },
}

impl StagePlan {
    /// Checks the plan before it can be frozen.
    ///
    /// # Errors
    /// The first [`StageError`] found.
    pub fn validate(&self) -> Result<(), StageError> {
        if self.stages.is_empty() {
            return Err(StageError::NoStages);
        }
        let mut codes = BTreeSet::new();
        let last = self.stages.len() - 1;
        for (i, s) in self.stages.iter().enumerate() {
            if s.code.trim().is_empty() || !codes.insert(s.code.as_str()) {
                return Err(StageError::BadCode(s.code.clone()));
            }
            match (&s.advance, i == last) {
                (None, true) => {}
                (Some(a), false) => {
                    let bad_k = a.top_k == Some(0);
                    let bad_total = a.passing_total.is_some_and(|t| t > 100);
                    let empty = a.top_k.is_none() && a.passing_total.is_none();
                    if bad_k || bad_total || empty {
                        return Err(StageError::BadAdvance(s.code.clone()));
                    }
                }
                _ => return Err(StageError::AdvancePlacement(s.code.clone())),
            }
        }
        if let FinalRule::Weighted(w) = &self.final_rule
            && (w.len() != self.stages.len() || w.iter().all(|x| *x == 0))
        {
            return Err(StageError::BadWeights {
                stages: self.stages.len(),
            });
        }
        Ok(())
    }
}

/// One candidate's shortlist decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Registration number.
    pub registration_no: String,
    /// Whether the candidate goes on to the next stage.
    pub advances: bool,
    /// Position by total among those who reached the passing total (equal
    /// totals share the best position, 1-based); `None` when not in the
    /// race (incomplete, a criterion minimum or the passing total missed).
    pub position: Option<u32>,
}

fn ratio_of(n: u32) -> Ratio {
    Ratio::from_integer(BigInt::from(n))
}

/// Who goes on from one stage in one formation of `seats` seats.
///
/// Returns one [`Decision`] per candidate, ordered by position then
/// registration number (those out of the race last, by number): the same
/// output for the same candidates in any order.
#[must_use]
pub fn shortlist(rule: &AdvanceRule, seats: u32, candidates: &[Candidate]) -> Vec<Decision> {
    let min = rule.passing_total.map(ratio_of);
    let mut race: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.gates_met)
        .filter(|c| match (&c.total, &min) {
            (Some(t), Some(m)) => t >= m,
            (Some(_), None) => true,
            (None, _) => false,
        })
        .collect();
    race.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then_with(|| a.registration_no.cmp(&b.registration_no))
    });
    // The total a candidate must reach to be within the cut: the total at
    // place `top_k × seats`, so equal totals at the cut all pass.
    let cut_total: Option<&Ratio> = rule.top_k.and_then(|k| {
        let cut = usize::try_from(u64::from(k) * u64::from(seats)).unwrap_or(usize::MAX);
        if cut == 0 {
            // No place at all: a formation without seats shortlists nobody.
            return None;
        }
        race.get(cut - 1).and_then(|c| c.total.as_ref())
    });
    let nobody = rule.top_k.is_some() && seats == 0;
    let mut out: Vec<Decision> = Vec::with_capacity(candidates.len());
    let mut position = 0u32;
    let mut previous: Option<&Ratio> = None;
    for (i, c) in race.iter().enumerate() {
        if previous != c.total.as_ref() {
            position = u32::try_from(i + 1).unwrap_or(u32::MAX);
            previous = c.total.as_ref();
        }
        let advances = !nobody
            && match (cut_total, &c.total) {
                (Some(cut), Some(t)) => t >= cut,
                _ => true,
            };
        out.push(Decision {
            registration_no: c.registration_no.clone(),
            advances,
            position: Some(position),
        });
    }
    let in_race: BTreeSet<&str> = race.iter().map(|c| c.registration_no.as_str()).collect();
    let mut rest: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| !in_race.contains(c.registration_no.as_str()))
        .collect();
    rest.sort_by(|a, b| a.registration_no.cmp(&b.registration_no));
    out.extend(rest.into_iter().map(|c| Decision {
        registration_no: c.registration_no.clone(),
        advances: false,
        position: None,
    }));
    out
}

/// One candidate's final standing in a staged round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalOutcome {
    /// Registration number.
    pub registration_no: String,
    /// The index of the last stage the candidate was considered in (0-based):
    /// the stage they did not go on from, or the last stage.
    pub reached: usize,
    /// Whether they went on from every earlier stage.
    pub through_gates: bool,
    /// The final total (by the final rule); `None` unless through every
    /// gate and complete and eligible in the last stage (a candidate who
    /// misses a criterion minimum of the last stage has it but no rank).
    pub total: Option<Ratio>,
    /// Rank 1..n; `None` unless through every gate and complete in the last stage.
    pub rank: Option<u32>,
    /// Selected, reserve or not selected; `None` when unranked.
    pub status: Option<Status>,
    /// `sha256_hex(seed + ":" + registration_no)`.
    pub lottery_key: String,
}

/// The shortlists of every stage but the last, and the final ranking, of
/// one formation. `results[s]` holds the candidates of stage `s`.
///
/// Outcomes: ranked candidates in rank order, then the others by
/// registration number.
///
/// # Errors
/// A [`StageError`] for an invalid plan, a wrong number of result lists or a
/// registration number repeated within a stage.
pub fn final_standing(
    plan: &StagePlan,
    formation: &Formation,
    seed: &str,
    results: &[Vec<Candidate>],
) -> Result<Vec<FinalOutcome>, StageError> {
    plan.validate()?;
    if results.len() != plan.stages.len() {
        return Err(StageError::StageCount {
            given: results.len(),
            stages: plan.stages.len(),
        });
    }
    let mut by_stage: Vec<BTreeMap<&str, &Candidate>> = Vec::with_capacity(results.len());
    for (spec, list) in plan.stages.iter().zip(results) {
        let mut map = BTreeMap::new();
        for c in list {
            if map.insert(c.registration_no.as_str(), c).is_some() {
                return Err(StageError::Duplicate {
                    stage: spec.code.clone(),
                    registration_no: c.registration_no.clone(),
                });
            }
        }
        by_stage.push(map);
    }
    let everyone: BTreeSet<&str> = by_stage.iter().flat_map(|m| m.keys().copied()).collect();
    // reached[no] = the stage where the candidate stopped (or the last).
    let mut reached: BTreeMap<&str, usize> = everyone.iter().map(|n| (*n, 0)).collect();
    let mut alive: BTreeSet<&str> = everyone.clone();
    let last = plan.stages.len() - 1;
    for (s, spec) in plan.stages.iter().enumerate().take(last) {
        let Some(rule) = &spec.advance else { continue };
        // Only those who went on from the stage before are considered.
        let considered: Vec<Candidate> = by_stage[s]
            .iter()
            .filter(|(n, _)| alive.contains(*n))
            .map(|(_, c)| (*c).clone())
            .collect();
        let going_on: BTreeSet<String> = shortlist(rule, formation.seats, &considered)
            .into_iter()
            .filter(|d| d.advances)
            .map(|d| d.registration_no)
            .collect();
        alive.retain(|n| going_on.contains(*n));
        for n in &alive {
            reached.insert(n, s + 1);
        }
    }
    let lottery = LotteryKeys::new(seed);
    let mut ranked: Vec<(Ratio, Vec<Ratio>, [u8; 32], &str)> = Vec::new();
    // Through every gate with a last-stage total but a criterion minimum of
    // the last stage missed: a final total, no rank.
    let mut unranked_totals: BTreeMap<&str, Ratio> = BTreeMap::new();
    for n in &alive {
        let Some(c) = by_stage[last].get(n) else {
            continue;
        };
        let Some(last_total) = &c.total else {
            continue;
        };
        let total = match &plan.final_rule {
            FinalRule::LastStage => last_total.clone(),
            FinalRule::Weighted(weights) => {
                // Everyone alive here went on from every earlier stage,
                // which needs a total there.
                let mut sum = Ratio::from_integer(BigInt::from(0));
                let mut weight_sum = 0u64;
                for (s, w) in weights.iter().enumerate() {
                    let t = by_stage[s].get(n).and_then(|c| c.total.clone());
                    let Some(t) = t else { continue };
                    sum += t * ratio_of(*w);
                    weight_sum += u64::from(*w);
                }
                sum / Ratio::from_integer(BigInt::from(weight_sum.max(1)))
            }
        };
        if c.gates_met {
            ranked.push((total, c.tiebreak.clone(), lottery.key_bytes(n), n));
        } else {
            unranked_totals.insert(n, total);
        }
    }
    ranked.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| cmp_tiebreaks(&b.1, &a.1))
            .then_with(|| a.2.cmp(&b.2))
            .then_with(|| a.3.cmp(b.3))
    });
    let mut out = Vec::with_capacity(everyone.len());
    let mut done = BTreeSet::new();
    for ((total, _, _, n), rank) in ranked.into_iter().zip(1u32..) {
        done.insert(n);
        out.push(FinalOutcome {
            registration_no: n.to_owned(),
            reached: last,
            through_gates: true,
            total: Some(total),
            rank: Some(rank),
            status: Some(status_at(formation, rank)),
            lottery_key: lottery.key(n),
        });
    }
    for n in everyone.iter().filter(|n| !done.contains(*n)) {
        let at = reached.get(n).copied().unwrap_or(0);
        let total = unranked_totals.remove(*n);
        out.push(FinalOutcome {
            registration_no: (*n).to_owned(),
            reached: at,
            through_gates: at == last,
            total,
            rank: None,
            status: None,
            lottery_key: lottery.key(n),
        });
    }
    Ok(out)
}

/// Tie-break lists compared value by value (a shorter list, only possible
/// with bad inputs, compares by its length last).
fn cmp_tiebreaks(a: &[Ratio], b: &[Ratio]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.cmp(y))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}

/// A published shortlist as the round's pages show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub stage_code: String,
    pub published_at: OffsetDateTime,
    /// The end of its objection window.
    pub objection_ends_at: OffsetDateTime,
    /// Candidates considered, over every formation.
    pub considered: usize,
    /// Of those, who went on.
    pub went_on: usize,
}
