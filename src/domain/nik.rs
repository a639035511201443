//! NIK (Nomor Induk Kependudukan), the 16-digit national identity number,
//! parsed once at the edge so an invalid one cannot exist past it.
//!
//! Layout: `PP RR KK DDMMYY SSSS` — province, regency/city, kecamatan (where
//! the person was first registered, not necessarily Samarinda's 64.72), birth
//! date (women add 40 to the day) and a serial.

use std::fmt;

use thiserror::Error;
use time::{Date, Month};

use super::lang::Lang;
use super::masking::mask_nik;
use super::msg::Msg;

/// Province codes that can start a NIK (Kemendagri / Dukcapil coding).
///
/// 11–19 Sumatra and Bangka Belitung, 21 Kepulauan Riau, 31–36 Java and
/// Banten, 51–53 Bali and Nusa Tenggara, 61–65 Kalimantan (64 Kalimantan Timur),
/// 71–76 Sulawesi, 81–82 Maluku, 91–97 Papua. The Papua range includes the
/// provinces split off in 2022–2023 (Papua Selatan, Papua Tengah, Papua
/// Pegunungan, Papua Barat Daya); NIKs issued before a split keep the old
/// province's code, so old codes stay valid. Update this list when a new
/// province gets a code.
pub const PROVINCE_CODES: &[u8] = &[
    11, 12, 13, 14, 15, 16, 17, 18, 19, //
    21, //
    31, 32, 33, 34, 35, 36, //
    51, 52, 53, //
    61, 62, 63, 64, 65, //
    71, 72, 73, 74, 75, 76, //
    81, 82, //
    91, 92, 93, 94, 95, 96, 97,
];

/// Offset women add to the day of birth in a NIK.
const FEMALE_DAY_OFFSET: u8 = 40;
const NIK_LEN: usize = 16;

/// Sex as encoded in a NIK (the day of birth plus 40 for women).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Laki-laki.
    Male,
    /// Perempuan.
    Female,
}

/// A valid NIK: 16 ASCII digits with a known province, non-zero regency,
/// kecamatan and serial, and a birth date that exists.
///
/// `Debug` shows it masked (`647201**********`) so a NIK never reaches a log by
/// accident; use [`Nik::as_str`] where the full number is really needed
/// (encryption, keyed hash).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik(String);

/// Why a typed NIK was refused. Each variant has a message for the person who
/// typed it in both languages ([`NikError::message`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum NikError {
    /// Something other than a digit (after trimming surrounding spaces).
    #[error("NIK may only contain digits")]
    NotDigits,
    /// Not exactly 16 digits (the value is the number of digits found).
    #[error("NIK must have exactly 16 digits, found {0}")]
    WrongLength(usize),
    /// Digits 1–2 are not a province code.
    #[error("NIK digits 1-2 are not a province code")]
    UnknownProvince,
    /// Digits 3–4 are `00`.
    #[error("NIK digits 3-4 (regency/city) cannot be 00")]
    ZeroRegency,
    /// Digits 5–6 are `00`.
    #[error("NIK digits 5-6 (kecamatan) cannot be 00")]
    ZeroKecamatan,
    /// Digits 7–8 are neither 01–31 nor 41–71.
    #[error("NIK digits 7-8 (day of birth) must be 01-31, or 41-71 for women")]
    InvalidBirthDay,
    /// Digits 9–10 are not 01–12.
    #[error("NIK digits 9-10 (month of birth) must be 01-12")]
    InvalidBirthMonth,
    /// Digits 7–12 name a day that does not exist, e.g. 31 April or 29 February
    /// of a non-leap year.
    #[error("NIK digits 7-12 are not an existing date of birth")]
    BirthDateDoesNotExist,
    /// Digits 13–16 are `0000`.
    #[error("NIK digits 13-16 (serial) cannot be 0000")]
    ZeroSerial,
}

impl NikError {
    /// The message to show the person who typed the NIK.
    #[must_use]
    pub fn message(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::NotDigits, Lang::Id) => "NIK hanya boleh berisi angka.",
            (Self::NotDigits, Lang::En) => "The NIK may only contain digits.",
            (Self::WrongLength(_), Lang::Id) => "NIK harus terdiri dari tepat 16 angka.",
            (Self::WrongLength(_), Lang::En) => "The NIK must have exactly 16 digits.",
            (Self::UnknownProvince, Lang::Id) => {
                "Dua angka pertama NIK bukan kode provinsi yang dikenal."
            }
            (Self::UnknownProvince, Lang::En) => {
                "The first two digits of the NIK are not a known province code."
            }
            (Self::ZeroRegency, Lang::Id) => {
                "Angka ke-3 dan ke-4 NIK (kode kabupaten/kota) tidak boleh 00."
            }
            (Self::ZeroRegency, Lang::En) => {
                "Digits 3-4 of the NIK (regency/city code) cannot be 00."
            }
            (Self::ZeroKecamatan, Lang::Id) => {
                "Angka ke-5 dan ke-6 NIK (kode kecamatan) tidak boleh 00."
            }
            (Self::ZeroKecamatan, Lang::En) => {
                "Digits 5-6 of the NIK (kecamatan code) cannot be 00."
            }
            (Self::InvalidBirthDay, Lang::Id) => {
                "Angka ke-7 dan ke-8 NIK (tanggal lahir) harus 01-31, atau 41-71 untuk perempuan."
            }
            (Self::InvalidBirthDay, Lang::En) => {
                "Digits 7-8 of the NIK (day of birth) must be 01-31, or 41-71 for women."
            }
            (Self::InvalidBirthMonth, Lang::Id) => {
                "Angka ke-9 dan ke-10 NIK (bulan lahir) harus 01-12."
            }
            (Self::InvalidBirthMonth, Lang::En) => {
                "Digits 9-10 of the NIK (month of birth) must be 01-12."
            }
            (Self::BirthDateDoesNotExist, Lang::Id) => {
                "Tanggal lahir dalam NIK (angka ke-7 s.d. ke-12) tidak ada di kalender."
            }
            (Self::BirthDateDoesNotExist, Lang::En) => {
                "The date of birth in the NIK (digits 7-12) does not exist in the calendar."
            }
            (Self::ZeroSerial, Lang::Id) => {
                "Empat angka terakhir NIK (nomor urut) tidak boleh 0000."
            }
            (Self::ZeroSerial, Lang::En) => {
                "The last four digits of the NIK (serial number) cannot be 0000."
            }
        }
    }
}

/// A disagreement between a NIK and what the applicant typed. Never a reason
/// to reject: real NIKs carry registration errors; it is shown to
/// the applicant and the verifying operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NikWarning {
    /// Day, month or two-digit year of birth differ.
    BirthDateMismatch {
        /// The birth date the NIK encodes (century resolved as in [`Nik::birth_date`]).
        nik: Date,
        /// The birth date typed by the applicant.
        typed: Date,
    },
    /// The sex encoded by the day of birth differs.
    SexMismatch {
        /// The sex the NIK encodes.
        nik: Sex,
        /// The sex typed by the applicant.
        typed: Sex,
    },
}

impl NikWarning {
    /// The message to show the applicant and the operator.
    #[must_use]
    pub fn message(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::BirthDateMismatch { .. }, Lang::Id) => {
                "Tanggal lahir yang diisi berbeda dengan tanggal lahir dalam NIK. Periksa kembali; jika NIK memang benar, lanjutkan."
            }
            (Self::BirthDateMismatch { .. }, Lang::En) => {
                "The date of birth entered differs from the one in the NIK. Please check; if the NIK is correct, continue."
            }
            (Self::SexMismatch { .. }, Lang::Id) => {
                "Jenis kelamin yang diisi berbeda dengan yang tercantum dalam NIK. Periksa kembali; jika NIK memang benar, lanjutkan."
            }
            (Self::SexMismatch { .. }, Lang::En) => {
                "The sex entered differs from the one in the NIK. Please check; if the NIK is correct, continue."
            }
        }
    }
}

impl Nik {
    /// Parses a NIK as typed: surrounding whitespace is trimmed, nothing else
    /// is forgiven.
    ///
    /// `today` resolves the century of the birth year, which the NIK does not
    /// encode: `YY` is `20YY` unless that date is after `today`, then `19YY`.
    /// It matters for validity (29 February 2000 exists, 1900 does not).
    ///
    /// # Errors
    /// A [`NikError`] naming the first rule broken, checked in digit order.
    pub fn parse(input: &str, today: Date) -> Result<Self, NikError> {
        let s = input.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NikError::NotDigits);
        }
        if s.len() != NIK_LEN {
            return Err(NikError::WrongLength(s.len()));
        }
        let d = s.as_bytes();
        let province = two_digits(d, 0);
        if !PROVINCE_CODES.contains(&province) {
            return Err(NikError::UnknownProvince);
        }
        if two_digits(d, 2) == 0 {
            return Err(NikError::ZeroRegency);
        }
        if two_digits(d, 4) == 0 {
            return Err(NikError::ZeroKecamatan);
        }
        let (day, _) = split_day(two_digits(d, 6)).ok_or(NikError::InvalidBirthDay)?;
        let month = Month::try_from(two_digits(d, 8)).map_err(|_| NikError::InvalidBirthMonth)?;
        resolve_birth_date(two_digits(d, 10), month, day, today)
            .ok_or(NikError::BirthDateDoesNotExist)?;
        if &s[12..] == "0000" {
            return Err(NikError::ZeroSerial);
        }
        Ok(Self(s.to_owned()))
    }

    /// The full 16 digits. Handle with care: encrypt, hash, never log.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The NIK masked for operators and auditors: `647201**********`.
    #[must_use]
    pub fn masked(&self) -> String {
        mask_nik(&self.0)
    }

    /// Digits 1–2, the province code (e.g. `64` Kalimantan Timur).
    #[must_use]
    pub fn province(&self) -> &str {
        &self.0[0..2]
    }

    /// Digits 1–4, the regency/city code including its province (e.g. `6472`
    /// Samarinda), the form used in region tables.
    #[must_use]
    pub fn regency(&self) -> &str {
        &self.0[0..4]
    }

    /// Digits 1–6, the kecamatan code including province and regency (e.g.
    /// `647201`).
    #[must_use]
    pub fn kecamatan(&self) -> &str {
        &self.0[0..6]
    }

    /// Digits 13–16, the serial.
    #[must_use]
    pub fn serial(&self) -> &str {
        &self.0[12..16]
    }

    /// The sex encoded by the day of birth (women add 40).
    #[must_use]
    pub fn sex(&self) -> Sex {
        if two_digits(self.0.as_bytes(), 6) > FEMALE_DAY_OFFSET {
            Sex::Female
        } else {
            Sex::Male
        }
    }

    /// The birth date, with the century resolved against `today` as in
    /// [`Nik::parse`].
    #[must_use]
    pub fn birth_date(&self, today: Date) -> Date {
        let d = self.0.as_bytes();
        let (day, _) = split_day(two_digits(d, 6)).unwrap_or((1, Sex::Male));
        let month = Month::try_from(two_digits(d, 8)).unwrap_or(Month::January);
        let yy = two_digits(d, 10);
        resolve_birth_date(yy, month, day, today)
            // Only reachable with a `today` before 29 February 2000 for a NIK
            // parsed later as born that day: 2000 is a leap year, so any day
            // and month that parsed exist in 2000 + YY then.
            .or_else(|| Date::from_calendar_date(2000 + i32::from(yy), month, day).ok())
            .unwrap_or(Date::MIN)
    }
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

/// Compares a NIK with the birth date and sex an applicant typed.
///
/// The century is not in the NIK, so birth dates are compared on day, month
/// and two-digit year only; `today` only resolves the date reported in the
/// warning. Returns no warning when everything agrees.
#[must_use]
pub fn check_consistency(
    nik: &Nik,
    typed_birth_date: Date,
    typed_sex: Sex,
    today: Date,
) -> Vec<NikWarning> {
    let mut warnings = Vec::new();
    let nik_date = nik.birth_date(today);
    if nik_date.day() != typed_birth_date.day()
        || nik_date.month() != typed_birth_date.month()
        || nik_date.year().rem_euclid(100) != typed_birth_date.year().rem_euclid(100)
    {
        warnings.push(NikWarning::BirthDateMismatch {
            nik: nik_date,
            typed: typed_birth_date,
        });
    }
    let nik_sex = nik.sex();
    if nik_sex != typed_sex {
        warnings.push(NikWarning::SexMismatch {
            nik: nik_sex,
            typed: typed_sex,
        });
    }
    warnings
}

/// The two-digit number at `at` of an all-digit byte string.
fn two_digits(d: &[u8], at: usize) -> u8 {
    (d[at] - b'0') * 10 + (d[at + 1] - b'0')
}

/// Splits a NIK day field into the calendar day and the sex.
fn split_day(dd: u8) -> Option<(u8, Sex)> {
    match dd {
        1..=31 => Some((dd, Sex::Male)),
        41..=71 => Some((dd - FEMALE_DAY_OFFSET, Sex::Female)),
        _ => None,
    }
}

/// `20YY-MM-DD` unless it does not exist or is after `today`, else `19YY-MM-DD`
/// if that exists.
fn resolve_birth_date(yy: u8, month: Month, day: u8, today: Date) -> Option<Date> {
    match Date::from_calendar_date(2000 + i32::from(yy), month, day) {
        Ok(date) if date <= today => Some(date),
        _ => Date::from_calendar_date(1900 + i32::from(yy), month, day).ok(),
    }
}

/// The stored warning codes as messages.
#[must_use]
pub fn warning_messages(stored: &str) -> Vec<Msg> {
    let codes: Vec<String> = serde_json::from_str(stored).unwrap_or_default();
    codes.iter().filter_map(|c| warning_message(c)).collect()
}

/// One stored NIK warning code as a message.
#[must_use]
pub fn warning_message(code: &str) -> Option<Msg> {
    match code {
        "birth_date_mismatch" => Some(Msg::new(
            "Tanggal lahir yang diisi berbeda dengan tanggal lahir dalam NIK. Periksa kembali; jika NIK memang benar, lanjutkan.",
            "The date of birth entered differs from the one in the NIK. Please check; if the NIK is correct, continue.",
        )),
        "sex_mismatch" => Some(Msg::new(
            "Jenis kelamin yang diisi berbeda dengan yang tercantum dalam NIK. Periksa kembali; jika NIK memang benar, lanjutkan.",
            "The sex entered differs from the one in the NIK. Please check; if the NIK is correct, continue.",
        )),
        _ => None,
    }
}

/// The stored warnings as a submitted application reads them: nothing can
/// be edited any more, so they say what the committee does with them rather
/// than asking to check and continue.
#[must_use]
pub fn submitted_warning_messages(stored: &str) -> Vec<Msg> {
    let codes: Vec<String> = serde_json::from_str(stored).unwrap_or_default();
    codes
        .iter()
        .filter_map(|c| match c.as_str() {
            "birth_date_mismatch" => Some(Msg::new(
                "Tanggal lahir yang diisi berbeda dengan tanggal lahir dalam NIK. Data sudah terkirim dan tidak dapat diubah; panitia mencocokkannya dengan KTP saat verifikasi.",
                "The date of birth entered differs from the one in the NIK. The data was submitted and cannot be changed; the committee compares it with the KTP during verification.",
            )),
            "sex_mismatch" => Some(Msg::new(
                "Jenis kelamin yang diisi berbeda dengan yang tercantum dalam NIK. Data sudah terkirim dan tidak dapat diubah; panitia mencocokkannya dengan KTP saat verifikasi.",
                "The sex entered differs from the one in the NIK. The data was submitted and cannot be changed; the committee compares it with the KTP during verification.",
            )),
            _ => None,
        })
        .collect()
}

/// The code a NIK warning is stored under.
#[must_use]
pub fn warning_code(w: &NikWarning) -> &'static str {
    match w {
        NikWarning::BirthDateMismatch { .. } => "birth_date_mismatch",
        NikWarning::SexMismatch { .. } => "sex_mismatch",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);

    fn parse(s: &str) -> Result<Nik, NikError> {
        Nik::parse(s, TODAY)
    }

    #[test]
    fn good_male_nik_parses_into_its_parts() {
        let nik = parse("6472011505900001").unwrap();
        assert_eq!(nik.as_str(), "6472011505900001");
        assert_eq!(nik.province(), "64");
        assert_eq!(nik.regency(), "6472");
        assert_eq!(nik.kecamatan(), "647201");
        assert_eq!(nik.serial(), "0001");
        assert_eq!(nik.sex(), Sex::Male);
        assert_eq!(nik.birth_date(TODAY), date!(1990 - 05 - 15));
    }

    #[test]
    fn female_day_has_forty_added() {
        let nik = parse("6472015505900001").unwrap();
        assert_eq!(nik.sex(), Sex::Female);
        assert_eq!(nik.birth_date(TODAY), date!(1990 - 05 - 15));
        assert_eq!(
            parse("6472014101900001").unwrap().birth_date(TODAY),
            date!(1990 - 01 - 01)
        );
        assert_eq!(
            parse("6472017101900001").unwrap().birth_date(TODAY),
            date!(1990 - 01 - 31)
        );
    }

    #[test]
    fn day_outside_both_ranges_is_refused() {
        for dd in ["00", "32", "39", "40", "72", "99"] {
            let s = format!("647201{dd}05900001");
            assert_eq!(parse(&s), Err(NikError::InvalidBirthDay), "day {dd}");
        }
    }

    #[test]
    fn month_must_be_1_to_12() {
        assert_eq!(parse("6472011500900001"), Err(NikError::InvalidBirthMonth));
        assert_eq!(parse("6472011513900001"), Err(NikError::InvalidBirthMonth));
    }

    #[test]
    fn february_29_only_in_leap_years() {
        assert_eq!(
            parse("6472012902960001").unwrap().birth_date(TODAY),
            date!(1996 - 02 - 29)
        );
        assert_eq!(
            parse("6472016902960001").unwrap().birth_date(TODAY),
            date!(1996 - 02 - 29)
        );
        assert_eq!(
            parse("6472012902970001"),
            Err(NikError::BirthDateDoesNotExist)
        );
        assert_eq!(
            parse("6472016902970001"),
            Err(NikError::BirthDateDoesNotExist)
        );
        // 2000 is a leap year, 1900 is not: YY=00 resolves to 2000 today.
        assert_eq!(
            parse("6472012902000001").unwrap().birth_date(TODAY),
            date!(2000 - 02 - 29)
        );
        assert_eq!(
            Nik::parse("6472012902000001", date!(1999 - 12 - 31)),
            Err(NikError::BirthDateDoesNotExist)
        );
        assert_eq!(
            parse("6472013104900001"),
            Err(NikError::BirthDateDoesNotExist)
        );
    }

    #[test]
    fn century_is_20yy_unless_that_is_in_the_future() {
        assert_eq!(
            parse("6472012811260001").unwrap().birth_date(TODAY),
            date!(2026 - 11 - 28)
        );
        assert_eq!(
            parse("6472012911260001").unwrap().birth_date(TODAY),
            date!(1926 - 11 - 29)
        );
        assert_eq!(
            parse("6472010101270001").unwrap().birth_date(TODAY),
            date!(1927 - 01 - 01)
        );
        assert_eq!(
            parse("6472010101050001").unwrap().birth_date(TODAY),
            date!(2005 - 01 - 01)
        );
    }

    #[test]
    fn zero_codes_are_refused() {
        assert_eq!(parse("0072011505900001"), Err(NikError::UnknownProvince));
        assert_eq!(parse("6400011505900001"), Err(NikError::ZeroRegency));
        assert_eq!(parse("6472001505900001"), Err(NikError::ZeroKecamatan));
        assert_eq!(parse("6472011505900000"), Err(NikError::ZeroSerial));
    }

    #[test]
    fn province_must_be_on_the_official_list() {
        for ok in [
            "11", "19", "21", "31", "36", "51", "53", "61", "65", "71", "76", "81", "82", "91",
            "97",
        ] {
            assert!(
                parse(&format!("{ok}72011505900001")).is_ok(),
                "province {ok}"
            );
        }
        for bad in [
            "10", "20", "22", "30", "37", "50", "54", "60", "66", "70", "77", "80", "83", "90",
            "98", "99",
        ] {
            assert_eq!(
                parse(&format!("{bad}72011505900001")),
                Err(NikError::UnknownProvince),
                "province {bad}"
            );
        }
    }

    #[test]
    fn length_must_be_sixteen() {
        assert_eq!(parse("647201150590000"), Err(NikError::WrongLength(15)));
        assert_eq!(parse("64720115059000011"), Err(NikError::WrongLength(17)));
        assert_eq!(parse(""), Err(NikError::WrongLength(0)));
    }

    #[test]
    fn letters_and_inner_spaces_are_refused_outer_spaces_trimmed() {
        assert_eq!(parse("64720115059O0001"), Err(NikError::NotDigits));
        assert_eq!(parse("6472 0115 0590 0001"), Err(NikError::NotDigits));
        assert_eq!(parse("٦٤٧٢٠١١٥٠٥٩٠٠٠٠١"), Err(NikError::NotDigits));
        assert_eq!(
            parse("  6472011505900001\t").unwrap().as_str(),
            "6472011505900001"
        );
    }

    #[test]
    fn every_error_has_a_message_in_both_languages() {
        let all = [
            NikError::NotDigits,
            NikError::WrongLength(3),
            NikError::UnknownProvince,
            NikError::ZeroRegency,
            NikError::ZeroKecamatan,
            NikError::InvalidBirthDay,
            NikError::InvalidBirthMonth,
            NikError::BirthDateDoesNotExist,
            NikError::ZeroSerial,
        ];
        for e in all {
            assert!(e.message(Lang::Id).contains("NIK"));
            assert!(e.message(Lang::En).contains("NIK"));
            assert_ne!(e.message(Lang::Id), e.message(Lang::En));
        }
    }

    #[test]
    fn debug_never_shows_the_full_nik() {
        let nik = parse("6472011505900001").unwrap();
        assert_eq!(format!("{nik:?}"), "Nik(647201**********)");
        assert_eq!(nik.masked(), "647201**********");
    }

    #[test]
    fn consistency_mismatches_are_warnings() {
        let nik = parse("6472015505900001").unwrap();
        assert!(check_consistency(&nik, date!(1990 - 05 - 15), Sex::Female, TODAY).is_empty());
        // Century is not encoded, so 2090 vs 1990 is not a mismatch.
        assert!(check_consistency(&nik, date!(2090 - 05 - 15), Sex::Female, TODAY).is_empty());
        assert_eq!(
            check_consistency(&nik, date!(1990 - 05 - 16), Sex::Male, TODAY),
            vec![
                NikWarning::BirthDateMismatch {
                    nik: date!(1990 - 05 - 15),
                    typed: date!(1990 - 05 - 16)
                },
                NikWarning::SexMismatch {
                    nik: Sex::Female,
                    typed: Sex::Male
                },
            ]
        );
        let w = NikWarning::SexMismatch {
            nik: Sex::Female,
            typed: Sex::Male,
        };
        assert_ne!(w.message(Lang::Id), w.message(Lang::En));
    }

    fn valid_parts() -> impl Strategy<Value = (u8, u8, u8, Date, Sex, u16)> {
        (
            proptest::sample::select(PROVINCE_CODES),
            1u8..=99,
            1u8..=99,
            // Any day between 1927 and today has a unique two-digit year.
            (date!(1927 - 01 - 01).to_julian_day()..=TODAY.to_julian_day())
                .prop_map(|j| Date::from_julian_day(j).unwrap()),
            prop_oneof![Just(Sex::Male), Just(Sex::Female)],
            1u16..=9999,
        )
    }

    proptest! {
        #[test]
        fn nik_built_from_valid_parts_round_trips((p, r, k, born, sex, serial) in valid_parts()) {
            let dd = born.day() + if sex == Sex::Female { 40 } else { 0 };
            let s = format!("{p:02}{r:02}{k:02}{dd:02}{:02}{:02}{serial:04}", u8::from(born.month()), born.year() % 100);
            let nik = Nik::parse(&s, TODAY).unwrap();
            prop_assert_eq!(nik.as_str(), s.as_str());
            prop_assert_eq!(nik.province(), format!("{p:02}"));
            prop_assert_eq!(nik.regency(), format!("{p:02}{r:02}"));
            prop_assert_eq!(nik.kecamatan(), format!("{p:02}{r:02}{k:02}"));
            prop_assert_eq!(nik.serial(), format!("{serial:04}"));
            prop_assert_eq!(nik.sex(), sex);
            prop_assert_eq!(nik.birth_date(TODAY), born);
            prop_assert!(check_consistency(&nik, born, sex, TODAY).is_empty());
        }

        #[test]
        fn anything_but_sixteen_digits_fails(s in ".{0,24}") {
            let t = s.trim();
            prop_assume!(!(t.len() == 16 && t.bytes().all(|b| b.is_ascii_digit())));
            prop_assert!(Nik::parse(&s, TODAY).is_err());
        }

        #[test]
        fn wrong_digit_count_fails(s in "[0-9]{0,15}|[0-9]{17,30}") {
            prop_assert_eq!(Nik::parse(&s, TODAY), Err(NikError::WrongLength(s.len())));
        }
    }
}
