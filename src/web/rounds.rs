//! Round administration under `/admin/seleksi…` (admins only, checked on every
//! request) and the public round page `/seleksi/{slug}`.
//!
//! Handlers parse, call one service, render. A refused form comes back as the
//! same page with status 422, everything typed kept and each message next to
//! its field; a success redirects (303) so a reload never re-submits.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::domain::round::{Milestone, RoundState, input_wita, worked_example};
use crate::error::{AppError, AppResult};
use crate::services::rounds::{
    self as svc, FieldErrors, FormData, RoundDetail, RoundError, RoundSettings,
};
use crate::views::PageCtx;
use crate::views::rounds::{self as v, FormView, FormationsPage, RoundRow};

/// Submitted form fields, in order.
type Pairs = Form<Vec<(String, String)>>;

fn admin_only(user: &CurrentUser) -> AppResult<()> {
    user.require(&[Role::Admin])
}

/// Reads a submitted form and checks its CSRF token.
fn submitted(csrf: &Csrf, Form(pairs): Pairs) -> AppResult<FormData> {
    let data = FormData::from_pairs(pairs);
    csrf.verify(data.get("csrf"))?;
    Ok(data)
}

fn page(csrf: Csrf, markup: Markup) -> Response {
    (csrf.0, markup).into_response()
}

fn refused(csrf: Csrf, markup: Markup) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, csrf.0, markup).into_response()
}

fn see_other(path: String) -> Response {
    Redirect::to(&path).into_response()
}

/// Splits a service result into field errors (to show) and everything else (to raise).
fn field_errors<T>(res: Result<T, RoundError>) -> AppResult<Result<T, FieldErrors>> {
    match res {
        Ok(t) => Ok(Ok(t)),
        Err(RoundError::Invalid(e)) => Ok(Err(e)),
        Err(other) => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------
// List and create
// ---------------------------------------------------------------------------

async fn list_view(app: &AppState, ctx: &PageCtx, f: &FormView) -> AppResult<Markup> {
    let rows: Vec<RoundRow> = svc::list(&app.db)
        .await?
        .into_iter()
        .map(|r| RoundRow {
            id: r.id,
            name: r.name,
            year: r.year,
            state: r.state,
            slug: r.slug,
        })
        .collect();
    let now = app.clock.now();
    let open: Vec<crate::domain::privacy::BreachClock> = crate::services::breaches::list(&app.db)
        .await?
        .iter()
        .map(|b| crate::services::breaches::clock_of(b, now))
        .filter(|c| *c != crate::domain::privacy::BreachClock::Notified)
        .collect();
    let reminders = crate::views::privacy::breach_reminders(ctx, &open);
    Ok(v::admin_list_with(ctx, &rows, f, reminders))
}

/// `GET /admin/seleksi`.
pub async fn list(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
) -> AppResult<Response> {
    admin_only(&user)?;
    let mut values = FormData::default();
    values
        .0
        .insert("year".into(), OffsetDateTime::now_utc().year().to_string());
    values
        .0
        .insert("idempotency_key".into(), Uuid::new_v4().to_string());
    let f = FormView::new(values, &csrf.token()?);
    let markup = list_view(&app, &ctx, &f).await?;
    Ok(page(csrf, markup))
}

/// `POST /admin/seleksi`: creates a draft round and opens it.
pub async fn create(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let data = submitted(&csrf, form)?;
    let res = match RoundSettings::parse(&data) {
        Ok(s) => field_errors(
            svc::create_round(&app.db, user.actor(), &s, Some(data.get("idempotency_key"))).await,
        )?,
        Err(e) => Err(e),
    };
    match res {
        Ok(id) => Ok(see_other(format!("/admin/seleksi/{id}"))),
        Err(errors) => {
            let f = FormView {
                values: data,
                errors,
                csrf: csrf.token()?,
            };
            let markup = list_view(&app, &ctx, &f).await?;
            Ok(refused(csrf, markup))
        }
    }
}

// ---------------------------------------------------------------------------
// Detail, settings, transitions
// ---------------------------------------------------------------------------

fn settings_values(r: &svc::Round) -> FormData {
    let mut v = FormData::default();
    let mut put = |k: &str, val: String| {
        v.0.insert(k.to_owned(), val);
    };
    put("name", r.name.clone());
    put("year", r.year.to_string());
    put("description_id", r.description_id.clone());
    put("description_en", r.description_en.clone());
    put("aggregation", r.aggregation.clone());
    put(
        "passing_total",
        r.passing_total.map(|n| n.to_string()).unwrap_or_default(),
    );
    put("min_panelists", r.min_panelists.to_string());
    put(
        "age_min",
        r.age_min.map(|n| n.to_string()).unwrap_or_default(),
    );
    put(
        "age_max",
        r.age_max.map(|n| n.to_string()).unwrap_or_default(),
    );
    if r.publish_all_names {
        put("publish_all_names", "on".to_owned());
    }
    let s = r.schedule();
    for m in Milestone::ALL {
        put(m.field(), s.get(m).map(input_wita).unwrap_or_default());
    }
    v
}

/// `GET /admin/seleksi/{id}`.
pub async fn detail(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    admin_only(&user)?;
    let d = svc::load(&app.db, super::path_id(&id)?).await?;
    let f = FormView::new(settings_values(&d.round), &csrf.token()?);
    Ok(page(
        csrf,
        v::admin_round(&ctx, &d, &f, &FieldErrors::new()),
    ))
}

/// `POST /admin/seleksi/{id}`: saves settings and schedule of a draft.
pub async fn update(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let data = submitted(&csrf, form)?;
    let res = match RoundSettings::parse(&data) {
        Ok(s) => field_errors(svc::update_round(&app.db, user.actor(), id, &s).await)?,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(see_other(format!("/admin/seleksi/{id}"))),
        Err(errors) => {
            let d = svc::load(&app.db, id).await?;
            let f = FormView {
                values: data,
                errors,
                csrf: csrf.token()?,
            };
            Ok(refused(
                csrf,
                v::admin_round(&ctx, &d, &f, &FieldErrors::new()),
            ))
        }
    }
}

/// `POST /admin/seleksi/{id}/status`: one step of the state machine (`to`,
/// and `reason` when cancelling).
pub async fn status(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let data = submitted(&csrf, form)?;
    let to = RoundState::parse(data.get("to")).ok_or_else(|| {
        AppError::Refused(crate::domain::msg::Msg::new(
            "Tahap tujuan tidak dikenal.",
            "Unknown target stage.",
        ))
    })?;
    let from = app.mail_from.clone();
    let mail = crate::services::self_service::MailCtx {
        base_url: &app.config.base_url,
        from: &from,
        vault: &app.vault,
    };
    let res = field_errors(
        svc::transition_mailing(
            &app.db,
            &app.checkpoint_key,
            Some(&mail),
            user.actor(),
            id,
            to,
            data.get("reason"),
            OffsetDateTime::now_utc(),
        )
        .await,
    )?;
    match res {
        Ok(()) => Ok(see_other(format!("/admin/seleksi/{id}"))),
        Err(errors) => {
            let d = svc::load(&app.db, id).await?;
            let f = FormView::new(settings_values(&d.round), &csrf.token()?);
            Ok(refused(csrf, v::admin_round(&ctx, &d, &f, &errors)))
        }
    }
}

// ---------------------------------------------------------------------------
// Criteria and templates
// ---------------------------------------------------------------------------

fn template_names() -> AppResult<Vec<(String, crate::domain::round::Msg)>> {
    Ok(svc::templates()?
        .into_iter()
        .map(|t| (t.code, crate::domain::round::Msg::new(t.name_id, t.name_en)))
        .collect())
}

/// `GET /admin/seleksi/{id}/kriteria`.
pub async fn criteria(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    admin_only(&user)?;
    let d = svc::load(&app.db, super::path_id(&id)?).await?;
    let f = FormView::new(v::criteria_values(&d), &csrf.token()?);
    Ok(page(
        csrf,
        v::admin_criteria(&ctx, &d, &f, &template_names()?),
    ))
}

/// `POST /admin/seleksi/{id}/kriteria`: replaces all criteria at once, so the
/// weights are checked as a whole.
pub async fn criteria_save(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let data = submitted(&csrf, form)?;
    let res = match svc::parse_criteria(&data) {
        Ok(rows) => field_errors(svc::set_criteria(&app.db, user.actor(), id, &rows).await)?,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(see_other(format!("/admin/seleksi/{id}/kriteria"))),
        Err(errors) => {
            let d = svc::load(&app.db, id).await?;
            let f = FormView {
                values: data,
                errors,
                csrf: csrf.token()?,
            };
            Ok(refused(
                csrf,
                v::admin_criteria(&ctx, &d, &f, &template_names()?),
            ))
        }
    }
}

/// `POST /admin/seleksi/{id}/templat`: "start from template".
pub async fn template(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let data = submitted(&csrf, form)?;
    // Applying a template replaces every criterion and requirement: only
    // with the box ticked that says so.
    let outcome = if data.get("confirm") == "1" {
        field_errors(svc::apply_template(&app.db, user.actor(), id, data.get("template")).await)?
    } else {
        Err(crate::services::rounds::FieldErrors::from([(
            "confirm".to_owned(),
            crate::domain::round::Msg::new(
                "Centang konfirmasi: templat mengganti semua kriteria dan persyaratan seleksi ini.",
                "Tick the confirmation: the template replaces all criteria and requirements of this round.",
            ),
        )]))
    };
    match outcome {
        Ok(()) => Ok(see_other(format!("/admin/seleksi/{id}/kriteria?templat=1"))),
        Err(errors) => {
            let d = svc::load(&app.db, id).await?;
            let f = FormView {
                values: v::criteria_values(&d),
                errors,
                csrf: csrf.token()?,
            };
            Ok(refused(
                csrf,
                v::admin_criteria(&ctx, &d, &f, &template_names()?),
            ))
        }
    }
}

// ---------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------

/// `GET /admin/seleksi/{id}/persyaratan`.
pub async fn requirements(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    admin_only(&user)?;
    let d = svc::load(&app.db, super::path_id(&id)?).await?;
    let f = FormView::new(v::requirement_values(&d), &csrf.token()?);
    Ok(page(csrf, v::admin_requirements(&ctx, &d, &f)))
}

/// `POST /admin/seleksi/{id}/persyaratan`.
pub async fn requirements_save(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let data = submitted(&csrf, form)?;
    let res = match svc::parse_requirements(&data) {
        Ok(rows) => field_errors(svc::set_requirements(&app.db, user.actor(), id, &rows).await)?,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(see_other(format!("/admin/seleksi/{id}/persyaratan"))),
        Err(errors) => {
            let d = svc::load(&app.db, id).await?;
            let f = FormView {
                values: data,
                errors,
                csrf: csrf.token()?,
            };
            Ok(refused(csrf, v::admin_requirements(&ctx, &d, &f)))
        }
    }
}

// ---------------------------------------------------------------------------
// Formations
// ---------------------------------------------------------------------------

async fn formations_page(app: &AppState, csrf: &str) -> AppResult<FormationsPage> {
    let regions = crate::services::regions::list(&app.db).await?;
    let blank = |values: FormData| FormView::new(values, csrf);
    let mut gen_values = FormData::default();
    gen_values.0.insert("seats".into(), "5".into());
    gen_values.0.insert("reserve".into(), "2".into());
    Ok(FormationsPage {
        kecamatan: regions
            .iter()
            .map(|(k, _)| (k.code.clone(), k.name.clone()))
            .collect(),
        kelurahan: regions
            .into_iter()
            .flat_map(|(_, kels)| kels.into_iter().map(|k| (k.code, k.name)))
            .collect(),
        without_rts: svc::kelurahan_without_rts(&app.db).await?,
        report: None,
        notice: None,
        generate: blank(gen_values),
        rt_count: blank(FormData::default()),
        group: blank(FormData::default()),
        seats: blank(FormData::default()),
        csv: blank(FormData::default()),
    })
}

/// Which form of the formations page a submission came from.
enum FormationForm {
    Generate,
    RtCount,
    Group,
    Seats,
    Csv,
}

async fn formations_refused(
    app: &AppState,
    ctx: &PageCtx,
    csrf: Csrf,
    d: &RoundDetail,
    which: FormationForm,
    data: FormData,
    errors: FieldErrors,
) -> AppResult<Response> {
    let mut p = formations_page(app, &csrf.token()?).await?;
    let f = FormView {
        values: data,
        errors,
        csrf: csrf.token()?,
    };
    match which {
        FormationForm::Generate => p.generate = f,
        FormationForm::RtCount => p.rt_count = f,
        FormationForm::Group => p.group = f,
        FormationForm::Seats => p.seats = f,
        FormationForm::Csv => p.csv = f,
    }
    Ok(refused(csrf, v::admin_formations(ctx, d, &p)))
}

/// `GET /admin/seleksi/{id}/formasi`.
pub async fn formations(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    admin_only(&user)?;
    let d = svc::load(&app.db, super::path_id(&id)?).await?;
    let p = formations_page(&app, &csrf.token()?).await?;
    Ok(page(csrf, v::admin_formations(&ctx, &d, &p)))
}

/// `POST /admin/seleksi/{id}/formasi/buat`: one formation per kelurahan.
/// Answers with the page and a report (which kelurahan lacked RTs).
pub async fn formations_generate(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let data = submitted(&csrf, form)?;
    let mut errs = FieldErrors::new();
    let seats = data.get("seats").parse::<i32>().unwrap_or(0);
    let reserve = if data.get("reserve").is_empty() {
        Some(0)
    } else {
        data.get("reserve").parse::<i32>().ok()
    };
    let res = match reserve {
        Some(reserve) => field_errors(
            svc::generate_formations(
                &app.db,
                user.actor(),
                id,
                data.get("kecamatan"),
                seats,
                reserve,
            )
            .await,
        )?,
        None => {
            errs.insert(
                "reserve".into(),
                crate::domain::round::Msg::new("Cadangan harus 0–1000.", "Reserve must be 0–1000."),
            );
            Err(errs)
        }
    };
    let d = svc::load(&app.db, id).await?;
    match res {
        Ok(report) => {
            let mut p = formations_page(&app, &csrf.token()?).await?;
            p.generate.values = data;
            p.report = Some(report);
            Ok(page(csrf, v::admin_formations(&ctx, &d, &p)))
        }
        Err(errors) => {
            formations_refused(&app, &ctx, csrf, &d, FormationForm::Generate, data, errors).await
        }
    }
}

/// `POST /admin/seleksi/{id}/formasi/rt`: creates RT 1..n of a kelurahan.
pub async fn formations_rts(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let data = submitted(&csrf, form)?;
    // Empty means "the recorded count"; anything unreadable is refused as 0.
    let count = match data.get("rt_count") {
        "" => None,
        text => Some(text.parse::<i32>().unwrap_or(0)),
    };
    // An unknown round is a 404 before anything is written.
    let d = svc::load(&app.db, id).await?;
    let res =
        field_errors(svc::create_rts(&app.db, user.actor(), data.get("kelurahan"), count).await)?;
    match res {
        Ok(added) => {
            let mut p = formations_page(&app, &csrf.token()?).await?;
            p.notice = Some(crate::domain::round::Msg::new(
                format!(
                    "{added} RT ditambahkan untuk kelurahan {}.",
                    data.get("kelurahan")
                ),
                format!("{added} RTs added for kelurahan {}.", data.get("kelurahan")),
            ));
            Ok(page(csrf, v::admin_formations(&ctx, &d, &p)))
        }
        Err(errors) => {
            formations_refused(&app, &ctx, csrf, &d, FormationForm::RtCount, data, errors).await
        }
    }
}

/// `POST /admin/seleksi/{id}/formasi/tambah`: a group of RTs (or a whole kelurahan).
pub async fn formations_add(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let data = submitted(&csrf, form)?;
    let res = match svc::parse_formation(&data) {
        Ok(draft) => {
            field_errors(svc::add_formation(&app.db, user.actor(), id, &draft).await)?.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(see_other(format!("/admin/seleksi/{id}/formasi"))),
        Err(errors) => {
            let d = svc::load(&app.db, id).await?;
            formations_refused(&app, &ctx, csrf, &d, FormationForm::Group, data, errors).await
        }
    }
}

/// `POST /admin/seleksi/{id}/formasi/kursi`: bulk edit of seats and reserve.
pub async fn formations_seats(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let data = submitted(&csrf, form)?;
    match field_errors(svc::update_seats(&app.db, user.actor(), id, &data).await)? {
        Ok(_) => Ok(see_other(format!("/admin/seleksi/{id}/formasi"))),
        Err(errors) => {
            let d = svc::load(&app.db, id).await?;
            formations_refused(&app, &ctx, csrf, &d, FormationForm::Seats, data, errors).await
        }
    }
}

/// `POST /admin/seleksi/{id}/formasi/impor`: replaces formations from pasted CSV.
pub async fn formations_import(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let data = submitted(&csrf, form)?;
    // Keep the CSV exactly as pasted (FormData trims).
    let text = data.0.get("csv").cloned().unwrap_or_default();
    match field_errors(svc::import_formations(&app.db, user.actor(), id, &text).await)? {
        Ok(_) => Ok(see_other(format!("/admin/seleksi/{id}/formasi"))),
        Err(errors) => {
            let d = svc::load(&app.db, id).await?;
            formations_refused(&app, &ctx, csrf, &d, FormationForm::Csv, data, errors).await
        }
    }
}

/// `POST /admin/seleksi/{id}/formasi/{formation}/hapus`.
pub async fn formations_delete(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path((id, fid)): Path<(String, String)>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let fid = super::path_id(&fid)?;
    let data = submitted(&csrf, form)?;
    match field_errors(svc::delete_formation(&app.db, user.actor(), id, fid).await)? {
        Ok(()) => Ok(see_other(format!("/admin/seleksi/{id}/formasi"))),
        Err(errors) => {
            let d = svc::load(&app.db, id).await?;
            formations_refused(&app, &ctx, csrf, &d, FormationForm::Seats, data, errors).await
        }
    }
}

/// `GET /admin/seleksi/{id}/formasi.csv`.
pub async fn formations_csv(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    admin_only(&user)?;
    formations_attachment(&app, &user, super::path_id(&id)?).await
}

/// The round's `formations.csv` as a download, for the HTML page and the API
/// alike, so both hand out the same file and record the same
/// `formations.exported` event. The caller has checked the role.
///
/// # Errors
/// As [`svc::export_formations`].
pub(crate) async fn formations_attachment(
    app: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<Response> {
    let text = svc::export_formations(&app.db, user.actor(), id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"formations-{id}.csv\""),
            ),
        ],
        text,
    )
        .into_response())
}

// ---------------------------------------------------------------------------
// Public
// ---------------------------------------------------------------------------

/// `GET /seleksi/{slug}`: the published round; 404 while it is a draft.
pub async fn public_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Markup> {
    let p = svc::public_round(&app.db, &slug).await?;
    let example = worked_example(
        &p.detail
            .criteria
            .iter()
            .map(|c| (c.code.clone(), c.weight, c.scale_min, c.scale_max))
            .collect::<Vec<_>>(),
    );
    Ok(v::public_round(
        &ctx,
        &p,
        &example,
        OffsetDateTime::now_utc(),
    ))
}

// ---------------------------------------------------------------------------
// Stages
// ---------------------------------------------------------------------------

/// `GET /admin/seleksi/{id}/tahap`: the stages live on the settings page.
pub async fn stages_page(user: CurrentUser, Path(id): Path<String>) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    Ok(see_other(format!("/admin/seleksi/{id}#tahapan")))
}

/// `POST /admin/seleksi/{id}/tahap`: replaces the stages and the final rule
/// of a draft round. Once the rules are frozen this is a conflict (409).
pub async fn stages_save(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let data = submitted(&csrf, form)?;
    let res = match svc::parse_stages(&data) {
        Ok(draft) => field_errors(svc::set_stages(&app.db, user.actor(), id, &draft).await)?,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(see_other(format!("/admin/seleksi/{id}#tahapan"))),
        Err(errors) => {
            let d = svc::load(&app.db, id).await?;
            if !d.state().is_editable() {
                return Err(AppError::Conflict(crate::domain::round::frozen_msg()));
            }
            let settings = FormView::new(settings_values(&d.round), &csrf.token()?);
            let stages = FormView {
                values: data,
                errors,
                csrf: csrf.token()?,
            };
            Ok(refused(
                csrf,
                v::admin_round_with_stages(&ctx, &d, &settings, &FieldErrors::new(), &stages),
            ))
        }
    }
}

/// `POST /admin/seleksi/{id}/tahap/{code}/terbitkan`: publishes who goes on
/// from a stage (a signed checkpoint covers it); twice is a conflict.
pub async fn shortlist_publish(
    State(app): State<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    Path((id, code)): Path<(String, String)>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    submitted(&csrf, form)?;
    crate::services::shortlists::publish(
        &app.db,
        &app.checkpoint_key,
        user.actor(),
        id,
        &code,
        app.clock.now(),
    )
    .await?;
    Ok(see_other(format!("/admin/seleksi/{id}#tahapan")))
}
