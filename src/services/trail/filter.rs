//! The trail's filter as a browser or an API call gives it, checked before
//! any query: actor, action, subject and a time window read in WITA.

use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use uuid::Uuid;

use crate::domain::audit::format_at;
use crate::domain::msg::Msg;
use crate::services::ServiceError;

/// Events per page unless asked otherwise, and the most a page may hold.
pub const PAGE_DEFAULT: u64 = 50;
pub const PAGE_MAX: u64 = 500;

/// The filters of the trail browser; every one is optional and they combine
/// with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrailFilter {
    pub round_id: Option<Uuid>,
    /// Events indexed under the kelurahan, or about one of its applications.
    pub kelurahan: Option<String>,
    /// Events about the formation itself or one of its applications.
    pub formation_id: Option<Uuid>,
    pub registration_no: Option<String>,
    /// Account UUID or `system`.
    pub actor: Option<String>,
    /// An exact action (`score.amended`) or a family ending in a dot (`score.`).
    pub action: Option<String>,
    /// `subject_type` and `subject_id`.
    pub subject: Option<(String, String)>,
    /// Lower bound on `at` (inclusive), in the stored form.
    pub from: Option<String>,
    /// Upper bound on `at` (exclusive), in the stored form.
    pub until: Option<String>,
}

pub use crate::domain::trail_read::TrailQuery;

const WITA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// Parses a time bound: a WITA day, a WITA `datetime-local` value or an
/// RFC 3339 time. For an upper bound a day means "up to the end of that day".
///
/// # Errors
/// A message in Bahasa Indonesia for anything else.
pub fn parse_time_bound(input: &str, upper: bool) -> Result<Option<String>, Msg> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let day = time::macros::format_description!("[year]-[month]-[day]");
    let minute = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let at = if let Ok(d) = Date::parse(s, day) {
        let d = if upper { d.next_day().unwrap_or(d) } else { d };
        PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_offset(WITA)
    } else if let Ok(t) = PrimitiveDateTime::parse(s, minute) {
        t.assume_offset(WITA)
    } else {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map_err(|_| {
            Msg::new(
                format!(
                    "Waktu \"{s}\" tidak dikenali; tulis tanggal seperti 2026-12-01 atau 2026-12-01T08:00 (WITA)."
                ),
                format!(
                    "The time \"{s}\" is not understood; write a date like 2026-12-01 or 2026-12-01T08:00 (WITA)."
                ),
            )
        })?
    };
    Ok(Some(format_at(at)))
}

impl TrailQuery {
    /// Checks and converts the typed filters.
    ///
    /// # Errors
    /// `Invalid` naming the first filter that cannot be understood.
    pub fn parse(&self) -> Result<TrailFilter, ServiceError> {
        let text = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_owned())
        };
        let id = |s: &str, what: (&str, &str)| -> Result<Option<Uuid>, ServiceError> {
            match text(s) {
                None => Ok(None),
                Some(t) => t.parse().map(Some).map_err(|_| {
                    ServiceError::invalid(Msg::new(
                        format!("{} \"{t}\" bukan pengenal yang valid.", what.0),
                        format!("{} \"{t}\" is not a valid identifier.", what.1),
                    ))
                }),
            }
        };
        let actor = text(&self.actor);
        if let Some(a) = &actor
            && a != "system"
            && a.parse::<Uuid>().is_err()
        {
            return Err(ServiceError::invalid(Msg::new(
                format!("Pelaku \"{a}\" harus berupa ID akun atau \"system\"."),
                format!("The actor \"{a}\" must be an account ID or \"system\"."),
            )));
        }
        let subject = match (text(&self.subject_type), text(&self.subject_id)) {
            (Some(t), Some(i)) => Some((t, i)),
            (None, None) => None,
            _ => {
                return Err(ServiceError::Invalid(Msg::new(
                    "Isi jenis dan ID subjek bersama-sama.",
                    "Give the subject type and ID together.",
                )));
            }
        };
        Ok(TrailFilter {
            round_id: id(&self.round, ("Seleksi", "Round"))?,
            kelurahan: text(&self.kelurahan),
            formation_id: id(&self.formation, ("Formasi", "Formation"))?,
            registration_no: text(&self.registration_no),
            actor,
            action: text(&self.action),
            subject,
            from: parse_time_bound(&self.from, false).map_err(ServiceError::invalid)?,
            until: parse_time_bound(&self.to, true).map_err(ServiceError::invalid)?,
        })
    }

    /// Events per page: the asked number within 1…[`PAGE_MAX`].
    pub fn page_size(&self) -> u64 {
        self.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX)
    }
}
