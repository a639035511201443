//! Samarinda local time (WITA) for forms and pages.

use super::*;

/// Samarinda's time zone, WITA (UTC+8, no daylight saving).
pub const WITA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// Parses a `datetime-local` value (`2026-12-01T08:00`, seconds optional) as WITA.
/// Empty input is `Ok(None)`.
///
/// # Errors
/// A message when the text is not such a date and time.
pub fn parse_wita(input: &str) -> Result<Option<OffsetDateTime>, Msg> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let short = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let long = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let spaced = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    PrimitiveDateTime::parse(s, short)
        .or_else(|_| PrimitiveDateTime::parse(s, long))
        .or_else(|_| PrimitiveDateTime::parse(s, spaced))
        .map(|p| Some(p.assume_offset(WITA).to_offset(UtcOffset::UTC)))
        .map_err(|_| {
            Msg::new(
                "Tanggal dan jam tidak valid; tulis seperti 2026-12-01T08:00 (WITA).",
                "Not a valid date and time; write it like 2026-12-01T08:00 (WITA).",
            )
        })
}

/// The `datetime-local` form value of a time, in WITA.
pub fn input_wita(at: OffsetDateTime) -> String {
    let l = at.to_offset(WITA);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        l.year(),
        u8::from(l.month()),
        l.day(),
        l.hour(),
        l.minute()
    )
}

/// A time for reading: `2026-12-01 08:00 WITA`.
pub fn format_wita(at: OffsetDateTime) -> String {
    input_wita(at).replace('T', " ") + " WITA"
}
