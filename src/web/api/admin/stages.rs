//! The stages of a multi-stage round and its final rule (admin): the same
//! form parser and service call as the settings page.

use axum::extract::{Path, State};

use super::rounds::{RoundDetailBody, detail_body};
use super::{parse_id, put, put_opt};
use crate::app::AppState;
use crate::domain::form::FormData;
use crate::services::rounds::{self as svc, MAX_STAGES};
use crate::web::api::error::{AdminError, AdminResult, ErrorBody, service_err};
use crate::web::api::extract::{AdminUser, ApiJson};

/// One stage of a round, first stage first.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StageBody {
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

/// A round's stages and final rule; no stages is a one-stage round, else at
/// least two.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct StagesBody {
    /// `last_stage` (the last stage's total alone ranks; also when empty) or
    /// `weighted`.
    #[serde(default)]
    #[schema(pattern = "^(|last_stage|weighted)$")]
    pub final_rule: String,
    #[serde(default)]
    #[schema(max_items = 6)]
    pub stages: Vec<StageBody>,
}

/// Replaces the stages and final rule of a draft round (`stages.updated`).
/// Invalid stages are 422; after the freeze (registration opened) 409.
#[utoipa::path(put, path = "/admin/rounds/{id}/stages", tag = "admin", params(("id" = uuid::Uuid, Path)),
    request_body = StagesBody,
    responses((status = 200, body = RoundDetailBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn round_stages(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StagesBody>,
) -> AdminResult<RoundDetailBody> {
    let id = parse_id(&id)?;
    if body.stages.len() > MAX_STAGES {
        let mut errs = crate::domain::form::FieldErrors::new();
        errs.insert(
            "stages".into(),
            crate::domain::round::Msg::new(
                format!("Paling banyak {MAX_STAGES} tahap."),
                format!("At most {MAX_STAGES} stages."),
            ),
        );
        return Err(AdminError::Invalid(errs));
    }
    // The settings form skips a blank row; a stage sent here is never blank.
    if let Some(i) = body.stages.iter().position(|s| s.code.trim().is_empty()) {
        let mut errs = crate::domain::form::FieldErrors::new();
        errs.insert(
            format!("stages[{i}].code"),
            crate::domain::round::Msg::new("Kode wajib diisi.", "A code is required."),
        );
        return Err(AdminError::Invalid(errs));
    }
    let mut f = FormData::default();
    put(&mut f, "final_rule", &body.final_rule);
    for (i, s) in body.stages.iter().enumerate() {
        let k = |n: &str| format!("s{i}_{n}");
        put(&mut f, k("code"), &s.code);
        put(&mut f, k("name_id"), &s.name_id);
        put(&mut f, k("name_en"), &s.name_en);
        put(&mut f, k("scoring"), &s.scoring);
        put_opt(&mut f, k("top_k"), s.advance_top_k);
        put_opt(&mut f, k("passing_total"), s.advance_passing_total);
        put_opt(&mut f, k("weight"), s.final_weight);
    }
    let draft = svc::parse_stages(&f).map_err(|errs| {
        // `s1_top_k` (the HTML field) → `stages[1].advance_top_k` (the JSON path).
        let renamed = errs
            .into_iter()
            .map(|(k, m)| {
                let json_key = k
                    .strip_prefix('s')
                    .and_then(|rest| rest.split_once('_'))
                    .filter(|(i, _)| i.parse::<usize>().is_ok())
                    .map_or_else(
                        || k.clone(),
                        |(i, n)| {
                            let n = match n {
                                "top_k" => "advance_top_k",
                                "passing_total" => "advance_passing_total",
                                "weight" => "final_weight",
                                other => other,
                            };
                            format!("stages[{i}].{n}")
                        },
                    );
                (json_key, m)
            })
            .collect();
        AdminError::Invalid(renamed)
    })?;
    svc::set_stages(&app.db, user.0.actor(), id, &draft)
        .await
        .map_err(service_err)?;
    let d = svc::load(&app.db, id).await.map_err(service_err)?;
    Ok(axum::Json(detail_body(d)))
}
