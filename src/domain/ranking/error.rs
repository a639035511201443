//! Why rules cannot be published or inputs cannot be ranked.

use super::*;

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
