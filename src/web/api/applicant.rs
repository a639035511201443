//! Applicant API: the caller's own applications with the status
//! timeline the HTML status page shows, and the public number + PIN status
//! check. Nothing here shows more personal data than the applicant already
//! sees on `/pendaftaran/{id}` and `/cek-status`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ApiError, ApiResult, ErrorBody};
use crate::app::AppState;
use crate::error::AppError;
use crate::services::applications::{self as svc, Acting, ApplicationView, Timeline};
use crate::web::CurrentUser;
use crate::web::account::ClientIp;
use crate::web::applications::{StatusCheck, status_check};

fn rfc3339(t: OffsetDateTime) -> Option<String> {
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// The round an application belongs to.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RoundRef {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
}

/// The formation (seat group) an application is for.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FormationRef {
    pub code: String,
    pub name: String,
}

/// A text in Bahasa Indonesia and English.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Text {
    pub id: String,
    pub en: String,
}

impl From<crate::domain::round::Msg> for Text {
    fn from(m: crate::domain::round::Msg) -> Self {
        Text { id: m.id, en: m.en }
    }
}

/// One requirement's latest verification outcome.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApplicantCheck {
    pub requirement: Text,
    /// `ms` (memenuhi syarat: met) or `tms` (tidak memenuhi syarat: not met),
    /// lower case as the staff API takes it.
    pub outcome: String,
    /// The outcome in words.
    pub outcome_label: Text,
    /// For `tms`: the listed reason in words (e.g. "Dokumen tidak terbaca").
    pub reason_label: Option<Text>,
    /// The verifier's written reason; may be empty.
    pub reason: String,
    /// For a check the platform made itself (age, domicile): its finding in
    /// both languages.
    pub automatic_reason: Option<Text>,
}

/// The fit-and-proper test the applicant is invited to.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApplicantInvitation {
    /// RFC 3339.
    pub starts_at: Option<String>,
    pub place: String,
}

/// The published result.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResultItem {
    /// `selected`, `reserve`, `not_selected`, `not_passed` or `pending`.
    pub status: Option<String>,
    pub rank: Option<i32>,
    /// In a round with stages, the code of the stage this result belongs
    /// to: the first stage from whose published shortlist the application
    /// did not go on, else the last (as `stage_code` in `rankings.csv`);
    /// `null` in a one-stage round.
    pub stage_code: Option<String>,
}

/// The objection window of the round.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ObjectionWindow {
    /// RFC 3339: when the provisional result is published.
    pub starts_at: Option<String>,
    /// RFC 3339: the last moment to object.
    pub ends_at: Option<String>,
}

/// The one status headline the status pages show: the stage reached, the
/// details that explain it (failing requirements with their reasons first),
/// and what happens next.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct HeadlineItem {
    pub title: Text,
    pub details: Vec<Text>,
    pub next: Text,
}

/// What the status page shows after submission; each part is empty until it happens.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TimelineItem {
    /// Derived from the latest stage; the same words as the HTML pages.
    pub headline: HeadlineItem,
    /// Verification outcomes, one per checked requirement.
    pub checks: Vec<ApplicantCheck>,
    pub invitation: Option<ApplicantInvitation>,
    /// Only once published.
    pub result: Option<ResultItem>,
    pub objection_window: Option<ObjectionWindow>,
}

/// One of the caller's applications.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApplicationItem {
    pub id: Uuid,
    pub round: RoundRef,
    /// Given at submission; `null` for a draft.
    pub registration_no: Option<String>,
    /// `draft`, `submitted`, `eligible`, `ineligible` or `withdrawn`.
    pub state: String,
    pub formation: Option<FormationRef>,
    /// RFC 3339; `null` for a draft.
    pub submitted_at: Option<String>,
    pub timeline: TimelineItem,
}

impl From<Timeline> for TimelineItem {
    fn from(t: Timeline) -> Self {
        TimelineItem {
            headline: HeadlineItem {
                title: t.headline.title.into(),
                details: t.headline.details.into_iter().map(Into::into).collect(),
                next: t.headline.next.into(),
            },
            checks: t
                .checks
                .into_iter()
                .map(|c| ApplicantCheck {
                    outcome_label: c.outcome_label().into(),
                    reason_label: c.reason_label().map(Into::into),
                    requirement: c.requirement.into(),
                    outcome: c.outcome.to_string(),
                    reason: c.reason,
                    automatic_reason: c.automatic_reason.map(Into::into),
                })
                .collect(),
            invitation: t.invitation.map(|(at, place)| ApplicantInvitation {
                starts_at: rfc3339(at),
                place,
            }),
            result: t.result.map(|(rank, status)| ResultItem {
                status,
                rank,
                stage_code: t.result_stage,
            }),
            objection_window: t.objection_window.map(|(from, to)| ObjectionWindow {
                starts_at: rfc3339(from),
                ends_at: rfc3339(to),
            }),
        }
    }
}

fn item(view: ApplicationView, t: Timeline) -> ApplicationItem {
    let a = view.application;
    let r = view.round;
    ApplicationItem {
        id: a.id,
        round: RoundRef {
            id: r.id,
            name: r.name,
            slug: r.slug,
        },
        registration_no: a.registration_no,
        state: a.state.to_string(),
        formation: view.formation.map(|f| FormationRef {
            code: f.code,
            name: f.name,
        }),
        submitted_at: a.submitted_at.and_then(rfc3339),
        timeline: t.into(),
    }
}

/// One of the caller's own applications, read as the HTML status page reads
/// it ([`svc::load`] + [`svc::timeline`]). Staff reading someone else's
/// application through `/me` get 404 like everyone else.
async fn own(app: &AppState, user: &CurrentUser, id: Uuid) -> Result<ApplicationItem, ApiError> {
    let acting = Acting {
        actor: user.actor(),
        scopes: &user.scopes,
    };
    let view = svc::load(&app.db, &app.vault, acting, id).await?;
    if view.application.account_id != Some(user.id) {
        return Err(AppError::NotFound.into());
    }
    let t = svc::timeline(&app.db, &app.vault, &view.round, id, app.clock.now()).await?;
    Ok(item(view, t))
}

/// The signed-in caller's applications, newest first, each with its status timeline.
#[utoipa::path(
    get,
    path = "/me/applications",
    tag = "applicant",
    responses(
        (status = 200, body = Vec<ApplicationItem>),
        (status = 401, description = "Not signed in (session cookie)", body = ErrorBody),
    )
)]
pub async fn my_applications(
    State(app): State<AppState>,
    user: Result<CurrentUser, AppError>,
) -> ApiResult<Vec<ApplicationItem>> {
    let user = user?;
    let mut out = Vec::new();
    for id in svc::own_ids(&app.db, user.id).await? {
        out.push(own(&app, &user, id).await?);
    }
    Ok(Json(out))
}

/// One of the signed-in caller's applications with its status timeline.
#[utoipa::path(
    get,
    path = "/me/applications/{id}",
    tag = "applicant",
    params(("id" = Uuid, Path, description = "The application's id")),
    responses(
        (status = 200, body = ApplicationItem),
        (status = 401, description = "Not signed in (session cookie)", body = ErrorBody),
        (status = 404, description = "No such application of the caller", body = ErrorBody),
    )
)]
pub async fn my_application(
    State(app): State<AppState>,
    user: Result<CurrentUser, AppError>,
    Path(id): Path<String>,
) -> ApiResult<ApplicationItem> {
    let user = user?;
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    Ok(Json(own(&app, &user, id).await?))
}

/// The registration number and status PIN of the status check.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct StatusCheckInput {
    /// E.g. `2027-6472091001-0001`.
    pub registration_no: String,
    /// The 6-digit status PIN from the receipt.
    pub pin: String,
}

/// The answer of the status check (what `/cek-status` shows): the first
/// name, the state and the timeline, no other personal data.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct StatusCheckAnswer {
    pub first_name: String,
    pub registration_no: String,
    pub round_name: String,
    /// `draft`, `submitted`, `eligible`, `ineligible` or `withdrawn`.
    pub state: String,
    pub next_step: Text,
    /// RFC 3339.
    pub submitted_at: Option<String>,
    pub timeline: TimelineItem,
}

/// An error body in the request's language.
fn error(status: StatusCode, error: &'static str, id: &str, en: &str) -> Response {
    let message = super::lang::current().pick(id, en).to_owned();
    (status, Json(ErrorBody::new(error, message))).into_response()
}

/// Status check by registration number and status PIN (for assisted
/// applications), with the same per-IP limit as `/cek-status`.
///
/// No CSRF token: it needs `Content-Type: application/json` (the `Json`
/// extractor refuses anything else), which a browser cannot send cross-site
/// without a CORS preflight, and this server sends no CORS headers, so
/// another site's page cannot make this request.
#[utoipa::path(
    post,
    path = "/status-check",
    tag = "applicant",
    request_body = StatusCheckInput,
    responses(
        (status = 200, body = StatusCheckAnswer),
        (status = 400, description = "Not a JSON body with both fields", body = ErrorBody),
        (status = 404, description = "The number and PIN do not match (which part is never told)", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 429, description = "Too many failed checks from this client", body = ErrorBody),
    )
)]
pub async fn status_check_api(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    input: Result<Json<StatusCheckInput>, JsonRejection>,
) -> Result<Json<StatusCheckAnswer>, Response> {
    let Json(input) = input.map_err(|e| {
        let status = e.status();
        if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            error(
                status,
                "unsupported_media_type",
                "Kirim dengan Content-Type: application/json.",
                "Send it with Content-Type: application/json.",
            )
        } else {
            error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "Isian harus JSON dengan registration_no dan pin.",
                "The body must be JSON with registration_no and pin.",
            )
        }
    })?;
    match status_check(&app, &ip, &input.registration_no, &input.pin)
        .await
        .map_err(|e| ApiError(e).into_response())?
    {
        StatusCheck::Limited => Err(ApiError(AppError::TooManyRequests).into_response()),
        StatusCheck::NoMatch => Err(error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Nomor pendaftaran atau PIN tidak cocok.",
            "The registration number or PIN does not match.",
        )),
        StatusCheck::Found(r) => {
            let next_step = r.next_step().into();
            Ok(Json(StatusCheckAnswer {
                first_name: r.first_name,
                registration_no: r.registration_no,
                round_name: r.round_name,
                state: r.state.to_string(),
                next_step,
                submitted_at: r.submitted_at.and_then(rfc3339),
                timeline: r.timeline.into(),
            }))
        }
    }
}
