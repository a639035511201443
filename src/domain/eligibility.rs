//! The administrative requirements the platform can check by itself:
//! age on the reference date and domicile in the formation's RTs.
//!
//! Each check returns an outcome with its reason, which pre-fills the
//! operator's MS/TMS check (`requirement_check` with `automatic = true`); the
//! operator still decides, e.g. when a birth date in the NIK is wrong.

use std::fmt::Write as _;

use time::{Date, Month};

use super::lang::Lang;
use super::programme::DomicileRule;
use super::round::Msg;
use super::stored_name::stored_names;

/// Memenuhi syarat (meets the requirement) or tidak memenuhi syarat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// MS: memenuhi syarat.
    Ms,
    /// TMS: tidak memenuhi syarat.
    Tms,
}

impl Verdict {
    /// The stored form, `ms` or `tms` (`requirement_check.outcome`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ms => "ms",
            Verdict::Tms => "tms",
        }
    }

    /// Reads the stored form.
    #[must_use]
    pub fn parse(s: &str) -> Option<Verdict> {
        [Verdict::Ms, Verdict::Tms]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// The verdict in words, for the applicant.
    #[must_use]
    pub fn label(self) -> Msg {
        match self {
            Verdict::Ms => Msg::new("Memenuhi Syarat", "Meets requirements"),
            Verdict::Tms => Msg::new("Tidak Memenuhi Syarat", "Does not meet requirements"),
        }
    }
}

/// The stored outcome of a requirement check (`requirement_check.outcome`):
/// an operator's verdict, or that an optional document was never uploaded.
/// The latter is neither MS nor TMS: saying "Memenuhi Syarat" of it would
/// record a file that does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequirementOutcome {
    /// MS.
    Ms,
    /// TMS.
    Tms,
    /// An optional document that was not uploaded.
    NotSubmitted,
}

stored_names!(RequirementOutcome {
    Ms => "ms",
    Tms => "tms",
    NotSubmitted => "not_submitted",
});

impl From<Verdict> for RequirementOutcome {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Ms => RequirementOutcome::Ms,
            Verdict::Tms => RequirementOutcome::Tms,
        }
    }
}

/// Whether a requirement waits for an operator's MS/TMS: every one except an
/// optional document that was not uploaded, which is recorded as
/// [`RequirementOutcome::NotSubmitted`] without asking anyone.
#[must_use]
pub fn needs_decision(kind: &str, mandatory: bool, uploaded: bool) -> bool {
    !(kind == "document" && !mandatory && !uploaded)
}

/// A stored outcome in words for the applicant: MS, TMS or not submitted.
#[must_use]
pub fn outcome_label(outcome: RequirementOutcome) -> Msg {
    match outcome {
        RequirementOutcome::Ms => Verdict::Ms.label(),
        RequirementOutcome::Tms => Verdict::Tms.label(),
        RequirementOutcome::NotSubmitted => Msg::new("Tidak diserahkan", "Not submitted"),
    }
}

/// The age range a round asks for; a missing bound is no limit. Both bounds
/// are inclusive and count completed years: with `max = 55`, a person of 55
/// years and 364 days qualifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AgeLimits {
    /// Youngest allowed age in completed years.
    pub min: Option<u16>,
    /// Oldest allowed age in completed years.
    pub max: Option<u16>,
}

/// Why a check came out as it did, with the facts the message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Age within the limits.
    AgeWithinLimits {
        age: i32,
        on: Date,
        limits: AgeLimits,
    },
    /// Younger than the minimum on the reference date.
    TooYoung { age: i32, on: Date, min: u16 },
    /// Older than the maximum on the reference date.
    TooOld { age: i32, on: Date, max: u16 },
    /// The applicant's RT is one the formation covers.
    RtInFormation { kelurahan_code: String, rt: i32 },
    /// The applicant's RT is not one the formation covers.
    RtOutsideFormation { kelurahan_code: String, rt: i32 },
    /// The applicant lives where the round's wider domicile rule
    /// (kelurahan, city) allows.
    WithinDomicileRule {
        kelurahan_code: String,
        rt: i32,
        rule: DomicileRule,
    },
    /// The applicant lives outside what the round's wider domicile rule
    /// allows (another kelurahan under rule `kelurahan`).
    OutsideDomicileRule {
        kelurahan_code: String,
        rt: i32,
        rule: DomicileRule,
    },
}

/// The result of one automatic check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// MS or TMS.
    pub verdict: Verdict,
    /// Why, for the operator and the applicant.
    pub reason: Reason,
}

impl CheckOutcome {
    /// A stable code for `requirement_check.reason_code`.
    #[must_use]
    pub fn reason_code(&self) -> &'static str {
        match self.reason {
            Reason::AgeWithinLimits { .. } => "age_ok",
            Reason::TooYoung { .. } => "age_too_young",
            Reason::TooOld { .. } => "age_too_old",
            Reason::RtInFormation { .. } | Reason::WithinDomicileRule { .. } => "domicile_ok",
            Reason::RtOutsideFormation { .. } | Reason::OutsideDomicileRule { .. } => {
                "domicile_outside"
            }
        }
    }

    /// The reason in words, e.g. `Umur 20 tahun pada 31 Mei 2023; minimal 21 tahun.`
    #[must_use]
    pub fn message(&self, lang: Lang) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail; the results are ignored for that reason.
        match (&self.reason, lang) {
            (Reason::AgeWithinLimits { age, on, limits }, Lang::Id) => {
                let _ = write!(
                    out,
                    "Umur {age} tahun pada {}; {}",
                    long_date(*on, lang),
                    limits_text(*limits, lang)
                );
            }
            (Reason::AgeWithinLimits { age, on, limits }, Lang::En) => {
                let _ = write!(
                    out,
                    "Age {age} on {}; {}",
                    long_date(*on, lang),
                    limits_text(*limits, lang)
                );
            }
            (Reason::TooYoung { age, on, min }, Lang::Id) => {
                let _ = write!(
                    out,
                    "Umur {age} tahun pada {}; minimal {min} tahun.",
                    long_date(*on, lang)
                );
            }
            (Reason::TooYoung { age, on, min }, Lang::En) => {
                let _ = write!(
                    out,
                    "Age {age} on {}; the minimum is {min}.",
                    long_date(*on, lang)
                );
            }
            (Reason::TooOld { age, on, max }, Lang::Id) => {
                let _ = write!(
                    out,
                    "Umur {age} tahun pada {}; maksimal {max} tahun.",
                    long_date(*on, lang)
                );
            }
            (Reason::TooOld { age, on, max }, Lang::En) => {
                let _ = write!(
                    out,
                    "Age {age} on {}; the maximum is {max}.",
                    long_date(*on, lang)
                );
            }
            (Reason::RtInFormation { kelurahan_code, rt }, Lang::Id) => {
                let _ = write!(
                    out,
                    "RT {rt:03} kelurahan {kelurahan_code} termasuk wilayah formasi ini."
                );
            }
            (Reason::RtInFormation { kelurahan_code, rt }, Lang::En) => {
                let _ = write!(
                    out,
                    "RT {rt:03} of kelurahan {kelurahan_code} is covered by this formation."
                );
            }
            (Reason::RtOutsideFormation { kelurahan_code, rt }, Lang::Id) => {
                let _ = write!(
                    out,
                    "RT {rt:03} kelurahan {kelurahan_code} tidak termasuk wilayah formasi ini."
                );
            }
            (Reason::RtOutsideFormation { kelurahan_code, rt }, Lang::En) => {
                let _ = write!(
                    out,
                    "RT {rt:03} of kelurahan {kelurahan_code} is not covered by this formation."
                );
            }
            (
                Reason::WithinDomicileRule {
                    kelurahan_code,
                    rt,
                    rule,
                },
                lang,
            ) => {
                let _ = match lang {
                    Lang::Id => write!(
                        out,
                        "RT {rt:03} kelurahan {kelurahan_code} memenuhi aturan domisili: {}.",
                        rule.label().id
                    ),
                    Lang::En => write!(
                        out,
                        "RT {rt:03} of kelurahan {kelurahan_code} meets the domicile rule: {}.",
                        rule.label().en
                    ),
                };
            }
            (
                Reason::OutsideDomicileRule {
                    kelurahan_code,
                    rt,
                    rule,
                },
                lang,
            ) => {
                let _ = match lang {
                    Lang::Id => write!(
                        out,
                        "RT {rt:03} kelurahan {kelurahan_code} tidak memenuhi aturan domisili: {}.",
                        rule.label().id
                    ),
                    Lang::En => write!(
                        out,
                        "RT {rt:03} of kelurahan {kelurahan_code} does not meet the domicile rule: {}.",
                        rule.label().en
                    ),
                };
            }
        }
        out
    }
}

/// Age in completed years on `on`.
///
/// A birthday counts from its calendar day; someone born on 29 February turns
/// a year older on 1 March in years without one (the day after 28 February),
/// the reading Indonesian civil records use. Negative when `on` is before the
/// birth date.
#[must_use]
pub fn age_on(birth: Date, on: Date) -> i32 {
    let years = on.year() - birth.year();
    let before_birthday = (on.month() as u8, on.day()) < (birth.month() as u8, birth.day());
    years - i32::from(before_birthday)
}

/// Checks the age on the reference date, the round's registration closing
/// date as a calendar date in Samarinda (WITA), against inclusive limits.
#[must_use]
pub fn check_age(birth: Date, reference: Date, limits: AgeLimits) -> CheckOutcome {
    let age = age_on(birth, reference);
    let reason = match limits {
        AgeLimits { min: Some(min), .. } if age < i32::from(min) => Reason::TooYoung {
            age,
            on: reference,
            min,
        },
        AgeLimits { max: Some(max), .. } if age > i32::from(max) => Reason::TooOld {
            age,
            on: reference,
            max,
        },
        _ => Reason::AgeWithinLimits {
            age,
            on: reference,
            limits,
        },
    };
    let verdict = if matches!(reason, Reason::AgeWithinLimits { .. }) {
        Verdict::Ms
    } else {
        Verdict::Tms
    };
    CheckOutcome { verdict, reason }
}

/// Checks that the applicant's `(kelurahan_code, rt)` is one of the
/// formation's RTs (`formation_rt` rows).
#[must_use]
pub fn check_domicile<'a>(
    kelurahan_code: &str,
    rt: i32,
    formation_rts: impl IntoIterator<Item = (&'a str, i32)>,
) -> CheckOutcome {
    let covered = formation_rts
        .into_iter()
        .any(|(k, r)| k == kelurahan_code && r == rt);
    let kelurahan_code = kelurahan_code.to_owned();
    if covered {
        CheckOutcome {
            verdict: Verdict::Ms,
            reason: Reason::RtInFormation { kelurahan_code, rt },
        }
    } else {
        CheckOutcome {
            verdict: Verdict::Tms,
            reason: Reason::RtOutsideFormation { kelurahan_code, rt },
        }
    }
}

/// Checks the applicant's `(kelurahan_code, rt)` against the round's
/// domicile `rule` for a formation of `formation_kelurahan` covering
/// `formation_rts`: rule `rt` is [`check_domicile`]; `kelurahan` and `city`
/// reach as far as they say (the RT itself was checked against the region
/// list when the application started).
#[must_use]
pub fn check_domicile_rule<'a>(
    rule: DomicileRule,
    kelurahan_code: &str,
    rt: i32,
    formation_kelurahan: &str,
    formation_rts: impl Iterator<Item = (&'a str, i32)>,
) -> CheckOutcome {
    if rule == DomicileRule::Rt {
        return check_domicile(kelurahan_code, rt, formation_rts);
    }
    let kelurahan_code = kelurahan_code.to_owned();
    if rule.allows(&kelurahan_code, rt, formation_kelurahan, formation_rts) {
        CheckOutcome {
            verdict: Verdict::Ms,
            reason: Reason::WithinDomicileRule {
                kelurahan_code,
                rt,
                rule,
            },
        }
    } else {
        CheckOutcome {
            verdict: Verdict::Tms,
            reason: Reason::OutsideDomicileRule {
                kelurahan_code,
                rt,
                rule,
            },
        }
    }
}

fn limits_text(limits: AgeLimits, lang: Lang) -> String {
    match (limits.min, limits.max, lang) {
        (Some(a), Some(b), Lang::Id) => format!("syarat {a}–{b} tahun."),
        (Some(a), Some(b), Lang::En) => format!("required {a}–{b}."),
        (Some(a), None, Lang::Id) => format!("minimal {a} tahun."),
        (Some(a), None, Lang::En) => format!("the minimum is {a}."),
        (None, Some(b), Lang::Id) => format!("maksimal {b} tahun."),
        (None, Some(b), Lang::En) => format!("the maximum is {b}."),
        (None, None, Lang::Id) => "tanpa batas umur.".to_owned(),
        (None, None, Lang::En) => "no age limit.".to_owned(),
    }
}

fn long_date(d: Date, lang: Lang) -> String {
    let month = match (d.month(), lang) {
        (Month::January, Lang::Id) => "Januari",
        (Month::February, Lang::Id) => "Februari",
        (Month::March, Lang::Id) => "Maret",
        (Month::April, Lang::Id) => "April",
        (Month::May, Lang::Id) => "Mei",
        (Month::June, Lang::Id) => "Juni",
        (Month::July, Lang::Id) => "Juli",
        (Month::August, Lang::Id) => "Agustus",
        (Month::September, Lang::Id) => "September",
        (Month::October, Lang::Id) => "Oktober",
        (Month::November, Lang::Id) => "November",
        (Month::December, Lang::Id) => "Desember",
        (Month::January, Lang::En) => "January",
        (Month::February, Lang::En) => "February",
        (Month::March, Lang::En) => "March",
        (Month::April, Lang::En) => "April",
        (Month::May, Lang::En) => "May",
        (Month::June, Lang::En) => "June",
        (Month::July, Lang::En) => "July",
        (Month::August, Lang::En) => "August",
        (Month::September, Lang::En) => "September",
        (Month::October, Lang::En) => "October",
        (Month::November, Lang::En) => "November",
        (Month::December, Lang::En) => "December",
    };
    format!("{} {month} {}", d.day(), d.year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const LIMITS: AgeLimits = AgeLimits {
        min: Some(21),
        max: Some(55),
    };

    #[test]
    fn age_changes_on_the_birthday_not_the_day_before() {
        let born = date!(2002 - 05 - 31);
        assert_eq!(age_on(born, date!(2023 - 05 - 30)), 20);
        assert_eq!(age_on(born, date!(2023 - 05 - 31)), 21);
        assert_eq!(age_on(born, date!(2023 - 06 - 01)), 21);
        assert_eq!(age_on(born, date!(2002 - 05 - 31)), 0);
        assert_eq!(age_on(born, date!(2002 - 05 - 30)), -1);
    }

    #[test]
    fn leap_day_birthdays_count_from_the_first_of_march_in_common_years() {
        let born = date!(2000 - 02 - 29);
        assert_eq!(age_on(born, date!(2021 - 02 - 28)), 20);
        assert_eq!(age_on(born, date!(2021 - 03 - 01)), 21);
        assert_eq!(age_on(born, date!(2024 - 02 - 28)), 23);
        assert_eq!(age_on(born, date!(2024 - 02 - 29)), 24);
        // Born on 1 March, reference on a leap day: not yet.
        assert_eq!(age_on(date!(2003 - 03 - 01), date!(2024 - 02 - 29)), 20);
    }

    #[test]
    fn minimum_is_inclusive() {
        let closing = date!(2023 - 05 - 31);
        let day_before_21st = check_age(date!(2002 - 06 - 01), closing, LIMITS);
        assert_eq!(day_before_21st.verdict, Verdict::Tms);
        assert_eq!(day_before_21st.reason_code(), "age_too_young");
        assert_eq!(
            day_before_21st.message(Lang::Id),
            "Umur 20 tahun pada 31 Mei 2023; minimal 21 tahun."
        );
        assert_eq!(
            day_before_21st.message(Lang::En),
            "Age 20 on 31 May 2023; the minimum is 21."
        );
        let on_21st = check_age(date!(2002 - 05 - 31), closing, LIMITS);
        assert_eq!(on_21st.verdict, Verdict::Ms);
        assert_eq!(on_21st.reason_code(), "age_ok");
        assert_eq!(
            on_21st.message(Lang::Id),
            "Umur 21 tahun pada 31 Mei 2023; syarat 21–55 tahun."
        );
        assert_eq!(
            on_21st.message(Lang::En),
            "Age 21 on 31 May 2023; required 21–55."
        );
    }

    #[test]
    fn maximum_is_inclusive_until_the_next_birthday() {
        let closing = date!(2023 - 05 - 31);
        // 55 years and 364 days: still 55.
        let last_day_55 = check_age(date!(1967 - 06 - 01), closing, LIMITS);
        assert_eq!(last_day_55.verdict, Verdict::Ms);
        let turns_56 = check_age(date!(1967 - 05 - 31), closing, LIMITS);
        assert_eq!(turns_56.verdict, Verdict::Tms);
        assert_eq!(turns_56.reason_code(), "age_too_old");
        assert_eq!(
            turns_56.message(Lang::Id),
            "Umur 56 tahun pada 31 Mei 2023; maksimal 55 tahun."
        );
    }

    #[test]
    fn leap_day_applicant_at_the_minimum_age() {
        let limits = AgeLimits {
            min: Some(21),
            max: None,
        };
        let born = date!(2000 - 02 - 29);
        assert_eq!(
            check_age(born, date!(2021 - 02 - 28), limits).verdict,
            Verdict::Tms
        );
        assert_eq!(
            check_age(born, date!(2021 - 03 - 01), limits).verdict,
            Verdict::Ms
        );
    }

    #[test]
    fn no_limits_always_pass() {
        let o = check_age(
            date!(2020 - 01 - 01),
            date!(2023 - 05 - 31),
            AgeLimits::default(),
        );
        assert_eq!(o.verdict, Verdict::Ms);
        assert_eq!(o.message(Lang::En), "Age 3 on 31 May 2023; no age limit.");
    }

    #[test]
    fn a_wider_domicile_rule_accepts_another_rt_or_kelurahan() {
        let rts = [("64.72.01.1001", 2)];
        let check = |rule, k: &str| {
            check_domicile_rule(
                rule,
                k,
                7,
                "64.72.01.1001",
                rts.iter().map(|(k, r)| (*k, *r)),
            )
        };
        let city = check(DomicileRule::City, "64.72.09.1004");
        assert_eq!(city.verdict, Verdict::Ms);
        assert_eq!(city.reason_code(), "domicile_ok");
        assert!(city.message(Lang::Id).contains("kelurahan mana pun"));
        assert_eq!(
            check(DomicileRule::Kelurahan, "64.72.01.1001").verdict,
            Verdict::Ms
        );
        let other = check(DomicileRule::Kelurahan, "64.72.09.1004");
        assert_eq!(other.verdict, Verdict::Tms);
        assert_eq!(other.reason_code(), "domicile_outside");
        assert_eq!(
            check(DomicileRule::Rt, "64.72.01.1001").verdict,
            Verdict::Tms
        );
    }

    #[test]
    fn domicile_must_be_one_of_the_formation_rts() {
        let rts = [
            ("64.72.01.1001", 1),
            ("64.72.01.1001", 2),
            ("64.72.01.1002", 7),
        ];
        let inside = check_domicile("64.72.01.1001", 2, rts);
        assert_eq!(inside.verdict, Verdict::Ms);
        assert_eq!(inside.reason_code(), "domicile_ok");
        assert_eq!(
            inside.message(Lang::Id),
            "RT 002 kelurahan 64.72.01.1001 termasuk wilayah formasi ini."
        );
        // Same RT number, other kelurahan.
        let other_kelurahan = check_domicile("64.72.01.1002", 2, rts);
        assert_eq!(other_kelurahan.verdict, Verdict::Tms);
        assert_eq!(other_kelurahan.reason_code(), "domicile_outside");
        assert_eq!(
            other_kelurahan.message(Lang::En),
            "RT 002 of kelurahan 64.72.01.1002 is not covered by this formation."
        );
        assert_eq!(
            check_domicile("64.72.01.1001", 3, rts).verdict,
            Verdict::Tms
        );
        assert_eq!(check_domicile("64.72.01.1001", 1, []).verdict, Verdict::Tms);
        assert_eq!(Verdict::Tms.as_str(), "tms");
        assert_eq!(Verdict::parse("not_submitted"), None);
        assert_eq!(
            outcome_label(RequirementOutcome::NotSubmitted).id,
            "Tidak diserahkan"
        );
        assert_eq!(
            RequirementOutcome::from(Verdict::Tms),
            RequirementOutcome::Tms
        );
        assert!(!needs_decision("document", false, false));
        assert!(needs_decision("document", true, false));
        assert!(needs_decision("document", false, true));
        assert!(needs_decision("declaration", false, false));
    }

    proptest! {
        #[test]
        fn age_grows_by_one_exactly_on_each_birthday(
            born in (date!(1900 - 01 - 01).to_julian_day()..=date!(2030 - 12 - 31).to_julian_day()),
            years in 0i32..100,
        ) {
            let born = Date::from_julian_day(born).unwrap();
            // The birthday in year born+years, or 1 March for a leap-day birth in a common year.
            let y = born.year() + years;
            let birthday = Date::from_calendar_date(y, born.month(), born.day())
                .unwrap_or_else(|_| Date::from_calendar_date(y, Month::March, 1).unwrap());
            prop_assert_eq!(age_on(born, birthday), years);
            prop_assert_eq!(age_on(born, birthday.previous_day().unwrap()), years - 1);
        }
    }
}
