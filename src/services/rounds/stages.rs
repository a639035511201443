//! The stages of a multi-stage round (e.g. written test → interview) and
//! its final ranking rule: set while the round is a draft, frozen with the
//! criteria when registration opens. The rule itself is
//! [`crate::domain::stage`].

use super::*;
use crate::domain::stage::{AdvanceRule, FinalRule, StageError, StagePlan, StageSpec};

pub use crate::domain::round::{MAX_STAGES, STAGE_SCORINGS};

/// One parsed stage, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageDraft {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    /// `imported` | `panel`.
    pub scoring: String,
    pub advance_top_k: Option<i32>,
    pub advance_passing_total: Option<i32>,
    pub final_weight: Option<i32>,
}

/// A round's stages and final rule as submitted. No stages at all is a
/// one-stage round.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct StagesDraft {
    pub stages: Vec<StageDraft>,
    /// `last_stage` | `weighted`.
    pub final_rule: String,
}

pub(super) fn stage_error_msg(e: &StageError) -> Msg {
    match e {
        StageError::AdvancePlacement(code) => Msg::new(
            format!(
                "Tahap {code}: setiap tahap kecuali yang terakhir memerlukan aturan lolos (top-k dan/atau nilai minimum); tahap terakhir tidak memilikinya."
            ),
            format!(
                "Stage {code}: every stage but the last needs a rule for who goes on (top-k and/or a minimum total); the last has none."
            ),
        ),
        StageError::BadAdvance(code) => Msg::new(
            format!("Tahap {code}: top-k minimal 1 dan nilai minimum paling tinggi 100."),
            format!("Stage {code}: top-k is at least 1 and the minimum total at most 100."),
        ),
        StageError::BadWeights { .. } => Msg::new(
            "Aturan akhir berbobot memerlukan bobot pada setiap tahap, tidak semuanya nol.",
            "The weighted final rule needs a weight on every stage, not all zero.",
        ),
        other => Msg::new(
            format!("Tahapan tidak valid: {other}."),
            format!("The stages are invalid: {other}."),
        ),
    }
}

impl StagesDraft {
    /// The plan the domain rule checks; `None` without stages.
    pub fn plan(&self) -> Option<StagePlan> {
        plan_of(
            self.stages.iter().map(|s| {
                (
                    s.code.clone(),
                    s.advance_top_k,
                    s.advance_passing_total,
                    s.final_weight,
                )
            }),
            &self.final_rule,
        )
    }
}

fn plan_of(
    rows: impl Iterator<Item = (String, Option<i32>, Option<i32>, Option<i32>)>,
    final_rule: &str,
) -> Option<StagePlan> {
    let rows: Vec<_> = rows.collect();
    if rows.is_empty() {
        return None;
    }
    let to_u32 = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok());
    let stages = rows
        .iter()
        .map(|(code, k, t, _)| StageSpec {
            code: code.clone(),
            advance: (k.is_some() || t.is_some()).then(|| AdvanceRule {
                top_k: to_u32(*k),
                passing_total: to_u32(*t),
            }),
        })
        .collect();
    let final_rule = if final_rule == "weighted" {
        FinalRule::Weighted(rows.iter().map(|r| to_u32(r.3).unwrap_or(0)).collect())
    } else {
        FinalRule::LastStage
    };
    Some(StagePlan { stages, final_rule })
}

/// The stored stage plan of a round; `None` for a one-stage round.
pub fn stored_plan(final_rule: Option<&str>, stages: &[Stage]) -> Option<StagePlan> {
    plan_of(
        stages.iter().map(|s| {
            (
                s.code.clone(),
                s.advance_top_k,
                s.advance_passing_total,
                s.final_weight,
            )
        }),
        final_rule.unwrap_or("last_stage"),
    )
}

pub(super) fn stages_payload(d: &StagesDraft) -> serde_json::Value {
    let opt = |v: Option<i32>| v.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n));
    serde_json::json!({
        "final_rule": if d.stages.is_empty() { "" } else { d.final_rule.as_str() },
        "stages": d.stages.iter().zip(1..).map(|(s, pos): (&StageDraft, i32)| serde_json::json!({
            "position": pos,
            "code": s.code,
            "scoring": s.scoring,
            "advance_top_k": opt(s.advance_top_k),
            "advance_passing_total": opt(s.advance_passing_total),
            "final_weight": opt(s.final_weight),
        })).collect::<Vec<_>>(),
    })
}

/// Replaces a draft round's stages and final rule (`stages.updated`); no
/// stages makes it a one-stage round again. Which criteria belong to which
/// stage is set with the criteria and checked when registration opens.
///
/// # Errors
/// `Forbidden`, `NotFound`, `Invalid` (a form-level refusal, 409 in the
/// API) when the round is frozen; storage failures.
pub async fn set_stages(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    draft: &StagesDraft,
) -> Result<(), ServiceError> {
    require_admin_or_platform(actor)?;
    if let Some(plan) = draft.plan() {
        plan.validate()
            .map_err(|e| ServiceError::form(stage_error_msg(&e)))?;
    }
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    replace_stages(&tx, id, draft).await?;
    append(
        &tx,
        NewEvent::new(actor, "stages.updated", "round", id.to_string())
            .round(id)
            .payload(stages_payload(draft)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores `draft` as the round's stages and final rule, in the caller's
/// transaction (the round already locked as a draft).
pub(super) async fn replace_stages(
    tx: &DatabaseTransaction,
    id: Uuid,
    draft: &StagesDraft,
) -> Result<(), DbErr> {
    round_stage::Entity::delete_many()
        .filter(round_stage::Column::RoundId.eq(id))
        .exec(tx)
        .await?;
    if !draft.stages.is_empty() {
        let rows = draft
            .stages
            .iter()
            .zip(1..)
            .map(|(s, pos)| round_stage::ActiveModel {
                id: Set(Uuid::now_v7()),
                round_id: Set(id),
                position: Set(pos),
                code: Set(s.code.clone()),
                name_id: Set(s.name_id.clone()),
                name_en: Set(s.name_en.clone()),
                scoring: Set(s.scoring.clone()),
                advance_top_k: Set(s.advance_top_k),
                advance_passing_total: Set(s.advance_passing_total),
                final_weight: Set(s.final_weight),
            });
        round_stage::Entity::insert_many(rows).exec(tx).await?;
    }
    round::ActiveModel {
        id: Set(id),
        final_rule: Set((!draft.stages.is_empty()).then(|| draft.final_rule.clone())),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    }
    .update(tx)
    .await?;
    Ok(())
}

/// What must hold of the stages before the rules can be frozen: without
/// stages no criterion names one; with stages every criterion belongs to one
/// of them, each stage has criteria of its scoring kind whose weights sum to
/// 100, and the round-wide passing total is unset (each stage's own rule
/// decides who goes on).
pub(super) fn stage_freeze_checks(d: &RoundDetail) -> Result<(), Msg> {
    let Some(plan) = stored_plan(d.round.final_rule.as_deref(), &d.stages) else {
        if let Some(c) = d.criteria.iter().find(|c| c.stage_code.is_some()) {
            return Err(Msg::new(
                format!(
                    "Kriteria {} menyebut tahap, tetapi seleksi ini tidak bertahap.",
                    c.code
                ),
                format!(
                    "Criterion {} names a stage, but this round has no stages.",
                    c.code
                ),
            ));
        }
        return Ok(());
    };
    plan.validate().map_err(|e| stage_error_msg(&e))?;
    if d.round.passing_total.is_some() {
        return Err(Msg::new(
            "Seleksi bertahap tidak memakai nilai lulus seleksi; kosongkan, karena aturan lolos setiap tahap yang menentukan.",
            "A staged round has no round-wide passing total; leave it empty, since each stage's rule decides who goes on.",
        ));
    }
    if let Some(c) = d.criteria.iter().find(|c| {
        c.stage_code
            .as_deref()
            .is_none_or(|s| !d.stages.iter().any(|st| st.code == s))
    }) {
        return Err(Msg::new(
            format!(
                "Kriteria {} belum ditetapkan ke salah satu tahap seleksi ini.",
                c.code
            ),
            format!(
                "Criterion {} does not belong to one of this round's stages.",
                c.code
            ),
        ));
    }
    for st in &d.stages {
        let criteria = stage_criteria(&d.criteria, &st.code);
        if criteria.is_empty() {
            return Err(Msg::new(
                format!("Tahap {} belum memiliki kriteria.", st.code),
                format!("Stage {} has no criteria yet.", st.code),
            ));
        }
        if let Some(c) = criteria.iter().find(|c| c.kind != st.scoring) {
            return Err(Msg::new(
                format!(
                    "Kriteria {} tidak sesuai dengan cara penilaian tahap {}.",
                    c.code, st.code
                ),
                format!(
                    "Criterion {} does not match how stage {} is scored.",
                    c.code, st.code
                ),
            ));
        }
        let sum: i64 = criteria.iter().map(|c| i64::from(c.weight)).sum();
        if let Some(m) = weight_shortfall(sum) {
            return Err(Msg::new(
                format!("Tahap {}: {}", st.code, m.id),
                format!("Stage {}: {}", st.code, m.en),
            ));
        }
        stage_rules(&d.round, &criteria).validate().map_err(|e| {
            Msg::new(
                format!("Tahap {}: aturan penilaian tidak valid: {e}.", st.code),
                format!("Stage {}: the scoring rules are invalid: {e}.", st.code),
            )
        })?;
    }
    Ok(())
}

/// The criteria of one stage, in their order.
pub fn stage_criteria(criteria: &[CriterionRow], code: &str) -> Vec<CriterionRow> {
    criteria
        .iter()
        .filter(|c| c.stage_code.as_deref() == Some(code))
        .cloned()
        .collect()
}

/// The one-stage ranking rules of one stage: its criteria and no passing
/// total of its own, so `passed` means its criterion minimums (what
/// [`crate::domain::stage::Candidate::from_outcome`] expects).
pub fn stage_rules(r: &Round, criteria: &[CriterionRow]) -> RoundRules {
    let mut rules = ranking_rules(r, criteria);
    rules.passing_total = None;
    rules
}
