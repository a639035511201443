//! The re-computation of a staged round: every published shortlist
//! re-derived from the values of its stage, then the final ranks by the
//! stage rule over the published shortlists, as the server keeps them.

use std::collections::{BTreeMap, BTreeSet};

use super::{Disagreement, Files, Parsed, Report, compare, int, opt_int, same_round, yes_no};
use crate::domain::ranking::{self as rk, Eligibility, Ratio, format_fraction, parse_fraction};
use crate::domain::stage::{
    AdvanceRule, Candidate, FinalRule, StagePlan, StageResults, StageSpec, rank_staged, shortlist,
    stage_rules,
};
use crate::export::round_csv::{self, SHORTLISTS, STAGES, TableError, read_table};

/// A staged round as the files describe it.
pub(super) struct Staged {
    plan: StagePlan,
    /// Per stage, whether its shortlist is published.
    published: Vec<bool>,
    /// (stage code, formation code) → registration_no → entry.
    entries: BTreeMap<(String, String), BTreeMap<String, Entry>>,
}

/// One row of `shortlists.csv`.
struct Entry {
    advances: bool,
    position: Option<u32>,
    /// `total_exact` as written.
    total_text: String,
    total: Option<Ratio>,
}

fn table_error(file: &str, msg: String) -> TableError {
    TableError {
        file: file.to_owned(),
        row: 0,
        msg,
    }
}

/// The stage plan of `stages.csv` with its published shortlists; `None`
/// for a one-stage round (no file, or only its header).
pub(super) fn plan(files: &Files, p: &Parsed) -> Result<Option<Staged>, TableError> {
    let rows = match &files.stages {
        Some(bytes) => read_table(bytes, "stages.csv", &STAGES)?,
        None => Vec::new(),
    };
    if rows.is_empty() {
        if let Some(rec) = files
            .shortlists
            .as_deref()
            .map(|b| read_table(b, "shortlists.csv", &SHORTLISTS))
            .transpose()?
            .and_then(|r| r.into_iter().next())
        {
            return Err(rec.error("shortlists.csv", "a shortlist of a round without stages"));
        }
        return Ok(None);
    }
    let mut stages: Vec<(i32, StageSpec, Option<u32>, bool)> = Vec::new();
    for rec in &rows {
        same_round(rec, "stages.csv", &p.round_id)?;
        let position: i32 = int(rec, "stages.csv", 1, "position")?;
        let top_k: Option<u32> = opt_int(rec, "stages.csv", 5, "advance_top_k")?;
        let passing_total: Option<u32> = opt_int(rec, "stages.csv", 6, "advance_passing_total")?;
        let weight: Option<u32> = opt_int(rec, "stages.csv", 7, "final_weight")?;
        let _: Option<i64> = opt_int(rec, "stages.csv", 8, "shortlist_event_seq")?;
        let published = !rec.get(9).is_empty();
        let spec = StageSpec {
            code: rec.get(2).to_owned(),
            advance: (top_k.is_some() || passing_total.is_some()).then_some(AdvanceRule {
                top_k,
                passing_total,
            }),
        };
        stages.push((position, spec, weight, published));
    }
    stages.sort_by_key(|s| s.0);
    let final_rule = match p.final_rule.as_str() {
        "weighted" => FinalRule::Weighted(stages.iter().map(|s| s.2.unwrap_or(0)).collect()),
        "last_stage" => FinalRule::LastStage,
        _ => {
            return Err(table_error(
                "round.csv",
                "a round with stages names its final_rule (last_stage or weighted)".into(),
            ));
        }
    };
    let published: Vec<bool> = stages.iter().map(|s| s.3).collect();
    let plan = StagePlan {
        stages: stages.into_iter().map(|s| s.1).collect(),
        final_rule,
    };
    plan.validate()
        .map_err(|e| table_error("stages.csv", format!("the stages are invalid: {e}")))?;
    for (code, stage) in &p.criterion_stage {
        if !plan.stages.iter().any(|s| &s.code == stage) {
            return Err(table_error(
                "criteria.csv",
                format!(
                    "criterion {code} names the stage {stage:?}, which stages.csv does not list"
                ),
            ));
        }
    }

    let mut entries: BTreeMap<(String, String), BTreeMap<String, Entry>> = BTreeMap::new();
    let shortlist_rows = match &files.shortlists {
        Some(bytes) => read_table(bytes, "shortlists.csv", &SHORTLISTS)?,
        None => Vec::new(),
    };
    for rec in shortlist_rows {
        same_round(&rec, "shortlists.csv", &p.round_id)?;
        let stage = rec.get(1);
        let Some(s) = plan.stages.iter().position(|x| x.code == stage) else {
            return Err(rec.error(
                "shortlists.csv",
                format!("no stage {stage:?} in stages.csv"),
            ));
        };
        if !published[s] || plan.stages[s].advance.is_none() {
            return Err(rec.error(
                "shortlists.csv",
                format!("stage {stage} has no published shortlist in stages.csv"),
            ));
        }
        if !p.formations.contains_key(rec.get(2)) {
            return Err(rec.error(
                "shortlists.csv",
                format!("formation {:?} is not in formations.csv", rec.get(2)),
            ));
        }
        let total_text = rec.get(6).to_owned();
        let total = if total_text.is_empty() {
            None
        } else {
            Some(
                parse_fraction(&total_text)
                    .map_err(|e| rec.error("shortlists.csv", format!("total_exact: {e}")))?,
            )
        };
        let entry = Entry {
            advances: yes_no(&rec, "shortlists.csv", 4, "advances")?,
            position: opt_int(&rec, "shortlists.csv", 5, "position")?,
            total_text,
            total,
        };
        let list = entries
            .entry((stage.to_owned(), rec.get(2).to_owned()))
            .or_default();
        if list.insert(rec.get(3).to_owned(), entry).is_some() {
            return Err(rec.error(
                "shortlists.csv",
                format!("{} appears twice in the shortlist of {stage}", rec.get(3)),
            ));
        }
    }
    Ok(Some(Staged {
        plan,
        published,
        entries,
    }))
}

fn ranking_error(formation: &str, e: impl std::fmt::Display) -> TableError {
    table_error("scores.csv", format!("formation {formation}: {e}"))
}

/// Re-derives every published shortlist and the final ranks of every
/// formation, adding what disagrees to `report`.
pub(super) fn recompute_staged(
    p: &Parsed,
    staged: &Staged,
    report: &mut Report,
) -> Result<(), TableError> {
    let plan = &staged.plan;
    let mut rules = Vec::with_capacity(plan.stages.len());
    for spec in &plan.stages {
        let r = stage_rules(&p.rules, |code| {
            p.criterion_stage.get(code).map(String::as_str) == Some(spec.code.as_str())
        });
        r.validate().map_err(|e| {
            table_error(
                "criteria.csv",
                format!("stage {}: the rules are invalid: {e}", spec.code),
            )
        })?;
        rules.push(r);
    }
    let no_entries = BTreeMap::new();
    let last = plan.stages.len() - 1;
    for formation in p.formations.values() {
        let rows = p.rows_of(&formation.code);
        let entries_of = |s: usize| {
            staged
                .entries
                .get(&(plan.stages[s].code.clone(), formation.code.clone()))
                .unwrap_or(&no_entries)
        };
        let mut results = Vec::with_capacity(plan.stages.len());
        for (s, spec) in plan.stages.iter().enumerate() {
            let counts = |code: &str| {
                p.criterion_stage.get(code).map(String::as_str) == Some(spec.code.as_str())
            };
            let apps = p.applications(
                rows.iter()
                    .map(|e| (e.registration_no.as_str(), e.eligibility)),
                &counts,
            );
            let outcomes = rk::rank_formation(&rules[s], formation, &apps)
                .map_err(|e| ranking_error(&formation.code, e))?;
            let published = s < last && staged.published[s];
            if published {
                let considered: BTreeSet<&str> = match s {
                    0 => rows.iter().map(|e| e.registration_no.as_str()).collect(),
                    _ => entries_of(s - 1)
                        .iter()
                        .filter(|(_, e)| e.advances)
                        .map(|(no, _)| no.as_str())
                        .collect(),
                };
                check_shortlist(
                    p,
                    (spec, &rules[s], formation),
                    &considered,
                    entries_of(s),
                    &counts,
                    &mut report.disagreements,
                )?;
                report.shortlists += 1;
            }
            results.push(StageResults {
                rules: rules[s].clone(),
                outcomes,
                shortlist: published.then(|| {
                    entries_of(s)
                        .iter()
                        .map(|(no, e)| Candidate::published(no, e.total.clone(), e.position))
                        .collect()
                }),
            });
        }
        let standings = rank_staged(plan, formation, &results)
            .map_err(|e| ranking_error(&formation.code, e))?;
        for st in &standings {
            let Some(e) = rows
                .iter()
                .find(|e| e.registration_no == st.outcome.registration_no)
            else {
                continue;
            };
            let code = &plan.stages[st.reached].code;
            compare(e, &st.outcome, code, &mut report.disagreements);
        }
    }
    Ok(())
}

/// Re-derives the published shortlist of one stage in one formation from
/// the values of the stage: the candidates are those who went on from the
/// stage before (everyone for the first stage), each counted when the
/// shortlist gave it a total (it was complete and eligible when published;
/// a later withdrawal does not change a published decision) and its values
/// give one.
fn check_shortlist(
    p: &Parsed,
    (spec, rules, formation): (&StageSpec, &rk::RoundRules, &rk::Formation),
    considered: &BTreeSet<&str>,
    entries: &BTreeMap<String, Entry>,
    counts: &dyn Fn(&str) -> bool,
    out: &mut Vec<Disagreement>,
) -> Result<(), TableError> {
    let Some(rule) = &spec.advance else {
        return Ok(());
    };
    let disagree =
        |no: &str, field: &'static str, exported: String, recomputed: String| Disagreement {
            formation_code: formation.code.clone(),
            registration_no: no.to_owned(),
            stage: spec.code.clone(),
            field,
            exported,
            recomputed,
        };
    for no in considered {
        if !entries.contains_key(*no) {
            out.push(disagree(no, "entry", "absent".into(), "considered".into()));
        }
    }
    for no in entries.keys() {
        if !considered.contains(no.as_str()) {
            out.push(disagree(
                no,
                "entry",
                "listed".into(),
                "not considered".into(),
            ));
        }
    }
    let listed: Vec<(&str, &Entry)> = entries
        .iter()
        .filter(|(no, _)| considered.contains(no.as_str()))
        .map(|(no, e)| (no.as_str(), e))
        .collect();
    // Eligibility as the shortlist recorded it: scored as eligible, counted
    // only where the entry has a total.
    let apps = p.applications(
        listed.iter().map(|(no, _)| (*no, Eligibility::Eligible)),
        counts,
    );
    let outcomes = rk::rank_formation(rules, formation, &apps)
        .map_err(|e| ranking_error(&formation.code, e))?;
    let by_no: BTreeMap<&str, &rk::Outcome> = outcomes
        .iter()
        .map(|o| (o.registration_no.as_str(), o))
        .collect();
    let candidates: Vec<Candidate> = listed
        .iter()
        .map(|(no, e)| {
            let o = by_no.get(no);
            let counted = e.total.is_some() && o.is_some_and(|o| o.complete);
            Candidate {
                registration_no: (*no).to_owned(),
                total: o.and_then(|o| o.total.clone()).filter(|_| counted),
                gates_met: counted && o.is_some_and(|o| o.passed == Some(true)),
                tiebreak: Vec::new(),
            }
        })
        .collect();
    for d in shortlist(rule, formation.seats, &candidates) {
        let Some(e) = entries.get(&d.registration_no) else {
            continue;
        };
        let no = d.registration_no.as_str();
        if !e.total_text.is_empty() {
            let total = by_no
                .get(no)
                .and_then(|o| o.total.as_ref())
                .map(format_fraction)
                .unwrap_or_default();
            if total != e.total_text {
                out.push(disagree(no, "total_exact", e.total_text.clone(), total));
            }
        }
        if d.advances != e.advances {
            out.push(disagree(
                no,
                "advances",
                round_csv::yes_no(e.advances).into(),
                round_csv::yes_no(d.advances).into(),
            ));
        }
        if d.position != e.position {
            out.push(disagree(
                no,
                "position",
                round_csv::opt(e.position),
                round_csv::opt(d.position),
            ));
        }
    }
    Ok(())
}
