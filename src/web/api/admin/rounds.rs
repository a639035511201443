//! Rounds: settings, schedule, criteria, requirements, formations, state
//! transitions (admin).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Done, parse_id, rfc3339};
use crate::app::AppState;
use crate::domain::form::FieldErrors;
use crate::domain::round::{Milestone, RoundState};
use crate::services::rounds::{
    self as svc, CriterionInput, FormationInput, RequirementInput, RoundSettings,
    RoundSettingsInput, SeatsItem,
};
use crate::web::api::error::{AdminError, AdminResult, ErrorBody, service_err};
use crate::web::api::extract::{AdminUser, ApiJson};

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
    /// Public results name every ranked applicant (a frozen rule; default
    /// false: only the selected and the reserve are named).
    pub publish_all_names: bool,
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
    /// Milestone field → RFC 3339 instant.
    pub schedule: BTreeMap<String, Option<String>>,
    pub frozen_hash: Option<String>,
    pub criteria: Vec<CriterionInput>,
    /// The stages of a staged round, first to last; empty for one stage.
    pub stages: Vec<svc::StageInput>,
    /// `last_stage` or `weighted` in a staged round.
    pub final_rule: Option<String>,
    /// The programme's names and the domicile rule (frozen rules; set with
    /// `PUT /admin/rounds/{id}/programme`).
    pub programme: super::programme::ProgrammeBody,
    pub requirements: Vec<RequirementItem>,
    pub formations: Vec<FormationItem>,
}

fn round_summary(r: svc::RoundHead) -> AdminRound {
    AdminRound {
        id: r.id,
        slug: r.slug,
        name: r.name,
        year: r.year,
        state: r.state,
    }
}

pub(super) fn detail_body(d: svc::RoundDetail) -> RoundDetailBody {
    let schedule = d.round.schedule();
    let r = &d.round;
    RoundDetailBody {
        round: round_summary(r.into()),
        description_id: r.description_id.clone(),
        description_en: r.description_en.clone(),
        aggregation: r.aggregation.clone(),
        passing_total: r.passing_total,
        min_panelists: r.min_panelists,
        age_min: r.age_min,
        age_max: r.age_max,
        publish_all_names: r.publish_all_names,
        programme: (&svc::ProgrammeSettings::of(r)).into(),
        schedule: Milestone::ALL
            .iter()
            .map(|m| (m.field().to_owned(), rfc3339(schedule.get(*m))))
            .collect(),
        frozen_hash: r.frozen_hash.clone(),
        criteria: d
            .criteria
            .iter()
            .map(|c| CriterionInput {
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
                stage: c.stage_code.clone(),
            })
            .collect(),
        stages: d
            .stages
            .iter()
            .map(|s| svc::StageInput {
                code: s.code.clone(),
                name_id: s.name_id.clone(),
                name_en: s.name_en.clone(),
                scoring: s.scoring.clone(),
                advance_top_k: s.advance_top_k,
                advance_passing_total: s.advance_passing_total,
                final_weight: s.final_weight,
            })
            .collect(),
        final_rule: d.round.final_rule.clone(),
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

/// Rounds in every state, newest first.
#[utoipa::path(get, path = "/admin/rounds", tag = "admin",
    responses((status = 200, body = Vec<AdminRound>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn rounds_list(
    State(app): State<AppState>,
    _admin: AdminUser,
) -> AdminResult<Vec<AdminRound>> {
    let rows = svc::list(&app.db).await.map_err(service_err)?;
    Ok(Json(rows.iter().map(|r| round_summary(r.into())).collect()))
}

/// Settings and schedule of a round, and on creation an idempotency key.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct SettingsBody {
    #[serde(flatten)]
    pub settings: RoundSettingsInput,
    /// Repeating a create with the same key returns the first round.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Creates a draft round (`round.created`); answers 201 with the round.
#[utoipa::path(post, path = "/admin/rounds", tag = "admin", request_body = SettingsBody,
    responses((status = 201, body = RoundDetailBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn round_create(
    State(app): State<AppState>,
    user: AdminUser,
    ApiJson(body): ApiJson<SettingsBody>,
) -> Result<(StatusCode, Json<RoundDetailBody>), AdminError> {
    let s = RoundSettings::try_from(body.settings).map_err(AdminError::Invalid)?;
    let id = svc::create_round(&app.db, user.0.actor(), &s, body.idempotency_key.as_deref())
        .await
        .map_err(service_err)?;
    let d = svc::load(&app.db, id).await.map_err(service_err)?;
    Ok((StatusCode::CREATED, Json(detail_body(d))))
}

/// A round with schedule, criteria, requirements and formations.
#[utoipa::path(get, path = "/admin/rounds/{id}", tag = "admin", params(("id" = Uuid, Path)),
    responses((status = 200, body = RoundDetailBody), (status = 404, body = ErrorBody)))]
pub async fn round_get(
    State(app): State<AppState>,
    _admin: AdminUser,
    Path(id): Path<String>,
) -> AdminResult<RoundDetailBody> {
    let d = svc::load(&app.db, parse_id(&id)?)
        .await
        .map_err(service_err)?;
    Ok(Json(detail_body(d)))
}

/// Replaces the settings and schedule of a draft round (`round.updated`).
#[utoipa::path(put, path = "/admin/rounds/{id}", tag = "admin", params(("id" = Uuid, Path)), request_body = SettingsBody,
    responses((status = 200, body = RoundDetailBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn round_update(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SettingsBody>,
) -> AdminResult<RoundDetailBody> {
    let id = parse_id(&id)?;
    let s = RoundSettings::try_from(body.settings).map_err(AdminError::Invalid)?;
    svc::update_round(&app.db, user.0.actor(), id, &s)
        .await
        .map_err(service_err)?;
    let d = svc::load(&app.db, id).await.map_err(service_err)?;
    Ok(Json(detail_body(d)))
}

/// Replaces all criteria of a draft round at once (`criteria.updated`); the
/// weights must sum to 100 (otherwise 422 and nothing changes).
#[utoipa::path(put, path = "/admin/rounds/{id}/criteria", tag = "admin", params(("id" = Uuid, Path)),
    request_body = Vec<CriterionInput>,
    responses((status = 200, body = RoundDetailBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn round_criteria(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(rows): ApiJson<Vec<CriterionInput>>,
) -> AdminResult<RoundDetailBody> {
    let id = parse_id(&id)?;
    if rows.len() > svc::MAX_ROWS {
        return Err(AdminError::Body(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            crate::domain::msg::Msg::new(
                format!("Paling banyak {} kriteria.", svc::MAX_ROWS),
                format!("At most {} criteria.", svc::MAX_ROWS),
            ),
        ));
    }
    let drafts = svc::CriteriaDraft::try_from(rows.as_slice()).map_err(|errs| {
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
    svc::set_criteria(&app.db, user.0.actor(), id, &drafts.0)
        .await
        .map_err(service_err)?;
    let d = svc::load(&app.db, id).await.map_err(service_err)?;
    Ok(Json(detail_body(d)))
}

/// A state transition.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct TransitionBody {
    /// The next state, e.g. `registration`.
    #[schema(
        pattern = "^(draft|registration|verification|assessment|provisional|objection|final|cancelled)$"
    )]
    pub to: String,
    /// Required (5+ characters) when cancelling.
    #[serde(default)]
    pub reason: String,
}

/// One step of the round's state machine, checked against the schedule;
/// opening registration freezes the rules. A refusal is 409 with the reason.
#[utoipa::path(post, path = "/admin/rounds/{id}/transition", tag = "admin", params(("id" = Uuid, Path)),
    request_body = TransitionBody,
    responses((status = 200, body = RoundDetailBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
    let mail = app.mail();
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
    .map_err(service_err)?;
    let d = svc::load(&app.db, id).await.map_err(service_err)?;
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
    responses((status = 200, body = GenerateReportBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
    .map_err(service_err)?;
    Ok(Json(GenerateReportBody {
        created: report.created,
        already_covered: report.already_covered,
        without_rts: report.without_rts.into_iter().map(|(c, _, _)| c).collect(),
    }))
}

/// How many formations changed.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ChangedBody {
    pub changed: usize,
}

/// Sets seats and reserve of many formations at once (`formations.seats_updated`).
#[utoipa::path(put, path = "/admin/rounds/{id}/formations/seats", tag = "admin", params(("id" = Uuid, Path)),
    request_body = Vec<SeatsItem>,
    responses((status = 200, body = ChangedBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn formations_seats(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(items): ApiJson<Vec<SeatsItem>>,
) -> AdminResult<ChangedBody> {
    let id = parse_id(&id)?;
    let items = svc::check_seats(&items).map_err(AdminError::Invalid)?;
    let changed = svc::update_seats(&app.db, user.0.actor(), id, &items)
        .await
        .map_err(service_err)?;
    Ok(Json(ChangedBody { changed }))
}

/// Replaces a draft round's requirements (`requirements.updated`).
#[utoipa::path(put, path = "/admin/rounds/{id}/requirements", tag = "admin", params(("id" = Uuid, Path)),
    request_body = Vec<RequirementInput>,
    responses((status = 200, body = Done), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn round_requirements(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(items): ApiJson<Vec<RequirementInput>>,
) -> AdminResult<Done> {
    let id = parse_id(&id)?;
    let rows = svc::check_requirements(&items).map_err(AdminError::Invalid)?;
    svc::set_requirements(&app.db, user.0.actor(), id, &rows)
        .await
        .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

/// The id of something created.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IdBody {
    pub id: Uuid,
}

/// Adds one formation to a draft round (`formation.created`); overlaps are refused.
#[utoipa::path(post, path = "/admin/rounds/{id}/formations", tag = "admin", params(("id" = Uuid, Path)),
    request_body = FormationInput,
    responses((status = 200, body = IdBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn formation_add(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<FormationInput>,
) -> AdminResult<IdBody> {
    let id = parse_id(&id)?;
    let draft = svc::check_formation(&b).map_err(AdminError::Invalid)?;
    let fid = svc::add_formation(&app.db, user.0.actor(), id, &draft)
        .await
        .map_err(service_err)?;
    Ok(Json(IdBody { id: fid }))
}

/// Removes one formation of a draft round (`formation.deleted`).
#[utoipa::path(delete, path = "/admin/rounds/{id}/formations/{formation}", tag = "admin",
    params(("id" = Uuid, Path), ("formation" = Uuid, Path)),
    responses((status = 200, body = Done), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn formation_delete(
    State(app): State<AppState>,
    user: AdminUser,
    Path((id, fid)): Path<(String, String)>,
) -> AdminResult<Done> {
    svc::delete_formation(&app.db, user.0.actor(), parse_id(&id)?, parse_id(&fid)?)
        .await
        .map_err(service_err)?;
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
    responses((status = 200, body = ChangedBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn formations_import(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CsvBody>,
) -> AdminResult<ChangedBody> {
    let changed = svc::import_formations(&app.db, user.0.actor(), parse_id(&id)?, &b.csv)
        .await
        .map_err(service_err)?;
    Ok(Json(ChangedBody { changed }))
}

/// The round's formations as `formations.csv`, the same file as the admin
/// page's download and in the form `formations/import` reads back. Every
/// export is recorded (`formations.exported`, with the file's SHA-256).
#[utoipa::path(get, path = "/admin/rounds/{id}/formations.csv", tag = "admin", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String, description = "round_id,formation_code,name,kelurahan_code,rts,seats,reserve"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn formations_export(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
) -> Result<Response, AdminError> {
    Ok(crate::web::rounds::formations_attachment(&app, &user.0, parse_id(&id)?).await?)
}

/// A criteria template of `fixtures/` by code (`panel`, `tpp2023`).
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct TemplateBody {
    pub template: String,
}

/// Starts a draft round's criteria and requirements from a template.
#[utoipa::path(post, path = "/admin/rounds/{id}/template", tag = "admin", params(("id" = Uuid, Path)),
    request_body = TemplateBody,
    responses((status = 200, body = Done), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn round_template(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TemplateBody>,
) -> AdminResult<Done> {
    svc::apply_template(&app.db, user.0.actor(), parse_id(&id)?, b.template.trim())
        .await
        .map_err(service_err)?;
    Ok(Json(Done { ok: true }))
}

/// How many RTs a kelurahan has (empty: its recorded count).
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct RtCountBody {
    #[serde(default)]
    #[schema(minimum = 1, maximum = 500)]
    pub count: Option<i32>,
}

/// Creates RT 1..n of a kelurahan that has none yet (`regions.rts_created`).
#[utoipa::path(post, path = "/admin/kelurahan/{code}/rts", tag = "admin", params(("code" = String, Path)),
    request_body = RtCountBody,
    responses((status = 200, body = ChangedBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn kelurahan_rts(
    State(app): State<AppState>,
    user: AdminUser,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<RtCountBody>,
) -> AdminResult<ChangedBody> {
    let added = svc::create_rts(&app.db, user.0.actor(), code.trim(), b.count)
        .await
        .map_err(service_err)?;
    Ok(Json(ChangedBody {
        changed: usize::try_from(added).unwrap_or(usize::MAX),
    }))
}
