//! `pokmas audit recompute DIR`: re-ranks every formation from the files of
//! an `export all` folder with the same domain code the server uses
//! ([`crate::domain::ranking::rank_formation`], and for a staged round
//! [`crate::domain::stage::rank_staged`]) and lists every place where the
//! exported `rankings.csv` — and, for a staged round, `shortlists.csv` —
//! says something else. No database involved.
//!
//! Inputs: `round.csv` (rules, lottery seed, final rule), `criteria.csv`
//! (with each criterion's stage), `formations.csv` (seats and reserve),
//! `scores.csv` (the rows with `latest` = `true` are the values that count;
//! `panelist_id` = `import` marks imported values), `rankings.csv` (which
//! applications exist and their eligibility — inputs — and the exported
//! results to check), and for a staged round `stages.csv` (the stages, their
//! rules and which shortlists are published) and `shortlists.csv` (the
//! published shortlists: checked against the values, and the gates of the
//! final ranking). A folder without the last two is a one-stage round's.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::domain::ranking::{
    self as rk, Aggregation, CriterionKind, Eligibility, RoundRules, format_fraction,
    format_rounded_2dp,
};
use crate::export::formations_csv;
use crate::export::round_csv::{
    self, CRITERIA, IMPORT_PANELIST, RANKINGS, ROUND, Record, SCORES, TableError, read_table_since,
    read_table_widths,
};

mod stages;
#[cfg(test)]
mod tests;

/// One field where the export and the re-computation differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    pub formation_code: String,
    pub registration_no: String,
    /// The stage whose published shortlist disagrees (`shortlists.csv`);
    /// empty for `rankings.csv` and `scores.csv`.
    pub stage: String,
    /// In `rankings.csv`: `complete`, `total_exact`, `total`, `passed`,
    /// `rank`, `status`, `lottery_key`, `stage_code`, or `scores` for values
    /// of an unlisted application. In `scores.csv`: `score_stage` (a value
    /// filed under another stage than its criterion's). In `shortlists.csv`:
    /// `entry` (a candidate missing or not to be considered), `total_exact`,
    /// `advances`, `position`.
    pub field: &'static str,
    pub exported: String,
    pub recomputed: String,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): ", self.registration_no, self.formation_code)?;
        if !self.stage.is_empty() {
            write!(f, "shortlist of stage {}: ", self.stage)?;
        }
        write!(
            f,
            "{} exported {:?}, recomputed {:?}",
            self.field, self.exported, self.recomputed
        )
    }
}

/// The result of a re-computation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub formations: usize,
    pub applications: usize,
    /// Published stage shortlists re-derived (one per stage and formation).
    pub shortlists: usize,
    pub disagreements: Vec<Disagreement>,
}

/// Reads the files from `dir` and re-computes. `stages.csv` and
/// `shortlists.csv` may be absent (an export from before stages).
///
/// # Errors
/// A missing, unreadable or malformed file, or inputs the ranking rule
/// rejects (a value outside its scale, invalid rules), naming the file and row.
pub fn recompute_dir(dir: &Path) -> Result<Report, TableError> {
    let read = |name: &str| {
        std::fs::read(dir.join(name)).map_err(|e| TableError {
            file: name.to_owned(),
            row: 0,
            msg: format!("cannot read: {e}"),
        })
    };
    let optional = |name: &str| {
        let path = dir.join(name);
        if path.exists() {
            read(name).map(Some)
        } else {
            Ok(None)
        }
    };
    recompute(&Files {
        round: read("round.csv")?,
        formations: read("formations.csv")?,
        criteria: read("criteria.csv")?,
        scores: read("scores.csv")?,
        rankings: read("rankings.csv")?,
        stages: optional("stages.csv")?,
        shortlists: optional("shortlists.csv")?,
    })
}

/// The bytes of the input files.
pub struct Files {
    pub round: Vec<u8>,
    pub formations: Vec<u8>,
    pub criteria: Vec<u8>,
    pub scores: Vec<u8>,
    pub rankings: Vec<u8>,
    /// `stages.csv`, `None` when absent.
    pub stages: Option<Vec<u8>>,
    /// `shortlists.csv`, `None` when absent.
    pub shortlists: Option<Vec<u8>>,
}

fn int<T: std::str::FromStr>(
    rec: &Record,
    file: &str,
    k: usize,
    name: &str,
) -> Result<T, TableError> {
    let text = rec.get(k);
    let canonical = text == "0"
        || text
            .strip_prefix('-')
            .unwrap_or(text)
            .bytes()
            .next()
            .is_some_and(|b| (b'1'..=b'9').contains(&b));
    match text.parse::<T>() {
        Ok(v) if canonical && !text.contains('+') => Ok(v),
        _ => Err(rec.error(file, format!("{name} is not a whole number: {text:?}"))),
    }
}

fn opt_int<T: std::str::FromStr>(
    rec: &Record,
    file: &str,
    k: usize,
    name: &str,
) -> Result<Option<T>, TableError> {
    if rec.get(k).is_empty() {
        Ok(None)
    } else {
        int(rec, file, k, name).map(Some)
    }
}

fn same_round(rec: &Record, file: &str, round_id: &str) -> Result<(), TableError> {
    if rec.get(0) == round_id {
        Ok(())
    } else {
        Err(rec.error(
            file,
            format!("round_id {:?} is not the round of round.csv", rec.get(0)),
        ))
    }
}

fn yes_no(rec: &Record, file: &str, k: usize, name: &str) -> Result<bool, TableError> {
    match rec.get(k) {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(rec.error(file, format!("{name} must be true or false, not {other:?}"))),
    }
}

/// One row of `rankings.csv`.
struct Exported {
    formation_code: String,
    registration_no: String,
    eligibility: Eligibility,
    record: Record,
}

/// Everything read from the files but the stages.
struct Parsed {
    round_id: String,
    /// Every criterion of the round, not yet validated (a staged round's
    /// weights sum to 100 per stage).
    rules: RoundRules,
    /// `final_rule` of `round.csv`.
    final_rule: String,
    /// Criterion code → its stage code (empty for a one-stage round).
    criterion_stage: BTreeMap<String, String>,
    formations: BTreeMap<String, rk::Formation>,
    exported: Vec<Exported>,
    /// registration_no → panelist → criterion code → value.
    panel: BTreeMap<String, BTreeMap<String, BTreeMap<String, i64>>>,
    /// registration_no → criterion code → value.
    imported: BTreeMap<String, BTreeMap<String, i64>>,
}

impl Parsed {
    /// The ranking inputs of the applications `who` (number, eligibility)
    /// with the values of the criteria `counts` selects; a panelist without
    /// such a value did not score them.
    fn applications<'a>(
        &self,
        who: impl Iterator<Item = (&'a str, Eligibility)>,
        counts: &dyn Fn(&str) -> bool,
    ) -> Vec<rk::Application> {
        who.map(|(no, eligibility)| rk::Application {
            registration_no: no.to_owned(),
            eligibility,
            panel_scores: self
                .panel
                .get(no)
                .into_iter()
                .flatten()
                .filter_map(|(who, values)| {
                    let values: BTreeMap<String, i64> = values
                        .iter()
                        .filter(|(code, _)| counts(code))
                        .map(|(c, v)| (c.clone(), *v))
                        .collect();
                    (!values.is_empty()).then(|| rk::PanelScore {
                        panelist_id: who.clone(),
                        recused: false,
                        submitted: Some(values),
                    })
                })
                .collect(),
            imported: self
                .imported
                .get(no)
                .into_iter()
                .flatten()
                .filter(|(code, _)| counts(code))
                .map(|(c, v)| (c.clone(), *v))
                .collect(),
        })
        .collect()
    }

    /// The rows of `rankings.csv` in formation `code`.
    fn rows_of(&self, code: &str) -> Vec<&Exported> {
        self.exported
            .iter()
            .filter(|e| e.formation_code == code)
            .collect()
    }
}

/// Re-computes from the files' bytes.
///
/// # Errors
/// As [`recompute_dir`].
pub fn recompute(files: &Files) -> Result<Report, TableError> {
    let (parsed, mut disagreements) = parse(files)?;
    let mut report = Report {
        formations: parsed.formations.len(),
        applications: parsed.exported.len(),
        shortlists: 0,
        disagreements: Vec::new(),
    };
    report.disagreements.append(&mut disagreements);
    match stages::plan(files, &parsed)? {
        Some(staged) => stages::recompute_staged(&parsed, &staged, &mut report)?,
        None => recompute_one_stage(&parsed, &mut report)?,
    }
    Ok(report)
}

fn parse(files: &Files) -> Result<(Parsed, Vec<Disagreement>), TableError> {
    // Written before the stages (7 columns), before the programme (8), or now.
    let round = read_table_widths(
        &files.round,
        "round.csv",
        &ROUND,
        &[7, crate::export::round_csv::ROUND_BEFORE_PROGRAMME],
    )?;
    let [r] = round.as_slice() else {
        return Err(TableError {
            file: "round.csv".into(),
            row: 0,
            msg: format!("expected exactly one round, found {}", round.len()),
        });
    };
    let round_id = r.get(0).to_owned();
    let aggregation = match r.get(3) {
        "mean" => Aggregation::Mean,
        "trimmed_mean" => Aggregation::TrimmedMean,
        other => {
            return Err(r.error(
                "round.csv",
                format!("aggregation must be mean or trimmed_mean, not {other:?}"),
            ));
        }
    };
    // Empty in a file written before the programme settings existed.
    let domicile_rule = r.get(8);
    if !domicile_rule.is_empty()
        && crate::domain::programme::DomicileRule::parse(domicile_rule).is_none()
    {
        return Err(r.error(
            "round.csv",
            format!("domicile_rule must be rt, kelurahan or city, not {domicile_rule:?}"),
        ));
    }
    let final_rule = r.get(7).to_owned();
    if !matches!(final_rule.as_str(), "" | "last_stage" | "weighted") {
        return Err(r.error(
            "round.csv",
            format!("final_rule must be empty, last_stage or weighted, not {final_rule:?}"),
        ));
    }
    let mut rules = RoundRules {
        aggregation,
        passing_total: opt_int(r, "round.csv", 4, "passing_total")?,
        min_panelists: int(r, "round.csv", 5, "min_panelists")?,
        criteria: Vec::new(),
        seed: r.get(6).to_owned(),
    };
    let mut criterion_stage = BTreeMap::new();
    for c in read_table_since(&files.criteria, "criteria.csv", &CRITERIA, 9)? {
        same_round(&c, "criteria.csv", &round_id)?;
        let kind = match c.get(8) {
            "panel" => CriterionKind::Panel,
            "imported" => CriterionKind::Imported,
            other => {
                return Err(c.error(
                    "criteria.csv",
                    format!("kind must be panel or imported, not {other:?}"),
                ));
            }
        };
        criterion_stage.insert(c.get(1).to_owned(), c.get(9).to_owned());
        rules.criteria.push(rk::Criterion {
            code: c.get(1).to_owned(),
            kind,
            scale_min: int(&c, "criteria.csv", 4, "scale_min")?,
            scale_max: int(&c, "criteria.csv", 5, "scale_max")?,
            weight: int(&c, "criteria.csv", 3, "weight")?,
            pass_min: opt_int(&c, "criteria.csv", 6, "pass_min")?,
            tiebreak_order: opt_int(&c, "criteria.csv", 7, "tiebreak_order")?,
        });
    }

    let mut formations: BTreeMap<String, rk::Formation> = BTreeMap::new();
    for f in round_csv::read_table(&files.formations, "formations.csv", &formations_csv::HEADER)? {
        same_round(&f, "formations.csv", &round_id)?;
        let formation = rk::Formation {
            code: f.get(1).to_owned(),
            seats: int(&f, "formations.csv", 5, "seats")?,
            reserve: int(&f, "formations.csv", 6, "reserve")?,
        };
        if formations
            .insert(formation.code.clone(), formation)
            .is_some()
        {
            return Err(f.error("formations.csv", "the formation code appears twice"));
        }
    }

    let mut exported: Vec<Exported> = Vec::new();
    for rec in read_table_since(&files.rankings, "rankings.csv", &RANKINGS, 13)? {
        same_round(&rec, "rankings.csv", &round_id)?;
        let eligibility = match rec.get(5) {
            "eligible" => Eligibility::Eligible,
            "ineligible" => Eligibility::Ineligible,
            "withdrawn" => Eligibility::Withdrawn,
            "disqualified" => Eligibility::Disqualified,
            "pending" => Eligibility::Pending,
            other => {
                return Err(rec.error(
                    "rankings.csv",
                    format!(
                        "eligibility {other:?} is not eligible, ineligible, withdrawn, disqualified or pending"
                    ),
                ));
            }
        };
        if !formations.contains_key(rec.get(1)) {
            return Err(rec.error(
                "rankings.csv",
                format!("formation {:?} is not in formations.csv", rec.get(1)),
            ));
        }
        exported.push(Exported {
            formation_code: rec.get(1).to_owned(),
            registration_no: rec.get(4).to_owned(),
            eligibility,
            record: rec,
        });
    }

    let mut disagreements = Vec::new();
    let mut panel: BTreeMap<String, BTreeMap<String, BTreeMap<String, i64>>> = BTreeMap::new();
    let mut imported: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut formation_of_scores: BTreeMap<String, (String, u64)> = BTreeMap::new();
    for s in read_table_since(&files.scores, "scores.csv", &SCORES, 9)? {
        same_round(&s, "scores.csv", &round_id)?;
        let latest = yes_no(&s, "scores.csv", 8, "latest")?;
        let _: u32 = int(&s, "scores.csv", 6, "version")?;
        let value: i64 = int(&s, "scores.csv", 5, "value")?;
        formation_of_scores
            .entry(s.get(1).to_owned())
            .or_insert((s.get(2).to_owned(), s.row));
        let (no, who, code) = (s.get(1), s.get(3), s.get(4));
        // A value filed under another stage would be counted there by a
        // reader that trusts the column.
        let stage = criterion_stage.get(code).map_or("", String::as_str);
        if s.get(9) != stage {
            disagreements.push(Disagreement {
                formation_code: s.get(2).to_owned(),
                registration_no: no.to_owned(),
                stage: String::new(),
                field: "score_stage",
                exported: format!("{code} in {:?}", s.get(9)),
                recomputed: format!("{code} in {stage:?}"),
            });
        }
        if !latest {
            continue;
        }
        let slot = if who == IMPORT_PANELIST {
            imported.entry(no.to_owned()).or_default()
        } else {
            panel
                .entry(no.to_owned())
                .or_default()
                .entry(who.to_owned())
                .or_default()
        };
        if slot.insert(code.to_owned(), value).is_some() {
            return Err(s.error(
                "scores.csv",
                format!("a second latest value of {code} by {who} for {no}"),
            ));
        }
    }
    for (no, (formation_code, _)) in &formation_of_scores {
        if !exported.iter().any(|e| &e.registration_no == no) {
            disagreements.push(Disagreement {
                formation_code: formation_code.clone(),
                registration_no: no.clone(),
                stage: String::new(),
                field: "scores",
                exported: "values in scores.csv".into(),
                recomputed: "no row in rankings.csv".into(),
            });
        }
    }
    Ok((
        Parsed {
            round_id,
            rules,
            final_rule,
            criterion_stage,
            formations,
            exported,
            panel,
            imported,
        },
        disagreements,
    ))
}

fn recompute_one_stage(p: &Parsed, report: &mut Report) -> Result<(), TableError> {
    if !p.final_rule.is_empty() {
        return Err(TableError {
            file: "stages.csv".into(),
            row: 0,
            msg: format!(
                "round.csv names the final rule {:?} of a staged round, but there are no stages",
                p.final_rule
            ),
        });
    }
    p.rules.validate().map_err(|e| TableError {
        file: "criteria.csv".into(),
        row: 0,
        msg: format!("the rules are invalid: {e}"),
    })?;
    for formation in p.formations.values() {
        let rows = p.rows_of(&formation.code);
        let apps = p.applications(
            rows.iter()
                .map(|e| (e.registration_no.as_str(), e.eligibility)),
            &|_| true,
        );
        let outcomes = rk::rank_formation(&p.rules, formation, &apps).map_err(|e| TableError {
            file: "scores.csv".into(),
            row: 0,
            msg: format!("formation {}: {e}", formation.code),
        })?;
        for o in &outcomes {
            let Some(e) = rows.iter().find(|e| e.registration_no == o.registration_no) else {
                continue;
            };
            compare(e, o, "", &mut report.disagreements);
        }
    }
    Ok(())
}

/// Compares an exported `rankings.csv` row with the recomputed outcome and
/// the stage it reached (empty for a one-stage round).
fn compare(e: &Exported, o: &rk::Outcome, stage_code: &str, out: &mut Vec<Disagreement>) {
    let recomputed: [(&'static str, usize, String); 8] = [
        ("complete", 6, round_csv::yes_no(o.complete).to_owned()),
        (
            "total_exact",
            7,
            round_csv::opt(o.total.as_ref().map(format_fraction)),
        ),
        (
            "total",
            8,
            round_csv::opt(o.total.as_ref().map(format_rounded_2dp)),
        ),
        ("passed", 9, round_csv::opt(o.passed.map(round_csv::yes_no))),
        ("rank", 10, round_csv::opt(o.rank)),
        ("status", 11, round_csv::opt(o.status.map(|s| s.as_str()))),
        ("lottery_key", 12, o.lottery_key.clone()),
        ("stage_code", 13, stage_code.to_owned()),
    ];
    for (field, k, value) in recomputed {
        let have = e.record.get(k);
        if have != value {
            out.push(Disagreement {
                formation_code: e.formation_code.clone(),
                registration_no: e.registration_no.clone(),
                stage: String::new(),
                field,
                exported: have.to_owned(),
                recomputed: value,
            });
        }
    }
}
