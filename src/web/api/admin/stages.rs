//! The stages of a multi-stage round and its final rule (admin): the same
//! typed input, checked by the same rules, and service call as the
//! settings page.

use axum::extract::{Path, State};

use super::parse_id;
use super::rounds::{RoundDetailBody, detail_body};
use crate::app::AppState;
use crate::services::rounds::{self as svc, StagesDraft, StagesInput};
use crate::web::api::error::{AdminError, AdminResult, ErrorBody, service_err};
use crate::web::api::extract::{AdminUser, ApiJson};

/// Replaces the stages and final rule of a draft round (`stages.updated`).
/// Invalid stages are 422; after the freeze (registration opened) 409.
#[utoipa::path(put, path = "/admin/rounds/{id}/stages", tag = "admin", params(("id" = uuid::Uuid, Path)),
    request_body = StagesInput,
    responses((status = 200, body = RoundDetailBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn round_stages(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StagesInput>,
) -> AdminResult<RoundDetailBody> {
    let id = parse_id(&id)?;
    let draft = StagesDraft::try_from(&body).map_err(|errs| {
        // `s1_top_k` (the form's field) → `stages[1].advance_top_k` (the JSON path).
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
