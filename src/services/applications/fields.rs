//! The application form's fields and their checks, which need no database.

use time::Date;

use super::MAX_LONG_TEXT;
use crate::domain::account::Email;
use crate::domain::family_card::FamilyCardNo;
use crate::domain::form::{FieldErrors, FormData};
use crate::domain::lang::Lang;
use crate::domain::nik::{Nik, Sex, check_consistency, warning_code};
use crate::domain::round::Msg;
use crate::domain::text::plain_text;

/// The typed fields of an application form, as submitted (a subset may be
/// empty in a draft). Declarations are the ticked `decl_<code>` checkboxes.
#[derive(Clone, Debug, Default)]
pub struct Fields(pub FormData);

/// Field names of the form, in display order.
pub const FIELD_NAMES: &[&str] = &[
    "full_name",
    "nik",
    "birth_place",
    "birth_date",
    "sex",
    "address",
    "phone",
    "email",
    "education",
    "occupation",
    "family_card",
    "motivation",
    "experience",
];

/// What a save kept and what it could not.
#[derive(Clone, Debug, Default)]
pub struct SaveOutcome {
    /// A message per field that was not valid (and was not stored).
    pub errors: FieldErrors,
    /// NIK warnings (stored, shown; never a rejection).
    pub warnings: Vec<Msg>,
}

/// A text field's value when it is storable; otherwise its message goes into
/// `errs`. Line breaks are allowed only in the long texts.
fn len_ok(
    errs: &mut FieldErrors,
    field: &str,
    v: &str,
    max: usize,
    what: (&str, &str),
) -> Option<String> {
    if v.is_empty() {
        return None;
    }
    if !plain_text(v, max == MAX_LONG_TEXT) {
        errs.insert(
            field.to_owned(),
            Msg::new(
                "Teks berisi karakter yang tidak diizinkan.",
                "The text contains characters that are not allowed.",
            ),
        );
        return None;
    }
    if v.chars().count() > max {
        errs.insert(
            field.to_owned(),
            Msg::new(
                format!("{} paling banyak {max} karakter.", what.0),
                format!("{} may have at most {max} characters.", what.1),
            ),
        );
        return None;
    }
    Some(v.to_owned())
}

fn parse_date(v: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(v.trim(), &fmt).ok()
}

pub(super) fn parse_sex(v: &str) -> Option<Sex> {
    match v {
        "male" => Some(Sex::Male),
        "female" => Some(Sex::Female),
        _ => None,
    }
}

pub(super) fn sex_str(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
    }
}

fn phone_ok(v: &str) -> bool {
    let digits = v.strip_prefix('+').unwrap_or(v);
    (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

pub use crate::domain::nik::{submitted_warning_messages, warning_message, warning_messages};

/// The form's values checked without the database: each valid one, `None`
/// for an empty or invalid one, and a message per invalid one. Checking
/// happens before the write transaction so a slow or wrong form never holds
/// the writers' queue.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub full_name: Option<String>,
    pub birth_place: Option<String>,
    pub address: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
    pub motivation: Option<String>,
    pub experience: Option<String>,
    pub birth_date: Option<Date>,
    pub sex: Option<Sex>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub family_card: Option<FamilyCardNo>,
    pub nik: Option<Nik>,
    /// A message per field that was not valid (and will not be stored).
    pub errors: FieldErrors,
}

/// Checks every field of `f` on `today`.
pub(super) fn parse_fields(f: &FormData, today: Date) -> Parsed {
    let mut errs = FieldErrors::new();
    let mut text = |name: &str, max: usize, what: (&str, &str)| {
        len_ok(&mut errs, name, f.get(name), max, what)
    };
    let full_name = text("full_name", 100, ("Nama", "The name"));
    let birth_place = text("birth_place", 60, ("Tempat lahir", "The place of birth"));
    let address = text("address", 200, ("Alamat", "The address"));
    let education = text("education", 60, ("Pendidikan", "Education"));
    let occupation = text("occupation", 60, ("Pekerjaan", "Occupation"));
    let motivation = text("motivation", MAX_LONG_TEXT, ("Motivasi", "Motivation"));
    let experience = text("experience", MAX_LONG_TEXT, ("Pengalaman", "Experience"));
    let mut p = Parsed {
        full_name,
        birth_place,
        address,
        education,
        occupation,
        motivation,
        experience,
        ..Parsed::default()
    };
    p.birth_date = match f.get("birth_date") {
        "" => None,
        v => match check_birth_date(v, today) {
            Ok(d) => Some(d),
            Err(msg) => {
                errs.insert("birth_date".into(), msg);
                None
            }
        },
    };
    p.sex = match f.get("sex") {
        "" => None,
        v => parse_sex(v).or_else(|| {
            errs.insert(
                "sex".into(),
                Msg::new("Pilih jenis kelamin.", "Choose the sex."),
            );
            None
        }),
    };
    p.phone = match f.get("phone") {
        "" => None,
        v => {
            let v: String = v.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
            if phone_ok(&v) {
                Some(v)
            } else {
                errs.insert(
                    "phone".into(),
                    Msg::new(
                        "Nomor telepon harus 8–15 angka, misalnya 081234567890.",
                        "The phone number must have 8–15 digits, e.g. 081234567890.",
                    ),
                );
                None
            }
        }
    };
    p.email = match f.get("email") {
        "" => None,
        v => match Email::parse(v) {
            Ok(e) if e.as_str().parse::<lettre::Address>().is_ok() => Some(e.as_str().to_owned()),
            _ => {
                errs.insert(
                    "email".into(),
                    Msg::new(
                        "Alamat e-mail tidak valid.",
                        "The e-mail address is not valid.",
                    ),
                );
                None
            }
        },
    };
    p.family_card = match f.get("family_card") {
        "" => None,
        v => FamilyCardNo::parse(v)
            .map_err(|e| {
                errs.insert(
                    "family_card".into(),
                    Msg::new(e.message(Lang::Id), e.message(Lang::En)),
                );
            })
            .ok(),
    };
    p.nik = match f.get("nik") {
        "" => None,
        v => Nik::parse(v, today)
            .map_err(|e| {
                errs.insert(
                    "nik".into(),
                    Msg::new(e.message(Lang::Id), e.message(Lang::En)),
                );
            })
            .ok(),
    };
    p.errors = errs;
    p
}

/// A date of birth that is a date, before `today`, and less than 120 years
/// ago (nobody applying is that old: such a year is a typo).
fn check_birth_date(v: &str, today: Date) -> Result<Date, Msg> {
    let oldest = today - time::Duration::days(43_830);
    match parse_date(v) {
        Some(d) if d >= today => Err(Msg::new(
            "Tanggal lahir harus sebelum hari ini.",
            "The date of birth must be before today.",
        )),
        Some(d) if d < oldest => Err(Msg::new(
            "Periksa tahun lahir: lebih dari 120 tahun yang lalu.",
            "Check the year of birth: it is more than 120 years ago.",
        )),
        Some(d) => Ok(d),
        None => Err(Msg::new(
            "Tanggal lahir tidak valid (format TTTT-BB-HH).",
            "The date of birth is not valid (format YYYY-MM-DD).",
        )),
    }
}

/// The stored NIK warning codes of a NIK and the birth date and sex given
/// with it, and the same as messages.
pub(super) fn nik_warnings(
    nik: &Nik,
    birth_date: Date,
    sex: Sex,
    today: Date,
) -> (String, Vec<Msg>) {
    let ws = check_consistency(nik, birth_date, sex, today);
    let codes: Vec<&str> = ws.iter().map(warning_code).collect();
    let msgs = ws
        .iter()
        .map(|w| Msg::new(w.message(Lang::Id), w.message(Lang::En)))
        .collect();
    (serde_json::json!(codes).to_string(), msgs)
}
