//! Values of an `imported` criterion (e.g. a written-test score) read from a
//! CSV file `registration_no,value`. A file is accepted whole or
//! refused whole: every problem is reported with its line number.

use std::collections::{BTreeMap, HashMap};

use super::lang::Lang;
use super::msg::Msg;

/// One refused line (1-based; the header is line 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    /// What is wrong with it, in both languages.
    pub message: Msg,
}

impl LineError {
    /// "Baris 3: …" / "Line 3: …" in `lang`.
    #[must_use]
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Id => format!("Baris {}: {}", self.line, self.message.pick(lang)),
            Lang::En => format!("Line {}: {}", self.line, self.message.pick(lang)),
        }
    }
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::Id))
    }
}

/// Parses and checks a whole file against the criterion's scale and the
/// round's known registration numbers (`known` maps a number to whether it
/// may receive a value, e.g. `false` for an ineligible application).
/// Returns registration number → value, in file order of first appearance.
///
/// # Errors
/// Every problem found, each with its line; an empty list never.
pub fn parse_imported_csv(
    text: &str,
    scale: (i32, i32),
    known: &HashMap<String, bool>,
) -> Result<BTreeMap<String, i32>, Vec<LineError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut errors = Vec::new();
    let mut out = BTreeMap::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header_seen = false;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                errors.push(LineError {
                    line,
                    message: Msg::new(
                        "baris CSV tidak dapat dibaca (periksa tanda kutip).",
                        "the CSV line cannot be read (check the quotes).",
                    ),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let fields: Vec<&str> = record.iter().map(str::trim).collect();
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        if !header_seen {
            header_seen = true;
            if fields != ["registration_no", "value"] {
                errors.push(LineError {
                    line,
                    message: Msg::new(
                        "baris pertama harus tepat «registration_no,value».",
                        "the first line must be exactly «registration_no,value».",
                    ),
                });
            }
            continue;
        }
        if fields.len() != 2 {
            errors.push(LineError {
                line,
                message: Msg::new(
                    format!("harus ada tepat 2 kolom, ditemukan {}.", fields.len()),
                    format!("there must be exactly 2 columns, found {}.", fields.len()),
                ),
            });
            continue;
        }
        let (no, raw) = (fields[0], fields[1]);
        match known.get(no) {
            None => errors.push(LineError {
                line,
                message: Msg::new(
                    format!("nomor pendaftaran «{no}» tidak dikenal di seleksi ini."),
                    format!("registration number «{no}» is not known in this round."),
                ),
            }),
            Some(false) => errors.push(LineError {
                line,
                message: Msg::new(
                    format!(
                        "pendaftar «{no}» tidak memenuhi syarat atau mengundurkan diri; tidak dapat diberi nilai."
                    ),
                    format!(
                        "applicant «{no}» is not eligible or has withdrawn; no value can be given."
                    ),
                ),
            }),
            Some(true) => {}
        }
        match raw.parse::<i32>() {
            Ok(v) if (scale.0..=scale.1).contains(&v) => {
                if let Some(first) = first_line.get(no) {
                    errors.push(LineError {
                        line,
                        message: Msg::new(
                            format!("nomor «{no}» sudah ada di baris {first}."),
                            format!("number «{no}» is already on line {first}."),
                        ),
                    });
                } else {
                    first_line.insert(no.to_owned(), line);
                    out.insert(no.to_owned(), v);
                }
            }
            _ => errors.push(LineError {
                line,
                message: Msg::new(
                    format!(
                        "nilai «{raw}» harus bilangan bulat {}–{}.",
                        scale.0, scale.1
                    ),
                    format!(
                        "value «{raw}» must be a whole number {}–{}.",
                        scale.0, scale.1
                    ),
                ),
            }),
        }
    }
    if !header_seen {
        errors.push(LineError {
            line: 1,
            message: Msg::new(
                "berkas kosong; baris pertama harus «registration_no,value».",
                "the file is empty; the first line must be «registration_no,value».",
            ),
        });
    } else if out.is_empty() && errors.is_empty() {
        errors.push(LineError {
            line: 2,
            message: Msg::new("berkas tidak berisi nilai.", "the file holds no values."),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// What an accepted import did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    /// Identifies the rows of this file (`imported_value.batch_id`, and in every event).
    pub batch_id: String,
    /// Rows in the file.
    pub rows: usize,
    /// Values stored for the first time.
    pub added: usize,
    /// Values that replaced a different earlier value.
    pub changed: usize,
    /// Values equal to the stored one (no event).
    pub unchanged: usize,
    /// Set when results are already published: the file is checked but
    /// waits for a second admin's approval (nothing stored yet).
    pub approval_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> HashMap<String, bool> {
        [("2026-1", true), ("2026-2", true), ("2026-3", false)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }

    #[test]
    fn a_good_file_is_read_whole() {
        let got = parse_imported_csv(
            "\u{feff}registration_no,value\r\n2026-1,70\r\n\"2026-2\", 100\r\n\r\n",
            (0, 100),
            &known(),
        )
        .expect("good");
        assert_eq!(got.get("2026-1"), Some(&70));
        assert_eq!(got.get("2026-2"), Some(&100));
    }

    #[test]
    fn every_problem_is_named_with_its_line() {
        let errs = parse_imported_csv(
            "registration_no,value\n2026-1,101\n2026-9,50\n2026-1,60\n2026-3,50\n2026-2,7.5\n2026-2\n",
            (0, 100),
            &known(),
        )
        .expect_err("bad");
        let lines: Vec<u64> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 5, 6, 7]);
        assert!(errs[0].to_string().starts_with("Baris 2: nilai «101»"));
        assert!(errs[1].message.pick(Lang::Id).contains("tidak dikenal"));
        assert!(
            errs[2]
                .message
                .pick(Lang::Id)
                .contains("tidak memenuhi syarat")
        );
        // The English interface reads the same problems in English.
        assert_eq!(
            errs[0].text(Lang::En),
            "Line 2: value «101» must be a whole number 0–100."
        );
        assert_eq!(
            errs[1].text(Lang::En),
            "Line 3: registration number «2026-9» is not known in this round."
        );
    }

    #[test]
    fn a_duplicate_names_the_first_line() {
        let errs = parse_imported_csv(
            "registration_no,value\n2026-1,10\n2026-1,10\n",
            (0, 100),
            &known(),
        )
        .expect_err("dup");
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 3);
        assert!(errs[0].message.pick(Lang::Id).contains("baris 2"));
    }

    #[test]
    fn a_wrong_header_or_empty_file_is_refused() {
        assert!(parse_imported_csv("", (0, 100), &known()).is_err());
        assert!(parse_imported_csv("registration_no,value\n", (0, 100), &known()).is_err());
        let errs = parse_imported_csv("no,nilai\n2026-1,5\n", (0, 100), &known()).expect_err("h");
        assert_eq!(errs[0].line, 1);
    }
}
