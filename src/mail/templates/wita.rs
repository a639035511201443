//! Dates and times in Samarinda's own time, written out in the mail's
//! language.

use time::{Month, OffsetDateTime, UtcOffset, Weekday};

use super::Locale;

/// Samarinda is on WITA (Waktu Indonesia Tengah), UTC+8, all year.
const WITA: UtcOffset = time::macros::offset!(+8);

pub(super) fn local_datetime(when: OffsetDateTime, locale: Locale) -> String {
    let t = when.to_offset(WITA);
    let (h, m) = (t.hour(), t.minute());
    match locale {
        Locale::Id => format!(
            "{}, {} {} {}, pukul {h:02}.{m:02} WITA",
            weekday_id(t.weekday()),
            t.day(),
            month_id(t.month()),
            t.year()
        ),
        Locale::En => format!(
            "{}, {} {} {}, {h:02}:{m:02} WITA (UTC+8)",
            t.weekday(),
            t.day(),
            t.month(),
            t.year()
        ),
    }
}

fn weekday_id(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "Senin",
        Weekday::Tuesday => "Selasa",
        Weekday::Wednesday => "Rabu",
        Weekday::Thursday => "Kamis",
        Weekday::Friday => "Jumat",
        Weekday::Saturday => "Sabtu",
        Weekday::Sunday => "Minggu",
    }
}

fn month_id(m: Month) -> &'static str {
    match m {
        Month::January => "Januari",
        Month::February => "Februari",
        Month::March => "Maret",
        Month::April => "April",
        Month::May => "Mei",
        Month::June => "Juni",
        Month::July => "Juli",
        Month::August => "Agustus",
        Month::September => "September",
        Month::October => "Oktober",
        Month::November => "November",
        Month::December => "Desember",
    }
}
