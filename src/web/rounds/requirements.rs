//! The requirements page of a round.

use axum::extract::State;
use axum::response::Response;

use super::{RoundPage, RoundPost, form_page, typed};
use crate::app::AppState;
use crate::error::AppResult;
use crate::services::ServiceError;
use crate::services::rounds as svc;
use crate::views::rounds as v;
use crate::web::Csrf;
use crate::web::posted::{AdminFirst, Allowed};
use uuid::Uuid;

/// `GET /admin/seleksi/{id}/persyaratan`.
pub async fn requirements(
    State(app): State<AppState>,
    a: Allowed<AdminFirst, Uuid>,
    csrf: Csrf,
) -> AppResult<Response> {
    form_page(&app, a, csrf, v::requirement_values, |ctx, d, f| {
        Ok(v::admin_requirements(ctx, d, f))
    })
    .await
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
