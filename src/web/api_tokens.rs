//! Personal API tokens at `/akun`: make one (shown once on the answer) and
//! revoke one. Both are forms with the CSRF token like the rest of the page.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::account::account_view;
use super::{Csrf, CurrentUser, form_field, path_id};
use crate::app::AppState;
use crate::error::AppResult;
use crate::services::ServiceError;
use crate::services::api_tokens as svc;
use crate::views::PageCtx;
use crate::views::account::account;

/// `POST /akun/token`: `label`, `days`. The answer is the account page with
/// the new token in it; it is never stored or shown again.
pub async fn create(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    let label = form_field(&pairs, "label");
    let days = form_field(&pairs, "days");
    let res = svc::create(&app.db, app.clock.now(), user.id, label, days).await;
    let mut view = account_view(&app, &ctx, &csrf, &user).await?;
    match res {
        Ok(created) => {
            view.tokens.created = Some(created.token);
            Ok((csrf.0, account(&ctx, &view)).into_response())
        }
        Err(ServiceError::Invalid(msg)) => {
            view.tokens.error = Some(msg.pick(ctx.lang).to_owned());
            view.tokens.label = label.to_owned();
            view.tokens.days = days.to_owned();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                csrf.0,
                account(&ctx, &view),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /akun/token/{id}/cabut`: the token stops working at once.
pub async fn revoke(
    State(app): State<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    let id = path_id(&id)?;
    svc::revoke(&app.db, app.clock.now(), user.id, id).await?;
    Ok(Redirect::to("/akun#token").into_response())
}
