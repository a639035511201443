//! Made-up residents for the demo: names from `fixtures/demo_names.json`,
//! NIKs that agree with the birth date and sex (except where a mismatch is
//! wanted), small documents. Everything comes from the seeded generator.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use time::{Date, Month};

use crate::domain::nik::Sex;

const NAMES: &str = include_str!("../../fixtures/demo_names.json");

/// The name parts of the fixture.
#[derive(Debug, serde::Deserialize)]
pub struct NameParts {
    pub male: Vec<String>,
    pub female: Vec<String>,
    pub family: Vec<String>,
}

impl NameParts {
    /// The bundled lists.
    ///
    /// # Errors
    /// Only if the bundled file is malformed (a unit test proves it is not).
    pub fn bundled() -> anyhow::Result<NameParts> {
        Ok(serde_json::from_str(NAMES)?)
    }

    /// A full name for `sex`: one or two given names and a second name.
    pub fn full_name(&self, rng: &mut ChaCha8Rng, sex: Sex) -> String {
        let given = match sex {
            Sex::Male => &self.male,
            Sex::Female => &self.female,
        };
        let first = given.choose(rng).map_or("Nur", String::as_str);
        let family = self.family.choose(rng).map_or("Saputra", String::as_str);
        if rng.random_ratio(1, 3) {
            let second = given.choose(rng).map_or("Ayu", String::as_str);
            if second != first {
                return format!("{first} {second} {family}");
            }
        }
        format!("{first} {family}")
    }
}

/// One generated resident.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub sex: Sex,
    pub birth_date: Date,
    /// The NIK as typed (16 digits).
    pub nik: String,
    /// Birth date typed differently from the NIK (a warning, never a refusal).
    pub typed_birth_date: Date,
}

/// A NIK for someone registered in kecamatan `kec` (two digits, e.g. `09`) of
/// Samarinda (64.72), born on `born`, with the serial `serial` (1–9999):
/// `PPRRKK DDMMYY SSSS`, 40 added to the day for women.
#[must_use]
pub fn nik_for(kec: &str, born: Date, sex: Sex, serial: u32) -> String {
    let day = u32::from(born.day()) + if sex == Sex::Female { 40 } else { 0 };
    format!(
        "6472{kec}{day:02}{:02}{:02}{:04}",
        u8::from(born.month()),
        born.year().rem_euclid(100),
        serial.clamp(1, 9999)
    )
}

/// A resident of kecamatan `kec` aged about 20–62 on `today`; with
/// `mismatch`, the typed birth date differs from the NIK's by a few days.
pub fn person(
    rng: &mut ChaCha8Rng,
    names: &NameParts,
    kec: &str,
    today: Date,
    serial: u32,
    mismatch: bool,
) -> Person {
    let sex = if rng.random_bool(0.5) {
        Sex::Male
    } else {
        Sex::Female
    };
    let year = today.year() - rng.random_range(20..=62);
    let month = Month::try_from(rng.random_range(1u8..=12)).unwrap_or(Month::January);
    let day = rng.random_range(1u8..=28);
    let birth_date = Date::from_calendar_date(year, month, day).unwrap_or(today);
    let typed_birth_date = if mismatch {
        birth_date
            .replace_day(if day > 14 { day - 10 } else { day + 10 })
            .unwrap_or(birth_date)
    } else {
        birth_date
    };
    Person {
        name: names.full_name(rng, sex),
        sex,
        birth_date,
        nik: nik_for(kec, birth_date, sex, serial),
        typed_birth_date,
    }
}

/// A small, valid PDF naming the document and its owner's registration
/// draft, so every upload is distinct and opens in a viewer.
#[must_use]
pub fn small_pdf(title: &str, body: &str) -> Vec<u8> {
    let text = format!("({title}) Tj 0 -16 Td ({body}) Tj");
    let stream = format!("BT /F1 11 Tf 40 780 Td {text} ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::nik::{Nik, check_consistency};
    use rand::SeedableRng;
    use time::macros::date;

    #[test]
    fn generated_niks_parse_and_agree_with_birth_date_and_sex() {
        let names = NameParts::bundled().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let today = date!(2026 - 11 - 28);
        for serial in 1..500 {
            let p = person(&mut rng, &names, "09", today, serial, false);
            let nik = Nik::parse(&p.nik, today).unwrap();
            assert!(check_consistency(&nik, p.birth_date, p.sex, today).is_empty());
        }
    }

    #[test]
    fn a_wanted_mismatch_gives_a_birth_date_warning() {
        let names = NameParts::bundled().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let today = date!(2026 - 11 - 28);
        let p = person(&mut rng, &names, "01", today, 12, true);
        let nik = Nik::parse(&p.nik, today).unwrap();
        assert_eq!(
            check_consistency(&nik, p.typed_birth_date, p.sex, today).len(),
            1
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_people() {
        let names = NameParts::bundled().unwrap();
        let today = date!(2026 - 11 - 28);
        let run = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (1..20)
                .map(|s| person(&mut rng, &names, "09", today, s, false).name)
                .collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn the_pdf_is_recognised_as_a_pdf() {
        let pdf = small_pdf("KTP", "2026-6472091001-0001");
        assert_eq!(
            crate::storage::sniff(&pdf),
            Some(crate::storage::DocKind::Pdf)
        );
    }
}
