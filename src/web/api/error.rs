//! The JSON API's errors: every refusal answers a JSON body with a stable
//! machine-readable code, and the HTTP status its case calls for.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::round::Msg;
use crate::error::AppError;
use crate::services::ServiceError;
use crate::services::rounds::{FieldErrors, RoundError};

/// An error body of the JSON API.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `not_found`.
    pub error: &'static str,
    /// A message for people, in Bahasa Indonesia.
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
        let (status, error, message) = match self.0.classified() {
            AppError::Unavailable(e) => {
                tracing::error!(error = %format!("{e:#}"), "database unavailable (api)");
                let body = ErrorBody {
                    error: "unavailable",
                    message: "Layanan sedang tidak tersedia. Coba lagi beberapa saat lagi."
                        .to_owned(),
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
                "Data tidak ditemukan.".to_owned(),
            ),
            AppError::LoginRequired(_) => (
                StatusCode::UNAUTHORIZED,
                "login_required",
                "Silakan masuk terlebih dahulu.".to_owned(),
            ),
            AppError::EmailNotVerified => (
                StatusCode::FORBIDDEN,
                "email_not_verified",
                "Verifikasi alamat e-mail Anda terlebih dahulu.".to_owned(),
            ),
            AppError::StaleForm => (
                StatusCode::FORBIDDEN,
                "stale_form",
                "Token formulir tidak ada atau kedaluwarsa.".to_owned(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Anda tidak memiliki akses.".to_owned(),
            ),
            AppError::BadRequest(m) | AppError::Refused(Msg { id: m, .. }) => {
                (StatusCode::BAD_REQUEST, "bad_request", m)
            }
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Terlalu banyak percobaan. Tunggu beberapa menit lalu coba lagi.".to_owned(),
            ),
            AppError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error (api)");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Terjadi gangguan pada sistem.".to_owned(),
                )
            }
        };
        (status, Json(ErrorBody { error, message })).into_response()
    }
}

/// The result type of API handlers.
pub type ApiResult<T> = Result<Json<T>, ApiError>;

/// An error body that may name the fields at fault
/// (`{error, message, fields?: {field: message}}`).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct InvalidBody {
    /// `invalid` (422), `conflict` (409), `unsupported_media_type` (415), `bad_request` (400).
    pub error: &'static str,
    /// A message for people, in Bahasa Indonesia.
    pub message: String,
    /// Field → message, for input that breaks a rule.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

/// Errors of the admin API: the shared cases plus refusals with a reason.
pub enum AdminError {
    /// 401/403/404/500 and friends, as in the rest of the API.
    App(AppError),
    /// 422: input breaks a rule (message per field).
    Invalid(FieldErrors),
    /// 409: the action is not possible in the current state (reason given).
    Conflict(String),
    /// 400/415/422 from reading the body.
    Body(StatusCode, &'static str, String),
}

impl<E: Into<AppError>> From<E> for AdminError {
    fn from(e: E) -> Self {
        AdminError::App(e.into())
    }
}

/// Refusals of round use cases: field errors are 422, a refusal of the form as
/// a whole (the round is frozen, a transition out of order) is 409.
pub(crate) fn round_err(e: RoundError) -> AdminError {
    match e {
        RoundError::Invalid(errs) if errs.keys().all(String::is_empty) => AdminError::Conflict(
            errs.values()
                .map(|m| m.id.clone())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        RoundError::Invalid(errs) => AdminError::Invalid(errs),
        other => AdminError::App(other.into()),
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let (status, error, message, fields) = match self {
            AdminError::App(e) => return ApiError(e).into_response(),
            AdminError::Invalid(errs) => {
                let message = errs
                    .values()
                    .map(|m| m.id.clone())
                    .collect::<Vec<_>>()
                    .join(" ");
                let fields = errs
                    .into_iter()
                    .filter(|(k, _)| !k.is_empty())
                    .map(|(k, m)| (k, m.id))
                    .collect();
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid", message, fields)
            }
            AdminError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m, BTreeMap::new()),
            AdminError::Body(s, e, m) => (s, e, m, BTreeMap::new()),
        };
        (
            status,
            Json(InvalidBody {
                error,
                message,
                fields,
            }),
        )
            .into_response()
    }
}

pub(crate) type AdminResult<T> = Result<Json<T>, AdminError>;

/// Refusals of verification and staff use cases: `Invalid` is 422, `Conflict` 409.
pub(crate) fn service_err(e: ServiceError) -> AdminError {
    match e {
        ServiceError::Invalid(m) => {
            let mut errs = FieldErrors::new();
            errs.insert(String::new(), Msg::new(m.clone(), m));
            AdminError::Invalid(errs)
        }
        ServiceError::Conflict(m) => AdminError::Conflict(m),
        other => AdminError::App(other.into()),
    }
}
