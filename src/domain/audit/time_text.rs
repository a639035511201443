//! The one text form of event times (`at`).

use super::*;

/// Formats `t` in UTC as RFC 3339 with exactly six fractional digits and `Z`,
/// e.g. `2023-05-02T03:04:05.123456Z`.
///
/// Sub-microsecond precision is truncated (never rounded), so a time is never
/// moved into the next second. Years outside 0000–9999 have no RFC 3339 form;
/// they are still printed but [`parse_at`] will not accept them.
pub fn format_at(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// Parses exactly the shape [`format_at`] writes; anything else (other
/// offsets, fewer or more fractional digits, lowercase `z`, leap seconds)
/// yields `None`.
pub fn parse_at(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    if b.len() != 27 {
        return None;
    }
    for (i, &c) in b.iter().enumerate() {
        let ok = match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'.',
            26 => c == b'Z',
            _ => c.is_ascii_digit(),
        };
        if !ok {
            return None;
        }
    }
    let num = |from: usize, to: usize| {
        b[from..to]
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'))
    };
    let year = i32::try_from(num(0, 4)).ok()?;
    let month = Month::try_from(u8::try_from(num(5, 7)).ok()?).ok()?;
    let date = Date::from_calendar_date(year, month, u8::try_from(num(8, 10)).ok()?).ok()?;
    let time = Time::from_hms_micro(
        u8::try_from(num(11, 13)).ok()?,
        u8::try_from(num(14, 16)).ok()?,
        u8::try_from(num(17, 19)).ok()?,
        num(20, 26),
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}
