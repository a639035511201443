//! What the panel review of a round is computed from, with panelists,
//! applications and criteria as indexes into one table each instead of
//! strings on every value.
//!
//! A city's round holds more than half a million counting values; with three
//! strings each they took about 180 bytes a value and were the peak of the
//! server's memory on the first results page (P8). A [`Cell`] takes 24.
//!
//! Panelist and application indexes follow the byte order of their names,
//! so ordering by index is ordering by name: the review's figures and the
//! order of its Monte-Carlo draws are the same as over the names.

use std::collections::HashMap;

use crate::domain::analytics::Scale;
use crate::domain::group_bias::{Applicant, Tie};

/// One latest submitted value of one panelist, by indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Into [`ReviewInput::panelists`].
    pub panelist: u32,
    /// Into [`ReviewInput::applications`].
    pub application: u32,
    /// Into [`ReviewInput::scales`]: the first scale with the value's code.
    pub criterion: u32,
    pub value: i64,
}

/// One formation's counting values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormationScores {
    pub code: String,
    pub scores: Vec<Cell>,
}

/// Everything the review is computed from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewInput {
    /// The panel criteria, in their order.
    pub scales: Vec<Scale>,
    /// Panelist ids, sorted and distinct.
    pub panelists: Vec<String>,
    /// Registration numbers, sorted and distinct.
    pub applications: Vec<String>,
    pub formations: Vec<FormationScores>,
    pub applicants: Vec<Applicant>,
    pub ties: Vec<Tie>,
}

impl ReviewInput {
    /// Starts an input over the panel criteria `scales`.
    #[must_use]
    pub fn builder(scales: Vec<Scale>) -> Builder {
        Builder {
            scales,
            panelists: Interner::default(),
            applications: Interner::default(),
            formations: Vec::new(),
        }
    }

    /// The index of an application's registration number.
    #[must_use]
    pub fn application(&self, number: &str) -> Option<u32> {
        index_of(&self.applications, number)
    }

    /// The index of a panelist id.
    #[must_use]
    pub fn panelist(&self, id: &str) -> Option<u32> {
        index_of(&self.panelists, id)
    }
}

fn index_of(sorted: &[String], name: &str) -> Option<u32> {
    sorted
        .binary_search_by(|n| n.as_str().cmp(name))
        .ok()
        .and_then(|i| u32::try_from(i).ok())
}

/// Names in the order they came, each once.
#[derive(Default)]
struct Interner {
    index: HashMap<String, u32>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(i) = self.index.get(name) {
            return *i;
        }
        let i = u32::try_from(self.index.len()).unwrap_or(u32::MAX);
        self.index.insert(name.to_owned(), i);
        i
    }

    /// The names sorted, and for each index given out its sorted position.
    fn sorted(self) -> (Vec<String>, Vec<u32>) {
        let mut names: Vec<(String, u32)> = self.index.into_iter().collect();
        names.sort_unstable();
        let mut position = vec![0u32; names.len()];
        for (at, (_, given)) in names.iter().enumerate() {
            position[*given as usize] = u32::try_from(at).unwrap_or(u32::MAX);
        }
        (names.into_iter().map(|(n, _)| n).collect(), position)
    }
}

/// Collects the values formation by formation, each name kept once.
pub struct Builder {
    scales: Vec<Scale>,
    panelists: Interner,
    applications: Interner,
    formations: Vec<FormationScores>,
}

impl Builder {
    /// Values pushed from now on belong to formation `code`.
    pub fn formation(&mut self, code: String) {
        self.formations.push(FormationScores {
            code,
            scores: Vec::new(),
        });
    }

    /// One value of the current formation. A value of a criterion that is
    /// not a panel criterion is left out: nothing in the review reads it.
    pub fn score(&mut self, panelist: &str, application: &str, criterion: &str, value: i64) {
        let Some(c) = self.scales.iter().position(|s| s.code == criterion) else {
            return;
        };
        if self.formations.is_empty() {
            self.formation(String::new());
        }
        let cell = Cell {
            panelist: self.panelists.id(panelist),
            application: self.applications.id(application),
            criterion: u32::try_from(c).unwrap_or(u32::MAX),
            value,
        };
        if let Some(f) = self.formations.last_mut() {
            f.scores.push(cell);
        }
    }

    /// The input, with where applicants live and the conflict flags.
    #[must_use]
    pub fn finish(self, applicants: Vec<Applicant>, ties: Vec<Tie>) -> ReviewInput {
        let (panelists, p_at) = self.panelists.sorted();
        let (applications, a_at) = self.applications.sorted();
        let mut formations = self.formations;
        for cell in formations.iter_mut().flat_map(|f| f.scores.iter_mut()) {
            cell.panelist = p_at[cell.panelist as usize];
            cell.application = a_at[cell.application as usize];
        }
        for f in &mut formations {
            f.scores.shrink_to_fit();
        }
        ReviewInput {
            scales: self.scales,
            panelists,
            applications,
            formations,
            applicants,
            ties,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale(code: &str) -> Scale {
        Scale {
            code: code.into(),
            min: 1,
            max: 5,
        }
    }

    #[test]
    fn indexes_follow_the_order_of_the_names() {
        let mut b = ReviewInput::builder(vec![scale("K1"), scale("K2")]);
        b.formation("F1".into());
        b.score("zeta", "R-010", "K2", 4);
        b.score("alpha", "R-002", "K1", 3);
        b.score("zeta", "R-002", "X9", 5);
        b.formation("F2".into());
        b.score("mid", "R-010", "K1", 2);
        let input = b.finish(Vec::new(), Vec::new());
        assert_eq!(input.panelists, vec!["alpha", "mid", "zeta"]);
        assert_eq!(input.applications, vec!["R-002", "R-010"]);
        let named: Vec<Vec<(&str, &str, &str, i64)>> = input
            .formations
            .iter()
            .map(|f| {
                f.scores
                    .iter()
                    .map(|c| {
                        (
                            input.panelists[c.panelist as usize].as_str(),
                            input.applications[c.application as usize].as_str(),
                            input.scales[c.criterion as usize].code.as_str(),
                            c.value,
                        )
                    })
                    .collect()
            })
            .collect();
        assert_eq!(
            named,
            vec![
                vec![("zeta", "R-010", "K2", 4), ("alpha", "R-002", "K1", 3)],
                vec![("mid", "R-010", "K1", 2)],
            ]
        );
        assert_eq!(input.application("R-010"), Some(1));
        assert_eq!(input.panelist("nobody"), None);
    }

    #[test]
    fn a_cell_is_a_fraction_of_a_named_score() {
        assert_eq!(std::mem::size_of::<Cell>(), 24);
    }
}
