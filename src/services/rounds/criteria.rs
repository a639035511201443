//! Criteria, requirements and the bundled templates.

use super::*;

// ---------------------------------------------------------------------------
// Criteria
// ---------------------------------------------------------------------------

/// One parsed criterion, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriterionDraft {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub description_id: String,
    pub description_en: String,
    pub kind: CriterionKind,
    pub scale_min: i32,
    pub scale_max: i32,
    pub weight: i32,
    pub pass_min: Option<i32>,
    pub tiebreak_order: Option<i32>,
    pub labels: BTreeMap<i64, PointLabel>,
    /// The stage code in a staged round (checked against the round's stages
    /// when registration opens); `None` in a one-stage round.
    pub stage: Option<String>,
}

fn kind_str(k: CriterionKind) -> &'static str {
    match k {
        CriterionKind::Panel => "panel",
        CriterionKind::Imported => "imported",
    }
}

pub use crate::domain::round::MAX_ROWS;

/// A stored criterion as the ranking module reads it.
pub(crate) fn ranking_criterion(c: &CriterionRow) -> Criterion {
    Criterion {
        code: c.code.clone(),
        kind: if c.kind == "imported" {
            CriterionKind::Imported
        } else {
            CriterionKind::Panel
        },
        scale_min: i64::from(c.scale_min),
        scale_max: i64::from(c.scale_max),
        weight: u32::try_from(c.weight).unwrap_or(0),
        pass_min: c.pass_min.map(i64::from),
        tiebreak_order: c.tiebreak_order.and_then(|o| u32::try_from(o).ok()),
    }
}

/// The domain rule set the ranking module checks, from stored criteria.
pub(super) fn ranking_rules(r: &Round, criteria: &[CriterionRow]) -> RoundRules {
    RoundRules {
        aggregation: if r.aggregation == "trimmed_mean" {
            Aggregation::TrimmedMean
        } else {
            Aggregation::Mean
        },
        passing_total: r.passing_total.and_then(|t| u32::try_from(t).ok()),
        min_panelists: u32::try_from(r.min_panelists).unwrap_or(0),
        criteria: criteria.iter().map(ranking_criterion).collect(),
        seed: String::new(),
    }
}

pub(super) async fn replace_criteria(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    rows: &[CriterionDraft],
) -> Result<(), DbErr> {
    criterion::Entity::delete_many()
        .filter(criterion::Column::RoundId.eq(round_id))
        .exec(tx)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let models = rows.iter().zip(1..).map(|(c, pos)| criterion::ActiveModel {
        id: Set(Uuid::now_v7()),
        round_id: Set(round_id),
        code: Set(c.code.clone()),
        name_id: Set(c.name_id.clone()),
        name_en: Set(c.name_en.clone()),
        description_id: Set(c.description_id.clone()),
        description_en: Set(c.description_en.clone()),
        kind: Set(kind_str(c.kind).into()),
        scale_min: Set(c.scale_min),
        scale_max: Set(c.scale_max),
        weight: Set(c.weight),
        pass_min: Set(c.pass_min),
        tiebreak_order: Set(c.tiebreak_order),
        position: Set(pos),
        scale_labels: Set(scale_labels_json(&c.labels)),
        stage_code: Set(c.stage.clone()),
    });
    criterion::Entity::insert_many(models).exec(tx).await?;
    Ok(())
}

pub(super) fn criteria_payload(rows: &[CriterionDraft], source: &str) -> serde_json::Value {
    serde_json::json!({
        "source": source,
        "criteria": rows.iter().map(|c| { let mut o = serde_json::json!({
            "code": c.code,
            "kind": kind_str(c.kind),
            "weight": c.weight,
            "scale_min": c.scale_min,
            "scale_max": c.scale_max,
            "pass_min": c.pass_min.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
            "tiebreak_order": c.tiebreak_order.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
        });
        if let Some(stage) = &c.stage {
            o["stage"] = serde_json::json!(stage);
        }
        o }).collect::<Vec<_>>(),
    })
}

/// Replaces a draft round's criteria (`criteria.updated`).
///
/// # Errors
/// `Forbidden`, `NotFound`, `Invalid` when frozen; storage failures.
pub async fn set_criteria(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    rows: &[CriterionDraft],
) -> Result<(), ServiceError> {
    require_admin_or_platform(actor)?;
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    replace_criteria(&tx, id, rows).await?;
    touch(&tx, id).await?;
    append(
        &tx,
        NewEvent::new(actor, "criteria.updated", "round", id.to_string())
            .round(id)
            .payload(criteria_payload(rows, "form")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------

/// One parsed requirement.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct RequirementDraft {
    pub code: String,
    /// `document` | `declaration` | `age` | `domicile`.
    pub kind: String,
    pub text_id: String,
    pub text_en: String,
    pub mandatory: bool,
    /// JSON text for the kind, when it needs any.
    pub params: Option<String>,
}

pub use crate::domain::round::REQUIREMENT_KINDS;

fn default_params(kind: &str) -> Option<String> {
    match kind {
        "age" => Some(r#"{"reference":"registration_closes_at"}"#.into()),
        "domicile" => Some(r#"{"basis":"ktp"}"#.into()),
        _ => None,
    }
}

/// One requirement of a round as submitted, not yet checked.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct RequirementInput {
    pub code: String,
    /// `document`, `declaration`, `age` or `domicile`.
    pub kind: String,
    pub text_id: String,
    pub text_en: String,
    #[serde(default)]
    pub mandatory: bool,
}

/// Parses the requirements form: rows `r{i}_code`, `r{i}_kind`,
/// `r{i}_text_id`, `r{i}_text_en`, `r{i}_mandatory` (a checkbox); a row with
/// neither code nor text is skipped.
///
/// # Errors
/// A message per bad field.
pub fn parse_requirements(f: &FormData) -> Result<Vec<RequirementDraft>, FieldErrors> {
    let rows: Vec<RequirementInput> = (0..MAX_ROWS)
        .map(|i| {
            let g = |name: &str| f.get(&format!("r{i}_{name}")).to_owned();
            RequirementInput {
                code: g("code"),
                kind: g("kind"),
                text_id: g("text_id"),
                text_en: g("text_en"),
                mandatory: f.checked(&format!("r{i}_mandatory")),
            }
        })
        .collect();
    check_requirements(&rows)
}

/// Checks requirement rows, the first [`MAX_ROWS`] of them; a row with
/// neither code nor text is skipped. A refusal names the field as the form
/// does (`r{i}_code` for the code of row `i`).
///
/// # Errors
/// A message per bad field.
pub fn check_requirements(rows: &[RequirementInput]) -> Result<Vec<RequirementDraft>, FieldErrors> {
    let mut errs = FieldErrors::new();
    let mut out: Vec<RequirementDraft> = Vec::new();
    for (i, row) in rows.iter().take(MAX_ROWS).enumerate() {
        let k = |name: &str| format!("r{i}_{name}");
        let (code, text_id, text_en) = (row.code.trim(), row.text_id.trim(), row.text_en.trim());
        if code.is_empty() && text_id.is_empty() {
            continue;
        }
        let code = code.to_uppercase();
        if code.is_empty() {
            errs.insert(
                k("code"),
                Msg::new("Kode wajib diisi.", "A code is required."),
            );
        } else if code.len() > 32 || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            errs.insert(
                k("code"),
                Msg::new(
                    "Kode hanya boleh berisi huruf, angka atau _ (tanpa spasi), paling banyak 32.",
                    "A code may hold only letters, digits or _ (no spaces), at most 32.",
                ),
            );
        } else if out.iter().any(|r| r.code == code) {
            errs.insert(
                k("code"),
                Msg::new(
                    format!("Kode {code} dipakai dua kali."),
                    format!("Code {code} is used twice."),
                ),
            );
        }
        let kind = row.kind.trim().to_owned();
        if !REQUIREMENT_KINDS.iter().any(|(k, _, _)| *k == kind) {
            errs.insert(
                k("kind"),
                Msg::new(
                    "Pilih jenis persyaratan.",
                    "Choose the kind of requirement.",
                ),
            );
        } else if matches!(kind.as_str(), "age" | "domicile") && out.iter().any(|r| r.kind == kind)
        {
            errs.insert(
                k("kind"),
                Msg::new(
                    "Persyaratan otomatis ini sudah ada.",
                    "This automatic requirement is already listed.",
                ),
            );
        }
        let text_id = text_len(
            &mut errs,
            &k("text_id"),
            text_id,
            3,
            1000,
            ("Teks", "The text"),
        );
        let text_en = if text_en.is_empty() {
            text_id.clone()
        } else {
            text_len(
                &mut errs,
                &k("text_en"),
                text_en,
                3,
                1000,
                ("Teks", "The text"),
            )
        };
        out.push(RequirementDraft {
            params: default_params(&kind),
            code,
            kind,
            text_id,
            text_en,
            mandatory: row.mandatory,
        });
    }
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

pub(super) async fn replace_requirements(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    rows: &[RequirementDraft],
) -> Result<(), DbErr> {
    requirement::Entity::delete_many()
        .filter(requirement::Column::RoundId.eq(round_id))
        .exec(tx)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let models = rows
        .iter()
        .zip(1..)
        .map(|(r, pos)| requirement::ActiveModel {
            id: Set(Uuid::now_v7()),
            round_id: Set(round_id),
            code: Set(r.code.clone()),
            kind: Set(r.kind.clone()),
            text_id: Set(r.text_id.clone()),
            text_en: Set(r.text_en.clone()),
            params: Set(r.params.clone()),
            mandatory: Set(r.mandatory),
            position: Set(pos),
        });
    requirement::Entity::insert_many(models).exec(tx).await?;
    Ok(())
}

pub(super) fn requirements_payload(rows: &[RequirementDraft], source: &str) -> serde_json::Value {
    serde_json::json!({
        "source": source,
        "requirements": rows.iter().map(|r| serde_json::json!({
            "code": r.code,
            "kind": r.kind,
            "mandatory": if r.mandatory { "yes" } else { "no" },
        })).collect::<Vec<_>>(),
    })
}

/// Replaces a draft round's requirements (`requirements.updated`).
///
/// # Errors
/// `Forbidden`, `NotFound`, `Invalid` when frozen; storage failures.
pub async fn set_requirements(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    rows: &[RequirementDraft],
) -> Result<(), ServiceError> {
    require_admin_or_platform(actor)?;
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    replace_requirements(&tx, id, rows).await?;
    touch(&tx, id).await?;
    append(
        &tx,
        NewEvent::new(actor, "requirements.updated", "round", id.to_string())
            .round(id)
            .payload(requirements_payload(rows, "form")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
