//! The scoring progress page and the admin's recusal of a panelist.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::ServiceError;
use crate::services::panel_admin as svc;
use crate::views::PageCtx;
use crate::views::progress::{self as v, ProgressForm};

async fn render(
    app: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    csrf: &Csrf,
    round_id: Uuid,
    error: Option<String>,
    typed: Option<(String, String, String)>,
) -> AppResult<Response> {
    let progress = svc::progress(&app.db, user.actor(), round_id).await?;
    let has_imported = crate::services::imports::imported_criteria(&app.db, round_id)
        .await?
        .into_iter()
        .next()
        .is_some();
    let token = csrf.token()?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = v::page(
        ctx,
        &progress,
        &ProgressForm {
            csrf: &token,
            can_recuse: user.role == Role::Admin,
            error,
            typed,
            has_imported,
        },
    );
    Ok((status, csrf.0.clone(), page).into_response())
}

/// `GET /admin/seleksi/{id}/progres` (admins; auditors read it too).
pub async fn page(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user.require(&[Role::Admin, Role::Auditor])?;
    render(&app, &ctx, &user, &csrf, super::path_id(&id)?, None, None).await
}

/// Fields of the recusal form.
#[derive(serde::Deserialize)]
pub struct RecuseInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    application_id: String,
    #[serde(default)]
    panelist_id: String,
    #[serde(default)]
    reason: String,
}

/// `POST /admin/seleksi/{id}/progres/kecualikan`.
pub async fn recuse(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(input): Form<RecuseInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    user.require(&[Role::Admin])?;
    let round_id = super::path_id(&id)?;
    let application = super::path_id(&input.application_id)?;
    let panelist = super::path_id(&input.panelist_id)?;
    // The application must belong to this round (the path is the scope).
    if !svc::in_round(&app.db, application, round_id).await? {
        return Err(AppError::NotFound);
    }
    match svc::recuse(&app.db, user.actor(), application, panelist, &input.reason).await {
        Ok(svc::Recusal::Applied(_)) => {
            Ok(Redirect::to(&format!("/admin/seleksi/{round_id}/progres")).into_response())
        }
        // After publication a second admin decides: the request is listed there.
        Ok(svc::Recusal::Requested(_)) => Ok(Redirect::to("/admin/persetujuan").into_response()),
        Err(ServiceError::Invalid(m) | ServiceError::Conflict(m)) => {
            let m = m.pick(ctx.lang).to_owned();
            render(
                &app,
                &ctx,
                &user,
                &csrf,
                round_id,
                Some(m),
                Some((input.application_id, input.panelist_id, input.reason)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
