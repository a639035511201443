//! Values of an `imported` criterion (e.g. a written-test score) read from a
//! CSV file `registration_no,value`. A file is accepted whole or
//! refused whole: every problem is reported with its line number.

use std::collections::{BTreeMap, HashMap};

/// One refused line (1-based; the header is line 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    /// Message in Bahasa Indonesia.
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Baris {}: {}", self.line, self.message)
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
                    message: "baris CSV tidak dapat dibaca (periksa tanda kutip).".into(),
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
                    message: "baris pertama harus tepat «registration_no,value».".into(),
                });
            }
            continue;
        }
        if fields.len() != 2 {
            errors.push(LineError {
                line,
                message: format!("harus ada tepat 2 kolom, ditemukan {}.", fields.len()),
            });
            continue;
        }
        let (no, raw) = (fields[0], fields[1]);
        match known.get(no) {
            None => errors.push(LineError {
                line,
                message: format!("nomor pendaftaran «{no}» tidak dikenal di seleksi ini."),
            }),
            Some(false) => errors.push(LineError {
                line,
                message: format!(
                    "pendaftar «{no}» tidak memenuhi syarat atau mengundurkan diri; tidak dapat diberi nilai."
                ),
            }),
            Some(true) => {}
        }
        match raw.parse::<i32>() {
            Ok(v) if (scale.0..=scale.1).contains(&v) => {
                if let Some(first) = first_line.get(no) {
                    errors.push(LineError {
                        line,
                        message: format!("nomor «{no}» sudah ada di baris {first}."),
                    });
                } else {
                    first_line.insert(no.to_owned(), line);
                    out.insert(no.to_owned(), v);
                }
            }
            _ => errors.push(LineError {
                line,
                message: format!(
                    "nilai «{raw}» harus bilangan bulat {}–{}.",
                    scale.0, scale.1
                ),
            }),
        }
    }
    if !header_seen {
        errors.push(LineError {
            line: 1,
            message: "berkas kosong; baris pertama harus «registration_no,value».".into(),
        });
    } else if out.is_empty() && errors.is_empty() {
        errors.push(LineError {
            line: 2,
            message: "berkas tidak berisi nilai.".into(),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
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
        assert!(errs[1].message.contains("tidak dikenal"));
        assert!(errs[2].message.contains("tidak memenuhi syarat"));
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
        assert!(errs[0].message.contains("baris 2"));
    }

    #[test]
    fn a_wrong_header_or_empty_file_is_refused() {
        assert!(parse_imported_csv("", (0, 100), &known()).is_err());
        assert!(parse_imported_csv("registration_no,value\n", (0, 100), &known()).is_err());
        let errs = parse_imported_csv("no,nilai\n2026-1,5\n", (0, 100), &known()).expect_err("h");
        assert_eq!(errs[0].line, 1);
    }
}
