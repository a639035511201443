//! The stages of a round, and the publication of a stage's shortlist.

use axum::extract::{Path, State};
use axum::response::Response;

use super::{
    Pairs, RoundPage, RoundPost, admin_only, see_other, settings_values, submitted, typed,
};
use crate::app::AppState;
use crate::domain::form::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::ServiceError;
use crate::services::rounds as svc;
use crate::views::rounds::{self as v, FormView};
use crate::web::{Csrf, CurrentUser};

/// `GET /admin/seleksi/{id}/tahap`: the stages live on the settings page.
pub async fn stages_page(user: CurrentUser, Path(id): Path<String>) -> AppResult<Response> {
    admin_only(&user)?;
    let id = crate::web::path_id(&id)?;
    Ok(see_other(format!("/admin/seleksi/{id}#tahapan")))
}

/// `POST /admin/seleksi/{id}/tahap`: replaces the stages and the final rule
/// of a draft round. Once the rules are frozen this is a conflict (409).
pub async fn stages_save(State(app): State<AppState>, p: RoundPost) -> AppResult<Response> {
    let data = typed(&p);
    let res = match svc::StagesDraft::try_from(&data) {
        Ok(draft) => svc::set_stages(&app.db, p.user.actor(), p.ids, &draft).await,
        Err(e) => Err(ServiceError::Fields(e)),
    };
    let page = |id| {
        RoundPage::new(
            id,
            format!("/admin/seleksi/{id}#tahapan"),
            data,
            |ctx, d, f| {
                editable(d)?;
                let settings = FormView::new(settings_values(&d.round), &f.csrf);
                let none = FieldErrors::new();
                Ok(v::admin_round_with_stages(ctx, d, &settings, &none, &f))
            },
        )
    };
    p.answer(&app, page, res).await
}

/// A refused stages or programme form is drawn again only while the round
/// is a draft: once frozen the refusal is a conflict (409).
fn editable(d: &svc::RoundDetail) -> AppResult<()> {
    if d.state().is_editable() {
        Ok(())
    } else {
        Err(AppError::Conflict(crate::domain::round::frozen_msg()))
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
    let id = crate::web::path_id(&id)?;
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

/// `POST /admin/seleksi/{id}/program`: the programme's names and the
/// domicile rule of a draft round. Once the rules are frozen this is a
/// conflict (409).
pub async fn programme_save(State(app): State<AppState>, p: RoundPost) -> AppResult<Response> {
    let data = typed(&p);
    let res = match svc::ProgrammeSettings::parse(&data) {
        Ok(s) => svc::set_programme(&app.db, p.user.actor(), p.ids, &s).await,
        Err(e) => Err(ServiceError::Fields(e)),
    };
    let page = |id| {
        RoundPage::new(
            id,
            format!("/admin/seleksi/{id}#program"),
            data,
            |ctx, d, f| {
                editable(d)?;
                let settings = FormView::new(settings_values(&d.round), &f.csrf);
                Ok(v::admin_round_with_programme(ctx, d, &settings, &f))
            },
        )
    };
    p.answer(&app, page, res).await
}

/// `GET /admin/seleksi/{id}/program`: the programme lives on the settings page.
pub async fn programme_page(user: CurrentUser, Path(id): Path<String>) -> AppResult<Response> {
    admin_only(&user)?;
    let id = crate::web::path_id(&id)?;
    Ok(see_other(format!("/admin/seleksi/{id}#program")))
}
