//! The requirements page of a round.

use axum::extract::{Path, State};
use axum::response::Response;

use super::{RoundPage, RoundPost, admin_only, page, typed};
use crate::app::AppState;
use crate::error::AppResult;
use crate::services::ServiceError;
use crate::services::rounds as svc;
use crate::views::PageCtx;
use crate::views::rounds::{self as v, FormView};
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
pub async fn requirements_save(State(app): State<AppState>, p: RoundPost) -> AppResult<Response> {
    let data = typed(&p);
    let res = match svc::parse_requirements(&data) {
        Ok(rows) => svc::set_requirements(&app.db, p.user.actor(), p.ids, &rows).await,
        Err(e) => Err(ServiceError::Fields(e)),
    };
    let page = |id| {
        let to = format!("/admin/seleksi/{id}/persyaratan");
        RoundPage::new(id, to, data, |ctx, d, f| {
            Ok(v::admin_requirements(ctx, d, &f))
        })
    };
    p.answer(&app, page, res).await
}
