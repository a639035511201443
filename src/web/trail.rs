//! The auditors' workspace pages. Every handler reads only: it
//! parses, calls one service function (which refuses everyone but auditors
//! and admins) and renders.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use uuid::Uuid;

use super::posted::{Allowed, Reader};

use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::trail::{self as svc, TrailQuery};
use crate::services::{ServiceError, analytics};
use crate::views::PageCtx;
use crate::views::layout::urlencode;
use crate::views::trail as v;
use crate::web::CurrentUser;

fn reader(user: &CurrentUser) -> Result<(), AppError> {
    user.require(&[Role::Auditor, Role::Admin])
}

/// `GET /audit`: every round and the ways into the trail.
pub async fn home(State(app): State<AppState>, a: Allowed<Reader>) -> AppResult<Markup> {
    let rounds = svc::rounds(&app.db, a.user.role).await?;
    Ok(v::home(&a.ctx, &rounds))
}

/// `GET /audit/jejak`: the trail browser.
pub async fn trail(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    Query(q): Query<TrailQuery>,
) -> AppResult<Response> {
    reader(&user)?;
    let filter = match q.parse() {
        Ok(f) => f,
        Err(ServiceError::Invalid(message)) => {
            return Ok((
                StatusCode::BAD_REQUEST,
                v::trail_page(&ctx, &q, Err(message.pick(ctx.lang))),
            )
                .into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let page = svc::events(&app.db, user.role, &filter, q.before, q.page_size()).await?;
    Ok(v::trail_page(&ctx, &q, Ok(&page)).into_response())
}

/// The registration-number lookup of the workspace home.
#[derive(serde::Deserialize)]
pub struct Lookup {
    #[serde(default)]
    nomor: String,
}

/// `GET /audit/pendaftaran?nomor=…`: to that application's history.
pub async fn lookup(user: CurrentUser, Query(l): Query<Lookup>) -> AppResult<Redirect> {
    reader(&user)?;
    let no = l.nomor.trim();
    if no.is_empty() {
        return Ok(Redirect::to(v::BASE));
    }
    Ok(Redirect::to(&format!(
        "{}/pendaftaran/{}",
        v::BASE,
        urlencode(no)
    )))
}

/// `GET /audit/pendaftaran/{key}`: an application's history (id or registration number).
pub async fn history(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    Path(key): Path<String>,
) -> AppResult<Markup> {
    reader(&user)?;
    let h = svc::application_history(&app.db, user.role, &key).await?;
    Ok(v::history_page(&ctx, &h))
}

/// A workspace page about the thing `id` names.
type About = Allowed<Reader, Uuid>;

/// `GET /audit/penilai/{id}`: a panelist's scorecards and declarations.
pub async fn panelist(State(app): State<AppState>, a: About) -> AppResult<Markup> {
    let p = svc::panelist_view(&app.db, a.user.role, a.ids).await?;
    Ok(v::panelist_page(&a.ctx, &p))
}

/// `GET /audit/formasi/{id}/konflik`: the conflict matrix of a formation.
pub async fn matrix(State(app): State<AppState>, a: About) -> AppResult<Markup> {
    let m = svc::conflict_matrix(&app.db, a.user.role, a.ids).await?;
    Ok(v::matrix_page(&a.ctx, &m))
}

/// `GET /audit/seleksi/{id}`: a round's formations and panels.
pub async fn round(State(app): State<AppState>, a: About) -> AppResult<Markup> {
    let o = svc::round_overview(&app.db, a.user.role, a.ids).await?;
    Ok(v::round_page(&a.ctx, &o))
}

/// `GET /audit/seleksi/{id}/analitik`: the panel analytics of a round.
pub async fn analytics(State(app): State<AppState>, a: About) -> AppResult<Markup> {
    let r = analytics::round_analytics(&app.db, a.user.role, a.ids, None).await?;
    Ok(v::analytics_page(&a.ctx, &r))
}
