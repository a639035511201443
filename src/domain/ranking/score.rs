//! Steps 1–3 for one application: completeness, `m_c`, `n_c`, the total and
//! the gates.

use super::*;

/// Criteria lookups prepared once per formation.
pub(super) struct Plan<'a> {
    /// Panel criteria as (code, index in rules), sorted by code so a
    /// scorecard (a `BTreeMap`, iterated in code order) is checked by one merge.
    pub(super) panel_by_code: Vec<(&'a str, usize)>,
    /// Imported criteria as (code, index in rules), sorted by code.
    pub(super) imported_by_code: Vec<(&'a str, usize)>,
    /// Indices of tie-break criteria in tie-break order.
    pub(super) tiebreak: Vec<usize>,
    /// `None` when the round needs arbitrary precision throughout.
    pub(super) fast_total: Option<FastTotal>,
    /// Criterion codes in rules order, shared by every outcome.
    pub(super) codes: Vec<Arc<str>>,
}

impl<'a> Plan<'a> {
    pub(super) fn new(rules: &'a RoundRules) -> Self {
        let by_kind = |kind| {
            let mut v: Vec<(&str, usize)> = rules
                .criteria
                .iter()
                .enumerate()
                .filter(|(_, c)| c.kind == kind)
                .map(|(i, c)| (c.code.as_str(), i))
                .collect();
            v.sort_unstable();
            v
        };
        let mut tiebreak: Vec<(u32, usize)> = rules
            .criteria
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.tiebreak_order.map(|o| (o, i)))
            .collect();
        tiebreak.sort_unstable();
        Self {
            panel_by_code: by_kind(CriterionKind::Panel),
            imported_by_code: by_kind(CriterionKind::Imported),
            tiebreak: tiebreak.into_iter().map(|(_, i)| i).collect(),
            fast_total: FastTotal::new(rules),
            codes: rules
                .criteria
                .iter()
                .map(|c| Arc::from(c.code.as_str()))
                .collect(),
        }
    }
}

/// Buffers reused across applications so scoring does not allocate per value.
pub(super) struct Scratch {
    /// Per criterion: (sum, count) of the values that count.
    pub(super) parts: Vec<(i128, i128)>,
    /// Per criterion: lowest and highest value seen (for trimming).
    pub(super) low: Vec<i64>,
    pub(super) high: Vec<i64>,
}

impl Scratch {
    pub(super) fn new(n: usize) -> Self {
        Self {
            parts: vec![(0, 0); n],
            low: vec![0; n],
            high: vec![0; n],
        }
    }
}

/// A total, exact: `Small(num, den)` when it fits `i128` (reduced, den > 0).
pub(super) enum Total {
    Small(i128, i128),
    Big(Ratio),
}

impl Total {
    pub(super) fn to_ratio(&self) -> Ratio {
        match self {
            Self::Small(n, d) => Ratio::new_raw(BigInt::from(*n), BigInt::from(*d)),
            Self::Big(r) => r.clone(),
        }
    }

    pub(super) fn small(&self) -> Option<(i128, i128)> {
        match self {
            Self::Small(n, d) => Some((*n, *d)),
            Self::Big(_) => None,
        }
    }
}

/// Everything the sort compares, inline, so comparisons neither allocate nor
/// chase pointers into the outcomes (except for totals beyond `i128`).
/// What step 4 sorts a passing eligible application by.
pub(super) struct Passing {
    pub(super) total: Option<(i128, i128)>,
    pub(super) tiebreak: Vec<(i128, i128)>,
    pub(super) lottery: [u8; 32],
}

/// Below this many applications [`rank_formation`] scores on one thread.
pub(super) const PARALLEL_MIN_APPLICATIONS: usize = 1024;

/// Steps 1–3 for one application: its outcome without rank, and its sort
/// key when it is passing and eligible.
pub(super) fn score_one(
    rules: &RoundRules,
    plan: &Plan<'_>,
    lottery: &LotteryKeys,
    app: &Application,
    scratch: &mut Scratch,
) -> Result<(Outcome, Option<Passing>), RankingError> {
    let lottery_bytes = lottery.key_bytes(&app.registration_no);
    let mut outcome = Outcome {
        registration_no: app.registration_no.clone(),
        eligibility: app.eligibility,
        complete: false,
        incomplete: None,
        criteria: Vec::new(),
        total: None,
        total_rounded_2dp: None,
        passed: None,
        rank: None,
        status: None,
        lottery_key: lower_hex(&lottery_bytes),
    };
    let mut passing = None;
    match score(rules, plan, app, scratch)? {
        Err(incomplete) => outcome.incomplete = Some(incomplete),
        Ok(scored) => {
            outcome.complete = true;
            let total = scored.total.to_ratio();
            outcome.total_rounded_2dp = Some(match scored.total {
                Total::Small(n, d) => rounded_2dp_small(n, d),
                Total::Big(_) => format_rounded_2dp(&total),
            });
            if app.eligibility == Eligibility::Eligible {
                let passed = scored.gates_met
                    && meets_passing_total(&scored.total, &total, rules.passing_total);
                outcome.passed = Some(passed);
                if passed {
                    passing = Some(Passing {
                        total: scored.total.small(),
                        tiebreak: plan.tiebreak.iter().map(|&i| scratch.parts[i]).collect(),
                        lottery: lottery_bytes,
                    });
                } else {
                    outcome.status = Some(Status::NotPassed);
                }
            }
            outcome.total = Some(total);
            outcome.criteria = scored.criteria;
        }
    }
    Ok((outcome, passing))
}

pub(super) struct SortKey {
    pub(super) total: Option<(i128, i128)>,
    /// Position before sorting, into the scaled totals.
    pub(super) pos: usize,
    pub(super) tiebreak_start: usize,
    pub(super) lottery: [u8; 32],
    pub(super) idx: usize,
}

pub(super) struct Scored {
    pub(super) criteria: Vec<CriterionScore>,
    pub(super) total: Total,
    pub(super) gates_met: bool,
}

/// Scores one application, leaving each criterion's (sum, count) in
/// `scratch.parts`; `Ok(Err(..))` when it is incomplete.
pub(super) fn score(
    rules: &RoundRules,
    plan: &Plan<'_>,
    app: &Application,
    scratch: &mut Scratch,
) -> Result<Result<Scored, Incomplete>, RankingError> {
    let reg = &app.registration_no;
    for (i, ps) in app.panel_scores.iter().enumerate() {
        if app.panel_scores[..i]
            .iter()
            .any(|o| o.panelist_id == ps.panelist_id)
        {
            return Err(RankingError::DuplicatePanelist {
                registration_no: reg.clone(),
                panelist_id: ps.panelist_id.clone(),
            });
        }
    }

    scratch.parts.fill((0, 0));
    scratch.low.fill(i64::MAX);
    scratch.high.fill(i64::MIN);
    let mut submitted: u32 = 0;
    for ps in &app.panel_scores {
        let Some(card) = &ps.submitted else { continue };
        // Recused panelists' cards are still checked: a bad value is a bad
        // input wherever it is.
        let counts = !ps.recused;
        if card.len() != plan.panel_by_code.len() {
            return Err(scorecard_error(plan, reg, ps, card));
        }
        // A BTreeMap iterates in code order, as `panel_by_code` is sorted: one merge.
        for ((code, &value), &(expected, i)) in card.iter().zip(&plan.panel_by_code) {
            // Codes are short: an inline byte loop beats a memcmp call here.
            if code.len() != expected.len()
                || !code.bytes().zip(expected.bytes()).all(|(a, b)| a == b)
            {
                return Err(scorecard_error(plan, reg, ps, card));
            }
            let c = &rules.criteria[i];
            if !(c.scale_min..=c.scale_max).contains(&value) {
                return Err(RankingError::ValueOutsideScale {
                    registration_no: reg.clone(),
                    source_id: ps.panelist_id.clone(),
                    code: code.clone(),
                    value,
                });
            }
            if counts {
                let p = &mut scratch.parts[i];
                p.0 += i128::from(value);
                p.1 += 1;
                scratch.low[i] = scratch.low[i].min(value);
                scratch.high[i] = scratch.high[i].max(value);
            }
        }
        if counts {
            submitted += 1;
        }
    }

    let mut missing_imported = Vec::new();
    for (code, &value) in &app.imported {
        let Ok(pos) = plan
            .imported_by_code
            .binary_search_by(|(c, _)| (*c).cmp(code.as_str()))
        else {
            return Err(RankingError::UnknownCriterion {
                registration_no: reg.clone(),
                source_id: "import".to_owned(),
                code: code.clone(),
            });
        };
        let i = plan.imported_by_code[pos].1;
        let c = &rules.criteria[i];
        if !(c.scale_min..=c.scale_max).contains(&value) {
            return Err(RankingError::ValueOutsideScale {
                registration_no: reg.clone(),
                source_id: "import".to_owned(),
                code: code.clone(),
                value,
            });
        }
        scratch.parts[i] = (i128::from(value), 1);
    }
    if app.imported.len() != plan.imported_by_code.len() {
        for &(code, _) in &plan.imported_by_code {
            if !app.imported.contains_key(code) {
                missing_imported.push(code.to_owned());
            }
        }
    }

    if submitted < rules.min_panelists || !missing_imported.is_empty() {
        return Ok(Err(Incomplete {
            panelists_submitted: submitted,
            panelists_required: rules.min_panelists,
            missing_imported,
        }));
    }

    if rules.aggregation == Aggregation::TrimmedMean && submitted as usize >= Aggregation::TRIM_FROM
    {
        for &(_, i) in &plan.panel_by_code {
            let p = &mut scratch.parts[i];
            p.0 -= i128::from(scratch.low[i]) + i128::from(scratch.high[i]);
            p.1 -= 2;
        }
    }

    let mut gates_met = true;
    let mut criteria = Vec::with_capacity(rules.criteria.len());
    for ((c, code), &(sum, count)) in rules.criteria.iter().zip(&plan.codes).zip(&scratch.parts) {
        if let Some(pass) = c.pass_min {
            // m_c ≥ pass ⇔ sum ≥ pass · count (count > 0); cannot overflow:
            // |pass| ≤ 2^63 and count < 2^32.
            gates_met &= sum >= i128::from(pass) * count;
        }
        criteria.push(CriterionScore {
            code: Arc::clone(code),
            sum,
            // count ≤ number of panelists, which came from a u32 counter.
            count: u32::try_from(count).unwrap_or(u32::MAX),
            scale_min: c.scale_min,
            scale_max: c.scale_max,
        });
    }
    let small = plan
        .fast_total
        .as_ref()
        .and_then(|f| f.total(rules, &scratch.parts));
    let total = match small {
        Some((n, d)) => Total::Small(n, d),
        None => Total::Big(total_big(rules, &scratch.parts)),
    };
    Ok(Ok(Scored {
        criteria,
        total,
        gates_met,
    }))
}

/// The precise error for a scorecard whose codes are not exactly the panel
/// criteria: an unknown code first, else the first missing one.
pub(super) fn scorecard_error(
    plan: &Plan<'_>,
    reg: &str,
    ps: &PanelScore,
    card: &BTreeMap<String, i64>,
) -> RankingError {
    let known = |k: &str| {
        plan.panel_by_code
            .binary_search_by(|(c, _)| (*c).cmp(k))
            .is_ok()
    };
    if let Some(code) = card.keys().find(|k| !known(k)) {
        return RankingError::UnknownCriterion {
            registration_no: reg.to_owned(),
            source_id: ps.panelist_id.clone(),
            code: code.clone(),
        };
    }
    let missing = plan
        .panel_by_code
        .iter()
        .find(|(c, _)| !card.contains_key(*c))
        .map_or("", |(c, _)| c);
    RankingError::MissingScore {
        registration_no: reg.to_owned(),
        panelist_id: ps.panelist_id.clone(),
        code: missing.to_owned(),
    }
}

pub(super) fn meets_passing_total(
    total: &Total,
    exact: &Ratio,
    passing_total: Option<u32>,
) -> bool {
    let Some(t) = passing_total else { return true };
    if let Total::Small(n, d) = total
        && let Some(bound) = i128::from(t).checked_mul(*d)
    {
        return *n >= bound;
    }
    *exact >= Ratio::from_integer(BigInt::from(t))
}
