//! An applicant's consent to news by SMS/WhatsApp: given and withdrawn.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{Pairs, typed};
use crate::app::AppState;
use crate::error::AppResult;
use crate::services::applications::Acting;
use crate::services::message_consent;
use crate::views::PageCtx;
use crate::views::info_admin::{self as va, FormState};
use crate::web::forms::{redirect_or_rerender, refused_fields};
use crate::web::{Csrf, CurrentUser, form_field, path_id};

fn acting(user: &CurrentUser) -> Acting<'_> {
    Acting {
        actor: user.actor(),
        scopes: &user.scopes,
    }
}

/// `GET /pendaftaran/{id}/pesan`.
pub async fn consent_page(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let view = message_consent::view(&app.db, &app.vault, acting(&user), path_id(&id)?).await?;
    let f = FormState::with(&[
        (
            "phone",
            view.current
                .as_ref()
                .map_or_else(|| view.application_phone.clone(), |(p, _)| p.clone()),
        ),
        (
            "channel",
            view.current
                .as_ref()
                .map_or("sms", |(_, c)| c.as_str())
                .to_owned(),
        ),
    ]);
    let t = csrf.token()?;
    Ok((csrf.0, va::consent(&ctx, &t, &view, &f)).into_response())
}

/// `POST /pendaftaran/{id}/pesan`.
pub async fn consent_give(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    let id = path_id(&id)?;
    let agreed = form_field(&pairs, "agree") == "1";
    let res = refused_fields(
        message_consent::give(
            &app.db,
            acting(&user),
            id,
            form_field(&pairs, "phone"),
            form_field(&pairs, "channel"),
            agreed,
            app.clock.now(),
        )
        .await,
    )?;
    redirect_or_rerender(
        csrf,
        res.map(|()| format!("/pendaftaran/{id}/pesan")),
        |errors, t| async move {
            let view = message_consent::view(&app.db, &app.vault, acting(&user), id).await?;
            let mut f = typed(&pairs, &["phone", "channel", "agree"]);
            f.errors = errors;
            Ok(va::consent(&ctx, &t, &view, &f))
        },
    )
    .await
}

/// `POST /pendaftaran/{id}/pesan/cabut`.
pub async fn consent_withdraw(
    State(app): State<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    let id = path_id(&id)?;
    message_consent::withdraw(&app.db, acting(&user), id, app.clock.now()).await?;
    Ok(Redirect::to(&format!("/pendaftaran/{id}/pesan")).into_response())
}
