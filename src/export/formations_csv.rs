//! `formations.csv`: `round_id, formation_code, name,
//! kelurahan_code, rts, seats, reserve`, with `rts` = `all` or RT numbers
//! joined by `;`.
//!
//! The reader checks a whole file and reports every bad line by number (the
//! header is line 1), so an import is all or nothing. Checks that need the
//! database (known kelurahan and RTs, overlaps) are the service's.

use crate::domain::round::{Msg, RtSet};
use crate::export::csv_safe::{escape, unescape};

/// The header row, exactly.
pub const HEADER: [&str; 7] = [
    "round_id",
    "formation_code",
    "name",
    "kelurahan_code",
    "rts",
    "seats",
    "reserve",
];

/// One formation row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormationRec {
    /// Line number in the file (header = 1), for messages.
    pub line: u64,
    pub round_id: String,
    pub code: String,
    pub name: String,
    pub kelurahan_code: String,
    pub rts: RtSet,
    pub seats: i32,
    pub reserve: i32,
}

/// A problem on one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineMsg {
    pub line: u64,
    pub msg: Msg,
}

/// Parses a `formations.csv` text.
///
/// # Errors
/// Every bad line: a wrong header, a wrong number of fields, an empty code or
/// name, a bad `rts`, seats below 1, a negative reserve, or a repeated code.
pub fn parse(text: &str) -> Result<Vec<FormationRec>, Vec<LineMsg>> {
    let mut errors = Vec::new();
    let mut out: Vec<FormationRec> = Vec::new();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut header_seen = false;
    for (i, rec) in rdr.records().enumerate() {
        let line = rec
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i as u64 + 1, |p| p.line());
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(LineMsg {
                    line,
                    msg: Msg::new(
                        format!("CSV tidak terbaca: {e}"),
                        format!("Unreadable CSV: {e}"),
                    ),
                });
                continue;
            }
        };
        if !header_seen {
            header_seen = true;
            let got: Vec<String> = rec.iter().map(|f| f.trim().to_ascii_lowercase()).collect();
            if got != HEADER {
                errors.push(LineMsg {
                    line,
                    msg: Msg::new(
                        format!("Baris judul harus «{}».", HEADER.join(",")),
                        format!("The header must be «{}».", HEADER.join(",")),
                    ),
                });
                return Err(errors);
            }
            continue;
        }
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rec.len() != HEADER.len() {
            errors.push(LineMsg {
                line,
                msg: Msg::new(
                    format!("Harus ada 7 kolom, ditemukan {}.", rec.len()),
                    format!("Expected 7 fields, found {}.", rec.len()),
                ),
            });
            continue;
        }
        let f = |k: usize| unescape(rec.get(k).unwrap_or_default().trim()).to_owned();
        let mut bad = |m: Msg| errors.push(LineMsg { line, msg: m });
        let code = f(1);
        let name = f(2);
        if code.is_empty() || code.chars().count() > 40 {
            bad(Msg::new(
                "Kode formasi wajib diisi (maks. 40 karakter).",
                "The formation code is required (at most 40 characters).",
            ));
            continue;
        }
        if name.is_empty() || name.chars().count() > 120 {
            bad(Msg::new(
                "Nama formasi wajib diisi (maks. 120 karakter).",
                "The formation name is required (at most 120 characters).",
            ));
            continue;
        }
        let rts = match RtSet::parse(&f(4)) {
            Ok(r) => r,
            Err(m) => {
                bad(m);
                continue;
            }
        };
        let seats = match f(5).parse::<i32>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                bad(Msg::new(
                    "Kursi harus bilangan bulat 1–1000.",
                    "Seats must be a whole number 1–1000.",
                ));
                continue;
            }
        };
        let reserve = match f(6).parse::<i32>() {
            Ok(n) if (0..=1000).contains(&n) => n,
            _ => {
                bad(Msg::new(
                    "Cadangan harus bilangan bulat 0–1000.",
                    "Reserve must be a whole number 0–1000.",
                ));
                continue;
            }
        };
        if let Some(prev) = out.iter().find(|r| r.code == code) {
            bad(Msg::new(
                format!("Kode formasi {code} sudah dipakai di baris {}.", prev.line),
                format!(
                    "Formation code {code} is already used on line {}.",
                    prev.line
                ),
            ));
            continue;
        }
        out.push(FormationRec {
            line,
            round_id: f(0),
            code,
            name,
            kelurahan_code: f(3),
            rts,
            seats,
            reserve,
        });
    }
    if !header_seen {
        errors.push(LineMsg {
            line: 1,
            msg: Msg::new("Berkas kosong.", "The file is empty."),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Writes rows as `formations.csv` (header first, formula-escaped text fields).
///
/// # Errors
/// Only if writing to memory fails.
pub fn write(rows: &[FormationRec]) -> anyhow::Result<String> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(HEADER)?;
    for r in rows {
        w.write_record([
            escape(&r.round_id).as_ref(),
            escape(&r.code).as_ref(),
            escape(&r.name).as_ref(),
            escape(&r.kelurahan_code).as_ref(),
            r.rts.to_csv().as_str(),
            r.seats.to_string().as_str(),
            r.reserve.to_string().as_str(),
        ])?;
    }
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_file_reads_back() {
        let rows = vec![
            FormationRec {
                line: 2,
                round_id: "r".into(),
                code: "64.72.09.1004".into(),
                name: "Pokmas Bugis, \"utara\"".into(),
                kelurahan_code: "64.72.09.1004".into(),
                rts: RtSet::All,
                seats: 5,
                reserve: 2,
            },
            FormationRec {
                line: 3,
                round_id: "r".into(),
                code: "-A".into(),
                name: "=x".into(),
                kelurahan_code: "64.72.09.1001".into(),
                rts: RtSet::Some(vec![1, 2, 3]),
                seats: 3,
                reserve: 0,
            },
        ];
        let text = write(&rows).expect("write");
        assert!(
            text.starts_with("round_id,formation_code,name,kelurahan_code,rts,seats,reserve\n")
        );
        assert!(text.contains(",'-A,'=x,64.72.09.1001,1;2;3,3,0\n"));
        assert_eq!(parse(&text).expect("parse"), rows);
    }

    #[test]
    fn every_bad_line_is_reported_by_number() {
        let text = "round_id,formation_code,name,kelurahan_code,rts,seats,reserve\n\
                    r,A,Satu,64.72.09.1001,1;2,2,1\n\
                    r,B,Dua,64.72.09.1001,1;x,2,1\n\
                    r,C,Tiga,64.72.09.1001,3,0,1\n\
                    r,A,Empat,64.72.09.1001,4,1,1\n\
                    r,D\n";
        let errs = parse(text).expect_err("bad");
        let lines: Vec<u64> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6]);
        assert!(errs[2].msg.id.contains("baris 2"));
        assert!(parse("a,b\n").is_err());
        assert!(parse("").is_err());
    }
}
