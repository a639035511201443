//! The bundled round templates (`fixtures/criteria_*.json`): criteria,
//! requirements, stages, the programme's names and the domicile rule a
//! round can start from.

use super::*;
use crate::domain::programme::{DomicileRule, Programme};

/// A round template from `fixtures/criteria_*.json`.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Template {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub settings: TemplateSettings,
    pub criteria: Vec<TemplateCriterion>,
    /// Requirements added to the defaults; one with the code of a default
    /// requirement replaces it in place.
    #[serde(default)]
    pub extra_requirements: Vec<RequirementDraft>,
    /// Codes of default requirements the template drops.
    #[serde(default)]
    pub omit_requirements: Vec<String>,
    /// The stages, first to last; none for a one-stage round.
    #[serde(default)]
    pub stages: Vec<TemplateStage>,
    /// `last_stage` | `weighted` with stages.
    #[serde(default)]
    pub final_rule: Option<String>,
}

/// Round-wide rules a template proposes.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TemplateSettings {
    pub aggregation: String,
    pub passing_total: Option<i32>,
    pub min_panelists: i32,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    /// The programme's names; absent: the defaults.
    #[serde(default)]
    pub programme: Option<TemplateProgramme>,
    /// `rt` | `kelurahan` | `city`; absent: `rt`.
    #[serde(default)]
    pub domicile_rule: Option<String>,
}

/// The programme's names of a template.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TemplateProgramme {
    pub programme_id: String,
    pub programme_en: String,
    pub group_id: String,
    pub group_en: String,
    pub member_id: String,
    pub member_en: String,
}

/// One stage of a template.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TemplateStage {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub scoring: String,
    pub advance_top_k: Option<i32>,
    pub advance_passing_total: Option<i32>,
    pub final_weight: Option<i32>,
}

/// One criterion of a template.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TemplateCriterion {
    pub code: String,
    pub kind: String,
    pub scale_min: i32,
    pub scale_max: i32,
    pub weight: i32,
    pub pass_min: Option<i32>,
    pub tiebreak_order: Option<i32>,
    pub name_id: String,
    pub name_en: String,
    pub description_id: String,
    pub description_en: String,
    pub labels: BTreeMap<String, TemplateLabel>,
    /// The stage code in a staged template.
    #[serde(default)]
    pub stage: Option<String>,
}

/// A point label of a template.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TemplateLabel {
    pub id: String,
    pub en: String,
}

const TEMPLATE_FILES: [&str; 2] = [
    include_str!("../../../fixtures/criteria_panel.json"),
    include_str!("../../../fixtures/criteria_tpp2023.json"),
];
const DEFAULT_REQUIREMENTS: &str = include_str!("../../../fixtures/requirements_default.json");

/// The bundled templates.
///
/// # Errors
/// Only if a bundled file is malformed (a unit test proves they are not).
pub fn templates() -> Result<Vec<Template>, ServiceError> {
    TEMPLATE_FILES
        .iter()
        .map(|t| {
            serde_json::from_str(t)
                .map_err(|e| ServiceError::Internal(anyhow::anyhow!("bundled template: {e}")))
        })
        .collect()
}

/// The default requirements every template starts from.
///
/// # Errors
/// Only if the bundled file is malformed.
pub fn default_requirements() -> Result<Vec<RequirementDraft>, ServiceError> {
    serde_json::from_str(DEFAULT_REQUIREMENTS)
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("bundled requirements: {e}")))
}

impl Template {
    /// The template's criteria as drafts.
    pub fn criteria_drafts(&self) -> Vec<CriterionDraft> {
        self.criteria
            .iter()
            .map(|c| CriterionDraft {
                code: c.code.clone(),
                name_id: c.name_id.clone(),
                name_en: c.name_en.clone(),
                description_id: c.description_id.clone(),
                description_en: c.description_en.clone(),
                kind: if c.kind == "imported" {
                    CriterionKind::Imported
                } else {
                    CriterionKind::Panel
                },
                scale_min: c.scale_min,
                scale_max: c.scale_max,
                weight: c.weight,
                pass_min: c.pass_min,
                tiebreak_order: c.tiebreak_order,
                labels: c
                    .labels
                    .iter()
                    .filter_map(|(p, l)| {
                        Some((
                            p.parse().ok()?,
                            PointLabel {
                                id: l.id.clone(),
                                en: l.en.clone(),
                            },
                        ))
                    })
                    .collect(),
                stage: c.stage.clone(),
            })
            .collect()
    }

    /// The defaults without the omitted ones, each replaced in place by an
    /// extra requirement of its code, then the other extras.
    ///
    /// # Errors
    /// Only if the bundled defaults are malformed.
    pub fn requirement_drafts(&self) -> Result<Vec<RequirementDraft>, ServiceError> {
        let mut out: Vec<RequirementDraft> = default_requirements()?
            .into_iter()
            .filter(|r| !self.omit_requirements.contains(&r.code))
            .map(|r| {
                self.extra_requirements
                    .iter()
                    .find(|e| e.code == r.code)
                    .cloned()
                    .unwrap_or(r)
            })
            .collect();
        for e in &self.extra_requirements {
            if !out.iter().any(|r| r.code == e.code) {
                out.push(e.clone());
            }
        }
        Ok(out)
    }

    /// The template's stages and final rule.
    pub fn stages_draft(&self) -> StagesDraft {
        StagesDraft {
            stages: self
                .stages
                .iter()
                .map(|s| StageDraft {
                    code: s.code.clone(),
                    name_id: s.name_id.clone(),
                    name_en: s.name_en.clone(),
                    scoring: s.scoring.clone(),
                    advance_top_k: s.advance_top_k,
                    advance_passing_total: s.advance_passing_total,
                    final_weight: s.final_weight,
                })
                .collect(),
            final_rule: self
                .final_rule
                .clone()
                .unwrap_or_else(|| "last_stage".into()),
        }
    }

    /// The template's programme names and domicile rule.
    pub fn programme_settings(&self) -> ProgrammeSettings {
        let s = &self.settings;
        ProgrammeSettings {
            programme: s
                .programme
                .as_ref()
                .map_or_else(Programme::default, |p| Programme {
                    programme_id: p.programme_id.clone(),
                    programme_en: p.programme_en.clone(),
                    group_id: p.group_id.clone(),
                    group_en: p.group_en.clone(),
                    member_id: p.member_id.clone(),
                    member_en: p.member_en.clone(),
                }),
            domicile_rule: s
                .domicile_rule
                .as_deref()
                .and_then(DomicileRule::parse)
                .unwrap_or_default(),
        }
    }
}

/// Replaces a draft round's criteria, requirements and stages with a
/// template's and adopts its rules (aggregation, passing total, panel size,
/// age range, the programme's names and the domicile rule):
/// `criteria.updated`, `requirements.updated`, `stages.updated` and
/// `round.updated`.
///
/// # Errors
/// `Forbidden`, `NotFound` (also for an unknown template), `Invalid` when frozen.
pub async fn apply_template(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    code: &str,
) -> Result<(), ServiceError> {
    require_admin_or_platform(actor)?;
    let template = templates()?
        .into_iter()
        .find(|t| t.code == code)
        .ok_or(ServiceError::NotFound)?;
    let criteria = template.criteria_drafts();
    let requirements = template.requirement_drafts()?;
    let stages = template.stages_draft();
    let programme = template.programme_settings();
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    // A one-stage template applied to a one-stage round has no stage
    // change to record.
    let had_stages = round_stage::Entity::find()
        .filter(round_stage::Column::RoundId.eq(id))
        .one(&tx)
        .await?
        .is_some();
    replace_criteria(&tx, id, &criteria).await?;
    replace_requirements(&tx, id, &requirements).await?;
    replace_stages(&tx, id, &stages).await?;
    let s = &template.settings;
    let mut m = round::ActiveModel {
        id: Set(id),
        aggregation: Set(s.aggregation.clone()),
        passing_total: Set(s.passing_total),
        min_panelists: Set(s.min_panelists),
        age_min: Set(s.age_min),
        age_max: Set(s.age_max),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    };
    programme.apply(&mut m);
    m.update(&tx).await?;
    let source = format!("template:{}", template.code);
    let mut round_payload = serde_json::json!({
        "source": source,
        "aggregation": s.aggregation,
        "passing_total": s.passing_total.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
        "min_panelists": s.min_panelists,
        "age_min": s.age_min.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
        "age_max": s.age_max.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
    });
    if let (serde_json::Value::Object(p), Some(o)) =
        (programme.payload(), round_payload.as_object_mut())
    {
        o.extend(p);
    }
    let mut stages_payload = super::stages::stages_payload(&stages);
    stages_payload["source"] = serde_json::json!(source);
    let mut events = vec![
        NewEvent::new(actor, "criteria.updated", "round", id.to_string())
            .payload(criteria_payload(&criteria, &source)),
        NewEvent::new(actor, "requirements.updated", "round", id.to_string())
            .payload(requirements_payload(&requirements, &source)),
    ];
    if had_stages || !stages.stages.is_empty() {
        events.push(
            NewEvent::new(actor, "stages.updated", "round", id.to_string()).payload(stages_payload),
        );
    }
    events.push(
        NewEvent::new(actor, "round.updated", "round", id.to_string()).payload(round_payload),
    );
    for ev in events {
        append(&tx, ev.round(id)).await?;
    }
    tx.commit().await?;
    Ok(())
}
