//! The stages of a round, and the publication of a stage's shortlist.

use axum::extract::{Path, State};
use axum::response::Response;

use super::{Pairs, admin_only, admin_post, see_other, settings_values, submitted};
use crate::app::AppState;
use crate::domain::form::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::rounds as svc;
use crate::views::PageCtx;
use crate::views::rounds::{self as v, FormView};
use crate::web::forms::{redirect_or_rerender, refused_fields};
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
    let res = match svc::StagesDraft::try_from(&data) {
        Ok(draft) => refused_fields(svc::set_stages(&app.db, user.actor(), id, &draft).await)?,
        Err(e) => Err(e),
    };
    let to = format!("/admin/seleksi/{id}#tahapan");
    redirect_or_rerender(csrf, res.map(|()| to), |errors, token| async move {
        let d = editable(&app, id).await?;
        let settings = FormView::new(settings_values(&d.round), &token);
        let stages = FormView {
            values: data,
            errors,
            csrf: token,
        };
        Ok(v::admin_round_with_stages(
            &ctx,
            &d,
            &settings,
            &FieldErrors::new(),
            &stages,
        ))
    })
    .await
}

/// The round of a refused stages or programme form, which is drawn again
/// only while the round is a draft: once frozen the refusal is a conflict
/// (409).
async fn editable(app: &AppState, id: uuid::Uuid) -> AppResult<svc::RoundDetail> {
    let d = svc::load(&app.db, id).await?;
    if !d.state().is_editable() {
        return Err(AppError::Conflict(crate::domain::round::frozen_msg()));
    }
    Ok(d)
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
        Ok(s) => refused_fields(svc::set_programme(&app.db, user.actor(), id, &s).await)?,
        Err(e) => Err(e),
    };
    let to = format!("/admin/seleksi/{id}#program");
    redirect_or_rerender(csrf, res.map(|()| to), |errors, token| async move {
        let d = editable(&app, id).await?;
        let settings = FormView::new(settings_values(&d.round), &token);
        let programme = FormView {
            values: data,
            errors,
            csrf: token,
        };
        Ok(v::admin_round_with_programme(
            &ctx, &d, &settings, &programme,
        ))
    })
    .await
}

/// `GET /admin/seleksi/{id}/program`: the programme lives on the settings page.
pub async fn programme_page(user: CurrentUser, Path(id): Path<String>) -> AppResult<Response> {
    admin_only(&user)?;
    let id = crate::web::path_id(&id)?;
    Ok(see_other(format!("/admin/seleksi/{id}#program")))
}
