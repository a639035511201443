//! The second look before provisional publication: one admin asks, another
//! publishes (or refuses) with a written reason. Both forms sit on the round
//! dashboard.

use super::form_field as field;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use time::OffsetDateTime;

use super::{Csrf, CurrentUser, path_id};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::services::second_look;
use crate::services::self_service::MailCtx;

type Pairs = Form<Vec<(String, String)>>;

/// `POST /admin/seleksi/{id}/tinjauan-kedua/minta`.
pub async fn request(
    State(app): State<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(field(&pairs, "csrf"))?;
    user.require(&[Role::Admin])?;
    let id = path_id(&id)?;
    second_look::request_publication(
        &app.db,
        user.actor(),
        id,
        field(&pairs, "reason"),
        OffsetDateTime::now_utc(),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/seleksi/{id}/dasbor")).into_response())
}

/// `POST /admin/seleksi/{id}/tinjauan-kedua/putus`: another admin decides.
pub async fn decide(
    State(app): State<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(field(&pairs, "csrf"))?;
    user.require(&[Role::Admin])?;
    let id = path_id(&id)?;
    let approve = super::four_eyes_decision(&pairs)?;
    let from = app.mail_from.clone();
    let mail = MailCtx {
        base_url: &app.config.base_url,
        from: &from,
        vault: &app.vault,
    };
    second_look::decide_publication(
        &app.db,
        &app.checkpoint_key,
        Some(&mail),
        user.actor(),
        id,
        approve,
        field(&pairs, "reason"),
        OffsetDateTime::now_utc(),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/seleksi/{id}/dasbor")).into_response())
}
