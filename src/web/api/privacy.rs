//! The applicant's access download and erasure requests through the API.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::error::AdminError;
use super::extract::{ApiJson, ApiUser};
use super::{ApiResult, ErrorBody};
use crate::app::AppState;
use crate::error::AppError;
use crate::services::{ServiceError, access, erasure};
use crate::web::CurrentUser;

/// Everything held about the caller.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AccessBody {
    /// `generated_at`, `account`, `applications` (personal fields, documents
    /// with their bytes in base64, published result) and `audit_events`
    /// (the trail events about the caller or done by them).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// The caller's access download: all their data, documents and trail events.
#[utoipa::path(
    get,
    path = "/me/data",
    tag = "applicant",
    responses(
        (status = 200, body = AccessBody),
        (status = 401, description = "Not signed in (session cookie)", body = ErrorBody),
    )
)]
pub async fn my_data(
    State(app): State<AppState>,
    user: Result<CurrentUser, AppError>,
) -> ApiResult<AccessBody> {
    let user = user?;
    let data =
        access::for_account(&app.db, &app.vault, &app.files(), user.id, app.clock.now()).await?;
    Ok(Json(AccessBody { data }))
}

/// An erasure request to file.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ErasureRequestBody {
    /// The caller's application whose personal data should be erased.
    pub application_id: uuid::Uuid,
    /// Why (optional, at most 1,000 characters of plain text).
    #[serde(default)]
    #[schema(
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]{0,1000}$",
        max_length = 1000
    )]
    pub reason: String,
}

/// An erasure request with its state.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErasureRequestItem {
    pub id: uuid::Uuid,
    pub application_id: uuid::Uuid,
    /// Empty for a draft.
    pub registration_no: String,
    /// `requested`, `refused` or `executed`.
    pub status: String,
    /// Why it was refused (the legal hold), in Bahasa Indonesia; empty otherwise.
    pub decision_reason: String,
    /// RFC 3339.
    pub requested_at: String,
    /// RFC 3339, once decided.
    pub decided_at: Option<String>,
}

/// The caller's erasure requests.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErasureRequests {
    pub requests: Vec<ErasureRequestItem>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn list_of(app: &AppState, account_id: uuid::Uuid) -> Result<ErasureRequests, AppError> {
    let requests = erasure::of_account(&app.db, account_id)
        .await?
        .into_iter()
        .map(|r| ErasureRequestItem {
            id: r.request.id,
            application_id: r.request.application_id,
            registration_no: r.registration_no,
            status: r.request.status.as_str().to_owned(),
            decision_reason: r.request.decision_reason,
            requested_at: rfc3339(r.request.requested_at),
            decided_at: r.request.decided_at.map(rfc3339),
        })
        .collect();
    Ok(ErasureRequests { requests })
}

/// The caller's erasure requests, newest first.
#[utoipa::path(
    get,
    path = "/me/erasure-requests",
    tag = "applicant",
    responses(
        (status = 200, body = ErasureRequests),
        (status = 401, description = "Not signed in (session cookie)", body = ErrorBody),
    )
)]
pub async fn my_erasure_requests(
    State(app): State<AppState>,
    user: Result<CurrentUser, AppError>,
) -> ApiResult<ErasureRequests> {
    let user = user?;
    Ok(Json(list_of(&app, user.id).await?))
}

/// Asks for the personal data of one of the caller's applications to be
/// erased; an admin decides (refused while an objection is open or the
/// round is not final).
#[utoipa::path(
    post,
    path = "/me/erasure-requests",
    tag = "applicant",
    request_body = ErasureRequestBody,
    responses(
        (status = 201, body = ErasureRequests),
        (status = 401, description = "Not signed in (session cookie)", body = ErrorBody),
        (status = 403, description = "Not an applicant", body = ErrorBody),
        (status = 404, description = "Not the caller's application", body = ErrorBody),
        (status = 409, description = "A request is already open, or the data are already erased", body = ErrorBody),
        (status = 422, description = "The reason is too long or not plain text", body = ErrorBody),
    )
)]
pub async fn file_erasure_request(
    State(app): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<ErasureRequestBody>,
) -> Result<(StatusCode, Json<ErasureRequests>), AdminError> {
    let user = user.0;
    let mail = app.mail();
    match erasure::file(
        &app.db,
        mail,
        user.actor(),
        body.application_id,
        &body.reason,
        app.clock.now(),
    )
    .await
    {
        Ok(_) => Ok((StatusCode::CREATED, Json(list_of(&app, user.id).await?))),
        Err(ServiceError::Conflict(m)) => Err(AdminError::Conflict(m)),
        Err(ServiceError::Invalid(m)) => {
            let mut errs = crate::domain::form::FieldErrors::new();
            errs.insert("reason".into(), m);
            Err(AdminError::Invalid(errs))
        }
        Err(e) => Err(AdminError::App(e.into())),
    }
}
