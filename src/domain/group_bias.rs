//! Favouritism towards a group: does a panelist score the applicants of one
//! RT, one kelurahan, or the applicants the system flagged as their possible
//! conflicts more generously than their colleagues do, compared with how they
//! score everyone else?
//!
//! Definitions (published in the README):
//!
//! - Values are put on the 0–100 scale of [`crate::domain::analytics`] (pp).
//! - The **deviation** of panelist *p* on one application is the mean, over
//!   the criteria some other panelist also scored, of `n_p − median(n_q)`
//!   with *q* running over the *other* panelists (an even count takes the
//!   mean of the two middle values). The median of the others keeps one
//!   lenient colleague from making a fair panelist look harsh.
//! - For a **group** (an RT, a kelurahan, the applicants flagged as a possible
//!   conflict of *p*, the applicants who share *p*'s RT although *p*
//!   declared no conflict) the **difference** is the mean deviation on the
//!   group's applications minus the mean deviation on all other applications
//!   *p* scored, each application weighing once. Positive: more generous to
//!   the group than to everyone else, relative to the colleagues.
//! - Its **p-value** is one-sided, from a permutation test over applications:
//!   how often a random set of as many of *p*'s applications shows a
//!   difference at least as large. It is estimated by seeded Monte-Carlo
//!   sampling (up to [`PERMUTATIONS`] draws, stopping early after
//!   [`STOP_AFTER`] draws at least as large, Besag & Clifford 1991), seeded by
//!   the SHA-256 of the panelist and the group, so every run gives the same
//!   p-value.
//! - A group is **tested** when it has at least [`MIN_APPLICATIONS`]
//!   applications and so do the others. A panelist is **flagged** for a
//!   group when the difference is at least [`FLAG_DIFFERENCE_PP`] pp and the
//!   p-value is at most [`FAMILY_ALPHA`] divided by the number of groups
//!   tested for that panelist (Bonferroni), so testing many RTs does not
//!   produce flags by chance alone.
//!
//! A flag is a question for an auditor; nothing here changes a score or rank.

use std::collections::{BTreeMap, BTreeSet};

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use crate::domain::analytics::Scale;
use crate::domain::review_input::{Cell, ReviewInput};

/// Exact values.
pub type Ratio = BigRational;

/// Smallest difference (pp) that can flag: most of one step on a 1–5 scale.
pub const FLAG_DIFFERENCE_PP: i64 = 20;
/// Significance level shared by all groups of one panelist.
pub const FAMILY_ALPHA: f64 = 0.05;
/// Fewest applications in a group, and outside it, for a test.
pub const MIN_APPLICATIONS: usize = 3;
/// Most Monte-Carlo permutations per group.
pub const PERMUTATIONS: u32 = 19_999;
/// Sampling stops once this many permutations were at least as extreme.
pub const STOP_AFTER: u32 = 20;

/// A group of applicants a panelist could favour.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// The applicants of one RT.
    Rt { kelurahan: String, rt: i32 },
    /// The applicants of one kelurahan.
    Kelurahan(String),
    /// Applicants the system flagged as a possible conflict of this panelist
    /// (same RT or same family card).
    FlaggedConflict,
    /// Applicants of the panelist's own RT for whom they declared no conflict.
    SameRtDeclaredNone,
}

impl Group {
    /// The key used in exports: `rt:6472011001/3`, `kelurahan:6472011001`,
    /// `flagged_conflict`, `same_rt_declared_none`.
    #[must_use]
    pub fn key(&self) -> String {
        match self {
            Group::Rt { kelurahan, rt } => format!("rt:{kelurahan}/{rt}"),
            Group::Kelurahan(k) => format!("kelurahan:{k}"),
            Group::FlaggedConflict => "flagged_conflict".into(),
            Group::SameRtDeclaredNone => "same_rt_declared_none".into(),
        }
    }

    /// The group of an export key.
    #[must_use]
    pub fn parse(key: &str) -> Option<Group> {
        if let Some(rest) = key.strip_prefix("rt:") {
            let (kelurahan, rt) = rest.split_once('/')?;
            return Some(Group::Rt {
                kelurahan: kelurahan.to_owned(),
                rt: rt.parse().ok()?,
            });
        }
        if let Some(k) = key.strip_prefix("kelurahan:") {
            return Some(Group::Kelurahan(k.to_owned()));
        }
        match key {
            "flagged_conflict" => Some(Group::FlaggedConflict),
            "same_rt_declared_none" => Some(Group::SameRtDeclaredNone),
            _ => None,
        }
    }
}

/// Where an applicant lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applicant {
    pub application: String,
    pub kelurahan: String,
    pub rt: i32,
}

/// The system's conflict flags on one panelist and one application whose
/// value counts (so the panelist declared no conflict).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tie {
    pub panelist: String,
    pub application: String,
    pub same_rt: bool,
    pub same_family_card: bool,
}

/// One tested group of one panelist.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupBias {
    pub group: Group,
    /// Applications and compared values in the group.
    pub applications_in: usize,
    pub values_in: usize,
    /// Applications and compared values outside it.
    pub applications_out: usize,
    pub values_out: usize,
    /// Mean deviation (pp) in the group and outside it.
    pub mean_in: Ratio,
    pub mean_out: Ratio,
    /// `mean_in − mean_out` (pp).
    pub difference: Ratio,
    /// One-sided permutation p-value.
    pub p_value: f64,
    /// The p-value at or below which this group flags.
    pub p_threshold: f64,
    pub flagged: bool,
}

/// Every tested group of one panelist, largest difference first.
#[derive(Clone, Debug, PartialEq)]
pub struct PanelistBias {
    pub panelist: String,
    /// Applications with at least one compared value.
    pub applications: usize,
    pub groups: Vec<GroupBias>,
}

impl PanelistBias {
    /// Whether any group flags this panelist.
    #[must_use]
    pub fn flagged(&self) -> bool {
        self.groups.iter().any(|g| g.flagged)
    }
}

fn ratio(n: usize) -> Ratio {
    Ratio::from_integer(BigInt::from(n))
}

/// One panelist's deviations: per application, ascending, (its index, the
/// sum of its deviations, their number).
pub(crate) type Deviations = Vec<(u32, Ratio, usize)>;

/// Each panelist's deviations, by panelist index ascending.
///
/// Values are visited sorted by (application, criterion, panelist) through
/// references, so the score list is not copied; of a panelist's repeated
/// value for one application and criterion the last one counts.
pub(crate) fn deviations(input: &ReviewInput) -> Vec<(u32, Deviations)> {
    // The scale a code stands for is its last one, as a map by code keeps.
    let scale_of: Vec<&Scale> = input
        .scales
        .iter()
        .map(|s| {
            input
                .scales
                .iter()
                .rev()
                .find(|t| t.code == s.code)
                .unwrap_or(s)
        })
        .collect();
    let mut cells: Vec<&Cell> = input
        .formations
        .iter()
        .flat_map(|f| &f.scores)
        .filter(|c| {
            scale_of
                .get(c.criterion as usize)
                .is_some_and(|s| s.max - s.min > 0)
        })
        .collect();
    // Stable: among repeats of one key the last pushed stays last.
    cells.sort_by_key(|c| (c.application, c.criterion, c.panelist));
    let mut flat: Vec<(u32, u32, Ratio, usize)> = Vec::new();
    let mut per_app: BTreeMap<u32, (Ratio, usize)> = BTreeMap::new();
    let mut values: Vec<(u32, i64)> = Vec::new();
    let mut rest = cells.as_slice();
    while let Some(first) = rest.first() {
        let len = rest
            .iter()
            .take_while(|c| (c.application, c.criterion) == (first.application, first.criterion))
            .count();
        let (cell, tail) = rest.split_at(len);
        rest = tail;
        let scale = scale_of[first.criterion as usize];
        values.clear();
        for (i, c) in cell.iter().enumerate() {
            let repeated = cell.get(i + 1).is_some_and(|n| n.panelist == c.panelist);
            if !repeated {
                values.push((c.panelist, (c.value - scale.min) * 100));
            }
        }
        if values.len() >= 2 {
            let range = i128::from(scale.max - scale.min);
            for (p, own) in &values {
                let mut others: Vec<i128> = values
                    .iter()
                    .filter(|(q, _)| q != p)
                    .map(|(_, v)| i128::from(*v))
                    .collect();
                others.sort_unstable();
                let n = others.len();
                // own − median on the 0–100 scale, over 2·range so that the
                // mean of two middle values stays an integer.
                let twice_median = if n % 2 == 1 {
                    2 * others[n / 2]
                } else {
                    others[n / 2 - 1] + others[n / 2]
                };
                let deviation = Ratio::new(
                    BigInt::from(2 * i128::from(*own) - twice_median),
                    BigInt::from(2 * range),
                );
                let e = per_app.entry(*p).or_insert_with(|| (Ratio::zero(), 0));
                e.0 += deviation;
                e.1 += 1;
            }
        }
        if rest
            .first()
            .is_none_or(|n| n.application != first.application)
        {
            flat.extend(
                std::mem::take(&mut per_app)
                    .into_iter()
                    .map(|(p, (sum, n))| (p, first.application, sum, n)),
            );
        }
    }
    drop(cells);
    // Applications are ascending already; stable keeps them so per panelist.
    flat.sort_by_key(|e| e.0);
    let mut out: Vec<(u32, Deviations)> = Vec::new();
    for (p, a, sum, n) in flat {
        match out.last_mut() {
            Some((q, apps)) if *q == p => apps.push((a, sum, n)),
            _ => out.push((p, vec![(a, sum, n)])),
        }
    }
    out
}

/// The seeded generator of one panelist's test of one group.
fn rng_for(panelist: &str, group: &Group) -> ChaCha8Rng {
    let digest = Sha256::digest(format!("group-bias\0{panelist}\0{}", group.key()).as_bytes());
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&digest);
    ChaCha8Rng::from_seed(seed)
}

/// One-sided Monte-Carlo permutation p-value of "the `k` applications of the
/// group have a sum of deviations of at least `observed`".
fn permutation_p(values: &[f64], k: usize, observed: f64, rng: &mut ChaCha8Rng) -> f64 {
    // Sums of the same multiset added in another order may differ in the
    // last bits; a draw equal to the observation must count as "as large".
    let tolerance = 1e-9 * values.iter().map(|v| v.abs()).sum::<f64>().max(1.0);
    let mut pool = values.to_vec();
    let n = pool.len();
    let mut exceed = 0u32;
    for draw in 1..=PERMUTATIONS {
        // A partial Fisher–Yates shuffle: the first k are a uniform k-subset
        // whatever order the pool was left in.
        let mut sum = 0.0;
        for i in 0..k {
            let j = rng.random_range(i..n);
            pool.swap(i, j);
            sum += pool[i];
        }
        if sum >= observed - tolerance {
            exceed += 1;
            if exceed == STOP_AFTER {
                return f64::from(exceed) / f64::from(draw);
            }
        }
    }
    f64::from(exceed + 1) / (f64::from(PERMUTATIONS) + 1.0)
}

/// The group bias of every panelist who has compared values, by panelist.
/// `input.applicants` says where each application's applicant lives;
/// `input.ties` carries the system's conflict flags (absent: none).
#[must_use]
pub fn group_bias(input: &ReviewInput) -> Vec<PanelistBias> {
    let lookup = Lookup::new(&input.applicants, &input.ties);
    let panelists = deviations(input);
    on_every_core(panelists, |(p, per_app)| {
        let panelist = input.panelists[p as usize].clone();
        let apps = per_app
            .iter()
            .map(|(a, sum, n)| (input.applications[*a as usize].as_str(), sum, *n));
        panelist_bias(panelist, apps, &lookup)
    })
}

/// Where applicants live and which of them the system flagged, by
/// registration number (of a repeated one, the last counts).
pub(crate) struct Lookup<'a> {
    home: BTreeMap<&'a str, &'a Applicant>,
    flags: BTreeMap<(&'a str, &'a str), &'a Tie>,
}

impl<'a> Lookup<'a> {
    pub(crate) fn new(applicants: &'a [Applicant], ties: &'a [Tie]) -> Self {
        Lookup {
            home: applicants
                .iter()
                .map(|a| (a.application.as_str(), a))
                .collect(),
            flags: ties
                .iter()
                .map(|t| ((t.panelist.as_str(), t.application.as_str()), t))
                .collect(),
        }
    }
}

/// The tested groups of one panelist from their deviations per application
/// (registration number, sum, number of values), ascending by number.
pub(crate) fn panelist_bias<'a>(
    panelist: String,
    per_app: impl Iterator<Item = (&'a str, &'a Ratio, usize)>,
    lookup: &Lookup<'_>,
) -> PanelistBias {
    let (home, flags) = (&lookup.home, &lookup.flags);
    {
        // Per application: its mean deviation and its number of values.
        let apps: Vec<(&str, Ratio, usize)> =
            per_app.map(|(a, sum, n)| (a, sum / ratio(n), n)).collect();
        let mut members: BTreeMap<Group, BTreeSet<usize>> = BTreeMap::new();
        for (i, (a, _, _)) in apps.iter().enumerate() {
            if let Some(h) = home.get(a) {
                members
                    .entry(Group::Rt {
                        kelurahan: h.kelurahan.clone(),
                        rt: h.rt,
                    })
                    .or_default()
                    .insert(i);
                members
                    .entry(Group::Kelurahan(h.kelurahan.clone()))
                    .or_default()
                    .insert(i);
            }
            if let Some(t) = flags.get(&(panelist.as_str(), *a)) {
                if t.same_rt || t.same_family_card {
                    members.entry(Group::FlaggedConflict).or_default().insert(i);
                }
                if t.same_rt {
                    members
                        .entry(Group::SameRtDeclaredNone)
                        .or_default()
                        .insert(i);
                }
            }
        }
        let total = apps.len();
        let tested: Vec<(Group, BTreeSet<usize>)> = members
            .into_iter()
            .filter(|(_, m)| m.len() >= MIN_APPLICATIONS && total - m.len() >= MIN_APPLICATIONS)
            .collect();
        let p_threshold = FAMILY_ALPHA / tested.len().max(1) as f64;
        let as_f64: Vec<f64> = apps
            .iter()
            .map(|(_, d, _)| d.to_f64().unwrap_or(0.0))
            .collect();
        let all_sum: Ratio = apps.iter().map(|(_, d, _)| d).sum();
        let all_values: usize = apps.iter().map(|(_, _, n)| n).sum();
        let threshold = Ratio::from_integer(BigInt::from(FLAG_DIFFERENCE_PP));
        let mut groups: Vec<GroupBias> = tested
            .into_iter()
            .map(|(group, m)| {
                let sum_in: Ratio = m.iter().map(|i| &apps[*i].1).sum();
                let values_in: usize = m.iter().map(|i| apps[*i].2).sum();
                let (k, rest) = (m.len(), total - m.len());
                let mean_in = &sum_in / ratio(k);
                let mean_out = (&all_sum - &sum_in) / ratio(rest);
                let difference = &mean_in - &mean_out;
                let observed: f64 = m.iter().map(|i| as_f64[*i]).sum();
                let p_value = permutation_p(&as_f64, k, observed, &mut rng_for(&panelist, &group));
                let flagged = difference >= threshold && p_value <= p_threshold;
                GroupBias {
                    group,
                    applications_in: k,
                    values_in,
                    applications_out: rest,
                    values_out: all_values - values_in,
                    mean_in,
                    mean_out,
                    difference,
                    p_value,
                    p_threshold,
                    flagged,
                }
            })
            .collect();
        groups.sort_by(|a, b| b.difference.cmp(&a.difference).then(a.group.cmp(&b.group)));
        PanelistBias {
            panelist,
            applications: total,
            groups,
        }
    }
}

/// `f` over `items` on every core, results in the order of `items`. Each
/// panelist's tests are independent and seeded by the panelist and group, so
/// the result is the same as on one core; on a city's round the tests take
/// seconds, and a results page or a publication waits for them.
fn on_every_core<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if cores < 2 || items.len() < 2 {
        return items.into_iter().map(f).collect();
    }
    // Work is uneven (a panelist with a significant group runs every draw),
    // so threads take the next item as they finish rather than fixed shares.
    let queue = std::sync::Mutex::new(items.into_iter().enumerate());
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let next = match queue.lock() {
                            Ok(mut q) => q.next(),
                            Err(poisoned) => poisoned.into_inner().next(),
                        };
                        let Some((i, item)) = next else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// The straightforward computation over names that the indexed one must
/// equal: String-keyed maps of every value, as before P8.
#[cfg(test)]
pub(crate) mod reference {
    use std::collections::BTreeMap;

    use super::{Applicant, BigInt, Lookup, PanelistBias, Ratio, Tie, Zero, panelist_bias, ratio};
    use crate::domain::analytics::{Scale, Score};

    fn median(sorted: &[Ratio]) -> Ratio {
        let n = sorted.len();
        if n % 2 == 1 {
            sorted[n / 2].clone()
        } else {
            (&sorted[n / 2 - 1] + &sorted[n / 2]) / ratio(2)
        }
    }

    /// Each panelist's deviation per application: (sum of deviations, values).
    pub(crate) fn deviations(
        scales: &[Scale],
        scores: &[Score],
    ) -> BTreeMap<String, BTreeMap<String, (Ratio, usize)>> {
        let by_code: BTreeMap<&str, &Scale> = scales.iter().map(|s| (s.code.as_str(), s)).collect();
        let mut cells: BTreeMap<(&str, &str), BTreeMap<&str, Ratio>> = BTreeMap::new();
        for s in scores {
            let Some(scale) = by_code.get(s.criterion.as_str()) else {
                continue;
            };
            let range = scale.max - scale.min;
            if range <= 0 {
                continue;
            }
            let n = Ratio::new(
                BigInt::from((s.value - scale.min) * 100),
                BigInt::from(range),
            );
            cells
                .entry((s.application.as_str(), s.criterion.as_str()))
                .or_default()
                .insert(s.panelist.as_str(), n);
        }
        let mut out: BTreeMap<String, BTreeMap<String, (Ratio, usize)>> = BTreeMap::new();
        for ((application, _), values) in &cells {
            if values.len() < 2 {
                continue;
            }
            for (p, own) in values {
                let mut others: Vec<Ratio> = values
                    .iter()
                    .filter(|(q, _)| *q != p)
                    .map(|(_, v)| v.clone())
                    .collect();
                others.sort();
                let e = out
                    .entry((*p).to_owned())
                    .or_default()
                    .entry((*application).to_owned())
                    .or_insert_with(|| (Ratio::zero(), 0));
                e.0 += own - median(&others);
                e.1 += 1;
            }
        }
        out
    }

    pub(crate) fn group_bias(
        scales: &[Scale],
        scores: &[Score],
        applicants: &[Applicant],
        ties: &[Tie],
    ) -> Vec<PanelistBias> {
        let lookup = Lookup::new(applicants, ties);
        deviations(scales, scores)
            .into_iter()
            .map(|(panelist, per_app)| {
                let apps = per_app.iter().map(|(a, (sum, n))| (a.as_str(), sum, *n));
                panelist_bias(panelist, apps, &lookup)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::analytics::Score;

    fn score(p: &str, a: &str, c: &str, v: i64) -> Score {
        Score {
            panelist: p.into(),
            application: a.into(),
            criterion: c.into(),
            value: v,
        }
    }

    /// The indexed computation over one formation, checked against the
    /// reference over names.
    fn group_bias(
        scales: &[Scale],
        scores: &[Score],
        applicants: &[Applicant],
        ties: &[Tie],
    ) -> Vec<PanelistBias> {
        let input = input(scales, &[scores.to_vec()], applicants, ties);
        let indexed = super::group_bias(&input);
        assert_eq!(
            indexed,
            reference::group_bias(scales, scores, applicants, ties)
        );
        indexed
    }

    fn input(
        scales: &[Scale],
        formations: &[Vec<Score>],
        applicants: &[Applicant],
        ties: &[Tie],
    ) -> ReviewInput {
        let mut b = ReviewInput::builder(scales.to_vec());
        for (i, scores) in formations.iter().enumerate() {
            b.formation(format!("F{i}"));
            for s in scores {
                b.score(&s.panelist, &s.application, &s.criterion, s.value);
            }
        }
        b.finish(applicants.to_vec(), ties.to_vec())
    }

    fn scales() -> Vec<Scale> {
        ["K1", "K2"]
            .iter()
            .map(|c| Scale {
                code: (*c).into(),
                min: 1,
                max: 5,
            })
            .collect()
    }

    /// 24 applicants over RT 1–4 of one kelurahan; four panelists of whom
    /// `biased` adds two steps for RT 2 and takes one off elsewhere.
    fn panel(quality: &[i64], lenient: &[i64]) -> (Vec<Score>, Vec<Applicant>) {
        let mut scores = Vec::new();
        let mut applicants = Vec::new();
        for (i, q) in quality.iter().enumerate() {
            let a = format!("a{i:02}");
            let rt = i32::try_from(i % 4).unwrap_or(0) + 1;
            applicants.push(Applicant {
                application: a.clone(),
                kelurahan: "6472011001".into(),
                rt,
            });
            for (n, p) in ["p1", "p2", "p3", "biased"].iter().enumerate() {
                for c in ["K1", "K2"] {
                    let bias = if *p == "biased" {
                        if rt == 2 { 2 } else { -1 }
                    } else {
                        lenient[n]
                    };
                    scores.push(score(p, &a, c, (q + bias).clamp(1, 5)));
                }
            }
        }
        (scores, applicants)
    }

    #[test]
    fn a_panelist_generous_to_one_rt_is_flagged_for_that_rt_alone() {
        let quality: Vec<i64> = (0..24).map(|i| 2 + i % 3).collect();
        let (scores, applicants) = panel(&quality, &[-1, 0, 0, 0]);
        let result = group_bias(&scales(), &scores, &applicants, &[]);
        let biased = result
            .iter()
            .find(|b| b.panelist == "biased")
            .expect("biased");
        let flagged: Vec<String> = biased
            .groups
            .iter()
            .filter(|g| g.flagged)
            .map(|g| g.group.key())
            .collect();
        assert_eq!(flagged, vec!["rt:6472011001/2".to_owned()]);
        let top = &biased.groups[0];
        assert_eq!((top.applications_in, top.values_in), (6, 12));
        assert_eq!((top.applications_out, top.values_out), (18, 36));
        assert!(top.difference >= Ratio::from_integer(BigInt::from(50)));
        assert!(top.p_value < 0.001, "{}", top.p_value);
        for fair in result.iter().filter(|b| b.panelist != "biased") {
            assert!(!fair.flagged(), "{fair:?}");
        }
    }

    #[test]
    fn work_on_every_core_comes_back_in_order() {
        // Uneven items: the late ones finish first on another thread.
        let items: Vec<u64> = (0..40).rev().collect();
        let slow_square = |n: u64| {
            std::thread::sleep(std::time::Duration::from_micros(n * 50));
            n * n
        };
        let expected: Vec<u64> = items.iter().map(|n| n * n).collect();
        assert_eq!(on_every_core(items, slow_square), expected);
    }

    #[test]
    fn p_values_are_the_same_on_every_run() {
        let quality: Vec<i64> = (0..24).map(|i| 1 + (i * 7) % 5).collect();
        let (scores, applicants) = panel(&quality, &[-1, 0, 1, 0]);
        let a = group_bias(&scales(), &scores, &applicants, &[]);
        let b = group_bias(&scales(), &scores, &applicants, &[]);
        assert_eq!(a, b);
    }

    #[test]
    fn flagged_conflicts_and_shared_rts_are_groups_of_their_own() {
        let quality: Vec<i64> = (0..24).map(|i| 2 + i % 2).collect();
        let (scores, applicants) = panel(&quality, &[0, 0, 0, 0]);
        let ties: Vec<Tie> = ["a00", "a04", "a08", "a12"]
            .iter()
            .map(|a| Tie {
                panelist: "p1".into(),
                application: (*a).into(),
                same_rt: *a != "a12",
                same_family_card: *a == "a12",
            })
            .collect();
        let result = group_bias(&scales(), &scores, &applicants, &ties);
        let p1 = result.iter().find(|b| b.panelist == "p1").expect("p1");
        let find = |g: Group| p1.groups.iter().find(|x| x.group == g).cloned();
        assert_eq!(
            find(Group::FlaggedConflict).map(|g| g.applications_in),
            Some(4)
        );
        assert_eq!(
            find(Group::SameRtDeclaredNone).map(|g| g.applications_in),
            Some(3)
        );
    }

    #[test]
    fn small_groups_are_not_tested() {
        let quality: Vec<i64> = (0..8).map(|i| 2 + i % 3).collect();
        let (scores, applicants) = panel(&quality, &[0, 0, 0, 0]);
        // Two applicants per RT: none reaches the minimum.
        let result = group_bias(&scales(), &scores, &applicants, &[]);
        for b in &result {
            assert!(
                b.groups
                    .iter()
                    .all(|g| !matches!(g.group, Group::Rt { .. }))
            );
        }
    }

    #[test]
    fn group_keys_round_trip() {
        for g in [
            Group::Rt {
                kelurahan: "6472011001".into(),
                rt: 12,
            },
            Group::Kelurahan("6472011001".into()),
            Group::FlaggedConflict,
            Group::SameRtDeclaredNone,
        ] {
            assert_eq!(Group::parse(&g.key()), Some(g));
        }
        assert_eq!(Group::parse("rt:x"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn identical_panelists_are_never_flagged(quality in proptest::collection::vec(1i64..=5, 8..30)) {
            let (scores, applicants) = panel(&quality, &[0, 0, 0, 0]);
            let fair: Vec<Score> = scores.into_iter().filter(|s| s.panelist != "biased").collect();
            for b in group_bias(&scales(), &fair, &applicants, &[]) {
                prop_assert!(!b.flagged());
                for g in &b.groups {
                    prop_assert!(g.difference.is_zero());
                    prop_assert!(g.p_value > 0.0 && g.p_value <= 1.0);
                }
            }
        }

        #[test]
        fn a_uniformly_lenient_panelist_favours_no_group(quality in proptest::collection::vec(1i64..=3, 8..30)) {
            let (scores, applicants) = panel(&quality, &[0, 0, 0, 2]);
            let shifted: Vec<Score> = scores.into_iter().map(|mut s| {
                if s.panelist == "biased" {
                    // Replace the planted bias by a constant +2 steps.
                    let q = quality[s.application[1..].parse::<usize>().unwrap_or(0)];
                    s.value = q + 2;
                }
                s
            }).collect();
            for b in group_bias(&scales(), &shifted, &applicants, &[]) {
                prop_assert!(!b.flagged(), "{:?}", b);
            }
        }

        #[test]
        fn counts_add_up(quality in proptest::collection::vec(1i64..=5, 8..30)) {
            let (scores, applicants) = panel(&quality, &[-1, 0, 1, 0]);
            for b in group_bias(&scales(), &scores, &applicants, &[]) {
                for g in &b.groups {
                    prop_assert_eq!(g.applications_in + g.applications_out, b.applications);
                    prop_assert_eq!(g.values_in + g.values_out, 2 * b.applications);
                    prop_assert_eq!(&g.mean_in - &g.mean_out, g.difference.clone());
                }
            }
        }
    }
}
