//! `pokmas audit recompute DIR`: re-ranks every formation from the files of
//! an `export all` folder with the same domain code the server uses
//! ([`crate::domain::ranking::rank_formation`]) and lists every place where
//! the exported `rankings.csv` says something else. No database involved.
//!
//! Inputs: `round.csv` (rules and lottery seed), `criteria.csv`,
//! `formations.csv` (seats and reserve), `scores.csv` (the rows with
//! `latest` = `true` are the values that count; `panelist_id` = `import`
//! marks imported values) and `rankings.csv` (which applications exist and
//! their eligibility — inputs — and the exported results to check).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::domain::ranking::{
    self as rk, Aggregation, CriterionKind, Eligibility, RoundRules, format_fraction,
    format_rounded_2dp,
};
use crate::export::formations_csv;
use crate::export::round_csv::{
    self, CRITERIA, IMPORT_PANELIST, RANKINGS, ROUND, Record, SCORES, TableError, read_table,
};

/// One field where the export and the re-computation differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    pub formation_code: String,
    pub registration_no: String,
    /// `complete`, `total_exact`, `total`, `passed`, `rank`, `status`,
    /// `lottery_key`, or `scores` for values of an unlisted application.
    pub field: &'static str,
    pub exported: String,
    pub recomputed: String,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {} exported {:?}, recomputed {:?}",
            self.registration_no, self.formation_code, self.field, self.exported, self.recomputed
        )
    }
}

/// The result of a re-computation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub formations: usize,
    pub applications: usize,
    pub disagreements: Vec<Disagreement>,
}

/// Reads the five files from `dir` and re-computes.
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
    recompute(&Files {
        round: read("round.csv")?,
        formations: read("formations.csv")?,
        criteria: read("criteria.csv")?,
        scores: read("scores.csv")?,
        rankings: read("rankings.csv")?,
    })
}

/// The bytes of the five input files.
pub struct Files {
    pub round: Vec<u8>,
    pub formations: Vec<u8>,
    pub criteria: Vec<u8>,
    pub scores: Vec<u8>,
    pub rankings: Vec<u8>,
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

struct Exported {
    formation_code: String,
    registration_no: String,
    eligibility: Eligibility,
    record: Record,
}

/// Re-computes from the files' bytes.
///
/// # Errors
/// As [`recompute_dir`].
pub fn recompute(files: &Files) -> Result<Report, TableError> {
    let round = read_table(&files.round, "round.csv", &ROUND)?;
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
    let mut rules = RoundRules {
        aggregation,
        passing_total: opt_int(r, "round.csv", 4, "passing_total")?,
        min_panelists: int(r, "round.csv", 5, "min_panelists")?,
        criteria: Vec::new(),
        seed: r.get(6).to_owned(),
    };
    for c in read_table(&files.criteria, "criteria.csv", &CRITERIA)? {
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
    rules.validate().map_err(|e| TableError {
        file: "criteria.csv".into(),
        row: 0,
        msg: format!("the rules are invalid: {e}"),
    })?;

    let mut formations: BTreeMap<String, rk::Formation> = BTreeMap::new();
    for f in read_table(&files.formations, "formations.csv", &formations_csv::HEADER)? {
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
    for rec in read_table(&files.rankings, "rankings.csv", &RANKINGS)? {
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

    // registration_no → (panelist → (code → value)) and imported values.
    let mut panel: BTreeMap<String, BTreeMap<String, BTreeMap<String, i64>>> = BTreeMap::new();
    let mut imported: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut formation_of_scores: BTreeMap<String, (String, u64)> = BTreeMap::new();
    for s in read_table(&files.scores, "scores.csv", &SCORES)? {
        same_round(&s, "scores.csv", &round_id)?;
        let latest = match s.get(8) {
            "true" => true,
            "false" => false,
            other => {
                return Err(s.error(
                    "scores.csv",
                    format!("latest must be true or false, not {other:?}"),
                ));
            }
        };
        let _: u32 = int(&s, "scores.csv", 6, "version")?;
        let value: i64 = int(&s, "scores.csv", 5, "value")?;
        formation_of_scores
            .entry(s.get(1).to_owned())
            .or_insert((s.get(2).to_owned(), s.row));
        if !latest {
            continue;
        }
        let (no, who, code) = (s.get(1), s.get(3), s.get(4));
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

    let mut report = Report {
        formations: formations.len(),
        applications: exported.len(),
        disagreements: Vec::new(),
    };
    for (no, (formation_code, _)) in &formation_of_scores {
        if !exported.iter().any(|e| &e.registration_no == no) {
            report.disagreements.push(Disagreement {
                formation_code: formation_code.clone(),
                registration_no: no.clone(),
                field: "scores",
                exported: "values in scores.csv".into(),
                recomputed: "no row in rankings.csv".into(),
            });
        }
    }
    for formation in formations.values() {
        let rows: Vec<&Exported> = exported
            .iter()
            .filter(|e| e.formation_code == formation.code)
            .collect();
        let apps: Vec<rk::Application> = rows
            .iter()
            .map(|e| rk::Application {
                registration_no: e.registration_no.clone(),
                eligibility: e.eligibility,
                panel_scores: panel
                    .get(&e.registration_no)
                    .into_iter()
                    .flatten()
                    .map(|(who, values)| rk::PanelScore {
                        panelist_id: who.clone(),
                        recused: false,
                        submitted: Some(values.clone()),
                    })
                    .collect(),
                imported: imported
                    .get(&e.registration_no)
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();
        let outcomes = rk::rank_formation(&rules, formation, &apps).map_err(|e| TableError {
            file: "scores.csv".into(),
            row: 0,
            msg: format!("formation {}: {e}", formation.code),
        })?;
        for o in &outcomes {
            let Some(e) = rows.iter().find(|e| e.registration_no == o.registration_no) else {
                continue;
            };
            compare(e, o, &mut report.disagreements);
        }
    }
    Ok(report)
}

fn compare(e: &Exported, o: &rk::Outcome, out: &mut Vec<Disagreement>) {
    let recomputed: [(&'static str, usize, String); 7] = [
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
    ];
    for (field, k, value) in recomputed {
        let have = e.record.get(k);
        if have != value {
            out.push(Disagreement {
                formation_code: e.formation_code.clone(),
                registration_no: e.registration_no.clone(),
                field,
                exported: have.to_owned(),
                recomputed: value,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's worked example ("Auditing offline"), file for file.
    fn example() -> Files {
        let round = "round_id,name,state,aggregation,passing_total,min_panelists,lottery_seed\n\
                     r1,Contoh,final,mean,60,3,contoh\n";
        let formations = "round_id,formation_code,name,kelurahan_code,rts,seats,reserve\n\
                          r1,F1,Pokmas Contoh,64.72.01.1001,all,1,1\n";
        let criteria = "round_id,code,name,weight,scale_min,scale_max,pass_min,tiebreak_order,kind\n\
                        r1,K1,Wawancara,60,1,5,,1,panel\n\
                        r1,K2,Tes tertulis,40,0,100,,,imported\n";
        let mut scores = String::from(
            "round_id,registration_no,formation_code,panelist_id,criterion_code,value,version,submitted_at,latest\n",
        );
        let panel = [
            ("R-001", [5, 4, 4]),
            ("R-002", [4, 4, 4]),
            ("R-003", [3, 3, 4]),
            ("R-004", [5, 5, 5]),
        ];
        for (no, values) in panel {
            for (p, v) in ["p1", "p2", "p3"].iter().zip(values) {
                let version = if (no, *p) == ("R-002", "p1") { 2 } else { 1 };
                scores.push_str(&format!(
                    "r1,{no},F1,{p},K1,{v},{version},2026-03-02T01:00:00.000000Z,true\n"
                ));
            }
        }
        // An amended scorecard: version 1 no longer counts.
        scores.push_str("r1,R-002,F1,p1,K1,2,1,2026-03-01T01:00:00.000000Z,false\n");
        for (no, v) in [("R-001", 70), ("R-002", 82), ("R-003", 60), ("R-004", 45)] {
            scores.push_str(&format!(
                "r1,{no},F1,import,K2,{v},1,2026-03-01T00:00:00.000000Z,true\n"
            ));
        }
        let rankings = "round_id,formation_code,kelurahan_code,rt,registration_no,eligibility,complete,total_exact,total,passed,rank,status,lottery_key\n\
            r1,F1,64.72.01.1001,1,R-004,eligible,true,78/1,78.00,true,1,selected,304acf661aaf9aeda5dc0173e57ed49449dec77729a9e757c58e1ac308b9a16e\n\
            r1,F1,64.72.01.1001,2,R-001,eligible,true,78/1,78.00,true,2,reserve,ddaa5aa34ed7f6a050e05210d172940ff6184c6fd1e76542c9164d4b8326ebba\n\
            r1,F1,64.72.01.1001,1,R-002,eligible,true,389/5,77.80,true,3,not_selected,5b2bd7e96de49ff822c95a7009fbfa0910d6be0886b4cae7c5b69a99479d1102\n\
            r1,F1,64.72.01.1001,3,R-003,eligible,true,59/1,59.00,false,,not_passed,3276a09c1302bbc1d661fb09a210018185b5b3db17dc4334d29ef730f37a697b\n\
            r1,F1,64.72.01.1001,3,R-005,pending,false,,,,,,99f4a839c330c7f4e8b6aa23f727e831e2869f25e418f69a498166d34357111c\n";
        Files {
            round: round.into(),
            formations: formations.into(),
            criteria: criteria.into(),
            scores: scores.into_bytes(),
            rankings: rankings.into(),
        }
    }

    #[test]
    fn the_readme_worked_example_is_what_the_ranking_code_computes() {
        let report = recompute(&example()).unwrap();
        assert_eq!(report.disagreements, vec![]);
        assert_eq!((report.formations, report.applications), (1, 5));
    }

    #[test]
    fn a_changed_score_moves_every_derived_field_and_each_is_reported() {
        let mut files = example();
        // p3 gave R-001 a 5 instead of a 4: 14/3 → n = 11/12 → total 83.
        let scores = String::from_utf8(files.scores).unwrap().replacen(
            "r1,R-001,F1,p3,K1,4,",
            "r1,R-001,F1,p3,K1,5,",
            1,
        );
        files.scores = scores.into_bytes();
        let report = recompute(&files).unwrap();
        let fields: Vec<(&str, &str, &str)> = report
            .disagreements
            .iter()
            .map(|d| (d.registration_no.as_str(), d.field, d.recomputed.as_str()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("R-001", "total_exact", "83/1"),
                ("R-001", "total", "83.00"),
                ("R-001", "rank", "1"),
                ("R-001", "status", "selected"),
                ("R-004", "rank", "2"),
                ("R-004", "status", "reserve"),
            ]
        );
    }

    #[test]
    fn malformed_files_are_named_with_their_row() {
        let mut files = example();
        files.criteria = b"round_id,code\n".to_vec();
        let e = recompute(&files).unwrap_err();
        assert_eq!((e.file.as_str(), e.row), ("criteria.csv", 0));
        let mut files = example();
        files.rankings = String::from_utf8(files.rankings)
            .unwrap()
            .replacen("R-003,eligible", "R-003,maybe", 1)
            .into_bytes();
        let e = recompute(&files).unwrap_err();
        assert_eq!((e.file.as_str(), e.row), ("rankings.csv", 4));
        let mut files = example();
        files.scores = String::from_utf8(files.scores)
            .unwrap()
            .replacen("K2,70,", "K2,170,", 1)
            .into_bytes();
        assert!(
            recompute(&files)
                .unwrap_err()
                .msg
                .contains("outside its scale")
        );
    }
}
