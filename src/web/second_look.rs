//! The second look before provisional publication: one admin asks, another
//! publishes (or refuses) with a written reason. Both forms sit on the round
//! dashboard.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use time::OffsetDateTime;
use uuid::Uuid;

use super::posted::{Admin, Posted};
use crate::app::AppState;
use crate::error::AppResult;
use crate::services::second_look;

/// Where both forms return: the round's dashboard.
fn dashboard(id: Uuid) -> Response {
    Redirect::to(&format!("/admin/seleksi/{id}/dasbor")).into_response()
}

/// `POST /admin/seleksi/{id}/tinjauan-kedua/minta`.
pub async fn request(State(app): State<AppState>, p: Posted<Admin, Uuid>) -> AppResult<Response> {
    second_look::request_publication(
        &app.db,
        p.user.actor(),
        p.ids,
        p.field("reason"),
        OffsetDateTime::now_utc(),
    )
    .await?;
    Ok(dashboard(p.ids))
}

/// `POST /admin/seleksi/{id}/tinjauan-kedua/putus`: another admin decides.
pub async fn decide(State(app): State<AppState>, p: Posted<Admin, Uuid>) -> AppResult<Response> {
    let approve = super::four_eyes_decision(&p.form)?;
    second_look::decide_publication(
        &app.db,
        &app.checkpoint_key,
        Some(&app.mail()),
        p.user.actor(),
        p.ids,
        approve,
        p.field("reason"),
        OffsetDateTime::now_utc(),
    )
    .await?;
    Ok(dashboard(p.ids))
}
