//! Unit tests of the published ranking rule.

use super::*;

/// The stored form of ranked outcomes, as a re-rank reads them back.
pub(super) fn standings_of<'a>(
    ranked: &[&'a Outcome],
    tiebreaks: &'a [Vec<Ratio>],
) -> Vec<Standing<'a>> {
    ranked
        .iter()
        .zip(tiebreaks)
        .map(|(o, t)| Standing {
            registration_no: &o.registration_no,
            total: o.total.as_ref().unwrap(),
            tiebreak: t,
            lottery_key: &o.lottery_key,
        })
        .collect()
}

// sha256_hex("seed-abc:" + registration_no), computed independently with
// python3 -c 'import hashlib;print(hashlib.sha256(b"seed-abc:2023-0001").hexdigest())'
const KEY_0001: &str = "a2f281a54f0c53c9b8e13438ea92cfb25dc04200bd1ed5683949a4324c5b02ad";
const KEY_0002: &str = "ca3aec1e4c221faa125118e038aceab475104dd6011db93af1576fc9c58cb807";
const KEY_0003: &str = "7c452eb4283ec70fc64e7c403602a93b5cd0d6c583a73522c0662b108af7f90b";
const KEY_0004: &str = "35a8084fb6fd00eead1a5e7717887958e03dd54dd4987526ef152ce74aafb67e";

pub(super) fn criterion(
    code: &str,
    kind: CriterionKind,
    min: i64,
    max: i64,
    weight: u32,
    tiebreak: Option<u32>,
) -> Criterion {
    Criterion {
        code: code.to_owned(),
        kind,
        scale_min: min,
        scale_max: max,
        weight,
        pass_min: None,
        tiebreak_order: tiebreak,
    }
}

/// A (panel 0–100, w 40, tie-break 1), B (panel 1–5, w 30, tie-break 2),
/// W (imported 0–100, w 30); 3 panelists needed.
fn rules() -> RoundRules {
    RoundRules {
        aggregation: Aggregation::Mean,
        passing_total: None,
        min_panelists: 3,
        criteria: vec![
            criterion("A", CriterionKind::Panel, 0, 100, 40, Some(1)),
            criterion("B", CriterionKind::Panel, 1, 5, 30, Some(2)),
            criterion("W", CriterionKind::Imported, 0, 100, 30, None),
        ],
        seed: "seed-abc".to_owned(),
    }
}

fn formation(seats: u32, reserve: u32) -> Formation {
    Formation {
        code: "F1".to_owned(),
        seats,
        reserve,
    }
}

fn card(a: i64, b: i64) -> Option<BTreeMap<String, i64>> {
    Some(BTreeMap::from([("A".to_owned(), a), ("B".to_owned(), b)]))
}

/// An eligible application scored (A, B) by panelists p1, p2, … and W imported.
fn app(reg: &str, scores: &[(i64, i64)], w: i64) -> Application {
    Application {
        registration_no: reg.to_owned(),
        eligibility: Eligibility::Eligible,
        panel_scores: scores
            .iter()
            .enumerate()
            .map(|(i, &(a, b))| PanelScore {
                panelist_id: format!("p{}", i + 1),
                recused: false,
                submitted: card(a, b),
            })
            .collect(),
        imported: BTreeMap::from([("W".to_owned(), w)]),
    }
}

fn rank(rules: &RoundRules, apps: &[Application]) -> Vec<Outcome> {
    rank_formation(rules, &formation(2, 1), apps).unwrap()
}

fn order(outcomes: &[Outcome]) -> Vec<&str> {
    outcomes
        .iter()
        .map(|o| o.registration_no.as_str())
        .collect()
}

fn ratio(n: i64, d: i64) -> Ratio {
    Ratio::new(BigInt::from(n), BigInt::from(d))
}

#[test]
fn total_is_exact_weighted_sum_of_normalized_means() {
    // A mean 250/3 → n 5/6; B mean 4 → n 3/4; W 50 → n 1/2.
    // total = 40·5/6 + 30·3/4 + 30·1/2 = 100/3 + 45/2 + 15 = 425/6.
    let out = rank(
        &rules(),
        &[app("2023-0001", &[(80, 4), (85, 4), (85, 4)], 50)],
    );
    let o = &out[0];
    assert!(o.complete);
    assert_eq!(o.criteria[0].mean(), ratio(250, 3));
    assert_eq!(o.criteria[0].normalized(), ratio(5, 6));
    assert_eq!(o.criteria[1].normalized(), ratio(3, 4));
    assert_eq!(o.criteria[2].code(), "W");
    assert_eq!(o.total, Some(ratio(425, 6)));
    assert_eq!(format_fraction(o.total.as_ref().unwrap()), "425/6");
    assert_eq!(o.total_rounded_2dp.as_deref(), Some("70.83"));
    assert_eq!(
        (o.passed, o.rank, o.status),
        (Some(true), Some(1), Some(Status::Selected))
    );
    assert_eq!(o.lottery_key, KEY_0001);
}

#[test]
fn higher_total_ranks_first() {
    let out = rank(
        &rules(),
        &[
            app("2023-0004", &[(50, 3); 3], 50),
            app("2023-0002", &[(51, 3); 3], 50),
        ],
    );
    assert_eq!(order(&out), ["2023-0002", "2023-0004"]);
    assert_eq!(out[0].rank, Some(1));
    assert_eq!(out[1].rank, Some(2));
}

#[test]
fn first_tiebreak_criterion_decides_an_exact_total_tie() {
    // X: 40·1 + 30·0 + 0 = 40; Y: 40·1/4 + 30·1 + 0 = 40. X has the higher n_A.
    // Lottery alone would put 2023-0004 first.
    let out = rank(
        &rules(),
        &[
            app("2023-0004", &[(25, 5); 3], 0),
            app("2023-0002", &[(100, 1); 3], 0),
        ],
    );
    assert_eq!(out[0].total, out[1].total);
    assert_eq!(order(&out), ["2023-0002", "2023-0004"]);
}

#[test]
fn second_tiebreak_criterion_decides_when_the_first_ties() {
    // X: 20 + 30 + 0 = 50; Y: 20 + 0 + 30 = 50; same n_A, X has the higher n_B.
    let out = rank(
        &rules(),
        &[
            app("2023-0004", &[(50, 1); 3], 100),
            app("2023-0002", &[(50, 5); 3], 0),
        ],
    );
    assert_eq!(out[0].total, out[1].total);
    assert_eq!(
        out[0].criteria[0].normalized(),
        out[1].criteria[0].normalized()
    );
    assert_eq!(order(&out), ["2023-0002", "2023-0004"]);
}

#[test]
fn lottery_key_decides_when_everything_ties() {
    let apps: Vec<_> = ["2023-0001", "2023-0002", "2023-0003", "2023-0004"]
        .into_iter()
        .map(|r| app(r, &[(70, 3); 3], 70))
        .collect();
    let out = rank(&rules(), &apps);
    // Ascending keys: 35a8… (0004) < 7c45… (0003) < a2f2… (0001) < ca3a… (0002).
    assert_eq!(
        order(&out),
        ["2023-0004", "2023-0003", "2023-0001", "2023-0002"]
    );
    let keys: Vec<&str> = out.iter().map(|o| o.lottery_key.as_str()).collect();
    assert_eq!(keys, [KEY_0004, KEY_0003, KEY_0001, KEY_0002]);
    let statuses: Vec<_> = out.iter().map(|o| o.status).collect();
    assert_eq!(
        statuses,
        [
            Some(Status::Selected),
            Some(Status::Selected),
            Some(Status::Reserve),
            Some(Status::NotSelected)
        ]
    );
}

#[test]
fn mean_and_trimmed_mean_with_four_and_five_panelists() {
    let four = app("2023-0001", &[(0, 3), (10, 3), (20, 3), (100, 3)], 0);
    let five = app(
        "2023-0002",
        &[(0, 3), (10, 3), (20, 3), (30, 3), (100, 3)],
        0,
    );
    let mean = rank(&rules(), &[four.clone(), five.clone()]);
    let trimmed = rank(
        &RoundRules {
            aggregation: Aggregation::TrimmedMean,
            ..rules()
        },
        &[four, five],
    );
    let a_mean = |out: &[Outcome], reg: &str| {
        out.iter()
            .find(|o| o.registration_no == reg)
            .unwrap()
            .criteria[0]
            .mean()
    };
    assert_eq!(a_mean(&mean, "2023-0001"), ratio(130, 4));
    assert_eq!(
        a_mean(&trimmed, "2023-0001"),
        ratio(130, 4),
        "4 values are never trimmed"
    );
    assert_eq!(a_mean(&mean, "2023-0002"), ratio(32, 1));
    assert_eq!(
        a_mean(&trimmed, "2023-0002"),
        ratio(20, 1),
        "drops 0 and 100"
    );
    let count = trimmed
        .iter()
        .find(|o| o.registration_no == "2023-0002")
        .unwrap()
        .criteria[0]
        .count();
    assert_eq!(count, 3);
}

#[test]
fn recused_panelist_is_excluded() {
    let mut a = app("2023-0001", &[(60, 3), (60, 3), (60, 3), (0, 1)], 50);
    a.panel_scores[3].recused = true;
    let out = rank(&rules(), &[a]);
    assert_eq!(out[0].criteria[0].mean(), ratio(60, 1));
    assert_eq!(out[0].criteria[0].count(), 3);
}

#[test]
fn recusal_can_make_an_application_incomplete() {
    let mut a = app("2023-0001", &[(60, 3), (60, 3), (60, 3)], 50);
    a.panel_scores[0].recused = true;
    let out = rank(&rules(), &[a]);
    let o = &out[0];
    assert!(!o.complete);
    assert_eq!(
        o.incomplete,
        Some(Incomplete {
            panelists_submitted: 2,
            panelists_required: 3,
            missing_imported: vec![]
        })
    );
    assert_eq!(
        (o.total.as_ref(), o.passed, o.rank, o.status),
        (None, None, None, None)
    );
    assert!(o.criteria.is_empty());
}

#[test]
fn drafts_and_missing_imports_leave_an_application_incomplete() {
    let mut a = app("2023-0001", &[(60, 3), (60, 3), (60, 3)], 50);
    a.panel_scores[2].submitted = None;
    a.imported.clear();
    let out = rank(&rules(), &[a]);
    assert_eq!(
        out[0].incomplete,
        Some(Incomplete {
            panelists_submitted: 2,
            panelists_required: 3,
            missing_imported: vec!["W".to_owned()]
        })
    );
}

#[test]
fn pass_min_boundary_is_inclusive() {
    let mut r = rules();
    r.criteria[0].pass_min = Some(50);
    let out = rank(
        &r,
        &[
            app("2023-0001", &[(50, 3); 3], 0),
            app("2023-0002", &[(49, 5), (50, 5), (50, 5)], 100),
        ],
    );
    let by = |reg: &str| out.iter().find(|o| o.registration_no == reg).unwrap();
    assert_eq!(
        (by("2023-0001").passed, by("2023-0001").rank),
        (Some(true), Some(1))
    );
    let failed = by("2023-0002");
    assert_eq!(
        (failed.passed, failed.rank, failed.status),
        (Some(false), None, Some(Status::NotPassed))
    );
    // Failing a gate does not hide the total.
    assert!(failed.total.is_some());
}

#[test]
fn passing_total_boundary_is_inclusive() {
    let r = RoundRules {
        passing_total: Some(50),
        ..rules()
    };
    // Exactly 50 (20 + 30 + 0) and 50 − 40/300 (A mean 149/3).
    let out = rank(
        &r,
        &[
            app("2023-0001", &[(50, 5); 3], 0),
            app("2023-0002", &[(49, 5), (50, 5), (50, 5)], 0),
        ],
    );
    assert_eq!(out[0].registration_no, "2023-0001");
    assert_eq!(out[0].total, Some(ratio(50, 1)));
    assert_eq!(out[0].passed, Some(true));
    assert_eq!(out[1].passed, Some(false));
    assert_eq!(out[1].status, Some(Status::NotPassed));
}

#[test]
fn seats_reserve_and_unranked_statuses() {
    let mut apps: Vec<Application> = (1..=6)
        .map(|i| app(&format!("2023-00{i:02}"), &[(50 + i, 3); 3], 50))
        .collect();
    let mut ineligible = app("2023-0099", &[(100, 5); 3], 100);
    ineligible.eligibility = Eligibility::Ineligible;
    let mut incomplete = app("2023-0098", &[(100, 5); 2], 100);
    incomplete.eligibility = Eligibility::Eligible;
    let mut r = rules();
    r.criteria[1].pass_min = Some(3);
    apps.push(app("2023-0097", &[(100, 2); 3], 100));
    apps.push(ineligible);
    apps.push(incomplete);
    let out = rank_formation(&r, &formation(2, 2), &apps).unwrap();
    let got: Vec<_> = out
        .iter()
        .map(|o| (o.registration_no.as_str(), o.rank, o.status))
        .collect();
    assert_eq!(
        got,
        [
            ("2023-0006", Some(1), Some(Status::Selected)),
            ("2023-0005", Some(2), Some(Status::Selected)),
            ("2023-0004", Some(3), Some(Status::Reserve)),
            ("2023-0003", Some(4), Some(Status::Reserve)),
            ("2023-0002", Some(5), Some(Status::NotSelected)),
            ("2023-0001", Some(6), Some(Status::NotSelected)),
            ("2023-0097", None, Some(Status::NotPassed)),
            ("2023-0098", None, None),
            ("2023-0099", None, None),
        ]
    );
    let ineligible = &out[8];
    assert!(ineligible.complete);
    assert_eq!(ineligible.passed, None);
    assert_eq!(ineligible.total, Some(ratio(100, 1)));
}

#[test]
fn rules_are_validated() {
    let check = |f: &dyn Fn(&mut RoundRules)| {
        let mut r = rules();
        f(&mut r);
        r.validate()
    };
    assert_eq!(check(&|_| {}), Ok(()));
    assert_eq!(check(&|r| r.criteria.clear()), Err(RulesError::NoCriteria));
    assert_eq!(
        check(&|r| r.criteria[0].code = " ".into()),
        Err(RulesError::EmptyCode)
    );
    assert_eq!(
        check(&|r| r.criteria[1].code = "A".into()),
        Err(RulesError::DuplicateCode("A".into()))
    );
    assert_eq!(
        check(&|r| r.criteria[0].weight = 41),
        Err(RulesError::WeightSum(101))
    );
    assert_eq!(
        check(&|r| r.criteria[1].scale_max = 1),
        Err(RulesError::ScaleNotIncreasing {
            code: "B".into(),
            min: 1,
            max: 1
        })
    );
    assert_eq!(
        check(&|r| r.criteria[1].pass_min = Some(6)),
        Err(RulesError::PassMinOutsideScale {
            code: "B".into(),
            pass_min: 6,
            min: 1,
            max: 5
        })
    );
    assert_eq!(check(&|r| r.criteria[1].pass_min = Some(5)), Ok(()));
    assert_eq!(
        check(&|r| r.passing_total = Some(101)),
        Err(RulesError::PassingTotalAbove100(101))
    );
    assert_eq!(check(&|r| r.passing_total = Some(100)), Ok(()));
    assert_eq!(
        check(&|r| r.criteria[1].tiebreak_order = Some(3)),
        Err(RulesError::TiebreakOrder(vec![1, 3]))
    );
    assert_eq!(
        check(&|r| r.criteria[1].tiebreak_order = Some(1)),
        Err(RulesError::TiebreakOrder(vec![1, 1]))
    );
    assert_eq!(
        check(&|r| r.criteria[0].tiebreak_order = Some(0)),
        Err(RulesError::TiebreakOrder(vec![0, 2]))
    );
    assert_eq!(
        check(&|r| r.min_panelists = 0),
        Err(RulesError::MinPanelistsZero)
    );
    let invalid = RoundRules {
        passing_total: Some(101),
        ..rules()
    };
    assert_eq!(
        rank_formation(&invalid, &formation(1, 0), &[]),
        Err(RankingError::Rules(RulesError::PassingTotalAbove100(101)))
    );
}

#[test]
fn bad_inputs_are_named() {
    let r = rules();
    let f = formation(1, 0);
    let ok = app("2023-0001", &[(50, 3); 3], 50);
    assert!(matches!(
        rank_formation(&r, &f, &[ok.clone(), ok.clone()]),
        Err(RankingError::DuplicateRegistrationNo { .. })
    ));
    let mut dup = ok.clone();
    dup.panel_scores[1].panelist_id = "p1".into();
    assert!(matches!(
        rank_formation(&r, &f, &[dup]),
        Err(RankingError::DuplicatePanelist { .. })
    ));
    let mut missing = ok.clone();
    missing.panel_scores[0].submitted = Some(BTreeMap::from([("A".to_owned(), 50)]));
    assert_eq!(
        rank_formation(&r, &f, &[missing]),
        Err(RankingError::MissingScore {
            registration_no: "2023-0001".into(),
            panelist_id: "p1".into(),
            code: "B".into()
        })
    );
    let mut extra = ok.clone();
    extra.panel_scores[0]
        .submitted
        .as_mut()
        .unwrap()
        .insert("W".into(), 50);
    assert_eq!(
        rank_formation(&r, &f, &[extra]),
        Err(RankingError::UnknownCriterion {
            registration_no: "2023-0001".into(),
            source_id: "p1".into(),
            code: "W".into()
        })
    );
    let mut imported_panel = ok.clone();
    imported_panel.imported.insert("A".into(), 50);
    assert!(matches!(
        rank_formation(&r, &f, &[imported_panel]),
        Err(RankingError::UnknownCriterion { .. })
    ));
    let mut high = ok.clone();
    high.panel_scores[2]
        .submitted
        .as_mut()
        .unwrap()
        .insert("B".into(), 6);
    assert_eq!(
        rank_formation(&r, &f, &[high]),
        Err(RankingError::ValueOutsideScale {
            registration_no: "2023-0001".into(),
            source_id: "p3".into(),
            code: "B".into(),
            value: 6
        })
    );
    let mut low_import = ok;
    low_import.imported.insert("W".into(), -1);
    assert!(matches!(
        rank_formation(&r, &f, &[low_import]),
        Err(RankingError::ValueOutsideScale { .. })
    ));
}

#[test]
fn fractions_have_one_spelling() {
    assert_eq!(format_fraction(&ratio(500, 6)), "250/3");
    assert_eq!(format_fraction(&ratio(100, 1)), "100/1");
    assert_eq!(format_fraction(&ratio(0, 7)), "0/1");
    assert_eq!(format_fraction(&ratio(1, -2)), "-1/2");
    for s in ["250/3", "100/1", "0/1", "-1/2"] {
        assert_eq!(format_fraction(&parse_fraction(s).unwrap()), s);
    }
    assert_eq!(parse_fraction("2/4"), Err(FractionError::NotReduced));
    assert_eq!(parse_fraction("0/5"), Err(FractionError::NotReduced));
    assert_eq!(parse_fraction("-0/1"), Err(FractionError::NotReduced));
    assert_eq!(parse_fraction("1/0"), Err(FractionError::ZeroDenominator));
    for bad in [
        "", "1", "1/", "/2", "+1/2", "1/-2", " 1/2", "1/2 ", "01/2", "1/02", "1.5/2", "a/b",
        "1/2/3", "--1/2",
    ] {
        assert_eq!(
            parse_fraction(bad),
            Err(FractionError::Syntax),
            "input {bad:?}"
        );
    }
    let huge = "123456789012345678901234567890123456789012345/7";
    assert_eq!(format_fraction(&parse_fraction(huge).unwrap()), huge);
}

#[test]
fn rounding_is_half_up_to_two_decimals() {
    assert_eq!(format_rounded_2dp(&ratio(250, 3)), "83.33");
    assert_eq!(format_rounded_2dp(&ratio(2, 3)), "0.67");
    assert_eq!(format_rounded_2dp(&ratio(1, 8)), "0.13");
    assert_eq!(format_rounded_2dp(&ratio(1, 200)), "0.01");
    assert_eq!(format_rounded_2dp(&ratio(1, 201)), "0.00");
    assert_eq!(format_rounded_2dp(&ratio(0, 1)), "0.00");
    assert_eq!(format_rounded_2dp(&ratio(100, 1)), "100.00");
    assert_eq!(format_rounded_2dp(&ratio(19999, 200)), "100.00");
    assert_eq!(format_rounded_2dp(&ratio(-1, 8)), "-0.12");
}

/// 20 criteria whose scale widths are distinct primes near 1000, 50
/// panelists: the total's denominator is far beyond i128.
#[test]
fn adversarial_scales_fall_back_to_big_integers() {
    const PRIMES: [i64; 20] = [
        997, 991, 983, 977, 971, 967, 953, 947, 941, 937, 929, 919, 911, 907, 887, 883, 881, 877,
        863, 859,
    ];
    let criteria: Vec<Criterion> = PRIMES
        .iter()
        .enumerate()
        .map(|(i, &p)| criterion(&format!("C{i:02}"), CriterionKind::Panel, 0, p, 5, None))
        .collect();
    let r = RoundRules {
        aggregation: Aggregation::Mean,
        passing_total: Some(1),
        min_panelists: 3,
        criteria,
        seed: "s".into(),
    };
    let scores = |offset: i64| -> Vec<PanelScore> {
        (0..50)
            .map(|j| PanelScore {
                panelist_id: format!("p{j}"),
                recused: false,
                submitted: Some(
                    PRIMES
                        .iter()
                        .enumerate()
                        .map(|(i, &p)| (format!("C{i:02}"), (j * 7 + i as i64 + offset) % p))
                        .collect(),
                ),
            })
            .collect()
    };
    let apps = vec![
        Application {
            registration_no: "X".into(),
            eligibility: Eligibility::Eligible,
            panel_scores: scores(0),
            imported: BTreeMap::new(),
        },
        Application {
            registration_no: "Y".into(),
            eligibility: Eligibility::Eligible,
            panel_scores: scores(1),
            imported: BTreeMap::new(),
        },
    ];
    let out = rank_formation(&r, &formation(1, 0), &apps).unwrap();
    for o in &out {
        let expected: Ratio = o
            .criteria
            .iter()
            .map(|c| c.normalized() * BigInt::from(5))
            .sum();
        assert_eq!(o.total.as_ref(), Some(&expected));
        assert!(
            expected.denom().bits() > 127,
            "this case must exercise the big path"
        );
    }
    assert_eq!(order(&out), ["Y", "X"]);
}
