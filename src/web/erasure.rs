//! Erasure requests: filed by the applicant at `/akun`, decided by an admin
//! at `/admin/penghapusan-data`.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::services::{ServiceError, erasure};
use crate::views::PageCtx;

/// The erasure form.
#[derive(serde::Deserialize)]
pub struct RequestInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    application_id: String,
    #[serde(default)]
    reason: String,
}

/// `POST /akun/hapus-data`: records the request and returns to `/akun`; a
/// refusal (an open request, already erased, a reason too long) shows the
/// account page again at 422 with the message.
pub async fn request(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Form(input): Form<RequestInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    user.require(&[Role::Applicant])?;
    let id = super::path_id(&input.application_id)?;
    let mail = app.mail();
    match erasure::file(
        &app.db,
        mail,
        user.actor(),
        id,
        &input.reason,
        app.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/akun?pesan=hapus-diajukan#hapus-data").into_response()),
        Err(ServiceError::Conflict(m) | ServiceError::Invalid(m)) => {
            let mut view = super::account::account_view(&app, &ctx, &csrf, &user).await?;
            view.alert = Some(m.pick(ctx.lang).to_owned());
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                csrf.0,
                crate::views::account::account(&ctx, &view),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /admin/penghapusan-data`.
pub async fn list(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    let rows = erasure::for_admin(&app.db, user.actor()).await?;
    let page = crate::views::erasure::admin_page(&ctx, &csrf.token()?, &rows);
    Ok((csrf.0, page).into_response())
}

/// The decide form: only the CSRF token.
#[derive(serde::Deserialize)]
pub struct DecideInput {
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/penghapusan-data/{id}/putuskan`: refuses (legal hold) or
/// executes; a request already decided answers 409.
pub async fn decide(
    State(app): State<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(input): Form<DecideInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    user.require(&[Role::Admin])?;
    let id = super::path_id(&id)?;
    let mail = app.mail();
    match erasure::decide(
        &app.db,
        &app.files(),
        mail,
        user.actor(),
        id,
        app.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/admin/penghapusan-data").into_response()),
        // A conflict (already decided) is the 409 page with its reason.
        Err(e) => Err(e.into()),
    }
}

/// `GET /meja-bantuan/hapus-data`: operators (and admins).
pub async fn desk_form(
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    axum::extract::Query(q): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> AppResult<Response> {
    user.require(&[Role::Operator, Role::Admin])?;
    let notice = q.contains_key("tercatat").then(|| {
        ctx.t(
            "Permintaan penghapusan tercatat; admin akan memutuskannya.",
            "The erasure request is recorded; an admin will decide it.",
        )
    });
    let page = crate::views::erasure::desk_page(&ctx, &csrf.token()?, "", "", notice, None);
    Ok((csrf.0, page).into_response())
}

/// The help-desk erasure form.
#[derive(serde::Deserialize)]
pub struct DeskInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    registration_no: String,
    #[serde(default)]
    pin: String,
    #[serde(default)]
    reason: String,
}

/// `POST /meja-bantuan/hapus-data`: files the request for the desk
/// registrant that number and PIN identify, then shows the form again with
/// a notice. A number and PIN that match no assisted application of the
/// operator's kelurahan give the form again at 422 (the number kept, never
/// the PIN); an open request or erased data at 409.
pub async fn desk_file(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Form(input): Form<DeskInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    user.require(&[Role::Operator, Role::Admin])?;
    let mail = app.mail();
    let result = erasure::file_at_desk(
        &app.db,
        mail,
        user.actor(),
        &user.scopes,
        &input.registration_no,
        &input.pin,
        &input.reason,
        app.clock.now(),
    )
    .await;
    let (status, message) = match result {
        Ok(_) => return Ok(Redirect::to("/meja-bantuan/hapus-data?tercatat=1").into_response()),
        Err(ServiceError::NotFound) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.t(
                "Nomor pendaftaran dan PIN tidak cocok dengan pendaftaran dibantu di kelurahan Anda.",
                "The registration number and PIN match no assisted application of your kelurahan.",
            )
            .to_owned(),
        ),
        Err(ServiceError::Invalid(m)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, m.pick(ctx.lang).to_owned())
        }
        Err(ServiceError::Conflict(m)) => (StatusCode::CONFLICT, m.pick(ctx.lang).to_owned()),
        Err(e) => return Err(e.into()),
    };
    let page = crate::views::erasure::desk_page(
        &ctx,
        &csrf.token()?,
        input.registration_no.trim(),
        &input.reason,
        None,
        Some(&message),
    );
    Ok((status, csrf.0, page).into_response())
}
