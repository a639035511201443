//! The formations page of a round: generated, imported, added by hand,
//! changed and exported.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use maud::Markup;

use super::{RoundPost, admin_only, typed};
use crate::app::AppState;
use crate::domain::form::{FieldErrors, FormData};
use crate::error::AppResult;
use crate::services::ServiceError;
use crate::services::rounds::{self as svc, RoundDetail};
use crate::views::rounds::{self as v, FormView, FormationsPage};
use crate::web::forms::{FormPage, Viewer};
use crate::web::posted::{AdminFirst, Allowed, Posted};
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
#[derive(Clone, Copy)]
enum FormationForm {
    Generate,
    RtCount,
    Group,
    Seats,
    Csv,
}

/// A round's formations page; a refused form (`which`) shows again with
/// what was typed.
struct Formations {
    id: Uuid,
    which: FormationForm,
    typed: FormData,
}

impl Formations {
    fn refused(which: FormationForm, typed: FormData) -> impl FnOnce(Uuid) -> Formations {
        move |id| Formations { id, which, typed }
    }
}

impl FormPage for Formations {
    type Refusal = FieldErrors;

    fn back(&self) -> String {
        format!("/admin/seleksi/{}/formasi", self.id)
    }

    async fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        errors: Option<FieldErrors>,
    ) -> AppResult<Markup> {
        let d = svc::load(&to.app.db, self.id).await?;
        let mut p = formations_page(to.app, &csrf).await?;
        if let Some(errors) = errors {
            let f = FormView {
                values: self.typed,
                errors,
                csrf,
            };
            match self.which {
                FormationForm::Generate => p.generate = f,
                FormationForm::RtCount => p.rt_count = f,
                FormationForm::Group => p.group = f,
                FormationForm::Seats => p.seats = f,
                FormationForm::Csv => p.csv = f,
            }
        }
        Ok(v::admin_formations(to.ctx, &d, &p))
    }
}

/// `GET /admin/seleksi/{id}/formasi`.
pub async fn formations(
    State(app): State<AppState>,
    a: Allowed<AdminFirst, Uuid>,
    csrf: Csrf,
) -> AppResult<Response> {
    let page = Formations::refused(FormationForm::Generate, FormData::default());
    a.show(&app, csrf, page).await
}

/// The formations page after a form that answers on the page itself: `fill`
/// adds what it did (200).
async fn answered(
    app: &AppState,
    p: RoundPost,
    d: &RoundDetail,
    fill: impl FnOnce(&mut FormationsPage),
) -> AppResult<Response> {
    let mut page = formations_page(app, &p.csrf.token()?).await?;
    fill(&mut page);
    Ok((p.csrf.0, v::admin_formations(&p.ctx, d, &page)).into_response())
}

/// `POST /admin/seleksi/{id}/formasi/buat`: one formation per kelurahan.
/// Answers with the page and a report (which kelurahan lacked RTs).
pub async fn formations_generate(State(app): State<AppState>, p: RoundPost) -> AppResult<Response> {
    let data = typed(&p);
    let seats = data.get("seats").parse::<i32>().unwrap_or(0);
    let reserve = if data.get("reserve").is_empty() {
        Some(0)
    } else {
        data.get("reserve").parse::<i32>().ok()
    };
    let res = match reserve {
        Some(reserve) => {
            let kecamatan = data.get("kecamatan");
            svc::generate_formations(&app.db, p.user.actor(), p.ids, kecamatan, seats, reserve)
                .await
        }
        None => Err(ServiceError::Fields(FieldErrors::from([(
            "reserve".to_owned(),
            crate::domain::round::Msg::new("Cadangan harus 0–1000.", "Reserve must be 0–1000."),
        )]))),
    };
    match res {
        Ok(report) => {
            let d = svc::load(&app.db, p.ids).await?;
            answered(&app, p, &d, |page| {
                page.generate.values = data;
                page.report = Some(report);
            })
            .await
        }
        Err(e) => {
            let page = Formations::refused(FormationForm::Generate, data);
            p.answer(&app, page, Err::<(), _>(e)).await
        }
    }
}

/// `POST /admin/seleksi/{id}/formasi/rt`: creates RT 1..n of a kelurahan.
pub async fn formations_rts(State(app): State<AppState>, p: RoundPost) -> AppResult<Response> {
    let data = typed(&p);
    // Empty means "the recorded count"; anything unreadable is refused as 0.
    let count = match data.get("rt_count") {
        "" => None,
        text => Some(text.parse::<i32>().unwrap_or(0)),
    };
    // An unknown round is a 404 before anything is written.
    let d = svc::load(&app.db, p.ids).await?;
    let kelurahan = data.get("kelurahan");
    match svc::create_rts(&app.db, p.user.actor(), kelurahan, count).await {
        Ok(added) => {
            let notice = crate::domain::round::Msg::new(
                format!("{added} RT ditambahkan untuk kelurahan {kelurahan}."),
                format!("{added} RTs added for kelurahan {kelurahan}."),
            );
            answered(&app, p, &d, |page| page.notice = Some(notice)).await
        }
        Err(e) => {
            let page = Formations::refused(FormationForm::RtCount, data);
            p.answer(&app, page, Err::<(), _>(e)).await
        }
    }
}

/// `POST /admin/seleksi/{id}/formasi/tambah`: a group of RTs (or a whole kelurahan).
pub async fn formations_add(State(app): State<AppState>, p: RoundPost) -> AppResult<Response> {
    let data = typed(&p);
    let res = match svc::parse_formation(&data) {
        Ok(draft) => svc::add_formation(&app.db, p.user.actor(), p.ids, &draft).await,
        Err(e) => Err(ServiceError::Fields(e)),
    };
    let page = Formations::refused(FormationForm::Group, data);
    p.answer(&app, page, res).await
}

/// `POST /admin/seleksi/{id}/formasi/kursi`: bulk edit of seats and reserve.
pub async fn formations_seats(State(app): State<AppState>, p: RoundPost) -> AppResult<Response> {
    let data = typed(&p);
    let res = match svc::parse_seats(&data) {
        Ok(items) => svc::update_seats(&app.db, p.user.actor(), p.ids, &items).await,
        Err(e) => Err(ServiceError::Fields(e)),
    };
    let page = Formations::refused(FormationForm::Seats, data);
    p.answer(&app, page, res).await
}

/// `POST /admin/seleksi/{id}/formasi/impor`: replaces formations from pasted CSV.
pub async fn formations_import(State(app): State<AppState>, p: RoundPost) -> AppResult<Response> {
    let data = typed(&p);
    // Keep the CSV exactly as pasted (FormData trims).
    let text = data.0.get("csv").cloned().unwrap_or_default();
    let res = svc::import_formations(&app.db, p.user.actor(), p.ids, &text).await;
    let page = Formations::refused(FormationForm::Csv, data);
    p.answer(&app, page, res).await
}

/// `POST /admin/seleksi/{id}/formasi/{formation}/hapus`.
pub async fn formations_delete(
    State(app): State<AppState>,
    p: Posted<AdminFirst, (Uuid, Uuid)>,
) -> AppResult<Response> {
    let ((id, fid), data) = (p.ids, typed(&p));
    let res = svc::delete_formation(&app.db, p.user.actor(), id, fid).await;
    let page = Formations::refused(FormationForm::Seats, data);
    p.answer(&app, |_| page(id), res).await
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
