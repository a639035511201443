//! Results, objections and finalization API.
//!
//! Same permissions and the same service functions as the HTML pages in
//! [`crate::web::results`]: public results per formation; the applicant's
//! own objections; reviewer assignment, proposals and the four-eyes approval
//! of objection decisions; finalization requested by one admin and approved
//! by another.

use axum::Json;
use axum::extract::{Path, State};
use time::OffsetDateTime;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::ErrorBody;
use super::error::{AdminError, service_err};
use super::extract::{AdminUser, ApiJson, ApiUser};
use crate::app::AppState;
use crate::domain::approval::ApprovalStatus;
use crate::error::AppError;
use crate::services::objections::{self as obj, ObjectionView, Reopen};
use crate::services::results;

type Res<T> = Result<Json<T>, AdminError>;

/// Tags of this part of the document.
#[derive(OpenApi)]
#[openapi(tags(
    (name = "results", description = "Published results, objections (sanggahan) and finalization"),
))]
struct ResultsDoc;

/// The results routes with their descriptions.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ResultsDoc::openapi())
        .routes(routes!(formation_results))
        .routes(routes!(my_objections, file_objection))
        .routes(routes!(round_objections))
        .routes(routes!(assign_reviewer))
        .routes(routes!(propose_decision))
        .routes(routes!(decide_objection))
        .routes(routes!(request_finalization))
        .routes(routes!(decide_finalization))
}

fn rfc3339(t: Option<OffsetDateTime>) -> Option<String> {
    t.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
}

fn parse_id(raw: &str) -> Result<Uuid, AdminError> {
    raw.parse().map_err(|_| AdminError::App(AppError::NotFound))
}

/// An admin's approve/reject call: the subject id and the decision.
fn admin_decision(_user: &AdminUser, id: &str, decision: &str) -> Result<(Uuid, bool), AdminError> {
    let id = parse_id(id)?;
    let approve = match decision.trim() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(service_err(crate::services::ServiceError::Invalid(
                crate::domain::msg::Msg::new(
                    "Pilih approve atau reject.",
                    "Choose approve or reject.",
                ),
            )));
        }
    };
    Ok((id, approve))
}

/// A signed checkpoint of a publication.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CheckpointBody {
    pub seq: i64,
    pub hash: String,
    /// `provisional` or `final`.
    pub reason: String,
    /// The C2SP tlog-checkpoint note, signed with the installation's key.
    pub note: String,
}

/// One applicant in a formation's results (never NIK or address).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResultRowBody {
    pub registration_no: String,
    /// Empty unless `status` is `selected` or `reserve`.
    pub name: String,
    /// Two decimals; empty while pending.
    pub total: String,
    /// Exact `p/q`; empty while pending.
    pub total_exact: String,
    pub rank: Option<i32>,
    /// `selected`, `reserve`, `not_selected`, `not_passed` or `pending`.
    pub status: String,
    /// In a round with stages, the code of the stage this row's total and
    /// rank belong to: the first stage from whose published shortlist the
    /// application did not go on, else the last (as `stage_code` in
    /// `rankings.csv`); `null` in a one-stage round.
    pub stage_code: Option<String>,
}

/// A formation's published results.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FormationResultsBody {
    pub round_slug: String,
    /// `provisional`, `objection` or `final`.
    pub round_state: String,
    pub formation_code: String,
    pub formation_name: String,
    pub kelurahan_code: String,
    pub seats: i32,
    pub reserve: i32,
    pub checkpoints: Vec<CheckpointBody>,
    pub rows: Vec<ResultRowBody>,
}

/// The published results of one formation, from the stored ranking.
#[utoipa::path(get, path = "/rounds/{slug}/results/{code}", tag = "results", tags = ["public"],
    params(("slug" = String, Path), ("code" = String, Path, description = "formation code")),
    responses((status = 200, body = FormationResultsBody), (status = 404, body = ErrorBody)))]
pub async fn formation_results(
    State(app): State<AppState>,
    Path((slug, code)): Path<(String, String)>,
) -> Res<FormationResultsBody> {
    let r = results::round_results(&app.db, &slug, Some(std::slice::from_ref(&code)))
        .await
        .map_err(service_err)?;
    let f = r
        .formations
        .into_iter()
        .next()
        .ok_or(AdminError::App(AppError::NotFound))?;
    let reached = crate::services::shortlists::reached(&app.db, r.round.id)
        .await
        .map_err(|e| service_err(e.into()))?;
    Ok(Json(FormationResultsBody {
        round_slug: r.round.slug,
        round_state: r.round.state.to_string(),
        formation_code: f.formation.code,
        formation_name: f.formation.name,
        kelurahan_code: f.formation.kelurahan_code,
        seats: f.formation.seats,
        reserve: f.formation.reserve,
        checkpoints: r
            .checkpoints
            .into_iter()
            .map(|c| CheckpointBody {
                seq: c.seq,
                hash: c.hash,
                reason: c.reason,
                note: c.note,
            })
            .collect(),
        rows: f
            .rows
            .into_iter()
            .map(|x| ResultRowBody {
                stage_code: reached.of(x.application_id),
                registration_no: x.registration_no,
                name: x.full_name,
                total: x.total_2dp,
                total_exact: x.total_exact,
                rank: x.rank,
                status: x.status,
            })
            .collect(),
    }))
}

/// An objection as its applicant, reviewer or an admin sees it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ObjectionBody {
    pub id: Uuid,
    pub application_id: Uuid,
    pub registration_no: String,
    pub formation_code: String,
    /// `filed`, `in_review`, `proposed`, `accepted` or `rejected`.
    pub status: String,
    pub grounds: String,
    pub has_document: bool,
    pub filed_at: Option<String>,
    /// The response deadline.
    pub deadline_at: Option<String>,
    /// Undecided past the deadline.
    pub overdue: bool,
    pub reviewer_id: Option<Uuid>,
    /// The reasons of the decision, once decided.
    pub decision_reason: String,
    pub decided_at: Option<String>,
    /// The pending or approved proposal: `none`, `verification` or `scorecard`.
    pub proposed_reopen: Option<String>,
    pub proposed_by: Option<Uuid>,
    pub approved_by: Option<Uuid>,
}

fn body(o: ObjectionView) -> ObjectionBody {
    let (proposed_reopen, proposed_by, approved_by) = match &o.proposal {
        Some((p, a)) => (
            Some(
                match p.reopen {
                    Reopen::None => "none",
                    Reopen::Verification { .. } => "verification",
                    Reopen::Scorecard { .. } => "scorecard",
                }
                .to_owned(),
            ),
            Some(a.requested_by),
            a.decided_by
                .filter(|_| a.status == ApprovalStatus::Approved),
        ),
        None => (None, None, None),
    };
    ObjectionBody {
        id: o.objection.id,
        application_id: o.objection.application_id,
        registration_no: o.registration_no,
        formation_code: o.formation_code,
        status: o.objection.status.to_string(),
        grounds: o.objection.grounds,
        has_document: o.objection.document_id.is_some(),
        filed_at: rfc3339(Some(o.objection.filed_at)),
        deadline_at: rfc3339(Some(o.objection.deadline_at)),
        overdue: o.overdue,
        reviewer_id: o.objection.reviewer_id,
        decision_reason: o.objection.decision_reason,
        decided_at: rfc3339(o.objection.decided_at),
        proposed_reopen,
        proposed_by,
        approved_by,
    }
}

/// The objections the applicant filed on their own application.
#[utoipa::path(get, path = "/me/applications/{id}/objections", tag = "results", tags = ["applicant"],
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ObjectionBody>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn my_objections(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Res<Vec<ObjectionBody>> {
    let (_, _, rows) = obj::for_application(
        &app.db,
        user.0.actor(),
        parse_id(&id)?,
        OffsetDateTime::now_utc(),
    )
    .await
    .map_err(service_err)?;
    Ok(Json(rows.into_iter().map(body).collect()))
}

/// A new objection (documents are attached through the HTML form).
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct FileObjectionBody {
    /// What is contested and why, 20–4000 characters of plain text (line
    /// breaks and tabs allowed), not counting spaces around it.
    #[schema(
        pattern = r"^[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]{18,3998}[^\s\u0000-\u001F\u007F-\u009F]$",
        min_length = 20,
        max_length = 4000
    )]
    pub grounds: String,
    /// Repeating a request with the same key returns the first objection.
    #[serde(default)]
    pub idempotency_key: String,
}

/// The created (or replayed) objection.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CreatedBody {
    pub id: Uuid,
}

/// Files an objection against the applicant's own published result, during
/// the objection window.
#[utoipa::path(post, path = "/me/applications/{id}/objections", tag = "results", tags = ["applicant"],
    params(("id" = Uuid, Path)), request_body = FileObjectionBody,
    responses((status = 200, body = CreatedBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn file_objection(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: Result<ApiJson<FileObjectionBody>, AdminError>,
) -> Res<CreatedBody> {
    let id = parse_id(&id)?;
    // Whose application it is is judged before the body: another person's
    // application is not found, whatever was sent.
    obj::for_application(&app.db, user.0.actor(), id, OffsetDateTime::now_utc())
        .await
        .map_err(service_err)?;
    let ApiJson(b) = body?;
    let id = obj::file(
        &app.db,
        user.0.actor(),
        id,
        &b.grounds,
        None,
        &b.idempotency_key,
        OffsetDateTime::now_utc(),
    )
    .await
    .map_err(service_err)?;
    Ok(Json(CreatedBody { id }))
}

/// Every objection of a round, earliest response deadline first.
#[utoipa::path(get, path = "/admin/rounds/{id}/objections", tag = "results", tags = ["admin"],
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ObjectionBody>), (status = 403, body = ErrorBody)))]
pub async fn round_objections(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
) -> Res<Vec<ObjectionBody>> {
    let rows = obj::list_for_round(
        &app.db,
        user.0.actor(),
        parse_id(&id)?,
        OffsetDateTime::now_utc(),
    )
    .await
    .map_err(service_err)?;
    Ok(Json(rows.into_iter().map(body).collect()))
}

/// The reviewer to assign.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ReviewerBody {
    /// An active admin, or an operator or panelist of the applicant's
    /// kelurahan, who made none of the contested decisions.
    pub reviewer_id: Uuid,
}

/// Assigns the reviewer of an objection.
#[utoipa::path(post, path = "/admin/objections/{id}/reviewer", tag = "results", tags = ["admin"],
    params(("id" = Uuid, Path)), request_body = ReviewerBody,
    responses((status = 200, body = ObjectionBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign_reviewer(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReviewerBody>,
) -> Res<ObjectionBody> {
    let id = parse_id(&id)?;
    obj::assign(&app.db, user.0.actor(), id, b.reviewer_id)
        .await
        .map_err(service_err)?;
    objection_now(&app, &user.0, id).await
}

/// The reviewer's proposal.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ProposalBody {
    /// `rejected`, `verification_eligible`, `verification_ineligible` or
    /// `scorecard:<panelist id>`.
    #[schema(
        pattern = "^(rejected|verification_eligible|verification_ineligible|scorecard:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    pub outcome: String,
    /// Published with the decision, 10–4000 characters of plain text.
    #[schema(
        pattern = r"^[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]{8,3998}[^\s\u0000-\u001F\u007F-\u009F]$",
        min_length = 10,
        max_length = 4000
    )]
    pub reasons: String,
}

/// The assigned reviewer proposes a decision; a second admin must approve it.
#[utoipa::path(post, path = "/objections/{id}/proposal", tag = "results",
    params(("id" = Uuid, Path)), request_body = ProposalBody,
    responses((status = 200, body = ObjectionBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose_decision(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ProposalBody>,
) -> Res<ObjectionBody> {
    let id = parse_id(&id)?;
    let p =
        crate::web::results::parse_outcome(b.outcome.trim(), &b.reasons).map_err(service_err)?;
    obj::propose(&app.db, user.0.actor(), id, p)
        .await
        .map_err(service_err)?;
    objection_now(&app, &user.0, id).await
}

/// The objection as it stands after a change, as the one who changed it
/// sees it.
async fn objection_now(
    app: &AppState,
    user: &crate::web::CurrentUser,
    id: Uuid,
) -> Res<ObjectionBody> {
    let o = obj::get(&app.db, user.actor(), id, OffsetDateTime::now_utc())
        .await
        .map_err(service_err)?;
    Ok(Json(body(o)))
}

/// Approve or reject something pending.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ApprovalDecisionBody {
    /// `approve` or `reject`.
    #[schema(pattern = "^(approve|reject)$")]
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

/// A second admin (never the proposer: 403) approves the proposed decision,
/// or sends it back to the reviewer.
#[utoipa::path(post, path = "/admin/objections/{id}/decision", tag = "results", tags = ["admin"],
    params(("id" = Uuid, Path)), request_body = ApprovalDecisionBody,
    responses((status = 200, body = ObjectionBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide_objection(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ApprovalDecisionBody>,
) -> Res<ObjectionBody> {
    let (id, approve) = admin_decision(&user, &id, &b.decision)?;
    let mail = app.mail();
    obj::decide(
        &app.db,
        &mail,
        &app.checkpoint_key,
        user.0.actor(),
        id,
        approve,
        &b.note,
    )
    .await
    .map_err(service_err)?;
    objection_now(&app, &user.0, id).await
}

/// Why the results should be finalized.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct FinalizeBody {
    /// At least 5 characters, not counting spaces around them.
    #[schema(
        pattern = r"^[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]{3,}[^\s\u0000-\u001F\u007F-\u009F]$",
        min_length = 5
    )]
    pub reason: String,
}

/// The state of finalization.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FinalizationBody {
    /// The round's state after the call.
    pub round_state: String,
    /// The pending request, if any.
    pub pending_approval_id: Option<Uuid>,
    pub requested_by: Option<Uuid>,
}

async fn finalization_state(
    app: &AppState,
    user: &crate::web::CurrentUser,
    round_id: Uuid,
) -> Res<FinalizationBody> {
    let o = results::overview(&app.db, user.actor(), round_id, OffsetDateTime::now_utc())
        .await
        .map_err(service_err)?;
    Ok(Json(FinalizationBody {
        round_state: o.round.state.to_string(),
        pending_approval_id: o.pending.as_ref().map(|(a, _)| a.id),
        requested_by: o.pending.as_ref().map(|(a, _)| a.requested_by),
    }))
}

/// One admin asks to finalize the round's results (after the objection
/// period, with every objection decided).
#[utoipa::path(post, path = "/admin/rounds/{id}/finalization", tag = "results", tags = ["admin"],
    params(("id" = Uuid, Path)), request_body = FinalizeBody,
    responses((status = 200, body = FinalizationBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_finalization(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<FinalizeBody>,
) -> Res<FinalizationBody> {
    let id = parse_id(&id)?;
    results::request_finalization(
        &app.db,
        user.0.actor(),
        id,
        &b.reason,
        OffsetDateTime::now_utc(),
    )
    .await
    .map_err(service_err)?;
    finalization_state(&app, &user.0, id).await
}

/// Another admin approves (the round becomes `final`, the final checkpoint is
/// signed, final e-mails are queued) or rejects the request; the requester
/// cannot (403).
#[utoipa::path(post, path = "/admin/rounds/{id}/finalization/decision", tag = "results", tags = ["admin"],
    params(("id" = Uuid, Path)), request_body = ApprovalDecisionBody,
    responses((status = 200, body = FinalizationBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide_finalization(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ApprovalDecisionBody>,
) -> Res<FinalizationBody> {
    let (id, approve) = admin_decision(&user, &id, &b.decision)?;
    let mail = app.mail();
    results::decide_finalization(
        &app.db,
        &app.checkpoint_key,
        &mail,
        user.0.actor(),
        id,
        approve,
        OffsetDateTime::now_utc(),
    )
    .await
    .map_err(service_err)?;
    finalization_state(&app, &user.0, id).await
}
