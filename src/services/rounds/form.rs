//! Form values as the round forms submit them: one name → value map, and
//! the parsers every round form shares (numbers in a range, code and names
//! of a row, text length).

use std::collections::BTreeMap;

use super::FieldErrors;
use crate::domain::round::Msg;

/// A submitted form as name → value (the last value wins).
#[derive(Clone, Debug, Default)]
pub struct FormData(pub BTreeMap<String, String>);

impl FormData {
    /// From the pairs of an urlencoded body.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> FormData {
        FormData(pairs.into_iter().collect())
    }

    /// The trimmed value of a field, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", |s| s.trim())
    }

    /// Whether a checkbox was ticked.
    pub fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }
}

pub(super) fn int_in(
    errs: &mut FieldErrors,
    field: &str,
    text: &str,
    range: std::ops::RangeInclusive<i32>,
    what: (&str, &str),
) -> Option<i32> {
    match text.trim().parse::<i32>() {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            errs.insert(
                field.to_owned(),
                Msg::new(
                    format!(
                        "{} harus bilangan bulat {}–{}.",
                        what.0,
                        range.start(),
                        range.end()
                    ),
                    format!(
                        "{} must be a whole number {}–{}.",
                        what.1,
                        range.start(),
                        range.end()
                    ),
                ),
            );
            None
        }
    }
}

pub(super) fn opt_int_in(
    errs: &mut FieldErrors,
    field: &str,
    text: &str,
    range: std::ops::RangeInclusive<i32>,
    what: (&str, &str),
) -> Option<Option<i32>> {
    if text.trim().is_empty() {
        return Some(None);
    }
    int_in(errs, field, text, range, what).map(Some)
}

/// A row's code and its names (an empty English name takes the Indonesian
/// one), read the same way for every kind of row (criteria, stages): the
/// code is required, at most 16 letters, digits or `_`, and not `taken` by
/// an earlier row; `k` names a field of this row, `g` reads it.
pub(super) fn row_code_and_names(
    errs: &mut FieldErrors,
    k: &dyn Fn(&str) -> String,
    g: &dyn Fn(&str) -> String,
    taken: impl Fn(&str) -> bool,
) -> (String, String, String) {
    let code = g("code").to_uppercase();
    if code.is_empty() {
        errs.insert(
            k("code"),
            Msg::new("Kode wajib diisi.", "A code is required."),
        );
    } else if code.len() > 16 || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        errs.insert(
            k("code"),
            Msg::new(
                "Kode hanya boleh berisi huruf, angka atau _ (tanpa spasi), paling banyak 16.",
                "A code may hold only letters, digits or _ (no spaces), at most 16.",
            ),
        );
    } else if taken(&code) {
        errs.insert(
            k("code"),
            Msg::new(
                format!("Kode {code} dipakai dua kali."),
                format!("Code {code} is used twice."),
            ),
        );
    }
    let name_id = text_len(
        errs,
        &k("name_id"),
        &g("name_id"),
        2,
        120,
        ("Nama", "The name"),
    );
    let name_en = if g("name_en").is_empty() {
        name_id.clone()
    } else {
        text_len(
            errs,
            &k("name_en"),
            &g("name_en"),
            2,
            120,
            ("Nama", "The name"),
        )
    };
    (code, name_id, name_en)
}

pub(super) fn text_len(
    errs: &mut FieldErrors,
    field: &str,
    text: &str,
    min: usize,
    max: usize,
    what: (&str, &str),
) -> String {
    let n = text.chars().count();
    if n < min || n > max {
        let (id, en) = if min > 0 {
            (
                format!("{} wajib diisi ({min}–{max} karakter).", what.0),
                format!("{} is required ({min}–{max} characters).", what.1),
            )
        } else {
            (
                format!("{} paling banyak {max} karakter.", what.0),
                format!("{} may have at most {max} characters.", what.1),
            )
        };
        errs.insert(field.to_owned(), Msg::new(id, en));
    }
    text.to_owned()
}
