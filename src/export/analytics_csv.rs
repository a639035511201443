//! `analytics.csv`: the panel review of a round (reliability per formation
//! and criterion, group bias per panelist, the second-look marks) and the
//! system's conflict flags it was computed from; and `pokmas audit analytics
//! DIR`, which recomputes every figure from an `export all` folder with the
//! same domain code ([`crate::domain::panel_review::review`]) and lists each
//! row where the exported file says something else. No database involved.
//!
//! Inputs of the re-computation: `criteria.csv` (panel criteria and their
//! scales), `scores.csv` (rows with `latest` = `true`: the values that count,
//! which leave out recused panelists and removed panel members),
//! `applications.csv` (each applicant's kelurahan and RT) and the
//! `conflict_flag` rows of `analytics.csv`.
//!
//! Numbers: α, means and differences are exact fractions (`-25/3`); ICCs and
//! p-values are the shortest decimal that reads back as the same double.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use crate::domain::analytics::Scale;
use crate::domain::group_bias::{Applicant, Tie};
use crate::domain::panel_review::{Review, ReviewInput, review};
use crate::domain::reliability::{AlphaReading, Icc, Ratio};
use crate::export::round_csv::{
    APPLICATIONS, CRITERIA, IMPORT_PANELIST, Record, SCORES, TableError, TableWriter, read_table,
    yes_no,
};

/// The column contract of `analytics.csv`.
pub const ANALYTICS: [&str; 31] = [
    "round_id",
    "kind",
    "formation_code",
    "criterion_code",
    "panelist_id",
    "registration_no",
    "group",
    "applications",
    "values",
    "applications_out",
    "values_out",
    "panelists",
    "flagged_panelists",
    "alpha",
    "alpha_reading",
    "icc_targets",
    "icc_single",
    "icc_single_low",
    "icc_single_high",
    "icc_single_reading",
    "icc_average",
    "icc_average_low",
    "icc_average_high",
    "icc_average_reading",
    "mean_in",
    "mean_out",
    "difference",
    "p_value",
    "p_threshold",
    "flagged",
    "second_look",
];

fn col(name: &str) -> usize {
    ANALYTICS.iter().position(|c| *c == name).unwrap_or(0)
}

fn fraction(r: &Ratio) -> String {
    if r.denom() == &1.into() {
        r.numer().to_string()
    } else {
        format!("{}/{}", r.numer(), r.denom())
    }
}

fn float(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// One row under construction: every column empty until set.
struct Row(Vec<String>);

impl Row {
    fn new(round_id: &str, kind: &str) -> Row {
        let mut r = Row(vec![String::new(); ANALYTICS.len()]);
        r.set("round_id", round_id).set("kind", kind);
        r
    }

    fn set(&mut self, name: &str, v: impl ToString) -> &mut Row {
        self.0[col(name)] = v.to_string();
        self
    }

    fn icc(&mut self, prefix: &str, icc: &Icc) -> &mut Row {
        self.set(prefix, float(icc.value))
            .set(&format!("{prefix}_low"), float(icc.lower))
            .set(&format!("{prefix}_high"), float(icc.upper))
            .set(&format!("{prefix}_reading"), icc.reading().as_str())
    }
}

/// Every row of `analytics.csv` for a review and its conflict flags, in
/// file order: formations (each with its criteria), panelists' groups, flags.
#[must_use]
pub fn rows(round_id: &str, review: &Review, ties: &[Tie]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for f in review.formations.iter().filter(|f| !f.panelists.is_empty()) {
        let mut r = Row::new(round_id, "formation");
        r.set("formation_code", &f.code)
            .set("panelists", f.panelists.len())
            .set("flagged_panelists", f.flagged.len())
            .set("second_look", yes_no(f.concerns().any()));
        if let Some(a) = f.lowest_alpha() {
            r.set("alpha", fraction(a))
                .set("alpha_reading", AlphaReading::of(a).as_str());
        }
        out.push(r.0);
        for c in &f.criteria {
            let mut r = Row::new(round_id, "reliability");
            r.set("formation_code", &f.code)
                .set("criterion_code", &c.criterion)
                .set("applications", c.pairable)
                .set("values", c.values)
                .set("panelists", f.panelists.len());
            if let Some(a) = &c.alpha {
                r.set("alpha", fraction(a))
                    .set("alpha_reading", AlphaReading::of(a).as_str());
            }
            if let Some(i) = &c.icc {
                r.set("icc_targets", i.targets)
                    .icc("icc_single", &i.single)
                    .icc("icc_average", &i.average);
            }
            out.push(r.0);
        }
    }
    for p in &review.panelists {
        for g in &p.groups {
            let mut r = Row::new(round_id, "group_bias");
            r.set("panelist_id", &p.panelist)
                .set("group", g.group.key())
                .set("applications", g.applications_in)
                .set("values", g.values_in)
                .set("applications_out", g.applications_out)
                .set("values_out", g.values_out)
                .set("mean_in", fraction(&g.mean_in))
                .set("mean_out", fraction(&g.mean_out))
                .set("difference", fraction(&g.difference))
                .set("p_value", float(g.p_value))
                .set("p_threshold", float(g.p_threshold))
                .set("flagged", yes_no(g.flagged));
            out.push(r.0);
        }
    }
    let mut ties: Vec<&Tie> = ties.iter().collect();
    ties.sort_by(|a, b| (&a.panelist, &a.application).cmp(&(&b.panelist, &b.application)));
    for t in ties {
        let flags: Vec<&str> = [
            (t.same_rt, "same_rt"),
            (t.same_family_card, "same_family_card"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        let mut r = Row::new(round_id, "conflict_flag");
        r.set("panelist_id", &t.panelist)
            .set("registration_no", &t.application)
            .set("group", flags.join("+"));
        out.push(r.0);
    }
    out
}

/// Writes `analytics.csv`; returns the data rows written.
///
/// # Errors
/// Any I/O error from `w`.
pub fn write<W: Write>(
    w: W,
    round_id: &str,
    review: &Review,
    ties: &[Tie],
) -> std::io::Result<u64> {
    let mut t = TableWriter::new(w, &ANALYTICS)?;
    for r in rows(round_id, review, ties) {
        t.row(&r)?;
    }
    Ok(t.finish()?.1)
}

/// One row where the export and the re-computation differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    /// The row's identity: kind, formation, criterion, panelist, group.
    pub row: String,
    pub exported: String,
    pub recomputed: String,
}

/// What the re-computation found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub formations: usize,
    pub panelists: usize,
    pub flagged: Vec<String>,
    pub disagreements: Vec<Disagreement>,
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, TableError> {
    std::fs::read(dir.join(name)).map_err(|e| TableError {
        file: name.to_owned(),
        row: 0,
        msg: format!("cannot read: {e}"),
    })
}

fn number<T: std::str::FromStr>(rec: &Record, file: &str, k: usize) -> Result<T, TableError> {
    rec.get(k)
        .parse()
        .map_err(|_| rec.error(file, format!("not a number: {:?}", rec.get(k))))
}

/// Reads the inputs from an `export all` folder.
///
/// # Errors
/// A missing or malformed file, naming the file and row.
pub fn read_input(dir: &Path) -> Result<(String, ReviewInput, Vec<Record>), TableError> {
    let criteria = read_table(&read(dir, "criteria.csv")?, "criteria.csv", &CRITERIA)?;
    let scores = read_table(&read(dir, "scores.csv")?, "scores.csv", &SCORES)?;
    let apps = read_table(
        &read(dir, "applications.csv")?,
        "applications.csv",
        &APPLICATIONS,
    )?;
    let analytics = read_table(&read(dir, "analytics.csv")?, "analytics.csv", &ANALYTICS)?;
    let mut scales = Vec::new();
    let mut round_id = String::new();
    for c in &criteria {
        round_id = c.get(0).to_owned();
        if c.get(8) == "panel" {
            scales.push(Scale {
                code: c.get(1).to_owned(),
                min: number(c, "criteria.csv", 4)?,
                max: number(c, "criteria.csv", 5)?,
            });
        }
    }
    // Values by formation code, as the server orders its formations.
    let mut formations: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for s in scores
        .iter()
        .filter(|s| s.get(8) == "true" && s.get(3) != IMPORT_PANELIST)
    {
        formations.entry(s.get(2)).or_default().push(s);
    }
    let mut builder = ReviewInput::builder(scales);
    for (code, rows) in formations {
        builder.formation(code.to_owned());
        for s in rows {
            builder.score(s.get(3), s.get(1), s.get(4), number(s, "scores.csv", 5)?);
        }
    }
    let mut applicants = Vec::new();
    for a in apps
        .iter()
        .filter(|a| !a.get(3).is_empty() && !a.get(4).is_empty())
    {
        applicants.push(Applicant {
            application: a.get(1).to_owned(),
            kelurahan: a.get(3).to_owned(),
            rt: number(a, "applications.csv", 4)?,
        });
    }
    let ties = analytics
        .iter()
        .filter(|r| r.get(col("kind")) == "conflict_flag")
        .map(|r| {
            let flags = r.get(col("group"));
            Tie {
                panelist: r.get(col("panelist_id")).to_owned(),
                application: r.get(col("registration_no")).to_owned(),
                same_rt: flags.split('+').any(|f| f == "same_rt"),
                same_family_card: flags.split('+').any(|f| f == "same_family_card"),
            }
        })
        .collect();
    let input = builder.finish(applicants, ties);
    Ok((round_id, input, analytics))
}

fn identity(fields: &[String]) -> String {
    let mut s = String::new();
    for name in [
        "kind",
        "formation_code",
        "criterion_code",
        "panelist_id",
        "registration_no",
        "group",
    ] {
        let v = &fields[col(name)];
        if !v.is_empty() {
            let _ = write!(s, "{}{name}={v}", if s.is_empty() { "" } else { " " });
        }
    }
    s
}

/// Recomputes the panel review from the files in `dir` and compares it
/// with their `analytics.csv`.
///
/// # Errors
/// As [`read_input`].
pub fn recompute_dir(dir: &Path) -> Result<Report, TableError> {
    let (round_id, input, exported) = read_input(dir)?;
    let recomputed = review(&input);
    let expected = rows(&round_id, &recomputed, &input.ties);
    let mut by_id: BTreeMap<String, Vec<String>> =
        expected.into_iter().map(|r| (identity(&r), r)).collect();
    let mut disagreements = Vec::new();
    for rec in &exported {
        let key = identity(&rec.fields);
        match by_id.remove(&key) {
            Some(r) if r == rec.fields => {}
            Some(r) => disagreements.push(Disagreement {
                row: key,
                exported: rec.fields.join(","),
                recomputed: r.join(","),
            }),
            None => disagreements.push(Disagreement {
                row: key,
                exported: rec.fields.join(","),
                recomputed: "(no such row)".into(),
            }),
        }
    }
    for (key, r) in by_id {
        disagreements.push(Disagreement {
            row: key,
            exported: "(missing)".into(),
            recomputed: r.join(","),
        });
    }
    Ok(Report {
        formations: recomputed
            .formations
            .iter()
            .filter(|f| !f.panelists.is_empty())
            .count(),
        panelists: recomputed.panelists.len(),
        flagged: recomputed
            .panelists
            .iter()
            .flat_map(|p| {
                p.groups
                    .iter()
                    .filter(|g| g.flagged)
                    .map(move |g| format!("{} {}", p.panelist, g.group.key()))
            })
            .collect(),
        disagreements,
    })
}
