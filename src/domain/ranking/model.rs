//! The plain data ranking reads and writes: rules, formations, applications
//! and outcomes.

use super::*;

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
    /// Disqualified after the final result (four-eyes), e.g. for a false
    /// declaration found later; never ranked again.
    Disqualified,
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
            Self::Disqualified => "disqualified",
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
    pub(super) code: Arc<str>,
    pub(super) sum: i128,
    pub(super) count: u32,
    pub(super) scale_min: i64,
    pub(super) scale_max: i64,
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

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
