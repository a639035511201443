//! The criteria page of a round, and criteria taken from a template.

use axum::extract::{Path, State};
use axum::response::Response;

use super::{Pairs, admin_only, admin_post, page, saved_or_refused};
use crate::app::AppState;
use crate::error::AppResult;
use crate::services::rounds as svc;
use crate::views::PageCtx;
use crate::views::rounds::{self as v, FormView};
use crate::web::forms::{redirect_or_rerender, refused_fields};
use crate::web::{Csrf, CurrentUser};

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
    let d = svc::load(&app.db, crate::web::path_id(&id)?).await?;
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
    let (id, data) = admin_post(&user, &id, &csrf, form)?;
    let res = match svc::CriteriaDraft::try_from(&data) {
        Ok(rows) => refused_fields(svc::set_criteria(&app.db, user.actor(), id, &rows.0).await)?,
        Err(e) => Err(e),
    };
    let to = format!("/admin/seleksi/{id}/kriteria");
    saved_or_refused(&app, csrf, id, res, to, data, |d, f| {
        Ok(v::admin_criteria(&ctx, d, f, &template_names()?))
    })
    .await
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
    let (id, data) = admin_post(&user, &id, &csrf, form)?;
    // Applying a template replaces every criterion and requirement: only
    // with the box ticked that says so.
    let outcome = if data.get("confirm") == "1" {
        refused_fields(svc::apply_template(&app.db, user.actor(), id, data.get("template")).await)?
    } else {
        Err(crate::domain::form::FieldErrors::from([(
            "confirm".to_owned(),
            crate::domain::round::Msg::new(
                "Centang konfirmasi: templat mengganti semua kriteria dan persyaratan seleksi ini.",
                "Tick the confirmation: the template replaces all criteria and requirements of this round.",
            ),
        )]))
    };
    let to = format!("/admin/seleksi/{id}/kriteria?templat=1");
    redirect_or_rerender(csrf, outcome.map(|()| to), |errors, token| async move {
        let d = svc::load(&app.db, id).await?;
        let f = FormView {
            values: v::criteria_values(&d),
            errors,
            csrf: token,
        };
        Ok(v::admin_criteria(&ctx, &d, &f, &template_names()?))
    })
    .await
}
