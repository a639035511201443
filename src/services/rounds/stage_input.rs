//! A round's stages and final rule as typed input: what the JSON API sends
//! as it is, and what the stages form's rows become; both are checked by
//! the same rules into [`StagesDraft`] before any transaction begins.

use super::form::{Bounded, Row, RowNumbers, row_code_and_names, typed_rows};
use super::stages::stage_error_msg;
use super::*;

/// One stage of a round as submitted, typed but not yet checked; also how
/// the API shows a stored stage. First stage first.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = StageBody)]
pub struct StageInput {
    /// Up to 16 letters, digits or `_`, unique within the round (kept in
    /// capitals).
    #[schema(pattern = "^[A-Za-z0-9_]{1,16}$")]
    pub code: String,
    /// 2–120 characters.
    #[schema(min_length = 2, max_length = 120)]
    pub name_id: String,
    /// 2–120 characters; empty takes the Indonesian name.
    #[serde(default)]
    #[schema(pattern = r"^(|[\s\S]{2,120})$")]
    pub name_en: String,
    /// `imported` (e.g. a written test) or `panel`.
    #[schema(pattern = "^(imported|panel)$")]
    pub scoring: String,
    /// Who goes on (every stage but the last): the best `top_k × seats` of
    /// the formation, ties at the cut too.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub advance_top_k: Option<i32>,
    /// Who goes on: a stage total of at least this (0–100).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub advance_passing_total: Option<i32>,
    /// The stage's weight when `final_rule` is `weighted` (0–100).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub final_weight: Option<i32>,
}

impl StageInput {
    /// A text field by its form name, trimmed as the form's text is.
    fn text(&self, name: &str) -> String {
        let t = match name {
            "code" => &self.code,
            "name_id" => &self.name_id,
            "name_en" => &self.name_en,
            "scoring" => &self.scoring,
            _ => "",
        };
        t.trim().to_owned()
    }
}

const TOP_K: Bounded = Bounded::new("top_k", 1, 100, ("Top-k", "Top-k"));
const PASSING_TOTAL: Bounded = Bounded::new(
    "passing_total",
    0,
    100,
    ("Nilai minimum lolos", "The minimum total to go on"),
);
const WEIGHT: Bounded = Bounded::new("weight", 0, 100, ("Bobot", "The weight"));

/// A round's stages and final rule as submitted; no stages is a one-stage
/// round, else at least two.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = StagesBody)]
pub struct StagesInput {
    /// `last_stage` (the last stage's total alone ranks; also when empty) or
    /// `weighted`.
    #[serde(default)]
    #[schema(pattern = "^(|last_stage|weighted)$")]
    pub final_rule: String,
    #[serde(default)]
    #[schema(max_items = 6)]
    pub stages: Vec<StageInput>,
}

impl TryFrom<&StagesInput> for StagesDraft {
    type Error = FieldErrors;

    /// Checks the stages as [`check`] does; a refusal names the field as
    /// the form does (`s{i}_top_k` for the top-k of stage `i`). More than
    /// [`MAX_STAGES`] stages are refused under `stages`, and a stage without
    /// a code under its code alone (the form skips such a row when its name
    /// is empty too; a stage sent as typed input is never blank).
    ///
    /// # Errors
    /// As [`check`].
    fn try_from(input: &StagesInput) -> Result<StagesDraft, FieldErrors> {
        if input.stages.len() > MAX_STAGES {
            return Err(FieldErrors::from([(
                "stages".to_owned(),
                Msg::new(
                    format!("Paling banyak {MAX_STAGES} tahap."),
                    format!("At most {MAX_STAGES} stages."),
                ),
            )]));
        }
        if let Some(i) = input.stages.iter().position(|s| s.code.trim().is_empty()) {
            return Err(FieldErrors::from([(
                format!("s{i}_code"),
                Msg::new("Kode wajib diisi.", "A code is required."),
            )]));
        }
        let rows = typed_rows(&input.stages);
        check(input.final_rule.trim(), &rows)
    }
}

impl TryFrom<&FormData> for StagesDraft {
    type Error = FieldErrors;

    /// Reads the stages form: `final_rule` and rows `s{i}_code`,
    /// `s{i}_name_id`, `s{i}_name_en`, `s{i}_scoring`, `s{i}_top_k`,
    /// `s{i}_passing_total`, `s{i}_weight` for `i` in `0..MAX_STAGES`, first
    /// stage first, then checks them as typed input. A row whose code and
    /// name are empty is skipped; no row at all makes the round a one-stage
    /// round again.
    ///
    /// # Errors
    /// As [`check`], text that is no whole number included.
    fn try_from(f: &FormData) -> Result<StagesDraft, FieldErrors> {
        let mut rows = Vec::new();
        for i in 0..MAX_STAGES {
            let g = |name: &str| f.get(&format!("s{i}_{name}")).to_owned();
            if g("code").is_empty() && g("name_id").is_empty() {
                continue;
            }
            let mut n = RowNumbers::default();
            let input = StageInput {
                code: g("code"),
                name_id: g("name_id"),
                name_en: g("name_en"),
                scoring: g("scoring"),
                advance_top_k: n.optional("top_k", &g("top_k")),
                advance_passing_total: n.optional("passing_total", &g("passing_total")),
                final_weight: n.optional("weight", &g("weight")),
            };
            rows.push((i, input, n));
        }
        check(f.get("final_rule"), &rows)
    }
}

/// Checks the final rule and stage rows, each with its row number (naming
/// its fields `s{i}_…`) and the numbers its form could not read.
///
/// # Errors
/// A message per bad field; `""` when the stages do not form a valid plan.
fn check(
    final_rule: &str,
    rows: &[(usize, StageInput, RowNumbers)],
) -> Result<StagesDraft, FieldErrors> {
    let mut errs = FieldErrors::new();
    let final_rule = match final_rule {
        "" | "last_stage" => "last_stage",
        "weighted" => "weighted",
        _ => {
            errs.insert(
                "final_rule".into(),
                Msg::new("Aturan akhir tidak dikenal.", "Unknown final rule."),
            );
            "last_stage"
        }
    };
    let mut out: Vec<StageDraft> = Vec::new();
    for (i, row, nums) in rows {
        let checked = Row {
            prefix: 's',
            i: *i,
            nums,
        };
        let k = |name: &str| checked.key(name);
        let g = |name: &str| row.text(name);
        let (code, name_id, name_en) =
            row_code_and_names(&mut errs, &k, &g, |code| out.iter().any(|s| s.code == code));
        let scoring = g("scoring");
        if !STAGE_SCORINGS.iter().any(|(c, _, _)| *c == scoring) {
            errs.insert(
                k("scoring"),
                Msg::new(
                    "Pilih cara penilaian tahap ini.",
                    "Choose how this stage is scored.",
                ),
            );
        }
        let top_k = checked.opt_num(&mut errs, &TOP_K, row.advance_top_k);
        let passing_total = checked.opt_num(&mut errs, &PASSING_TOTAL, row.advance_passing_total);
        let weight = checked.opt_num(&mut errs, &WEIGHT, row.final_weight);
        let (Some(top_k), Some(passing_total), Some(weight)) = (top_k, passing_total, weight)
        else {
            continue;
        };
        if final_rule == "weighted" && weight.is_none() {
            errs.insert(
                k("weight"),
                Msg::new(
                    "Aturan akhir berbobot memerlukan bobot pada setiap tahap.",
                    "The weighted final rule needs a weight on every stage.",
                ),
            );
        }
        out.push(StageDraft {
            code,
            name_id,
            name_en,
            scoring,
            advance_top_k: top_k,
            advance_passing_total: passing_total,
            final_weight: if final_rule == "weighted" {
                weight
            } else {
                None
            },
        });
    }
    if out.len() == 1 && errs.is_empty() {
        errs.insert(
            String::new(),
            Msg::new(
                "Seleksi bertahap memerlukan paling sedikit dua tahap; kosongkan semua baris untuk seleksi satu tahap.",
                "A staged round needs at least two stages; leave every row empty for a one-stage round.",
            ),
        );
    }
    let draft = StagesDraft {
        stages: out,
        final_rule: final_rule.to_owned(),
    };
    if errs.is_empty()
        && let Some(plan) = draft.plan()
        && let Err(e) = plan.validate()
    {
        errs.insert(String::new(), stage_error_msg(&e));
    }
    if errs.is_empty() {
        Ok(draft)
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::rounds::form;

    fn stage(code: &str, scoring: &str, top_k: Option<i32>) -> StageInput {
        StageInput {
            code: code.into(),
            name_id: format!("Tahap {code}"),
            scoring: scoring.into(),
            advance_top_k: top_k,
            ..StageInput::default()
        }
    }

    #[test]
    fn typed_stages_and_the_form_are_refused_with_the_same_messages() {
        let typed = StagesInput {
            final_rule: "weighted".into(),
            stages: vec![stage("T1", "lottery", Some(0)), stage("T2", "panel", None)],
        };
        let from_json = StagesDraft::try_from(&typed).expect_err("refused");
        let from_form = StagesDraft::try_from(&form(&[
            ("final_rule", "weighted"),
            ("s0_code", "T1"),
            ("s0_name_id", "Tahap T1"),
            ("s0_scoring", "lottery"),
            ("s0_top_k", "0"),
            ("s1_code", "T2"),
            ("s1_name_id", "Tahap T2"),
            ("s1_scoring", "panel"),
        ]))
        .expect_err("refused");
        assert_eq!(from_json, from_form);
        for field in ["s0_scoring", "s0_top_k", "s1_weight"] {
            assert!(from_json.contains_key(field), "{field}: {from_json:?}");
        }
    }

    #[test]
    fn typed_stages_refuse_a_blank_code_alone_and_too_many_stages() {
        let blank = StagesInput {
            final_rule: String::new(),
            stages: vec![stage("T1", "imported", Some(2)), stage(" ", "x", None)],
        };
        let errs = StagesDraft::try_from(&blank).expect_err("blank code");
        assert_eq!(errs.keys().collect::<Vec<_>>(), ["s1_code"]);
        let many = StagesInput {
            final_rule: String::new(),
            stages: (0..=MAX_STAGES)
                .map(|i| stage(&format!("T{i}"), "panel", Some(1)))
                .collect(),
        };
        let errs = StagesDraft::try_from(&many).expect_err("too many");
        assert_eq!(errs.keys().collect::<Vec<_>>(), ["stages"]);
        let ok = StagesDraft::try_from(&StagesInput {
            final_rule: " last_stage ".into(),
            stages: vec![stage("t1", "imported", Some(2)), stage("T2", "panel", None)],
        })
        .expect("valid");
        assert_eq!(ok.stages[0].code, "T1");
        assert_eq!(ok.final_rule, "last_stage");
    }
}
