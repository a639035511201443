//! The requirements page of a round.

use axum::extract::{Path, State};
use axum::response::Response;

use super::{Pairs, admin_only, admin_post, page, saved_or_refused};
use crate::app::AppState;
use crate::error::AppResult;
use crate::services::rounds as svc;
use crate::views::PageCtx;
use crate::views::rounds::{self as v, FormView};
use crate::web::forms::refused_fields;
use crate::web::{Csrf, CurrentUser};

/// `GET /admin/seleksi/{id}/persyaratan`.
pub async fn requirements(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    admin_only(&user)?;
    let d = svc::load(&app.db, crate::web::path_id(&id)?).await?;
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
    let (id, data) = admin_post(&user, &id, &csrf, form)?;
    let res = match svc::parse_requirements(&data) {
        Ok(rows) => refused_fields(svc::set_requirements(&app.db, user.actor(), id, &rows).await)?,
        Err(e) => Err(e),
    };
    let to = format!("/admin/seleksi/{id}/persyaratan");
    saved_or_refused(&app, csrf, id, res, to, data, |d, f| {
        Ok(v::admin_requirements(&ctx, d, f))
    })
    .await
}
