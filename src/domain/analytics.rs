//! Panel analytics for auditors: how far each panelist's scores lie
//! from their colleagues' on the same applications, how widely they spread,
//! how often the panel agrees, and which amendments changed who is selected.
//!
//! These numbers *describe* a panel; they never change a score or a rank.
//! A flagged panelist is a question for the auditor, not a correction.
//!
//! All statistics are exact rationals, so two auditors computing them from
//! the same export get the same digits; pages round them only for display.
//!
//! Definitions (published in the README):
//!
//! - Every value is first put on a 0–100 scale: `n = (v − min) · 100 / (max − min)`
//!   ("percentage points of the criterion's scale", pp), so criteria on 1–5
//!   and on 0–100 can be compared.
//! - **Deviation** of panelist *p* on one application and criterion, when at
//!   least one other panelist scored it too: `n_p − median(n_q)` over all
//!   panelists *q* who scored it (including *p*; an even count takes the mean
//!   of the two middle values). The median is what the others agree on: with
//!   three panelists of whom one is an outlier, the two who agree deviate by
//!   0 and the outlier by the full gap, whereas a plain mean would drag the
//!   reference towards the outlier and make everyone look deviant.
//!   *Mean deviation* is the average of these (signed: below zero is harsher
//!   than the colleagues, above zero more lenient); *mean absolute deviation*
//!   the average of their absolute values.
//! - **Spread** of a panelist: the mean absolute difference between each of
//!   their own values and their own mean (pp) — how much they tell applicants apart.
//! - **Flag**: mean absolute deviation ≥ [`FLAG_THRESHOLD_PP`] pp over at least
//!   [`FLAG_MIN_COMPARISONS`] compared values. On a 1–5 scale one step is
//!   25 pp, so a panelist is flagged when they are, on average, most of a
//!   step away from the others.
//! - **Agreement** of a formation's panel: of all pairs of values two
//!   panelists gave the same application on the same criterion, the share
//!   that differ by at most one scale step or 10 % of the scale, whichever
//!   is larger.

use std::collections::BTreeMap;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};

/// Exact values of the statistics.
pub type Ratio = BigRational;

/// Mean absolute deviation (pp) from which a panelist is flagged.
pub const FLAG_THRESHOLD_PP: i64 = 20;
/// Fewest compared values before a panelist can be flagged at all.
pub const FLAG_MIN_COMPARISONS: usize = 3;

/// A criterion's integer scale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scale {
    pub code: String,
    pub min: i64,
    pub max: i64,
}

impl Scale {
    /// The value on the 0–100 scale (0 for a degenerate scale).
    fn normalize(&self, v: i64) -> Ratio {
        let range = self.max - self.min;
        if range <= 0 {
            return Ratio::zero();
        }
        Ratio::new(BigInt::from((v - self.min) * 100), BigInt::from(range))
    }

    /// Whether two raw values agree (see the module documentation).
    fn agree(&self, a: i64, b: i64) -> bool {
        let range = (self.max - self.min).max(0);
        // |a − b| ≤ max(1, range / 10)  ⇔  10·|a − b| ≤ max(10, range)
        (a - b).abs() * 10 <= range.max(10)
    }
}

/// One latest submitted value of one panelist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Score {
    pub panelist: String,
    pub application: String,
    pub criterion: String,
    pub value: i64,
}

/// What the statistics say about one panelist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PanelistStats {
    pub panelist: String,
    /// Values the panelist gave (applications × criteria).
    pub scored: usize,
    /// Of those, values some other panelist also gave.
    pub compared: usize,
    /// Signed mean deviation from the panel median (pp); `None` without comparisons.
    pub mean_deviation: Option<Ratio>,
    /// Mean absolute deviation from the panel median (pp).
    pub mean_abs_deviation: Option<Ratio>,
    /// Mean absolute difference from their own mean (pp).
    pub spread: Option<Ratio>,
    /// Deviates strongly (see [`FLAG_THRESHOLD_PP`]).
    pub flagged: bool,
}

/// Values grouped by (application, criterion), each panelist once, on the
/// 0–100 scale. Scores for unknown criteria are ignored; a repeated
/// (panelist, application, criterion) keeps the last value.
fn grouped(
    scales: &[Scale],
    scores: &[Score],
) -> BTreeMap<(String, String), BTreeMap<String, (i64, Ratio)>> {
    let by_code: BTreeMap<&str, &Scale> = scales.iter().map(|s| (s.code.as_str(), s)).collect();
    let mut groups: BTreeMap<(String, String), BTreeMap<String, (i64, Ratio)>> = BTreeMap::new();
    for s in scores {
        let Some(scale) = by_code.get(s.criterion.as_str()) else {
            continue;
        };
        groups
            .entry((s.application.clone(), s.criterion.clone()))
            .or_default()
            .insert(s.panelist.clone(), (s.value, scale.normalize(s.value)));
    }
    groups
}

fn mean(sum: &Ratio, n: usize) -> Option<Ratio> {
    (n > 0).then(|| sum / Ratio::from_integer(BigInt::from(n)))
}

/// The statistics of every panelist who scored, ordered by panelist.
pub fn panelist_stats(scales: &[Scale], scores: &[Score]) -> Vec<PanelistStats> {
    #[derive(Default)]
    struct Acc {
        own: Vec<Ratio>,
        dev: Ratio,
        abs_dev: Ratio,
        compared: usize,
    }
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    for values in grouped(scales, scores).values() {
        let n = values.len();
        let mut sorted: Vec<&Ratio> = values.values().map(|(_, r)| r).collect();
        sorted.sort();
        let median = if n % 2 == 1 {
            sorted[n / 2].clone()
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / Ratio::from_integer(BigInt::from(2))
        };
        for (panelist, (_, own)) in values {
            let a = acc.entry(panelist.clone()).or_default();
            a.own.push(own.clone());
            if n >= 2 {
                let d = own - &median;
                a.abs_dev += d.abs();
                a.dev += d;
                a.compared += 1;
            }
        }
    }
    acc.into_iter()
        .map(|(panelist, a)| {
            let own_sum: Ratio = a.own.iter().sum();
            let spread = mean(&own_sum, a.own.len()).map(|m| {
                let s: Ratio = a.own.iter().map(|v| (v - &m).abs()).sum();
                s / Ratio::from_integer(BigInt::from(a.own.len()))
            });
            let mean_abs_deviation = mean(&a.abs_dev, a.compared);
            let flagged = a.compared >= FLAG_MIN_COMPARISONS
                && mean_abs_deviation
                    .as_ref()
                    .is_some_and(|m| *m >= Ratio::from_integer(BigInt::from(FLAG_THRESHOLD_PP)));
            PanelistStats {
                panelist,
                scored: a.own.len(),
                compared: a.compared,
                mean_deviation: mean(&a.dev, a.compared),
                mean_abs_deviation,
                spread,
                flagged,
            }
        })
        .collect()
}

/// Pairwise agreement of a panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    /// Pairs of values by two panelists on the same application and criterion.
    pub pairs: usize,
    /// Of those, pairs within one step or 10 % of the scale.
    pub agreeing: usize,
}

impl Agreement {
    /// The agreeing share, 0–1; `None` when no two panelists overlap.
    pub fn rate(&self) -> Option<Ratio> {
        (self.pairs > 0).then(|| Ratio::new(BigInt::from(self.agreeing), BigInt::from(self.pairs)))
    }
}

/// The agreement of the panelists whose `scores` are given.
pub fn agreement(scales: &[Scale], scores: &[Score]) -> Agreement {
    let by_code: BTreeMap<&str, &Scale> = scales.iter().map(|s| (s.code.as_str(), s)).collect();
    let mut out = Agreement {
        pairs: 0,
        agreeing: 0,
    };
    for ((_, criterion), values) in grouped(scales, scores) {
        let Some(scale) = by_code.get(criterion.as_str()) else {
            continue;
        };
        let raw: Vec<i64> = values.values().map(|(v, _)| *v).collect();
        for (i, a) in raw.iter().enumerate() {
            for b in &raw[i + 1..] {
                out.pairs += 1;
                if scale.agree(*a, *b) {
                    out.agreeing += 1;
                }
            }
        }
    }
    out
}

/// An amendment (`score.amended`) by a panelist, by its audit seq.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amendment {
    pub panelist: String,
    pub seq: i64,
}

/// A published rank move (`ranking.changed`) and the event that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankMove {
    pub cause_seq: i64,
    pub from_status: String,
    pub to_status: String,
}

impl RankMove {
    /// Whether the move put someone into or out of the selected seats.
    pub fn changes_selection(&self) -> bool {
        (self.from_status == "selected") != (self.to_status == "selected")
    }
}

/// Amendments of one panelist and how many of them changed who is selected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AmendmentEffect {
    pub amendments: usize,
    /// Amendments that caused at least one move into or out of `selected`.
    pub changed_selection: usize,
}

/// Counts each panelist's amendments and those that changed a selection
/// outcome (a `ranking.changed` with that amendment as cause whose status
/// crossed `selected`).
pub fn amendment_effects(
    amendments: &[Amendment],
    moves: &[RankMove],
) -> BTreeMap<String, AmendmentEffect> {
    let decisive: std::collections::BTreeSet<i64> = moves
        .iter()
        .filter(|m| m.changes_selection())
        .map(|m| m.cause_seq)
        .collect();
    let mut out: BTreeMap<String, AmendmentEffect> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for a in amendments {
        if !seen.insert(a.seq) {
            continue;
        }
        let e = out.entry(a.panelist.clone()).or_default();
        e.amendments += 1;
        if decisive.contains(&a.seq) {
            e.changed_selection += 1;
        }
    }
    out
}

/// One bar of a score distribution: values `lo..=hi` and how many there are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bin {
    pub lo: i64,
    pub hi: i64,
    pub count: usize,
}

impl Bin {
    /// `3` for a single value, `20–29` for a range.
    pub fn label(&self) -> String {
        if self.lo == self.hi {
            self.lo.to_string()
        } else {
            format!("{}–{}", self.lo, self.hi)
        }
    }
}

/// Most bars a distribution has; wider scales are grouped into equal ranges.
pub const MAX_BINS: i64 = 11;

/// How the values of one criterion are distributed over its scale: one bar
/// per value for scales of up to [`MAX_BINS`] values, otherwise 10 equal
/// ranges (the last one takes the remainder). Values off the scale are ignored.
pub fn distribution(scale: &Scale, values: &[i64]) -> Vec<Bin> {
    if scale.max < scale.min {
        return Vec::new();
    }
    let width = scale.max - scale.min + 1;
    let step = if width <= MAX_BINS {
        1
    } else {
        (width + 9) / 10
    };
    let mut bins = Vec::new();
    let mut lo = scale.min;
    while lo <= scale.max {
        let hi = (lo + step - 1).min(scale.max);
        bins.push(Bin { lo, hi, count: 0 });
        lo = hi + 1;
    }
    for v in values {
        if let Some(b) = bins.iter_mut().find(|b| b.lo <= *v && *v <= b.hi) {
            b.count += 1;
        }
    }
    bins
}

/// Rounds to one decimal, half away from zero: `-25/3` → `-8.3`. Display only.
pub fn format_1dp(r: &Ratio) -> String {
    let tenths = (r.abs() * BigInt::from(10) + Ratio::new(BigInt::from(1), BigInt::from(2)))
        .floor()
        .to_integer();
    let sign = if r.is_negative() && !tenths.is_zero() {
        "-"
    } else {
        ""
    };
    let ten = BigInt::from(10);
    format!("{sign}{}.{}", &tenths / &ten, &tenths % &ten)
}

/// One panelist's line in a formation's table.
#[derive(Clone, Debug)]
pub struct PanelistRow {
    pub id: String,
    pub name: String,
    pub stats: PanelistStats,
    pub amendments: AmendmentEffect,
}

/// The score distribution of one criterion in one formation.
#[derive(Clone, Debug)]
pub struct CriterionDistribution {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub bins: Vec<Bin>,
}

/// The analytics of one formation's panel.
#[derive(Clone, Debug)]
pub struct FormationAnalytics {
    pub formation: super::round::FormationHead,
    pub panelists: Vec<PanelistRow>,
    pub agreement: Agreement,
    pub distributions: Vec<CriterionDistribution>,
}

/// The analytics of a round, formation by formation.
#[derive(Clone, Debug)]
pub struct RoundAnalytics {
    pub round: super::round::RoundHead,
    pub formations: Vec<FormationAnalytics>,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn scale(code: &str, min: i64, max: i64) -> Scale {
        Scale {
            code: code.into(),
            min,
            max,
        }
    }

    fn score(p: &str, a: &str, c: &str, v: i64) -> Score {
        Score {
            panelist: p.into(),
            application: a.into(),
            criterion: c.into(),
            value: v,
        }
    }

    fn r(n: i64, d: i64) -> Ratio {
        Ratio::new(BigInt::from(n), BigInt::from(d))
    }

    #[test]
    fn a_panelist_one_step_below_two_colleagues_deviates_by_minus_25_points_and_alone_is_flagged() {
        let scales = [scale("K1", 1, 5)];
        let mut scores = Vec::new();
        for a in ["A", "B", "C"] {
            scores.push(score("p1", a, "K1", 4));
            scores.push(score("p2", a, "K1", 4));
            scores.push(score("harsh", a, "K1", 3));
        }
        let stats = panelist_stats(&scales, &scores);
        let harsh = stats.iter().find(|s| s.panelist == "harsh").expect("harsh");
        assert_eq!(harsh.mean_deviation, Some(r(-25, 1)));
        assert_eq!(harsh.mean_abs_deviation, Some(r(25, 1)));
        assert_eq!(harsh.compared, 3);
        assert!(harsh.flagged);
        let p1 = stats.iter().find(|s| s.panelist == "p1").expect("p1");
        // The two who agree sit on the median: the outlier alone stands out.
        assert_eq!(p1.mean_deviation, Some(r(0, 1)));
        assert!(!p1.flagged);
    }

    #[test]
    fn too_few_comparisons_never_flag() {
        let scales = [scale("K1", 1, 5)];
        let scores = [score("p1", "A", "K1", 5), score("p2", "A", "K1", 1)];
        let stats = panelist_stats(&scales, &scores);
        assert!(stats.iter().all(|s| s.compared == 1 && !s.flagged));
    }

    #[test]
    fn a_lone_panelist_has_spread_but_no_deviation() {
        let scales = [scale("K1", 0, 100)];
        let scores = [score("p1", "A", "K1", 40), score("p1", "B", "K1", 80)];
        let stats = panelist_stats(&scales, &scores);
        assert_eq!(stats.len(), 1);
        assert_eq!(stats[0].mean_deviation, None);
        assert_eq!(stats[0].spread, Some(r(20, 1)));
        assert_eq!(stats[0].scored, 2);
    }

    #[test]
    fn agreement_counts_pairs_within_one_step_or_a_tenth_of_the_scale() {
        let scales = [scale("K1", 1, 5), scale("T", 0, 100)];
        let scores = [
            score("p1", "A", "K1", 3),
            score("p2", "A", "K1", 4),
            score("p3", "A", "K1", 5),
            score("p1", "A", "T", 50),
            score("p2", "A", "T", 61),
        ];
        let a = agreement(&scales, &scores);
        // K1: (3,4) yes, (3,5) no, (4,5) yes; T: (50,61) no.
        assert_eq!(
            a,
            Agreement {
                pairs: 4,
                agreeing: 2
            }
        );
        assert_eq!(a.rate(), Some(r(1, 2)));
        assert_eq!(agreement(&scales, &[]).rate(), None);
    }

    #[test]
    fn only_amendments_whose_rank_moves_cross_selected_count_as_changing_the_outcome() {
        let amendments = [
            Amendment {
                panelist: "p1".into(),
                seq: 10,
            },
            Amendment {
                panelist: "p1".into(),
                seq: 20,
            },
            Amendment {
                panelist: "p2".into(),
                seq: 30,
            },
        ];
        let moves = [
            RankMove {
                cause_seq: 10,
                from_status: "reserve".into(),
                to_status: "selected".into(),
            },
            RankMove {
                cause_seq: 20,
                from_status: "reserve".into(),
                to_status: "not_selected".into(),
            },
            RankMove {
                cause_seq: 99,
                from_status: "selected".into(),
                to_status: "reserve".into(),
            },
        ];
        let e = amendment_effects(&amendments, &moves);
        assert_eq!(
            e["p1"],
            AmendmentEffect {
                amendments: 2,
                changed_selection: 1
            }
        );
        assert_eq!(
            e["p2"],
            AmendmentEffect {
                amendments: 1,
                changed_selection: 0
            }
        );
    }

    #[test]
    fn distributions_have_a_bar_per_value_on_small_scales_and_ten_ranges_on_wide_ones() {
        let small = distribution(&scale("K1", 1, 5), &[1, 5, 5, 9]);
        assert_eq!(small.len(), 5);
        assert_eq!(small[4].count, 2);
        assert_eq!(small[0].label(), "1");
        let wide = distribution(&scale("T", 0, 100), &[0, 9, 10, 100]);
        assert_eq!(wide.len(), 10);
        assert_eq!((wide[0].lo, wide[0].hi, wide[0].count), (0, 10, 3));
        assert_eq!(wide[9].label(), "99–100");
        assert_eq!(wide[9].count, 1);
    }

    #[test]
    fn one_decimal_rounding_is_half_away_from_zero() {
        assert_eq!(format_1dp(&r(-25, 3)), "-8.3");
        assert_eq!(format_1dp(&r(25, 2)), "12.5");
        assert_eq!(format_1dp(&r(1, 20)), "0.1");
        assert_eq!(format_1dp(&r(-1, 100)), "0.0");
        assert_eq!(format_1dp(&r(100, 1)), "100.0");
    }

    fn panel() -> impl Strategy<Value = Vec<Score>> {
        // 2–5 panelists × 1–6 applications × 2 criteria on 1–5, some values missing.
        (2usize..=5, 1usize..=6).prop_flat_map(|(p, a)| {
            proptest::collection::vec(proptest::option::of(1i64..=5), p * a * 2).prop_map(
                move |vals| {
                    let mut out = Vec::new();
                    for (i, v) in vals.into_iter().enumerate() {
                        if let Some(v) = v {
                            out.push(score(
                                &format!("p{}", i % p),
                                &format!("a{}", (i / p) % a),
                                if i / (p * a) == 0 { "K1" } else { "K2" },
                                v,
                            ));
                        }
                    }
                    out
                },
            )
        })
    }

    proptest! {
        #[test]
        fn deviations_and_spreads_stay_within_the_scale(scores in panel()) {
            let scales = [scale("K1", 1, 5), scale("K2", 1, 5)];
            let hundred = Ratio::from_integer(BigInt::from(100));
            for s in panelist_stats(&scales, &scores) {
                prop_assert!(s.compared <= s.scored);
                for v in [&s.mean_deviation, &s.mean_abs_deviation, &s.spread].into_iter().flatten() {
                    prop_assert!(v.abs() <= hundred);
                }
                if let (Some(d), Some(a)) = (&s.mean_deviation, &s.mean_abs_deviation) {
                    prop_assert!(d.abs() <= *a);
                }
            }
        }

        #[test]
        fn identical_panelists_agree_fully_and_deviate_by_nothing(vals in proptest::collection::vec(1i64..=5, 1..8), n in 2usize..5) {
            let scales = [scale("K1", 1, 5)];
            let scores: Vec<Score> = vals.iter().enumerate()
                .flat_map(|(i, v)| (0..n).map(move |p| score(&format!("p{p}"), &format!("a{i}"), "K1", *v)))
                .collect();
            for s in panelist_stats(&scales, &scores) {
                prop_assert_eq!(s.mean_abs_deviation, Some(Ratio::zero()));
                prop_assert!(!s.flagged);
            }
            prop_assert_eq!(agreement(&scales, &scores).rate(), Some(Ratio::from_integer(BigInt::from(1))));
        }

        #[test]
        fn shifting_one_panelist_by_two_steps_flags_them_alone(vals in proptest::collection::vec(1i64..=3, 3..8)) {
            let scales = [scale("K1", 1, 5)];
            let mut scores = Vec::new();
            for (i, v) in vals.iter().enumerate() {
                scores.push(score("p1", &format!("a{i}"), "K1", *v));
                scores.push(score("p2", &format!("a{i}"), "K1", *v));
                scores.push(score("lenient", &format!("a{i}"), "K1", v + 2));
            }
            let stats = panelist_stats(&scales, &scores);
            let l = stats.iter().find(|s| s.panelist == "lenient").expect("lenient");
            prop_assert_eq!(l.mean_deviation.clone(), Some(Ratio::from_integer(BigInt::from(50))));
            prop_assert!(l.flagged);
            prop_assert_eq!(stats.iter().filter(|s| s.flagged).count(), 1, "only the outlier");
        }

        #[test]
        fn agreement_rate_is_a_share(scores in panel()) {
            let scales = [scale("K1", 1, 5), scale("K2", 1, 5)];
            let a = agreement(&scales, &scores);
            prop_assert!(a.agreeing <= a.pairs);
        }

        #[test]
        fn every_value_on_the_scale_lands_in_exactly_one_bin(min in -5i64..50, width in 0i64..300, vals in proptest::collection::vec(0i64..300, 0..30)) {
            let s = scale("X", min, min + width);
            let vals: Vec<i64> = vals.into_iter().map(|v| min + v % (width + 1)).collect();
            let bins = distribution(&s, &vals);
            prop_assert!(bins.len() as i64 <= MAX_BINS);
            prop_assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), vals.len());
            prop_assert_eq!(bins.first().map(|b| b.lo), Some(min));
            prop_assert_eq!(bins.last().map(|b| b.hi), Some(min + width));
        }
    }
}
