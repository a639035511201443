//! A test session as typed input: what the JSON API sends as it is, and
//! what the "new session" form's text becomes; both are checked by the same
//! rules into [`SessionForm`] before any transaction begins.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::form::{FieldErrors, FormData};
use crate::domain::round::{Msg, parse_wita};
use crate::domain::text::plain_text;

use super::parse_id;

/// A test session as submitted, in local Samarinda time (WITA).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = SessionBody)]
pub struct SessionInput {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`, default `08:00`.
    #[serde(default)]
    pub time: String,
    pub place: String,
    pub capacity: i32,
    pub panel_id: Uuid,
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// A checked "new session" form.
#[derive(Clone, Debug)]
pub struct SessionForm {
    pub starts_at: OffsetDateTime,
    pub place: String,
    pub capacity: i32,
    pub panel_id: Uuid,
}

fn capacity_msg() -> Msg {
    Msg::new(
        "Kapasitas harus bilangan bulat 1–500.",
        "Capacity must be a whole number 1–500.",
    )
}

impl SessionForm {
    /// Reads `date` (YYYY-MM-DD) and `time` (HH:MM) in WITA, `place`,
    /// `capacity` (1–500), `panel` and `idempotency_key`, then checks them
    /// as typed input with [`SessionForm::check`].
    ///
    /// # Errors
    /// A message per bad field, a capacity that is no whole number and a
    /// panel that is no id included.
    pub fn parse(data: &FormData, now: OffsetDateTime) -> Result<SessionForm, FieldErrors> {
        let mut errs = FieldErrors::new();
        // Unreadable text is refused here; the stand-ins (a valid capacity,
        // the nil id) only let the other fields be checked too.
        let capacity = data.get("capacity").parse::<i32>().unwrap_or_else(|_| {
            errs.insert("capacity".into(), capacity_msg());
            1
        });
        let panel_id = parse_id(
            &mut errs,
            "panel",
            data.get("panel"),
            Msg::new("Pilih panel penguji.", "Choose the examining panel."),
        )
        .unwrap_or_default();
        let input = SessionInput {
            date: data.get("date").to_owned(),
            time: data.get("time").to_owned(),
            place: data.get("place").to_owned(),
            capacity,
            panel_id,
            idempotency_key: Some(data.get("idempotency_key").to_owned()),
        };
        match SessionForm::check(&input, now) {
            Ok(s) if errs.is_empty() => Ok(s),
            Ok(_) => Err(errs),
            Err(rules) => {
                for (field, msg) in rules {
                    errs.entry(field).or_insert(msg);
                }
                Err(errs)
            }
        }
    }

    /// Checks a session: the start (`date`, and `time`, default `08:00`, in
    /// WITA) must be after `now`, the place 1–200 characters of plain text
    /// and the capacity 1–500.
    ///
    /// # Errors
    /// A message per bad field.
    pub fn check(input: &SessionInput, now: OffsetDateTime) -> Result<SessionForm, FieldErrors> {
        let mut errs = FieldErrors::new();
        let date = input.date.trim();
        let time = match input.time.trim() {
            "" => "08:00",
            t => t,
        };
        let starts_at = match parse_wita(&format!("{date}T{time}")) {
            Ok(Some(t)) if t > now => Some(t),
            Ok(Some(_)) => {
                errs.insert(
                    "date".into(),
                    Msg::new(
                        "Tanggal dan jam uji harus di masa depan.",
                        "The test date and time must be in the future.",
                    ),
                );
                None
            }
            _ => {
                errs.insert(
                    "date".into(),
                    Msg::new(
                        "Isi tanggal (TTTT-BB-HH) dan jam (JJ:MM) WITA yang benar.",
                        "Enter a valid date (YYYY-MM-DD) and time (HH:MM) in WITA.",
                    ),
                );
                None
            }
        };
        let place = input.place.trim().to_owned();
        if place.is_empty() || place.chars().count() > 200 || !plain_text(&place, false) {
            errs.insert(
                "place".into(),
                Msg::new(
                    "Tempat wajib diisi (1–200 karakter).",
                    "The place is required (1–200 characters).",
                ),
            );
        }
        let capacity = if (1..=500).contains(&input.capacity) {
            Some(input.capacity)
        } else {
            errs.insert("capacity".into(), capacity_msg());
            None
        };
        match (starts_at, capacity) {
            (Some(starts_at), Some(capacity)) if errs.is_empty() => Ok(SessionForm {
                starts_at,
                place,
                capacity,
                panel_id: input.panel_id,
            }),
            _ => Err(errs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::rounds::form;

    #[test]
    fn a_session_time_is_read_in_wita_and_stored_in_utc() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let panel = Uuid::now_v7().to_string();
        let s = SessionForm::parse(
            &form(&[
                ("date", "2027-03-01"),
                ("time", "09:30"),
                ("place", "Aula"),
                ("capacity", "20"),
                ("panel", &panel),
            ]),
            now,
        )
        .expect("valid");
        assert_eq!(
            s.starts_at,
            time::macros::datetime!(2027-03-01 01:30 UTC),
            "09:30 WITA is 01:30 UTC"
        );
    }

    #[test]
    fn a_session_form_names_every_bad_field() {
        let now = time::macros::datetime!(2027-03-02 00:00 UTC);
        let errs = SessionForm::parse(
            &form(&[
                ("date", "2027-03-01"),
                ("place", "Aula\u{0}"),
                ("capacity", "0"),
            ]),
            now,
        )
        .expect_err("refused");
        let fields: Vec<&str> = errs.keys().map(String::as_str).collect();
        assert_eq!(fields, ["capacity", "date", "panel", "place"]);
        assert!(errs["date"].en.contains("future"));
    }
}

#[cfg(test)]
mod typed {
    use super::*;

    #[test]
    fn a_typed_session_is_refused_as_the_form_is() {
        let now = time::macros::datetime!(2027-03-02 00:00 UTC);
        let input = SessionInput {
            date: " 2027-03-01 ".into(),
            place: "Aula\u{0}".into(),
            capacity: 501,
            ..SessionInput::default()
        };
        let errs = SessionForm::check(&input, now).expect_err("refused");
        let form = FormData::from_pairs(vec![
            ("date".into(), "2027-03-01".into()),
            ("place".into(), "Aula\u{0}".into()),
            ("capacity".into(), "501".into()),
            ("panel".into(), Uuid::nil().to_string()),
        ]);
        assert_eq!(errs, SessionForm::parse(&form, now).expect_err("refused"));
        assert_eq!(
            errs.keys().map(String::as_str).collect::<Vec<_>>(),
            ["capacity", "date", "place"]
        );
    }
}
