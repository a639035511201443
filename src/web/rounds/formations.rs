//! The formations page of a round: generated, imported, added by hand,
//! changed and exported.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::{Pairs, admin_only, admin_post, page, submitted};
use crate::app::AppState;
use crate::domain::form::{FieldErrors, FormData};
use crate::error::AppResult;
use crate::services::rounds::{self as svc, RoundDetail};
use crate::views::PageCtx;
use crate::views::rounds::{self as v, FormView, FormationsPage};
use crate::web::forms::{redirect_or_rerender, refused_fields, rerender};
use crate::web::{Csrf, CurrentUser};

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
pub(super) enum FormationForm {
    Generate,
    RtCount,
    Group,
    Seats,
    Csv,
}

/// The formations page with the refused form `which` showing what was typed
/// and why.
async fn formations_refused(
    app: &AppState,
    ctx: &PageCtx,
    d: &RoundDetail,
    which: FormationForm,
    data: FormData,
    errors: FieldErrors,
    token: String,
) -> AppResult<maud::Markup> {
    let mut p = formations_page(app, &token).await?;
    let f = FormView {
        values: data,
        errors,
        csrf: token,
    };
    match which {
        FormationForm::Generate => p.generate = f,
        FormationForm::RtCount => p.rt_count = f,
        FormationForm::Group => p.group = f,
        FormationForm::Seats => p.seats = f,
        FormationForm::Csv => p.csv = f,
    }
    Ok(v::admin_formations(ctx, d, &p))
}

/// The answer to a formations form whose success returns to the page.
async fn formations_answer<T>(
    app: &AppState,
    ctx: &PageCtx,
    csrf: Csrf,
    id: Uuid,
    which: FormationForm,
    data: FormData,
    res: Result<T, FieldErrors>,
) -> AppResult<Response> {
    let to = res.map(|_| format!("/admin/seleksi/{id}/formasi"));
    redirect_or_rerender(csrf, to, |errors, token| async move {
        let d = svc::load(&app.db, id).await?;
        formations_refused(app, ctx, &d, which, data, errors, token).await
    })
    .await
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
    let d = svc::load(&app.db, crate::web::path_id(&id)?).await?;
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
    let (id, data) = admin_post(&user, &id, &csrf, form)?;
    let mut errs = FieldErrors::new();
    let seats = data.get("seats").parse::<i32>().unwrap_or(0);
    let reserve = if data.get("reserve").is_empty() {
        Some(0)
    } else {
        data.get("reserve").parse::<i32>().ok()
    };
    let res = match reserve {
        Some(reserve) => refused_fields(
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
            rerender(csrf, |token| {
                formations_refused(&app, &ctx, &d, FormationForm::Generate, data, errors, token)
            })
            .await
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
    let (id, data) = admin_post(&user, &id, &csrf, form)?;
    // Empty means "the recorded count"; anything unreadable is refused as 0.
    let count = match data.get("rt_count") {
        "" => None,
        text => Some(text.parse::<i32>().unwrap_or(0)),
    };
    // An unknown round is a 404 before anything is written.
    let d = svc::load(&app.db, id).await?;
    let res =
        refused_fields(svc::create_rts(&app.db, user.actor(), data.get("kelurahan"), count).await)?;
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
            rerender(csrf, |token| {
                formations_refused(&app, &ctx, &d, FormationForm::RtCount, data, errors, token)
            })
            .await
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
    let (id, data) = admin_post(&user, &id, &csrf, form)?;
    let res = match svc::parse_formation(&data) {
        Ok(draft) => {
            refused_fields(svc::add_formation(&app.db, user.actor(), id, &draft).await)?.map(|_| ())
        }
        Err(e) => Err(e),
    };
    formations_answer(&app, &ctx, csrf, id, FormationForm::Group, data, res).await
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
    let (id, data) = admin_post(&user, &id, &csrf, form)?;
    let res = match svc::parse_seats(&data) {
        Ok(items) => refused_fields(svc::update_seats(&app.db, user.actor(), id, &items).await)?,
        Err(e) => Err(e),
    };
    formations_answer(&app, &ctx, csrf, id, FormationForm::Seats, data, res).await
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
    let (id, data) = admin_post(&user, &id, &csrf, form)?;
    // Keep the CSV exactly as pasted (FormData trims).
    let text = data.0.get("csv").cloned().unwrap_or_default();
    let res = refused_fields(svc::import_formations(&app.db, user.actor(), id, &text).await)?;
    formations_answer(&app, &ctx, csrf, id, FormationForm::Csv, data, res).await
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
    let id = crate::web::path_id(&id)?;
    let fid = crate::web::path_id(&fid)?;
    let data = submitted(&csrf, form)?;
    let res = refused_fields(svc::delete_formation(&app.db, user.actor(), id, fid).await)?;
    formations_answer(&app, &ctx, csrf, id, FormationForm::Seats, data, res).await
}

/// `GET /admin/seleksi/{id}/formasi.csv`.
pub async fn formations_csv(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    admin_only(&user)?;
    formations_attachment(&app, &user, crate::web::path_id(&id)?).await
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
