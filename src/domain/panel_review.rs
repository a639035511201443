//! The panel review of a round: per formation and criterion how reliably
//! its panel scored (α, ICC), per panelist which groups they may favour, and
//! which formations need a second look before their results are published.
//! The server and `pokmas audit analytics` both compute it here, from the
//! same inputs, so an exported folder re-derives every figure.
//!
//! Inputs are the values that count for the ranking: the latest submitted
//! version of panelists who still sit on the formation's panel and are not
//! recused. Applications are keyed by registration number and panelists by
//! account id, the keys of the export files, because the Monte-Carlo p-values
//! depend on the order of applications.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use uuid::Uuid;

use crate::domain::analytics::{Scale, Score};
use crate::domain::group_bias::{self, Applicant, PanelistBias, Tie};
use crate::domain::reliability::{self, AlphaReading, Iccs, Ratio};

/// One formation's counting values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormationScores {
    pub code: String,
    pub scores: Vec<Score>,
}

/// Everything the review is computed from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewInput {
    /// The panel criteria, in their order.
    pub scales: Vec<Scale>,
    pub formations: Vec<FormationScores>,
    pub applicants: Vec<Applicant>,
    pub ties: Vec<Tie>,
}

/// How reliably one criterion was scored in one formation.
#[derive(Clone, Debug, PartialEq)]
pub struct CriterionFigures {
    pub criterion: String,
    /// Applications scored by at least two panelists.
    pub pairable: usize,
    /// Values behind α.
    pub values: usize,
    pub alpha: Option<Ratio>,
    /// From the applications every panelist of the formation scored.
    pub icc: Option<Iccs>,
}

/// The review of one formation.
#[derive(Clone, Debug, PartialEq)]
pub struct FormationFigures {
    pub code: String,
    pub criteria: Vec<CriterionFigures>,
    /// Panelists with counting values here, sorted.
    pub panelists: Vec<String>,
    /// Those of them flagged for favouring a group (anywhere in the round).
    pub flagged: Vec<String>,
}

impl FormationFigures {
    /// The lowest α over the criteria: the formation is only as reliable
    /// as its least reliable criterion.
    #[must_use]
    pub fn lowest_alpha(&self) -> Option<&Ratio> {
        self.criteria.iter().filter_map(|c| c.alpha.as_ref()).min()
    }

    /// Why the formation needs a second admin's look before publication:
    /// its lowest α is below .667, or its panel has a flagged member.
    #[must_use]
    pub fn concerns(&self) -> Concerns {
        Concerns {
            unreliable: self
                .lowest_alpha()
                .is_some_and(|a| AlphaReading::of(a) == AlphaReading::Unreliable),
            flagged_members: self.flagged.len(),
        }
    }
}

/// Reasons for a second look at one formation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Concerns {
    /// α below .667 for some criterion.
    pub unreliable: bool,
    /// Members flagged for favouring a group.
    pub flagged_members: usize,
}

impl Concerns {
    /// Whether there is any.
    #[must_use]
    pub fn any(self) -> bool {
        self.unreliable || self.flagged_members > 0
    }
}

/// The review of a round.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    pub formations: Vec<FormationFigures>,
    /// Every panelist with compared values, by id.
    pub panelists: Vec<PanelistBias>,
}

impl Review {
    /// The bias figures of one panelist.
    #[must_use]
    pub fn panelist(&self, id: &str) -> Option<&PanelistBias> {
        self.panelists.iter().find(|p| p.panelist == id)
    }
}

fn criterion_figures(code: &str, panelists: &[String], scores: &[&Score]) -> CriterionFigures {
    let mut by_app: BTreeMap<&str, BTreeMap<&str, i64>> = BTreeMap::new();
    for s in scores.iter().filter(|s| s.criterion == code) {
        by_app
            .entry(s.application.as_str())
            .or_default()
            .insert(s.panelist.as_str(), s.value);
    }
    let units: Vec<Vec<i64>> = by_app
        .values()
        .map(|m| m.values().copied().collect())
        .collect();
    let pairable = units.iter().filter(|u| u.len() >= 2).count();
    let values = units.iter().filter(|u| u.len() >= 2).map(Vec::len).sum();
    // The ICC's two-way model needs a complete table: the applications
    // every panelist of the formation scored.
    let rows: Vec<Vec<f64>> = by_app
        .values()
        .filter(|m| panelists.iter().all(|p| m.contains_key(p.as_str())))
        .map(|m| panelists.iter().map(|p| m[p.as_str()] as f64).collect())
        .collect();
    CriterionFigures {
        criterion: code.to_owned(),
        pairable,
        values,
        alpha: reliability::alpha_ordinal(&units),
        icc: reliability::icc2(&rows),
    }
}

/// Computes the review of a round.
#[must_use]
pub fn review(input: &ReviewInput) -> Review {
    let all: Vec<Score> = input
        .formations
        .iter()
        .flat_map(|f| f.scores.iter().cloned())
        .collect();
    let panelists = group_bias::group_bias(&input.scales, &all, &input.applicants, &input.ties);
    let flagged: BTreeSet<&str> = panelists
        .iter()
        .filter(|p| p.flagged())
        .map(|p| p.panelist.as_str())
        .collect();
    let codes: BTreeSet<&str> = input.scales.iter().map(|s| s.code.as_str()).collect();
    let formations = input
        .formations
        .iter()
        .map(|f| {
            let scores: Vec<&Score> = f
                .scores
                .iter()
                .filter(|s| codes.contains(s.criterion.as_str()))
                .collect();
            let members: Vec<String> = scores
                .iter()
                .map(|s| s.panelist.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            FormationFigures {
                code: f.code.clone(),
                criteria: input
                    .scales
                    .iter()
                    .map(|s| criterion_figures(&s.code, &members, &scores))
                    .collect(),
                flagged: members
                    .iter()
                    .filter(|m| flagged.contains(m.as_str()))
                    .cloned()
                    .collect(),
                panelists: members,
            }
        })
        .collect();
    Review {
        formations,
        panelists,
    }
}

/// Shortest written reason of the second admin.
pub const MIN_REASON_CHARS: usize = 20;

/// One formation that needs the second look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marked {
    pub code: String,
    pub name: String,
    pub concerns: Concerns,
}

/// Where a round stands with its second look.
#[derive(Clone, Debug)]
pub struct SecondLookStatus {
    pub round_id: Uuid,
    /// The round is still before provisional publication.
    pub before_publication: bool,
    pub marked: Vec<Marked>,
    /// The pending request and its requester's name.
    pub pending: Option<(crate::domain::approval::Approval, String)>,
}

/// The review of a round with the names staff may see.
#[derive(Clone, Debug)]
pub struct RoundReview {
    pub round: crate::domain::round::RoundHead,
    pub formations: Vec<crate::domain::round::FormationHead>,
    /// `(code, name_id, name_en)` of the panel criteria, in order.
    pub criteria: Vec<(String, String, String)>,
    pub review: Review,
    /// Panelist id → name.
    pub names: HashMap<String, String>,
}

impl RoundReview {
    /// The formation record of a reviewed formation code.
    #[must_use]
    pub fn formation(&self, code: &str) -> Option<&crate::domain::round::FormationHead> {
        self.formations.iter().find(|f| f.code == code)
    }
}

#[cfg(test)]
mod tests {
    use num_bigint::BigInt;

    use super::*;

    fn score(p: &str, a: &str, c: &str, v: i64) -> Score {
        Score {
            panelist: p.into(),
            application: a.into(),
            criterion: c.into(),
            value: v,
        }
    }

    fn input(values: &[[i64; 3]]) -> ReviewInput {
        let mut scores = Vec::new();
        let mut applicants = Vec::new();
        for (i, row) in values.iter().enumerate() {
            let a = format!("R-{i:03}");
            applicants.push(Applicant {
                application: a.clone(),
                kelurahan: "6472011001".into(),
                rt: 1,
            });
            for (p, v) in ["p1", "p2", "p3"].iter().zip(row) {
                scores.push(score(p, &a, "K1", *v));
            }
        }
        ReviewInput {
            scales: vec![Scale {
                code: "K1".into(),
                min: 1,
                max: 5,
            }],
            formations: vec![FormationScores {
                code: "F1".into(),
                scores,
            }],
            applicants,
            ties: Vec::new(),
        }
    }

    #[test]
    fn a_panel_that_agrees_needs_no_second_look() {
        let r = review(&input(&[
            [1, 1, 1],
            [3, 3, 3],
            [5, 5, 4],
            [2, 2, 2],
            [4, 4, 4],
        ]));
        let f = &r.formations[0];
        assert_eq!(f.panelists, vec!["p1", "p2", "p3"]);
        assert_eq!(f.criteria[0].pairable, 5);
        assert_eq!(f.criteria[0].values, 15);
        assert_eq!(f.criteria[0].icc.map(|i| i.targets), Some(5));
        assert!(!f.concerns().any());
    }

    #[test]
    fn a_panel_that_disagrees_is_marked_unreliable() {
        let r = review(&input(&[
            [1, 5, 3],
            [5, 1, 3],
            [3, 3, 1],
            [2, 4, 5],
            [4, 2, 1],
        ]));
        let f = &r.formations[0];
        assert!(
            f.lowest_alpha()
                .is_some_and(|a| *a < Ratio::from_integer(BigInt::from(0)))
        );
        assert_eq!(
            f.concerns(),
            Concerns {
                unreliable: true,
                flagged_members: 0
            }
        );
    }

    #[test]
    fn incomplete_rows_are_left_out_of_the_icc_but_not_of_alpha() {
        let mut i = input(&[[1, 1, 1], [3, 3, 3], [5, 5, 4], [2, 2, 2], [4, 4, 4]]);
        i.formations[0]
            .scores
            .retain(|s| !(s.application == "R-000" && s.panelist == "p3"));
        let r = review(&i);
        let c = &r.formations[0].criteria[0];
        assert_eq!(c.pairable, 5);
        assert_eq!(c.values, 14);
        assert_eq!(c.icc.map(|x| x.targets), Some(4));
    }
}
