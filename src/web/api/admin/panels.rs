//! Panels, the fit & proper test schedule and the round dashboard (admin).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{CreatedId, Done, parse_id, rfc3339};
use crate::app::AppState;
use crate::services::panels::{self, SessionForm, SessionInput};
use crate::web::api::error::{AdminError, AdminResult, ErrorBody, service_err};
use crate::web::api::extract::{AdminUser, ApiJson};

/// A panelist on a panel.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MemberItem {
    pub account_id: Uuid,
    pub name: String,
    pub kelurahan: Vec<String>,
}

/// A panel with its members and the formations it assesses.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PanelItem {
    pub id: Uuid,
    pub name: String,
    pub members: Vec<MemberItem>,
    pub formations: Vec<Uuid>,
    /// Fewer members than the round's minimum.
    pub short: bool,
}

/// The panels of a round.
#[utoipa::path(get, path = "/admin/rounds/{id}/panels", tag = "admin", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<PanelItem>), (status = 404, body = ErrorBody)))]
pub async fn panels_list(
    State(app): State<AppState>,
    _admin: AdminUser,
    Path(id): Path<String>,
) -> AdminResult<Vec<PanelItem>> {
    let o = panels::panels_overview(&app.db, parse_id(&id)?)
        .await
        .map_err(service_err)?;
    Ok(Json(
        o.panels
            .into_iter()
            .map(|p| PanelItem {
                id: p.model.id,
                name: p.model.name,
                members: p
                    .members
                    .into_iter()
                    .map(|m| MemberItem {
                        account_id: m.account_id,
                        name: m.name,
                        kelurahan: m.scopes,
                    })
                    .collect(),
                formations: p.formations.into_iter().map(|f| f.id).collect(),
                short: p.short,
            })
            .collect(),
    ))
}

/// A new panel.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct PanelBody {
    /// 1–100 characters on one line.
    #[schema(
        pattern = r"^[^\s\u0000-\u001F\u007F-\u009F]([^\u0000-\u001F\u007F-\u009F]{0,98}[^\s\u0000-\u001F\u007F-\u009F])?$",
        min_length = 1,
        max_length = 100
    )]
    pub name: String,
    /// Repeating a create with the same key returns the first panel.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Creates a panel (`panel.created`).
#[utoipa::path(post, path = "/admin/rounds/{id}/panels", tag = "admin", params(("id" = Uuid, Path)),
    request_body = PanelBody,
    responses((status = 201, body = CreatedId),
        (status = 409, description = "The round already has a panel of that name, or is finished", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn panel_create(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PanelBody>,
) -> Result<(StatusCode, Json<CreatedId>), AdminError> {
    let id = panels::create_panel(
        &app.db,
        user.0.actor(),
        parse_id(&id)?,
        &body.name,
        body.idempotency_key.as_deref(),
    )
    .await
    .map_err(service_err)?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
}

/// A panelist to add.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct MemberBody {
    /// An active account with the panelist role.
    pub account_id: Uuid,
}

/// Adds a panelist to a panel (`panel.member_added`).
#[utoipa::path(post, path = "/admin/rounds/{id}/panels/{panel}/members", tag = "admin",
    params(("id" = Uuid, Path), ("panel" = Uuid, Path)), request_body = MemberBody,
    responses((status = 200, body = Done), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn panel_member_add(
    State(app): State<AppState>,
    user: AdminUser,
    Path((id, pid)): Path<(String, String)>,
    ApiJson(body): ApiJson<MemberBody>,
) -> AdminResult<Done> {
    panels::add_member(
        &app.db,
        user.0.actor(),
        parse_id(&id)?,
        parse_id(&pid)?,
        &body.account_id.to_string(),
    )
    .await
    .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

/// The formations a panel assesses.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct PanelFormationsBody {
    pub formations: Vec<Uuid>,
}

/// Sets the formations a panel assesses.
#[utoipa::path(put, path = "/admin/rounds/{id}/panels/{panel}/formations", tag = "admin",
    params(("id" = Uuid, Path), ("panel" = Uuid, Path)), request_body = PanelFormationsBody,
    responses((status = 200, body = Done), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn panel_formations(
    State(app): State<AppState>,
    user: AdminUser,
    Path((id, pid)): Path<(String, String)>,
    ApiJson(body): ApiJson<PanelFormationsBody>,
) -> AdminResult<Done> {
    let texts: Vec<String> = body.formations.iter().map(Uuid::to_string).collect();
    panels::set_formations(
        &app.db,
        user.0.actor(),
        parse_id(&id)?,
        parse_id(&pid)?,
        &texts,
    )
    .await
    .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

/// Schedules a fit & proper test session (`test_session.created`).
#[utoipa::path(post, path = "/admin/rounds/{id}/sessions", tag = "admin", params(("id" = Uuid, Path)),
    request_body = SessionInput,
    responses((status = 201, body = CreatedId), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn session_create(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SessionInput>,
) -> Result<(StatusCode, Json<CreatedId>), AdminError> {
    let id = parse_id(&id)?;
    let s = SessionForm::check(&body, OffsetDateTime::now_utc()).map_err(AdminError::Invalid)?;
    let sid = panels::create_session(
        &app.db,
        user.0.actor(),
        id,
        &s,
        body.idempotency_key.as_deref(),
    )
    .await
    .map_err(service_err)?;
    Ok((StatusCode::CREATED, Json(CreatedId { id: sid })))
}

/// An invited applicant as the schedule shows them.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct InvitationItem {
    /// The invitation (for `move`, `attendance` and `decision`).
    pub id: Uuid,
    pub application_id: Uuid,
    pub registration_no: String,
    pub full_name: String,
    pub formation_code: String,
    /// `present`, `absent`, or null until recorded.
    pub attendance: Option<String>,
    /// The admin's written decision on an absence.
    pub absence_decision: Option<String>,
    /// Name of the admin who decided it.
    pub decided_by: Option<String>,
}

/// A test session with its invitations. `date` and `time` are local
/// Samarinda time (WITA), as they were entered.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SessionItem {
    pub id: Uuid,
    /// `YYYY-MM-DD` (WITA).
    pub date: String,
    /// `HH:MM` (WITA).
    pub time: String,
    /// The same instant as RFC 3339.
    pub starts_at: Option<String>,
    pub place: String,
    pub capacity: i32,
    pub panel_id: Uuid,
    pub panel_name: String,
    /// In registration-number order.
    pub invitations: Vec<InvitationItem>,
}

/// The test schedule of a round.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ScheduleBody {
    /// Eligible applications without an invitation yet.
    pub waiting: u64,
    /// Earliest first.
    pub sessions: Vec<SessionItem>,
}

/// The fit & proper test sessions of a round, each with its invitations,
/// attendance and absence decisions (what the admin schedule page shows).
#[utoipa::path(get, path = "/admin/rounds/{id}/sessions", tag = "admin", params(("id" = Uuid, Path)),
    responses((status = 200, body = ScheduleBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn sessions_list(
    State(app): State<AppState>,
    _admin: AdminUser,
    Path(id): Path<String>,
) -> AdminResult<ScheduleBody> {
    let o = panels::schedule_overview(&app.db, parse_id(&id)?)
        .await
        .map_err(service_err)?;
    let sessions = o
        .sessions
        .into_iter()
        .map(|s| {
            let local = crate::domain::round::input_wita(s.model.starts_at);
            let (date, time) = local.split_once('T').unwrap_or((local.as_str(), ""));
            SessionItem {
                id: s.model.id,
                date: date.to_owned(),
                time: time.to_owned(),
                starts_at: rfc3339(Some(s.model.starts_at)),
                place: s.model.place,
                capacity: s.model.capacity,
                panel_id: s.model.panel_id,
                panel_name: s.panel_name,
                invitations: s
                    .invitations
                    .into_iter()
                    .map(|i| InvitationItem {
                        id: i.id,
                        application_id: i.application_id,
                        registration_no: i.registration_no,
                        full_name: i.full_name,
                        formation_code: i.formation_code,
                        attendance: i.attendance,
                        absence_decision: i.decision,
                        decided_by: i.decided_by,
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Json(ScheduleBody {
        waiting: o.waiting,
        sessions,
    }))
}

/// An empty JSON object.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct EmptyBody {}

/// How many applicants were invited.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct InvitedBody {
    pub invited: usize,
}

/// Fills a session with waiting eligible applicants and mails their invitations.
#[utoipa::path(post, path = "/admin/rounds/{id}/sessions/{session}/fill", tag = "admin",
    params(("id" = Uuid, Path), ("session" = Uuid, Path)), request_body = EmptyBody,
    responses((status = 200, body = InvitedBody), (status = 409, body = ErrorBody)))]
pub async fn session_fill(
    State(app): State<AppState>,
    user: AdminUser,
    Path((id, sid)): Path<(String, String)>,
    ApiJson(_body): ApiJson<EmptyBody>,
) -> AdminResult<InvitedBody> {
    let from = app.mail_from.clone();
    let invited = panels::auto_fill(
        &app.db,
        user.0.actor(),
        &from,
        &app.vault,
        parse_id(&id)?,
        parse_id(&sid)?,
    )
    .await
    .map_err(service_err)?;
    Ok(Json(InvitedBody { invited }))
}

/// Attendance at a test session.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct AttendanceBody {
    /// `present` or `absent`.
    #[schema(pattern = "^(present|absent)$")]
    pub attendance: String,
    /// Why a recorded absence becomes a presence (required then; kept in the
    /// audit trail): at most 500 characters, no control character but tab
    /// and line breaks.
    #[serde(default)]
    #[schema(pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]{0,500}$")]
    pub reason: String,
}

/// Records whether an invited applicant came.
#[utoipa::path(post, path = "/admin/rounds/{id}/invitations/{invitation}/attendance", tag = "admin",
    params(("id" = Uuid, Path), ("invitation" = Uuid, Path)), request_body = AttendanceBody,
    responses((status = 200, body = Done), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invitation_attendance(
    State(app): State<AppState>,
    user: AdminUser,
    Path((id, iid)): Path<(String, String)>,
    ApiJson(body): ApiJson<AttendanceBody>,
) -> AdminResult<Done> {
    panels::record_attendance(
        &app.db,
        user.0.actor(),
        parse_id(&id)?,
        parse_id(&iid)?,
        body.attendance.trim(),
        &body.reason,
    )
    .await
    .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

/// Removes a panelist from a panel (`panel.member_removed`).
#[utoipa::path(delete, path = "/admin/rounds/{id}/panels/{panel}/members/{account}", tag = "admin",
    params(("id" = Uuid, Path), ("panel" = Uuid, Path), ("account" = Uuid, Path)),
    responses((status = 200, body = Done), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn panel_member_remove(
    State(app): State<AppState>,
    user: AdminUser,
    Path((id, pid, aid)): Path<(String, String, String)>,
) -> AdminResult<Done> {
    panels::remove_member(
        &app.db,
        user.0.actor(),
        parse_id(&id)?,
        parse_id(&pid)?,
        parse_id(&aid)?,
    )
    .await
    .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

/// The session an invitation moves to.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct MoveBody {
    pub session_id: Uuid,
}

/// Moves an invitation to another session with room (`test.moved`, new mail).
#[utoipa::path(post, path = "/admin/rounds/{id}/invitations/{invitation}/move", tag = "admin",
    params(("id" = Uuid, Path), ("invitation" = Uuid, Path)), request_body = MoveBody,
    responses((status = 200, body = Done), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invitation_move(
    State(app): State<AppState>,
    user: AdminUser,
    Path((id, iid)): Path<(String, String)>,
    ApiJson(b): ApiJson<MoveBody>,
) -> AdminResult<Done> {
    let from = app.mail_from.clone();
    panels::move_invitation(
        &app.db,
        user.0.actor(),
        &from,
        &app.vault,
        parse_id(&id)?,
        parse_id(&iid)?,
        &b.session_id.to_string(),
    )
    .await
    .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

/// The admin's written decision on an absence.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct DecisionText {
    /// What was decided about the absence: 1–2000 characters of plain text.
    #[schema(
        pattern = r"^[^\s\u0000-\u001F\u007F-\u009F]([^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]{0,1998}[^\s\u0000-\u001F\u007F-\u009F])?$",
        min_length = 1,
        max_length = 2000
    )]
    pub decision: String,
}

/// Records the decision on an absence (`test.absence_decided`).
#[utoipa::path(post, path = "/admin/rounds/{id}/invitations/{invitation}/decision", tag = "admin",
    params(("id" = Uuid, Path), ("invitation" = Uuid, Path)), request_body = DecisionText,
    responses((status = 200, body = Done), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn absence_decide(
    State(app): State<AppState>,
    user: AdminUser,
    Path((id, iid)): Path<(String, String)>,
    ApiJson(b): ApiJson<DecisionText>,
) -> AdminResult<Done> {
    panels::decide_absence(
        &app.db,
        user.0.actor(),
        parse_id(&id)?,
        parse_id(&iid)?,
        &b.decision,
    )
    .await
    .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

/// One kelurahan's verification backlog.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct BacklogItem {
    pub kelurahan_code: String,
    pub kelurahan_name: String,
    pub waiting: u64,
}

/// The admin dashboard of a round. The funnel `registered` ≥ `submitted` ≥
/// `eligible` ≥ `invited` ≥ `attended` is cumulative; `drafts` and `absent`
/// are side counts.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DashboardBody {
    /// Every application started in the round, in any state.
    pub registered: u64,
    /// Applications ever submitted (withdrawals included).
    pub submitted: u64,
    /// Applications found eligible (and those scored or ranked since).
    pub eligible: u64,
    /// Applications with a test invitation.
    pub invited: u64,
    /// Invitations marked present.
    pub attended: u64,
    /// Applications still in draft (counted in `registered` only).
    pub drafts: u64,
    /// Invitations marked absent.
    pub absent: u64,
    /// Applications withdrawn (counted in `submitted` when submitted first).
    pub withdrawn: u64,
    pub backlog: Vec<BacklogItem>,
    /// Names of panels with fewer members than `min_panelists`.
    pub short_panels: Vec<String>,
    /// Codes of formations no panel assesses.
    pub unassigned_formations: Vec<String>,
}

/// The funnel, verification backlog and panel gaps of a round.
#[utoipa::path(get, path = "/admin/rounds/{id}/dashboard", tag = "admin", params(("id" = Uuid, Path)),
    responses((status = 200, body = DashboardBody), (status = 404, body = ErrorBody)))]
pub async fn round_dashboard(
    State(app): State<AppState>,
    _admin: AdminUser,
    Path(id): Path<String>,
) -> AdminResult<DashboardBody> {
    let d = panels::dashboard(&app.db, parse_id(&id)?)
        .await
        .map_err(service_err)?;
    Ok(Json(DashboardBody {
        registered: d.funnel.registered,
        drafts: d.funnel.drafts,
        submitted: d.funnel.submitted,
        eligible: d.funnel.eligible,
        invited: d.funnel.invited,
        attended: d.funnel.attended,
        absent: d.funnel.absent,
        withdrawn: d.funnel.withdrawn,
        backlog: d
            .backlog
            .into_iter()
            .map(|b| BacklogItem {
                kelurahan_code: b.kelurahan_code,
                kelurahan_name: b.kelurahan_name,
                waiting: b.count,
            })
            .collect(),
        short_panels: d.short_panels.into_iter().map(|(name, _)| name).collect(),
        unassigned_formations: d.unassigned.into_iter().map(|f| f.model.code).collect(),
    }))
}
