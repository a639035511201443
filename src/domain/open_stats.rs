//! Open statistics: which counts may be published.
//!
//! A count of 1 to 4 could single a resident out ("the only woman over 60
//! who applied in this kelurahan"), so it is shown as `<5`. When exactly one
//! part of a breakdown is hidden, its value would follow from the total and
//! the other parts; the smallest other non-zero part is then hidden too,
//! and so on through every sum the table publishes ([`protect`]).

/// Counts below this (and above zero) are never published.
pub const SUPPRESS_BELOW: u64 = 5;

/// A published count: the number, or hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// Safe to publish.
    Count(u64),
    /// Hidden: between 1 and 4, or hidden so a hidden part cannot be derived.
    Suppressed,
}

impl Shown {
    /// The text in tables and the CSV file.
    #[must_use]
    pub fn label(self) -> String {
        match self {
            Shown::Count(n) => n.to_string(),
            Shown::Suppressed => format!("<{SUPPRESS_BELOW}"),
        }
    }
}

/// One count on its own.
#[must_use]
pub fn single(n: u64) -> Shown {
    if n > 0 && n < SUPPRESS_BELOW {
        Shown::Suppressed
    } else {
        Shown::Count(n)
    }
}

/// The parts of one breakdown whose total is published as well.
#[must_use]
pub fn parts(counts: &[u64]) -> Vec<Shown> {
    let mut values = counts.to_vec();
    values.push(counts.iter().sum());
    let whole = Breakdown {
        total: counts.len(),
        parts: (0..counts.len()).collect(),
    };
    let mut out = protect(&values, &[whole]);
    out.truncate(counts.len());
    out
}

/// One published sum: the cell `total` equals the sum of the cells `parts`
/// (indices into the table given to [`protect`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakdown {
    pub total: usize,
    pub parts: Vec<usize>,
}

/// Which cells of a table may be published, given every sum that holds in
/// it (sex and age within a row, kelurahan within their kecamatan,
/// kecamatan within the city).
///
/// Counts from 1 to 4 are hidden first. Then, until nothing changes, no sum
/// may leave exactly one unknown: a shown total with one hidden part, or a
/// hidden total whose parts are all shown, would give the hidden cell back
/// by subtraction or addition. The smallest other non-zero part is hidden
/// (or, when none is left, the total), and a cell hidden for one sum is
/// checked again in every other sum it belongs to.
#[must_use]
pub fn protect(values: &[u64], breakdowns: &[Breakdown]) -> Vec<Shown> {
    let mut out: Vec<Shown> = values.iter().map(|&n| single(n)).collect();
    let hidden = |out: &[Shown], i: usize| out[i] == Shown::Suppressed;
    loop {
        let mut changed = false;
        for b in breakdowns {
            let hidden_parts = b.parts.iter().filter(|&&i| hidden(&out, i)).count();
            let one_unknown = if hidden(&out, b.total) {
                hidden_parts == 0
            } else {
                hidden_parts == 1
            };
            if !one_unknown {
                continue;
            }
            let smallest = b
                .parts
                .iter()
                .copied()
                .filter(|&i| values[i] > 0 && !hidden(&out, i))
                .min_by_key(|&i| (values[i], i));
            // With no part left to hide and the total hidden already, the
            // cells are not an exact sum (sex or age not given by everyone)
            // and nothing follows from them.
            let cell = smallest.unwrap_or(b.total);
            if !hidden(&out, cell) {
                out[cell] = Shown::Suppressed;
                changed = true;
            }
        }
        if !changed {
            return out;
        }
    }
}

/// The stages counted, in order.
pub const STAGES: [(&str, &str, &str); 5] = [
    ("applied", "Mendaftar", "Applied"),
    ("eligible", "Memenuhi syarat", "Eligible"),
    ("invited", "Diundang uji", "Invited"),
    ("attended", "Hadir uji", "Attended"),
    ("selected", "Terpilih", "Selected"),
];

/// The groups of each stage, in CSV order.
pub const GROUPS: [&str; 8] = [
    "total",
    "male",
    "female",
    "age_under_30",
    "age_30_39",
    "age_40_49",
    "age_50_59",
    "age_60_plus",
];

/// One line of the statistics: the city, a kecamatan or a kelurahan.
#[derive(Clone, Debug)]
pub struct StatsRow {
    /// `city`, `kecamatan` or `kelurahan`.
    pub level: &'static str,
    pub kecamatan: String,
    pub kelurahan_code: String,
    pub kelurahan: String,
    /// Per stage ([`STAGES`]), per group ([`GROUPS`]).
    pub counts: [[Shown; 8]; 5],
}

/// A round's open statistics.
#[derive(Clone, Debug)]
pub struct RoundStats {
    pub round_name: String,
    pub round_slug: String,
    pub year: i32,
    /// Whether results are published (before that "selected" is all zero).
    pub results_published: bool,
    /// The city first, then each kecamatan followed by its kelurahan.
    pub rows: Vec<StatsRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_from_one_to_four_are_hidden_zero_and_five_are_shown() {
        assert_eq!(single(0), Shown::Count(0));
        for n in 1..5 {
            assert_eq!(single(n), Shown::Suppressed, "{n}");
        }
        assert_eq!(single(5), Shown::Count(5));
        assert_eq!(single(4).label(), "<5");
    }

    #[test]
    fn a_lone_hidden_part_takes_the_smallest_other_part_with_it() {
        // 3 women and 9 men of 12: the 3 could be derived from 12 − 9.
        assert_eq!(parts(&[9, 3]), vec![Shown::Suppressed, Shown::Suppressed]);
        assert_eq!(
            parts(&[20, 3, 7, 0]),
            vec![
                Shown::Count(20),
                Shown::Suppressed,
                Shown::Suppressed,
                Shown::Count(0)
            ]
        );
    }

    #[test]
    fn two_hidden_parts_or_a_hidden_total_need_nothing_more() {
        assert_eq!(
            parts(&[2, 3, 9]),
            vec![Shown::Suppressed, Shown::Suppressed, Shown::Count(9)]
        );
        assert_eq!(parts(&[2, 0]), vec![Shown::Suppressed, Shown::Count(0)]);
        assert_eq!(parts(&[6, 7]), vec![Shown::Count(6), Shown::Count(7)]);
    }

    #[test]
    fn no_derivable_part_for_any_small_breakdown() {
        // Whatever the counts, no hidden part equals the shown total minus
        // the shown parts, unless at least two parts are hidden.
        for a in 0..12u64 {
            for b in 0..12u64 {
                for c in 0..12u64 {
                    let p = parts(&[a, b, c]);
                    let hidden = p.iter().filter(|s| **s == Shown::Suppressed).count();
                    if single(a + b + c) != Shown::Suppressed {
                        assert_ne!(hidden, 1, "{a} {b} {c}: {p:?}");
                    }
                }
            }
        }
    }

    /// Every sum of a three-level table (city ⊃ kecamatan ⊃ kelurahan).
    fn hierarchy(kec: &[Vec<u64>]) -> (Vec<u64>, Vec<Breakdown>) {
        let mut values = vec![0];
        let mut city = Breakdown {
            total: 0,
            parts: vec![],
        };
        let mut sums = vec![];
        for kels in kec {
            let k = values.len();
            values.push(kels.iter().sum());
            values[0] += values[k];
            city.parts.push(k);
            let first = values.len();
            values.extend(kels);
            sums.push(Breakdown {
                total: k,
                parts: (first..values.len()).collect(),
            });
        }
        sums.push(city);
        (values, sums)
    }

    #[test]
    fn a_hidden_kelurahan_cannot_be_derived_from_its_kecamatan_total() {
        // 3 + 10 + 12 = 25: with 10, 12 and 25 shown, the 3 would follow.
        let (values, sums) = hierarchy(&[vec![3, 10, 12], vec![20, 30]]);
        let out = protect(&values, &sums);
        for b in &sums {
            let hidden = b
                .parts
                .iter()
                .filter(|&&i| out[i] == Shown::Suppressed)
                .count();
            if out[b.total] == Shown::Suppressed {
                assert_ne!(hidden, 0, "{out:?}");
            } else {
                assert_ne!(hidden, 1, "{out:?}");
            }
        }
        assert_eq!(out[2], Shown::Suppressed, "the 3");
        assert_eq!(out[3], Shown::Suppressed, "the 10 goes with it");
        assert_eq!(out[4], Shown::Count(12));
    }

    #[test]
    fn a_kecamatan_hidden_for_the_city_sum_hides_one_of_its_kelurahan_too() {
        // Kecamatan 2 holds 4 (hidden), so kecamatan 1 (6, the smallest
        // other) is hidden for the city sum; its kelurahan 6 = 6 + 0 would
        // give it back, so that kelurahan goes as well.
        let (values, sums) = hierarchy(&[vec![6, 0], vec![4], vec![40]]);
        let out = protect(&values, &sums);
        assert_eq!(out[1], Shown::Suppressed);
        assert_eq!(out[2], Shown::Suppressed);
        assert_eq!(out[3], Shown::Count(0));
    }

    proptest::proptest! {
        /// No published sum leaves exactly one unknown, whatever the table.
        #[test]
        fn no_sum_leaves_one_unknown(
            kec in proptest::collection::vec(proptest::collection::vec(0u64..30, 1..5), 1..5)
        ) {
            let (values, sums) = hierarchy(&kec);
            let out = protect(&values, &sums);
            for (i, v) in values.iter().enumerate() {
                if (1..SUPPRESS_BELOW).contains(v) {
                    proptest::prop_assert_eq!(out[i], Shown::Suppressed);
                }
            }
            for b in &sums {
                let hidden = b.parts.iter().filter(|&&i| out[i] == Shown::Suppressed).count();
                let total_hidden = out[b.total] == Shown::Suppressed;
                let one_unknown = if total_hidden { hidden == 0 } else { hidden == 1 };
                proptest::prop_assert!(!one_unknown);
            }
        }
    }
}
