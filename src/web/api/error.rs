//! The JSON API's errors: every refusal answers a JSON body with a stable
//! machine-readable code, and the HTTP status its case calls for.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::form::FieldErrors;
use crate::domain::round::Msg;
use crate::error::AppError;
use crate::services::ServiceError;

/// The one error body of the JSON API, whatever the status:
/// `{error, message, fields?}`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code: `bad_request` (400), `login_required`
    /// (401), `forbidden`, `stale_form`, `email_not_verified` (403),
    /// `not_found` (404), `conflict` (409), `payload_too_large` (413),
    /// `unsupported_media_type` (415), `invalid` (422), `too_many_requests`
    /// (429), `internal` (500), `unavailable` (503).
    pub error: &'static str,
    /// A message for people, in Bahasa Indonesia (English with
    /// `Accept-Language: en`).
    pub message: String,
    /// Field → message, for input that breaks a rule (422); absent otherwise.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl ErrorBody {
    /// A body without field messages.
    #[must_use]
    pub fn new(error: &'static str, message: impl Into<String>) -> Self {
        ErrorBody {
            error,
            message: message.into(),
            fields: BTreeMap::new(),
        }
    }
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
        let t = |id: &str, en: &str| super::lang::current().pick(id, en).to_owned();
        let (status, error, message) = match self.0.classified() {
            AppError::Unavailable(e) => {
                tracing::error!(error = %format!("{e:#}"), "database unavailable (api)");
                let body = ErrorBody::new(
                    "unavailable",
                    t(
                        "Layanan sedang tidak tersedia. Coba lagi beberapa saat lagi.",
                        "The service is unavailable right now. Try again in a moment.",
                    ),
                );
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
            AppError::Refused(m) => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                super::lang::pick(&m),
            ),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "conflict", super::lang::pick(&m)),
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
        (status, Json(ErrorBody::new(error, message))).into_response()
    }
}

/// The result type of API handlers.
pub type ApiResult<T> = Result<Json<T>, ApiError>;

/// Errors of the API's use cases (written for the admin API first, now used
/// by every writing part): the shared cases plus refusals with a reason.
pub enum AdminError {
    /// 401/403/404/500 and friends, as in the rest of the API.
    App(AppError),
    /// 422: input breaks a rule (message per field).
    Invalid(FieldErrors),
    /// 409: the action is not possible in the current state (reason given).
    Conflict(Msg),
    /// 400/413/415/422/429 from reading the body, with its code and reason.
    Body(StatusCode, &'static str, Msg),
}

// Explicit conversions, not a blanket one over `Into<AppError>`: that one
// turned a service's `Conflict` into a 400 wherever a handler used `?`.
impl From<AppError> for AdminError {
    fn from(e: AppError) -> Self {
        AdminError::App(e)
    }
}

impl From<ApiError> for AdminError {
    fn from(e: ApiError) -> Self {
        AdminError::App(e.0)
    }
}

impl From<ServiceError> for AdminError {
    fn from(e: ServiceError) -> Self {
        service_err(e)
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let (status, error, message, fields) = match self {
            AdminError::App(e) => return ApiError(e).into_response(),
            AdminError::Invalid(errs) => {
                let message = errs
                    .values()
                    .map(super::lang::pick)
                    .collect::<Vec<_>>()
                    .join(" ");
                let fields = errs
                    .into_iter()
                    .filter(|(k, _)| !k.is_empty())
                    .map(|(k, m)| (k, super::lang::pick(&m)))
                    .collect();
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid", message, fields)
            }
            AdminError::Conflict(m) => (
                StatusCode::CONFLICT,
                "conflict",
                super::lang::pick(&m),
                BTreeMap::new(),
            ),
            AdminError::Body(s, e, m) => (s, e, super::lang::pick(&m), BTreeMap::new()),
        };
        (
            status,
            Json(ErrorBody {
                error,
                message,
                fields,
            }),
        )
            .into_response()
    }
}

pub(crate) type AdminResult<T> = Result<Json<T>, AdminError>;

/// A service's refusal in the API: input that breaks a rule is 422 (with
/// its fields), a refusal by the current state 409. A refusal of a form as a
/// whole (the round is frozen, a transition out of order) is the latter.
pub(crate) fn service_err(e: ServiceError) -> AdminError {
    match e {
        ServiceError::Invalid(m) => {
            let mut errs = FieldErrors::new();
            errs.insert(String::new(), m);
            AdminError::Invalid(errs)
        }
        ServiceError::Fields(errs) if errs.keys().all(String::is_empty) => {
            AdminError::Conflict(ServiceError::Fields(errs).refusal().unwrap_or_default())
        }
        ServiceError::Fields(errs) => AdminError::Invalid(errs),
        // Keyed `line N`: a second problem on one line keeps the last.
        ServiceError::Lines(lines) => AdminError::Invalid(
            lines
                .iter()
                .map(|l| {
                    (
                        format!("line {}", l.line),
                        Msg::new(
                            l.text(crate::domain::lang::Lang::Id),
                            l.text(crate::domain::lang::Lang::En),
                        ),
                    )
                })
                .collect(),
        ),
        ServiceError::Conflict(m) => AdminError::Conflict(m),
        ServiceError::TooLarge(m) => {
            AdminError::Body(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", m)
        }
        other => AdminError::App(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(e: impl Into<AdminError>) -> StatusCode {
        e.into().into_response().status()
    }

    /// `?` on a service's refusal keeps its meaning: a conflict is 409 and
    /// input that breaks a rule 422, never the 400 of a malformed request.
    #[test]
    fn a_service_conflict_through_question_mark_is_409() {
        assert_eq!(
            status_of(ServiceError::Conflict(Msg::new("x", "x"))),
            StatusCode::CONFLICT
        );
        assert_eq!(
            status_of(ServiceError::Invalid(Msg::new("x", "x"))),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(status_of(ServiceError::NotFound), StatusCode::NOT_FOUND);
        let mut errs = FieldErrors::new();
        errs.insert(String::new(), Msg::new("beku", "frozen"));
        assert_eq!(status_of(ServiceError::Fields(errs)), StatusCode::CONFLICT);
    }

    /// A file refused line by line is 422 with a field per line, an upload
    /// over the limit 413, as when each had an error type of its own.
    #[tokio::test]
    async fn refused_lines_are_422_by_line_and_a_too_large_upload_is_413() {
        use crate::domain::imported::LineError;
        let line = |line, id: &str, en: &str| LineError {
            line,
            message: Msg::new(id, en),
        };
        let res = AdminError::from(ServiceError::Lines(vec![
            line(2, "nilai salah.", "bad value."),
            line(3, "nomor tidak dikenal.", "unknown number."),
        ]))
        .into_response();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .expect("body");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(json["error"], "invalid");
        assert_eq!(json["fields"]["line 2"], "Baris 2: nilai salah.");
        assert_eq!(json["fields"]["line 3"], "Baris 3: nomor tidak dikenal.");
        assert_eq!(
            status_of(ServiceError::TooLarge(Msg::new("besar", "large"))),
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }

    /// Every refusal has the one documented body; `fields` only when there are some.
    #[test]
    fn one_error_body_with_fields_only_when_there_are_some() {
        let plain = serde_json::to_value(ErrorBody::new("conflict", "m")).expect("json");
        assert_eq!(
            plain,
            serde_json::json!({"error": "conflict", "message": "m"})
        );
        let mut errs = FieldErrors::new();
        errs.insert("name".into(), Msg::new("Wajib diisi.", "Required."));
        let res = AdminError::Invalid(errs).into_response();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
