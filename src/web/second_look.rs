//! The second look before provisional publication: one admin asks, another
//! publishes (or refuses) with a written reason. Both forms sit on the round
//! dashboard.

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use time::OffsetDateTime;

use super::{Csrf, CurrentUser, path_id};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::second_look;
use crate::services::self_service::MailCtx;

type Pairs = Form<Vec<(String, String)>>;

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

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
    let approve = match field(&pairs, "decision") {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Pilih umumkan atau tolak. / Choose publish or refuse.".into(),
            ));
        }
    };
    let from = super::results::mailbox(&app)?;
    let mail = MailCtx {
        base_url: &app.config.base_url,
        from: &from,
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
