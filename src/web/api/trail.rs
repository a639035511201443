//! Auditor API: trail queries with a keyset cursor, application
//! histories with the cause of every rank change, panelist views, conflict
//! matrices and panel analytics. Read only; auditors and admins (session
//! cookie); the same service functions as the `/audit` pages.

use axum::Json;
use axum::extract::{Path, State};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::extract::ApiUser;
use super::{ApiResult, ErrorBody};
use crate::app::AppState;
use crate::domain::analytics::format_1dp;
use crate::domain::ranking::format_fraction;
use crate::services::analytics;
use crate::services::trail::{self as svc, Declared, TrailQuery};
use crate::web::path_id;

/// Tags of this part of the document.
#[derive(OpenApi)]
#[openapi(tags((name = "audit", description = "Auditors and admins, read only: the audit trail, application histories, panelists, conflict matrices and panel analytics; session cookie")))]
struct AuditDoc;

/// The auditor routes with their descriptions.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(AuditDoc::openapi())
        .routes(routes!(events))
        .routes(routes!(application_history))
        .routes(routes!(panelist))
        .routes(routes!(conflicts))
        .routes(routes!(round_analytics))
}

/// Filters of a trail query; all optional, combined with AND.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Round UUID.
    #[param(
        pattern = r"^\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?\s*$"
    )]
    round_id: Option<String>,
    /// Kelurahan code: events indexed under it or about one of its applications.
    kelurahan: Option<String>,
    /// Formation UUID: events about it or one of its applications.
    #[param(
        pattern = r"^\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?\s*$"
    )]
    formation_id: Option<String>,
    registration_no: Option<String>,
    /// Account UUID or `system`.
    #[param(
        pattern = r"^\s*(system|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?\s*$"
    )]
    actor: Option<String>,
    /// An exact action (`score.amended`) or a family ending in a dot (`score.`).
    action: Option<String>,
    /// Given together with `subject_id`, or neither.
    subject_type: Option<String>,
    /// Given together with `subject_type`, or neither.
    subject_id: Option<String>,
    /// Inclusive lower bound: `YYYY-MM-DD` (WITA day), `YYYY-MM-DDTHH:MM` (WITA) or RFC 3339.
    #[param(
        pattern = r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?)?)?\s*$"
    )]
    from: Option<String>,
    /// Upper bound: a day includes the whole day; a time is exclusive.
    #[param(
        pattern = r"^\s*([0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?)?)?\s*$"
    )]
    to: Option<String>,
    /// Keyset cursor: only events with a lower `seq` (use `next_before` of the previous page).
    before: Option<i64>,
    /// Events per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u64>,
}

impl From<EventsQuery> for TrailQuery {
    fn from(q: EventsQuery) -> Self {
        TrailQuery {
            round: q.round_id.unwrap_or_default(),
            kelurahan: q.kelurahan.unwrap_or_default(),
            formation: q.formation_id.unwrap_or_default(),
            registration_no: q.registration_no.unwrap_or_default(),
            actor: q.actor.unwrap_or_default(),
            action: q.action.unwrap_or_default(),
            subject_type: q.subject_type.unwrap_or_default(),
            subject_id: q.subject_id.unwrap_or_default(),
            from: q.from.unwrap_or_default(),
            to: q.to.unwrap_or_default(),
            before: q.before,
            limit: q.limit,
        }
    }
}

/// One audit event exactly as stored and hashed, plus its index columns.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct EventBody {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub round_id: String,
    /// The canonical payload text, byte for byte as hashed.
    pub payload: String,
    pub reason: String,
    pub prev_hash: String,
    pub hash: String,
    pub registration_no: Option<String>,
    pub kelurahan_code: Option<String>,
}

impl From<&svc::Event> for EventBody {
    fn from(e: &svc::Event) -> Self {
        EventBody {
            seq: e.seq,
            at: e.at.clone(),
            actor: e.actor.clone(),
            actor_role: e.actor_role.clone(),
            action: e.action.clone(),
            subject_type: e.subject_type.clone(),
            subject_id: e.subject_id.clone(),
            round_id: e.round_id.clone(),
            payload: e.payload.clone(),
            reason: e.reason.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
            registration_no: e.registration_no.clone(),
            kelurahan_code: e.kelurahan_code.clone(),
        }
    }
}

/// A page of the trail, newest first.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct EventsBody {
    pub events: Vec<EventBody>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// Audit events matching the filters, newest first, by keyset pages.
#[utoipa::path(get, path = "/audit/events", tag = "audit", params(EventsQuery),
    responses((status = 200, body = EventsBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn events(
    State(app): State<AppState>,
    user: ApiUser,
    super::ApiQuery(q): super::ApiQuery<EventsQuery>,
) -> ApiResult<EventsBody> {
    svc::require_reader(user.0.role)?;
    // The README promises 1–500; a value outside is the caller's mistake,
    // said as such rather than silently clamped.
    if q.limit.is_some_and(|l| !(1..=500).contains(&l)) {
        return Err(
            crate::error::AppError::Refused(crate::domain::msg::Msg::new(
                "limit harus antara 1 dan 500.",
                "limit must be between 1 and 500.",
            ))
            .into(),
        );
    }
    let q = TrailQuery::from(q);
    let filter = q.parse()?;
    let page = svc::events(&app.db, user.0.role, &filter, q.before, q.page_size()).await?;
    Ok(Json(EventsBody {
        events: page.events.iter().map(EventBody::from).collect(),
        next_before: page.next_before,
    }))
}

/// A rank change and the event that caused it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RankChangeBody {
    /// Seq of the `ranking.changed` event.
    pub seq: i64,
    pub at: String,
    pub from_rank: i64,
    pub to_rank: i64,
    pub from_status: String,
    pub to_status: String,
    /// Exact total `p/q`.
    pub total: String,
    pub cause_seq: i64,
    pub cause: Option<EventBody>,
    /// Display name of the cause's actor, when an account.
    pub cause_actor_name: Option<String>,
}

/// An application's history.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct HistoryBody {
    pub application_id: Uuid,
    pub registration_no: Option<String>,
    /// Masked (`647201**********`); the full NIK is never shown.
    pub nik_masked: Option<String>,
    pub state: String,
    pub round_id: Uuid,
    pub formation_code: Option<String>,
    pub current_rank: Option<i32>,
    pub current_status: Option<String>,
    pub current_total: Option<String>,
    pub rank_changes: Vec<RankChangeBody>,
    /// Every event about the application, oldest first.
    pub events: Vec<EventBody>,
}

/// The history of one application (by UUID or registration number).
#[utoipa::path(get, path = "/audit/applications/{key}/history", tag = "audit",
    params(("key" = String, Path, description = "Application UUID or registration number")),
    responses((status = 200, body = HistoryBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn application_history(
    State(app): State<AppState>,
    user: ApiUser,
    Path(key): Path<String>,
) -> ApiResult<HistoryBody> {
    let h = svc::application_history(&app.db, user.0.role, &key).await?;
    let rank_changes = h
        .rank_steps()
        .map(|(e, r)| RankChangeBody {
            seq: e.seq,
            at: e.at.clone(),
            from_rank: r.from_rank,
            to_rank: r.to_rank,
            from_status: r.from_status.clone(),
            to_status: r.to_status.clone(),
            total: r.total.clone(),
            cause_seq: r.cause_seq,
            cause_actor_name: r
                .cause
                .as_ref()
                .and_then(|c| h.actors.get(&c.actor).cloned()),
            cause: r.cause.as_ref().map(EventBody::from),
        })
        .collect();
    Ok(Json(HistoryBody {
        application_id: h.application.id,
        registration_no: h.application.registration_no.clone(),
        nik_masked: h.application.nik_masked.clone(),
        state: h.application.state.to_string(),
        round_id: h.application.round_id,
        formation_code: h.application.formation.as_ref().map(|f| f.code.clone()),
        current_rank: h.current.as_ref().and_then(|r| r.rank),
        current_status: h.current.as_ref().and_then(|r| r.status.clone()),
        current_total: h.current.as_ref().and_then(|r| r.total_exact.clone()),
        rank_changes,
        events: h
            .timeline
            .iter()
            .map(|x| EventBody::from(&x.event))
            .collect(),
    }))
}

/// One submitted version of a scorecard.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct VersionBody {
    pub version: i32,
    pub submitted_at: String,
    /// Amendment reason (empty for version 1).
    pub reason: String,
    /// Criterion code → value.
    pub values: std::collections::BTreeMap<String, i32>,
    pub audit_seq: Option<i64>,
}

/// A panelist's scorecard for one application.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CardBody {
    pub registration_no: String,
    pub formation_code: String,
    pub current_version: i32,
    pub versions: Vec<VersionBody>,
}

/// A conflict declaration.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DeclarationBody {
    pub registration_no: String,
    /// `none`, `family`, `household`, `employment`, `political`, `other`; absent when not declared.
    pub kind: Option<String>,
    pub text: String,
    pub recused: bool,
    pub flags: Vec<String>,
}

/// A panelist's scorecards and declarations.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PanelistBody {
    pub id: Uuid,
    pub name: String,
    pub cards: Vec<CardBody>,
    pub declarations: Vec<DeclarationBody>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Every scorecard version (amendments with reasons) and declaration of a panelist.
#[utoipa::path(get, path = "/audit/panelists/{id}", tag = "audit", params(("id" = Uuid, Path)),
    responses((status = 200, body = PanelistBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn panelist(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<PanelistBody> {
    let p = svc::panelist_view(&app.db, user.0.role, path_id(&id)?).await?;
    Ok(Json(PanelistBody {
        id: p.id,
        name: p.name,
        cards: p
            .cards
            .into_iter()
            .map(|c| CardBody {
                registration_no: c.registration_no,
                formation_code: c.formation_code,
                current_version: c.current_version,
                versions: c
                    .versions
                    .into_iter()
                    .map(|v| VersionBody {
                        version: v.version,
                        submitted_at: rfc3339(v.submitted_at),
                        reason: v.reason,
                        values: v.values,
                        audit_seq: v.audit_seq,
                    })
                    .collect(),
            })
            .collect(),
        declarations: p
            .declarations
            .into_iter()
            .map(|d| DeclarationBody {
                registration_no: d.registration_no,
                kind: d.kind,
                text: d.text,
                recused: d.recused,
                flags: d.flags,
            })
            .collect(),
    }))
}

/// One row of the conflict matrix.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MatrixRowBody {
    pub registration_no: String,
    /// Per panelist (in `panelists` order): `nothing`, `none`, or the conflict kind.
    pub declared: Vec<String>,
    /// Per panelist: the system's flags (`same_rt`, `same_family_card`).
    pub flags: Vec<Vec<String>>,
}

/// Panelists × applicants of a formation.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MatrixBody {
    pub formation_code: String,
    pub panelists: Vec<Uuid>,
    pub rows: Vec<MatrixRowBody>,
}

/// The conflict matrix of a formation.
#[utoipa::path(get, path = "/audit/formations/{id}/conflicts", tag = "audit", params(("id" = Uuid, Path)),
    responses((status = 200, body = MatrixBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn conflicts(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<MatrixBody> {
    let m = svc::conflict_matrix(&app.db, user.0.role, path_id(&id)?).await?;
    Ok(Json(MatrixBody {
        formation_code: m.formation.code,
        panelists: m.panelists.into_iter().map(|(id, _)| id).collect(),
        rows: m
            .rows
            .into_iter()
            .map(|(_, no, cells)| MatrixRowBody {
                registration_no: no,
                declared: cells
                    .iter()
                    .map(|c| match &c.declared {
                        Declared::Nothing => "nothing".to_owned(),
                        Declared::NoConflict => "none".to_owned(),
                        Declared::Conflict(k) => k.clone(),
                    })
                    .collect(),
                flags: cells.into_iter().map(|c| c.flags).collect(),
            })
            .collect(),
    }))
}

/// One panelist's statistics; exact values as `p/q`, rounded ones beside them.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PanelistStatsBody {
    pub panelist_id: String,
    pub name: String,
    pub scored: usize,
    pub compared: usize,
    pub mean_deviation: Option<String>,
    pub mean_deviation_rounded: Option<String>,
    pub mean_abs_deviation: Option<String>,
    pub mean_abs_deviation_rounded: Option<String>,
    pub spread: Option<String>,
    pub spread_rounded: Option<String>,
    pub amendments: usize,
    pub amendments_changing_selection: usize,
    pub flagged: bool,
}

/// The analytics of one formation.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FormationAnalyticsBody {
    pub formation_id: Uuid,
    pub formation_code: String,
    pub agreement_pairs: usize,
    pub agreement_agreeing: usize,
    /// Agreeing share `p/q` (0–1).
    pub agreement: Option<String>,
    pub panelists: Vec<PanelistStatsBody>,
}

/// The panel analytics of a round.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AnalyticsBody {
    pub round_id: Uuid,
    /// Mean absolute deviation (points of the 0–100 scale) from which a panelist is flagged.
    pub flag_threshold_points: i64,
    pub formations: Vec<FormationAnalyticsBody>,
}

/// Per formation: panelists' deviation, spread, amendments and the panel's agreement.
#[utoipa::path(get, path = "/audit/rounds/{id}/analytics", tag = "audit", params(("id" = Uuid, Path)),
    responses((status = 200, body = AnalyticsBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn round_analytics(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> ApiResult<AnalyticsBody> {
    let a = analytics::round_analytics(&app.db, user.0.role, path_id(&id)?, None).await?;
    let exact = |r: Option<&crate::domain::analytics::Ratio>| r.map(format_fraction);
    let rounded = |r: Option<&crate::domain::analytics::Ratio>| r.map(format_1dp);
    Ok(Json(AnalyticsBody {
        round_id: a.round.id,
        flag_threshold_points: crate::domain::analytics::FLAG_THRESHOLD_PP,
        formations: a
            .formations
            .iter()
            .map(|f| FormationAnalyticsBody {
                formation_id: f.formation.id,
                formation_code: f.formation.code.clone(),
                agreement_pairs: f.agreement.pairs,
                agreement_agreeing: f.agreement.agreeing,
                agreement: f.agreement.rate().as_ref().map(format_fraction),
                panelists: f
                    .panelists
                    .iter()
                    .map(|p| PanelistStatsBody {
                        panelist_id: p.id.clone(),
                        name: p.name.clone(),
                        scored: p.stats.scored,
                        compared: p.stats.compared,
                        mean_deviation: exact(p.stats.mean_deviation.as_ref()),
                        mean_deviation_rounded: rounded(p.stats.mean_deviation.as_ref()),
                        mean_abs_deviation: exact(p.stats.mean_abs_deviation.as_ref()),
                        mean_abs_deviation_rounded: rounded(p.stats.mean_abs_deviation.as_ref()),
                        spread: exact(p.stats.spread.as_ref()),
                        spread_rounded: rounded(p.stats.spread.as_ref()),
                        amendments: p.amendments.amendments,
                        amendments_changing_selection: p.amendments.changed_selection,
                        flagged: p.stats.flagged,
                    })
                    .collect(),
            })
            .collect(),
    }))
}
