//! Verification: the queue, an application with its documents, recording
//! the outcome (operators in their kelurahan, admins everywhere), and the
//! four-eyes changes of a sent outcome (admins).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::{parse_id, rfc3339};
use crate::app::AppState;
use crate::domain::form::FieldErrors;
use crate::domain::role::Role;
use crate::domain::round::Msg;
use crate::error::AppError;
use crate::services::verification::{self, Decision, Staff};
use crate::web::CurrentUser;
use crate::web::api::error::{AdminError, AdminResult, ErrorBody, service_err};
use crate::web::api::extract::{AdminUser, ApiJson, ApiQuery, ApiUser};

/// The verification actor, exactly as the HTML builds it (operators and admins).
fn staff_of(user: &CurrentUser) -> Result<Staff, AdminError> {
    user.require(&[Role::Operator, Role::Admin])?;
    Ok(Staff {
        id: user.id,
        role: user.role,
        scopes: user.scopes.clone(),
    })
}

/// Filter of the verification queue.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueFilter {
    /// Only this kelurahan (403 when it is outside the caller's scope).
    kelurahan: Option<String>,
}

/// One submitted application waiting in the queue (no NIK at all).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct QueueItem {
    pub application_id: Uuid,
    pub registration_no: String,
    pub full_name: String,
    pub kelurahan_code: String,
    pub kelurahan_name: String,
    pub rt_number: Option<i32>,
    /// `submitted`, `eligible` or `ineligible`.
    pub state: String,
}

/// The queue of one round.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct QueueRound {
    pub round_name: String,
    pub round_state: String,
    pub applications: Vec<QueueItem>,
}

/// The applications the caller may verify, per round: an operator sees only
/// their own kelurahan.
#[utoipa::path(get, path = "/operator/verification", tag = "operator", params(QueueFilter),
    responses((status = 200, body = Vec<QueueRound>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn verification_queue(
    State(app): State<AppState>,
    user: ApiUser,
    ApiQuery(f): ApiQuery<QueueFilter>,
) -> AdminResult<Vec<QueueRound>> {
    let staff = staff_of(&user.0)?;
    let only = f.kelurahan.filter(|k| !k.trim().is_empty());
    if let Some(k) = &only
        && !user.0.covers(k)
    {
        return Err(AdminError::App(AppError::Forbidden));
    }
    let rounds = verification::queue(&app.db, &staff)
        .await
        .map_err(service_err)?;
    Ok(Json(
        rounds
            .into_iter()
            .map(|r| QueueRound {
                round_name: r.round_name,
                round_state: r.round_state.to_string(),
                applications: r
                    .rows
                    .into_iter()
                    .filter(|row| only.as_ref().is_none_or(|k| *k == row.kelurahan_code))
                    .map(|row| QueueItem {
                        application_id: row.application_id,
                        registration_no: row.registration_no,
                        full_name: row.full_name,
                        kelurahan_code: row.kelurahan_code,
                        kelurahan_name: row.kelurahan_name,
                        rt_number: row.rt_number,
                        state: row.state.to_string(),
                    })
                    .collect(),
            })
            .filter(|r| !r.applications.is_empty())
            .collect(),
    ))
}

/// A recorded or automatic check of one requirement.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CheckItem {
    /// `ms` or `tms`.
    pub outcome: String,
    pub reason_code: Option<String>,
    pub reason_text: String,
    pub automatic: bool,
}

/// One requirement of an application under verification.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RequirementCheckItem {
    pub requirement_id: Uuid,
    pub code: String,
    pub kind: String,
    pub text_id: String,
    pub text_en: String,
    /// What the platform found by itself (age, domicile).
    pub automatic: Option<CheckItem>,
    /// The latest recorded check.
    pub current: Option<CheckItem>,
}

/// An application as an operator sees it: NIK masked, nothing more personal
/// than checking needs.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct VerificationApplication {
    pub id: Uuid,
    pub round_name: String,
    pub round_state: String,
    pub registration_no: String,
    pub state: String,
    pub full_name: String,
    /// e.g. `6472••••••••0001`; the full NIK is never sent.
    pub nik_masked: String,
    pub kelurahan_code: String,
    pub rt_number: Option<i32>,
    pub assisted: bool,
    pub requirements: Vec<RequirementCheckItem>,
    /// The uploaded documents; `url` serves the bytes.
    pub documents: Vec<DocumentItem>,
    /// Id of a change waiting for a second admin.
    pub pending_change: Option<Uuid>,
}

/// One uploaded document of an application under verification. The name the
/// applicant gave the file is left out: it may carry personal data and
/// checking does not need it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DocumentItem {
    pub id: Uuid,
    /// The requirement it was uploaded for, e.g. `KTP`.
    pub requirement_code: Option<String>,
    /// As found from the bytes at upload: `application/pdf`, `image/jpeg` or `image/png`.
    pub content_type: String,
    pub size_bytes: i64,
    /// `/api/v1/operator/applications/{id}/documents/{doc}`.
    pub url: String,
}

/// One application for checking (404 outside the caller's kelurahan).
#[utoipa::path(get, path = "/operator/applications/{id}", tag = "operator", params(("id" = Uuid, Path)),
    responses((status = 200, body = VerificationApplication), (status = 404, body = ErrorBody)))]
pub async fn verification_application(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> AdminResult<VerificationApplication> {
    let staff = staff_of(&user.0)?;
    let v = verification::open(&app.db, &app.vault, &staff, parse_id(&id)?)
        .await
        .map_err(service_err)?;
    let codes: BTreeMap<Uuid, String> = v
        .requirements
        .iter()
        .map(|q| (q.id, q.code.clone()))
        .collect();
    let documents = v
        .documents
        .into_iter()
        .map(|d| DocumentItem {
            url: format!("/api/v1/operator/applications/{}/documents/{}", v.id, d.id),
            id: d.id,
            requirement_code: d.requirement_id.and_then(|r| codes.get(&r).cloned()),
            content_type: d.content_type,
            size_bytes: d.size_bytes,
        })
        .collect();
    Ok(Json(VerificationApplication {
        id: v.id,
        round_name: v.round_name,
        round_state: v.round_state.to_string(),
        registration_no: v.registration_no,
        state: v.state.to_string(),
        full_name: v.full_name,
        nik_masked: v.nik_masked,
        kelurahan_code: v.kelurahan_code,
        rt_number: v.rt_number,
        assisted: v.assisted,
        requirements: v
            .requirements
            .into_iter()
            .map(|q| RequirementCheckItem {
                requirement_id: q.id,
                code: q.code,
                kind: q.kind,
                text_id: q.text_id,
                text_en: q.text_en,
                automatic: q.automatic.map(|a| CheckItem {
                    outcome: a.verdict.as_str().to_owned(),
                    reason_code: Some(a.reason_code().to_owned()),
                    reason_text: String::new(),
                    automatic: true,
                }),
                current: q.current.map(|c| CheckItem {
                    outcome: c.outcome.to_string(),
                    reason_code: c.reason_code,
                    reason_text: c.reason_text,
                    automatic: c.automatic,
                }),
            })
            .collect(),
        documents,
        pending_change: v.pending_change.map(|a| a.id),
    }))
}

/// The bytes of one document, for an operator of the application's kelurahan
/// or an admin (404 otherwise, as for the application). Served inline only
/// as PDF, JPEG or PNG, with `X-Content-Type-Options: nosniff` and never
/// stored by shared caches.
#[utoipa::path(get, path = "/operator/applications/{id}/documents/{doc}", tag = "operator",
    params(("id" = Uuid, Path), ("doc" = Uuid, Path)),
    responses((status = 200, description = "The document's bytes, typed as found at upload",
            content(("application/pdf"), ("image/jpeg"), ("image/png"))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn verification_document(
    State(app): State<AppState>,
    user: ApiUser,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, AdminError> {
    let staff = staff_of(&user.0)?;
    Ok(crate::web::staff::document_response(&app, &staff, parse_id(&id)?, parse_id(&doc)?).await?)
}

/// MS or TMS on one requirement.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct DecisionBody {
    pub requirement_id: Uuid,
    /// `ms` or `tms`.
    #[schema(pattern = "^(ms|tms)$")]
    pub outcome: String,
    /// Required for TMS: `unreadable`, `mismatch`, `expired`, `age`, `domicile` or `other`.
    #[serde(default)]
    #[schema(pattern = "^(unreadable|mismatch|expired|age|domicile|other)$")]
    pub reason_code: Option<String>,
    /// Required for TMS.
    #[serde(default)]
    pub reason_text: String,
}

/// The decisions on every requirement of an application.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct VerifyBody {
    pub decisions: Vec<DecisionBody>,
}

fn decisions(list: &[DecisionBody]) -> Result<Vec<Decision>, AdminError> {
    let mut errs = FieldErrors::new();
    let out = list
        .iter()
        .filter_map(|d| {
            let tms = match d.outcome.trim() {
                "ms" => false,
                "tms" => true,
                _ => {
                    errs.insert(
                        d.requirement_id.to_string(),
                        Msg::new("Pilih MS atau TMS.", "Choose MS or TMS."),
                    );
                    return None;
                }
            };
            Some(Decision {
                requirement_id: d.requirement_id,
                tms,
                reason_code: d
                    .reason_code
                    .as_deref()
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
                reason_text: d.reason_text.trim().to_owned(),
            })
        })
        .collect();
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(AdminError::Invalid(errs))
    }
}

/// Whether the application is now eligible.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct VerifiedBody {
    pub eligible: bool,
}

/// Records the first verification (`application.verified`) and mails the
/// outcome, in one transaction. Field errors are keyed by requirement id.
#[utoipa::path(post, path = "/operator/applications/{id}/verification", tag = "operator",
    params(("id" = Uuid, Path)), request_body = VerifyBody,
    responses((status = 200, body = VerifiedBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn verification_record(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VerifyBody>,
) -> AdminResult<VerifiedBody> {
    let staff = staff_of(&user.0)?;
    let id = parse_id(&id)?;
    let list = decisions(&body.decisions)?;
    let from = app.mail_from.clone();
    let eligible = verification::verify(&app.db, &from, &app.vault, &staff, id, &list).await?;
    Ok(Json(VerifiedBody { eligible }))
}

/// A change of an outcome already sent.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ChangeBody {
    pub decisions: Vec<DecisionBody>,
    /// Why the outcome changes (required).
    pub reason: String,
}

/// The id of a created four-eyes request.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApprovalCreated {
    pub approval_id: Uuid,
}

/// Asks for a change of a sent outcome (`approval.requested`); a second
/// admin must approve it.
#[utoipa::path(post, path = "/admin/applications/{id}/change-requests", tag = "admin",
    params(("id" = Uuid, Path)), request_body = ChangeBody,
    responses((status = 201, body = ApprovalCreated), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_request(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChangeBody>,
) -> Result<(StatusCode, Json<ApprovalCreated>), AdminError> {
    let staff = staff_of(&user.0)?;
    let id = parse_id(&id)?;
    let list = decisions(&body.decisions)?;
    let approval_id =
        verification::request_change(&app.db, &staff, id, &list, &body.reason).await?;
    Ok((StatusCode::CREATED, Json(ApprovalCreated { approval_id })))
}

/// A pending four-eyes request.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApprovalItem {
    pub id: Uuid,
    /// The application concerned; absent for a file of imported values.
    pub application_id: Option<Uuid>,
    pub registration_no: String,
    pub requested_by: Uuid,
    pub requested_by_name: String,
    pub reason: String,
    pub requested_at: Option<String>,
    /// Requirement codes that would be TMS after the change.
    pub tms: Vec<String>,
    /// For a recusal or a file of imported values requested after
    /// publication: what approving does (Bahasa Indonesia). Absent for a
    /// verification change.
    pub change: Option<String>,
}

/// Pending four-eyes changes (verification outcomes, and recusals and
/// imported values requested after publication).
#[utoipa::path(get, path = "/admin/approvals", tag = "admin",
    responses((status = 200, body = Vec<ApprovalItem>), (status = 403, body = ErrorBody)))]
pub async fn approvals_list(
    State(app): State<AppState>,
    user: AdminUser,
) -> AdminResult<Vec<ApprovalItem>> {
    let staff = staff_of(&user.0)?;
    let rows = verification::pending(&app.db, &staff)
        .await
        .map_err(service_err)?;
    Ok(Json(
        rows.into_iter()
            .map(|a| ApprovalItem {
                id: a.id,
                application_id: a.application_id,
                registration_no: a.registration_no,
                requested_by: a.requested_by,
                requested_by_name: a.requested_by_name,
                reason: a.reason,
                requested_at: rfc3339(Some(a.requested_at)),
                tms: a.tms,
                change: a.change.map(|(id, _)| id),
            })
            .collect(),
    ))
}

/// Approve or reject a pending change.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct DecideBody {
    /// `approve` or `reject`.
    #[schema(pattern = "^(approve|reject)$")]
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

/// The result of a decision.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DecidedBody {
    pub approved: bool,
}

/// Approves or rejects a pending change; never one's own request (403).
#[utoipa::path(post, path = "/admin/approvals/{id}", tag = "admin",
    params(("id" = Uuid, Path)), request_body = DecideBody,
    responses((status = 200, body = DecidedBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn approval_decide(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecideBody>,
) -> AdminResult<DecidedBody> {
    let staff = staff_of(&user.0)?;
    let approve = match body.decision.trim() {
        "approve" => true,
        "reject" => false,
        _ => {
            let mut e = FieldErrors::new();
            e.insert(
                "decision".into(),
                Msg::new("Pilih approve atau reject.", "Choose approve or reject."),
            );
            return Err(AdminError::Invalid(e));
        }
    };
    let from = app.mail_from.clone();
    let mail = crate::services::self_service::MailCtx {
        base_url: &app.config.base_url,
        from: &from,
        vault: &app.vault,
    };
    verification::decide(
        &app.db,
        &mail,
        &app.checkpoint_key,
        &staff,
        parse_id(&id)?,
        approve,
        &body.note,
    )
    .await
    .map_err(service_err)?;
    Ok(Json(DecidedBody { approved: approve }))
}
