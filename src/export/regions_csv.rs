//! Readers for the region files `pokmas import-regions` accepts.
//!
//! Two formats, told apart by their header row:
//! - regions: `kode_kecamatan,nama_kecamatan,kode_kelurahan,nama_kelurahan`
//!   (the Kemendagri list in `fixtures/regions_samarinda.csv`);
//! - RT list: `kode_kelurahan,rt` (one row per RT).
//!
//! A file is read whole and every bad line is reported with its number, so an
//! import is all or nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

/// A kecamatan row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KecamatanRec {
    pub code: String,
    pub name: String,
}

/// A kelurahan row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KelurahanRec {
    pub code: String,
    pub kecamatan_code: String,
    pub name: String,
}

/// The content of a region file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionFile {
    Regions {
        kecamatan: Vec<KecamatanRec>,
        kelurahan: Vec<KelurahanRec>,
    },
    Rts(Vec<(String, i32)>),
}

/// One problem on one line (1-based, the header is line 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub message: String,
}

/// Every problem found in a file; nothing is imported when there is one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| format!("baris {}: {}", e.line, e.message)).collect::<Vec<_>>().join("\n"))]
pub struct FileErrors(pub Vec<LineError>);

fn is_code(s: &str, groups: &[usize]) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == groups.len()
        && parts
            .iter()
            .zip(groups)
            .all(|(p, n)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Hands every data line of `rdr` (line 2 on), its `width` fields trimmed,
/// to `take`; a line that cannot be read, has another number of fields or
/// that `take` refuses (with its message) is an error of that line, and a
/// file with no line at all is one too.
fn each_line<R: Read>(
    rdr: &mut csv::Reader<R>,
    width: usize,
    errors: &mut Vec<LineError>,
    mut take: impl FnMut(Vec<String>) -> Result<(), String>,
) {
    let mut taken = 0;
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let refused = match rec {
            Err(e) => format!("tidak dapat dibaca: {e}"),
            Ok(rec) if rec.len() != width => {
                format!("harus {width} kolom, ditemukan {}", rec.len())
            }
            Ok(rec) => match take(rec.iter().map(|s| s.trim().to_owned()).collect()) {
                Ok(()) => {
                    taken += 1;
                    continue;
                }
                Err(message) => message,
            },
        };
        errors.push(LineError {
            line,
            message: refused,
        });
    }
    if errors.is_empty() && taken == 0 {
        errors.push(LineError {
            line: 2,
            message: "berkas tidak berisi data".into(),
        });
    }
}

/// Parses a region or RT file.
///
/// # Errors
/// Every malformed line, with its number and reason.
pub fn parse(input: impl Read) -> Result<RegionFile, FileErrors> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input);
    let headers = match rdr.headers() {
        Ok(h) => h
            .iter()
            .map(|s| s.trim().trim_start_matches('\u{feff}').to_owned())
            .collect::<Vec<_>>(),
        Err(e) => {
            return Err(FileErrors(vec![LineError {
                line: 1,
                message: format!("tidak dapat dibaca: {e}"),
            }]));
        }
    };
    let regions_header = [
        "kode_kecamatan",
        "nama_kecamatan",
        "kode_kelurahan",
        "nama_kelurahan",
    ];
    let rt_header = ["kode_kelurahan", "rt"];
    let mut errors = Vec::new();
    if headers == regions_header {
        let mut kec: BTreeMap<String, String> = BTreeMap::new();
        let mut kel = Vec::new();
        let mut seen = BTreeSet::new();
        each_line(&mut rdr, 4, &mut errors, |f| {
            let (kc, kn, lc, ln) = (&f[0], &f[1], &f[2], &f[3]);
            if !is_code(kc, &[2, 2, 2]) {
                return Err(format!("kode kecamatan `{kc}` harus berbentuk 00.00.00"));
            }
            if !is_code(lc, &[2, 2, 2, 4]) || !lc.starts_with(&format!("{kc}.")) {
                return Err(format!("kode kelurahan `{lc}` harus berbentuk {kc}.0000"));
            }
            if kn.is_empty() || ln.is_empty() {
                return Err("nama kecamatan dan kelurahan wajib diisi".into());
            }
            if let Some(prev) = kec.get(kc).filter(|prev| *prev != kn) {
                return Err(format!(
                    "kecamatan {kc} bernama `{prev}` di baris sebelumnya, di sini `{kn}`"
                ));
            }
            if !seen.insert(lc.clone()) {
                return Err(format!("kelurahan {lc} muncul lebih dari sekali"));
            }
            kec.insert(kc.clone(), kn.clone());
            kel.push(KelurahanRec {
                code: lc.clone(),
                kecamatan_code: kc.clone(),
                name: ln.clone(),
            });
            Ok(())
        });
        if errors.is_empty() {
            let kecamatan = kec
                .into_iter()
                .map(|(code, name)| KecamatanRec { code, name })
                .collect();
            return Ok(RegionFile::Regions {
                kecamatan,
                kelurahan: kel,
            });
        }
    } else if headers == rt_header {
        let mut rts = Vec::new();
        let mut seen = BTreeSet::new();
        each_line(&mut rdr, 2, &mut errors, |f| {
            let code = f[0].clone();
            if !is_code(&code, &[2, 2, 2, 4]) {
                return Err(format!(
                    "kode kelurahan `{code}` harus berbentuk 00.00.00.0000"
                ));
            }
            let rt = match f[1].trim_start_matches("RT").trim().parse::<i32>() {
                Ok(n) if (1..=999).contains(&n) => n,
                _ => return Err(format!("nomor RT `{}` harus angka 1–999", f[1])),
            };
            if !seen.insert((code.clone(), rt)) {
                return Err(format!("RT {rt:03} di {code} muncul lebih dari sekali"));
            }
            rts.push((code, rt));
            Ok(())
        });
        if errors.is_empty() {
            return Ok(RegionFile::Rts(rts));
        }
    } else {
        errors.push(LineError {
            line: 1,
            message: format!(
                "baris judul `{}` tidak dikenal; harus `{}` atau `{}`",
                headers.join(","),
                regions_header.join(","),
                rt_header.join(",")
            ),
        });
    }
    Err(FileErrors(errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samarinda_fixture_has_10_kecamatan_and_59_kelurahan() {
        let f = parse(include_bytes!("../../fixtures/regions_samarinda.csv").as_slice())
            .expect("valid");
        let RegionFile::Regions {
            kecamatan,
            kelurahan,
        } = f
        else {
            panic!("not a regions file")
        };
        assert_eq!(kecamatan.len(), 10);
        assert_eq!(kelurahan.len(), 59);
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let csv = "kode_kecamatan,nama_kecamatan,kode_kelurahan,nama_kelurahan\n\
                   64.72.01,Palaran,64.72.01.1001,Rawa Makmur\n\
                   64.72.1,Palaran,64.72.01.1002,Handil Bakti\n\
                   64.72.01,Palaran,64.72.02.1003,Bukuan\n\
                   64.72.01,Palaran,64.72.01.1001,Rawa Makmur\n\
                   64.72.01,Palaran Lain,64.72.01.1004,Simpang Pasir\n";
        let err = parse(csv.as_bytes()).expect_err("bad file");
        let lines: Vec<u64> = err.0.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6]);
    }

    #[test]
    fn rt_lists_are_read_and_checked() {
        let ok = parse("kode_kelurahan,rt\n64.72.01.1001,1\n64.72.01.1001,RT 012\n".as_bytes());
        assert_eq!(
            ok,
            Ok(RegionFile::Rts(vec![
                ("64.72.01.1001".into(), 1),
                ("64.72.01.1001".into(), 12)
            ]))
        );
        let err = parse("kode_kelurahan,rt\n64.72.01.1001,0\n64.72.01.1001,x\n".as_bytes())
            .expect_err("bad");
        assert_eq!(err.0.len(), 2);
        assert!(parse("nama,umur\nx,1\n".as_bytes()).is_err());
    }
}
