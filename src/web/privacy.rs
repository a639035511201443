//! The privacy notice and the admin's privacy settings.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::Markup;

use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::services::privacy as svc;
use crate::views::PageCtx;
use crate::views::privacy as v;

/// `GET /pelindungan-data`.
pub async fn notice(State(app): State<AppState>, ctx: PageCtx) -> AppResult<Markup> {
    let settings = svc::load(&app.db).await?;
    Ok(v::notice(&ctx, &settings))
}

/// `GET /admin/pelindungan-data`.
pub async fn settings(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    let settings = svc::load(&app.db).await?;
    let form = v::SettingsForm::from_settings(csrf.token()?, &settings);
    Ok((csrf.0, v::settings_page(&ctx, &form)).into_response())
}

/// `POST /admin/pelindungan-data`: saves, or shows the form again at 422
/// with every typed value and the errors next to their fields.
pub async fn save_settings(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let typed: std::collections::BTreeMap<String, String> = pairs.into_iter().collect();
    csrf.verify(typed.get("csrf").map_or("", String::as_str))?;
    user.require(&[Role::Admin])?;
    match svc::parse_form(&typed) {
        Ok(settings) => {
            svc::save(&app.db, user.actor(), &settings, app.clock.now()).await?;
            let mut form = v::SettingsForm::from_settings(csrf.token()?, &settings);
            form.saved = true;
            Ok((csrf.0, v::settings_page(&ctx, &form)).into_response())
        }
        Err(errors) => {
            let mut values = typed;
            values.remove("csrf");
            let form = v::SettingsForm {
                csrf: csrf.token()?,
                values,
                errors,
                saved: false,
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                csrf.0,
                v::settings_page(&ctx, &form),
            )
                .into_response())
        }
    }
}

/// `GET /akun/data-saya`: the signed-in person's access download, as a
/// JSON file (the same document as `GET /api/v1/me/data`).
pub async fn my_data(State(app): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let data =
        crate::services::access::for_account(&app.db, &app.files(), user.id, app.clock.now())
            .await?;
    let body = serde_json::to_vec_pretty(&data)
        .map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("access download: {e}")))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"data-saya.json\"",
            ),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}
