//! The round's export files: `round.csv`, `criteria.csv`, `stages.csv`,
//! `scores.csv`, `shortlists.csv`, `rankings.csv` and `applications.csv` —
//! their column contracts, one writer and one strict reader for all of them.
//!
//! Format: UTF-8 without BOM, a header row, LF line ends, RFC 4180 quoting
//! (a field is quoted when it holds `,` `"` CR or LF). Every field goes
//! through [`csv_safe`]: a value starting with `=` `+` `-` `@` TAB CR or `'`
//! gets one leading `'`, and the reader strips exactly one leading `'` from
//! every field. Extra columns are only ever appended at the end of a contract.
//!
//! The reader is the strict grammar of `audit.csv` (a CR outside quotes, a
//! quote inside a bare field or a wrong field count is an error naming the
//! row), and the header must be exactly the contract.

use std::fmt;
use std::io::{self, Write};

use crate::export::csv_safe;
use crate::export::strict_csv::{Fields, Step, parse_record};

/// `round.csv`; `final_rule` (`last_stage` | `weighted`, empty for a
/// one-stage round) was appended with the stages, and the programme's
/// frozen rules after it: `domicile_rule` (`rt` | `kelurahan` | `city`) and
/// the names the round's texts use (`programme_id` … `member_en`).
pub const ROUND: [&str; 15] = [
    "round_id",
    "name",
    "state",
    "aggregation",
    "passing_total",
    "min_panelists",
    "lottery_seed",
    "final_rule",
    "domicile_rule",
    "programme_id",
    "programme_en",
    "group_id",
    "group_en",
    "member_id",
    "member_en",
];

/// The columns of `round.csv` before the programme's were appended: a file
/// with only these still reads (see [`read_table_since`]).
pub const ROUND_BEFORE_PROGRAMME: usize = 8;

/// `criteria.csv`; `kind` (`panel` | `imported`) is appended to the published
/// column contract because a re-computation must know which values come from a file,
/// and `stage_code` (empty for a one-stage round) with the stages.
pub const CRITERIA: [&str; 10] = [
    "round_id",
    "code",
    "name",
    "weight",
    "scale_min",
    "scale_max",
    "pass_min",
    "tiebreak_order",
    "kind",
    "stage_code",
];

/// `stages.csv`: one row per stage of a staged round, first to last (only
/// the header for a one-stage round), with its rule for who goes on, its
/// weight in a weighted final rule and its shortlist's publication (empty
/// until published).
pub const STAGES: [&str; 11] = [
    "round_id",
    "position",
    "code",
    "name",
    "scoring",
    "advance_top_k",
    "advance_passing_total",
    "final_weight",
    "shortlist_event_seq",
    "shortlist_published_at",
    "objection_ends_at",
];

/// `scores.csv`: one row per submitted scorecard version and criterion, and
/// one per imported value (`panelist_id` = `import`); `stage_code` (the
/// criterion's stage, empty for a one-stage round) was appended with the
/// stages.
pub const SCORES: [&str; 10] = [
    "round_id",
    "registration_no",
    "formation_code",
    "panelist_id",
    "criterion_code",
    "value",
    "version",
    "submitted_at",
    "latest",
    "stage_code",
];

/// `shortlists.csv`: one row per candidate of each published shortlist.
pub const SHORTLISTS: [&str; 7] = [
    "round_id",
    "stage_code",
    "formation_code",
    "registration_no",
    "advances",
    "position",
    "total_exact",
];

/// `rankings.csv`: one row per submitted application; `stage_code` (the
/// stage the application reached, empty for a one-stage round) was appended
/// with the stages.
pub const RANKINGS: [&str; 14] = [
    "round_id",
    "formation_code",
    "kelurahan_code",
    "rt",
    "registration_no",
    "eligibility",
    "complete",
    "total_exact",
    "total",
    "passed",
    "rank",
    "status",
    "lottery_key",
    "stage_code",
];

/// `applications.csv`: who applied where and whether they were eligible,
/// by registration number, with the NIK masked (never a name, address or
/// phone: the rank can be re-derived and the eligibility decisions checked
/// without them, and the file leaves the server).
pub const APPLICATIONS: [&str; 10] = [
    "round_id",
    "registration_no",
    "formation_code",
    "kelurahan_code",
    "rt",
    "nik_masked",
    "assisted",
    "submitted_at",
    "eligibility",
    "ineligible_reasons",
];

/// `panelist_id` of an imported value in `scores.csv`.
pub const IMPORT_PANELIST: &str = "import";

/// Writes one export file: the header, then rows, every field formula-escaped.
pub struct TableWriter<W: Write> {
    w: csv::Writer<W>,
    columns: usize,
    rows: u64,
}

impl<W: Write> TableWriter<W> {
    /// Starts a file with its header row.
    ///
    /// # Errors
    /// Any I/O error from `w`.
    pub fn new(w: W, header: &[&str]) -> io::Result<Self> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(w);
        w.write_record(header).map_err(io::Error::other)?;
        Ok(TableWriter {
            w,
            columns: header.len(),
            rows: 0,
        })
    }

    /// Writes one row.
    ///
    /// # Errors
    /// Any I/O error, or a row with the wrong number of fields (a bug).
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> io::Result<()> {
        if cells.len() != self.columns {
            return Err(io::Error::other(format!(
                "a row of {} fields under a header of {}",
                cells.len(),
                self.columns
            )));
        }
        self.w
            .write_record(
                cells
                    .iter()
                    .map(|c| csv_safe::escape(c.as_ref()).into_owned()),
            )
            .map_err(io::Error::other)?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes and returns the writer and the number of data rows.
    ///
    /// # Errors
    /// Any I/O error while flushing.
    pub fn finish(self) -> io::Result<(W, u64)> {
        let rows = self.rows;
        let w = self.w.into_inner().map_err(|e| e.into_error())?;
        Ok((w, rows))
    }
}

/// `true` / `false`, as the files spell booleans.
#[must_use]
pub fn yes_no(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// An optional value: empty when absent.
#[must_use]
pub fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// A problem in one file: malformed (exit 2 in the CLI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableError {
    pub file: String,
    /// Data row (1-based); 0 is the header.
    pub row: u64,
    pub msg: String,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row == 0 {
            write!(f, "{} header row: {}", self.file, self.msg)
        } else {
            write!(f, "{} row {}: {}", self.file, self.row, self.msg)
        }
    }
}

impl std::error::Error for TableError {}

/// One data row: its number and its unescaped fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub row: u64,
    pub fields: Vec<String>,
}

impl Record {
    /// A field by index (the reader guarantees the count).
    #[must_use]
    pub fn get(&self, k: usize) -> &str {
        self.fields.get(k).map_or("", String::as_str)
    }

    /// An error about this row.
    #[must_use]
    pub fn error(&self, file: &str, msg: impl Into<String>) -> TableError {
        TableError {
            file: file.to_owned(),
            row: self.row,
            msg: msg.into(),
        }
    }
}

/// Reads a whole file strictly: the header must be exactly `header`, every
/// row must have as many fields, and each field loses exactly one leading `'`.
///
/// # Errors
/// The first malformed row, by number.
pub fn read_table(bytes: &[u8], file: &str, header: &[&str]) -> Result<Vec<Record>, TableError> {
    read_table_since(bytes, file, header, header.len())
}

/// [`read_table`] that also reads the file as an earlier version wrote it:
/// the header may be exactly `header` or exactly its first `oldest`
/// columns (columns are only ever appended), and the columns a row lacks
/// then read as empty.
///
/// # Errors
/// The first malformed row, by number.
pub fn read_table_since(
    bytes: &[u8],
    file: &str,
    header: &[&str],
    oldest: usize,
) -> Result<Vec<Record>, TableError> {
    read_table_widths(bytes, file, header, &[oldest])
}

/// [`read_table`] that also reads every earlier version of the file: the
/// header may be exactly `header` or exactly its first `w` columns for a
/// `w` in `earlier` (the widths earlier versions wrote, columns only ever
/// being appended), and the columns a row lacks then read as empty.
///
/// # Errors
/// The first malformed row, by number.
pub fn read_table_widths(
    bytes: &[u8],
    file: &str,
    header: &[&str],
    earlier: &[usize],
) -> Result<Vec<Record>, TableError> {
    let err = |row, msg: String| TableError {
        file: file.to_owned(),
        row,
        msg,
    };
    let mut fields = Fields::default();
    let mut pos = 0;
    let mut row = 0u64;
    let mut out = Vec::new();
    // The columns this file has: `header`'s first `width`.
    let mut width = header.len();
    loop {
        fields.clear();
        let n = match parse_record(&bytes[pos..], true, &mut fields)
            .map_err(|why| err(row, format!("broken CSV: {why}")))?
        {
            Step::Record(n) => n,
            Step::End if row == 0 => return Err(err(0, "the file is empty".into())),
            Step::End | Step::NeedMore => return Ok(out),
        };
        pos += n;
        if row == 0 {
            width = fields.len();
            let same = (width == header.len()
                || earlier.iter().any(|w| width == (*w).min(header.len())))
                && (0..width).all(|k| fields.field(k) == header[k].as_bytes());
            if !same {
                return Err(err(
                    0,
                    format!("the header must be exactly: {}", header.join(",")),
                ));
            }
        } else {
            if fields.len() != width {
                return Err(err(
                    row,
                    format!("expected {width} fields but found {}", fields.len()),
                ));
            }
            let mut values = Vec::with_capacity(header.len());
            for (k, name) in header.iter().enumerate().take(width) {
                let text = std::str::from_utf8(fields.field(k))
                    .map_err(|_| err(row, format!("{name} is not valid UTF-8")))?;
                values.push(csv_safe::unescape(text).to_owned());
            }
            values.resize(header.len(), String::new());
            out.push(Record {
                row,
                fields: values,
            });
        }
        row += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(rows: &[[&str; 3]]) -> Vec<u8> {
        let mut w = TableWriter::new(Vec::new(), &["a", "b", "c"]).unwrap();
        for r in rows {
            w.row(r).unwrap();
        }
        let (bytes, n) = w.finish().unwrap();
        assert_eq!(n, rows.len() as u64);
        bytes
    }

    #[test]
    fn what_is_written_reads_back_with_formula_escaping_undone() {
        let rows = [
            ["=SUM(A1)", "x, \"y\"", "line\nbreak"],
            ["-3", "'quoted", ""],
        ];
        let bytes = written(&rows);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("a,b,c\n'=SUM(A1),\"x, \"\"y\"\"\",\"line\nbreak\"\n"));
        assert!(text.contains("\n'-3,''quoted,\n"));
        let back = read_table(&bytes, "t.csv", &["a", "b", "c"]).unwrap();
        assert_eq!(back.len(), 2);
        for (rec, want) in back.iter().zip(rows) {
            assert_eq!(rec.fields, want);
        }
        assert_eq!(back[1].row, 2);
    }

    #[test]
    fn a_file_of_an_earlier_version_reads_with_the_appended_columns_empty() {
        let old = b"a,b\n1,2\n";
        let back = read_table_since(old, "t.csv", &["a", "b", "c"], 2).unwrap();
        assert_eq!(back[0].fields, ["1", "2", ""]);
        assert!(read_table(old, "t.csv", &["a", "b", "c"]).is_err());
        // Neither the old nor the new header: refused.
        assert!(read_table_since(b"a\n1\n", "t.csv", &["a", "b", "c"], 2).is_err());
        // A new header with an old row: the row is short.
        let e = read_table_since(b"a,b,c\n1,2\n", "t.csv", &["a", "b", "c"], 2).unwrap_err();
        assert_eq!(e.row, 1);
    }

    #[test]
    fn a_wrong_header_or_row_is_named() {
        let bytes = written(&[["1", "2", "3"]]);
        let e = read_table(&bytes, "t.csv", &["a", "b", "d"]).unwrap_err();
        assert_eq!(e.row, 0);
        let e = read_table(b"a,b,c\n1,2,3\n1,2\n", "t.csv", &["a", "b", "c"]).unwrap_err();
        assert_eq!(
            (e.row, e.msg.as_str()),
            (2, "expected 3 fields but found 2")
        );
        let e = read_table(b"a,b,c\r\n", "t.csv", &["a", "b", "c"]).unwrap_err();
        assert_eq!(e.row, 0);
        let e = read_table(b"a,b,c\n1,x\"y,3\n", "t.csv", &["a", "b", "c"]).unwrap_err();
        assert_eq!(e.row, 1);
        assert!(read_table(b"", "t.csv", &["a"]).is_err());
        assert_eq!(
            read_table(b"a,b,c", "t.csv", &["a", "b", "c"]).unwrap(),
            vec![]
        );
    }
}
