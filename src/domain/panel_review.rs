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

use std::collections::{BTreeSet, HashMap};

use uuid::Uuid;

use crate::domain::group_bias::{self, PanelistBias};
use crate::domain::reliability::{self, AlphaReading, Iccs, Ratio};
pub use crate::domain::review_input::{Cell, FormationScores, ReviewInput};

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

/// The figures of one criterion from its values in one formation, sorted
/// by (application, panelist) with repeats removed; `members` are the
/// formation's panelists, ascending.
fn criterion_figures(code: &str, members: &[u32], cells: &[&Cell]) -> CriterionFigures {
    let by_app: Vec<&[&Cell]> = cells
        .chunk_by(|a, b| a.application == b.application)
        .collect();
    let units: Vec<Vec<i64>> = by_app
        .iter()
        .map(|app| app.iter().map(|c| c.value).collect())
        .collect();
    let pairable = units.iter().filter(|u| u.len() >= 2).count();
    let values = units.iter().filter(|u| u.len() >= 2).map(Vec::len).sum();
    // The ICC's two-way model needs a complete table: the applications
    // every panelist of the formation scored (each member at most once, so
    // as many values as members).
    let rows: Vec<Vec<f64>> = by_app
        .iter()
        .filter(|app| app.len() == members.len())
        .map(|app| app.iter().map(|c| c.value as f64).collect())
        .collect();
    CriterionFigures {
        criterion: code.to_owned(),
        pairable,
        values,
        alpha: reliability::alpha_ordinal(&units),
        icc: reliability::icc2(&rows),
    }
}

/// The review of one formation; `flagged` are the panelists flagged
/// anywhere in the round.
fn formation_figures(
    input: &ReviewInput,
    f: &FormationScores,
    flagged: &BTreeSet<&str>,
) -> FormationFigures {
    let mut cells: Vec<&Cell> = f.scores.iter().collect();
    // Stable: of a repeated (criterion, application, panelist) the last
    // pushed comes last and is the one that counts.
    cells.sort_by_key(|c| (c.criterion, c.application, c.panelist));
    let mut kept: Vec<&Cell> = Vec::with_capacity(cells.len());
    for (i, c) in cells.iter().enumerate() {
        let next = cells.get(i + 1);
        if next.is_none_or(|n| {
            (n.criterion, n.application, n.panelist) != (c.criterion, c.application, c.panelist)
        }) {
            kept.push(c);
        }
    }
    drop(cells);
    let members: Vec<u32> = kept
        .iter()
        .map(|c| c.panelist)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let criteria = input
        .scales
        .iter()
        .map(|s| {
            // A code's values carry the index of its first scale.
            let id = input
                .scales
                .iter()
                .position(|t| t.code == s.code)
                .and_then(|i| u32::try_from(i).ok());
            let from = kept.partition_point(|c| Some(c.criterion) < id);
            let to = kept.partition_point(|c| Some(c.criterion) <= id);
            criterion_figures(&s.code, &members, &kept[from..to])
        })
        .collect();
    let panelists: Vec<String> = members
        .iter()
        .map(|p| input.panelists[*p as usize].clone())
        .collect();
    FormationFigures {
        code: f.code.clone(),
        criteria,
        flagged: panelists
            .iter()
            .filter(|m| flagged.contains(m.as_str()))
            .cloned()
            .collect(),
        panelists,
    }
}

/// Computes the review of a round.
#[must_use]
pub fn review(input: &ReviewInput) -> Review {
    let panelists = group_bias::group_bias(input);
    let flagged: BTreeSet<&str> = panelists
        .iter()
        .filter(|p| p.flagged())
        .map(|p| p.panelist.as_str())
        .collect();
    let formations = input
        .formations
        .iter()
        .map(|f| formation_figures(input, f, &flagged))
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
    use std::collections::BTreeMap;

    use num_bigint::BigInt;
    use proptest::prelude::*;

    use super::*;
    use crate::domain::analytics::{Scale, Score};
    use crate::domain::group_bias::{Applicant, Tie};

    fn score(p: &str, a: &str, c: &str, v: i64) -> Score {
        Score {
            panelist: p.into(),
            application: a.into(),
            criterion: c.into(),
            value: v,
        }
    }

    /// The review as computed over names before P8, with every value in
    /// String-keyed maps: what the indexed review must equal.
    fn reference_review(
        scales: &[Scale],
        formations: &[(String, Vec<Score>)],
        applicants: &[Applicant],
        ties: &[Tie],
    ) -> Review {
        fn figures(code: &str, panelists: &[String], scores: &[&Score]) -> CriterionFigures {
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
            let rows: Vec<Vec<f64>> = by_app
                .values()
                .filter(|m| panelists.iter().all(|p| m.contains_key(p.as_str())))
                .map(|m| panelists.iter().map(|p| m[p.as_str()] as f64).collect())
                .collect();
            CriterionFigures {
                criterion: code.to_owned(),
                pairable: units.iter().filter(|u| u.len() >= 2).count(),
                values: units.iter().filter(|u| u.len() >= 2).map(Vec::len).sum(),
                alpha: reliability::alpha_ordinal(&units),
                icc: reliability::icc2(&rows),
            }
        }
        let all: Vec<Score> = formations.iter().flat_map(|f| f.1.clone()).collect();
        let panelists = group_bias::reference::group_bias(scales, &all, applicants, ties);
        let flagged: BTreeSet<&str> = panelists
            .iter()
            .filter(|p| p.flagged())
            .map(|p| p.panelist.as_str())
            .collect();
        let codes: BTreeSet<&str> = scales.iter().map(|s| s.code.as_str()).collect();
        let formations = formations
            .iter()
            .map(|(code, scores)| {
                let scores: Vec<&Score> = scores
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
                    code: code.clone(),
                    criteria: scales
                        .iter()
                        .map(|s| figures(&s.code, &members, &scores))
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

    /// The review through the indexed input, checked against the reference.
    fn checked_review(
        scales: &[Scale],
        formations: &[(String, Vec<Score>)],
        applicants: &[Applicant],
        ties: &[Tie],
    ) -> Review {
        let mut b = ReviewInput::builder(scales.to_vec());
        for (code, scores) in formations {
            b.formation(code.clone());
            for s in scores {
                b.score(&s.panelist, &s.application, &s.criterion, s.value);
            }
        }
        let indexed = review(&b.finish(applicants.to_vec(), ties.to_vec()));
        // Debug text: equal figures with NaN in them compare unequal.
        assert_eq!(
            format!("{indexed:?}"),
            format!(
                "{:?}",
                reference_review(scales, formations, applicants, ties)
            )
        );
        indexed
    }

    fn k1() -> Vec<Scale> {
        vec![Scale {
            code: "K1".into(),
            min: 1,
            max: 5,
        }]
    }

    fn rows(values: &[[i64; 3]]) -> (Vec<Score>, Vec<Applicant>) {
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
        (scores, applicants)
    }

    fn review_of(scores: Vec<Score>, applicants: &[Applicant]) -> Review {
        checked_review(&k1(), &[("F1".into(), scores)], applicants, &[])
    }

    #[test]
    fn a_panel_that_agrees_needs_no_second_look() {
        let (scores, applicants) = rows(&[[1, 1, 1], [3, 3, 3], [5, 5, 4], [2, 2, 2], [4, 4, 4]]);
        let r = review_of(scores, &applicants);
        let f = &r.formations[0];
        assert_eq!(f.panelists, vec!["p1", "p2", "p3"]);
        assert_eq!(f.criteria[0].pairable, 5);
        assert_eq!(f.criteria[0].values, 15);
        assert_eq!(f.criteria[0].icc.map(|i| i.targets), Some(5));
        assert!(!f.concerns().any());
    }

    #[test]
    fn a_panel_that_disagrees_is_marked_unreliable() {
        let (scores, applicants) = rows(&[[1, 5, 3], [5, 1, 3], [3, 3, 1], [2, 4, 5], [4, 2, 1]]);
        let r = review_of(scores, &applicants);
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
        let (mut scores, applicants) =
            rows(&[[1, 1, 1], [3, 3, 3], [5, 5, 4], [2, 2, 2], [4, 4, 4]]);
        scores.retain(|s| !(s.application == "R-000" && s.panelist == "p3"));
        let r = review_of(scores, &applicants);
        let c = &r.formations[0].criteria[0];
        assert_eq!(c.pairable, 5);
        assert_eq!(c.values, 14);
        assert_eq!(c.icc.map(|x| x.targets), Some(4));
    }

    /// Names whose byte order differs from the order they come in.
    const PANELISTS: [&str; 6] = ["p3", "p10", "p2", "Zed", "alfa", "p1"];
    const CODES: [&str; 4] = ["K2", "K1", "K3", "X"];

    fn application(i: usize) -> String {
        format!("R-{}", (i * 7) % 13)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Over random rounds (repeated values, values spread over several
        /// formations, a degenerate scale, a criterion that is not a panel
        /// criterion, a repeated code) the review over indexes is the one
        /// over names, number for number and in the same order.
        #[test]
        fn the_indexed_review_equals_the_review_over_names(
            values in proptest::collection::vec(
                (0usize..3, 0usize..6, 0usize..12, 0usize..4, -1i64..=7), 0..160),
            homes in proptest::collection::vec(proptest::option::of((any::<bool>(), 1i32..=3)), 12),
            tied in proptest::collection::vec((0usize..6, 0usize..12, any::<bool>(), any::<bool>()), 0..8),
            repeated_code in any::<bool>(),
        ) {
            let mut scales = vec![
                Scale { code: "K1".into(), min: 1, max: 5 },
                Scale { code: "K2".into(), min: 0, max: 10 },
                Scale { code: "K3".into(), min: 2, max: 2 },
            ];
            if repeated_code {
                scales.push(Scale { code: "K1".into(), min: 1, max: 3 });
            }
            let mut formations: Vec<(String, Vec<Score>)> =
                ["F1", "F2", "F3"].iter().map(|c| ((*c).to_owned(), Vec::new())).collect();
            for (f, p, a, c, v) in values {
                formations[f].1.push(score(PANELISTS[p], &application(a), CODES[c], v));
            }
            let applicants: Vec<Applicant> = homes
                .iter()
                .enumerate()
                .filter_map(|(i, h)| {
                    let (north, rt) = (*h)?;
                    Some(Applicant {
                        application: application(i),
                        kelurahan: if north { "6472011001" } else { "6472011002" }.into(),
                        rt,
                    })
                })
                .collect();
            let ties: Vec<Tie> = tied
                .iter()
                .map(|(p, a, same_rt, same_family_card)| Tie {
                    panelist: PANELISTS[*p].into(),
                    application: application(*a),
                    same_rt: *same_rt,
                    same_family_card: *same_family_card,
                })
                .collect();
            checked_review(&scales, &formations, &applicants, &ties);
        }
    }
}
