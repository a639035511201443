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

/// A posted form's fields by name, once its CSRF token holds and then the
/// user has one of `roles`.
fn posted(
    csrf: &Csrf,
    user: &CurrentUser,
    roles: &[Role],
    pairs: Vec<(String, String)>,
) -> AppResult<std::collections::BTreeMap<String, String>> {
    let typed: std::collections::BTreeMap<String, String> = pairs.into_iter().collect();
    csrf.verify(typed.get("csrf").map_or("", String::as_str))?;
    user.require(roles)?;
    Ok(typed)
}

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
    let typed = posted(&csrf, &user, &[Role::Admin], pairs)?;
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
    let data = crate::services::access::for_account(
        &app.db,
        &app.vault,
        &app.files(),
        user.id,
        app.clock.now(),
    )
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

async fn breaches_view(
    app: &AppState,
    ctx: &PageCtx,
    csrf: &Csrf,
    values: std::collections::BTreeMap<String, String>,
    errors: std::collections::BTreeMap<String, crate::domain::round::Msg>,
) -> AppResult<Markup> {
    use crate::services::breaches::{self, Recipient};
    let settings = svc::load(&app.db).await?;
    let now = app.clock.now();
    let rows = breaches::list(&app.db)
        .await?
        .into_iter()
        .map(|record| v::BreachRow {
            clock: breaches::clock_of(&record, now),
            notice_subjects: breaches::notice_text(&record, &settings, Recipient::Subjects),
            notice_authority: breaches::notice_text(&record, &settings, Recipient::Authority),
            record,
        })
        .collect();
    Ok(v::breaches_page(
        ctx,
        &v::BreachPage {
            csrf: csrf.token()?,
            rows,
            values,
            errors,
        },
    ))
}

/// `GET /admin/kebocoran-data`.
pub async fn breaches(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    let page = breaches_view(&app, &ctx, &csrf, Default::default(), Default::default()).await?;
    Ok((csrf.0, page).into_response())
}

/// `POST /admin/kebocoran-data`: records a breach, or shows the form again
/// at 422 with what was typed and the errors.
pub async fn record_breach(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    use crate::services::breaches::{self, NewBreach};
    let mut typed = posted(&csrf, &user, &[Role::Admin], pairs)?;
    typed.remove("csrf");
    let get = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let now = app.clock.now();
    let b = NewBreach {
        discovered_at: crate::domain::round::parse_wita(&get("discovered_at"))
            .ok()
            .flatten(),
        what: get("what"),
        whom: get("whom"),
        how: get("how"),
        measures: get("measures"),
    };
    if let Err(errors) = breaches::check(&b, now) {
        let page = breaches_view(&app, &ctx, &csrf, typed, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.0, page).into_response());
    }
    breaches::record(&app.db, user.actor(), &b, now).await?;
    Ok(axum::response::Redirect::to("/admin/kebocoran-data").into_response())
}

/// `POST /admin/kebocoran-data/{id}/pemberitahuan`: records that a notice was sent.
pub async fn breach_notified(
    State(app): State<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    use crate::services::breaches::{self, Recipient};
    let typed = posted(&csrf, &user, &[Role::Admin], pairs)?;
    let id = super::path_id(&id)?;
    let to = Recipient::parse(typed.get("to").map_or("", String::as_str)).ok_or_else(|| {
        crate::error::AppError::Refused(crate::domain::msg::Msg::new(
            "Pilih siapa yang diberi tahu.",
            "Choose who was notified.",
        ))
    })?;
    match breaches::mark_notified(&app.db, user.actor(), id, to, app.clock.now()).await {
        Ok(()) => Ok(axum::response::Redirect::to("/admin/kebocoran-data").into_response()),
        Err(e) => Err(e.into()),
    }
}

/// `GET /meja-bantuan/data-pendaftar`: operators (and admins).
pub async fn desk_access(ctx: PageCtx, user: CurrentUser, csrf: Csrf) -> AppResult<Response> {
    user.require(&[Role::Operator, Role::Admin])?;
    let page = v::desk_access_page(&ctx, &csrf.token()?, "", None);
    Ok((csrf.0, page).into_response())
}

/// `POST /meja-bantuan/data-pendaftar`: the registrant's access download as
/// a JSON file, or the form again at 422 (the number kept, never the PIN)
/// when number and PIN do not match an assisted application of the
/// operator's kelurahan.
pub async fn desk_access_download(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let typed = posted(&csrf, &user, &[Role::Operator, Role::Admin], pairs)?;
    let no = typed.get("registration_no").map_or("", String::as_str);
    let pin = typed.get("pin").map_or("", String::as_str);
    match crate::services::access::desk_download(
        &app.db,
        &app.vault,
        &app.files(),
        user.actor(),
        &user.scopes,
        no,
        pin,
        app.clock.now(),
    )
    .await
    {
        Ok(data) => json_attachment(&data, "data-pendaftar.json"),
        Err(crate::services::ServiceError::NotFound) => {
            let msg = crate::domain::round::Msg::new(
                "Nomor pendaftaran dan PIN tidak cocok dengan pendaftaran dibantu di kelurahan Anda.",
                "The registration number and PIN match no assisted application of your kelurahan.",
            );
            let page = v::desk_access_page(&ctx, &csrf.token()?, no, Some(&msg));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.0, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn json_attachment(data: &serde_json::Value, name: &str) -> AppResult<Response> {
    let body = serde_json::to_vec_pretty(data)
        .map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("access download: {e}")))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
