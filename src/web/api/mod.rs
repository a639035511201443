//! The JSON API under `/api/v1` for the city's mobile app and help desk,
//! described by the OpenAPI document at `/api/openapi.json` (generated from
//! these handlers, so the document cannot drift from the code).

pub mod admin;
pub mod applicant;
// the finishing pass over the generated document
pub mod doc;
// lottery witnesses, imports, progress (panel/admin input side)
pub mod panel;
pub mod public;
// auditor exports
pub mod audit_exports;
// auditors' workspace (read only)
pub mod trail;
// results, objections and finalization
pub mod results;
// information section
pub mod info;
// personal data: the access download
pub mod privacy;
// applying and scoring through the API (same services as the forms)
pub mod resident;
pub mod scorecards;
// the answer's language (Accept-Language)
pub mod lang;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::error::AppError;

/// The document's fixed parts; paths are collected from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "pokmas API",
        description = "Rekrutmen terbuka Pokmas Probebaya Kota Samarinda — JSON API. \
                       Errors are `{\"error\": code, \"message\": text}`; messages are in Bahasa Indonesia, or in English with `Accept-Language: en`.",
    ),
    tags(
        (name = "public", description = "Readable without logging in"),
        (name = "applicant", description = "An applicant's own applications (session cookie) and the number + PIN status check"),
        (name = "admin", description = "City programme officers: rounds, approvals, staff, panels and the test schedule"),
        (name = "operator", description = "Kelurahan help-desk officers, within their kelurahan: administrative verification"),
        (name = "audit", description = "Auditors and admins, read only: trail queries (keyset cursor), application histories, panelists, conflict matrices, panel analytics"),
    )
)]
pub struct ApiDoc;

/// The `/api/v1` routes by the module that describes them (merged into one
/// router by [`routes`]; kept apart so a test can tell two modules' schemas
/// of one name apart, which the merged document would silently overwrite).
pub fn parts() -> Vec<(&'static str, OpenApiRouter<AppState>)> {
    vec![
        (
            "public+applicant",
            OpenApiRouter::new()
                .routes(routes!(public::rounds))
                .routes(routes!(public::regions))
                .routes(routes!(applicant::my_applications))
                .routes(routes!(applicant::my_application))
                .routes(routes!(applicant::status_check_api)),
        ),
        ("admin", admin::routes()),
        ("audit_exports", audit_exports::routes()),
        ("trail", trail::routes()),
        ("panel", panel::routes()),
        ("results", results::routes()),
        ("resident", resident::routes()),
        ("scorecards", scorecards::routes()),
        (
            "info",
            OpenApiRouter::new()
                .routes(routes!(info::announcements))
                .routes(routes!(info::help_desks)),
        ),
        (
            "privacy",
            OpenApiRouter::new()
                .routes(routes!(privacy::my_data))
                .routes(routes!(
                    privacy::my_erasure_requests,
                    privacy::file_erasure_request
                )),
        ),
    ]
}

/// Every `/api/v1` route with its OpenAPI description.
pub fn routes() -> OpenApiRouter<AppState> {
    parts()
        .into_iter()
        .fold(OpenApiRouter::new(), |all, (_, part)| all.merge(part))
        .layer(axum::middleware::from_fn(lang::scope))
}

/// An error body of the JSON API.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `not_found`.
    pub error: &'static str,
    /// A message for people, in Bahasa Indonesia (English with
    /// `Accept-Language: en`).
    pub message: String,
}

/// Errors of API handlers: the same cases as [`AppError`], rendered as JSON.
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let t = |id: &str, en: &str| lang::current().pick(id, en).to_owned();
        let (status, error, message) = match self.0.classified() {
            AppError::Unavailable(e) => {
                tracing::error!(error = %format!("{e:#}"), "database unavailable (api)");
                let body = ErrorBody {
                    error: "unavailable",
                    message: t(
                        "Layanan sedang tidak tersedia. Coba lagi beberapa saat lagi.",
                        "The service is unavailable right now. Try again in a moment.",
                    ),
                };
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(
                        axum::http::header::RETRY_AFTER,
                        crate::error::RETRY_AFTER_SECS,
                    )],
                    Json(body),
                )
                    .into_response();
            }
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                t("Data tidak ditemukan.", "Not found."),
            ),
            AppError::LoginRequired(_) => (
                StatusCode::UNAUTHORIZED,
                "login_required",
                t("Silakan masuk terlebih dahulu.", "Please log in first."),
            ),
            AppError::EmailNotVerified => (
                StatusCode::FORBIDDEN,
                "email_not_verified",
                t(
                    "Verifikasi alamat e-mail Anda terlebih dahulu.",
                    "Confirm your e-mail address first.",
                ),
            ),
            AppError::StaleForm => (
                StatusCode::FORBIDDEN,
                "stale_form",
                t(
                    "Token formulir tidak ada atau kedaluwarsa.",
                    "The form token is missing or has expired.",
                ),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                t("Anda tidak memiliki akses.", "You do not have access."),
            ),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m),
            AppError::Refused(m) => (StatusCode::BAD_REQUEST, "bad_request", lang::pick(&m)),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "conflict", lang::pick(&m)),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                t(
                    "Terlalu banyak percobaan. Tunggu beberapa menit lalu coba lagi.",
                    "Too many attempts. Wait a few minutes and try again.",
                ),
            ),
            AppError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error (api)");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    t(
                        "Terjadi gangguan pada sistem.",
                        "Something went wrong on our side.",
                    ),
                )
            }
        };
        (status, Json(ErrorBody { error, message })).into_response()
    }
}

/// A query string; a malformed one (a number that is not one, a repeated or
/// unknown shape) answers the JSON 400 error like every other refusal, not
/// axum's plain-text rejection.
pub struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError(AppError::BadRequest(e.body_text())))
    }
}

/// The result type of API handlers.
pub type ApiResult<T> = Result<Json<T>, ApiError>;
