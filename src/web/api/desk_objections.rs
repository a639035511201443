//! Objections on applications without an account (registered at the help
//! desk): filed by the resident with the registration number and status PIN,
//! or by an operator of the kelurahan at the desk with the resident present.
//! The same service call as the HTML forms (`POST /cek-status/sanggahan` and
//! `POST /pendaftaran/{id}/sanggahan` signed in as staff).

use axum::Json;
use axum::extract::{Path, State};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{AdminError, ErrorBody};
use super::extract::{ApiJson, ApiUser};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::services::applications::Acting;
use crate::services::objections::{self as obj, Filer, Filing};
use crate::web::account::ClientIp;
use crate::web::applications::{StatusCheck, status_check};

/// Tags of this part of the document.
#[derive(OpenApi)]
#[openapi(tags((name = "results", description = "Published results, objections and finalization")))]
struct DeskObjectionDoc;

/// The desk-objection routes with their descriptions.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(DeskObjectionDoc::openapi())
        .routes(routes!(pin_objection))
        .routes(routes!(desk_objection))
}

/// An objection filed with the registration number and status PIN.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct PinObjectionBody {
    /// E.g. `2027-6472091001-0001`.
    pub registration_no: String,
    /// The 6-digit status PIN from the receipt.
    pub pin: String,
    /// What is contested and why, 20–4000 characters of plain text.
    #[schema(min_length = 20, max_length = 4000)]
    pub grounds: String,
    /// What is contested: `verification`, `tie` or criterion codes.
    #[serde(default)]
    pub contested: Vec<String>,
    /// Repeating a request with the same key returns the first objection.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub idempotency_key: String,
}

/// An objection an operator files at the desk for a resident present.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct DeskObjectionBody {
    /// What is contested and why, 20–4000 characters of plain text.
    #[schema(min_length = 20, max_length = 4000)]
    pub grounds: String,
    /// What is contested: `verification`, `tie` or criterion codes.
    #[serde(default)]
    pub contested: Vec<String>,
    /// Repeating a request with the same key returns the first objection.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub idempotency_key: String,
}

/// The filed (or replayed) objection.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FiledObjection {
    pub id: Uuid,
}

/// A resident of an assisted application files an objection with the
/// registration number and status PIN, during the objection window. The PIN
/// is checked and rate-limited like the status check (per client IP); it is
/// the credential of the request, so neither a session nor a token is needed.
#[utoipa::path(post, path = "/status-check/objections", tag = "results", tags = ["public"],
    request_body = PinObjectionBody,
    responses((status = 200, body = FiledObjection),
        (status = 404, description = "The number and PIN do not match (which part is never told), or the application has an account (its applicant files signed in)", body = ErrorBody),
        (status = 409, description = "Outside the objection window, no published result, or an objection already open", body = ErrorBody),
        (status = 422, description = "Grounds too short, too long or with characters that are not allowed", body = ErrorBody),
        (status = 429, description = "Too many failed checks from this client", body = ErrorBody)))]
pub async fn pin_objection(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<PinObjectionBody>,
) -> Result<Json<FiledObjection>, AdminError> {
    let found = match status_check(&app, &ip, &b.registration_no, &b.pin).await? {
        StatusCheck::Limited => return Err(AppError::TooManyRequests.into()),
        StatusCheck::NoMatch => return Err(AppError::NotFound.into()),
        StatusCheck::Found(r) => r,
    };
    let id = obj::file_as(
        &app.db,
        Filer::StatusPin,
        found.application_id,
        Filing {
            grounds: &b.grounds,
            contested: &b.contested,
            attachment: None,
            idempotency_key: &b.idempotency_key,
        },
        app.clock.now(),
    )
    .await?;
    Ok(Json(FiledObjection { id }))
}

/// An operator covering the application's kelurahan (or an admin) files an
/// objection for the resident of an assisted application at the help desk;
/// the operator is recorded as the assistant. 404 for an application with an
/// account or outside the caller's kelurahan.
#[utoipa::path(post, path = "/operator/applications/{id}/objections", tag = "operator", tags = ["results"],
    params(("id" = Uuid, Path)), request_body = DeskObjectionBody,
    responses((status = 200, body = FiledObjection),
        (status = 409, description = "Outside the objection window, no published result, or an objection already open", body = ErrorBody),
        (status = 422, description = "Grounds too short, too long or with characters that are not allowed", body = ErrorBody)))]
pub async fn desk_objection(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Result<ApiJson<DeskObjectionBody>, AdminError>,
) -> Result<Json<FiledObjection>, AdminError> {
    let user = user.0;
    // Role, then whose application it is, before the body is judged.
    user.require(&[Role::Operator, Role::Admin])?;
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let acting = Acting {
        actor: user.actor(),
        scopes: &user.scopes,
    };
    let (application, _, _) = obj::for_application_as(&app.db, acting, id, app.clock.now()).await?;
    if application.account_id.is_some() {
        return Err(AppError::NotFound.into());
    }
    let ApiJson(b) = body?;
    let id = obj::file_as(
        &app.db,
        Filer::Desk(acting),
        id,
        Filing {
            grounds: &b.grounds,
            contested: &b.contested,
            attachment: None,
            idempotency_key: &b.idempotency_key,
        },
        app.clock.now(),
    )
    .await?;
    Ok(Json(FiledObjection { id }))
}
