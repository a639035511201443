//! How reliably a panel scores: Krippendorff's α for ordinal data and the
//! intraclass correlations ICC(2,1) and ICC(2,k) of Shrout & Fleiss with
//! their 95 % confidence intervals, each with its customary reading.
//!
//! These describe a panel; nothing here changes a score or a rank. α is an
//! exact rational (two auditors get the same digits from the same export);
//! the ICCs and their intervals are floating point, because their intervals
//! come from the F distribution and no comparison that decides a rank uses them.

use std::collections::BTreeMap;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// Exact values.
pub type Ratio = BigRational;

/// Lowest α read as reliable.
pub const ALPHA_RELIABLE: (i64, i64) = (4, 5);
/// Lowest α from which tentative conclusions may be drawn.
pub const ALPHA_TENTATIVE: (i64, i64) = (667, 1000);

/// The customary reading of Krippendorff's α.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlphaReading {
    /// α ≥ .800.
    Reliable,
    /// .667 ≤ α < .800: tentative conclusions only.
    Tentative,
    /// α < .667.
    Unreliable,
}

impl AlphaReading {
    /// The reading of `alpha`.
    #[must_use]
    pub fn of(alpha: &Ratio) -> AlphaReading {
        let r = |(n, d): (i64, i64)| Ratio::new(BigInt::from(n), BigInt::from(d));
        if *alpha >= r(ALPHA_RELIABLE) {
            AlphaReading::Reliable
        } else if *alpha >= r(ALPHA_TENTATIVE) {
            AlphaReading::Tentative
        } else {
            AlphaReading::Unreliable
        }
    }

    /// The word used in exports: `reliable`, `tentative`, `unreliable`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AlphaReading::Reliable => "reliable",
            AlphaReading::Tentative => "tentative",
            AlphaReading::Unreliable => "unreliable",
        }
    }
}

/// The customary reading of an ICC (Koo & Li 2016).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IccReading {
    /// Below .5.
    Poor,
    /// .5 to .75.
    Moderate,
    /// .75 to .9.
    Good,
    /// Above .9.
    Excellent,
}

impl IccReading {
    /// The reading of `icc`.
    #[must_use]
    pub fn of(icc: f64) -> IccReading {
        if icc < 0.5 {
            IccReading::Poor
        } else if icc < 0.75 {
            IccReading::Moderate
        } else if icc <= 0.9 {
            IccReading::Good
        } else {
            IccReading::Excellent
        }
    }

    /// The word used in exports: `poor`, `moderate`, `good`, `excellent`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            IccReading::Poor => "poor",
            IccReading::Moderate => "moderate",
            IccReading::Good => "good",
            IccReading::Excellent => "excellent",
        }
    }
}

/// Krippendorff's α with the ordinal metric, exactly. `units` holds, for
/// each unit (an application), the values its coders (panelists) gave; a
/// unit with fewer than two values is not pairable and is left out, as in
/// Krippendorff's definition. `None` when no unit is pairable or every
/// pairable value is the same (no expected disagreement: α is undefined).
///
/// With coincidences `o_ck = Σ_u Σ_{i≠j} [v_ui = c][v_uj = k] / (m_u − 1)`,
/// marginals `n_c` and `n = Σ n_c`, the ordinal distance is
/// `δ²(c, k) = (Σ_{g=c}^{k} n_g − (n_c + n_k)/2)²` and
/// `α = 1 − (n − 1) · Σ o_ck δ²(c,k) / Σ n_c n_k δ²(c,k)`.
#[must_use]
pub fn alpha_ordinal(units: &[Vec<i64>]) -> Option<Ratio> {
    let mut coincidence: BTreeMap<(i64, i64), Ratio> = BTreeMap::new();
    for unit in units.iter().filter(|u| u.len() >= 2) {
        let share = Ratio::new(BigInt::from(1), BigInt::from(unit.len() - 1));
        for (i, c) in unit.iter().enumerate() {
            for (j, k) in unit.iter().enumerate() {
                if i != j {
                    *coincidence.entry((*c, *k)).or_insert_with(Ratio::zero) += &share;
                }
            }
        }
    }
    let mut marginal: BTreeMap<i64, Ratio> = BTreeMap::new();
    for ((c, _), o) in &coincidence {
        *marginal.entry(*c).or_insert_with(Ratio::zero) += o;
    }
    let values: Vec<i64> = marginal.keys().copied().collect();
    if values.len() < 2 {
        return None;
    }
    let n: Ratio = marginal.values().sum();
    // Cumulative marginals make every δ² one subtraction.
    let mut cumulative = Vec::with_capacity(values.len() + 1);
    cumulative.push(Ratio::zero());
    for v in &values {
        let next = cumulative.last().cloned().unwrap_or_default() + &marginal[v];
        cumulative.push(next);
    }
    let two = Ratio::from_integer(BigInt::from(2));
    let delta2 = |a: usize, b: usize| {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let between = &cumulative[hi + 1] - &cumulative[lo];
        let d = between - (&marginal[&values[lo]] + &marginal[&values[hi]]) / &two;
        &d * &d
    };
    let mut observed = Ratio::zero();
    let mut expected = Ratio::zero();
    for (a, c) in values.iter().enumerate() {
        for (b, k) in values.iter().enumerate() {
            if a == b {
                continue;
            }
            let d2 = delta2(a, b);
            if let Some(o) = coincidence.get(&(*c, *k)) {
                observed += o * &d2;
            }
            expected += &marginal[c] * &marginal[k] * &d2;
        }
    }
    if expected.is_zero() {
        return None;
    }
    let one = Ratio::from_integer(BigInt::from(1));
    Some(&one - (n - &one) * observed / expected)
}

/// An ICC with its 95 % confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Icc {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

impl Icc {
    /// The reading of the point estimate.
    #[must_use]
    pub fn reading(&self) -> IccReading {
        IccReading::of(self.value)
    }
}

/// ICC(2,1) (one panelist) and ICC(2,k) (the mean of the k panelists) of the
/// two-way random-effects model, absolute agreement (Shrout & Fleiss 1979),
/// with the 95 % intervals of McGraw & Wong (1996).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iccs {
    /// Targets (applications) behind the figures.
    pub targets: usize,
    /// Raters (panelists) behind the figures.
    pub raters: usize,
    pub single: Icc,
    pub average: Icc,
}

/// The ICCs of a complete `n × k` table (`rows[i][j]`: rater `j` on target
/// `i`). `None` with fewer than 2 targets or 2 raters, rows of unequal
/// length, or no variation at all (every mean square zero).
#[must_use]
pub fn icc2(rows: &[Vec<f64>]) -> Option<Iccs> {
    let n = rows.len();
    let k = rows.first().map_or(0, Vec::len);
    if n < 2 || k < 2 || rows.iter().any(|r| r.len() != k) {
        return None;
    }
    let (nf, kf) = (n as f64, k as f64);
    let grand = rows.iter().flatten().sum::<f64>() / (nf * kf);
    let row_means: Vec<f64> = rows.iter().map(|r| r.iter().sum::<f64>() / kf).collect();
    let col_means: Vec<f64> = (0..k)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / nf)
        .collect();
    let ss_total: f64 = rows.iter().flatten().map(|x| (x - grand).powi(2)).sum();
    let ss_rows: f64 = kf * row_means.iter().map(|m| (m - grand).powi(2)).sum::<f64>();
    let ss_cols: f64 = nf * col_means.iter().map(|m| (m - grand).powi(2)).sum::<f64>();
    let ss_err = (ss_total - ss_rows - ss_cols).max(0.0);
    let msr = ss_rows / (nf - 1.0);
    let msc = ss_cols / (kf - 1.0);
    let mse = ss_err / ((nf - 1.0) * (kf - 1.0));
    let single_den = msr + (kf - 1.0) * mse + kf * (msc - mse) / nf;
    let average_den = msr + (msc - mse) / nf;
    if single_den <= 0.0 || average_den <= 0.0 || mse <= 0.0 {
        return None;
    }
    let single = (msr - mse) / single_den;
    let average = (msr - mse) / average_den;

    // McGraw & Wong's approximate denominator degrees of freedom.
    let fj = msc / mse;
    let spread = nf * (1.0 + (kf - 1.0) * single) - kf * single;
    let v = (nf - 1.0) * (kf - 1.0) * (kf * single * fj + spread).powi(2)
        / ((nf - 1.0) * kf.powi(2) * single.powi(2) * fj.powi(2) + spread.powi(2));
    let upper_q = |d1: f64, d2: f64| {
        FisherSnedecor::new(d1, d2)
            .ok()
            .map(|f| f.inverse_cdf(0.975))
    };
    let (f_star, f_star2) = if v.is_finite() && v > 0.0 {
        (upper_q(nf - 1.0, v), upper_q(v, nf - 1.0))
    } else {
        (None, None)
    };
    let (lower, upper) = match (f_star, f_star2) {
        (Some(fu), Some(fl)) => {
            let l =
                nf * (msr - fu * mse) / (fu * (kf * msc + (kf * nf - kf - nf) * mse) + nf * msr);
            let u = nf * (fl * msr - mse) / (kf * msc + (kf * nf - kf - nf) * mse + nf * fl * msr);
            (l, u)
        }
        _ => (f64::NAN, f64::NAN),
    };
    let spearman_brown = |x: f64| x * kf / (1.0 + x * (kf - 1.0));
    Some(Iccs {
        targets: n,
        raters: k,
        single: Icc {
            value: single,
            lower,
            upper,
        },
        average: Icc {
            value: average,
            lower: spearman_brown(lower),
            upper: spearman_brown(upper),
        },
    })
}

/// `α` as a decimal for display and for floats in exports.
#[must_use]
pub fn to_f64(r: &Ratio) -> f64 {
    r.to_f64().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Krippendorff's own worked example ("Computing Krippendorff's
    /// Alpha-Reliability", 2011, section C: 4 observers, 12 units, values
    /// 1–5, some missing), as the `krippendorff` Python package tests it:
    /// ordinal α = 0.815. Columns are units, rows observers; 0 is missing.
    const KRIPPENDORFF_2011: [[i64; 12]; 4] = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
        [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
    ];

    fn units_of<const U: usize>(table: &[[i64; U]]) -> Vec<Vec<i64>> {
        (0..U)
            .map(|u| table.iter().map(|row| row[u]).filter(|v| *v != 0).collect())
            .collect()
    }

    #[test]
    fn krippendorffs_own_example_gives_ordinal_alpha_0_815() {
        let alpha = alpha_ordinal(&units_of(&KRIPPENDORFF_2011)).expect("alpha");
        let f = to_f64(&alpha);
        // The package rounds to 3 places; our exact value to 9 digits
        // (cross-checked with `krippendorff.alpha(..., 'ordinal')`).
        assert!((f - 0.815).abs() < 0.0005, "{f}");
        assert!((f - 0.815_387_503_8).abs() < 1e-9, "{f}");
        assert_eq!(AlphaReading::of(&alpha), AlphaReading::Reliable);
    }

    #[test]
    fn perfect_agreement_is_one_and_a_lone_coder_is_not_pairable() {
        let units = vec![vec![1, 1, 1], vec![3, 3], vec![5, 5, 5], vec![2]];
        assert_eq!(alpha_ordinal(&units), Some(Ratio::from_integer(1.into())));
        assert_eq!(alpha_ordinal(&[vec![1], vec![5]]), None);
        assert_eq!(alpha_ordinal(&[vec![3, 3], vec![3, 3]]), None);
    }

    #[test]
    fn readings_follow_the_customary_cut_offs() {
        let r = |n: i64, d: i64| Ratio::new(n.into(), d.into());
        assert_eq!(AlphaReading::of(&r(8, 10)), AlphaReading::Reliable);
        assert_eq!(AlphaReading::of(&r(799, 1000)), AlphaReading::Tentative);
        assert_eq!(AlphaReading::of(&r(667, 1000)), AlphaReading::Tentative);
        assert_eq!(AlphaReading::of(&r(666, 1000)), AlphaReading::Unreliable);
        assert_eq!(IccReading::of(0.49), IccReading::Poor);
        assert_eq!(IccReading::of(0.5), IccReading::Moderate);
        assert_eq!(IccReading::of(0.75), IccReading::Good);
        assert_eq!(IccReading::of(0.9), IccReading::Good);
        assert_eq!(IccReading::of(0.91), IccReading::Excellent);
    }

    /// Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
    /// Published: ICC(2,1) = .29, ICC(2,4) = .62; the unrounded values and
    /// the 95 % intervals as `pingouin.intraclass_corr` 0.7 computes them
    /// (ICC2 [0.02, 0.76], ICC2k [0.07, 0.93]).
    const SHROUT_FLEISS: [[f64; 4]; 6] = [
        [9.0, 2.0, 5.0, 8.0],
        [6.0, 1.0, 3.0, 2.0],
        [8.0, 4.0, 6.0, 8.0],
        [7.0, 1.0, 2.0, 6.0],
        [10.0, 5.0, 6.0, 9.0],
        [6.0, 2.0, 4.0, 7.0],
    ];

    #[test]
    fn shrout_and_fleiss_table_gives_their_icc2_values_and_intervals() {
        let rows: Vec<Vec<f64>> = SHROUT_FLEISS.iter().map(|r| r.to_vec()).collect();
        let icc = icc2(&rows).expect("icc");
        assert_eq!((icc.targets, icc.raters), (6, 4));
        let close = |a: f64, b: f64, tol: f64| assert!((a - b).abs() < tol, "{a} vs {b}");
        close(icc.single.value, 0.289_763_779_5, 1e-9);
        close(icc.average.value, 0.620_050_547_6, 1e-9);
        close(icc.single.lower, 0.018_786_5, 1e-5);
        close(icc.single.upper, 0.761_084_4, 1e-5);
        close(icc.average.lower, 0.071_136_8, 1e-5);
        close(icc.average.upper, 0.927_232_0, 1e-5);
        assert_eq!(icc.single.reading(), IccReading::Poor);
        assert_eq!(icc.average.reading(), IccReading::Moderate);
    }

    #[test]
    fn too_small_or_ragged_tables_have_no_icc() {
        assert!(icc2(&[vec![1.0, 2.0]]).is_none());
        assert!(icc2(&[vec![1.0], vec![2.0]]).is_none());
        assert!(icc2(&[vec![1.0, 2.0], vec![2.0]]).is_none());
        assert!(icc2(&[vec![3.0, 3.0], vec![3.0, 3.0]]).is_none());
    }

    proptest! {
        #[test]
        fn alpha_never_exceeds_one_and_is_one_for_identical_coders(
            vals in proptest::collection::vec(1i64..=5, 2..20),
            coders in 2usize..5,
        ) {
            let units: Vec<Vec<i64>> = vals.iter().map(|v| vec![*v; coders]).collect();
            let alpha = alpha_ordinal(&units);
            let distinct = vals.iter().collect::<std::collections::BTreeSet<_>>().len();
            if distinct >= 2 {
                prop_assert_eq!(alpha, Some(Ratio::from_integer(1.into())));
            } else {
                prop_assert_eq!(alpha, None);
            }
        }

        #[test]
        fn alpha_is_at_most_one_for_any_panel(
            units in proptest::collection::vec(proptest::collection::vec(1i64..=5, 0..5), 1..15),
        ) {
            if let Some(a) = alpha_ordinal(&units) {
                prop_assert!(a <= Ratio::from_integer(1.into()));
            }
        }

        // The F-based intervals (McGraw & Wong) are approximations: for a
        // panel that agrees worse than chance they may lie beside the
        // estimate, so only their order and range are properties.
        #[test]
        fn icc_intervals_are_ordered_and_at_most_one(
            base in proptest::collection::vec(1i64..=5, 4..15),
            noise in proptest::collection::vec(-1i64..=1, 60),
        ) {
            let rows: Vec<Vec<f64>> = base.iter().enumerate()
                .map(|(i, b)| (0..3).map(|j| (b + noise[(i * 3 + j) % 60]) as f64).collect())
                .collect();
            if let Some(icc) = icc2(&rows) {
                // The average-measure bounds are the single-measure ones
                // through Spearman-Brown, which is increasing only above
                // -1/(k-1): a panel far worse than chance has no ordered
                // average interval (the reference formula behaves the same).
                let sb_defined = icc.single.lower > -0.5;
                for (x, check) in [(icc.single, true), (icc.average, sb_defined)] {
                    prop_assert!(x.value <= 1.0 + 1e-9);
                    if check && x.lower.is_finite() && x.upper.is_finite() {
                        prop_assert!(x.lower <= x.upper + 1e-9 && x.upper <= 1.0 + 1e-9);
                    }
                }
                prop_assert!(icc.single.value <= icc.average.value + 1e-9 || icc.single.value < 0.0);
            }
        }
    }
}
