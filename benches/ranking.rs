//! P7: rank one formation of 10,000 applications with the domain rule
//! (`cargo bench --bench ranking`). Prints the median of several runs; a
//! benchmark, not a test: nothing asserts a time.

use std::collections::BTreeMap;
use std::time::Instant;

use pokmas::domain::ranking::{
    Aggregation, Application, Criterion, CriterionKind, Eligibility, Formation, PanelScore,
    RoundRules, rank_formation,
};

const APPLICATIONS: usize = 10_000;
const PANELISTS: usize = 5;
const RUNS: usize = 15;

fn rules() -> RoundRules {
    let criteria = [
        ("INT", 30, Some(3), Some(1)),
        ("PRB", 20, None, None),
        ("ORG", 20, None, Some(2)),
        ("ADM", 10, None, None),
        ("KOM", 10, None, None),
        ("WIL", 10, None, None),
    ];
    RoundRules {
        aggregation: Aggregation::Mean,
        passing_total: Some(60),
        min_panelists: 3,
        criteria: criteria
            .iter()
            .map(|(code, weight, pass_min, tiebreak)| Criterion {
                code: (*code).into(),
                kind: CriterionKind::Panel,
                scale_min: 1,
                scale_max: 5,
                weight: *weight,
                pass_min: *pass_min,
                tiebreak_order: *tiebreak,
            })
            .collect(),
        seed: "ab".repeat(32),
    }
}

/// Deterministic pseudo-random values (xorshift), many exact ties included.
fn applications(rules: &RoundRules) -> Vec<Application> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..APPLICATIONS)
        .map(|i| Application {
            registration_no: format!("2026-6472011001-{i:05}"),
            eligibility: if i % 40 == 0 {
                Eligibility::Ineligible
            } else {
                Eligibility::Eligible
            },
            panel_scores: (0..PANELISTS)
                .map(|p| PanelScore {
                    panelist_id: format!("panelist-{p}"),
                    recused: (i + p) % 97 == 0,
                    submitted: Some(
                        rules
                            .criteria
                            .iter()
                            .map(|c| (c.code.clone(), 2 + (next() % 4) as i64))
                            .collect::<BTreeMap<_, _>>(),
                    ),
                })
                .collect(),
            imported: BTreeMap::new(),
        })
        .collect()
}

fn main() {
    let rules = rules();
    let apps = applications(&rules);
    let formation = Formation {
        code: "F-BENCH".into(),
        seats: 7,
        reserve: 3,
    };
    let mut times = Vec::with_capacity(RUNS);
    let mut ranked = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = rank_formation(&rules, &formation, &apps).expect("valid inputs");
        times.push(start.elapsed());
        ranked = out.iter().filter(|o| o.rank.is_some()).count();
    }
    times.sort();
    let median = times[RUNS / 2];
    println!(
        "P7 rank_formation: {APPLICATIONS} applications x {PANELISTS} panelists x 6 criteria \
         ({ranked} ranked): median {:.2} ms, min {:.2} ms, max {:.2} ms over {RUNS} runs (target < 20 ms)",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[RUNS - 1].as_secs_f64() * 1e3,
    );
}
