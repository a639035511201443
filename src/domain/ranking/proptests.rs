//! Property tests: the fast and big paths agree, stored standings order
//! like a full ranking, and ranking is independent of input order.

use super::tests::{criterion, standings_of};
use super::*;
use proptest::prelude::*;

// ---- property tests ----

/// Raw, rule-independent material for one application; values are mapped
/// into each criterion's scale when the applications are built.
#[derive(Debug, Clone)]
struct RawApp {
    eligibility: u8,
    panelists: Vec<(bool, bool, [u16; 4])>,
    imported: [Option<u16>; 4],
}

fn arb_rules() -> impl Strategy<Value = RoundRules> {
    (1usize..=4).prop_flat_map(|n| {
        (
            proptest::collection::vec(
                (
                    -3i64..=2,
                    1i64..=7,
                    prop::bool::weighted(0.3),
                    prop::option::weighted(0.3, 0u16..100),
                ),
                n,
            ),
            proptest::collection::vec(0u32..=100, n - 1),
            prop_oneof![Just(Aggregation::Mean), Just(Aggregation::TrimmedMean)],
            prop::option::weighted(0.5, 0u32..=80),
            1u32..=3,
            Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
            0..=n,
        )
            .prop_map(
                |(shapes, mut cuts, aggregation, passing_total, min_panelists, perm, k)| {
                    cuts.push(0);
                    cuts.push(100);
                    cuts.sort_unstable();
                    let mut criteria: Vec<Criterion> = shapes
                        .iter()
                        .enumerate()
                        .map(|(i, &(min, width, imported, pass))| Criterion {
                            code: format!("C{i}"),
                            kind: if imported {
                                CriterionKind::Imported
                            } else {
                                CriterionKind::Panel
                            },
                            scale_min: min,
                            scale_max: min + width,
                            weight: cuts[i + 1] - cuts[i],
                            pass_min: pass.map(|p| min + i64::from(p) % (width + 1)),
                            tiebreak_order: None,
                        })
                        .collect();
                    for (order, &i) in perm.iter().take(k).enumerate() {
                        criteria[i].tiebreak_order = Some(order as u32 + 1);
                    }
                    RoundRules {
                        aggregation,
                        passing_total,
                        min_panelists,
                        criteria,
                        seed: "prop-seed".into(),
                    }
                },
            )
    })
}

fn arb_raw_app() -> impl Strategy<Value = RawApp> {
    (
        prop_oneof![8 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)],
        proptest::collection::vec(
            (
                prop::bool::weighted(0.1),
                prop::bool::weighted(0.9),
                any::<[u16; 4]>(),
            ),
            0..=6,
        ),
        any::<[Option<u16>; 4]>().prop_map(|mut a| {
            // Mostly present: a missing import makes the application incomplete.
            for (i, v) in a.iter_mut().enumerate() {
                if v.is_none() && i % 2 == 0 {
                    *v = Some(7);
                }
            }
            a
        }),
    )
        .prop_map(|(eligibility, panelists, imported)| RawApp {
            eligibility,
            panelists,
            imported,
        })
}

fn in_scale(c: &Criterion, raw: u16) -> i64 {
    c.scale_min + i64::from(raw) % (c.scale_max - c.scale_min + 1)
}

fn build(rules: &RoundRules, raws: &[RawApp]) -> Vec<Application> {
    raws.iter()
        .enumerate()
        .map(|(n, raw)| Application {
            registration_no: format!("R{n:03}"),
            eligibility: [
                Eligibility::Eligible,
                Eligibility::Ineligible,
                Eligibility::Withdrawn,
                Eligibility::Pending,
            ][usize::from(raw.eligibility)],
            panel_scores: raw
                .panelists
                .iter()
                .enumerate()
                .map(|(p, &(recused, submitted, values))| PanelScore {
                    panelist_id: format!("P{p}"),
                    recused,
                    submitted: submitted.then(|| {
                        rules
                            .criteria
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| c.kind == CriterionKind::Panel)
                            .map(|(i, c)| (c.code.clone(), in_scale(c, values[i])))
                            .collect()
                    }),
                })
                .collect(),
            imported: rules
                .criteria
                .iter()
                .enumerate()
                .filter(|(_, c)| c.kind == CriterionKind::Imported)
                .filter_map(|(i, c)| raw.imported[i].map(|v| (c.code.clone(), in_scale(c, v))))
                .collect(),
        })
        .collect()
}

fn arb_case() -> impl Strategy<Value = (RoundRules, Vec<Application>, Formation)> {
    (
        arb_rules(),
        proptest::collection::vec(arb_raw_app(), 0..30),
        0u32..6,
        0u32..6,
    )
        .prop_map(|(rules, raws, seats, reserve)| {
            let apps = build(&rules, &raws);
            (
                rules,
                apps,
                Formation {
                    code: "F".into(),
                    seats,
                    reserve,
                },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ranks_are_one_to_n_and_only_for_passing_eligible((rules, apps, f) in arb_case()) {
        let out = rank_formation(&rules, &f, &apps).unwrap();
        prop_assert_eq!(out.len(), apps.len());
        let ranks: Vec<u32> = out.iter().filter_map(|o| o.rank).collect();
        let expected: Vec<u32> = (1..=ranks.len() as u32).collect();
        prop_assert_eq!(&ranks, &expected);
        // Ranked ones come first, in rank order.
        prop_assert!(out.iter().take(ranks.len()).all(|o| o.rank.is_some()));
        for o in &out {
            let rankable = o.complete && o.eligibility == Eligibility::Eligible && o.passed == Some(true);
            prop_assert_eq!(o.rank.is_some(), rankable);
            prop_assert_eq!(o.status.is_some(), o.complete && o.eligibility == Eligibility::Eligible);
            prop_assert_eq!(o.total.is_some(), o.complete);
            prop_assert_eq!(o.incomplete.is_none(), o.complete);
        }
        let unranked: Vec<&str> = out.iter().skip(ranks.len()).map(|o| o.registration_no.as_str()).collect();
        let mut sorted = unranked.clone();
        sorted.sort_unstable();
        prop_assert_eq!(unranked, sorted);
    }

    #[test]
    fn stored_standings_order_like_rank_formation(
        (rules, apps, f) in arb_case(),
        rotate in 0usize..64,
    ) {
        let out = rank_formation(&rules, &f, &apps).unwrap();
        let ranked: Vec<&Outcome> = out.iter().filter(|o| o.rank.is_some()).collect();
        let tiebreaks: Vec<Vec<Ratio>> = ranked.iter().map(|o| tiebreak_values(&rules, o)).collect();
        let mut standings = standings_of(&ranked, &tiebreaks);
        // Stored rows come back in any order.
        if !standings.is_empty() {
            let n = standings.len();
            standings.rotate_left(rotate % n);
        }
        let again: Vec<(&str, u32, Status)> = order_standings(&f, &standings)
            .into_iter()
            .map(|(i, rank, status)| (standings[i].registration_no, rank, status))
            .collect();
        let expected: Vec<(&str, u32, Status)> = ranked
            .iter()
            .map(|o| (o.registration_no.as_str(), o.rank.unwrap(), o.status.unwrap()))
            .collect();
        prop_assert_eq!(again, expected);
    }

    #[test]
    fn one_standing_placed_among_the_others_gets_its_rank_formation_rank(
        (rules, apps, f) in arb_case(),
        pick in 0usize..64,
    ) {
        let out = rank_formation(&rules, &f, &apps).unwrap();
        let ranked: Vec<&Outcome> = out.iter().filter(|o| o.rank.is_some()).collect();
        prop_assume!(!ranked.is_empty());
        let tiebreaks: Vec<Vec<Ratio>> = ranked.iter().map(|o| tiebreak_values(&rules, o)).collect();
        let standings = standings_of(&ranked, &tiebreaks);
        // Take one out; the others stay in rank order, as stored ranks
        // are. The number of them that rank before it is its rank - 1.
        let i = pick % standings.len();
        let others: Vec<&Standing<'_>> = standings.iter().enumerate().filter(|(k, _)| *k != i).map(|(_, s)| s).collect();
        prop_assert!(others.windows(2).all(|w| cmp_standings(w[0], w[1]) == Ordering::Less));
        let before = others.partition_point(|s| cmp_standings(s, &standings[i]) == Ordering::Less);
        prop_assert_eq!(before as u32 + 1, ranked[i].rank.unwrap());
    }

    #[test]
    fn seats_and_reserve_are_respected((rules, apps, f) in arb_case()) {
        let out = rank_formation(&rules, &f, &apps).unwrap();
        let n = out.iter().filter(|o| o.rank.is_some()).count();
        let count = |s| out.iter().filter(|o| o.status == Some(s)).count();
        let seats = (f.seats as usize).min(n);
        let reserve = (f.reserve as usize).min(n - seats);
        prop_assert_eq!(count(Status::Selected), seats);
        prop_assert_eq!(count(Status::Reserve), reserve);
        prop_assert_eq!(count(Status::NotSelected), n - seats - reserve);
        for o in &out {
            if let Some(rank) = o.rank {
                let expected = if (rank as usize) <= seats { Status::Selected }
                    else if (rank as usize) <= seats + reserve { Status::Reserve }
                    else { Status::NotSelected };
                prop_assert_eq!(o.status, Some(expected));
            }
        }
    }

    #[test]
    fn result_does_not_depend_on_input_order(
        (rules, apps, f, perm) in arb_case().prop_flat_map(|(r, a, f)| {
            let idx: Vec<usize> = (0..a.len()).collect();
            (Just(r), Just(a), Just(f), Just(idx).prop_shuffle())
        })
    ) {
        let shuffled: Vec<Application> = perm.iter().map(|&i| apps[i].clone()).collect();
        let a = rank_formation(&rules, &f, &apps).unwrap();
        let b = rank_formation(&rules, &f, &shuffled).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn same_input_gives_identical_output((rules, apps, f) in arb_case()) {
        let a = rank_formation(&rules, &f, &apps).unwrap();
        let b = rank_formation(&rules, &f, &apps).unwrap();
        prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }

    #[test]
    fn totals_are_within_0_and_100_and_round_trip_as_fractions((rules, apps, f) in arb_case()) {
        let out = rank_formation(&rules, &f, &apps).unwrap();
        for o in out.iter().filter(|o| o.complete) {
            let total = o.total.as_ref().unwrap();
            prop_assert!(*total >= Ratio::zero() && *total <= Ratio::from_integer(BigInt::from(100)));
            prop_assert_eq!(&parse_fraction(&format_fraction(total)).unwrap(), total);
            let expected: Ratio = o.criteria.iter().zip(&rules.criteria)
                .map(|(s, c)| s.normalized() * BigInt::from(c.weight)).sum();
            prop_assert_eq!(total, &expected);
        }
    }

    #[test]
    fn raising_one_score_never_lowers_the_rank(
        (rules, apps, f) in arb_case(),
        target in any::<(usize, usize, usize)>(),
        bump in 1i64..=7,
    ) {
        prop_assume!(!apps.is_empty());
        let before = rank_formation(&rules, &f, &apps).unwrap();
        let (ai, pi, ci) = (target.0 % apps.len(), target.1, target.2 % rules.criteria.len());
        let reg = apps[ai].registration_no.clone();
        let rank_of = |out: &[Outcome]| out.iter().find(|o| o.registration_no == reg).and_then(|o| o.rank);
        let Some(rank_before) = rank_of(&before) else { return Ok(()) };
        let c = &rules.criteria[ci];
        let mut raised = apps.clone();
        let slot = match c.kind {
            CriterionKind::Imported => raised[ai].imported.get_mut(&c.code),
            CriterionKind::Panel => {
                let cards = &mut raised[ai].panel_scores;
                if cards.is_empty() { return Ok(()) }
                let n = cards.len();
                let card = &mut cards[pi % n];
                if card.recused { return Ok(()) }
                card.submitted.as_mut().and_then(|m| m.get_mut(&c.code))
            }
        };
        let Some(value) = slot else { return Ok(()) };
        *value = (*value + bump).min(c.scale_max);
        let after = rank_formation(&rules, &f, &raised).unwrap();
        let rank_after = rank_of(&after);
        prop_assert!(rank_after.is_some(), "still passing, so still ranked");
        prop_assert!(rank_after <= Some(rank_before), "{rank_after:?} > {rank_before}");
    }

    #[test]
    fn fast_and_big_totals_agree(
        terms in proptest::collection::vec((-1000i64..=1000, 1i64..=1000, 0u32..=100, 1i128..=50, any::<u32>()), 1..=20)
    ) {
        let criteria: Vec<Criterion> = terms.iter().enumerate()
            .map(|(i, &(min, width, w, _, _))| criterion(&format!("C{i}"), CriterionKind::Panel, min, min + width, w, None))
            .collect();
        let parts: Vec<(i128, i128)> = terms.iter()
            .map(|&(min, width, _, count, raw)| {
                // A sum of `count` values within the scale.
                let sum = count * i128::from(min) + i128::from(raw) % (count * i128::from(width) + 1);
                (sum, count)
            })
            .collect();
        let rules = RoundRules { aggregation: Aggregation::Mean, passing_total: None, min_panelists: 1, criteria, seed: String::new() };
        let big = total_big(&rules, &parts);
        let small = FastTotal::new(&rules).and_then(|f| f.total(&rules, &parts));
        if let Some((n, d)) = small {
            prop_assert_eq!(gcd(n, d), 1);
            prop_assert_eq!(Ratio::new_raw(BigInt::from(n), BigInt::from(d)), big);
        }
    }

    #[test]
    fn cross_multiplication_matches_big_rationals(
        a in (any::<i128>(), 1i128..=i128::MAX), b in (any::<i128>(), 1i128..=i128::MAX)
    ) {
        let ra = Ratio::new(BigInt::from(a.0), BigInt::from(a.1));
        let rb = Ratio::new(BigInt::from(b.0), BigInt::from(b.1));
        prop_assert_eq!(cmp_quotient(a, b), ra.cmp(&rb));
    }
}
