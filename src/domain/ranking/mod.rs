//! Scoring and ranking of one formation, exactly as published.
//!
//! This module is the contract an outside auditor re-computes, so it is plain
//! data in, plain data out, with no floating point anywhere:
//!
//! 1. An application is *complete* when at least `min_panelists` non-recused
//!    panelists submitted a scorecard and every imported criterion has a value.
//! 2. For a complete application and each criterion `c`: `m_c` is the mean of
//!    the latest submitted values of the non-recused panelists (`trimmed_mean`
//!    drops one highest and one lowest value when there are at least 5), or the
//!    imported value; `n_c = (m_c − min_c) / (max_c − min_c)`;
//!    `total = Σ w_c · n_c`, in `[0, 100]`.
//! 3. It passes when every `m_c ≥ pass_c` and `total ≥ passing_total`
//!    (equality passes).
//! 4. Passing eligible applications are ordered by `total` descending, then by
//!    `n_c` of each tie-break criterion in `tiebreak_order` (each descending),
//!    then by `lottery_key = sha256_hex(seed + ":" + registration_no)`
//!    ascending (lowercase hex, compared as text). Ranks are 1..n; the first
//!    `seats` are selected, the next `reserve` are reserve, the rest are not
//!    selected. Complete eligible applications that do not pass are
//!    `not_passed` and unranked. Incomplete or not eligible applications get no
//!    rank and no status.
//!
//! # Exact arithmetic
//!
//! Values are [`Ratio`] = `num_rational::BigRational`, arbitrary precision.
//! A fixed-width `Ratio<i128>` is not enough for every valid round: the total's
//! denominator divides `K · lcm(max_c − min_c)`, and 20 criteria whose scale
//! widths are distinct primes near 1000 already give an lcm near 10^60, beyond
//! i128's 1.7·10^38. Because such rounds are legal, the result type must not
//! be able to overflow. For speed, each total is first accumulated in `i128`
//! with checked operations (enough for every realistic round) and only falls
//! back to `BigRational` when a step would overflow; both paths give the same
//! value (see the `fast_and_big_totals_agree` property test).
//!
//! Sorting never allocates or hashes per comparison: totals and tie-break
//! values are scaled once to a common `i128` denominator per formation (falling
//! back to exact cross-multiplication), and lottery keys are compared as raw
//! SHA-256 digests, whose byte order equals the order of their hex text.

use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::sync::Arc;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use thiserror::Error;

use super::lottery::{LotteryKeys, lower_hex};

mod error;
mod fast;
mod fraction;
mod model;
#[cfg(test)]
mod proptests;
mod score;
mod standings;
#[cfg(test)]
mod tests;

pub use error::{FractionError, RankingError, RulesError};
use fraction::rounded_2dp_small;
pub use fraction::{decimal_and_fraction, format_fraction, format_rounded_2dp, parse_fraction};
pub use model::*;
pub use standings::{Standing, cmp_standings, order_standings, tiebreak_values};

use fast::*;
use score::*;

/// Ranks one formation by the rules above.
///
/// Returns one [`Outcome`] per application: ranked ones in rank order, then
/// all others by registration number — the same order for the same input,
/// whatever order the applications came in.
///
/// # Errors
/// [`RankingError::Rules`] when the rules do not validate; otherwise a
/// [`RankingError`] naming the first bad input: a repeated registration number
/// or panelist, a submitted scorecard missing a panel criterion or naming an
/// unknown one, an imported value for a code that is not an imported
/// criterion, or a value outside its scale.
pub fn rank_formation(
    rules: &RoundRules,
    formation: &Formation,
    applications: &[Application],
) -> Result<Vec<Outcome>, RankingError> {
    rules.validate()?;
    let plan = Plan::new(rules);

    let mut seen = HashSet::with_capacity(applications.len());
    for app in applications {
        if !seen.insert(app.registration_no.as_str()) {
            return Err(RankingError::DuplicateRegistrationNo {
                formation: formation.code.clone(),
                registration_no: app.registration_no.clone(),
            });
        }
    }

    let lottery = LotteryKeys::new(&rules.seed);
    // Steps 1–3 score each application on its own: large formations are
    // scored on every core (small ones stay on the calling thread, where
    // fanning out would cost more than it saves); step 4 below is one sort.
    let scored: Vec<Result<(Outcome, Option<Passing>), RankingError>> = applications
        .par_iter()
        .with_min_len(PARALLEL_MIN_APPLICATIONS)
        .map_init(
            || Scratch::new(rules.criteria.len()),
            |scratch, app| score_one(rules, &plan, &lottery, app, scratch),
        )
        .collect();
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(applications.len());
    let mut keys: Vec<SortKey> = Vec::with_capacity(applications.len());
    let mut unranked: Vec<usize> = Vec::new();
    // The (sum, count) of each tie-break criterion, `plan.tiebreak.len()` per
    // passing application, in one buffer instead of one Vec each.
    let mut tiebreak_parts: Vec<(i128, i128)> = Vec::new();
    for (idx, res) in scored.into_iter().enumerate() {
        let (outcome, passing) = res?;
        match passing {
            Some(p) => {
                let tiebreak_start = tiebreak_parts.len();
                tiebreak_parts.extend_from_slice(&p.tiebreak);
                keys.push(SortKey {
                    total: p.total,
                    pos: keys.len(),
                    tiebreak_start,
                    lottery: p.lottery,
                    idx,
                });
            }
            None => unranked.push(idx),
        }
        outcomes.push(Some(outcome));
    }

    let k = plan.tiebreak.len();
    // Usually every total fits one common i128 denominator; then the sort
    // compares plain integers instead of cross-multiplying each time.
    let totals: Vec<Option<(i128, i128)>> = keys.iter().map(|key| key.total).collect();
    let scaled_totals = scale_to_common_denominator(&totals);
    let tiebreak_scaled = scale_tiebreaks(&tiebreak_parts, k);
    keys.sort_unstable_by(|a, b| {
        let by_total = match &scaled_totals {
            Some(scaled) => scaled[a.pos].cmp(&scaled[b.pos]),
            None => {
                let exact =
                    |key: &SortKey| outcomes[key.idx].as_ref().and_then(|o| o.total.as_ref());
                cmp_total(a.total, b.total, || exact(a), || exact(b))
            }
        };
        by_total
            .reverse()
            .then_with(|| {
                let (ra, rb) = (
                    a.tiebreak_start..a.tiebreak_start + k,
                    b.tiebreak_start..b.tiebreak_start + k,
                );
                match &tiebreak_scaled {
                    Some(scaled) => scaled[rb].cmp(&scaled[ra]),
                    None => tiebreak_parts[ra]
                        .iter()
                        .zip(&tiebreak_parts[rb])
                        .map(|(x, y)| cmp_quotient(*x, *y).reverse())
                        .find(|o| o.is_ne())
                        .unwrap_or(Ordering::Equal),
                }
            })
            .then_with(|| a.lottery.cmp(&b.lottery))
            // Only reachable on a SHA-256 collision, but keeps the order total.
            .then_with(|| {
                applications[a.idx]
                    .registration_no
                    .cmp(&applications[b.idx].registration_no)
            })
    });
    unranked.sort_unstable_by(|&a, &b| {
        applications[a]
            .registration_no
            .cmp(&applications[b].registration_no)
    });

    let mut result = Vec::with_capacity(applications.len());
    for (key, rank) in keys.iter().zip(1u32..) {
        let Some(mut o) = outcomes[key.idx].take() else {
            continue;
        };
        o.rank = Some(rank);
        o.status = Some(status_at(formation, rank));
        result.push(o);
    }
    result.extend(unranked.iter().filter_map(|&i| outcomes[i].take()));
    Ok(result)
}

/// The status of rank `rank` (1-based) in `formation`: the first `seats` are
/// selected, the next `reserve` are reserve, the rest are not selected.
#[must_use]
pub fn status_at(formation: &Formation, rank: u32) -> Status {
    let seats = u64::from(formation.seats);
    if u64::from(rank) <= seats {
        Status::Selected
    } else if u64::from(rank) <= seats + u64::from(formation.reserve) {
        Status::Reserve
    } else {
        Status::NotSelected
    }
}
