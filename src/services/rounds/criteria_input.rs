//! A round's criteria as typed input: what the JSON API sends as it is, and
//! what the criteria form's rows become; both are checked by the same rules
//! into [`CriteriaDraft`] before any transaction begins.

use std::collections::BTreeMap;

use super::form::{Bounded, Row, RowNumbers, row_code_and_names, text_len, typed_rows};
use super::*;

/// One criterion as submitted, typed but not yet checked; also how the API
/// shows a stored criterion.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = CriterionBody)]
pub struct CriterionInput {
    /// Up to 16 letters, digits or `_`.
    pub code: String,
    pub name_id: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub description_id: String,
    #[serde(default)]
    pub description_en: String,
    /// `panel` (scored by the panel) or `imported`.
    #[serde(default)]
    pub kind: String,
    pub scale_min: i32,
    pub scale_max: i32,
    /// Percent; the weights of a round sum to 100.
    pub weight: i32,
    #[serde(default)]
    pub pass_min: Option<i32>,
    #[serde(default)]
    pub tiebreak_order: Option<i32>,
    /// Point labels, one line per point: `point = Indonesian text | English text` (as on the HTML form).
    #[serde(default)]
    pub labels: String,
    /// In a staged round, the code of the stage this criterion scores (the
    /// weights sum to 100 per stage); absent in a one-stage round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

impl CriterionInput {
    /// A text field by its form name, trimmed as the form's text is.
    fn text(&self, name: &str) -> String {
        let t = match name {
            "code" => &self.code,
            "name_id" => &self.name_id,
            "name_en" => &self.name_en,
            "description_id" => &self.description_id,
            "description_en" => &self.description_en,
            "kind" => &self.kind,
            "labels" => &self.labels,
            "stage" => self.stage.as_deref().unwrap_or(""),
            _ => "",
        };
        t.trim().to_owned()
    }
}

const SCALE_MIN: Bounded = Bounded::new(
    "scale_min",
    0,
    1000,
    ("Skala terendah", "The scale minimum"),
);
const SCALE_MAX: Bounded = Bounded::new(
    "scale_max",
    1,
    1000,
    ("Skala tertinggi", "The scale maximum"),
);
const WEIGHT: Bounded = Bounded::new("weight", 0, 100, ("Bobot", "The weight"));
const PASS_MIN: Bounded = Bounded::new("pass_min", 0, 1000, ("Nilai minimum", "The minimum"));
const TIEBREAK_ORDER: Bounded = Bounded::new(
    "tiebreak_order",
    1,
    MAX_ROWS as i32,
    ("Urutan penentu seri", "The tie-break order"),
);

/// A round's checked criteria, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriteriaDraft(pub Vec<CriterionDraft>);

impl TryFrom<&[CriterionInput]> for CriteriaDraft {
    type Error = FieldErrors;

    /// Checks criteria rows as [`check`] does; a refusal names the field as
    /// the form does (`c{i}_weight` for the weight of row `i`).
    ///
    /// # Errors
    /// As [`check`].
    fn try_from(rows: &[CriterionInput]) -> Result<CriteriaDraft, FieldErrors> {
        let rows = typed_rows(rows);
        check(&rows)
    }
}

impl TryFrom<&FormData> for CriteriaDraft {
    type Error = FieldErrors;

    /// Reads the criteria form: rows `c{i}_code`, `c{i}_name_id`,
    /// `c{i}_name_en`, `c{i}_description_id`, `c{i}_description_en`,
    /// `c{i}_kind`, `c{i}_scale_min`, `c{i}_scale_max`, `c{i}_weight`,
    /// `c{i}_pass_min`, `c{i}_tiebreak_order`, `c{i}_labels`, `c{i}_stage`
    /// for `i` in `0..MAX_ROWS`, then checks them as typed input. A row
    /// whose code, name and weight are all empty is skipped (that is how a
    /// criterion is removed).
    ///
    /// # Errors
    /// As [`check`], text that is no whole number included.
    fn try_from(f: &FormData) -> Result<CriteriaDraft, FieldErrors> {
        let mut rows = Vec::new();
        for i in 0..MAX_ROWS {
            let g = |name: &str| f.get(&format!("c{i}_{name}")).to_owned();
            if g("code").is_empty() && g("name_id").is_empty() && g("weight").is_empty() {
                continue;
            }
            let mut n = RowNumbers::default();
            let stage = g("stage");
            let input = CriterionInput {
                code: g("code"),
                name_id: g("name_id"),
                name_en: g("name_en"),
                description_id: g("description_id"),
                description_en: g("description_en"),
                kind: g("kind"),
                scale_min: n.required("scale_min", &g("scale_min")),
                scale_max: n.required("scale_max", &g("scale_max")),
                weight: n.required("weight", &g("weight")),
                pass_min: n.optional("pass_min", &g("pass_min")),
                tiebreak_order: n.optional("tiebreak_order", &g("tiebreak_order")),
                labels: g("labels"),
                stage: Some(stage).filter(|s| !s.is_empty()),
            };
            rows.push((i, input, n));
        }
        check(&rows)
    }
}

/// Checks criteria rows, each with its row number (naming its fields
/// `c{i}_…`) and the numbers its form could not read. The weights sum to
/// 100 within each stage (all rows without a stage are one group).
///
/// # Errors
/// A message per bad field, `weights` when they do not sum to 100 (saying
/// what is missing), `tiebreak` when the tie-break orders are not 1, 2, ….
fn check(rows: &[(usize, CriterionInput, RowNumbers)]) -> Result<CriteriaDraft, FieldErrors> {
    let mut errs = FieldErrors::new();
    // Summed over every readable weight, also of rows refused for another
    // field, so the message agrees with the total the form shows; per stage,
    // since each stage of a staged round is ranked on its own.
    let mut weight_sums: BTreeMap<String, i64> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, row, nums) in rows {
        let checked = Row {
            prefix: 'c',
            i: *i,
            nums,
        };
        let k = |name: &str| checked.key(name);
        let g = |name: &str| row.text(name);
        let (code, name_id, name_en) = row_code_and_names(&mut errs, &k, &g, |code| {
            out.iter().any(|c: &CriterionDraft| c.code == code)
        });
        let [description_id, description_en] = ["description_id", "description_en"].map(|name| {
            text_len(
                &mut errs,
                &k(name),
                &g(name),
                0,
                2000,
                ("Keterangan", "The description"),
            )
        });
        let kind = match g("kind").as_str() {
            "" | "panel" => CriterionKind::Panel,
            "imported" => CriterionKind::Imported,
            _ => {
                errs.insert(k("kind"), Msg::new("Jenis tidak dikenal.", "Unknown kind."));
                CriterionKind::Panel
            }
        };
        let scale_min = checked.num(&mut errs, &SCALE_MIN, row.scale_min);
        let scale_max = checked.num(&mut errs, &SCALE_MAX, row.scale_max);
        let weight = checked.num(&mut errs, &WEIGHT, row.weight);
        let stage = g("stage").to_uppercase();
        *weight_sums.entry(stage.clone()).or_default() += weight.map_or(0, i64::from);
        let pass_min = checked.opt_num(&mut errs, &PASS_MIN, row.pass_min);
        let tiebreak_order = checked.opt_num(&mut errs, &TIEBREAK_ORDER, row.tiebreak_order);
        let (Some(scale_min), Some(scale_max), Some(weight), Some(pass_min), Some(tiebreak_order)) =
            (scale_min, scale_max, weight, pass_min, tiebreak_order)
        else {
            continue;
        };
        if scale_min >= scale_max {
            errs.insert(
                k("scale_max"),
                Msg::new(
                    "Skala tertinggi harus di atas skala terendah.",
                    "The scale maximum must be above the minimum.",
                ),
            );
            continue;
        }
        if let Some(p) = pass_min
            && !(scale_min..=scale_max).contains(&p)
        {
            errs.insert(
                k("pass_min"),
                Msg::new(
                    format!("Nilai minimum harus dalam skala {scale_min}–{scale_max}."),
                    format!("The minimum must lie within the scale {scale_min}–{scale_max}."),
                ),
            );
        }
        let labels =
            match parse_scale_labels(&g("labels"), i64::from(scale_min), i64::from(scale_max)) {
                Ok(l) => l,
                Err(m) => {
                    errs.insert(k("labels"), m);
                    BTreeMap::new()
                }
            };
        out.push(CriterionDraft {
            code,
            name_id,
            name_en,
            description_id,
            description_en,
            kind,
            scale_min,
            scale_max,
            weight,
            pass_min,
            tiebreak_order,
            labels,
            stage: Some(stage).filter(|s| !s.is_empty()),
        });
    }
    if out.is_empty() && errs.is_empty() {
        errs.insert(
            "".into(),
            Msg::new(
                "Isi minimal satu kriteria.",
                "Enter at least one criterion.",
            ),
        );
    }
    for (stage, sum) in &weight_sums {
        if let Some(m) = weight_shortfall(*sum) {
            let m = if stage.is_empty() {
                m
            } else {
                Msg::new(
                    format!("Tahap {stage}: {}", m.id),
                    format!("Stage {stage}: {}", m.en),
                )
            };
            errs.insert("weights".into(), m);
        }
    }
    let mut orders: Vec<i32> = out.iter().filter_map(|c| c.tiebreak_order).collect();
    orders.sort_unstable();
    if orders.iter().zip(1..).any(|(o, want)| *o != want) {
        errs.insert(
            "tiebreak".into(),
            Msg::new(
                "Urutan penentu seri harus 1, 2, 3 … tanpa loncatan atau ganda.",
                "Tie-break orders must be 1, 2, 3 … without gaps or repeats.",
            ),
        );
    }
    if errs.is_empty() {
        Ok(CriteriaDraft(out))
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::rounds::form;

    #[test]
    fn typed_criteria_and_the_form_are_refused_with_the_same_messages() {
        let typed = [CriterionInput {
            code: " k 1".into(),
            name_id: "I".into(),
            kind: "lottery".into(),
            scale_min: 1,
            scale_max: 5,
            weight: 60,
            pass_min: Some(9),
            tiebreak_order: Some(2),
            ..CriterionInput::default()
        }];
        let from_json = CriteriaDraft::try_from(typed.as_slice()).expect_err("refused");
        let from_form = CriteriaDraft::try_from(&form(&[
            ("c0_code", "k 1"),
            ("c0_name_id", "I"),
            ("c0_kind", "lottery"),
            ("c0_scale_min", "1"),
            ("c0_scale_max", "5"),
            ("c0_weight", "60"),
            ("c0_pass_min", "9"),
            ("c0_tiebreak_order", "2"),
        ]))
        .expect_err("refused");
        assert_eq!(from_json, from_form);
        for field in [
            "c0_code",
            "c0_name_id",
            "c0_kind",
            "c0_pass_min",
            "weights",
            "tiebreak",
        ] {
            assert!(from_json.contains_key(field), "{field}: {from_json:?}");
        }
    }

    #[test]
    fn a_number_the_form_cannot_read_is_refused_alone_with_its_range() {
        let errs = CriteriaDraft::try_from(&form(&[
            ("c0_code", "K1"),
            ("c0_name_id", "Integritas"),
            ("c0_scale_min", "satu"),
            ("c0_scale_max", "5"),
            ("c0_weight", "100"),
            ("c0_labels", "9 = ?"),
        ]))
        .expect_err("refused");
        assert_eq!(
            errs["c0_scale_min"].en,
            "The scale minimum must be a whole number 0–1000."
        );
        // The row's scale is unknown, so its labels are not checked against it.
        assert_eq!(errs.keys().collect::<Vec<_>>(), ["c0_scale_min"]);
        let ok = CriteriaDraft::try_from(
            [CriterionInput {
                code: " k1 ".into(),
                name_id: " Integritas ".into(),
                scale_min: 1,
                scale_max: 2,
                weight: 100,
                labels: "1 = Kurang\n2 = Baik".into(),
                stage: Some(" ".into()),
                ..CriterionInput::default()
            }]
            .as_slice(),
        )
        .expect("valid");
        assert_eq!(ok.0[0].code, "K1");
        assert_eq!(ok.0[0].name_en, "Integritas");
        assert_eq!(ok.0[0].stage, None);
    }
}
