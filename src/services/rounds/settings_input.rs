//! A round's settings as typed input: what the JSON API sends as it is, and
//! what the settings form's text becomes; both are checked by the same rules
//! into [`RoundSettings`] before any transaction begins.

use std::collections::BTreeMap;

use super::form::{Bounded, merged, text_len};
use super::*;

/// A round's settings and schedule as submitted, typed but not yet checked.
/// Milestones are local Samarinda time (WITA) as `YYYY-MM-DDTHH:MM`, like
/// the HTML form's `datetime-local` fields.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct RoundSettingsInput {
    pub name: String,
    pub year: i32,
    #[serde(default)]
    pub description_id: String,
    #[serde(default)]
    pub description_en: String,
    /// `mean` (default) or `trimmed_mean`.
    #[serde(default)]
    pub aggregation: Option<String>,
    #[serde(default)]
    pub passing_total: Option<i32>,
    #[serde(default)]
    pub min_panelists: Option<i32>,
    #[serde(default)]
    pub age_min: Option<i32>,
    #[serde(default)]
    pub age_max: Option<i32>,
    /// Name every ranked applicant in the public results (default false).
    #[serde(default)]
    pub publish_all_names: bool,
    /// Milestone field (`registration_opens_at` … `final_at`) → WITA time.
    #[serde(default)]
    pub schedule: BTreeMap<String, String>,
}

const YEAR: Bounded = Bounded::new("year", 2020, 2100, ("Tahun", "The year"));
const PASSING_TOTAL: Bounded = Bounded::new(
    "passing_total",
    0,
    100,
    ("Nilai total minimum", "The passing total"),
);
const MIN_PANELISTS: Bounded = Bounded::new(
    "min_panelists",
    1,
    20,
    ("Jumlah penilai minimum", "The minimum number of panelists"),
);
const AGE_MIN: Bounded = Bounded::new("age_min", 17, 100, ("Usia minimum", "The minimum age"));
const AGE_MAX: Bounded = Bounded::new("age_max", 17, 100, ("Usia maksimum", "The maximum age"));

/// Panelists a round needs when the form leaves the number empty.
const DEFAULT_MIN_PANELISTS: i32 = 3;

impl TryFrom<RoundSettingsInput> for RoundSettings {
    type Error = FieldErrors;

    /// Checks the settings: lengths, ranges, the aggregation, the age range
    /// and the schedule's order.
    ///
    /// # Errors
    /// A message per bad field; dates out of order are reported on the later date.
    fn try_from(input: RoundSettingsInput) -> Result<RoundSettings, FieldErrors> {
        let mut errs = FieldErrors::new();
        let settings = checked(&mut errs, &input);
        if errs.is_empty() {
            Ok(settings)
        } else {
            Err(errs)
        }
    }
}

impl TryFrom<&FormData> for RoundSettings {
    type Error = FieldErrors;

    /// Reads the settings form (`name`, `year`, `description_id`,
    /// `description_en`, `aggregation`, `passing_total`, `min_panelists`,
    /// `age_min`, `age_max`, the `publish_all_names` checkbox and one
    /// `datetime-local` field per milestone, in WITA), then checks it as
    /// typed input.
    ///
    /// # Errors
    /// A message per bad field, text that is no whole number included.
    fn try_from(f: &FormData) -> Result<RoundSettings, FieldErrors> {
        let mut errs = FieldErrors::new();
        let input = RoundSettingsInput {
            name: f.get("name").to_owned(),
            // A missing or unreadable year is refused here; the stand-in
            // only lets the other fields be checked too.
            year: YEAR
                .read_required(&mut errs, f)
                .unwrap_or(*YEAR.range.start()),
            description_id: f.get("description_id").to_owned(),
            description_en: f.get("description_en").to_owned(),
            aggregation: Some(f.get("aggregation").to_owned()),
            passing_total: PASSING_TOTAL.read(&mut errs, f),
            min_panelists: MIN_PANELISTS.read(&mut errs, f),
            age_min: AGE_MIN.read(&mut errs, f),
            age_max: AGE_MAX.read(&mut errs, f),
            publish_all_names: f.checked("publish_all_names"),
            schedule: Milestone::ALL
                .iter()
                .map(|m| (m.field().to_owned(), f.get(m.field()).to_owned()))
                .collect(),
        };
        merged(errs, RoundSettings::try_from(input))
    }
}

/// The settings `input` describes, with a message in `errs` for every rule
/// it breaks (the settings returned then stand for nothing).
fn checked(errs: &mut FieldErrors, input: &RoundSettingsInput) -> RoundSettings {
    let name = text_len(
        errs,
        "name",
        input.name.trim(),
        3,
        120,
        ("Nama", "The name"),
    );
    let year = YEAR.check(errs, input.year);
    let description = |errs: &mut FieldErrors, field: &str, text: &str| {
        text_len(
            errs,
            field,
            text.trim(),
            0,
            5000,
            ("Keterangan", "The description"),
        )
    };
    let description_id = description(errs, "description_id", &input.description_id);
    let description_en = description(errs, "description_en", &input.description_en);
    let aggregation = match input.aggregation.as_deref().map(str::trim) {
        None | Some("" | "mean") => Aggregation::Mean,
        Some("trimmed_mean") => Aggregation::TrimmedMean,
        Some(_) => {
            errs.insert(
                "aggregation".into(),
                Msg::new(
                    "Pilih rata-rata atau rata-rata terpangkas.",
                    "Choose mean or trimmed mean.",
                ),
            );
            Aggregation::Mean
        }
    };
    let passing_total = PASSING_TOTAL.check_opt(errs, input.passing_total);
    let min_panelists =
        MIN_PANELISTS.check(errs, input.min_panelists.unwrap_or(DEFAULT_MIN_PANELISTS));
    let age_min = AGE_MIN.check_opt(errs, input.age_min);
    let age_max = AGE_MAX.check_opt(errs, input.age_max);
    if let (Some(Some(lo)), Some(Some(hi))) = (age_min, age_max)
        && lo > hi
    {
        errs.insert(
            "age_max".into(),
            Msg::new(
                "Usia maksimum tidak boleh di bawah usia minimum.",
                "The maximum age cannot be below the minimum age.",
            ),
        );
    }
    let mut schedule = Schedule::default();
    for m in Milestone::ALL {
        let text = input.schedule.get(m.field()).map_or("", |s| s.trim());
        match parse_wita(text) {
            Ok(at) => schedule.set(m, at),
            Err(msg) => {
                errs.insert(m.field().into(), msg);
            }
        }
    }
    if let Err((m, msg)) = schedule.check_order() {
        errs.entry(m.field().into()).or_insert(msg);
    }
    RoundSettings {
        name,
        year: year.unwrap_or(input.year),
        description_id,
        description_en,
        aggregation,
        passing_total: passing_total.flatten(),
        min_panelists: min_panelists.unwrap_or(DEFAULT_MIN_PANELISTS),
        age_min: age_min.flatten(),
        age_max: age_max.flatten(),
        publish_all_names: input.publish_all_names,
        schedule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::rounds::form;

    #[test]
    fn typed_input_and_the_form_are_refused_with_the_same_messages() {
        let typed = RoundSettingsInput {
            name: "  ab ".into(),
            year: 1999,
            aggregation: Some("median".into()),
            passing_total: Some(101),
            min_panelists: Some(0),
            age_min: Some(60),
            age_max: Some(40),
            ..RoundSettingsInput::default()
        };
        let from_json = RoundSettings::try_from(typed).expect_err("refused");
        let from_form = RoundSettings::try_from(&form(&[
            ("name", "ab"),
            ("year", "1999"),
            ("aggregation", "median"),
            ("passing_total", "101"),
            ("min_panelists", "0"),
            ("age_min", "60"),
            ("age_max", "40"),
        ]))
        .expect_err("refused");
        assert_eq!(from_json, from_form);
        assert_eq!(
            from_json["year"].id,
            "Tahun harus bilangan bulat 2020–2100."
        );
        assert_eq!(
            from_json["passing_total"].en,
            "The passing total must be a whole number 0–100."
        );
        assert_eq!(
            from_json["age_max"].en,
            "The maximum age cannot be below the minimum age."
        );
        for field in ["name", "aggregation", "min_panelists"] {
            assert!(from_json.contains_key(field), "{field}: {from_json:?}");
        }
    }

    #[test]
    fn text_that_is_no_number_is_refused_with_its_range_and_the_rest_is_still_checked() {
        let errs = RoundSettings::try_from(&form(&[
            ("name", "x"),
            ("year", "dua ribu"),
            ("age_min", "tua"),
            ("age_max", "18"),
        ]))
        .expect_err("refused");
        assert_eq!(
            errs["year"].en,
            "The year must be a whole number 2020–2100."
        );
        assert_eq!(
            errs["age_min"].en,
            "The minimum age must be a whole number 17–100."
        );
        assert!(errs.contains_key("name"), "{errs:?}");
        assert!(!errs.contains_key("age_max"), "{errs:?}");
        let empty_year = RoundSettings::try_from(&form(&[("name", "Rekrutmen")]))
            .expect_err("a year is required");
        assert!(empty_year.contains_key("year"));
    }

    #[test]
    fn typed_input_is_trimmed_and_takes_the_defaults_the_form_takes() {
        let s = RoundSettings::try_from(RoundSettingsInput {
            name: "  Rekrutmen Pokmas ".into(),
            year: 2027,
            aggregation: Some(" trimmed_mean ".into()),
            ..RoundSettingsInput::default()
        })
        .expect("valid");
        assert_eq!(s.name, "Rekrutmen Pokmas");
        assert_eq!(s.aggregation, Aggregation::TrimmedMean);
        assert_eq!(s.min_panelists, 3);
        let from_form =
            RoundSettings::try_from(&form(&[("name", "Rekrutmen Pokmas"), ("year", "2027")]))
                .expect("valid");
        assert_eq!(from_form.min_panelists, s.min_panelists);
    }
}
