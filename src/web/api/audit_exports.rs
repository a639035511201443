//! Auditor exports over the JSON API: the list of a round's files and each
//! file as `text/csv` (auditor or admin; session cookie). The same service
//! as the HTML downloads, so every call is an audited export.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiError;
use super::extract::ApiUser;
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::services::exports::{self, ExportFile};

#[derive(OpenApi)]
#[openapi(tags(
    (name = "auditor", description = "Auditors and admins: export files; every download is an audited event"),
))]
struct AuditorDoc;

/// The auditor export routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(AuditorDoc::openapi())
        .routes(routes!(round_exports))
        .routes(routes!(round_export_file))
}

/// One export file of a round.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ExportFileBody {
    /// `rankings.csv`.
    pub file: String,
    /// Where to download it (this API).
    pub url: String,
    /// What it holds (Bahasa Indonesia).
    pub description: String,
}

/// A round's export files.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RoundExportsBody {
    pub round_id: String,
    pub slug: String,
    pub state: String,
    pub files: Vec<ExportFileBody>,
}

fn auditor(user: &ApiUser) -> Result<(), ApiError> {
    user.0
        .require(&[Role::Auditor, Role::Admin])
        .map_err(ApiError)
}

/// The export files of a round (`id` is the round's id or slug).
#[utoipa::path(get, path = "/audit/rounds/{id}/exports", tag = "auditor",
    params(("id" = String, Path, description = "Round id or slug")),
    responses((status = 200, body = RoundExportsBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn round_exports(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<RoundExportsBody>, ApiError> {
    auditor(&user)?;
    let r = exports::find_round(&app.db, &id).await?;
    Ok(Json(RoundExportsBody {
        round_id: r.id.to_string(),
        slug: r.slug.clone(),
        state: r.state.to_string(),
        files: ExportFile::ALL
            .into_iter()
            .map(|f| ExportFileBody {
                file: f.file_name(),
                url: format!("/api/v1/audit/rounds/{}/exports/{}", r.id, f.file_name()),
                description: f.describe().0.to_owned(),
            })
            .collect(),
    }))
}

/// One export file as `text/csv` (`audit.csv` is the whole trail). Recorded
/// in the trail as `export.created` with `via` = `api`.
#[utoipa::path(get, path = "/audit/rounds/{id}/exports/{file}", tag = "auditor",
    params(("id" = String, Path, description = "Round id or slug"),
        ("file" = String, Path, description = "round.csv, formations.csv, criteria.csv, stages.csv, scores.csv, shortlists.csv, rankings.csv, applications.csv, analytics.csv or audit.csv")),
    responses((status = 200, content_type = "text/csv", body = String, description = "The CSV file"),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn round_export_file(
    State(app): State<AppState>,
    user: ApiUser,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    auditor(&user)?;
    let file = ExportFile::parse(&file).ok_or(ApiError(AppError::NotFound))?;
    let r = exports::find_round(&app.db, &id).await?;
    crate::web::audit_exports::attachment(&app, &user.0, r.id, file, "api")
        .await
        .map_err(ApiError)
}
