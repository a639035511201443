//! The stages of a round, and the publication of a stage's shortlist.

use axum::extract::{Path, State};
use axum::response::Response;

use super::{
    Pairs, admin_only, admin_post, field_errors, refused, see_other, settings_values, submitted,
};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::services::rounds::{self as svc, FieldErrors};
use crate::views::PageCtx;
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
pub async fn stages_save(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    let (id, data) = admin_post(&user, &id, &csrf, form)?;
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
pub async fn programme_save(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    let (id, data) = admin_post(&user, &id, &csrf, form)?;
    let res = match svc::ProgrammeSettings::parse(&data) {
        Ok(s) => field_errors(svc::set_programme(&app.db, user.actor(), id, &s).await)?,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(see_other(format!("/admin/seleksi/{id}#program"))),
        Err(errors) => {
            let d = svc::load(&app.db, id).await?;
            if !d.state().is_editable() {
                return Err(AppError::Conflict(crate::domain::round::frozen_msg()));
            }
            let settings = FormView::new(settings_values(&d.round), &csrf.token()?);
            let programme = FormView {
                values: data,
                errors,
                csrf: csrf.token()?,
            };
            Ok(refused(
                csrf,
                v::admin_round_with_programme(&ctx, &d, &settings, &programme),
            ))
        }
    }
}

/// `GET /admin/seleksi/{id}/program`: the programme lives on the settings page.
pub async fn programme_page(user: CurrentUser, Path(id): Path<String>) -> AppResult<Response> {
    admin_only(&user)?;
    let id = crate::web::path_id(&id)?;
    Ok(see_other(format!("/admin/seleksi/{id}#program")))
}
