//! What opening registration freezes: canonical text and hash.

use super::*;

/// Round-wide rules as frozen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenSettings {
    pub aggregation: String,
    pub passing_total: Option<i32>,
    pub min_panelists: i32,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    /// Public results name every ranked applicant, not only the selected
    /// and the reserve.
    pub publish_all_names: bool,
    /// What the round's texts call the programme, the group and a member.
    pub programme: crate::domain::programme::Programme,
    /// Where applicants must live.
    pub domicile_rule: crate::domain::programme::DomicileRule,
}

/// One criterion as frozen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenCriterion {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub description_id: String,
    pub description_en: String,
    pub kind: String,
    pub scale_min: i32,
    pub scale_max: i32,
    pub weight: i32,
    pub pass_min: Option<i32>,
    pub tiebreak_order: Option<i32>,
    pub position: i32,
    pub scale_labels: BTreeMap<i64, PointLabel>,
    /// The stage code in a staged round.
    pub stage: Option<String>,
}

/// One stage of a staged round as frozen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenStage {
    pub position: i32,
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    /// `imported` | `panel`.
    pub scoring: String,
    pub advance_top_k: Option<i32>,
    pub advance_passing_total: Option<i32>,
    pub final_weight: Option<i32>,
}

/// One requirement as frozen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenRequirement {
    pub code: String,
    pub kind: String,
    pub text_id: String,
    pub text_en: String,
    pub params: String,
    pub mandatory: bool,
    pub position: i32,
}

/// One formation as frozen, with the RTs it covers at that moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenFormation {
    pub code: String,
    pub name: String,
    pub kelurahan_code: String,
    pub all_rts: bool,
    pub rts: Vec<i32>,
    pub seats: i32,
    pub reserve: i32,
}

/// Everything opening registration freezes.
///
/// # Canonical form
///
/// The hash is the lowercase hex SHA-256 of the UTF-8 bytes of the RFC 8785
/// (JCS) text of this JSON object — the same canonical form as audit payloads
/// (README, "Canonical payload"): keys sorted, no whitespace, only strings,
/// integers, arrays and objects:
///
/// ```text
/// { "format": "pokmas-frozen-rules/1",
///   "round_id": "<uuid>",
///   "settings": { "aggregation": "mean"|"trimmed_mean",
///                 "passing_total": <int>|"", "min_panelists": <int>,
///                 "age_min": <int>|"", "age_max": <int>|"",
///                 "publish_all_names": "yes" },
///   "criteria": [ { "code", "name_id", "name_en", "description_id",
///                   "description_en", "kind": "panel"|"imported",
///                   "scale_min": <int>, "scale_max": <int>, "weight": <int>,
///                   "pass_min": <int>|"", "tiebreak_order": <int>|"",
///                   "position": <int>,
///                   "scale_labels": { "<point>": {"id": "…", "en": "…"} } } … ],
///   "requirements": [ { "code", "kind", "text_id", "text_en", "params",
///                       "mandatory": "yes"|"no", "position": <int> } … ],
///   "formations": [ { "code", "name", "kelurahan_code", "rts": [<int>, …],
///                     "all_rts": "yes"|"no", "seats": <int>, "reserve": <int> } … ] }
/// ```
///
/// `publish_all_names` is present only when the round names every ranked
/// applicant in public (absent: only the selected and the reserve are
/// named), so the rules of rounds frozen before the key existed keep their
/// hash. Likewise `"programme": {"programme_id", "programme_en",
/// "group_id", "group_en", "member_id", "member_en"}` is present only when
/// a text differs from the default (`Probebaya`, `Pokmas`, `anggota Pokmas`
/// / `Pokmas member`), and `"domicile_rule": "kelurahan"|"city"` only when
/// the rule is not the default `rt`, both inside `settings`. A staged round alone adds `"stages": [ { "position",
/// "code", "name_id", "name_en", "scoring": "imported"|"panel",
/// "advance_top_k": <int>|"", "advance_passing_total": <int>|"",
/// "final_weight": <int>|"" } … ]` (by position), `"final_rule":
/// "last_stage"|"weighted"`, and `"stage": "<code>"` on each criterion.
/// An unset number is the empty string `""`; `params` is the stored JSON
/// text (or `""`). Criteria are listed by `position` then `code`,
/// requirements likewise, formations by `code`, RTs ascending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenRules {
    pub round_id: String,
    pub settings: FrozenSettings,
    pub criteria: Vec<FrozenCriterion>,
    pub requirements: Vec<FrozenRequirement>,
    pub formations: Vec<FrozenFormation>,
    /// Empty for a one-stage round.
    pub stages: Vec<FrozenStage>,
    /// `last_stage` | `weighted`; `None` without stages.
    pub final_rule: Option<String>,
}

/// Name and version of the canonical form, part of the hashed text so a
/// future change of the form can never produce a colliding meaning.
pub const FROZEN_FORMAT: &str = "pokmas-frozen-rules/1";

pub(super) fn opt(v: Option<i32>) -> serde_json::Value {
    v.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n))
}

pub(super) fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

impl FrozenRules {
    /// The JSON object described on [`FrozenRules`].
    pub fn to_json(&self) -> serde_json::Value {
        let mut criteria = self.criteria.clone();
        criteria.sort_by(|a, b| (a.position, &a.code).cmp(&(b.position, &b.code)));
        let mut requirements = self.requirements.clone();
        requirements.sort_by(|a, b| (a.position, &a.code).cmp(&(b.position, &b.code)));
        let mut formations = self.formations.clone();
        formations.sort_by(|a, b| a.code.cmp(&b.code));
        let mut settings = serde_json::json!({
            "aggregation": self.settings.aggregation,
            "passing_total": opt(self.settings.passing_total),
            "min_panelists": self.settings.min_panelists,
            "age_min": opt(self.settings.age_min),
            "age_max": opt(self.settings.age_max),
        });
        if self.settings.publish_all_names {
            settings["publish_all_names"] = serde_json::json!(yes_no(true));
        }
        // Present only when not the default, so rules frozen before these
        // settings existed keep their hash.
        let p = &self.settings.programme;
        if !p.is_default() {
            settings["programme"] = serde_json::json!({
                "programme_id": p.programme_id,
                "programme_en": p.programme_en,
                "group_id": p.group_id,
                "group_en": p.group_en,
                "member_id": p.member_id,
                "member_en": p.member_en,
            });
        }
        if self.settings.domicile_rule != crate::domain::programme::DomicileRule::default() {
            settings["domicile_rule"] = serde_json::json!(self.settings.domicile_rule.as_str());
        }
        let mut stages = self.stages.clone();
        stages.sort_by(|a, b| (a.position, &a.code).cmp(&(b.position, &b.code)));
        let mut out = serde_json::json!({
            "format": FROZEN_FORMAT,
            "round_id": self.round_id,
            "settings": settings,
            "criteria": criteria.iter().map(|c| {
                let labels: serde_json::Map<String, serde_json::Value> = c
                    .scale_labels
                    .iter()
                    .map(|(p, l)| (p.to_string(), serde_json::json!({"id": l.id, "en": l.en})))
                    .collect();
                let mut o = serde_json::json!({
                    "code": c.code,
                    "name_id": c.name_id,
                    "name_en": c.name_en,
                    "description_id": c.description_id,
                    "description_en": c.description_en,
                    "kind": c.kind,
                    "scale_min": c.scale_min,
                    "scale_max": c.scale_max,
                    "weight": c.weight,
                    "pass_min": opt(c.pass_min),
                    "tiebreak_order": opt(c.tiebreak_order),
                    "position": c.position,
                    "scale_labels": labels,
                });
                if let Some(stage) = &c.stage {
                    o["stage"] = serde_json::json!(stage);
                }
                o
            }).collect::<Vec<_>>(),
            "requirements": requirements.iter().map(|r| serde_json::json!({
                "code": r.code,
                "kind": r.kind,
                "text_id": r.text_id,
                "text_en": r.text_en,
                "params": r.params,
                "mandatory": yes_no(r.mandatory),
                "position": r.position,
            })).collect::<Vec<_>>(),
            "formations": formations.iter().map(|f| {
                let mut rts = f.rts.clone();
                rts.sort_unstable();
                serde_json::json!({
                    "code": f.code,
                    "name": f.name,
                    "kelurahan_code": f.kelurahan_code,
                    "rts": rts,
                    "all_rts": yes_no(f.all_rts),
                    "seats": f.seats,
                    "reserve": f.reserve,
                })
            }).collect::<Vec<_>>(),
        });
        // Absent for one-stage rounds, so rules frozen before stages existed
        // keep their hash.
        if !stages.is_empty() {
            out["stages"] = stages
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "position": s.position,
                        "code": s.code,
                        "name_id": s.name_id,
                        "name_en": s.name_en,
                        "scoring": s.scoring,
                        "advance_top_k": opt(s.advance_top_k),
                        "advance_passing_total": opt(s.advance_passing_total),
                        "final_weight": opt(s.final_weight),
                    })
                })
                .collect();
            out["final_rule"] = serde_json::json!(self.final_rule.clone().unwrap_or_default());
        }
        out
    }

    /// The canonical text that is hashed.
    ///
    /// # Errors
    /// Only if a value falls outside the canonical subset (it cannot: every
    /// field is a string or an `i32`).
    pub fn canonical_text(&self) -> Result<String, PayloadError> {
        canonical_payload(&self.to_json())
    }

    /// `sha256_hex` of [`FrozenRules::canonical_text`].
    ///
    /// # Errors
    /// As [`FrozenRules::canonical_text`].
    pub fn hash(&self) -> Result<String, PayloadError> {
        self.canonical_text().map(|t| sha256_hex(&t))
    }
}
