//! The criteria page of a round, and criteria taken from a template.

use axum::extract::State;
use axum::response::Response;

use super::{RoundPage, RoundPost, form_page, typed};
use crate::app::AppState;
use crate::domain::form::{FieldErrors, FormData};
use crate::error::AppResult;
use crate::services::ServiceError;
use crate::services::rounds as svc;
use crate::views::rounds::{self as v, FormView};
use crate::web::Csrf;
use crate::web::posted::{AdminFirst, Allowed};
use uuid::Uuid;

fn template_names() -> AppResult<Vec<(String, crate::domain::round::Msg)>> {
    Ok(svc::templates()?
        .into_iter()
        .map(|t| (t.code, crate::domain::round::Msg::new(t.name_id, t.name_en)))
        .collect())
}

/// `GET /admin/seleksi/{id}/kriteria`.
pub async fn criteria(
    State(app): State<AppState>,
    a: Allowed<AdminFirst, Uuid>,
    csrf: Csrf,
) -> AppResult<Response> {
    form_page(&app, a, csrf, v::criteria_values, |ctx, d, f| {
        Ok(v::admin_criteria(ctx, d, f, &template_names()?))
    })
    .await
}

/// `POST /admin/seleksi/{id}/kriteria`: replaces all criteria at once, so the
/// weights are checked as a whole.
pub async fn criteria_save(State(app): State<AppState>, p: RoundPost) -> AppResult<Response> {
    let data = typed(&p);
    let res = match svc::CriteriaDraft::try_from(&data) {
        Ok(rows) => svc::set_criteria(&app.db, p.user.actor(), p.ids, &rows.0).await,
        Err(e) => Err(ServiceError::Fields(e)),
    };
    let page = |id| {
        let to = format!("/admin/seleksi/{id}/kriteria");
        RoundPage::new(id, to, data, |ctx, d, f| {
            Ok(v::admin_criteria(ctx, d, &f, &template_names()?))
        })
    };
    p.answer(&app, page, res).await
}

/// `POST /admin/seleksi/{id}/templat`: "start from template".
pub async fn template(State(app): State<AppState>, p: RoundPost) -> AppResult<Response> {
    // Applying a template replaces every criterion and requirement: only
    // with the box ticked that says so.
    let res = if p.field("confirm") == "1" {
        svc::apply_template(&app.db, p.user.actor(), p.ids, p.field("template")).await
    } else {
        Err(ServiceError::Fields(FieldErrors::from([(
            "confirm".to_owned(),
            crate::domain::round::Msg::new(
                "Centang konfirmasi: templat mengganti semua kriteria dan persyaratan seleksi ini.",
                "Tick the confirmation: the template replaces all criteria and requirements of this round.",
            ),
        )])))
    };
    // Refused, the criteria as stored, with the reason.
    let page = |id| {
        let to = format!("/admin/seleksi/{id}/kriteria?templat=1");
        RoundPage::new(id, to, FormData::default(), |ctx, d, f| {
            let f = FormView {
                values: v::criteria_values(d),
                ..f
            };
            Ok(v::admin_criteria(ctx, d, &f, &template_names()?))
        })
    };
    p.answer(&app, page, res).await
}
