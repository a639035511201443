//! JSON API for a panelist's own work, as at `/penilai`: the list of their
//! panel's applications, the conflict-of-interest declaration, and
//! submitting or amending a scorecard. Same service calls as the HTML.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::ErrorBody;
use super::error::AdminError;
use super::extract::{ApiJson, ApiUser};
use super::panel::{SheetBody, sheet};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::services::ServiceError;
use crate::services::scoring::{self, ConflictKind};
use crate::web::path_id;

/// The panelist's scoring routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue))
        .routes(routes!(declare))
        .routes(routes!(score))
}

/// A refusal with a reason is 422 (a value off the scale, a missing
/// amendment reason, a second different declaration); a conflict 409.
fn svc_err(e: ServiceError) -> AdminError {
    match e {
        ServiceError::Invalid(m) => {
            AdminError::Body(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)
        }
        ServiceError::Conflict(m) => AdminError::Conflict(m),
        other => AdminError::App(other.into()),
    }
}

/// One application on the panelist's list.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct QueueEntry {
    pub application_id: Uuid,
    pub registration_no: String,
    pub full_name: String,
    pub formation: String,
    pub eligible: bool,
    /// Marked present at the fit-and-proper test (only then can it be scored).
    pub attended: bool,
    /// `none`, `family`, … once declared.
    pub declared: Option<String>,
    pub recused: bool,
    /// Likely conflicts the platform found: `same_rt`, `same_family_card`.
    pub flags: Vec<String>,
    /// The panelist's own latest submitted version (0 = not yet).
    pub my_version: i32,
}

/// The applications of the formations the panelist's panels assess: those
/// waiting for this panelist (present, not recused, not yet scored by them)
/// first, so an app's next task is the first entry; each group in
/// registration-number order.
#[utoipa::path(get, path = "/panel/applications", tag = "panel",
    responses((status = 200, body = Vec<QueueEntry>)))]
pub async fn queue(
    State(app): State<AppState>,
    user: ApiUser,
) -> Result<Json<Vec<QueueEntry>>, AdminError> {
    user.0.require(&[Role::Panelist])?;
    let mut items = scoring::panelist_queue(&app.db, user.0.id)
        .await
        .map_err(svc_err)?;
    // Stable: the service's registration-number order stays within each group.
    items.sort_by_key(|q| !(q.eligible && q.attended && !q.recused && q.my_version == 0));
    Ok(Json(
        items
            .into_iter()
            .map(|q| QueueEntry {
                application_id: q.application_id,
                registration_no: q.registration_no,
                full_name: q.full_name,
                formation: q.formation,
                eligible: q.eligible,
                attended: q.attended,
                declared: q.declared,
                recused: q.recused,
                flags: q.flags.iter().map(|f| (*f).to_owned()).collect(),
                my_version: q.my_version,
            })
            .collect(),
    ))
}

/// A conflict-of-interest declaration; final once made.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ConflictDeclarationBody {
    /// `none` (no conflict: the panelist may score), or a conflict that
    /// recuses them: `family`, `household`, `employment`, `political`, `other`.
    #[schema(pattern = "^(none|family|household|employment|political|other)$")]
    pub kind: String,
    /// Required for a conflict: what it is.
    #[serde(default)]
    pub text: String,
}

/// Declares "no conflict of interest" or a conflict (which recuses the
/// panelist from this application); answers the sheet.
#[utoipa::path(post, path = "/panel/applications/{id}/declaration", tag = "panel",
    params(("id" = Uuid, Path, description = "The application's id")), request_body = ConflictDeclarationBody,
    responses((status = 200, body = SheetBody),
        (status = 404, description = "Not an application of the panelist's panel", body = ErrorBody),
        (status = 409, description = "The panelist has already declared for this application (a declaration is final)", body = ErrorBody),
        (status = 422, description = "An unknown kind, or a conflict without text", body = ErrorBody)))]
pub async fn declare(
    State(app): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ConflictDeclarationBody>,
) -> Result<Json<SheetBody>, AdminError> {
    user.0.require(&[Role::Panelist])?;
    let id = path_id(&raw)?;
    let kind = match body.kind.as_str() {
        "none" => ConflictKind::None,
        "family" => ConflictKind::Family,
        "household" => ConflictKind::Household,
        "employment" => ConflictKind::Employment,
        "political" => ConflictKind::Political,
        "other" => ConflictKind::Other,
        _ => {
            return Err(svc_err(ServiceError::Invalid(
                crate::domain::msg::Msg::new(
                    "Pilih salah satu pernyataan: none, family, household, employment, political, other.",
                    "Choose one declaration: none, family, household, employment, political, other.",
                ),
            )));
        }
    };
    scoring::declare(&app.db, user.0.id, id, kind, &body.text)
        .await
        .map_err(svc_err)?;
    sheet(State(app), user, Path(raw)).await
}

/// A scorecard: a value per criterion; an amendment needs a reason.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ScorecardBody {
    /// Criterion code → value on its scale; every criterion.
    pub values: BTreeMap<String, i32>,
    /// Criterion code → optional comment (at most 1000 characters).
    #[serde(default)]
    pub comments: BTreeMap<String, String>,
    /// Required once a version was submitted: why the scores change.
    #[serde(default)]
    pub reason: String,
}

/// Submits the panelist's scorecard (version 1), or amends it (a new
/// version, with `reason`; old versions are kept). Answers the sheet.
#[utoipa::path(post, path = "/panel/applications/{id}/scorecard", tag = "panel",
    params(("id" = Uuid, Path, description = "The application's id")), request_body = ScorecardBody,
    responses((status = 200, body = SheetBody),
        (status = 404, description = "Not an application of the panelist's panel", body = ErrorBody),
        (status = 409, description = "Scores are locked (results published without a reopening objection, or final)", body = ErrorBody),
        (status = 422, description = "A value off its scale or missing, no declaration yet, recused, absent, or an amendment without a reason", body = ErrorBody)))]
pub async fn score(
    State(app): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ScorecardBody>,
) -> Result<Json<SheetBody>, AdminError> {
    user.0.require(&[Role::Panelist])?;
    let id = path_id(&raw)?;
    // As on the form: the reason counts only once there is a version to amend.
    let current = scoring::score_sheet(&app.db, user.0.id, id)
        .await
        .map_err(svc_err)?;
    let amendment = (current.my_version > 0).then_some(body.reason.as_str());
    scoring::submit_with_comments(
        &app.db,
        user.0.id,
        id,
        &body.values,
        &body.comments,
        amendment,
    )
    .await
    .map_err(svc_err)?;
    sheet(State(app), user, Path(raw)).await
}
