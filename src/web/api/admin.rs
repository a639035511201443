//! Admin and operator API: rounds, verification, staff, panels.
//!
//! Every handler authorizes exactly like its HTML twin (same role check, same
//! kelurahan scope) and then calls the SAME service function the HTML handler
//! calls — one use case, one transaction with its audit events. Input is
//! mapped onto the service's own form parser, so no rule is repeated here.
//!
//! CSRF: JSON POST/PUT need no CSRF token. No CORS headers are ever sent and a
//! cross-site page cannot send `Content-Type: application/json` without a
//! preflight, which fails; [`ApiJson`] therefore insists on that content type
//! (anything else is refused with 415 before the handler runs).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::ApiError;
use crate::app::AppState;
use crate::domain::role::Role;
use crate::domain::round::{Milestone, Msg, RoundState};
use crate::error::AppError;
use crate::mail::Mailbox;
use crate::services::ServiceError;
use crate::services::panels::{self, SessionForm};
use crate::services::rounds::{self as svc, FieldErrors, FormData, RoundError, RoundSettings};
use crate::services::self_service::MailCtx;
use crate::services::staff::{self, Invite};
use crate::services::verification::{self, Decision, Staff, VerifyError};
use crate::web::CurrentUser;

/// Tags of this part of the document.
#[derive(OpenApi)]
#[openapi(tags(
    (name = "admin", description = "City programme officers (role admin); session cookie"),
    (name = "operator", description = "Kelurahan help-desk officers, within their kelurahan; session cookie"),
))]
struct AdminDoc;

/// The admin and operator routes with their descriptions.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(AdminDoc::openapi())
        .routes(routes!(rounds_list, round_create))
        .routes(routes!(round_get, round_update))
        .routes(routes!(round_criteria))
        .routes(routes!(round_transition))
        .routes(routes!(formations_generate))
        .routes(routes!(formations_seats))
        .routes(routes!(verification_queue))
        .routes(routes!(verification_application))
        .routes(routes!(verification_document))
        .routes(routes!(verification_record))
        .routes(routes!(change_request))
        .routes(routes!(approvals_list))
        .routes(routes!(approval_decide))
        .routes(routes!(staff_list, staff_invite))
        .routes(routes!(staff_scopes))
        .routes(routes!(staff_deactivate))
        .routes(routes!(staff_reactivate))
        .routes(routes!(panels_list, panel_create))
        .routes(routes!(panel_member_add))
        .routes(routes!(panel_formations))
        .routes(routes!(sessions_list, session_create))
        .routes(routes!(session_fill))
        .routes(routes!(invitation_attendance))
        .routes(routes!(round_requirements))
        .routes(routes!(formation_add))
        .routes(routes!(formation_delete))
        .routes(routes!(formations_import))
        .routes(routes!(formations_export))
        .routes(routes!(panel_member_remove))
        .routes(routes!(invitation_move))
        .routes(routes!(absence_decide))
        .routes(routes!(round_template))
        .routes(routes!(kelurahan_rts))
        .routes(routes!(round_dashboard))
}

// ---------------------------------------------------------------------------
// Errors, session and body extractors
// ---------------------------------------------------------------------------

/// An error body that may name the fields at fault
/// (`{error, message, fields?: {field: message}}`).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct InvalidBody {
    /// `invalid` (422), `conflict` (409), `unsupported_media_type` (415), `bad_request` (400).
    pub error: &'static str,
    /// A message for people, in Bahasa Indonesia.
    pub message: String,
    /// Field → message, for input that breaks a rule.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

/// Errors of the admin API: the shared cases plus refusals with a reason.
pub enum AdminError {
    /// 401/403/404/500 and friends, as in the rest of the API.
    App(AppError),
    /// 422: input breaks a rule (message per field).
    Invalid(FieldErrors),
    /// 409: the action is not possible in the current state (reason given).
    Conflict(Msg),
    /// 400/415/422 from reading the body.
    Body(StatusCode, &'static str, String),
}

impl<E: Into<AppError>> From<E> for AdminError {
    fn from(e: E) -> Self {
        AdminError::App(e.into())
    }
}

/// Refusals of round use cases: field errors are 422, a refusal of the form as
/// a whole (the round is frozen, a transition out of order) is 409.
fn round_err(e: RoundError) -> AdminError {
    match e {
        RoundError::Invalid(errs) if errs.keys().all(String::is_empty) => {
            let join =
                |pick: fn(&Msg) -> &str| errs.values().map(pick).collect::<Vec<_>>().join(" ");
            AdminError::Conflict(Msg::new(join(|m| &m.id), join(|m| &m.en)))
        }
        RoundError::Invalid(errs) => AdminError::Invalid(errs),
        other => AdminError::App(other.into()),
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let (status, error, message, fields) = match self {
            AdminError::App(e) => return ApiError(e).into_response(),
            AdminError::Invalid(errs) => {
                let message = errs
                    .values()
                    .map(super::lang::pick)
                    .collect::<Vec<_>>()
                    .join(" ");
                let fields = errs
                    .into_iter()
                    .filter(|(k, _)| !k.is_empty())
                    .map(|(k, m)| (k, super::lang::pick(&m)))
                    .collect();
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid", message, fields)
            }
            AdminError::Conflict(m) => (
                StatusCode::CONFLICT,
                "conflict",
                super::lang::pick(&m),
                BTreeMap::new(),
            ),
            AdminError::Body(s, e, m) => (s, e, m, BTreeMap::new()),
        };
        (
            status,
            Json(InvalidBody {
                error,
                message,
                fields,
            }),
        )
            .into_response()
    }
}

type AdminResult<T> = Result<Json<T>, AdminError>;

/// The signed-in account, refusing with a JSON 401 when there is none.
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        CurrentUser::from_request_parts(parts, state)
            .await
            .map(ApiUser)
            .map_err(ApiError)
    }
}

/// The signed-in account when it is an admin. An extractor of the request
/// head, so the role is judged before the body is read: an applicant posting
/// a malformed round gets 403, never a 422 that describes the admin form.
pub struct AdminUser(pub CurrentUser);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(ApiError)?;
        user.require(&[Role::Admin]).map_err(ApiError)?;
        Ok(AdminUser(user))
    }
}

/// A JSON body; requires `Content-Type: application/json` (see the module
/// comment on CSRF) and answers every refusal as JSON.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AdminError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(t)) => Ok(ApiJson(t)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AdminError::Body(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Kirim isi permintaan sebagai application/json.".into(),
            )),
            Err(e @ JsonRejection::JsonDataError(_)) => Err(AdminError::Body(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                e.body_text(),
            )),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AdminError::Body(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Isi permintaan terlalu besar.".into(),
            )),
            Err(e) => Err(AdminError::Body(
                StatusCode::BAD_REQUEST,
                "bad_request",
                e.body_text(),
            )),
        }
    }
}

fn rfc3339(t: Option<OffsetDateTime>) -> Option<String> {
    t.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
}

fn put(f: &mut FormData, k: impl Into<String>, v: impl ToString) {
    f.0.insert(k.into(), v.to_string());
}

fn put_opt<V: ToString>(f: &mut FormData, k: impl Into<String>, v: Option<V>) {
    if let Some(v) = v {
        put(f, k, v);
    }
}

// ---------------------------------------------------------------------------
// Rounds
// ---------------------------------------------------------------------------

/// A round as admins see it (any state).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AdminRound {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub year: i32,
    /// `draft`, `registration`, `verification`, `assessment`, `provisional`, `objection`, `final` or `cancelled`.
    pub state: String,
}

/// One criterion of a round.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CriterionBody {
    /// Up to 16 letters, digits or `_`.
    pub code: String,
    pub name_id: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub description_id: String,
    #[serde(default)]
    pub description_en: String,
    /// `panel` (scored by the panel) or `imported`.
    #[serde(default)]
    pub kind: String,
    pub scale_min: i32,
    pub scale_max: i32,
    /// Percent; the weights of a round sum to 100.
    pub weight: i32,
    #[serde(default)]
    pub pass_min: Option<i32>,
    #[serde(default)]
    pub tiebreak_order: Option<i32>,
    /// Point labels, one line per point: `point = Indonesian text | English text` (as on the HTML form).
    #[serde(default)]
    pub labels: String,
}

/// One requirement of a round.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RequirementItem {
    pub code: String,
    pub kind: String,
    pub text_id: String,
    pub text_en: String,
    pub mandatory: bool,
    pub params: Option<String>,
}

/// One formation with its RTs.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FormationItem {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kelurahan_code: String,
    pub kelurahan_name: String,
    pub all_rts: bool,
    pub rts: Vec<i32>,
    pub seats: i32,
    pub reserve: i32,
}

/// A round with its settings, schedule, criteria, requirements and formations.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RoundDetailBody {
    #[serde(flatten)]
    pub round: AdminRound,
    pub description_id: String,
    pub description_en: String,
    /// `mean` or `trimmed_mean`.
    pub aggregation: String,
    pub passing_total: Option<i32>,
    pub min_panelists: i32,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    /// Public results name every ranked applicant (a frozen rule; default
    /// false: only the selected and the reserve are named).
    pub publish_all_names: bool,
    /// Milestone field → RFC 3339 instant.
    pub schedule: BTreeMap<String, Option<String>>,
    pub frozen_hash: Option<String>,
    pub criteria: Vec<CriterionBody>,
    pub requirements: Vec<RequirementItem>,
    pub formations: Vec<FormationItem>,
}

fn round_summary(r: &crate::services::rounds::Round) -> AdminRound {
    AdminRound {
        id: r.id,
        slug: r.slug.clone(),
        name: r.name.clone(),
        year: r.year,
        state: r.state.to_string(),
    }
}

fn detail_body(d: svc::RoundDetail) -> RoundDetailBody {
    let schedule = svc::schedule_of(&d.round);
    let r = &d.round;
    RoundDetailBody {
        round: round_summary(r),
        description_id: r.description_id.clone(),
        description_en: r.description_en.clone(),
        aggregation: r.aggregation.clone(),
        passing_total: r.passing_total,
        min_panelists: r.min_panelists,
        age_min: r.age_min,
        age_max: r.age_max,
        publish_all_names: r.publish_all_names,
        schedule: Milestone::ALL
            .iter()
            .map(|m| (m.field().to_owned(), rfc3339(schedule.get(*m))))
            .collect(),
        frozen_hash: r.frozen_hash.clone(),
        criteria: d
            .criteria
            .iter()
            .map(|c| CriterionBody {
                code: c.code.clone(),
                name_id: c.name_id.clone(),
                name_en: c.name_en.clone(),
                description_id: c.description_id.clone(),
                description_en: c.description_en.clone(),
                kind: c.kind.clone(),
                scale_min: c.scale_min,
                scale_max: c.scale_max,
                weight: c.weight,
                pass_min: c.pass_min,
                tiebreak_order: c.tiebreak_order,
                labels: crate::domain::round::format_scale_labels(
                    &crate::domain::round::scale_labels_from_json(&c.scale_labels),
                ),
            })
            .collect(),
        requirements: d
            .requirements
            .iter()
            .map(|q| RequirementItem {
                code: q.code.clone(),
                kind: q.kind.clone(),
                text_id: q.text_id.clone(),
                text_en: q.text_en.clone(),
                mandatory: q.mandatory,
                params: q.params.clone(),
            })
            .collect(),
        formations: d
            .formations
            .into_iter()
            .map(|f| FormationItem {
                id: f.model.id,
                code: f.model.code,
                name: f.model.name,
                kelurahan_code: f.model.kelurahan_code,
                kelurahan_name: f.kelurahan_name,
                all_rts: f.model.all_rts,
                rts: f.rts,
                seats: f.model.seats,
                reserve: f.model.reserve,
            })
            .collect(),
    }
}

fn parse_id(raw: &str) -> Result<Uuid, AdminError> {
    raw.parse().map_err(|_| AdminError::App(AppError::NotFound))
}

/// Rounds in every state, newest first.
#[utoipa::path(get, path = "/admin/rounds", tag = "admin",
    responses((status = 200, body = Vec<AdminRound>), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn rounds_list(
    State(app): State<AppState>,
    _admin: AdminUser,
) -> AdminResult<Vec<AdminRound>> {
    let rows = svc::list(&app.db).await.map_err(round_err)?;
    Ok(Json(rows.iter().map(round_summary).collect()))
}

/// Settings and schedule of a round. Milestones are local Samarinda time
/// (WITA) as `YYYY-MM-DDTHH:MM`, like the HTML form's `datetime-local` fields.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct SettingsBody {
    pub name: String,
    pub year: i32,
    #[serde(default)]
    pub description_id: String,
    #[serde(default)]
    pub description_en: String,
    /// `mean` (default) or `trimmed_mean`.
    #[serde(default)]
    pub aggregation: Option<String>,
    #[serde(default)]
    pub passing_total: Option<i32>,
    #[serde(default)]
    pub min_panelists: Option<i32>,
    #[serde(default)]
    pub age_min: Option<i32>,
    #[serde(default)]
    pub age_max: Option<i32>,
    /// Name every ranked applicant in the public results (default false).
    #[serde(default)]
    pub publish_all_names: bool,
    /// Milestone field (`registration_opens_at` … `final_at`) → WITA time.
    #[serde(default)]
    pub schedule: BTreeMap<String, String>,
    /// Repeating a create with the same key returns the first round.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

impl SettingsBody {
    fn form(&self) -> FormData {
        let mut f = FormData::default();
        put(&mut f, "name", &self.name);
        put(&mut f, "year", self.year);
        put(&mut f, "description_id", &self.description_id);
        put(&mut f, "description_en", &self.description_en);
        put_opt(&mut f, "aggregation", self.aggregation.as_ref());
        put_opt(&mut f, "passing_total", self.passing_total);
        put_opt(&mut f, "min_panelists", self.min_panelists);
        put_opt(&mut f, "age_min", self.age_min);
        put_opt(&mut f, "age_max", self.age_max);
        if self.publish_all_names {
            put(&mut f, "publish_all_names", "on");
        }
        for m in Milestone::ALL {
            put_opt(&mut f, m.field(), self.schedule.get(m.field()));
        }
        f
    }
}

/// Creates a draft round (`round.created`); answers 201 with the round.
#[utoipa::path(post, path = "/admin/rounds", tag = "admin", request_body = SettingsBody,
    responses((status = 201, body = RoundDetailBody), (status = 422, body = InvalidBody), (status = 403, body = super::ErrorBody)))]
pub async fn round_create(
    State(app): State<AppState>,
    user: AdminUser,
    ApiJson(body): ApiJson<SettingsBody>,
) -> Result<(StatusCode, Json<RoundDetailBody>), AdminError> {
    let s = RoundSettings::parse(&body.form()).map_err(AdminError::Invalid)?;
    let id = svc::create_round(&app.db, user.0.actor(), &s, body.idempotency_key.as_deref())
        .await
        .map_err(round_err)?;
    let d = svc::load(&app.db, id).await.map_err(round_err)?;
    Ok((StatusCode::CREATED, Json(detail_body(d))))
}

/// A round with schedule, criteria, requirements and formations.
#[utoipa::path(get, path = "/admin/rounds/{id}", tag = "admin", params(("id" = Uuid, Path)),
    responses((status = 200, body = RoundDetailBody), (status = 404, body = super::ErrorBody)))]
pub async fn round_get(
    State(app): State<AppState>,
    _admin: AdminUser,
    Path(id): Path<String>,
) -> AdminResult<RoundDetailBody> {
    let d = svc::load(&app.db, parse_id(&id)?)
        .await
        .map_err(round_err)?;
    Ok(Json(detail_body(d)))
}

/// Replaces the settings and schedule of a draft round (`round.updated`).
#[utoipa::path(put, path = "/admin/rounds/{id}", tag = "admin", params(("id" = Uuid, Path)), request_body = SettingsBody,
    responses((status = 200, body = RoundDetailBody), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn round_update(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SettingsBody>,
) -> AdminResult<RoundDetailBody> {
    let id = parse_id(&id)?;
    let s = RoundSettings::parse(&body.form()).map_err(AdminError::Invalid)?;
    svc::update_round(&app.db, user.0.actor(), id, &s)
        .await
        .map_err(round_err)?;
    let d = svc::load(&app.db, id).await.map_err(round_err)?;
    Ok(Json(detail_body(d)))
}

/// Replaces all criteria of a draft round at once (`criteria.updated`); the
/// weights must sum to 100 (otherwise 422 and nothing changes).
#[utoipa::path(put, path = "/admin/rounds/{id}/criteria", tag = "admin", params(("id" = Uuid, Path)),
    request_body = Vec<CriterionBody>,
    responses((status = 200, body = RoundDetailBody), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn round_criteria(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(rows): ApiJson<Vec<CriterionBody>>,
) -> AdminResult<RoundDetailBody> {
    let id = parse_id(&id)?;
    if rows.len() > svc::MAX_ROWS {
        return Err(AdminError::Body(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("Paling banyak {} kriteria.", svc::MAX_ROWS),
        ));
    }
    let mut f = FormData::default();
    for (i, c) in rows.iter().enumerate() {
        let k = |n: &str| format!("c{i}_{n}");
        put(&mut f, k("code"), &c.code);
        put(&mut f, k("name_id"), &c.name_id);
        put(&mut f, k("name_en"), &c.name_en);
        put(&mut f, k("description_id"), &c.description_id);
        put(&mut f, k("description_en"), &c.description_en);
        put(&mut f, k("kind"), &c.kind);
        put(&mut f, k("scale_min"), c.scale_min);
        put(&mut f, k("scale_max"), c.scale_max);
        put(&mut f, k("weight"), c.weight);
        put_opt(&mut f, k("pass_min"), c.pass_min);
        put_opt(&mut f, k("tiebreak_order"), c.tiebreak_order);
        put(&mut f, k("labels"), &c.labels);
    }
    let drafts = svc::parse_criteria(&f).map_err(|errs| {
        // `c3_weight` (the HTML field) → `criteria[3].weight` (the JSON path).
        let renamed = errs
            .into_iter()
            .map(|(k, m)| {
                let json_key = k
                    .strip_prefix('c')
                    .and_then(|rest| rest.split_once('_'))
                    .filter(|(i, _)| i.parse::<usize>().is_ok())
                    .map_or_else(|| k.clone(), |(i, n)| format!("criteria[{i}].{n}"));
                (json_key, m)
            })
            .collect();
        AdminError::Invalid(renamed)
    })?;
    svc::set_criteria(&app.db, user.0.actor(), id, &drafts)
        .await
        .map_err(round_err)?;
    let d = svc::load(&app.db, id).await.map_err(round_err)?;
    Ok(Json(detail_body(d)))
}

/// A state transition.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct TransitionBody {
    /// The next state, e.g. `registration`.
    pub to: String,
    /// Required (5+ characters) when cancelling.
    #[serde(default)]
    pub reason: String,
}

/// One step of the round's state machine, checked against the schedule;
/// opening registration freezes the rules. A refusal is 409 with the reason.
#[utoipa::path(post, path = "/admin/rounds/{id}/transition", tag = "admin", params(("id" = Uuid, Path)),
    request_body = TransitionBody,
    responses((status = 200, body = RoundDetailBody), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn round_transition(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TransitionBody>,
) -> AdminResult<RoundDetailBody> {
    let id = parse_id(&id)?;
    let Some(to) = RoundState::parse(body.to.trim()) else {
        let mut e = FieldErrors::new();
        e.insert(
            "to".into(),
            crate::domain::round::Msg::new("Status tidak dikenal.", "Unknown state."),
        );
        return Err(AdminError::Invalid(e));
    };
    let from = mailbox(&app)?;
    let mail = MailCtx {
        base_url: &app.config.base_url,
        from: &from,
    };
    svc::transition_mailing(
        &app.db,
        &app.checkpoint_key,
        Some(&mail),
        user.0.actor(),
        id,
        to,
        &body.reason,
        OffsetDateTime::now_utc(),
    )
    .await
    .map_err(round_err)?;
    let d = svc::load(&app.db, id).await.map_err(round_err)?;
    Ok(Json(detail_body(d)))
}

/// Generates whole-kelurahan formations.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct GenerateBody {
    /// A kecamatan code, or empty for the whole city.
    #[serde(default)]
    pub kecamatan: String,
    pub seats: i32,
    #[serde(default)]
    pub reserve: i32,
}

/// What generating formations did.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct GenerateReportBody {
    /// Codes of the formations created.
    pub created: Vec<String>,
    /// Kelurahan already covered by a formation.
    pub already_covered: Vec<String>,
    /// Kelurahan skipped because they have no RT rows: code.
    pub without_rts: Vec<String>,
}

/// One whole-kelurahan formation per kelurahan of a kecamatan (or the city)
/// that has RTs and is not yet covered (`formations.generated`).
#[utoipa::path(post, path = "/admin/rounds/{id}/formations/generate", tag = "admin", params(("id" = Uuid, Path)),
    request_body = GenerateBody,
    responses((status = 200, body = GenerateReportBody), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn formations_generate(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<GenerateBody>,
) -> AdminResult<GenerateReportBody> {
    let id = parse_id(&id)?;
    let report = svc::generate_formations(
        &app.db,
        user.0.actor(),
        id,
        body.kecamatan.trim(),
        body.seats,
        body.reserve,
    )
    .await
    .map_err(round_err)?;
    Ok(Json(GenerateReportBody {
        created: report.created,
        already_covered: report.already_covered,
        without_rts: report.without_rts.into_iter().map(|(c, _, _)| c).collect(),
    }))
}

/// Seats and reserve of one formation.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct SeatsItem {
    pub formation_id: Uuid,
    pub seats: i32,
    pub reserve: i32,
}

/// How many formations changed.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ChangedBody {
    pub changed: usize,
}

/// Sets seats and reserve of many formations at once (`formations.seats_updated`).
#[utoipa::path(put, path = "/admin/rounds/{id}/formations/seats", tag = "admin", params(("id" = Uuid, Path)),
    request_body = Vec<SeatsItem>,
    responses((status = 200, body = ChangedBody), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn formations_seats(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(items): ApiJson<Vec<SeatsItem>>,
) -> AdminResult<ChangedBody> {
    let id = parse_id(&id)?;
    let mut f = FormData::default();
    for s in &items {
        put(&mut f, format!("seats_{}", s.formation_id), s.seats);
        put(&mut f, format!("reserve_{}", s.formation_id), s.reserve);
    }
    let changed = svc::update_seats(&app.db, user.0.actor(), id, &f)
        .await
        .map_err(round_err)?;
    Ok(Json(ChangedBody { changed }))
}

// ---------------------------------------------------------------------------
// Verification (operators in their kelurahan, admins everywhere)
// ---------------------------------------------------------------------------

/// Refusals of verification and staff use cases: `Invalid` is 422, `Conflict` 409.
pub(super) fn service_err(e: ServiceError) -> AdminError {
    match e {
        ServiceError::Invalid(m) => {
            let mut errs = FieldErrors::new();
            errs.insert(String::new(), m);
            AdminError::Invalid(errs)
        }
        ServiceError::Conflict(m) => AdminError::Conflict(m),
        other => AdminError::App(other.into()),
    }
}

fn verify_err(e: VerifyError) -> AdminError {
    match e {
        VerifyError::Invalid(errs) => AdminError::Invalid(
            errs.into_iter()
                .map(|(k, m)| (k, Msg::new(m.clone(), m)))
                .collect(),
        ),
        VerifyError::Service(e) => service_err(e),
    }
}

/// The verification actor, exactly as the HTML builds it (operators and admins).
fn staff_of(user: &CurrentUser) -> Result<Staff, AdminError> {
    user.require(&[Role::Operator, Role::Admin])?;
    Ok(Staff {
        id: user.id,
        role: user.role,
        scopes: user.scopes.clone(),
    })
}

fn mailbox(app: &AppState) -> Result<Mailbox, AdminError> {
    app.config
        .mail_from
        .parse::<Mailbox>()
        .map_err(|e| AdminError::App(AppError::Internal(anyhow::anyhow!("POKMAS_MAIL_FROM: {e}"))))
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
    responses((status = 200, body = Vec<QueueRound>), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn verification_queue(
    State(app): State<AppState>,
    user: ApiUser,
    super::ApiQuery(f): super::ApiQuery<QueueFilter>,
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
    responses((status = 200, body = VerificationApplication), (status = 404, body = super::ErrorBody)))]
pub async fn verification_application(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> AdminResult<VerificationApplication> {
    let staff = staff_of(&user.0)?;
    let v = verification::open(&app.db, &staff, parse_id(&id)?)
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
                    outcome: c.outcome,
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
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
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
    pub outcome: String,
    /// Required for TMS: `unreadable`, `mismatch`, `expired`, `age`, `domicile` or `other`.
    #[serde(default)]
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
    responses((status = 200, body = VerifiedBody), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody), (status = 404, body = super::ErrorBody)))]
pub async fn verification_record(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VerifyBody>,
) -> AdminResult<VerifiedBody> {
    let staff = staff_of(&user.0)?;
    let id = parse_id(&id)?;
    let list = decisions(&body.decisions)?;
    let from = mailbox(&app)?;
    let eligible = verification::verify(&app.db, &from, &staff, id, &list, super::lang::current())
        .await
        .map_err(verify_err)?;
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
    responses((status = 201, body = ApprovalCreated), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn change_request(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChangeBody>,
) -> Result<(StatusCode, Json<ApprovalCreated>), AdminError> {
    let staff = staff_of(&user.0)?;
    let id = parse_id(&id)?;
    let list = decisions(&body.decisions)?;
    let approval_id = verification::request_change(
        &app.db,
        &staff,
        id,
        &list,
        &body.reason,
        super::lang::current(),
    )
    .await
    .map_err(verify_err)?;
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
    responses((status = 200, body = Vec<ApprovalItem>), (status = 403, body = super::ErrorBody)))]
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
    responses((status = 200, body = DecidedBody), (status = 403, body = super::ErrorBody), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
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
    verification::decide(
        &app.db,
        &mailbox(&app)?,
        &staff,
        parse_id(&id)?,
        approve,
        &body.note,
    )
    .await
    .map_err(service_err)?;
    Ok(Json(DecidedBody { approved: approve }))
}

// ---------------------------------------------------------------------------
// Staff accounts (admin)
// ---------------------------------------------------------------------------

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
    responses((status = 200, body = Vec<StaffItem>), (status = 403, body = super::ErrorBody)))]
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
                status: r.status,
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

/// The id of a created account.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CreatedId {
    pub id: Uuid,
}

/// Invites a staff member (`account.invited`, invitation mailed in the same
/// transaction). 409 when the address already has an account.
#[utoipa::path(post, path = "/admin/staff", tag = "admin", request_body = InviteBody,
    responses((status = 201, body = CreatedId), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
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
    let from = mailbox(&app)?;
    let mail = MailCtx {
        base_url: app.config.base_url.trim_end_matches('/'),
        from: &from,
    };
    let id = staff::invite(&app.db, mail, user.0.actor(), inv, super::lang::current())
        .await
        .map_err(service_err)?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
}

/// The kelurahan an operator or panelist acts in.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ScopesBody {
    pub kelurahan: Vec<String>,
}

/// An empty answer to a successful action.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Done {
    pub ok: bool,
}

/// Replaces an account's kelurahan (`account.scopes_changed`).
#[utoipa::path(put, path = "/admin/staff/{id}/kelurahan", tag = "admin", params(("id" = Uuid, Path)),
    request_body = ScopesBody,
    responses((status = 200, body = Done), (status = 404, body = super::ErrorBody), (status = 422, body = InvalidBody)))]
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
        super::lang::current(),
    )
    .await
    .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

/// Why an account is deactivated.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct DeactivateBody {
    #[serde(default)]
    pub reason: String,
}

/// Deactivates a staff account and signs it out everywhere
/// (`account.deactivated`); never one's own account (403).
#[utoipa::path(post, path = "/admin/staff/{id}/deactivate", tag = "admin", params(("id" = Uuid, Path)),
    request_body = DeactivateBody,
    responses((status = 200, body = Done), (status = 403, body = super::ErrorBody), (status = 409, body = InvalidBody)))]
pub async fn staff_deactivate(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DeactivateBody>,
) -> AdminResult<Done> {
    staff::deactivate(&app.db, user.0.actor(), parse_id(&id)?, body.reason.trim())
        .await
        .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

/// Reactivates a deactivated staff account (`account.reactivated`).
#[utoipa::path(post, path = "/admin/staff/{id}/reactivate", tag = "admin", params(("id" = Uuid, Path)),
    request_body = DeactivateBody,
    responses((status = 200, body = Done), (status = 404, body = super::ErrorBody), (status = 409, body = InvalidBody)))]
pub async fn staff_reactivate(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(_body): ApiJson<DeactivateBody>,
) -> AdminResult<Done> {
    staff::reactivate(&app.db, user.0.actor(), parse_id(&id)?)
        .await
        .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

// ---------------------------------------------------------------------------
// Panels and the test schedule (admin)
// ---------------------------------------------------------------------------

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
    responses((status = 200, body = Vec<PanelItem>), (status = 404, body = super::ErrorBody)))]
pub async fn panels_list(
    State(app): State<AppState>,
    _admin: AdminUser,
    Path(id): Path<String>,
) -> AdminResult<Vec<PanelItem>> {
    let o = panels::panels_overview(&app.db, parse_id(&id)?)
        .await
        .map_err(round_err)?;
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
    pub name: String,
    /// Repeating a create with the same key returns the first panel.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Creates a panel (`panel.created`).
#[utoipa::path(post, path = "/admin/rounds/{id}/panels", tag = "admin", params(("id" = Uuid, Path)),
    request_body = PanelBody,
    responses((status = 201, body = CreatedId), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
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
    .map_err(round_err)?;
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
    responses((status = 200, body = Done), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
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
    .map_err(round_err)?;
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
    responses((status = 200, body = Done), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
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
    .map_err(round_err)?;
    Ok(Json(Done { ok: true }))
}

/// A test session, in local Samarinda time (WITA).
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct SessionBody {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`, default `08:00`.
    #[serde(default)]
    pub time: String,
    pub place: String,
    pub capacity: i32,
    pub panel_id: Uuid,
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Schedules a fit & proper test session (`test_session.created`).
#[utoipa::path(post, path = "/admin/rounds/{id}/sessions", tag = "admin", params(("id" = Uuid, Path)),
    request_body = SessionBody,
    responses((status = 201, body = CreatedId), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn session_create(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SessionBody>,
) -> Result<(StatusCode, Json<CreatedId>), AdminError> {
    let id = parse_id(&id)?;
    let mut f = FormData::default();
    put(&mut f, "date", &body.date);
    put(&mut f, "time", &body.time);
    put(&mut f, "place", &body.place);
    put(&mut f, "capacity", body.capacity);
    put(&mut f, "panel", body.panel_id);
    let s = SessionForm::parse(&f, OffsetDateTime::now_utc()).map_err(AdminError::Invalid)?;
    let sid = panels::create_session(
        &app.db,
        user.0.actor(),
        id,
        &s,
        body.idempotency_key.as_deref(),
    )
    .await
    .map_err(round_err)?;
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
    responses((status = 200, body = ScheduleBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn sessions_list(
    State(app): State<AppState>,
    _admin: AdminUser,
    Path(id): Path<String>,
) -> AdminResult<ScheduleBody> {
    let o = panels::schedule_overview(&app.db, parse_id(&id)?)
        .await
        .map_err(round_err)?;
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
    responses((status = 200, body = InvitedBody), (status = 409, body = InvalidBody)))]
pub async fn session_fill(
    State(app): State<AppState>,
    user: AdminUser,
    Path((id, sid)): Path<(String, String)>,
    ApiJson(_body): ApiJson<EmptyBody>,
) -> AdminResult<InvitedBody> {
    let from = mailbox(&app)?;
    let invited = panels::auto_fill(
        &app.db,
        user.0.actor(),
        &from,
        parse_id(&id)?,
        parse_id(&sid)?,
    )
    .await
    .map_err(round_err)?;
    Ok(Json(InvitedBody { invited }))
}

/// Attendance at a test session.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct AttendanceBody {
    /// `present` or `absent`.
    pub attendance: String,
    /// Why a recorded absence becomes a presence (required then; kept in the
    /// audit trail).
    #[serde(default)]
    pub reason: String,
}

/// Records whether an invited applicant came.
#[utoipa::path(post, path = "/admin/rounds/{id}/invitations/{invitation}/attendance", tag = "admin",
    params(("id" = Uuid, Path), ("invitation" = Uuid, Path)), request_body = AttendanceBody,
    responses((status = 200, body = Done), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
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
    .map_err(round_err)?;
    Ok(Json(Done { ok: true }))
}

// ---------------------------------------------------------------------------
// The remaining admin actions of the HTML pages, through the same services
// ---------------------------------------------------------------------------

/// One requirement of a round.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct RequirementInput {
    pub code: String,
    /// `document`, `declaration`, `age` or `domicile`.
    pub kind: String,
    pub text_id: String,
    pub text_en: String,
    #[serde(default)]
    pub mandatory: bool,
}

/// Replaces a draft round's requirements (`requirements.updated`).
#[utoipa::path(put, path = "/admin/rounds/{id}/requirements", tag = "admin", params(("id" = Uuid, Path)),
    request_body = Vec<RequirementInput>,
    responses((status = 200, body = Done), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn round_requirements(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(items): ApiJson<Vec<RequirementInput>>,
) -> AdminResult<Done> {
    let id = parse_id(&id)?;
    let mut f = FormData::default();
    for (i, r) in items.iter().enumerate() {
        put(&mut f, format!("r{i}_code"), &r.code);
        put(&mut f, format!("r{i}_kind"), &r.kind);
        put(&mut f, format!("r{i}_text_id"), &r.text_id);
        put(&mut f, format!("r{i}_text_en"), &r.text_en);
        if r.mandatory {
            put(&mut f, format!("r{i}_mandatory"), "1");
        }
    }
    let rows = svc::parse_requirements(&f).map_err(AdminError::Invalid)?;
    svc::set_requirements(&app.db, user.0.actor(), id, &rows)
        .await
        .map_err(round_err)?;
    Ok(Json(Done { ok: true }))
}

/// A formation to add: the whole kelurahan (`rts` = `all`) or RT numbers joined by `;`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct FormationBody {
    pub code: String,
    pub name: String,
    pub kelurahan_code: String,
    pub rts: String,
    pub seats: i64,
    #[serde(default)]
    pub reserve: Option<i64>,
}

/// The id of something created.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IdBody {
    pub id: Uuid,
}

/// Adds one formation to a draft round (`formation.created`); overlaps are refused.
#[utoipa::path(post, path = "/admin/rounds/{id}/formations", tag = "admin", params(("id" = Uuid, Path)),
    request_body = FormationBody,
    responses((status = 200, body = IdBody), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn formation_add(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<FormationBody>,
) -> AdminResult<IdBody> {
    let id = parse_id(&id)?;
    let mut f = FormData::default();
    put(&mut f, "code", &b.code);
    put(&mut f, "name", &b.name);
    put(&mut f, "kelurahan_code", &b.kelurahan_code);
    put(&mut f, "rts", &b.rts);
    put(&mut f, "seats", b.seats);
    put_opt(&mut f, "reserve", b.reserve);
    let draft = svc::parse_formation(&f).map_err(AdminError::Invalid)?;
    let fid = svc::add_formation(&app.db, user.0.actor(), id, &draft)
        .await
        .map_err(round_err)?;
    Ok(Json(IdBody { id: fid }))
}

/// Removes one formation of a draft round (`formation.deleted`).
#[utoipa::path(delete, path = "/admin/rounds/{id}/formations/{formation}", tag = "admin",
    params(("id" = Uuid, Path), ("formation" = Uuid, Path)),
    responses((status = 200, body = Done), (status = 404, body = crate::web::api::ErrorBody), (status = 409, body = InvalidBody)))]
pub async fn formation_delete(
    State(app): State<AppState>,
    user: AdminUser,
    Path((id, fid)): Path<(String, String)>,
) -> AdminResult<Done> {
    svc::delete_formation(&app.db, user.0.actor(), parse_id(&id)?, parse_id(&fid)?)
        .await
        .map_err(round_err)?;
    Ok(Json(Done { ok: true }))
}

/// The text of a `formations.csv` file.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct CsvBody {
    pub csv: String,
}

/// Replaces all formations of a draft round from `formations.csv` text; the
/// file is taken whole or not at all, bad lines reported by number.
#[utoipa::path(post, path = "/admin/rounds/{id}/formations/import", tag = "admin", params(("id" = Uuid, Path)),
    request_body = CsvBody,
    responses((status = 200, body = ChangedBody), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn formations_import(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CsvBody>,
) -> AdminResult<ChangedBody> {
    let changed = svc::import_formations(&app.db, user.0.actor(), parse_id(&id)?, &b.csv)
        .await
        .map_err(round_err)?;
    Ok(Json(ChangedBody { changed }))
}

/// The round's formations as `formations.csv`, the same file as the admin
/// page's download and in the form `formations/import` reads back. Every
/// export is recorded (`formations.exported`, with the file's SHA-256).
#[utoipa::path(get, path = "/admin/rounds/{id}/formations.csv", tag = "admin", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String, description = "round_id,formation_code,name,kelurahan_code,rts,seats,reserve"),
        (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn formations_export(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
) -> Result<Response, AdminError> {
    Ok(crate::web::rounds::formations_attachment(&app, &user.0, parse_id(&id)?).await?)
}

/// Removes a panelist from a panel (`panel.member_removed`).
#[utoipa::path(delete, path = "/admin/rounds/{id}/panels/{panel}/members/{account}", tag = "admin",
    params(("id" = Uuid, Path), ("panel" = Uuid, Path), ("account" = Uuid, Path)),
    responses((status = 200, body = Done), (status = 404, body = crate::web::api::ErrorBody), (status = 409, body = InvalidBody)))]
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
    .map_err(round_err)?;
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
    responses((status = 200, body = Done), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn invitation_move(
    State(app): State<AppState>,
    user: AdminUser,
    Path((id, iid)): Path<(String, String)>,
    ApiJson(b): ApiJson<MoveBody>,
) -> AdminResult<Done> {
    let from = mailbox(&app)?;
    panels::move_invitation(
        &app.db,
        user.0.actor(),
        &from,
        parse_id(&id)?,
        parse_id(&iid)?,
        &b.session_id.to_string(),
    )
    .await
    .map_err(round_err)?;
    Ok(Json(Done { ok: true }))
}

/// The admin's written decision on an absence.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct DecisionText {
    pub decision: String,
}

/// Records the decision on an absence (`test.absence_decided`).
#[utoipa::path(post, path = "/admin/rounds/{id}/invitations/{invitation}/decision", tag = "admin",
    params(("id" = Uuid, Path), ("invitation" = Uuid, Path)), request_body = DecisionText,
    responses((status = 200, body = Done), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
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
    .map_err(round_err)?;
    Ok(Json(Done { ok: true }))
}

/// A criteria template of `fixtures/` by code (`panel`, `tpp2023`).
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct TemplateBody {
    pub template: String,
}

/// Starts a draft round's criteria and requirements from a template.
#[utoipa::path(post, path = "/admin/rounds/{id}/template", tag = "admin", params(("id" = Uuid, Path)),
    request_body = TemplateBody,
    responses((status = 200, body = Done), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn round_template(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TemplateBody>,
) -> AdminResult<Done> {
    svc::apply_template(&app.db, user.0.actor(), parse_id(&id)?, b.template.trim())
        .await
        .map_err(round_err)?;
    Ok(Json(Done { ok: true }))
}

/// How many RTs a kelurahan has (empty: its recorded count).
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct RtCountBody {
    #[serde(default)]
    pub count: Option<i32>,
}

/// Creates RT 1..n of a kelurahan that has none yet (`regions.rts_created`).
#[utoipa::path(post, path = "/admin/kelurahan/{code}/rts", tag = "admin", params(("code" = String, Path)),
    request_body = RtCountBody,
    responses((status = 200, body = ChangedBody), (status = 409, body = InvalidBody), (status = 422, body = InvalidBody)))]
pub async fn kelurahan_rts(
    State(app): State<AppState>,
    user: AdminUser,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<RtCountBody>,
) -> AdminResult<ChangedBody> {
    let added = svc::create_rts(&app.db, user.0.actor(), code.trim(), b.count)
        .await
        .map_err(round_err)?;
    Ok(Json(ChangedBody {
        changed: usize::try_from(added).unwrap_or(usize::MAX),
    }))
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
    responses((status = 200, body = DashboardBody), (status = 404, body = crate::web::api::ErrorBody)))]
pub async fn round_dashboard(
    State(app): State<AppState>,
    _admin: AdminUser,
    Path(id): Path<String>,
) -> AdminResult<DashboardBody> {
    let d = panels::dashboard(&app.db, parse_id(&id)?)
        .await
        .map_err(round_err)?;
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
