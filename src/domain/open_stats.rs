//! Open statistics: which counts may be published.
//!
//! A count of 1 to 4 could single a resident out ("the only woman over 60
//! who applied in this kelurahan"), so it is shown as `<5`. When exactly one
//! part of a breakdown is hidden, its value would follow from the total and
//! the other parts; the smallest other non-zero part is then hidden too.

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

/// The parts of a breakdown whose total is published as well.
#[must_use]
pub fn parts(counts: &[u64]) -> Vec<Shown> {
    let mut out: Vec<Shown> = counts.iter().map(|&n| single(n)).collect();
    let hidden = out.iter().filter(|s| **s == Shown::Suppressed).count();
    let total_shown = single(counts.iter().sum()) != Shown::Suppressed;
    if hidden == 1 && total_shown {
        let smallest = counts
            .iter()
            .enumerate()
            .filter(|(i, n)| **n > 0 && out[*i] != Shown::Suppressed)
            .min_by_key(|(_, n)| **n)
            .map(|(i, _)| i);
        if let Some(i) = smallest {
            out[i] = Shown::Suppressed;
        }
    }
    out
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
}
