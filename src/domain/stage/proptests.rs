//! Properties of the stage rule: ties at the cut all pass, the gate is
//! monotone, and the result does not depend on input order.

use super::*;
use proptest::prelude::*;

fn candidates(totals: &[(Option<u8>, bool)]) -> Vec<Candidate> {
    totals
        .iter()
        .enumerate()
        .map(|(i, (t, gates_met))| Candidate {
            registration_no: format!("R-{i:03}"),
            total: t.map(|t| Ratio::from_integer(BigInt::from(t % 101))),
            gates_met: *gates_met,
            tiebreak: vec![Ratio::from_integer(BigInt::from(
                i64::from(t.unwrap_or(0)) % 7,
            ))],
        })
        .collect()
}

fn arb_totals() -> impl Strategy<Value = Vec<(Option<u8>, bool)>> {
    // Few distinct totals, so ties at the cut are common.
    proptest::collection::vec(
        (
            prop::option::weighted(0.85, (0u8..=10).prop_map(|x| x * 10)),
            prop::bool::weighted(0.9),
        ),
        0..30,
    )
}

fn arb_rule() -> impl Strategy<Value = AdvanceRule> {
    (
        prop::option::of(1u32..=4),
        prop::option::of((0u32..=10).prop_map(|x| x * 10)),
    )
        .prop_filter("one part set", |(k, t)| k.is_some() || t.is_some())
        .prop_map(|(top_k, passing_total)| AdvanceRule {
            top_k,
            passing_total,
        })
}

fn going_on(rule: &AdvanceRule, seats: u32, c: &[Candidate]) -> BTreeSet<String> {
    shortlist(rule, seats, c)
        .into_iter()
        .filter(|d| d.advances)
        .map(|d| d.registration_no)
        .collect()
}

proptest! {
    #[test]
    fn ties_at_the_cut_all_pass_and_the_cut_is_as_small_as_ties_allow(
        totals in arb_totals(), rule in arb_rule(), seats in 0u32..=3,
    ) {
        let c = candidates(&totals);
        let on = going_on(&rule, seats, &c);
        let total_of = |n: &str| c.iter().find(|x| x.registration_no == n).and_then(|x| x.total.clone());
        // Whoever goes on met the gates and the passing total.
        for n in &on {
            let x = c.iter().find(|x| &x.registration_no == n).expect("known");
            prop_assert!(x.gates_met);
            let t = x.total.clone().expect("a total");
            if let Some(p) = rule.passing_total {
                prop_assert!(t >= Ratio::from_integer(BigInt::from(p)));
            }
        }
        // Nobody left behind has a total equal to or above someone who went on,
        // unless they missed a gate or the passing total.
        let lowest_on = on.iter().filter_map(|n| total_of(n)).min();
        for x in &c {
            if on.contains(&x.registration_no) || !x.gates_met { continue; }
            let (Some(t), Some(low)) = (&x.total, &lowest_on) else { continue };
            let below_pass = rule.passing_total.is_some_and(|p| *t < Ratio::from_integer(BigInt::from(p)));
            prop_assert!(below_pass || t < low, "{} left behind with {t} ≥ {low}", x.registration_no);
        }
        // The cut: at most k × seats go on, unless the extra ones tie the last place.
        if let (Some(k), Some(low)) = (rule.top_k, &lowest_on) {
            let cut = usize::try_from(k * seats).expect("small");
            let above = on.iter().filter(|n| total_of(n).as_ref() > Some(low)).count();
            prop_assert!(above < cut.max(1) || on.len() <= cut);
        }
    }

    #[test]
    fn raising_a_total_never_removes_anyone_from_the_shortlist_and_looser_rules_keep_everyone(
        totals in arb_totals(), rule in arb_rule(), seats in 0u32..=3, who in 0usize..30, by in 1u8..=30,
    ) {
        let c = candidates(&totals);
        let on = going_on(&rule, seats, &c);
        // Gate monotonicity in the candidate's own total.
        if let Some(x) = c.get(who) && on.contains(&x.registration_no) {
            let mut raised = c.clone();
            raised[who].total = x.total.clone().map(|t| {
                let up = t + Ratio::from_integer(BigInt::from(by));
                up.min(Ratio::from_integer(BigInt::from(100)))
            });
            prop_assert!(going_on(&rule, seats, &raised).contains(&x.registration_no));
        }
        // Monotonicity in the rule: a larger k or a lower passing total keeps
        // everyone who went on.
        let looser = AdvanceRule {
            top_k: rule.top_k.map(|k| k + 1),
            passing_total: rule.passing_total.map(|t| t.saturating_sub(10)),
        };
        prop_assert!(on.is_subset(&going_on(&looser, seats, &c)));
    }

    #[test]
    fn the_result_does_not_depend_on_input_order(
        totals in arb_totals(), rule in arb_rule(), seats in 0u32..=3, weights in (0u32..=5, 1u32..=5),
        shuffle in proptest::collection::vec(any::<prop::sample::Index>(), 30),
    ) {
        let written = candidates(&totals);
        let interview: Vec<Candidate> = candidates(&totals.iter().rev().copied().collect::<Vec<_>>())
            .into_iter()
            .zip(&written)
            .map(|(mut i, w)| { i.registration_no = w.registration_no.clone(); i })
            .collect();
        let mut shuffled = written.clone();
        for (i, s) in shuffle.iter().enumerate().take(shuffled.len()) {
            let j = s.index(shuffled.len());
            shuffled.swap(i, j);
        }
        prop_assert_eq!(shortlist(&rule, seats, &written), shortlist(&rule, seats, &shuffled));
        let formation = Formation { code: "F".into(), seats, reserve: 1 };
        for final_rule in [FinalRule::LastStage, FinalRule::Weighted(vec![weights.0, weights.1])] {
            let plan = StagePlan {
                stages: vec![
                    StageSpec { code: "A".into(), advance: Some(rule) },
                    StageSpec { code: "B".into(), advance: None },
                ],
                final_rule,
            };
            let mut interview_shuffled = interview.clone();
            interview_shuffled.reverse();
            let a = final_standing(&plan, &formation, "seed", &[written.clone(), interview.clone()]).expect("valid");
            let b = final_standing(&plan, &formation, "seed", &[shuffled.clone(), interview_shuffled]).expect("valid");
            prop_assert_eq!(&a, &b);
            // Only those who went on from the first stage are ranked.
            let on = going_on(&rule, seats, &written);
            for o in &a {
                if o.rank.is_some() { prop_assert!(on.contains(&o.registration_no)); }
            }
            let ranks: Vec<u32> = a.iter().filter_map(|o| o.rank).collect();
            prop_assert_eq!(ranks, (1..).take(a.iter().filter(|o| o.rank.is_some()).count()).collect::<Vec<u32>>());
        }
    }
}
