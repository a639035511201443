//! Examples of the stage rule, the README's worked example among them.

use super::*;

fn r(n: i64) -> Ratio {
    Ratio::from_integer(BigInt::from(n))
}

fn cand(no: &str, total: Option<i64>, tiebreak: &[i64]) -> Candidate {
    Candidate {
        registration_no: no.into(),
        total: total.map(r),
        gates_met: true,
        tiebreak: tiebreak.iter().map(|x| r(*x)).collect(),
    }
}

fn advancing(d: &[Decision]) -> Vec<&str> {
    d.iter()
        .filter(|d| d.advances)
        .map(|d| d.registration_no.as_str())
        .collect()
}

fn formation() -> Formation {
    Formation {
        code: "F1".into(),
        seats: 1,
        reserve: 1,
    }
}

/// The README's two-stage example: the written test, then the interview.
fn readme_plan(final_rule: FinalRule) -> (StagePlan, Vec<Vec<Candidate>>) {
    let plan = StagePlan {
        stages: vec![
            StageSpec {
                code: "TERTULIS".into(),
                advance: Some(AdvanceRule {
                    top_k: Some(2),
                    passing_total: Some(50),
                }),
            },
            StageSpec {
                code: "WAWANCARA".into(),
                advance: None,
            },
        ],
        final_rule,
    };
    let written = vec![
        cand("R-001", Some(80), &[]),
        cand("R-002", Some(70), &[]),
        cand("R-003", Some(70), &[]),
        cand("R-004", Some(65), &[]),
        cand("R-005", Some(45), &[]),
        cand("R-006", None, &[]),
    ];
    // Tie-break of the interview: n of its criterion I1 (7/10, 3/5, 4/5),
    // here in hundredths: only the order matters.
    let interview = vec![
        cand("R-001", Some(70), &[70]),
        cand("R-002", Some(75), &[60]),
        cand("R-003", Some(75), &[80]),
    ];
    (plan, vec![written, interview])
}

fn ranks(out: &[FinalOutcome]) -> Vec<(String, Option<u32>, Option<&'static str>, usize)> {
    out.iter()
        .map(|o| {
            (
                o.registration_no.clone(),
                o.rank,
                o.status.map(Status::as_str),
                o.reached,
            )
        })
        .collect()
}

#[test]
fn the_readme_two_stage_example_with_the_last_stage_alone() {
    let (plan, results) = readme_plan(FinalRule::LastStage);
    let d = shortlist(
        plan.stages[0].advance.as_ref().expect("rule"),
        1,
        &results[0],
    );
    // 2 × 1 seat = 2 places; tie at the cut (70): both go on.
    assert_eq!(advancing(&d), ["R-001", "R-002", "R-003"]);
    let positions: Vec<_> = d.iter().map(|d| d.position).collect();
    assert_eq!(positions, [Some(1), Some(2), Some(2), Some(4), None, None]);

    let out = final_standing(&plan, &formation(), "contoh", &results).expect("valid");
    assert_eq!(
        ranks(&out),
        [
            ("R-003".into(), Some(1), Some("selected"), 1),
            ("R-002".into(), Some(2), Some("reserve"), 1),
            ("R-001".into(), Some(3), Some("not_selected"), 1),
            ("R-004".into(), None, None, 0),
            ("R-005".into(), None, None, 0),
            ("R-006".into(), None, None, 0),
        ]
    );
    assert_eq!(out[0].total, Some(r(75)));
}

#[test]
fn the_readme_two_stage_example_weighted() {
    let (plan, results) = readme_plan(FinalRule::Weighted(vec![40, 60]));
    let out = final_standing(&plan, &formation(), "contoh", &results).expect("valid");
    // (40·80 + 60·70)/100 = 74: (40·70 + 60·75)/100 = 73.
    assert_eq!(
        ranks(&out)[..3],
        [
            ("R-001".into(), Some(1), Some("selected"), 1),
            ("R-003".into(), Some(2), Some("reserve"), 1),
            ("R-002".into(), Some(3), Some("not_selected"), 1),
        ]
    );
    assert_eq!(out[0].total, Some(r(74)));
    assert_eq!(out[1].total, Some(r(73)));
}

#[test]
fn weighted_totals_are_exact_fractions() {
    let (mut plan, results) = readme_plan(FinalRule::Weighted(vec![1, 2]));
    plan.final_rule = FinalRule::Weighted(vec![1, 2]);
    let out = final_standing(&plan, &formation(), "contoh", &results).expect("valid");
    // (80 + 140)/3 = 220/3, never 73.333….
    let r001 = out
        .iter()
        .find(|o| o.registration_no == "R-001")
        .expect("R-001");
    assert_eq!(
        r001.total,
        Some(Ratio::new(BigInt::from(220), BigInt::from(3)))
    );
}

#[test]
fn a_passing_total_alone_lets_everyone_through_who_reaches_it() {
    let rule = AdvanceRule {
        top_k: None,
        passing_total: Some(65),
    };
    let (_, results) = readme_plan(FinalRule::LastStage);
    assert_eq!(
        advancing(&shortlist(&rule, 1, &results[0])),
        ["R-001", "R-002", "R-003", "R-004"]
    );
}

#[test]
fn a_candidate_missing_a_criterion_minimum_does_not_go_on_or_take_a_place() {
    let rule = AdvanceRule {
        top_k: Some(1),
        passing_total: None,
    };
    let mut c = vec![cand("A", Some(90), &[]), cand("B", Some(60), &[])];
    c[0].gates_met = false;
    assert_eq!(advancing(&shortlist(&rule, 1, &c)), ["B"]);
}

#[test]
fn fewer_candidates_than_places_all_go_on_and_no_seat_means_nobody() {
    let rule = AdvanceRule {
        top_k: Some(3),
        passing_total: None,
    };
    let c = vec![cand("A", Some(10), &[]), cand("B", Some(0), &[])];
    assert_eq!(advancing(&shortlist(&rule, 1, &c)), ["A", "B"]);
    assert!(advancing(&shortlist(&rule, 0, &c)).is_empty());
}

#[test]
fn plans_that_cannot_be_frozen_are_refused() {
    let last = StageSpec {
        code: "B".into(),
        advance: None,
    };
    let gate = StageSpec {
        code: "A".into(),
        advance: Some(AdvanceRule {
            top_k: Some(3),
            passing_total: None,
        }),
    };
    let plan = |stages: Vec<StageSpec>, final_rule| StagePlan { stages, final_rule };
    assert_eq!(
        plan(vec![], FinalRule::LastStage).validate(),
        Err(StageError::NoStages)
    );
    assert!(
        plan(vec![gate.clone(), last.clone()], FinalRule::LastStage)
            .validate()
            .is_ok()
    );
    assert_eq!(
        plan(vec![last.clone(), gate.clone()], FinalRule::LastStage).validate(),
        Err(StageError::AdvancePlacement("B".into()))
    );
    let mut no_rule = gate.clone();
    no_rule.advance = Some(AdvanceRule {
        top_k: None,
        passing_total: None,
    });
    assert_eq!(
        plan(vec![no_rule, last.clone()], FinalRule::LastStage).validate(),
        Err(StageError::BadAdvance("A".into()))
    );
    assert_eq!(
        plan(
            vec![gate.clone(), last.clone()],
            FinalRule::Weighted(vec![1])
        )
        .validate(),
        Err(StageError::BadWeights { stages: 2 })
    );
    assert_eq!(
        plan(vec![gate, last.clone(), last], FinalRule::LastStage).validate(),
        Err(StageError::AdvancePlacement("B".into()))
    );
}

#[test]
fn inputs_that_do_not_fit_the_plan_are_named() {
    let (plan, mut results) = readme_plan(FinalRule::LastStage);
    results[1].push(cand("R-001", Some(1), &[]));
    assert_eq!(
        final_standing(&plan, &formation(), "s", &results),
        Err(StageError::Duplicate {
            stage: "WAWANCARA".into(),
            registration_no: "R-001".into()
        })
    );
    assert_eq!(
        final_standing(&plan, &formation(), "s", &results[..1]),
        Err(StageError::StageCount {
            given: 1,
            stages: 2
        })
    );
}

#[test]
fn a_score_in_a_later_stage_without_going_on_counts_for_nothing() {
    let (plan, mut results) = readme_plan(FinalRule::LastStage);
    // R-004 did not go on from the written test; an interview score (a
    // mistake upstream) must not rank it.
    results[1].push(cand("R-004", Some(100), &[9]));
    let out = final_standing(&plan, &formation(), "contoh", &results).expect("valid");
    let r004 = out
        .iter()
        .find(|o| o.registration_no == "R-004")
        .expect("R-004");
    assert_eq!(
        (r004.rank, r004.reached, r004.through_gates),
        (None, 0, false)
    );
}

#[test]
fn a_stage_outcome_of_the_one_stage_ranking_becomes_a_candidate() {
    use crate::domain::ranking::{
        Aggregation, Application, Criterion, CriterionKind, Eligibility, RoundRules, rank_formation,
    };
    let rules = RoundRules {
        aggregation: Aggregation::Mean,
        passing_total: None,
        // Imported values only: no panelist needed.
        min_panelists: 0,
        criteria: vec![Criterion {
            code: "T".into(),
            kind: CriterionKind::Imported,
            scale_min: 0,
            scale_max: 100,
            weight: 100,
            pass_min: Some(40),
            tiebreak_order: Some(1),
        }],
        seed: "s".into(),
    };
    let app = |no: &str, value: Option<i64>, eligibility| Application {
        registration_no: no.into(),
        eligibility,
        panel_scores: Vec::new(),
        imported: value
            .map(|v| [("T".to_owned(), v)].into())
            .unwrap_or_default(),
    };
    let apps = [
        app("A", Some(70), Eligibility::Eligible),
        app("B", Some(30), Eligibility::Eligible),
        app("C", Some(90), Eligibility::Withdrawn),
        app("D", None, Eligibility::Eligible),
    ];
    let out = rank_formation(&rules, &formation(), &apps).expect("ranked");
    let c: Vec<Candidate> = out
        .iter()
        .map(|o| Candidate::from_outcome(&rules, o))
        .collect();
    let by = |no: &str| c.iter().find(|x| x.registration_no == no).expect("listed");
    assert_eq!(
        (by("A").total.clone(), by("A").gates_met),
        (Some(r(70)), true)
    );
    assert_eq!(
        by("A").tiebreak,
        [Ratio::new(BigInt::from(7), BigInt::from(10))]
    );
    assert_eq!(
        (by("B").total.clone(), by("B").gates_met),
        (Some(r(30)), false)
    );
    assert_eq!((by("C").total.clone(), by("C").gates_met), (None, false));
    assert_eq!((by("D").total.clone(), by("D").gates_met), (None, false));
}

/// The README's candidates as one-stage outcomes of each stage (only what
/// [`rank_staged`] reads: completeness, total, the criterion minimums as
/// `passed`, the tie-break as the interview's one criterion).
fn outcome(no: &str, total: Option<i64>, eligibility: Eligibility) -> Outcome {
    Outcome {
        registration_no: no.into(),
        eligibility,
        complete: total.is_some(),
        incomplete: None,
        criteria: Vec::new(),
        total: total.map(r),
        total_rounded_2dp: None,
        passed: (total.is_some() && eligibility == Eligibility::Eligible).then_some(true),
        rank: None,
        status: None,
        lottery_key: String::new(),
    }
}

fn no_criteria_rules() -> RoundRules {
    RoundRules {
        aggregation: crate::domain::ranking::Aggregation::Mean,
        passing_total: None,
        min_panelists: 0,
        criteria: Vec::new(),
        seed: "contoh".into(),
    }
}

/// The README's written test as published (R-006 incomplete) and its
/// interview as scored now, every applicant in both stages.
fn readme_stages(interview_eligibility: Eligibility, published: bool) -> Vec<StageResults> {
    let (plan, results) = readme_plan(FinalRule::LastStage);
    let rule = plan.stages[0].advance.expect("rule");
    let written: Vec<Outcome> = results[0]
        .iter()
        .map(|c| {
            outcome(
                &c.registration_no,
                c.total
                    .as_ref()
                    .map(|t| t.to_integer().try_into().expect("small")),
                Eligibility::Eligible,
            )
        })
        .collect();
    let shortlist: Vec<Candidate> = super::shortlist(&rule, 1, &results[0])
        .into_iter()
        .map(|d| {
            let total = results[0]
                .iter()
                .find(|c| c.registration_no == d.registration_no)
                .and_then(|c| c.total.clone());
            Candidate::published(&d.registration_no, total, d.position)
        })
        .collect();
    let interview_total = |no: &str| match no {
        "R-001" => Some(70),
        "R-002" | "R-003" => Some(75),
        // R-004 was interviewed by mistake: it did not go on.
        "R-004" => Some(100),
        _ => None,
    };
    let interview: Vec<Outcome> = ["R-001", "R-002", "R-003", "R-004", "R-005", "R-006"]
        .into_iter()
        .map(|no| {
            let eligibility = if no == "R-003" {
                interview_eligibility
            } else {
                Eligibility::Eligible
            };
            outcome(no, interview_total(no), eligibility)
        })
        .collect();
    vec![
        StageResults {
            rules: no_criteria_rules(),
            outcomes: written,
            shortlist: published.then_some(shortlist),
        },
        StageResults {
            rules: no_criteria_rules(),
            outcomes: interview,
            shortlist: None,
        },
    ]
}

/// (registration number, rank, status, passed, stage reached).
type StandingRow<'a> = (
    &'a str,
    Option<u32>,
    Option<&'static str>,
    Option<bool>,
    usize,
);

fn standings_of(out: &[StagedStanding]) -> Vec<StandingRow<'_>> {
    out.iter()
        .map(|s| {
            (
                s.outcome.registration_no.as_str(),
                s.outcome.rank,
                s.outcome.status.map(Status::as_str),
                s.outcome.passed,
                s.reached,
            )
        })
        .collect()
}

#[test]
fn the_stored_standings_follow_the_published_shortlist_and_the_final_rule() {
    let (plan, _) = readme_plan(FinalRule::LastStage);
    let out = rank_staged(
        &plan,
        &formation(),
        &readme_stages(Eligibility::Eligible, true),
    )
    .expect("valid");
    // tie at 75 with no tie-break value here: the lottery
    // orders them; R-004's interview counts for nothing.
    let s = standings_of(&out);
    assert_eq!(
        s[2],
        ("R-001", Some(3), Some("not_selected"), Some(true), 1)
    );
    assert_eq!(
        &s[3..],
        [
            ("R-004", None, Some("not_passed"), Some(false), 0),
            ("R-005", None, Some("not_passed"), Some(false), 0),
            ("R-006", None, Some("not_passed"), Some(false), 0),
        ]
    );
    assert_eq!(out[3].outcome.total, None);
    assert!(!out[5].outcome.complete, "R-006 has no written test value");
}

#[test]
fn nobody_is_ranked_before_the_shortlist_is_published() {
    let (plan, _) = readme_plan(FinalRule::LastStage);
    let out = rank_staged(
        &plan,
        &formation(),
        &readme_stages(Eligibility::Eligible, false),
    )
    .expect("valid");
    assert!(
        standings_of(&out)
            .iter()
            .all(|(_, rank, status, passed, reached)| rank.is_none()
                && status.is_none()
                && passed.is_none()
                && *reached == 0),
        "{out:?}"
    );
}

#[test]
fn a_withdrawal_after_the_shortlist_reopens_no_place() {
    let (plan, _) = readme_plan(FinalRule::LastStage);
    let out = rank_staged(
        &plan,
        &formation(),
        &readme_stages(Eligibility::Withdrawn, true),
    )
    .expect("valid");
    let s = standings_of(&out);
    assert_eq!(s[0], ("R-002", Some(1), Some("selected"), Some(true), 1));
    assert_eq!(s[1], ("R-001", Some(2), Some("reserve"), Some(true), 1));
    let r003 = s.iter().find(|x| x.0 == "R-003").expect("R-003");
    assert_eq!(*r003, ("R-003", None, None, None, 1));
    // R-004 was below the cut when it was published, and stays out.
    let r004 = s.iter().find(|x| x.0 == "R-004").expect("R-004");
    assert_eq!(r004.1, None);
}

/// (registration number, final total, rank, status, stage reached).
type ExampleRow = (
    String,
    Option<String>,
    Option<u32>,
    Option<&'static str>,
    &'static str,
);

/// The README's worked two-stage example from its values: the written test
/// `T` (imported, 0–100) decides who goes on (2 × 1 seat, passing total 50),
/// the interview `I1` (tie-break) and `I2` (panel, 0–100, one panelist)
/// is the last stage; the stage rule over both.
#[test]
fn the_readme_two_stage_example_from_the_values() {
    use crate::domain::ranking::{
        Aggregation, Application, Criterion, CriterionKind, PanelScore, rank_formation,
    };
    let criterion = |code: &str, kind, weight, tiebreak_order| Criterion {
        code: code.into(),
        kind,
        scale_min: 0,
        scale_max: 100,
        weight,
        pass_min: None,
        tiebreak_order,
    };
    let round = RoundRules {
        aggregation: Aggregation::Mean,
        passing_total: None,
        min_panelists: 1,
        criteria: vec![
            criterion("T", CriterionKind::Imported, 100, None),
            criterion("I1", CriterionKind::Panel, 50, Some(1)),
            criterion("I2", CriterionKind::Panel, 50, None),
        ],
        seed: "contoh".into(),
    };
    let written_rules = stage_rules(&round, |c| c == "T");
    let interview_rules = stage_rules(&round, |c| c != "T");
    assert_eq!(
        written_rules.min_panelists, 0,
        "a written test needs no panel"
    );
    let written: Vec<Application> = [
        ("R-001", Some(80)),
        ("R-002", Some(70)),
        ("R-003", Some(70)),
        ("R-004", Some(65)),
        ("R-005", Some(45)),
        ("R-006", None),
    ]
    .into_iter()
    .map(|(no, t)| Application {
        registration_no: no.into(),
        eligibility: Eligibility::Eligible,
        panel_scores: Vec::new(),
        imported: t.map(|t| [("T".to_owned(), t)].into()).unwrap_or_default(),
    })
    .collect();
    let interview: Vec<Application> = [
        ("R-001", Some((70, 70))),
        ("R-002", Some((60, 90))),
        ("R-003", Some((80, 70))),
        ("R-004", None),
        ("R-005", None),
        ("R-006", None),
    ]
    .into_iter()
    .map(|(no, v)| Application {
        registration_no: no.into(),
        eligibility: Eligibility::Eligible,
        panel_scores: vec![PanelScore {
            panelist_id: "p1".into(),
            recused: false,
            submitted: v.map(|(i1, i2)| [("I1".to_owned(), i1), ("I2".to_owned(), i2)].into()),
        }],
        imported: Default::default(),
    })
    .collect();
    let written = rank_formation(&written_rules, &formation(), &written).expect("ranked");
    let interview = rank_formation(&interview_rules, &formation(), &interview).expect("ranked");

    // The shortlist: R-005 is below the passing total, R-006 has no value;
    // the cut (place 2 of 2) is 70, which share.
    let rule = AdvanceRule {
        top_k: Some(2),
        passing_total: Some(50),
    };
    let candidates: Vec<Candidate> = written
        .iter()
        .map(|o| Candidate::from_outcome(&written_rules, o))
        .collect();
    let decisions = shortlist(&rule, 1, &candidates);
    let published: Vec<(&str, bool, Option<u32>)> = decisions
        .iter()
        .map(|d| (d.registration_no.as_str(), d.advances, d.position))
        .collect();
    assert_eq!(
        published,
        [
            ("R-001", true, Some(1)),
            ("R-002", true, Some(2)),
            ("R-003", true, Some(2)),
            ("R-004", false, Some(4)),
            ("R-005", false, None),
            ("R-006", false, None),
        ]
    );
    let total_of = |no: &str| {
        candidates
            .iter()
            .find(|c| c.registration_no == no)
            .and_then(|c| c.total.clone())
    };
    let entries: Vec<Candidate> = decisions
        .iter()
        .map(|d| Candidate::published(&d.registration_no, total_of(&d.registration_no), d.position))
        .collect();

    let plan = |final_rule| StagePlan {
        stages: vec![
            StageSpec {
                code: "TERTULIS".into(),
                advance: Some(rule),
            },
            StageSpec {
                code: "WAWANCARA".into(),
                advance: None,
            },
        ],
        final_rule,
    };
    let stages = vec![
        StageResults {
            rules: written_rules.clone(),
            outcomes: written.clone(),
            shortlist: Some(entries),
        },
        StageResults {
            rules: interview_rules.clone(),
            outcomes: interview.clone(),
            shortlist: None,
        },
    ];
    let table = |out: &[StagedStanding]| -> Vec<ExampleRow> {
        let mut rows: Vec<_> = out
            .iter()
            .map(|s| {
                (
                    s.outcome.registration_no.clone(),
                    s.outcome
                        .total
                        .as_ref()
                        .map(crate::domain::ranking::format_fraction),
                    s.outcome.rank,
                    s.outcome.status.map(Status::as_str),
                    if s.reached == 0 {
                        "TERTULIS"
                    } else {
                        "WAWANCARA"
                    },
                )
            })
            .collect();
        rows.sort();
        rows
    };
    let row = |no: &str, total: Option<&str>, rank, status, stage| {
        (no.to_owned(), total.map(str::to_owned), rank, status, stage)
    };
    let gated = [
        row("R-004", None, None, Some("not_passed"), "TERTULIS"),
        row("R-005", None, None, Some("not_passed"), "TERTULIS"),
        row("R-006", None, None, Some("not_passed"), "TERTULIS"),
    ];

    // The last stage alone: 70, 75, 75; the interview's tie-break n_I1 puts
    // R-003 (4/5) before R-002 (3/5).
    let out = rank_staged(&plan(FinalRule::LastStage), &formation(), &stages).expect("valid");
    let mut want = vec![
        row(
            "R-001",
            Some("70/1"),
            Some(3),
            Some("not_selected"),
            "WAWANCARA",
        ),
        row("R-002", Some("75/1"), Some(2), Some("reserve"), "WAWANCARA"),
        row(
            "R-003",
            Some("75/1"),
            Some(1),
            Some("selected"),
            "WAWANCARA",
        ),
    ];
    want.extend(gated.clone());
    assert_eq!(table(&out), want);
    let r006 = out
        .iter()
        .find(|s| s.outcome.registration_no == "R-006")
        .expect("R-006");
    assert_eq!(
        (r006.outcome.complete, r006.outcome.passed),
        (false, Some(false))
    );

    // Weighted 40/60: 74, 73, 73, the same tie-break between.
    let out = rank_staged(
        &plan(FinalRule::Weighted(vec![40, 60])),
        &formation(),
        &stages,
    )
    .expect("valid");
    let mut want = vec![
        row(
            "R-001",
            Some("74/1"),
            Some(1),
            Some("selected"),
            "WAWANCARA",
        ),
        row(
            "R-002",
            Some("73/1"),
            Some(3),
            Some("not_selected"),
            "WAWANCARA",
        ),
        row("R-003", Some("73/1"), Some(2), Some("reserve"), "WAWANCARA"),
    ];
    want.extend(gated);
    assert_eq!(table(&out), want);
}
