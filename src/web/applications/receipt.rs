//! The receipt of a submitted application and its status PIN, shown once
//! and reissued on request.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::{acting, parse_id};
use crate::app::AppState;
use crate::domain::registration::StatusPin;
use crate::error::{AppError, AppResult};
use crate::services::applications::{self as svc, Acting};
use crate::views::PageCtx;
use crate::views::applications as v;
use crate::web::{Csrf, CurrentUser};

pub(super) fn to_receipt(id: Uuid) -> Response {
    Redirect::to(&format!("/pendaftaran/{id}/tanda-terima")).into_response()
}

/// The receipt with a status PIN in clear: the answer to an assisted
/// submission or to a new PIN. Only the PIN's hash is stored, so this is the
/// one time it is shown, and no cache may keep it.
pub(super) async fn pin_receipt(
    app: &AppState,
    ctx: &PageCtx,
    act: Acting<'_>,
    id: Uuid,
    pin: &StatusPin,
    replaces_old: bool,
) -> AppResult<Response> {
    let view = svc::load(&app.db, &app.vault, act, id).await?;
    let page = v::receipt(
        ctx,
        &v::ReceiptPage {
            view: &view,
            pin: Some(v::NewPin {
                pin: pin.as_str().to_owned(),
                replaces_old,
            }),
            reissue_csrf: None,
            base_url: &app.config.base_url,
        },
    );
    Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
}

/// `GET /pendaftaran/{id}/tanda-terima`; for an assisted application, its
/// operator (or an admin) also finds the button that issues a new PIN.
pub async fn receipt(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let view = svc::load(&app.db, &app.vault, acting(&user), id).await?;
    if view.application.registration_no.is_none() {
        return Ok(Redirect::to(&format!("/pendaftaran/{id}")).into_response());
    }
    let reissue_csrf = if acting(&user).may_reissue_pin(&view.application) {
        Some(csrf.token()?)
    } else {
        None
    };
    let page = v::receipt(
        &ctx,
        &v::ReceiptPage {
            view: &view,
            pin: None,
            reissue_csrf,
            base_url: &app.config.base_url,
        },
    );
    Ok((csrf.0, page).into_response())
}

/// Fields of the "issue a new PIN" form.
#[derive(serde::Deserialize)]
pub struct ReissueInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /pendaftaran/{id}/pin`: a new status PIN for an assisted
/// application whose printed receipt was lost (or never printed: the first
/// PIN is only in the answer to the submission). The old PIN stops working;
/// the new one is shown this once.
pub async fn reissue_pin(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(input): Form<ReissueInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    let id = parse_id(&id)?;
    // The old PIN stops working at once: ask first, like a withdrawal.
    if input.confirm != "yes" {
        let view = svc::load(&app.db, &app.vault, acting(&user), id).await?;
        if !acting(&user).may_reissue_pin(&view.application) {
            return Err(AppError::Forbidden);
        }
        let page = v::reissue_confirm(&ctx, id, &csrf.token()?);
        return Ok((csrf.0, page).into_response());
    }
    let pin = svc::reissue_pin(&app.db, acting(&user), id).await?;
    pin_receipt(&app, &ctx, acting(&user), id, &pin, true).await
}
