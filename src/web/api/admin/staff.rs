//! Staff accounts (admin): list, invite, kelurahan scopes, deactivation.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

use super::{CreatedId, Done, parse_id};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::services::staff::{self, Invite};
use crate::web::api::error::{AdminError, AdminResult, ErrorBody, service_err};
use crate::web::api::extract::{AdminUser, ApiJson};

/// A staff account.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct StaffItem {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// `operator`, `panelist`, `admin` or `auditor`.
    pub role: String,
    /// `invited`, `active` or `deactivated`.
    pub status: String,
    /// Kelurahan codes of an operator or panelist.
    pub kelurahan: Vec<String>,
}

/// Staff accounts.
#[utoipa::path(get, path = "/admin/staff", tag = "admin",
    responses((status = 200, body = Vec<StaffItem>), (status = 403, body = ErrorBody)))]
pub async fn staff_list(
    State(app): State<AppState>,
    user: AdminUser,
) -> AdminResult<Vec<StaffItem>> {
    let rows = staff::list(&app.db, user.0.actor())
        .await
        .map_err(service_err)?;
    Ok(Json(
        rows.into_iter()
            .map(|r| StaffItem {
                id: r.id,
                email: r.email,
                name: r.name,
                role: r.role.as_str().to_owned(),
                status: r.status.to_string(),
                kelurahan: r.scopes,
            })
            .collect(),
    ))
}

/// An invitation of a staff member.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct InviteBody {
    pub email: String,
    pub name: String,
    /// `operator`, `panelist`, `admin` or `auditor`.
    pub role: String,
    /// Kelurahan codes; required for operators and panelists.
    #[serde(default)]
    pub kelurahan: Vec<String>,
}

/// Invites a staff member (`account.invited`, invitation mailed in the same
/// transaction). 409 when the address already has an account.
#[utoipa::path(post, path = "/admin/staff", tag = "admin", request_body = InviteBody,
    responses((status = 201, body = CreatedId), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn staff_invite(
    State(app): State<AppState>,
    user: AdminUser,
    ApiJson(body): ApiJson<InviteBody>,
) -> Result<(StatusCode, Json<CreatedId>), AdminError> {
    let inv = Invite {
        email: body.email.trim().to_owned(),
        name: body.name.trim().to_owned(),
        // An unknown role is refused by the service, as on the HTML form.
        role: body.role.trim().parse::<Role>().unwrap_or(Role::Applicant),
        kelurahan: body.kelurahan.iter().map(|k| k.trim().to_owned()).collect(),
    };
    let mail = app.mail();
    let id = staff::invite(
        &app.db,
        mail,
        user.0.actor(),
        inv,
        super::super::lang::current(),
    )
    .await
    .map_err(service_err)?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
}

/// The kelurahan an operator or panelist acts in.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ScopesBody {
    pub kelurahan: Vec<String>,
}

/// Replaces an account's kelurahan (`account.scopes_changed`).
#[utoipa::path(put, path = "/admin/staff/{id}/kelurahan", tag = "admin", params(("id" = Uuid, Path)),
    request_body = ScopesBody,
    responses((status = 200, body = Done), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn staff_scopes(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ScopesBody>,
) -> AdminResult<Done> {
    let kelurahan: Vec<String> = body.kelurahan.iter().map(|k| k.trim().to_owned()).collect();
    staff::set_scopes(
        &app.db,
        user.0.actor(),
        parse_id(&id)?,
        &kelurahan,
        super::super::lang::current(),
    )
    .await
    .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

/// Why an account is deactivated.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct DeactivateBody {
    /// At most 500 characters, no control character but tab and line breaks.
    #[serde(default)]
    #[schema(pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]{0,500}$")]
    pub reason: String,
}

/// A reactivation takes no input; an object is accepted so that clients may
/// send `{}`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ReactivateBody {}

/// Deactivates a staff account and signs it out everywhere
/// (`account.deactivated`); never one's own account (403).
#[utoipa::path(post, path = "/admin/staff/{id}/deactivate", tag = "admin", params(("id" = Uuid, Path)),
    request_body = DeactivateBody,
    responses((status = 200, body = Done), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn staff_deactivate(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DeactivateBody>,
) -> AdminResult<Done> {
    staff::deactivate(&app.db, user.0.actor(), parse_id(&id)?, &body.reason)
        .await
        .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

/// Reactivates a deactivated staff account (`account.reactivated`).
#[utoipa::path(post, path = "/admin/staff/{id}/reactivate", tag = "admin", params(("id" = Uuid, Path)),
    request_body = ReactivateBody,
    responses((status = 200, body = Done), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn staff_reactivate(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(_body): ApiJson<ReactivateBody>,
) -> AdminResult<Done> {
    staff::reactivate(&app.db, user.0.actor(), parse_id(&id)?)
        .await
        .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}
