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

/// An exact rational number (arbitrary precision, always kept reduced with a
/// positive denominator).
pub type Ratio = BigRational;

/// How the panelists' values for one criterion are aggregated into `m_c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Aggregation {
    /// Arithmetic mean of all values (the default).
    #[default]
    Mean,
    /// Mean after dropping one highest and one lowest value, when at least 5
    /// panelists scored; the plain mean otherwise.
    TrimmedMean,
}

impl Aggregation {
    /// Fewest values for which `trimmed_mean` actually trims.
    pub const TRIM_FROM: usize = 5;

    /// The name used in exports (`round.csv`): `mean` or `trimmed_mean`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::TrimmedMean => "trimmed_mean",
        }
    }
}

/// Where a criterion's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CriterionKind {
    /// Each panelist scores it.
    Panel,
    /// One value per applicant, loaded from a file (e.g. a written test).
    Imported,
}

/// One published criterion of a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    /// Unique code within the round, e.g. `K1`.
    pub code: String,
    /// Who provides the value.
    pub kind: CriterionKind,
    /// Lowest value on the raw scale.
    pub scale_min: i64,
    /// Highest value on the raw scale; greater than `scale_min`.
    pub scale_max: i64,
    /// Weight `w_c`; the weights of a round sum to 100.
    pub weight: u32,
    /// Minimum `m_c` on the raw scale needed to pass, if any.
    pub pass_min: Option<i64>,
    /// Position in the tie-break list (1, 2, …), if the criterion breaks ties.
    pub tiebreak_order: Option<u32>,
}

/// The frozen rules of a round that ranking needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundRules {
    /// How panel values are aggregated.
    pub aggregation: Aggregation,
    /// Minimum total (0–100) needed to pass, if any.
    pub passing_total: Option<u32>,
    /// Fewest non-recused submitted scorecards for an application to be complete.
    pub min_panelists: u32,
    /// The criteria, in their published order (outcomes keep this order).
    pub criteria: Vec<Criterion>,
    /// The lottery seed (see `lottery::derive_seed`). Before it is known, live
    /// standings may use any placeholder; only the last tie-break depends on it.
    pub seed: String,
}

/// One formation (one Pokmas to fill).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formation {
    /// Formation code, for error messages.
    pub code: String,
    /// Number of `selected` places.
    pub seats: u32,
    /// Number of `reserve` places after the seats.
    pub reserve: u32,
}

/// Administrative eligibility of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Eligibility {
    /// MS: may be ranked.
    Eligible,
    /// TMS.
    Ineligible,
    /// Withdrawn by the applicant.
    Withdrawn,
    /// Not yet verified.
    Pending,
}

impl Eligibility {
    /// The name used in exports (`rankings.csv`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eligible => "eligible",
            Self::Ineligible => "ineligible",
            Self::Withdrawn => "withdrawn",
            Self::Pending => "pending",
        }
    }
}

/// One panelist's position on one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelScore {
    /// The panelist (account UUID or any stable id).
    pub panelist_id: String,
    /// Declared a conflict of interest: their values never count.
    pub recused: bool,
    /// The latest submitted scorecard (every panel criterion code → value), or
    /// `None` while not submitted (drafts never count).
    pub submitted: Option<BTreeMap<String, i64>>,
}

/// One application's inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// Registration number, unique within the formation.
    pub registration_no: String,
    /// Administrative eligibility.
    pub eligibility: Eligibility,
    /// One entry per assigned panelist.
    pub panel_scores: Vec<PanelScore>,
    /// Imported criterion code → value.
    pub imported: BTreeMap<String, i64>,
}

/// Ranking status of a complete, eligible application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Ranks 1..=seats.
    Selected,
    /// The `reserve` ranks after the seats.
    Reserve,
    /// Passing, ranked after seats and reserve.
    NotSelected,
    /// Complete but failed a gate; unranked.
    NotPassed,
}

impl Status {
    /// The name used in exports and audit payloads.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Selected => "selected",
            Self::Reserve => "reserve",
            Self::NotSelected => "not_selected",
            Self::NotPassed => "not_passed",
        }
    }
}

/// Why an application is not complete (both parts may apply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incomplete {
    /// Non-recused panelists who submitted.
    pub panelists_submitted: u32,
    /// `min_panelists` of the round.
    pub panelists_required: u32,
    /// Imported criteria without a value, in code order.
    pub missing_imported: Vec<String>,
}

/// `m_c` and `n_c` of one criterion of a complete application, kept as the
/// exact integers they come from (`m_c = sum / count`), so the fractions are
/// only built when asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionScore {
    code: Arc<str>,
    sum: i128,
    count: u32,
    scale_min: i64,
    scale_max: i64,
}

impl CriterionScore {
    /// The criterion code.
    #[must_use]
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Sum of the values that count (after trimming).
    #[must_use]
    pub fn sum(&self) -> i128 {
        self.sum
    }

    /// Number of values that count (after trimming; 1 for imported).
    #[must_use]
    pub fn count(&self) -> u32 {
        self.count
    }

    /// `m_c`, the aggregated value on the raw scale.
    #[must_use]
    pub fn mean(&self) -> Ratio {
        Ratio::new(BigInt::from(self.sum), BigInt::from(self.count))
    }

    /// `n_c = (m_c − min_c) / (max_c − min_c)`, in `[0, 1]`.
    #[must_use]
    pub fn normalized(&self) -> Ratio {
        let count = BigInt::from(self.count);
        let min = BigInt::from(self.scale_min);
        let width = BigInt::from(self.scale_max) - &min;
        Ratio::new(BigInt::from(self.sum) - &count * min, count * width)
    }
}

/// The computed standing of one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Registration number.
    pub registration_no: String,
    /// Eligibility as given.
    pub eligibility: Eligibility,
    /// Whether enough scores and every imported value are in.
    pub complete: bool,
    /// Why it is incomplete; `None` when complete.
    pub incomplete: Option<Incomplete>,
    /// Per criterion, in the rules' order; empty when incomplete.
    pub criteria: Vec<CriterionScore>,
    /// Exact total in `[0, 100]`; `None` when incomplete.
    pub total: Option<Ratio>,
    /// The total rounded half up to two decimals (`83.33`), for display only:
    /// never compare or re-rank on it.
    pub total_rounded_2dp: Option<String>,
    /// Whether the gates are met; `None` unless complete and eligible.
    pub passed: Option<bool>,
    /// Rank 1..n among passing eligible applications.
    pub rank: Option<u32>,
    /// Status; `None` when incomplete or not eligible.
    pub status: Option<Status>,
    /// `sha256_hex(seed + ":" + registration_no)`, the last tie-break.
    pub lottery_key: String,
}

/// A rule set that cannot be published.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RulesError {
    /// A round needs at least one criterion.
    #[error("the round has no criteria")]
    NoCriteria,
    /// A criterion code is empty or only whitespace.
    #[error("a criterion code is empty")]
    EmptyCode,
    /// Two criteria share a code.
    #[error("criterion code {0:?} is used twice")]
    DuplicateCode(String),
    /// The weights do not add up to 100.
    #[error("the weights must sum to 100, they sum to {0}")]
    WeightSum(u64),
    /// `scale_min` is not below `scale_max`.
    #[error("criterion {code:?}: scale minimum {min} must be below maximum {max}")]
    ScaleNotIncreasing {
        /// Criterion code.
        code: String,
        /// `scale_min`.
        min: i64,
        /// `scale_max`.
        max: i64,
    },
    /// `pass_min` lies outside the criterion's scale.
    #[error("criterion {code:?}: pass minimum {pass_min} is outside the scale {min}..{max}")]
    PassMinOutsideScale {
        /// Criterion code.
        code: String,
        /// `pass_min`.
        pass_min: i64,
        /// `scale_min`.
        min: i64,
        /// `scale_max`.
        max: i64,
    },
    /// `passing_total` is above 100.
    #[error("the passing total must be between 0 and 100, it is {0}")]
    PassingTotalAbove100(u32),
    /// The tie-break orders are not exactly 1, 2, …, k.
    #[error("tie-break orders must be 1, 2, … without gaps or repeats, found {0:?}")]
    TiebreakOrder(Vec<u32>),
    /// Panel criteria exist but `min_panelists` is 0, so a mean of no values
    /// would be needed.
    #[error("min_panelists must be at least 1 when there are panel criteria")]
    MinPanelistsZero,
}

/// Inputs that cannot be ranked. Each names the application and the source
/// of the bad value, so an operator can fix it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RankingError {
    /// The rules themselves are invalid.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// Two applications share a registration number.
    #[error("formation {formation}: registration number {registration_no:?} appears twice")]
    DuplicateRegistrationNo {
        /// Formation code.
        formation: String,
        /// The repeated registration number.
        registration_no: String,
    },
    /// One panelist appears twice on an application.
    #[error("application {registration_no}: panelist {panelist_id} appears twice")]
    DuplicatePanelist {
        /// Registration number.
        registration_no: String,
        /// Panelist id.
        panelist_id: String,
    },
    /// A submitted scorecard lacks a panel criterion.
    #[error(
        "application {registration_no}: scorecard of panelist {panelist_id} has no value for {code}"
    )]
    MissingScore {
        /// Registration number.
        registration_no: String,
        /// Panelist id.
        panelist_id: String,
        /// Missing criterion code.
        code: String,
    },
    /// A value is given for a code that is not a criterion of that kind.
    #[error(
        "application {registration_no}: {source_id} gives a value for {code}, which is not one of its criteria"
    )]
    UnknownCriterion {
        /// Registration number.
        registration_no: String,
        /// Panelist id, or `import` for imported values.
        source_id: String,
        /// The unexpected code.
        code: String,
    },
    /// A value lies outside its criterion's scale.
    #[error(
        "application {registration_no}: {source_id} gives {value} for {code}, outside its scale"
    )]
    ValueOutsideScale {
        /// Registration number.
        registration_no: String,
        /// Panelist id, or `import` for imported values.
        source_id: String,
        /// Criterion code.
        code: String,
        /// The value.
        value: i64,
    },
}

/// A malformed exact fraction.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FractionError {
    /// Not `p/q` with decimal digits, an optional `-` on `p`, no leading zeros.
    #[error("a fraction must look like p/q, e.g. 250/3")]
    Syntax,
    /// `q` is zero.
    #[error("a fraction cannot have denominator 0")]
    ZeroDenominator,
    /// Not in lowest terms (or `-0`): only the canonical form is accepted so
    /// that every value has exactly one spelling in exports.
    #[error("a fraction must be in lowest terms")]
    NotReduced,
}

impl RoundRules {
    /// Checks the rules before they can be frozen.
    ///
    /// # Errors
    /// The first [`RulesError`] found: no criteria, empty or duplicate codes,
    /// weights not summing to 100, `scale_min ≥ scale_max`, `pass_min` outside
    /// the scale, `passing_total > 100`, tie-break orders not exactly 1..k, or
    /// `min_panelists = 0` with panel criteria.
    pub fn validate(&self) -> Result<(), RulesError> {
        if self.criteria.is_empty() {
            return Err(RulesError::NoCriteria);
        }
        let mut codes = BTreeSet::new();
        for c in &self.criteria {
            if c.code.trim().is_empty() {
                return Err(RulesError::EmptyCode);
            }
            if !codes.insert(c.code.as_str()) {
                return Err(RulesError::DuplicateCode(c.code.clone()));
            }
            if c.scale_min >= c.scale_max {
                return Err(RulesError::ScaleNotIncreasing {
                    code: c.code.clone(),
                    min: c.scale_min,
                    max: c.scale_max,
                });
            }
            if let Some(p) = c.pass_min
                && !(c.scale_min..=c.scale_max).contains(&p)
            {
                return Err(RulesError::PassMinOutsideScale {
                    code: c.code.clone(),
                    pass_min: p,
                    min: c.scale_min,
                    max: c.scale_max,
                });
            }
        }
        let weight_sum: u64 = self.criteria.iter().map(|c| u64::from(c.weight)).sum();
        if weight_sum != 100 {
            return Err(RulesError::WeightSum(weight_sum));
        }
        if let Some(t) = self.passing_total
            && t > 100
        {
            return Err(RulesError::PassingTotalAbove100(t));
        }
        let mut orders: Vec<u32> = self
            .criteria
            .iter()
            .filter_map(|c| c.tiebreak_order)
            .collect();
        orders.sort_unstable();
        if orders
            .iter()
            .zip(1u32..)
            .any(|(o, expected)| *o != expected)
        {
            return Err(RulesError::TiebreakOrder(orders));
        }
        if self.min_panelists == 0 && self.criteria.iter().any(|c| c.kind == CriterionKind::Panel) {
            return Err(RulesError::MinPanelistsZero);
        }
        Ok(())
    }
}

/// Formats an exact value as `p/q` in lowest terms with a positive
/// denominator; integers are `p/1` (`0/1`, `100/1`), so every value has one
/// spelling and readers never special-case integers.
#[must_use]
pub fn format_fraction(r: &Ratio) -> String {
    let r = r.reduced();
    format!("{}/{}", r.numer(), r.denom())
}

/// Parses the canonical `p/q` produced by [`format_fraction`].
///
/// # Errors
/// [`FractionError::Syntax`] unless the text is an optional `-`, digits, `/`,
/// digits, without signs on `q`, spaces or leading zeros;
/// [`FractionError::ZeroDenominator`]; [`FractionError::NotReduced`] when not
/// in lowest terms (including `-0/1`).
pub fn parse_fraction(text: &str) -> Result<Ratio, FractionError> {
    let (p, q) = text.split_once('/').ok_or(FractionError::Syntax)?;
    let (negative, p_digits) = match p.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, p),
    };
    let canonical_digits = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    if !canonical_digits(p_digits) || !(canonical_digits(q) || q == "0") {
        return Err(FractionError::Syntax);
    }
    let q: BigInt = q.parse().map_err(|_| FractionError::Syntax)?;
    if q.is_zero() {
        return Err(FractionError::ZeroDenominator);
    }
    let mut p: BigInt = p_digits.parse().map_err(|_| FractionError::Syntax)?;
    if negative {
        if p.is_zero() {
            return Err(FractionError::NotReduced);
        }
        p = -p;
    }
    let r = Ratio::new(p.clone(), q.clone());
    if *r.numer() != p || *r.denom() != q {
        return Err(FractionError::NotReduced);
    }
    Ok(r)
}

/// Rounds half up (toward +∞ at exactly half a hundredth) to two decimals:
/// `250/3` → `83.33`, `1/8` → `0.13`, `100/1` → `100.00`. Display only.
#[must_use]
pub fn format_rounded_2dp(r: &Ratio) -> String {
    let hundredths = (r * BigInt::from(100) + Ratio::new(BigInt::one(), BigInt::from(2)))
        .floor()
        .to_integer();
    let sign = if hundredths.is_negative() { "-" } else { "" };
    let abs = hundredths.abs();
    let hundred = BigInt::from(100);
    let whole = &abs / &hundred;
    let cents = abs % hundred;
    format!("{sign}{whole}.{cents:0>2}")
}

/// [`format_rounded_2dp`] of `n / d` (d > 0) without allocating big integers;
/// falls back to it when a step would overflow.
fn rounded_2dp_small(n: i128, d: i128) -> String {
    // floor(n/d · 100 + 1/2) = floor((200·n + d) / (2·d))
    let hundredths = n
        .checked_mul(200)
        .and_then(|x| x.checked_add(d))
        .zip(d.checked_mul(2))
        .map(|(x, y)| x.div_euclid(y));
    match hundredths {
        Some(h) => {
            let sign = if h < 0 { "-" } else { "" };
            let abs = h.unsigned_abs();
            // Totals are at most 10,000 hundredths; u128 formatting is slow.
            match u64::try_from(abs) {
                Ok(abs) => format!("{sign}{}.{:02}", abs / 100, abs % 100),
                Err(_) => format!("{sign}{}.{:02}", abs / 100, abs % 100),
            }
        }
        None => format_rounded_2dp(&Ratio::new(BigInt::from(n), BigInt::from(d))),
    }
}

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

/// `n_c` of each tie-break criterion in tie-break order, for a complete
/// outcome of [`rank_formation`] under `rules` (empty otherwise): what step 4
/// compares after the total, kept beside the total so that a formation can be
/// re-ordered from stored standings ([`order_standings`]).
#[must_use]
pub fn tiebreak_values(rules: &RoundRules, outcome: &Outcome) -> Vec<Ratio> {
    let mut order: Vec<(u32, &str)> = rules
        .criteria
        .iter()
        .filter_map(|c| c.tiebreak_order.map(|o| (o, c.code.as_str())))
        .collect();
    order.sort_unstable();
    order
        .into_iter()
        .filter_map(|(_, code)| {
            outcome
                .criteria
                .iter()
                .find(|c| c.code() == code)
                .map(CriterionScore::normalized)
        })
        .collect()
}

/// One passing eligible application as stored between re-ranks: everything
/// step 4 orders by.
#[derive(Debug, Clone, Copy)]
pub struct Standing<'a> {
    /// Registration number (the last resort on a SHA-256 collision).
    pub registration_no: &'a str,
    /// Exact total.
    pub total: &'a Ratio,
    /// [`tiebreak_values`], in tie-break order.
    pub tiebreak: &'a [Ratio],
    /// `sha256_hex(seed + ":" + registration_no)`, lowercase.
    pub lottery_key: &'a str,
}

/// Step 4 over stored standings of passing eligible applications: the
/// indices into `standings` in rank order, each with its rank and status.
/// Gives the same ranks and statuses as [`rank_formation`] on the inputs the
/// standings came from (the `stored_standings_order_like_rank_formation`
/// property test), so a change to one application can be re-ranked without
/// re-reading every score of the formation.
#[must_use]
pub fn order_standings(
    formation: &Formation,
    standings: &[Standing<'_>],
) -> Vec<(usize, u32, Status)> {
    let keys: Vec<StandingKeys> = standings.iter().map(StandingKeys::of).collect();
    let mut order: Vec<usize> = (0..standings.len()).collect();
    order
        .sort_unstable_by(|&a, &b| cmp_keyed((&standings[a], &keys[a]), (&standings[b], &keys[b])));
    order
        .into_iter()
        .zip(1u32..)
        .map(|(i, rank)| (i, rank, status_at(formation, rank)))
        .collect()
}

/// How two standings compare in step 4: `Less` when `a` ranks before `b`.
/// The one comparison behind [`order_standings`], for a caller that places
/// one changed standing among others already in rank order (a binary search
/// over stored ranks) instead of sorting them all again.
#[must_use]
pub fn cmp_standings(a: &Standing<'_>, b: &Standing<'_>) -> Ordering {
    cmp_keyed((a, &StandingKeys::of(a)), (b, &StandingKeys::of(b)))
}

/// A standing's fractions as `(numerator, denominator)` when both fit
/// `i128`, so that sorting compares integers instead of big ratios.
struct StandingKeys {
    total: Option<(i128, i128)>,
    tiebreak: Vec<Option<(i128, i128)>>,
}

impl StandingKeys {
    fn of(s: &Standing<'_>) -> Self {
        let small = |r: &Ratio| -> Option<(i128, i128)> {
            Some((
                i128::try_from(r.numer()).ok()?,
                i128::try_from(r.denom()).ok()?,
            ))
        };
        Self {
            total: small(s.total),
            tiebreak: s.tiebreak.iter().map(small).collect(),
        }
    }
}

fn cmp_keyed(
    (sa, ka): (&Standing<'_>, &StandingKeys),
    (sb, kb): (&Standing<'_>, &StandingKeys),
) -> Ordering {
    let cmp_exact =
        |a: Option<(i128, i128)>, b: Option<(i128, i128)>, ra: &Ratio, rb: &Ratio| match (a, b) {
            (Some(a), Some(b)) => cmp_quotient(a, b),
            _ => ra.cmp(rb),
        };
    cmp_exact(ka.total, kb.total, sa.total, sb.total)
        .reverse()
        .then_with(|| {
            sa.tiebreak
                .iter()
                .zip(sb.tiebreak)
                .zip(ka.tiebreak.iter().zip(&kb.tiebreak))
                .map(|((ra, rb), (x, y))| cmp_exact(*x, *y, ra, rb).reverse())
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        })
        .then_with(|| sa.lottery_key.cmp(sb.lottery_key))
        .then_with(|| sa.registration_no.cmp(sb.registration_no))
}

/// Criteria lookups prepared once per formation.
struct Plan<'a> {
    /// Panel criteria as (code, index in rules), sorted by code so a
    /// scorecard (a `BTreeMap`, iterated in code order) is checked by one merge.
    panel_by_code: Vec<(&'a str, usize)>,
    /// Imported criteria as (code, index in rules), sorted by code.
    imported_by_code: Vec<(&'a str, usize)>,
    /// Indices of tie-break criteria in tie-break order.
    tiebreak: Vec<usize>,
    /// `None` when the round needs arbitrary precision throughout.
    fast_total: Option<FastTotal>,
    /// Criterion codes in rules order, shared by every outcome.
    codes: Vec<Arc<str>>,
}

impl<'a> Plan<'a> {
    fn new(rules: &'a RoundRules) -> Self {
        let by_kind = |kind| {
            let mut v: Vec<(&str, usize)> = rules
                .criteria
                .iter()
                .enumerate()
                .filter(|(_, c)| c.kind == kind)
                .map(|(i, c)| (c.code.as_str(), i))
                .collect();
            v.sort_unstable();
            v
        };
        let mut tiebreak: Vec<(u32, usize)> = rules
            .criteria
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.tiebreak_order.map(|o| (o, i)))
            .collect();
        tiebreak.sort_unstable();
        Self {
            panel_by_code: by_kind(CriterionKind::Panel),
            imported_by_code: by_kind(CriterionKind::Imported),
            tiebreak: tiebreak.into_iter().map(|(_, i)| i).collect(),
            fast_total: FastTotal::new(rules),
            codes: rules
                .criteria
                .iter()
                .map(|c| Arc::from(c.code.as_str()))
                .collect(),
        }
    }
}

/// Buffers reused across applications so scoring does not allocate per value.
struct Scratch {
    /// Per criterion: (sum, count) of the values that count.
    parts: Vec<(i128, i128)>,
    /// Per criterion: lowest and highest value seen (for trimming).
    low: Vec<i64>,
    high: Vec<i64>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Self {
            parts: vec![(0, 0); n],
            low: vec![0; n],
            high: vec![0; n],
        }
    }
}

/// A total, exact: `Small(num, den)` when it fits `i128` (reduced, den > 0).
enum Total {
    Small(i128, i128),
    Big(Ratio),
}

impl Total {
    fn to_ratio(&self) -> Ratio {
        match self {
            Self::Small(n, d) => Ratio::new_raw(BigInt::from(*n), BigInt::from(*d)),
            Self::Big(r) => r.clone(),
        }
    }

    fn small(&self) -> Option<(i128, i128)> {
        match self {
            Self::Small(n, d) => Some((*n, *d)),
            Self::Big(_) => None,
        }
    }
}

/// Everything the sort compares, inline, so comparisons neither allocate nor
/// chase pointers into the outcomes (except for totals beyond `i128`).
/// What step 4 sorts a passing eligible application by.
struct Passing {
    total: Option<(i128, i128)>,
    tiebreak: Vec<(i128, i128)>,
    lottery: [u8; 32],
}

/// Below this many applications [`rank_formation`] scores on one thread.
const PARALLEL_MIN_APPLICATIONS: usize = 1024;

/// Steps 1–3 for one application: its outcome without rank, and its sort
/// key when it is passing and eligible.
fn score_one(
    rules: &RoundRules,
    plan: &Plan<'_>,
    lottery: &LotteryKeys,
    app: &Application,
    scratch: &mut Scratch,
) -> Result<(Outcome, Option<Passing>), RankingError> {
    let lottery_bytes = lottery.key_bytes(&app.registration_no);
    let mut outcome = Outcome {
        registration_no: app.registration_no.clone(),
        eligibility: app.eligibility,
        complete: false,
        incomplete: None,
        criteria: Vec::new(),
        total: None,
        total_rounded_2dp: None,
        passed: None,
        rank: None,
        status: None,
        lottery_key: lower_hex(&lottery_bytes),
    };
    let mut passing = None;
    match score(rules, plan, app, scratch)? {
        Err(incomplete) => outcome.incomplete = Some(incomplete),
        Ok(scored) => {
            outcome.complete = true;
            let total = scored.total.to_ratio();
            outcome.total_rounded_2dp = Some(match scored.total {
                Total::Small(n, d) => rounded_2dp_small(n, d),
                Total::Big(_) => format_rounded_2dp(&total),
            });
            if app.eligibility == Eligibility::Eligible {
                let passed = scored.gates_met
                    && meets_passing_total(&scored.total, &total, rules.passing_total);
                outcome.passed = Some(passed);
                if passed {
                    passing = Some(Passing {
                        total: scored.total.small(),
                        tiebreak: plan.tiebreak.iter().map(|&i| scratch.parts[i]).collect(),
                        lottery: lottery_bytes,
                    });
                } else {
                    outcome.status = Some(Status::NotPassed);
                }
            }
            outcome.total = Some(total);
            outcome.criteria = scored.criteria;
        }
    }
    Ok((outcome, passing))
}

struct SortKey {
    total: Option<(i128, i128)>,
    /// Position before sorting, into the scaled totals.
    pos: usize,
    tiebreak_start: usize,
    lottery: [u8; 32],
    idx: usize,
}

struct Scored {
    criteria: Vec<CriterionScore>,
    total: Total,
    gates_met: bool,
}

/// Scores one application, leaving each criterion's (sum, count) in
/// `scratch.parts`; `Ok(Err(..))` when it is incomplete.
fn score(
    rules: &RoundRules,
    plan: &Plan<'_>,
    app: &Application,
    scratch: &mut Scratch,
) -> Result<Result<Scored, Incomplete>, RankingError> {
    let reg = &app.registration_no;
    for (i, ps) in app.panel_scores.iter().enumerate() {
        if app.panel_scores[..i]
            .iter()
            .any(|o| o.panelist_id == ps.panelist_id)
        {
            return Err(RankingError::DuplicatePanelist {
                registration_no: reg.clone(),
                panelist_id: ps.panelist_id.clone(),
            });
        }
    }

    scratch.parts.fill((0, 0));
    scratch.low.fill(i64::MAX);
    scratch.high.fill(i64::MIN);
    let mut submitted: u32 = 0;
    for ps in &app.panel_scores {
        let Some(card) = &ps.submitted else { continue };
        // Recused panelists' cards are still checked: a bad value is a bad
        // input wherever it is.
        let counts = !ps.recused;
        if card.len() != plan.panel_by_code.len() {
            return Err(scorecard_error(plan, reg, ps, card));
        }
        // A BTreeMap iterates in code order, as `panel_by_code` is sorted: one merge.
        for ((code, &value), &(expected, i)) in card.iter().zip(&plan.panel_by_code) {
            // Codes are short: an inline byte loop beats a memcmp call here.
            if code.len() != expected.len()
                || !code.bytes().zip(expected.bytes()).all(|(a, b)| a == b)
            {
                return Err(scorecard_error(plan, reg, ps, card));
            }
            let c = &rules.criteria[i];
            if !(c.scale_min..=c.scale_max).contains(&value) {
                return Err(RankingError::ValueOutsideScale {
                    registration_no: reg.clone(),
                    source_id: ps.panelist_id.clone(),
                    code: code.clone(),
                    value,
                });
            }
            if counts {
                let p = &mut scratch.parts[i];
                p.0 += i128::from(value);
                p.1 += 1;
                scratch.low[i] = scratch.low[i].min(value);
                scratch.high[i] = scratch.high[i].max(value);
            }
        }
        if counts {
            submitted += 1;
        }
    }

    let mut missing_imported = Vec::new();
    for (code, &value) in &app.imported {
        let Ok(pos) = plan
            .imported_by_code
            .binary_search_by(|(c, _)| (*c).cmp(code.as_str()))
        else {
            return Err(RankingError::UnknownCriterion {
                registration_no: reg.clone(),
                source_id: "import".to_owned(),
                code: code.clone(),
            });
        };
        let i = plan.imported_by_code[pos].1;
        let c = &rules.criteria[i];
        if !(c.scale_min..=c.scale_max).contains(&value) {
            return Err(RankingError::ValueOutsideScale {
                registration_no: reg.clone(),
                source_id: "import".to_owned(),
                code: code.clone(),
                value,
            });
        }
        scratch.parts[i] = (i128::from(value), 1);
    }
    if app.imported.len() != plan.imported_by_code.len() {
        for &(code, _) in &plan.imported_by_code {
            if !app.imported.contains_key(code) {
                missing_imported.push(code.to_owned());
            }
        }
    }

    if submitted < rules.min_panelists || !missing_imported.is_empty() {
        return Ok(Err(Incomplete {
            panelists_submitted: submitted,
            panelists_required: rules.min_panelists,
            missing_imported,
        }));
    }

    if rules.aggregation == Aggregation::TrimmedMean && submitted as usize >= Aggregation::TRIM_FROM
    {
        for &(_, i) in &plan.panel_by_code {
            let p = &mut scratch.parts[i];
            p.0 -= i128::from(scratch.low[i]) + i128::from(scratch.high[i]);
            p.1 -= 2;
        }
    }

    let mut gates_met = true;
    let mut criteria = Vec::with_capacity(rules.criteria.len());
    for ((c, code), &(sum, count)) in rules.criteria.iter().zip(&plan.codes).zip(&scratch.parts) {
        if let Some(pass) = c.pass_min {
            // m_c ≥ pass ⇔ sum ≥ pass · count (count > 0); cannot overflow:
            // |pass| ≤ 2^63 and count < 2^32.
            gates_met &= sum >= i128::from(pass) * count;
        }
        criteria.push(CriterionScore {
            code: Arc::clone(code),
            sum,
            // count ≤ number of panelists, which came from a u32 counter.
            count: u32::try_from(count).unwrap_or(u32::MAX),
            scale_min: c.scale_min,
            scale_max: c.scale_max,
        });
    }
    let small = plan
        .fast_total
        .as_ref()
        .and_then(|f| f.total(rules, &scratch.parts));
    let total = match small {
        Some((n, d)) => Total::Small(n, d),
        None => Total::Big(total_big(rules, &scratch.parts)),
    };
    Ok(Ok(Scored {
        criteria,
        total,
        gates_met,
    }))
}

/// The precise error for a scorecard whose codes are not exactly the panel
/// criteria: an unknown code first, else the first missing one.
fn scorecard_error(
    plan: &Plan<'_>,
    reg: &str,
    ps: &PanelScore,
    card: &BTreeMap<String, i64>,
) -> RankingError {
    let known = |k: &str| {
        plan.panel_by_code
            .binary_search_by(|(c, _)| (*c).cmp(k))
            .is_ok()
    };
    if let Some(code) = card.keys().find(|k| !known(k)) {
        return RankingError::UnknownCriterion {
            registration_no: reg.to_owned(),
            source_id: ps.panelist_id.clone(),
            code: code.clone(),
        };
    }
    let missing = plan
        .panel_by_code
        .iter()
        .find(|(c, _)| !card.contains_key(*c))
        .map_or("", |(c, _)| c);
    RankingError::MissingScore {
        registration_no: reg.to_owned(),
        panelist_id: ps.panelist_id.clone(),
        code: missing.to_owned(),
    }
}

/// The fast path for totals, prepared once per round. With `L` the lcm of the
/// scale widths, `f_c = w_c · L / width_c`, `a_c = sum_c − k_c · min_c` and `K`
/// the lcm of the counts `k_c`:
/// `total = Σ w_c · a_c / (k_c · width_c) = Σ f_c · a_c · (K / k_c) / (K · L)`,
/// so each application costs one reduction instead of one per criterion.
struct FastTotal {
    lcm_width: i128,
    factors: Vec<i128>,
}

impl FastTotal {
    /// `None` when `L` or a factor does not fit `i128`; totals then use
    /// [`total_big`].
    fn new(rules: &RoundRules) -> Option<Self> {
        let width = |c: &Criterion| i128::from(c.scale_max) - i128::from(c.scale_min);
        let mut lcm_width: i128 = 1;
        for c in &rules.criteria {
            let w = width(c);
            lcm_width = (lcm_width / gcd(lcm_width, w)).checked_mul(w)?;
        }
        let factors = rules
            .criteria
            .iter()
            .map(|c| i128::from(c.weight).checked_mul(lcm_width / width(c)))
            .collect::<Option<Vec<_>>>()?;
        Some(Self { lcm_width, factors })
    }

    /// The reduced total `(numerator, denominator)`, or `None` on overflow.
    fn total(&self, rules: &RoundRules, parts: &[(i128, i128)]) -> Option<(i128, i128)> {
        let mut k: i128 = 1;
        for &(_, count) in parts {
            if !divides(count, k) {
                k = div(k, gcd(k, count)).checked_mul(count)?;
            }
        }
        let mut n: i128 = 0;
        for ((c, &(sum, count)), &f) in rules.criteria.iter().zip(parts).zip(&self.factors) {
            let a = sum.checked_sub(count.checked_mul(i128::from(c.scale_min))?)?;
            n = n.checked_add(f.checked_mul(a)?.checked_mul(div(k, count))?)?;
        }
        let d = k.checked_mul(self.lcm_width)?;
        if n == i128::MIN {
            return None;
        }
        let g = gcd(n, d);
        Some((div(n, g), div(d, g)))
    }
}

/// `Σ w_c · n_c` in arbitrary precision, for rounds beyond [`FastTotal`].
fn total_big(rules: &RoundRules, parts: &[(i128, i128)]) -> Ratio {
    let mut total = Ratio::zero();
    for (c, &(sum, count)) in rules.criteria.iter().zip(parts) {
        let count = BigInt::from(count);
        let min = BigInt::from(c.scale_min);
        let width = BigInt::from(c.scale_max) - &min;
        total += Ratio::new(
            BigInt::from(c.weight) * (BigInt::from(sum) - &count * min),
            count * width,
        );
    }
    total
}

/// `a / b` (truncating, `b > 0`) through 64-bit division when both fit:
/// `i128` division is a slow library call and this is the ranking hot path.
fn div(a: i128, b: i128) -> i128 {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(a), Ok(b)) if b > 0 => i128::from(a / b),
        _ => a / b,
    }
}

/// Whether `d` (> 0) divides `a`, through 64-bit arithmetic when possible.
fn divides(d: i128, a: i128) -> bool {
    match (i64::try_from(a), i64::try_from(d)) {
        (Ok(a), Ok(d)) if d > 0 => a % d == 0,
        _ => a % d == 0,
    }
}

/// Greatest common divisor, positive; `gcd(0, x) = |x|`, and 1 for (0, 0) so
/// callers can always divide by it. Callers never pass `i128::MIN`.
///
/// Binary (Stein's) algorithm: `u128` division is a slow library call, and
/// this runs once per application on the ranking hot path.
fn gcd(a: i128, b: i128) -> i128 {
    let (a, b) = (a.unsigned_abs(), b.unsigned_abs());
    let g = match (u64::try_from(a), u64::try_from(b)) {
        (Ok(a), Ok(b)) => u128::from(binary_gcd_u64(a, b)),
        _ => binary_gcd_u128(a, b),
    };
    if g == 0 {
        1
    } else {
        i128::try_from(g).unwrap_or(1)
    }
}

macro_rules! binary_gcd {
    ($name:ident, $t:ty) => {
        fn $name(mut a: $t, mut b: $t) -> $t {
            if a == 0 || b == 0 {
                return a | b;
            }
            let shift = (a | b).trailing_zeros();
            a >>= a.trailing_zeros();
            loop {
                b >>= b.trailing_zeros();
                if a > b {
                    std::mem::swap(&mut a, &mut b);
                }
                b -= a;
                if b == 0 {
                    return a << shift;
                }
            }
        }
    };
}
binary_gcd!(binary_gcd_u64, u64);
binary_gcd!(binary_gcd_u128, u128);

fn meets_passing_total(total: &Total, exact: &Ratio, passing_total: Option<u32>) -> bool {
    let Some(t) = passing_total else { return true };
    if let Total::Small(n, d) = total
        && let Some(bound) = i128::from(t).checked_mul(*d)
    {
        return *n >= bound;
    }
    *exact >= Ratio::from_integer(BigInt::from(t))
}

/// The fractions `n / d` as numerators over their least common denominator,
/// or `None` if any is not small or a value overflows `i128`.
fn scale_to_common_denominator(fractions: &[Option<(i128, i128)>]) -> Option<Vec<i128>> {
    let common = fractions.iter().try_fold(1i128, |l, f| {
        let (_, d) = (*f)?;
        if divides(d, l) {
            Some(l)
        } else {
            div(l, gcd(l, d)).checked_mul(d)
        }
    })?;
    fractions
        .iter()
        .map(|f| f.and_then(|(n, d)| n.checked_mul(div(common, d))))
        .collect()
}

/// Tie-break values `sum / count`, `k` per application in `parts`, scaled per
/// criterion to a common denominator (same layout), or `None` on overflow.
fn scale_tiebreaks(parts: &[(i128, i128)], k: usize) -> Option<Vec<i128>> {
    if k == 0 {
        return Some(Vec::new());
    }
    let mut out = vec![0i128; parts.len()];
    for j in 0..k {
        let column: Vec<Option<(i128, i128)>> =
            parts.iter().skip(j).step_by(k).map(|&p| Some(p)).collect();
        let scaled = scale_to_common_denominator(&column)?;
        for (row, value) in scaled.into_iter().enumerate() {
            out[row * k + j] = value;
        }
    }
    Some(out)
}

/// Compares two totals, by `i128` cross-multiplication when both fit, else
/// through the exact values (fetched only then).
fn cmp_total<'r>(
    a: Option<(i128, i128)>,
    b: Option<(i128, i128)>,
    a_exact: impl FnOnce() -> Option<&'r Ratio>,
    b_exact: impl FnOnce() -> Option<&'r Ratio>,
) -> Ordering {
    if let (Some(a), Some(b)) = (a, b) {
        return cmp_quotient(a, b);
    }
    // Every sorted outcome is complete and so has a total.
    a_exact().cmp(&b_exact())
}

/// Compares `a.0 / a.1` with `b.0 / b.1` (positive denominators) exactly,
/// without allocating unless a product overflows `i128`.
fn cmp_quotient((an, ad): (i128, i128), (bn, bd): (i128, i128)) -> Ordering {
    match (an.checked_mul(bd), bn.checked_mul(ad)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => (BigInt::from(an) * BigInt::from(bd)).cmp(&(BigInt::from(bn) * BigInt::from(ad))),
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The stored form of ranked outcomes, as a re-rank reads them back.
    fn standings_of<'a>(ranked: &[&'a Outcome], tiebreaks: &'a [Vec<Ratio>]) -> Vec<Standing<'a>> {
        ranked
            .iter()
            .zip(tiebreaks)
            .map(|(o, t)| Standing {
                registration_no: &o.registration_no,
                total: o.total.as_ref().unwrap(),
                tiebreak: t,
                lottery_key: &o.lottery_key,
            })
            .collect()
    }

    // sha256_hex("seed-abc:" + registration_no), computed independently with
    // python3 -c 'import hashlib;print(hashlib.sha256(b"seed-abc:2023-0001").hexdigest())'
    const KEY_0001: &str = "a2f281a54f0c53c9b8e13438ea92cfb25dc04200bd1ed5683949a4324c5b02ad";
    const KEY_0002: &str = "ca3aec1e4c221faa125118e038aceab475104dd6011db93af1576fc9c58cb807";
    const KEY_0003: &str = "7c452eb4283ec70fc64e7c403602a93b5cd0d6c583a73522c0662b108af7f90b";
    const KEY_0004: &str = "35a8084fb6fd00eead1a5e7717887958e03dd54dd4987526ef152ce74aafb67e";

    fn criterion(
        code: &str,
        kind: CriterionKind,
        min: i64,
        max: i64,
        weight: u32,
        tiebreak: Option<u32>,
    ) -> Criterion {
        Criterion {
            code: code.to_owned(),
            kind,
            scale_min: min,
            scale_max: max,
            weight,
            pass_min: None,
            tiebreak_order: tiebreak,
        }
    }

    /// A (panel 0–100, w 40, tie-break 1), B (panel 1–5, w 30, tie-break 2),
    /// W (imported 0–100, w 30); 3 panelists needed.
    fn rules() -> RoundRules {
        RoundRules {
            aggregation: Aggregation::Mean,
            passing_total: None,
            min_panelists: 3,
            criteria: vec![
                criterion("A", CriterionKind::Panel, 0, 100, 40, Some(1)),
                criterion("B", CriterionKind::Panel, 1, 5, 30, Some(2)),
                criterion("W", CriterionKind::Imported, 0, 100, 30, None),
            ],
            seed: "seed-abc".to_owned(),
        }
    }

    fn formation(seats: u32, reserve: u32) -> Formation {
        Formation {
            code: "F1".to_owned(),
            seats,
            reserve,
        }
    }

    fn card(a: i64, b: i64) -> Option<BTreeMap<String, i64>> {
        Some(BTreeMap::from([("A".to_owned(), a), ("B".to_owned(), b)]))
    }

    /// An eligible application scored (A, B) by panelists p1, p2, … and W imported.
    fn app(reg: &str, scores: &[(i64, i64)], w: i64) -> Application {
        Application {
            registration_no: reg.to_owned(),
            eligibility: Eligibility::Eligible,
            panel_scores: scores
                .iter()
                .enumerate()
                .map(|(i, &(a, b))| PanelScore {
                    panelist_id: format!("p{}", i + 1),
                    recused: false,
                    submitted: card(a, b),
                })
                .collect(),
            imported: BTreeMap::from([("W".to_owned(), w)]),
        }
    }

    fn rank(rules: &RoundRules, apps: &[Application]) -> Vec<Outcome> {
        rank_formation(rules, &formation(2, 1), apps).unwrap()
    }

    fn order(outcomes: &[Outcome]) -> Vec<&str> {
        outcomes
            .iter()
            .map(|o| o.registration_no.as_str())
            .collect()
    }

    fn ratio(n: i64, d: i64) -> Ratio {
        Ratio::new(BigInt::from(n), BigInt::from(d))
    }

    #[test]
    fn total_is_exact_weighted_sum_of_normalized_means() {
        // A mean 250/3 → n 5/6; B mean 4 → n 3/4; W 50 → n 1/2.
        // total = 40·5/6 + 30·3/4 + 30·1/2 = 100/3 + 45/2 + 15 = 425/6.
        let out = rank(
            &rules(),
            &[app("2023-0001", &[(80, 4), (85, 4), (85, 4)], 50)],
        );
        let o = &out[0];
        assert!(o.complete);
        assert_eq!(o.criteria[0].mean(), ratio(250, 3));
        assert_eq!(o.criteria[0].normalized(), ratio(5, 6));
        assert_eq!(o.criteria[1].normalized(), ratio(3, 4));
        assert_eq!(o.criteria[2].code(), "W");
        assert_eq!(o.total, Some(ratio(425, 6)));
        assert_eq!(format_fraction(o.total.as_ref().unwrap()), "425/6");
        assert_eq!(o.total_rounded_2dp.as_deref(), Some("70.83"));
        assert_eq!(
            (o.passed, o.rank, o.status),
            (Some(true), Some(1), Some(Status::Selected))
        );
        assert_eq!(o.lottery_key, KEY_0001);
    }

    #[test]
    fn higher_total_ranks_first() {
        let out = rank(
            &rules(),
            &[
                app("2023-0004", &[(50, 3); 3], 50),
                app("2023-0002", &[(51, 3); 3], 50),
            ],
        );
        assert_eq!(order(&out), ["2023-0002", "2023-0004"]);
        assert_eq!(out[0].rank, Some(1));
        assert_eq!(out[1].rank, Some(2));
    }

    #[test]
    fn first_tiebreak_criterion_decides_an_exact_total_tie() {
        // X: 40·1 + 30·0 + 0 = 40; Y: 40·1/4 + 30·1 + 0 = 40. X has the higher n_A.
        // Lottery alone would put 2023-0004 first.
        let out = rank(
            &rules(),
            &[
                app("2023-0004", &[(25, 5); 3], 0),
                app("2023-0002", &[(100, 1); 3], 0),
            ],
        );
        assert_eq!(out[0].total, out[1].total);
        assert_eq!(order(&out), ["2023-0002", "2023-0004"]);
    }

    #[test]
    fn second_tiebreak_criterion_decides_when_the_first_ties() {
        // X: 20 + 30 + 0 = 50; Y: 20 + 0 + 30 = 50; same n_A, X has the higher n_B.
        let out = rank(
            &rules(),
            &[
                app("2023-0004", &[(50, 1); 3], 100),
                app("2023-0002", &[(50, 5); 3], 0),
            ],
        );
        assert_eq!(out[0].total, out[1].total);
        assert_eq!(
            out[0].criteria[0].normalized(),
            out[1].criteria[0].normalized()
        );
        assert_eq!(order(&out), ["2023-0002", "2023-0004"]);
    }

    #[test]
    fn lottery_key_decides_when_everything_ties() {
        let apps: Vec<_> = ["2023-0001", "2023-0002", "2023-0003", "2023-0004"]
            .into_iter()
            .map(|r| app(r, &[(70, 3); 3], 70))
            .collect();
        let out = rank(&rules(), &apps);
        // Ascending keys: 35a8… (0004) < 7c45… (0003) < a2f2… (0001) < ca3a… (0002).
        assert_eq!(
            order(&out),
            ["2023-0004", "2023-0003", "2023-0001", "2023-0002"]
        );
        let keys: Vec<&str> = out.iter().map(|o| o.lottery_key.as_str()).collect();
        assert_eq!(keys, [KEY_0004, KEY_0003, KEY_0001, KEY_0002]);
        let statuses: Vec<_> = out.iter().map(|o| o.status).collect();
        assert_eq!(
            statuses,
            [
                Some(Status::Selected),
                Some(Status::Selected),
                Some(Status::Reserve),
                Some(Status::NotSelected)
            ]
        );
    }

    #[test]
    fn mean_and_trimmed_mean_with_four_and_five_panelists() {
        let four = app("2023-0001", &[(0, 3), (10, 3), (20, 3), (100, 3)], 0);
        let five = app(
            "2023-0002",
            &[(0, 3), (10, 3), (20, 3), (30, 3), (100, 3)],
            0,
        );
        let mean = rank(&rules(), &[four.clone(), five.clone()]);
        let trimmed = rank(
            &RoundRules {
                aggregation: Aggregation::TrimmedMean,
                ..rules()
            },
            &[four, five],
        );
        let a_mean = |out: &[Outcome], reg: &str| {
            out.iter()
                .find(|o| o.registration_no == reg)
                .unwrap()
                .criteria[0]
                .mean()
        };
        assert_eq!(a_mean(&mean, "2023-0001"), ratio(130, 4));
        assert_eq!(
            a_mean(&trimmed, "2023-0001"),
            ratio(130, 4),
            "4 values are never trimmed"
        );
        assert_eq!(a_mean(&mean, "2023-0002"), ratio(32, 1));
        assert_eq!(
            a_mean(&trimmed, "2023-0002"),
            ratio(20, 1),
            "drops 0 and 100"
        );
        let count = trimmed
            .iter()
            .find(|o| o.registration_no == "2023-0002")
            .unwrap()
            .criteria[0]
            .count();
        assert_eq!(count, 3);
    }

    #[test]
    fn recused_panelist_is_excluded() {
        let mut a = app("2023-0001", &[(60, 3), (60, 3), (60, 3), (0, 1)], 50);
        a.panel_scores[3].recused = true;
        let out = rank(&rules(), &[a]);
        assert_eq!(out[0].criteria[0].mean(), ratio(60, 1));
        assert_eq!(out[0].criteria[0].count(), 3);
    }

    #[test]
    fn recusal_can_make_an_application_incomplete() {
        let mut a = app("2023-0001", &[(60, 3), (60, 3), (60, 3)], 50);
        a.panel_scores[0].recused = true;
        let out = rank(&rules(), &[a]);
        let o = &out[0];
        assert!(!o.complete);
        assert_eq!(
            o.incomplete,
            Some(Incomplete {
                panelists_submitted: 2,
                panelists_required: 3,
                missing_imported: vec![]
            })
        );
        assert_eq!(
            (o.total.as_ref(), o.passed, o.rank, o.status),
            (None, None, None, None)
        );
        assert!(o.criteria.is_empty());
    }

    #[test]
    fn drafts_and_missing_imports_leave_an_application_incomplete() {
        let mut a = app("2023-0001", &[(60, 3), (60, 3), (60, 3)], 50);
        a.panel_scores[2].submitted = None;
        a.imported.clear();
        let out = rank(&rules(), &[a]);
        assert_eq!(
            out[0].incomplete,
            Some(Incomplete {
                panelists_submitted: 2,
                panelists_required: 3,
                missing_imported: vec!["W".to_owned()]
            })
        );
    }

    #[test]
    fn pass_min_boundary_is_inclusive() {
        let mut r = rules();
        r.criteria[0].pass_min = Some(50);
        let out = rank(
            &r,
            &[
                app("2023-0001", &[(50, 3); 3], 0),
                app("2023-0002", &[(49, 5), (50, 5), (50, 5)], 100),
            ],
        );
        let by = |reg: &str| out.iter().find(|o| o.registration_no == reg).unwrap();
        assert_eq!(
            (by("2023-0001").passed, by("2023-0001").rank),
            (Some(true), Some(1))
        );
        let failed = by("2023-0002");
        assert_eq!(
            (failed.passed, failed.rank, failed.status),
            (Some(false), None, Some(Status::NotPassed))
        );
        // Failing a gate does not hide the total.
        assert!(failed.total.is_some());
    }

    #[test]
    fn passing_total_boundary_is_inclusive() {
        let r = RoundRules {
            passing_total: Some(50),
            ..rules()
        };
        // Exactly 50 (20 + 30 + 0) and 50 − 40/300 (A mean 149/3).
        let out = rank(
            &r,
            &[
                app("2023-0001", &[(50, 5); 3], 0),
                app("2023-0002", &[(49, 5), (50, 5), (50, 5)], 0),
            ],
        );
        assert_eq!(out[0].registration_no, "2023-0001");
        assert_eq!(out[0].total, Some(ratio(50, 1)));
        assert_eq!(out[0].passed, Some(true));
        assert_eq!(out[1].passed, Some(false));
        assert_eq!(out[1].status, Some(Status::NotPassed));
    }

    #[test]
    fn seats_reserve_and_unranked_statuses() {
        let mut apps: Vec<Application> = (1..=6)
            .map(|i| app(&format!("2023-00{i:02}"), &[(50 + i, 3); 3], 50))
            .collect();
        let mut ineligible = app("2023-0099", &[(100, 5); 3], 100);
        ineligible.eligibility = Eligibility::Ineligible;
        let mut incomplete = app("2023-0098", &[(100, 5); 2], 100);
        incomplete.eligibility = Eligibility::Eligible;
        let mut r = rules();
        r.criteria[1].pass_min = Some(3);
        apps.push(app("2023-0097", &[(100, 2); 3], 100));
        apps.push(ineligible);
        apps.push(incomplete);
        let out = rank_formation(&r, &formation(2, 2), &apps).unwrap();
        let got: Vec<_> = out
            .iter()
            .map(|o| (o.registration_no.as_str(), o.rank, o.status))
            .collect();
        assert_eq!(
            got,
            [
                ("2023-0006", Some(1), Some(Status::Selected)),
                ("2023-0005", Some(2), Some(Status::Selected)),
                ("2023-0004", Some(3), Some(Status::Reserve)),
                ("2023-0003", Some(4), Some(Status::Reserve)),
                ("2023-0002", Some(5), Some(Status::NotSelected)),
                ("2023-0001", Some(6), Some(Status::NotSelected)),
                ("2023-0097", None, Some(Status::NotPassed)),
                ("2023-0098", None, None),
                ("2023-0099", None, None),
            ]
        );
        let ineligible = &out[8];
        assert!(ineligible.complete);
        assert_eq!(ineligible.passed, None);
        assert_eq!(ineligible.total, Some(ratio(100, 1)));
    }

    #[test]
    fn rules_are_validated() {
        let check = |f: &dyn Fn(&mut RoundRules)| {
            let mut r = rules();
            f(&mut r);
            r.validate()
        };
        assert_eq!(check(&|_| {}), Ok(()));
        assert_eq!(check(&|r| r.criteria.clear()), Err(RulesError::NoCriteria));
        assert_eq!(
            check(&|r| r.criteria[0].code = " ".into()),
            Err(RulesError::EmptyCode)
        );
        assert_eq!(
            check(&|r| r.criteria[1].code = "A".into()),
            Err(RulesError::DuplicateCode("A".into()))
        );
        assert_eq!(
            check(&|r| r.criteria[0].weight = 41),
            Err(RulesError::WeightSum(101))
        );
        assert_eq!(
            check(&|r| r.criteria[1].scale_max = 1),
            Err(RulesError::ScaleNotIncreasing {
                code: "B".into(),
                min: 1,
                max: 1
            })
        );
        assert_eq!(
            check(&|r| r.criteria[1].pass_min = Some(6)),
            Err(RulesError::PassMinOutsideScale {
                code: "B".into(),
                pass_min: 6,
                min: 1,
                max: 5
            })
        );
        assert_eq!(check(&|r| r.criteria[1].pass_min = Some(5)), Ok(()));
        assert_eq!(
            check(&|r| r.passing_total = Some(101)),
            Err(RulesError::PassingTotalAbove100(101))
        );
        assert_eq!(check(&|r| r.passing_total = Some(100)), Ok(()));
        assert_eq!(
            check(&|r| r.criteria[1].tiebreak_order = Some(3)),
            Err(RulesError::TiebreakOrder(vec![1, 3]))
        );
        assert_eq!(
            check(&|r| r.criteria[1].tiebreak_order = Some(1)),
            Err(RulesError::TiebreakOrder(vec![1, 1]))
        );
        assert_eq!(
            check(&|r| r.criteria[0].tiebreak_order = Some(0)),
            Err(RulesError::TiebreakOrder(vec![0, 2]))
        );
        assert_eq!(
            check(&|r| r.min_panelists = 0),
            Err(RulesError::MinPanelistsZero)
        );
        let invalid = RoundRules {
            passing_total: Some(101),
            ..rules()
        };
        assert_eq!(
            rank_formation(&invalid, &formation(1, 0), &[]),
            Err(RankingError::Rules(RulesError::PassingTotalAbove100(101)))
        );
    }

    #[test]
    fn bad_inputs_are_named() {
        let r = rules();
        let f = formation(1, 0);
        let ok = app("2023-0001", &[(50, 3); 3], 50);
        assert!(matches!(
            rank_formation(&r, &f, &[ok.clone(), ok.clone()]),
            Err(RankingError::DuplicateRegistrationNo { .. })
        ));
        let mut dup = ok.clone();
        dup.panel_scores[1].panelist_id = "p1".into();
        assert!(matches!(
            rank_formation(&r, &f, &[dup]),
            Err(RankingError::DuplicatePanelist { .. })
        ));
        let mut missing = ok.clone();
        missing.panel_scores[0].submitted = Some(BTreeMap::from([("A".to_owned(), 50)]));
        assert_eq!(
            rank_formation(&r, &f, &[missing]),
            Err(RankingError::MissingScore {
                registration_no: "2023-0001".into(),
                panelist_id: "p1".into(),
                code: "B".into()
            })
        );
        let mut extra = ok.clone();
        extra.panel_scores[0]
            .submitted
            .as_mut()
            .unwrap()
            .insert("W".into(), 50);
        assert_eq!(
            rank_formation(&r, &f, &[extra]),
            Err(RankingError::UnknownCriterion {
                registration_no: "2023-0001".into(),
                source_id: "p1".into(),
                code: "W".into()
            })
        );
        let mut imported_panel = ok.clone();
        imported_panel.imported.insert("A".into(), 50);
        assert!(matches!(
            rank_formation(&r, &f, &[imported_panel]),
            Err(RankingError::UnknownCriterion { .. })
        ));
        let mut high = ok.clone();
        high.panel_scores[2]
            .submitted
            .as_mut()
            .unwrap()
            .insert("B".into(), 6);
        assert_eq!(
            rank_formation(&r, &f, &[high]),
            Err(RankingError::ValueOutsideScale {
                registration_no: "2023-0001".into(),
                source_id: "p3".into(),
                code: "B".into(),
                value: 6
            })
        );
        let mut low_import = ok;
        low_import.imported.insert("W".into(), -1);
        assert!(matches!(
            rank_formation(&r, &f, &[low_import]),
            Err(RankingError::ValueOutsideScale { .. })
        ));
    }

    #[test]
    fn fractions_have_one_spelling() {
        assert_eq!(format_fraction(&ratio(500, 6)), "250/3");
        assert_eq!(format_fraction(&ratio(100, 1)), "100/1");
        assert_eq!(format_fraction(&ratio(0, 7)), "0/1");
        assert_eq!(format_fraction(&ratio(1, -2)), "-1/2");
        for s in ["250/3", "100/1", "0/1", "-1/2"] {
            assert_eq!(format_fraction(&parse_fraction(s).unwrap()), s);
        }
        assert_eq!(parse_fraction("2/4"), Err(FractionError::NotReduced));
        assert_eq!(parse_fraction("0/5"), Err(FractionError::NotReduced));
        assert_eq!(parse_fraction("-0/1"), Err(FractionError::NotReduced));
        assert_eq!(parse_fraction("1/0"), Err(FractionError::ZeroDenominator));
        for bad in [
            "", "1", "1/", "/2", "+1/2", "1/-2", " 1/2", "1/2 ", "01/2", "1/02", "1.5/2", "a/b",
            "1/2/3", "--1/2",
        ] {
            assert_eq!(
                parse_fraction(bad),
                Err(FractionError::Syntax),
                "input {bad:?}"
            );
        }
        let huge = "123456789012345678901234567890123456789012345/7";
        assert_eq!(format_fraction(&parse_fraction(huge).unwrap()), huge);
    }

    #[test]
    fn rounding_is_half_up_to_two_decimals() {
        assert_eq!(format_rounded_2dp(&ratio(250, 3)), "83.33");
        assert_eq!(format_rounded_2dp(&ratio(2, 3)), "0.67");
        assert_eq!(format_rounded_2dp(&ratio(1, 8)), "0.13");
        assert_eq!(format_rounded_2dp(&ratio(1, 200)), "0.01");
        assert_eq!(format_rounded_2dp(&ratio(1, 201)), "0.00");
        assert_eq!(format_rounded_2dp(&ratio(0, 1)), "0.00");
        assert_eq!(format_rounded_2dp(&ratio(100, 1)), "100.00");
        assert_eq!(format_rounded_2dp(&ratio(19999, 200)), "100.00");
        assert_eq!(format_rounded_2dp(&ratio(-1, 8)), "-0.12");
    }

    /// 20 criteria whose scale widths are distinct primes near 1000, 50
    /// panelists: the total's denominator is far beyond i128.
    #[test]
    fn adversarial_scales_fall_back_to_big_integers() {
        const PRIMES: [i64; 20] = [
            997, 991, 983, 977, 971, 967, 953, 947, 941, 937, 929, 919, 911, 907, 887, 883, 881,
            877, 863, 859,
        ];
        let criteria: Vec<Criterion> = PRIMES
            .iter()
            .enumerate()
            .map(|(i, &p)| criterion(&format!("C{i:02}"), CriterionKind::Panel, 0, p, 5, None))
            .collect();
        let r = RoundRules {
            aggregation: Aggregation::Mean,
            passing_total: Some(1),
            min_panelists: 3,
            criteria,
            seed: "s".into(),
        };
        let scores = |offset: i64| -> Vec<PanelScore> {
            (0..50)
                .map(|j| PanelScore {
                    panelist_id: format!("p{j}"),
                    recused: false,
                    submitted: Some(
                        PRIMES
                            .iter()
                            .enumerate()
                            .map(|(i, &p)| (format!("C{i:02}"), (j * 7 + i as i64 + offset) % p))
                            .collect(),
                    ),
                })
                .collect()
        };
        let apps = vec![
            Application {
                registration_no: "X".into(),
                eligibility: Eligibility::Eligible,
                panel_scores: scores(0),
                imported: BTreeMap::new(),
            },
            Application {
                registration_no: "Y".into(),
                eligibility: Eligibility::Eligible,
                panel_scores: scores(1),
                imported: BTreeMap::new(),
            },
        ];
        let out = rank_formation(&r, &formation(1, 0), &apps).unwrap();
        for o in &out {
            let expected: Ratio = o
                .criteria
                .iter()
                .map(|c| c.normalized() * BigInt::from(5))
                .sum();
            assert_eq!(o.total.as_ref(), Some(&expected));
            assert!(
                expected.denom().bits() > 127,
                "this case must exercise the big path"
            );
        }
        assert_eq!(order(&out), ["Y", "X"]);
    }

    // ---- property tests ----

    /// Raw, rule-independent material for one application; values are mapped
    /// into each criterion's scale when the applications are built.
    #[derive(Debug, Clone)]
    struct RawApp {
        eligibility: u8,
        panelists: Vec<(bool, bool, [u16; 4])>,
        imported: [Option<u16>; 4],
    }

    fn arb_rules() -> impl Strategy<Value = RoundRules> {
        (1usize..=4).prop_flat_map(|n| {
            (
                proptest::collection::vec(
                    (
                        -3i64..=2,
                        1i64..=7,
                        prop::bool::weighted(0.3),
                        prop::option::weighted(0.3, 0u16..100),
                    ),
                    n,
                ),
                proptest::collection::vec(0u32..=100, n - 1),
                prop_oneof![Just(Aggregation::Mean), Just(Aggregation::TrimmedMean)],
                prop::option::weighted(0.5, 0u32..=80),
                1u32..=3,
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                0..=n,
            )
                .prop_map(
                    |(shapes, mut cuts, aggregation, passing_total, min_panelists, perm, k)| {
                        cuts.push(0);
                        cuts.push(100);
                        cuts.sort_unstable();
                        let mut criteria: Vec<Criterion> = shapes
                            .iter()
                            .enumerate()
                            .map(|(i, &(min, width, imported, pass))| Criterion {
                                code: format!("C{i}"),
                                kind: if imported {
                                    CriterionKind::Imported
                                } else {
                                    CriterionKind::Panel
                                },
                                scale_min: min,
                                scale_max: min + width,
                                weight: cuts[i + 1] - cuts[i],
                                pass_min: pass.map(|p| min + i64::from(p) % (width + 1)),
                                tiebreak_order: None,
                            })
                            .collect();
                        for (order, &i) in perm.iter().take(k).enumerate() {
                            criteria[i].tiebreak_order = Some(order as u32 + 1);
                        }
                        RoundRules {
                            aggregation,
                            passing_total,
                            min_panelists,
                            criteria,
                            seed: "prop-seed".into(),
                        }
                    },
                )
        })
    }

    fn arb_raw_app() -> impl Strategy<Value = RawApp> {
        (
            prop_oneof![8 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)],
            proptest::collection::vec(
                (
                    prop::bool::weighted(0.1),
                    prop::bool::weighted(0.9),
                    any::<[u16; 4]>(),
                ),
                0..=6,
            ),
            any::<[Option<u16>; 4]>().prop_map(|mut a| {
                // Mostly present: a missing import makes the application incomplete.
                for (i, v) in a.iter_mut().enumerate() {
                    if v.is_none() && i % 2 == 0 {
                        *v = Some(7);
                    }
                }
                a
            }),
        )
            .prop_map(|(eligibility, panelists, imported)| RawApp {
                eligibility,
                panelists,
                imported,
            })
    }

    fn in_scale(c: &Criterion, raw: u16) -> i64 {
        c.scale_min + i64::from(raw) % (c.scale_max - c.scale_min + 1)
    }

    fn build(rules: &RoundRules, raws: &[RawApp]) -> Vec<Application> {
        raws.iter()
            .enumerate()
            .map(|(n, raw)| Application {
                registration_no: format!("R{n:03}"),
                eligibility: [
                    Eligibility::Eligible,
                    Eligibility::Ineligible,
                    Eligibility::Withdrawn,
                    Eligibility::Pending,
                ][usize::from(raw.eligibility)],
                panel_scores: raw
                    .panelists
                    .iter()
                    .enumerate()
                    .map(|(p, &(recused, submitted, values))| PanelScore {
                        panelist_id: format!("P{p}"),
                        recused,
                        submitted: submitted.then(|| {
                            rules
                                .criteria
                                .iter()
                                .enumerate()
                                .filter(|(_, c)| c.kind == CriterionKind::Panel)
                                .map(|(i, c)| (c.code.clone(), in_scale(c, values[i])))
                                .collect()
                        }),
                    })
                    .collect(),
                imported: rules
                    .criteria
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.kind == CriterionKind::Imported)
                    .filter_map(|(i, c)| raw.imported[i].map(|v| (c.code.clone(), in_scale(c, v))))
                    .collect(),
            })
            .collect()
    }

    fn arb_case() -> impl Strategy<Value = (RoundRules, Vec<Application>, Formation)> {
        (
            arb_rules(),
            proptest::collection::vec(arb_raw_app(), 0..30),
            0u32..6,
            0u32..6,
        )
            .prop_map(|(rules, raws, seats, reserve)| {
                let apps = build(&rules, &raws);
                (
                    rules,
                    apps,
                    Formation {
                        code: "F".into(),
                        seats,
                        reserve,
                    },
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn ranks_are_one_to_n_and_only_for_passing_eligible((rules, apps, f) in arb_case()) {
            let out = rank_formation(&rules, &f, &apps).unwrap();
            prop_assert_eq!(out.len(), apps.len());
            let ranks: Vec<u32> = out.iter().filter_map(|o| o.rank).collect();
            let expected: Vec<u32> = (1..=ranks.len() as u32).collect();
            prop_assert_eq!(&ranks, &expected);
            // Ranked ones come first, in rank order.
            prop_assert!(out.iter().take(ranks.len()).all(|o| o.rank.is_some()));
            for o in &out {
                let rankable = o.complete && o.eligibility == Eligibility::Eligible && o.passed == Some(true);
                prop_assert_eq!(o.rank.is_some(), rankable);
                prop_assert_eq!(o.status.is_some(), o.complete && o.eligibility == Eligibility::Eligible);
                prop_assert_eq!(o.total.is_some(), o.complete);
                prop_assert_eq!(o.incomplete.is_none(), o.complete);
            }
            let unranked: Vec<&str> = out.iter().skip(ranks.len()).map(|o| o.registration_no.as_str()).collect();
            let mut sorted = unranked.clone();
            sorted.sort_unstable();
            prop_assert_eq!(unranked, sorted);
        }

        #[test]
        fn stored_standings_order_like_rank_formation(
            (rules, apps, f) in arb_case(),
            rotate in 0usize..64,
        ) {
            let out = rank_formation(&rules, &f, &apps).unwrap();
            let ranked: Vec<&Outcome> = out.iter().filter(|o| o.rank.is_some()).collect();
            let tiebreaks: Vec<Vec<Ratio>> = ranked.iter().map(|o| tiebreak_values(&rules, o)).collect();
            let mut standings = standings_of(&ranked, &tiebreaks);
            // Stored rows come back in any order.
            if !standings.is_empty() {
                let n = standings.len();
                standings.rotate_left(rotate % n);
            }
            let again: Vec<(&str, u32, Status)> = order_standings(&f, &standings)
                .into_iter()
                .map(|(i, rank, status)| (standings[i].registration_no, rank, status))
                .collect();
            let expected: Vec<(&str, u32, Status)> = ranked
                .iter()
                .map(|o| (o.registration_no.as_str(), o.rank.unwrap(), o.status.unwrap()))
                .collect();
            prop_assert_eq!(again, expected);
        }

        #[test]
        fn one_standing_placed_among_the_others_gets_its_rank_formation_rank(
            (rules, apps, f) in arb_case(),
            pick in 0usize..64,
        ) {
            let out = rank_formation(&rules, &f, &apps).unwrap();
            let ranked: Vec<&Outcome> = out.iter().filter(|o| o.rank.is_some()).collect();
            prop_assume!(!ranked.is_empty());
            let tiebreaks: Vec<Vec<Ratio>> = ranked.iter().map(|o| tiebreak_values(&rules, o)).collect();
            let standings = standings_of(&ranked, &tiebreaks);
            // Take one out; the others stay in rank order, as stored ranks
            // are. The number of them that rank before it is its rank - 1.
            let i = pick % standings.len();
            let others: Vec<&Standing<'_>> = standings.iter().enumerate().filter(|(k, _)| *k != i).map(|(_, s)| s).collect();
            prop_assert!(others.windows(2).all(|w| cmp_standings(w[0], w[1]) == Ordering::Less));
            let before = others.partition_point(|s| cmp_standings(s, &standings[i]) == Ordering::Less);
            prop_assert_eq!(before as u32 + 1, ranked[i].rank.unwrap());
        }

        #[test]
        fn seats_and_reserve_are_respected((rules, apps, f) in arb_case()) {
            let out = rank_formation(&rules, &f, &apps).unwrap();
            let n = out.iter().filter(|o| o.rank.is_some()).count();
            let count = |s| out.iter().filter(|o| o.status == Some(s)).count();
            let seats = (f.seats as usize).min(n);
            let reserve = (f.reserve as usize).min(n - seats);
            prop_assert_eq!(count(Status::Selected), seats);
            prop_assert_eq!(count(Status::Reserve), reserve);
            prop_assert_eq!(count(Status::NotSelected), n - seats - reserve);
            for o in &out {
                if let Some(rank) = o.rank {
                    let expected = if (rank as usize) <= seats { Status::Selected }
                        else if (rank as usize) <= seats + reserve { Status::Reserve }
                        else { Status::NotSelected };
                    prop_assert_eq!(o.status, Some(expected));
                }
            }
        }

        #[test]
        fn result_does_not_depend_on_input_order(
            (rules, apps, f, perm) in arb_case().prop_flat_map(|(r, a, f)| {
                let idx: Vec<usize> = (0..a.len()).collect();
                (Just(r), Just(a), Just(f), Just(idx).prop_shuffle())
            })
        ) {
            let shuffled: Vec<Application> = perm.iter().map(|&i| apps[i].clone()).collect();
            let a = rank_formation(&rules, &f, &apps).unwrap();
            let b = rank_formation(&rules, &f, &shuffled).unwrap();
            prop_assert_eq!(a, b);
        }

        #[test]
        fn same_input_gives_identical_output((rules, apps, f) in arb_case()) {
            let a = rank_formation(&rules, &f, &apps).unwrap();
            let b = rank_formation(&rules, &f, &apps).unwrap();
            prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }

        #[test]
        fn totals_are_within_0_and_100_and_round_trip_as_fractions((rules, apps, f) in arb_case()) {
            let out = rank_formation(&rules, &f, &apps).unwrap();
            for o in out.iter().filter(|o| o.complete) {
                let total = o.total.as_ref().unwrap();
                prop_assert!(*total >= Ratio::zero() && *total <= Ratio::from_integer(BigInt::from(100)));
                prop_assert_eq!(&parse_fraction(&format_fraction(total)).unwrap(), total);
                let expected: Ratio = o.criteria.iter().zip(&rules.criteria)
                    .map(|(s, c)| s.normalized() * BigInt::from(c.weight)).sum();
                prop_assert_eq!(total, &expected);
            }
        }

        #[test]
        fn raising_one_score_never_lowers_the_rank(
            (rules, apps, f) in arb_case(),
            target in any::<(usize, usize, usize)>(),
            bump in 1i64..=7,
        ) {
            prop_assume!(!apps.is_empty());
            let before = rank_formation(&rules, &f, &apps).unwrap();
            let (ai, pi, ci) = (target.0 % apps.len(), target.1, target.2 % rules.criteria.len());
            let reg = apps[ai].registration_no.clone();
            let rank_of = |out: &[Outcome]| out.iter().find(|o| o.registration_no == reg).and_then(|o| o.rank);
            let Some(rank_before) = rank_of(&before) else { return Ok(()) };
            let c = &rules.criteria[ci];
            let mut raised = apps.clone();
            let slot = match c.kind {
                CriterionKind::Imported => raised[ai].imported.get_mut(&c.code),
                CriterionKind::Panel => {
                    let cards = &mut raised[ai].panel_scores;
                    if cards.is_empty() { return Ok(()) }
                    let n = cards.len();
                    let card = &mut cards[pi % n];
                    if card.recused { return Ok(()) }
                    card.submitted.as_mut().and_then(|m| m.get_mut(&c.code))
                }
            };
            let Some(value) = slot else { return Ok(()) };
            *value = (*value + bump).min(c.scale_max);
            let after = rank_formation(&rules, &f, &raised).unwrap();
            let rank_after = rank_of(&after);
            prop_assert!(rank_after.is_some(), "still passing, so still ranked");
            prop_assert!(rank_after <= Some(rank_before), "{rank_after:?} > {rank_before}");
        }

        #[test]
        fn fast_and_big_totals_agree(
            terms in proptest::collection::vec((-1000i64..=1000, 1i64..=1000, 0u32..=100, 1i128..=50, any::<u32>()), 1..=20)
        ) {
            let criteria: Vec<Criterion> = terms.iter().enumerate()
                .map(|(i, &(min, width, w, _, _))| criterion(&format!("C{i}"), CriterionKind::Panel, min, min + width, w, None))
                .collect();
            let parts: Vec<(i128, i128)> = terms.iter()
                .map(|&(min, width, _, count, raw)| {
                    // A sum of `count` values within the scale.
                    let sum = count * i128::from(min) + i128::from(raw) % (count * i128::from(width) + 1);
                    (sum, count)
                })
                .collect();
            let rules = RoundRules { aggregation: Aggregation::Mean, passing_total: None, min_panelists: 1, criteria, seed: String::new() };
            let big = total_big(&rules, &parts);
            let small = FastTotal::new(&rules).and_then(|f| f.total(&rules, &parts));
            if let Some((n, d)) = small {
                prop_assert_eq!(gcd(n, d), 1);
                prop_assert_eq!(Ratio::new_raw(BigInt::from(n), BigInt::from(d)), big);
            }
        }

        #[test]
        fn cross_multiplication_matches_big_rationals(
            a in (any::<i128>(), 1i128..=i128::MAX), b in (any::<i128>(), 1i128..=i128::MAX)
        ) {
            let ra = Ratio::new(BigInt::from(a.0), BigInt::from(a.1));
            let rb = Ratio::new(BigInt::from(b.0), BigInt::from(b.1));
            prop_assert_eq!(cmp_quotient(a, b), ra.cmp(&rb));
        }
    }
}
