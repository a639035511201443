//! What an applicant may see of their own scores once results are published:
//! each criterion's values with the panelists anonymised (Penilai A, B, C…
//! in one fixed order; a recused panelist never appears), the aggregate, the
//! weighted total as the exact fraction, and how a tie on the total was
//! decided.
//!
//! The numbers come from [`super::ranking::rank_formation`] on the
//! application's own inputs, so the page shows the very fractions the rank
//! was computed from.

use super::msg::Msg;
use super::ranking::{
    Application, CriterionKind, Formation, RankingError, Ratio, RoundRules, format_fraction,
    format_rounded_2dp, rank_formation,
};

/// One criterion's line of the breakdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriterionLine {
    pub code: String,
    pub weight: u32,
    pub scale_min: i64,
    pub scale_max: i64,
    /// Scored by the panel (one value per shown panelist) or imported.
    pub imported: bool,
    /// Per shown panelist, in the order of [`Breakdown::panelists`]; an
    /// imported criterion has its one value here.
    pub values: Vec<Option<i64>>,
    /// `m_c` on the raw scale (after trimming, if the round trims).
    pub aggregate: Option<Ratio>,
    /// `n_c` in `[0, 1]`.
    pub normalized: Option<Ratio>,
    /// `w_c × n_c`, its share of the total.
    pub contribution: Option<Ratio>,
    /// The least `m_c` needed to pass, if any.
    pub pass_min: Option<i64>,
}

/// The anonymised breakdown of one application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakdown {
    /// Letters of the shown panelists: `A`, `B`, `C`…
    pub panelists: Vec<String>,
    pub lines: Vec<CriterionLine>,
    /// Exact total in `[0, 100]`; `None` while incomplete.
    pub total: Option<Ratio>,
    /// The round's passing total, if any.
    pub passing_total: Option<u32>,
    /// Whether every gate is met; `None` while incomplete.
    pub passed: Option<bool>,
}

/// The letter of the `i`-th shown panelist: A…Z, then AA, AB…
#[must_use]
pub fn panelist_letter(i: usize) -> String {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut n = i;
    let mut out = Vec::new();
    loop {
        out.push(letters[n % 26]);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The breakdown of `app` under `rules`. Only panelists who submitted a
/// scorecard and are not recused are shown (a recused panelist's values
/// never count, so they are never shown either); their order is the order
/// of `app.panel_scores`, which callers keep stable.
///
/// # Errors
/// What [`rank_formation`] refuses (inputs the rules reject).
pub fn breakdown(rules: &RoundRules, app: &Application) -> Result<Breakdown, RankingError> {
    let alone = Formation {
        code: String::new(),
        seats: 1,
        reserve: 0,
    };
    let outcome = rank_formation(rules, &alone, std::slice::from_ref(app))?
        .into_iter()
        .next();
    let shown: Vec<_> = app
        .panel_scores
        .iter()
        .filter(|p| !p.recused)
        .filter_map(|p| p.submitted.as_ref())
        .collect();
    let lines = rules
        .criteria
        .iter()
        .map(|c| {
            let imported = c.kind == CriterionKind::Imported;
            let values = if imported {
                vec![app.imported.get(&c.code).copied()]
            } else {
                shown.iter().map(|s| s.get(&c.code).copied()).collect()
            };
            let score = outcome
                .as_ref()
                .and_then(|o| o.criteria.iter().find(|s| s.code() == c.code));
            let normalized = score.map(super::ranking::CriterionScore::normalized);
            CriterionLine {
                code: c.code.clone(),
                weight: c.weight,
                scale_min: c.scale_min,
                scale_max: c.scale_max,
                imported,
                values,
                aggregate: score.map(super::ranking::CriterionScore::mean),
                contribution: normalized
                    .as_ref()
                    .map(|n| n * Ratio::from_integer(c.weight.into())),
                normalized,
                pass_min: c.pass_min,
            }
        })
        .collect();
    Ok(Breakdown {
        panelists: (0..shown.len()).map(panelist_letter).collect(),
        lines,
        total: outcome.as_ref().and_then(|o| o.total.clone()),
        passing_total: rules.passing_total,
        passed: outcome.and_then(|o| o.passed),
    })
}

/// A published standing as the tie note compares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TieEntry {
    pub registration_no: String,
    pub rank: u32,
    pub total: Ratio,
    /// `n_c` of each tie-break criterion, in tie-break order.
    pub tiebreak: Vec<Ratio>,
    pub lottery_key: String,
}

/// What put two applications with the same total in their order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decided {
    /// The first tie-break criterion on which they differ (its code).
    Criterion(String),
    /// Every tie-break criterion was equal: the smaller lottery key first.
    Lottery,
}

/// One other application with the same total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TiedWith {
    pub registration_no: String,
    pub rank: u32,
    pub decided: Decided,
    pub lottery_key: String,
}

/// How the ties on `me`'s total were decided, or `None` without a tie.
/// `tiebreak_codes` are the tie-break criteria's codes in tie-break order.
#[must_use]
pub fn ties(me: &TieEntry, all: &[TieEntry], tiebreak_codes: &[String]) -> Vec<TiedWith> {
    let mut out: Vec<TiedWith> = all
        .iter()
        .filter(|o| o.registration_no != me.registration_no && o.total == me.total)
        .map(|o| {
            let differs = me
                .tiebreak
                .iter()
                .zip(&o.tiebreak)
                .position(|(a, b)| a != b);
            TiedWith {
                registration_no: o.registration_no.clone(),
                rank: o.rank,
                decided: match differs.and_then(|i| tiebreak_codes.get(i)) {
                    Some(code) => Decided::Criterion(code.clone()),
                    None => Decided::Lottery,
                },
                lottery_key: o.lottery_key.clone(),
            }
        })
        .collect();
    out.sort_by_key(|t| t.rank);
    out
}

/// One criterion as the page names it.
#[derive(Clone, Debug)]
pub struct CriterionName {
    pub code: String,
    pub name: Msg,
}

/// The published score breakdown of one application.
#[derive(Clone, Debug)]
pub struct ScoreView {
    pub breakdown: Breakdown,
    pub names: Vec<CriterionName>,
    pub rank: Option<i32>,
    pub status: Option<String>,
    pub lottery_key: String,
    /// Applications with the same total and what ordered them.
    pub ties: Vec<TiedWith>,
}

impl ScoreView {
    /// The criterion's name in both languages (its code when unknown).
    #[must_use]
    pub fn name(&self, code: &str) -> Msg {
        self.names
            .iter()
            .find(|n| n.code == code)
            .map_or_else(|| Msg::new(code, code), |n| n.name.clone())
    }

    /// The total rounded to two decimals and as the exact fraction.
    #[must_use]
    pub fn total(&self) -> Option<(String, String)> {
        self.breakdown
            .total
            .as_ref()
            .map(|t| (format_rounded_2dp(t), format_fraction(t)))
    }

    /// How each tie was decided, in words.
    #[must_use]
    pub fn tie_lines(&self) -> Vec<Msg> {
        let own = self.rank.unwrap_or_default();
        self.ties
            .iter()
            .map(|t| {
                let before = i64::from(own) < i64::from(t.rank);
                let (id_order, en_order) = if before {
                    ("di atas", "ahead of")
                } else {
                    ("di bawah", "behind")
                };
                match &t.decided {
                    Decided::Criterion(code) => {
                        let name = self.name(code);
                        Msg::new(
                            format!(
                                "Total sama dengan {} (peringkat {}); Anda {id_order} karena kriteria penentu seri {code} {}.",
                                t.registration_no, t.rank, name.id
                            ),
                            format!(
                                "Same total as {} (rank {}); you are {en_order} because of the tie-break criterion {code} {}.",
                                t.registration_no, t.rank, name.en
                            ),
                        )
                    }
                    Decided::Lottery => Msg::new(
                        format!(
                            "Total dan kriteria penentu seri sama dengan {} (peringkat {}); undian memutuskan: kunci undian Anda {} dan kuncinya {}, yang lebih kecil di atas.",
                            t.registration_no, t.rank, self.lottery_key, t.lottery_key
                        ),
                        format!(
                            "Same total and tie-break criteria as {} (rank {}); the lottery decided: your lottery key {} and theirs {}, the smaller one first.",
                            t.registration_no, t.rank, self.lottery_key, t.lottery_key
                        ),
                    ),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::ranking::{Aggregation, Criterion, Eligibility, PanelScore};

    fn rules() -> RoundRules {
        RoundRules {
            aggregation: Aggregation::Mean,
            passing_total: Some(50),
            min_panelists: 2,
            criteria: vec![
                Criterion {
                    code: "K1".into(),
                    kind: CriterionKind::Panel,
                    scale_min: 1,
                    scale_max: 5,
                    weight: 60,
                    pass_min: None,
                    tiebreak_order: Some(1),
                },
                Criterion {
                    code: "K2".into(),
                    kind: CriterionKind::Panel,
                    scale_min: 1,
                    scale_max: 5,
                    weight: 40,
                    pass_min: None,
                    tiebreak_order: None,
                },
            ],
            seed: "s".into(),
        }
    }

    fn card(k1: i64, k2: i64) -> Option<BTreeMap<String, i64>> {
        Some(BTreeMap::from([("K1".into(), k1), ("K2".into(), k2)]))
    }

    #[test]
    fn recused_and_unsubmitted_panelists_are_never_shown_and_the_rest_get_letters() {
        let app = Application {
            registration_no: "2027-1-0001".into(),
            eligibility: Eligibility::Eligible,
            panel_scores: vec![
                PanelScore {
                    panelist_id: "p1".into(),
                    recused: false,
                    submitted: card(5, 3),
                },
                PanelScore {
                    panelist_id: "p2".into(),
                    recused: true,
                    submitted: card(1, 1),
                },
                PanelScore {
                    panelist_id: "p3".into(),
                    recused: false,
                    submitted: None,
                },
                PanelScore {
                    panelist_id: "p4".into(),
                    recused: false,
                    submitted: card(4, 4),
                },
            ],
            imported: BTreeMap::new(),
        };
        let b = breakdown(&rules(), &app).expect("breakdown");
        assert_eq!(b.panelists, vec!["A", "B"]);
        assert_eq!(b.lines[0].values, vec![Some(5), Some(4)]);
        // K1 mean 9/2 → n = 7/8 → 60 × 7/8 = 105/2; K2 mean 7/2 → n = 5/8 → 25.
        assert_eq!(
            b.lines[0].contribution,
            Some(Ratio::new(105.into(), 2.into()))
        );
        assert_eq!(b.total, Some(Ratio::new(155.into(), 2.into())));
        assert_eq!(b.passed, Some(true));
        assert_eq!(b.passing_total, Some(50));
    }

    #[test]
    fn letters_run_past_z() {
        assert_eq!(panelist_letter(0), "A");
        assert_eq!(panelist_letter(25), "Z");
        assert_eq!(panelist_letter(26), "AA");
    }

    fn entry(no: &str, rank: u32, total: i64, tb: i64, key: &str) -> TieEntry {
        TieEntry {
            registration_no: no.into(),
            rank,
            total: Ratio::from_integer(total.into()),
            tiebreak: vec![Ratio::from_integer(tb.into())],
            lottery_key: key.into(),
        }
    }

    #[test]
    fn a_tie_names_the_criterion_that_split_it_or_the_lottery() {
        let codes = vec!["K1".to_owned()];
        let all = vec![
            entry("A", 1, 80, 1, "aa"),
            entry("C", 2, 50, 1, "cc"),
            entry("E", 3, 50, 0, "bb"),
            entry("G", 4, 50, 0, "dd"),
        ];
        let e = ties(&all[2], &all, &codes);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].registration_no, "C");
        assert_eq!(e[0].decided, Decided::Criterion("K1".into()));
        assert_eq!(e[1].registration_no, "G");
        assert_eq!(e[1].decided, Decided::Lottery);
        assert!(ties(&all[0], &all, &codes).is_empty());
    }
}
