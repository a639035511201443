//! The applicant's access download through the API.

use axum::Json;
use axum::extract::State;

use super::{ApiResult, ErrorBody};
use crate::app::AppState;
use crate::error::AppError;
use crate::services::access;
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
    let data = access::for_account(&app.db, &app.files(), user.id, app.clock.now()).await?;
    Ok(Json(AccessBody { data }))
}
