//! What an applicant gets back on submission: a registration number, a status
//! PIN and a fingerprint of what was submitted.
//!
//! Pure: the PIN's randomness comes from `crate::pii::generate_pin`, its
//! argon2 hash from `services::accounts::hash_password`.

use std::fmt;

use sha2::{Digest, Sha256};
use thiserror::Error;
use time::Date;

use super::audit::{PayloadError, canonical_payload};
use super::lang::Lang;
use super::nik::Sex;

/// Digits in a kelurahan code (`64.72.01.1001` → `6472011001`).
const KELURAHAN_DIGITS: usize = 10;
/// The highest sequence number a registration number can carry (four digits).
pub const MAX_SEQ: u16 = 9999;

/// A registration number, `<year>-<kelurahan code digits>-<seq>`, e.g.
/// `2023-6472011001-0042`: the 42nd submission in kelurahan 64.72.01.1001 in
/// 2023, counted across that year's rounds (two rounds of one year would
/// otherwise hand out the same number).
///
/// The kelurahan comes first after the year so that numbers sort and group by
/// kelurahan, as operators handle them; the dots are dropped so the number
/// survives being typed into a phone or read out loud.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegistrationNo {
    year: u16,
    /// Exactly ten ASCII digits.
    kelurahan: String,
    seq: u16,
}

/// Why a registration number could not be built or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum RegistrationNoError {
    /// Not `YYYY-DDDDDDDDDD-SSSS`.
    #[error("a registration number looks like 2023-6472011001-0042")]
    Malformed,
    /// The year is not four digits (1000–9999).
    #[error("the year must have four digits")]
    YearOutOfRange,
    /// The kelurahan code is not `NN.NN.NN.NNNN`.
    #[error("a kelurahan code looks like 64.72.01.1001")]
    BadKelurahanCode,
    /// The sequence number is not 1–9999.
    #[error("the sequence number must be 1-9999")]
    SeqOutOfRange,
}

impl RegistrationNoError {
    /// The message for the person who typed the number.
    #[must_use]
    pub fn message(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Id => "Nomor pendaftaran tidak dikenali. Contoh: 2023-6472011001-0042.",
            Lang::En => "That is not a registration number. Example: 2023-6472011001-0042.",
        }
    }
}

impl RegistrationNo {
    /// Builds the number of the `seq`-th submission in a kelurahan.
    ///
    /// # Errors
    /// When the year is not four digits, the code is not `NN.NN.NN.NNNN` or
    /// `seq` is not 1–9999.
    pub fn new(year: i32, kelurahan_code: &str, seq: u32) -> Result<Self, RegistrationNoError> {
        let year = u16::try_from(year)
            .ok()
            .filter(|y| (1000..=9999).contains(y))
            .ok_or(RegistrationNoError::YearOutOfRange)?;
        let kelurahan = kelurahan_digits(kelurahan_code)?;
        let seq = u16::try_from(seq)
            .ok()
            .filter(|s| (1..=MAX_SEQ).contains(s))
            .ok_or(RegistrationNoError::SeqOutOfRange)?;
        Ok(Self {
            year,
            kelurahan,
            seq,
        })
    }

    /// Reads a registration number as typed; surrounding whitespace is trimmed.
    ///
    /// # Errors
    /// [`RegistrationNoError::Malformed`] for anything but
    /// `YYYY-DDDDDDDDDD-SSSS`, [`RegistrationNoError::SeqOutOfRange`] for `0000`.
    pub fn parse(input: &str) -> Result<Self, RegistrationNoError> {
        let mut parts = input.trim().split('-');
        let (Some(y), Some(k), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(RegistrationNoError::Malformed);
        };
        let all_digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(y, 4) || !all_digits(k, KELURAHAN_DIGITS) || !all_digits(s, 4) {
            return Err(RegistrationNoError::Malformed);
        }
        let year: u16 = y.parse().map_err(|_| RegistrationNoError::Malformed)?;
        if year < 1000 {
            return Err(RegistrationNoError::YearOutOfRange);
        }
        let seq: u16 = s.parse().map_err(|_| RegistrationNoError::Malformed)?;
        if seq == 0 {
            return Err(RegistrationNoError::SeqOutOfRange);
        }
        Ok(Self {
            year,
            kelurahan: k.to_owned(),
            seq,
        })
    }

    /// The round's year.
    #[must_use]
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The kelurahan code with its dots, e.g. `64.72.01.1001`.
    #[must_use]
    pub fn kelurahan_code(&self) -> String {
        let k = &self.kelurahan;
        format!("{}.{}.{}.{}", &k[0..2], &k[2..4], &k[4..6], &k[6..10])
    }

    /// The position of the submission within its kelurahan and year (1-based).
    #[must_use]
    pub fn seq(&self) -> u16 {
        self.seq
    }

    /// What every number of this year and kelurahan starts with,
    /// `2023-6472011001-`.
    #[must_use]
    pub fn prefix(&self) -> String {
        format!("{:04}-{}-", self.year, self.kelurahan)
    }
}

impl fmt::Display for RegistrationNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{}-{:04}", self.year, self.kelurahan, self.seq)
    }
}

impl fmt::Debug for RegistrationNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegistrationNo({self})")
    }
}

/// `64.72.01.1001` → `6472011001`.
fn kelurahan_digits(code: &str) -> Result<String, RegistrationNoError> {
    let groups: Vec<&str> = code.trim().split('.').collect();
    let lens = [2, 2, 2, 4];
    if groups.len() != lens.len()
        || groups
            .iter()
            .zip(lens)
            .any(|(g, n)| g.len() != n || !g.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(RegistrationNoError::BadKelurahanCode);
    }
    Ok(groups.concat())
}

/// Digits in a status PIN.
pub const PIN_LEN: usize = 6;

/// A status PIN: six digits shown to the applicant once, so one without e-mail
/// can check the status with the registration number. Only its argon2 hash is
/// stored. `Debug` never shows the digits.
#[derive(Clone, PartialEq, Eq)]
pub struct StatusPin(String);

/// A typed PIN that is not six digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("a status PIN has exactly six digits")]
pub struct PinError;

impl PinError {
    /// The message for the person who typed the PIN.
    #[must_use]
    pub fn message(&self, lang: Lang) -> &'static str {
        lang.pick(
            "PIN status terdiri dari tepat 6 angka.",
            "The status PIN has exactly 6 digits.",
        )
    }
}

impl StatusPin {
    /// The PIN for a number, zero-padded (`42` → `000042`). A million or more
    /// is reduced modulo 1 000 000, so a caller drawing uniformly from
    /// `0..1_000_000` gets every PIN equally often. The random number comes
    /// from outside this pure module (`crate::pii::generate_pin`).
    #[must_use]
    pub fn from_number(n: u32) -> Self {
        Self(format!("{:06}", n % 1_000_000))
    }

    /// Reads a PIN as typed; surrounding whitespace and inner spaces (people
    /// type `123 456`) are ignored.
    ///
    /// # Errors
    /// [`PinError`] unless exactly six digits remain.
    pub fn parse(input: &str) -> Result<Self, PinError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == PIN_LEN && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(PinError)
        }
    }

    /// The six digits, to show once or to hash.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StatusPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StatusPin(******)")
    }
}

/// Version of the canonical form of [`Submission`]; a change of fields or
/// their meaning bumps it, so old fingerprints stay checkable.
pub const SUBMISSION_FORM_VERSION: i64 = 1;
/// Hex digits of the submission hash printed on the receipt.
pub const SHORT_HASH_LEN: usize = 12;

/// An uploaded document as submitted: the requirement it answers and the
/// SHA-256 of its bytes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SubmittedDocument {
    /// The requirement's code (or an empty string for a loose attachment).
    pub requirement: String,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
}

/// Everything an applicant submits, as fingerprinted by [`submission_hash`].
///
/// There is deliberately no field for the NIK or the family-card number: only
/// their keyed hashes go in, so the fingerprint (shown on a receipt, kept with
/// the application) reveals nothing that could be brute-forced back to a NIK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    pub round_id: String,
    pub registration_no: RegistrationNo,
    /// Keyed hash of the NIK (`NikVault::keyed_hash`).
    pub nik_hash: String,
    /// Keyed hash of the family-card number, empty when none was asked.
    pub family_card_hash: String,
    pub full_name: String,
    pub birth_place: String,
    pub birth_date: Date,
    pub sex: Sex,
    pub address: String,
    pub kelurahan_code: String,
    pub rt: i32,
    pub phone: String,
    pub email: String,
    pub education: String,
    pub occupation: String,
    pub motivation: String,
    pub experience: String,
    pub documents: Vec<SubmittedDocument>,
    /// Codes of the declarations the applicant accepted.
    pub declarations: Vec<String>,
}

/// The canonical text a submission hash is taken over.
///
/// It is the RFC 8785 form (README "Canonical payload") of one JSON object:
/// every field of [`Submission`] under its own name, plus `"v"` =
/// [`SUBMISSION_FORM_VERSION`]. Strings are as submitted (no trimming here:
/// the form does that before), `birth_date` is `YYYY-MM-DD`, `sex` is `male` or
/// `female`, `rt` is an integer, `registration_no` is its printed form,
/// `documents` is an array of `{"requirement","sha256"}` objects and
/// `declarations` an array of strings, both sorted so the order rows come back
/// from the database cannot change the hash.
///
/// # Errors
/// A [`PayloadError`] only if a value falls outside the canonical subset,
/// which the field types rule out; it is passed on rather than hidden.
pub fn submission_canonical_text(s: &Submission) -> Result<String, PayloadError> {
    let mut documents = s.documents.clone();
    documents.sort();
    let mut declarations = s.declarations.clone();
    declarations.sort();
    let value = serde_json::json!({
        "v": SUBMISSION_FORM_VERSION,
        "round_id": s.round_id,
        "registration_no": s.registration_no.to_string(),
        "nik_hash": s.nik_hash,
        "family_card_hash": s.family_card_hash,
        "full_name": s.full_name,
        "birth_place": s.birth_place,
        "birth_date": iso_date(s.birth_date),
        "sex": match s.sex { Sex::Male => "male", Sex::Female => "female" },
        "address": s.address,
        "kelurahan_code": s.kelurahan_code,
        "rt": s.rt,
        "phone": s.phone,
        "email": s.email,
        "education": s.education,
        "occupation": s.occupation,
        "motivation": s.motivation,
        "experience": s.experience,
        "documents": documents
            .iter()
            .map(|d| serde_json::json!({"requirement": d.requirement, "sha256": d.sha256}))
            .collect::<Vec<_>>(),
        "declarations": declarations,
    });
    canonical_payload(&value)
}

/// The submission hash: lowercase hex SHA-256 of
/// [`submission_canonical_text`].
///
/// # Errors
/// As [`submission_canonical_text`].
pub fn submission_hash(s: &Submission) -> Result<String, PayloadError> {
    let text = submission_canonical_text(s)?;
    Ok(hex::encode(Sha256::digest(text.as_bytes())))
}

/// The first [`SHORT_HASH_LEN`] hex digits, as printed on the receipt.
#[must_use]
pub fn short_hash(hash: &str) -> &str {
    hash.get(..SHORT_HASH_LEN).unwrap_or(hash)
}

fn iso_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn number_is_year_kelurahan_digits_and_four_digit_seq() {
        let no = RegistrationNo::new(2023, "64.72.01.1001", 42).unwrap();
        assert_eq!(no.to_string(), "2023-6472011001-0042");
        assert_eq!(no.kelurahan_code(), "64.72.01.1001");
        assert_eq!((no.year(), no.seq()), (2023, 42));
        assert_eq!(RegistrationNo::parse(" 2023-6472011001-0042 ").unwrap(), no);
    }

    #[test]
    fn out_of_range_parts_are_refused() {
        use RegistrationNoError::*;
        assert_eq!(
            RegistrationNo::new(999, "64.72.01.1001", 1),
            Err(YearOutOfRange)
        );
        assert_eq!(
            RegistrationNo::new(10000, "64.72.01.1001", 1),
            Err(YearOutOfRange)
        );
        assert_eq!(
            RegistrationNo::new(2023, "64.72.01.1001", 0),
            Err(SeqOutOfRange)
        );
        assert_eq!(
            RegistrationNo::new(2023, "64.72.01.1001", 10000),
            Err(SeqOutOfRange)
        );
        for bad in [
            "6472011001",
            "64.72.01",
            "64.72.1.1001",
            "64.72.01.10O1",
            "",
        ] {
            assert_eq!(
                RegistrationNo::new(2023, bad, 1),
                Err(BadKelurahanCode),
                "{bad}"
            );
        }
    }

    #[test]
    fn malformed_numbers_are_refused() {
        use RegistrationNoError::*;
        for bad in [
            "",
            "2023-6472011001",
            "2023-6472011001-42",
            "2023-647201100-0042",
            "2023-6472011001-0042-1",
            "2023_6472011001_0042",
            "２０２３-6472011001-0042",
            "2023-64.72.01.1001-0042",
        ] {
            assert_eq!(RegistrationNo::parse(bad), Err(Malformed), "{bad}");
        }
        assert_eq!(
            RegistrationNo::parse("2023-6472011001-0000"),
            Err(SeqOutOfRange)
        );
        assert_eq!(
            RegistrationNo::parse("0999-6472011001-0001"),
            Err(YearOutOfRange)
        );
        assert_ne!(Malformed.message(Lang::Id), Malformed.message(Lang::En));
    }

    #[test]
    fn pin_is_six_digits_and_never_debug_printed() {
        assert_eq!(StatusPin::from_number(42).as_str(), "000042");
        assert_eq!(StatusPin::from_number(999_999).as_str(), "999999");
        assert_eq!(StatusPin::from_number(1_000_001).as_str(), "000001");
        assert_eq!(StatusPin::parse(" 123 456 ").unwrap().as_str(), "123456");
        for bad in ["12345", "1234567", "12345a", ""] {
            assert_eq!(StatusPin::parse(bad), Err(PinError), "{bad}");
        }
        let pin = StatusPin::parse("123456").unwrap();
        assert!(!format!("{pin:?}").contains("123456"));
    }

    fn sample() -> Submission {
        Submission {
            round_id: "5f1d3c2a-7b8e-4c9d-a0b1-c2d3e4f5a6b7".into(),
            registration_no: RegistrationNo::new(2023, "64.72.01.1001", 42).unwrap(),
            nik_hash: "a".repeat(64),
            family_card_hash: String::new(),
            full_name: "Siti Rahmawati".into(),
            birth_place: "Samarinda".into(),
            birth_date: date!(1990 - 05 - 15),
            sex: Sex::Female,
            address: "Jl. Pelita No. 3".into(),
            kelurahan_code: "64.72.01.1001".into(),
            rt: 7,
            phone: "081234567890".into(),
            email: String::new(),
            education: "SMA".into(),
            occupation: "Wiraswasta".into(),
            motivation: "Membangun RT".into(),
            experience: String::new(),
            documents: vec![
                SubmittedDocument {
                    requirement: "ktp".into(),
                    sha256: "b".repeat(64),
                },
                SubmittedDocument {
                    requirement: "domisili".into(),
                    sha256: "c".repeat(64),
                },
            ],
            declarations: vec!["tidak-rangkap".into(), "bersedia".into()],
        }
    }

    #[test]
    fn submission_hash_is_stable_documented_and_order_independent() {
        let s = sample();
        let text = submission_canonical_text(&s).unwrap();
        assert!(text.starts_with(r#"{"address":"Jl. Pelita No. 3","birth_date":"1990-05-15","#));
        assert!(text.contains(r#""declarations":["bersedia","tidak-rangkap"]"#));
        assert!(text.contains(r#""registration_no":"2023-6472011001-0042""#));
        assert!(text.contains(r#""rt":7"#) && text.ends_with(r#""v":1}"#));
        let h = submission_hash(&s).unwrap();
        assert_eq!(h.len(), 64);
        assert_eq!(h, hex::encode(Sha256::digest(text.as_bytes())));
        assert_eq!(short_hash(&h), &h[..12]);

        let mut reordered = s.clone();
        reordered.documents.reverse();
        reordered.declarations.reverse();
        assert_eq!(submission_hash(&reordered).unwrap(), h);

        let mut changed = s;
        changed.rt = 8;
        assert_ne!(submission_hash(&changed).unwrap(), h);
    }

    proptest! {
        #[test]
        fn registration_numbers_round_trip(
            year in 1000i32..=9999,
            k in (0u8..100, 0u8..100, 0u8..100, 0u16..10000),
            seq in 1u32..=9999,
        ) {
            let code = format!("{:02}.{:02}.{:02}.{:04}", k.0, k.1, k.2, k.3);
            let no = RegistrationNo::new(year, &code, seq).unwrap();
            let text = no.to_string();
            prop_assert_eq!(text.len(), 20);
            let back = RegistrationNo::parse(&text).unwrap();
            prop_assert_eq!(&back, &no);
            prop_assert_eq!(back.kelurahan_code(), code);
            prop_assert_eq!(i32::from(back.year()), year);
            prop_assert_eq!(u32::from(back.seq()), seq);
        }

        #[test]
        fn parse_never_panics_and_accepts_only_its_own_output(s in ".{0,30}") {
            if let Ok(no) = RegistrationNo::parse(&s) {
                prop_assert_eq!(no.to_string(), s.trim());
            }
        }
    }
}
