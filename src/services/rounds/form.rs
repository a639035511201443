//! The parsers every round form shares (numbers in a range, code and names
//! of a row, text length).

use crate::domain::form::{FieldErrors, FormData};
use crate::domain::round::Msg;

/// The refusal of a number outside `range` (or of text that is no number).
fn not_in_range(range: &std::ops::RangeInclusive<i32>, what: (&str, &str)) -> Msg {
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
    )
}

/// A whole-number field: its name, the numbers it may hold and what it is
/// called in both languages, so a form's text and a typed input are refused
/// with the same message.
pub(super) struct Bounded {
    pub field: &'static str,
    pub range: std::ops::RangeInclusive<i32>,
    pub what: (&'static str, &'static str),
}

impl Bounded {
    pub(super) const fn new(
        field: &'static str,
        min: i32,
        max: i32,
        what: (&'static str, &'static str),
    ) -> Bounded {
        Bounded {
            field,
            range: std::ops::RangeInclusive::new(min, max),
            what,
        }
    }

    fn refuse(&self, errs: &mut FieldErrors, field: &str) {
        errs.insert(field.to_owned(), not_in_range(&self.range, self.what));
    }

    /// `n` if it is in range; otherwise refused.
    pub(super) fn check(&self, errs: &mut FieldErrors, n: i32) -> Option<i32> {
        self.check_field(errs, self.field, n)
    }

    /// As [`Bounded::check`], the refusal under `field` (a row's field).
    pub(super) fn check_field(&self, errs: &mut FieldErrors, field: &str, n: i32) -> Option<i32> {
        if self.range.contains(&n) {
            Some(n)
        } else {
            self.refuse(errs, field);
            None
        }
    }

    /// As [`Bounded::check`] for a number given wider than the range can be.
    pub(super) fn check_wide(&self, errs: &mut FieldErrors, n: i64) -> Option<i32> {
        match i32::try_from(n) {
            Ok(n) => self.check(errs, n),
            Err(_) => {
                self.refuse(errs, self.field);
                None
            }
        }
    }

    /// As [`Bounded::check`] for a number that may be absent: `Some(None)`
    /// when absent, `None` when refused.
    pub(super) fn check_opt(&self, errs: &mut FieldErrors, n: Option<i32>) -> Option<Option<i32>> {
        match n {
            None => Some(None),
            Some(n) => self.check(errs, n).map(Some),
        }
    }

    /// The field of form `f` as a number, `None` when empty; text that is
    /// no whole number is refused (its range is checked later, as typed input).
    pub(super) fn read(&self, errs: &mut FieldErrors, f: &FormData) -> Option<i32> {
        let text = f.get(self.field);
        if text.is_empty() {
            return None;
        }
        self.read_field(errs, self.field, text)
    }

    /// As [`Bounded::read`] for a field that must be filled in.
    pub(super) fn read_required(&self, errs: &mut FieldErrors, f: &FormData) -> Option<i32> {
        self.read_field(errs, self.field, f.get(self.field))
    }

    /// The `text` of a field that must hold a whole number, refused under
    /// `field` otherwise.
    pub(super) fn read_field(
        &self,
        errs: &mut FieldErrors,
        field: &str,
        text: &str,
    ) -> Option<i32> {
        let n = text.trim().parse::<i32>().ok();
        if n.is_none() {
            self.refuse(errs, field);
        }
        n
    }
}

/// A form's reading errors (text that is no number) with the typed
/// check's: the reading error first for a field both name.
pub(super) fn merged<T>(
    mut read: FieldErrors,
    checked: Result<T, FieldErrors>,
) -> Result<T, FieldErrors> {
    match checked {
        Ok(t) if read.is_empty() => Ok(t),
        Ok(_) => Err(read),
        Err(rules) => {
            for (field, msg) in rules {
                read.entry(field).or_insert(msg);
            }
            Err(read)
        }
    }
}

/// A number a row holds, checked against `range`: `unread` when the form's
/// text was no whole number, refused with the same message as one out of
/// range.
fn num_in(
    errs: &mut FieldErrors,
    field: &str,
    n: i32,
    unread: bool,
    range: std::ops::RangeInclusive<i32>,
    what: (&str, &str),
) -> Option<i32> {
    if !unread && range.contains(&n) {
        Some(n)
    } else {
        errs.insert(field.to_owned(), not_in_range(&range, what));
        None
    }
}

/// As [`num_in`] for a number that may be absent: `Some(None)` when
/// absent, `None` when refused.
fn opt_num_in(
    errs: &mut FieldErrors,
    field: &str,
    n: Option<i32>,
    unread: bool,
    range: std::ops::RangeInclusive<i32>,
    what: (&str, &str),
) -> Option<Option<i32>> {
    match n {
        None if !unread => Some(None),
        n => num_in(errs, field, n.unwrap_or(0), unread, range, what).map(Some),
    }
}

/// A row's number fields read from a form: each as a number, with the names
/// of those whose text was no whole number (refused when the row is checked).
#[derive(Default)]
pub(super) struct RowNumbers {
    pub unread: std::collections::BTreeSet<&'static str>,
}

impl RowNumbers {
    /// The whole number in `text`; `0` (a stand-in) when it is none.
    pub(super) fn required(&mut self, name: &'static str, text: &str) -> i32 {
        text.trim().parse().unwrap_or_else(|_| {
            self.unread.insert(name);
            0
        })
    }

    /// As [`RowNumbers::required`]; empty text is no number.
    pub(super) fn optional(&mut self, name: &'static str, text: &str) -> Option<i32> {
        if text.trim().is_empty() {
            return None;
        }
        text.trim().parse().map_or_else(
            |_| {
                self.unread.insert(name);
                None
            },
            Some,
        )
    }

    pub(super) fn is_unread(&self, name: &str) -> bool {
        self.unread.contains(name)
    }
}

/// Typed rows, each with its number and nothing unread (typed numbers
/// are numbers already), as the form's rows are checked.
pub(super) fn typed_rows<T: Clone>(rows: &[T]) -> Vec<(usize, T, RowNumbers)> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| (i, r.clone(), RowNumbers::default()))
        .collect()
}

/// A row being checked: its fields are named `{prefix}{i}_…`, and `nums`
/// holds the numbers its form could not read.
pub(super) struct Row<'a> {
    pub prefix: char,
    pub i: usize,
    pub nums: &'a RowNumbers,
}

impl Row<'_> {
    /// The name of this row's field `name`.
    pub(super) fn key(&self, name: &str) -> String {
        format!("{}{}_{name}", self.prefix, self.i)
    }

    /// This row's number `n` of field `b.field`, checked as [`num_in`] does.
    pub(super) fn num(&self, errs: &mut FieldErrors, b: &Bounded, n: i32) -> Option<i32> {
        let unread = self.nums.is_unread(b.field);
        num_in(errs, &self.key(b.field), n, unread, b.range.clone(), b.what)
    }

    /// As [`Row::num`] for a number that may be absent, as [`opt_num_in`].
    pub(super) fn opt_num(
        &self,
        errs: &mut FieldErrors,
        b: &Bounded,
        n: Option<i32>,
    ) -> Option<Option<i32>> {
        let unread = self.nums.is_unread(b.field);
        opt_num_in(errs, &self.key(b.field), n, unread, b.range.clone(), b.what)
    }
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

/// A submitted form with these fields, for the tests of the form readers.
#[cfg(test)]
pub(crate) fn form(pairs: &[(&str, &str)]) -> FormData {
    FormData::from_pairs(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}
