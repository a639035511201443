//! JSON API for the panel and admin input side: a panelist's score sheet and
//! draft, lottery witnesses' commit and reveal, imported values, recusal and
//! scoring progress. Same roles, scopes and service functions as the HTML.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{AdminError, ErrorBody};
use super::extract::{AdminUser, ApiJson, ApiUser};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::services::ServiceError;
use crate::services::imports::{self, ImportSummary};
use crate::services::lottery;
use crate::services::panel_admin::{self, Cell, Missing};
use crate::services::scoring;

/// Tags of this part of the document.
#[derive(OpenApi)]
#[openapi(tags(
    (name = "panel", description = "Panelists (their panel's applications only) and lottery witnesses; session cookie"),
))]
struct PanelDoc;

/// The panel, witness and admin input routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(PanelDoc::openapi())
        .routes(routes!(sheet))
        .routes(routes!(draft))
        .routes(routes!(witness_roles))
        .routes(routes!(witness_commit))
        .routes(routes!(witness_reveal))
        .routes(routes!(import_values))
        .routes(routes!(recuse))
        .routes(routes!(progress))
}

type Res<T> = Result<Json<T>, AdminError>;

fn id(raw: &str) -> Result<Uuid, AdminError> {
    Ok(crate::web::path_id(raw)?)
}

/// Refusals with a message are 422; the rest as everywhere in the API.
fn svc_err(e: ServiceError) -> AdminError {
    match e {
        ServiceError::Invalid(m) => {
            AdminError::Body(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)
        }
        ServiceError::Conflict(m) => AdminError::Conflict(m),
        other => AdminError::App(other.into()),
    }
}

/// One criterion on the score sheet.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SheetCriterion {
    pub code: String,
    pub name_id: String,
    pub description_id: String,
    pub scale_min: i32,
    pub scale_max: i32,
    pub weight: i32,
}

/// What a panelist sees of one application: never another panelist's score,
/// and nothing about scores at all once recused.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SheetBody {
    pub application_id: Uuid,
    pub registration_no: String,
    /// `none`, `family`, … once declared.
    pub declared: Option<String>,
    pub recused: bool,
    pub attended: bool,
    /// The panelist's own current version (0 = not submitted).
    pub my_version: i32,
    pub my_values: BTreeMap<String, i32>,
    pub my_comments: BTreeMap<String, String>,
    /// The panelist's private draft.
    pub draft_values: BTreeMap<String, Option<i32>>,
    pub draft_comments: BTreeMap<String, String>,
    /// `same_rt`, `same_family_card`.
    pub flags: Vec<String>,
    pub criteria: Vec<SheetCriterion>,
}

/// A panelist's score sheet of one application of their panel.
#[utoipa::path(get, path = "/panel/applications/{id}", tag = "panel", params(("id" = Uuid, Path)),
    responses((status = 200, body = SheetBody), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn sheet(
    State(app): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
) -> Res<SheetBody> {
    user.0.require(&[Role::Panelist])?;
    let s = scoring::score_sheet(&app.db, user.0.id, id(&raw)?)
        .await
        .map_err(svc_err)?;
    let recused = s.declaration.as_ref().is_some_and(|d| d.recused);
    Ok(Json(SheetBody {
        application_id: s.application.id,
        registration_no: s.application.registration_no.clone().unwrap_or_default(),
        declared: s.declaration.as_ref().and_then(|d| d.kind.clone()),
        recused,
        attended: s.attended,
        my_version: s.my_version,
        my_values: s.my_values,
        my_comments: s.my_comments,
        draft_values: s.draft_values,
        draft_comments: s.draft_comments,
        flags: s.flags.iter().map(|f| (*f).to_owned()).collect(),
        criteria: s
            .criteria
            .iter()
            .map(|c| SheetCriterion {
                code: c.code.clone(),
                name_id: c.name_id.clone(),
                description_id: c.description_id.clone(),
                scale_min: c.scale_min,
                scale_max: c.scale_max,
                weight: c.weight,
            })
            .collect(),
    }))
}

/// A private draft of a scorecard.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct DraftBody {
    /// Criterion code → value on its scale, or null while undecided.
    #[serde(default)]
    pub values: BTreeMap<String, Option<i32>>,
    /// Criterion code → optional comment (at most 1000 characters).
    #[serde(default)]
    pub comments: BTreeMap<String, String>,
}

/// Saves the panelist's private draft ("Simpan draf"); returns the sheet.
#[utoipa::path(put, path = "/panel/applications/{id}/draft", tag = "panel", params(("id" = Uuid, Path)), request_body = DraftBody,
    responses((status = 200, body = SheetBody), (status = 422, body = ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn draft(
    State(app): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<DraftBody>,
) -> Res<SheetBody> {
    user.0.require(&[Role::Panelist])?;
    let app_id = id(&raw)?;
    scoring::save_draft(&app.db, user.0.id, app_id, &body.values, &body.comments)
        .await
        .map_err(svc_err)?;
    sheet(State(app), user, Path(raw)).await
}

/// One lottery witness role of the signed-in account.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct WitnessBody {
    pub id: Uuid,
    pub round_id: Uuid,
    pub round_slug: String,
    pub round_state: String,
    /// Commit order once committed.
    pub position: i32,
    pub commit_hash: Option<String>,
    pub secret: Option<String>,
    pub close_hash: Option<String>,
    pub seed: Option<String>,
}

fn witness_body(m: &lottery::MyWitness) -> WitnessBody {
    WitnessBody {
        id: m.witness.id,
        round_id: m.round.id,
        round_slug: m.round.slug.clone(),
        round_state: m.round.state.to_string(),
        position: m.witness.position,
        commit_hash: m.witness.commit_hash.clone(),
        secret: m.witness.secret.clone(),
        close_hash: m.round.close_event_hash.clone(),
        seed: m.round.lottery_seed.clone(),
    }
}

/// The witness role `wid` as it stands after the caller's step.
async fn witness_now(app: &AppState, user: &ApiUser, wid: Uuid) -> Res<WitnessBody> {
    let m = lottery::my_witness(&app.db, user.0.id, wid)
        .await
        .map_err(svc_err)?;
    Ok(Json(witness_body(&m)))
}

/// The signed-in account's lottery witness roles.
#[utoipa::path(get, path = "/witness", tag = "panel",
    responses((status = 200, body = Vec<WitnessBody>), (status = 401, body = super::ErrorBody)))]
pub async fn witness_roles(State(app): State<AppState>, user: ApiUser) -> Res<Vec<WitnessBody>> {
    let rows = lottery::my_witness_roles(&app.db, user.0.id)
        .await
        .map_err(svc_err)?;
    Ok(Json(rows.iter().map(witness_body).collect()))
}

/// A commitment: `sha256_hex(secret)`; the secret itself is never sent now.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct CommitBody {
    /// 64 hex digits.
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub commit_hash: String,
}

/// Commits before registration closes (`lottery.committed`). Final.
#[utoipa::path(post, path = "/witness/{id}/commit", tag = "panel", params(("id" = Uuid, Path)), request_body = CommitBody,
    responses((status = 200, body = WitnessBody), (status = 404, body = super::ErrorBody),
        (status = 409, description = "Registration has closed, or the commitment was already made", body = ErrorBody)))]
pub async fn witness_commit(
    State(app): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<CommitBody>,
) -> Res<WitnessBody> {
    let wid = id(&raw)?;
    lottery::commit(&app.db, user.0.id, user.0.role, wid, &body.commit_hash)
        .await
        .map_err(svc_err)?;
    witness_now(&app, &user, wid).await
}

/// The secret, revealed after registration closed.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct RevealBody {
    /// 16–200 visible ASCII characters without `:`.
    #[schema(pattern = "^[!-9;-~]{16,200}$", min_length = 16, max_length = 200)]
    pub secret: String,
}

/// Reveals the secret (`lottery.revealed`); a secret that does not match
/// the commitment is refused (422) and nothing is stored. The last reveal
/// fixes the seed (`lottery.seed_fixed`).
#[utoipa::path(post, path = "/witness/{id}/reveal", tag = "panel", params(("id" = Uuid, Path)), request_body = RevealBody,
    responses((status = 200, body = WitnessBody), (status = 404, body = super::ErrorBody),
        (status = 409, description = "Registration has not closed, no commitment was made, or the secret was already revealed", body = ErrorBody),
        (status = 422, description = "A malformed secret, or one that does not match the commitment", body = ErrorBody)))]
pub async fn witness_reveal(
    State(app): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<RevealBody>,
) -> Res<WitnessBody> {
    let wid = id(&raw)?;
    lottery::reveal(&app.db, user.0.id, user.0.role, wid, &body.secret)
        .await
        .map_err(svc_err)?;
    witness_now(&app, &user, wid).await
}

/// An imported criterion's values as CSV text.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ImportBody {
    /// The criterion code (kind `imported`).
    pub criterion: String,
    /// `registration_no,value` with that header line.
    pub csv: String,
    /// Once results are published, or for a criterion of a stage whose
    /// shortlist is published (a correction): why the values change
    /// (10–2000 characters); the file then waits for another admin's
    /// approval.
    #[serde(default)]
    pub reason: String,
}

/// Imports values of an imported criterion (admin). A bad file is refused
/// whole (422, `fields` keyed `line N`); otherwise one `imported_value.set`
/// per changed value, each re-ranking its formation. Once results are
/// published, or for a criterion of a stage whose shortlist is published
/// (a correction: approving it publishes the shortlist again), the checked
/// file waits for another admin (`approval_id`).
#[utoipa::path(post, path = "/admin/rounds/{id}/imported-values", tag = "admin", params(("id" = Uuid, Path)), request_body = ImportBody,
    responses((status = 200, body = ImportSummary), (status = 422, body = ErrorBody), (status = 403, body = super::ErrorBody),
        (status = 409, description = "A file for the criterion already awaits approval, a later stage's value for someone who did not go on, or a correction of a stage after the next stage's shortlist is published", body = ErrorBody)))]
pub async fn import_values(
    State(app): State<AppState>,
    user: AdminUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<ImportBody>,
) -> Res<ImportSummary> {
    let summary = imports::import_with_reason(
        &app.db,
        user.0.actor(),
        id(&raw)?,
        &body.criterion,
        body.csv.as_bytes(),
        &body.reason,
    )
    .await?;
    Ok(Json(summary))
}

/// An admin's recusal of a panelist.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct RecuseBody {
    pub panelist_id: Uuid,
    /// At least 10 characters (not counting spaces around them); recorded as
    /// the event's reason.
    #[schema(
        pattern = r"^[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]{8,}[^\s\u0000-\u001F\u007F-\u009F]$",
        min_length = 10
    )]
    pub reason: String,
}

/// The outcome of a recusal: the published rank changes it caused, or,
/// once results are published, the four-eyes request that waits for another
/// admin (`POST /admin/approvals/{id}`).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RecusedBody {
    pub rank_changes: usize,
    pub approval_id: Option<Uuid>,
}

/// Recuses a panelist from an application (admin; `conflict.recused_by_admin`).
#[utoipa::path(post, path = "/admin/applications/{id}/recusals", tag = "admin", params(("id" = Uuid, Path)), request_body = RecuseBody,
    responses((status = 200, body = RecusedBody), (status = 422, body = ErrorBody), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn recuse(
    State(app): State<AppState>,
    user: AdminUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<RecuseBody>,
) -> Res<RecusedBody> {
    let changes = panel_admin::recuse(
        &app.db,
        user.0.actor(),
        id(&raw)?,
        body.panelist_id,
        &body.reason,
    )
    .await
    .map_err(svc_err)?;
    Ok(Json(match changes {
        panel_admin::Recusal::Applied(c) => RecusedBody {
            rank_changes: c.len(),
            approval_id: None,
        },
        panel_admin::Recusal::Requested(id) => RecusedBody {
            rank_changes: 0,
            approval_id: Some(id),
        },
    }))
}

/// One application's progress.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ProgressRowBody {
    pub application_id: Uuid,
    pub registration_no: String,
    /// Panelist id → `not_declared`, `recused`, `not_submitted` or `submitted:N`.
    pub panelists: BTreeMap<String, String>,
    /// Panelist id → conflict flags.
    pub flags: BTreeMap<String, Vec<String>>,
    pub complete: bool,
    /// Why it is incomplete, in Bahasa Indonesia.
    pub missing: Vec<String>,
    pub rank: Option<i32>,
    pub status: Option<String>,
    /// Rounded to 2 decimals.
    pub total: Option<String>,
}

/// One formation's progress.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FormationProgressBody {
    pub formation_id: Uuid,
    pub code: String,
    pub complete: usize,
    pub incomplete: usize,
    pub submitted: usize,
    pub rows: Vec<ProgressRowBody>,
}

/// What is missing, in the request's language.
fn missing_text(m: &Missing) -> String {
    super::lang::pick(&m.label())
}

/// Scoring progress per formation (admins and auditors).
#[utoipa::path(get, path = "/admin/rounds/{id}/progress", tag = "admin", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<FormationProgressBody>), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn progress(
    State(app): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
) -> Res<Vec<FormationProgressBody>> {
    user.0.require(&[Role::Admin, Role::Auditor])?;
    let p = panel_admin::progress(&app.db, user.0.actor(), id(&raw)?)
        .await
        .map_err(svc_err)?;
    Ok(Json(
        p.formations
            .into_iter()
            .map(|f| FormationProgressBody {
                formation_id: f.formation.id,
                code: f.formation.code.clone(),
                complete: f.complete,
                incomplete: f.incomplete,
                submitted: f.submitted,
                rows: f
                    .rows
                    .iter()
                    .map(|r| ProgressRowBody {
                        application_id: r.application_id,
                        registration_no: r.registration_no.clone(),
                        panelists: f
                            .panelists
                            .iter()
                            .zip(&r.cells)
                            .map(|((pid, _), c)| {
                                (
                                    pid.to_string(),
                                    match c {
                                        Cell::NotDeclared => "not_declared".into(),
                                        Cell::Recused => "recused".into(),
                                        Cell::Draft => "not_submitted".into(),
                                        Cell::Submitted(v) => format!("submitted:{v}"),
                                    },
                                )
                            })
                            .collect(),
                        flags: f
                            .panelists
                            .iter()
                            .zip(&r.flags)
                            .filter(|(_, fl)| !fl.is_empty())
                            .map(|((pid, _), fl)| {
                                (
                                    pid.to_string(),
                                    fl.iter().map(|s| (*s).to_owned()).collect(),
                                )
                            })
                            .collect(),
                        complete: r.complete,
                        missing: r.missing.iter().map(missing_text).collect(),
                        rank: r.rank,
                        status: r.status.clone(),
                        total: r.total.clone(),
                    })
                    .collect(),
            })
            .collect(),
    ))
}
