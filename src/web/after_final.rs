//! After the final result: the round's formed groups (replacement through
//! four-eyes, offices) and the annex of the Lurah's decree. Handlers parse
//! and call `services::after_final`.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use time::OffsetDateTime;
use uuid::Uuid;

use super::form_field as field;
use super::{Csrf, CurrentUser, path_id};
use crate::app::AppState;
use crate::domain::group_roles::GroupRole;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::ServiceError;
use crate::services::after_final::{self as af, annex, group, replacement};
use crate::services::self_service::MailCtx;
use crate::views::PageCtx;
use crate::views::after_final as v;

type Pairs = Form<Vec<(String, String)>>;

/// The routes of this concern.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/seleksi/{id}/pasca-final", get(page))
        .route("/admin/seleksi/{id}/pasca-final/ganti", post(propose))
        .route(
            "/admin/seleksi/{id}/pasca-final/ganti/{approval}/keputusan",
            post(decide),
        )
        .route(
            "/admin/seleksi/{id}/pasca-final/peran/{formation}",
            post(roles),
        )
        .route("/admin/seleksi/{id}/lampiran/{formation}", get(annex_page))
        .route(
            "/admin/seleksi/{id}/lampiran/{formation}/anggota.csv",
            get(annex_csv),
        )
}

/// A refusal a person can act on, shown on the page; anything else is an error.
fn refusal(e: ServiceError, ctx: &PageCtx) -> AppResult<String> {
    match e {
        ServiceError::Invalid(m) | ServiceError::Conflict(m) => Ok(m.pick(ctx.lang).to_owned()),
        other => Err(other.into()),
    }
}

async fn render(
    app: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    csrf: Csrf,
    round_id: Uuid,
    error: Option<String>,
) -> AppResult<Response> {
    let overview = af::overview(&app.db, user.actor(), round_id).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let view = v::AfterFinalPage {
        overview,
        me: user.id,
        csrf: csrf.token()?,
        error,
    };
    Ok((status, csrf.0, v::page(ctx, &view)).into_response())
}

fn back(round_id: Uuid) -> Response {
    Redirect::to(&format!("/admin/seleksi/{round_id}/pasca-final")).into_response()
}

/// `GET /admin/seleksi/{id}/pasca-final`.
pub async fn page(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    render(&app, &ctx, &user, csrf, path_id(&id)?, None).await
}

/// `POST /admin/seleksi/{id}/pasca-final/ganti`: one admin proposes.
pub async fn propose(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(field(&pairs, "csrf"))?;
    user.require(&[Role::Admin])?;
    let id = path_id(&id)?;
    let Some(departure) = replacement::Departure::parse(field(&pairs, "departure")) else {
        let msg =
            "Pilih: mengundurkan diri atau didiskualifikasi. / Choose: withdrew or disqualified.";
        return render(&app, &ctx, &user, csrf, id, Some(msg.into())).await;
    };
    let member = path_id(field(&pairs, "application_id"))?;
    match replacement::request_replacement(
        &app.db,
        user.actor(),
        id,
        member,
        departure,
        field(&pairs, "reason"),
    )
    .await
    {
        Ok(_) => Ok(back(id)),
        Err(e) => render(&app, &ctx, &user, csrf, id, Some(refusal(e, &ctx)?)).await,
    }
}

/// `POST /admin/seleksi/{id}/pasca-final/ganti/{approval}/keputusan`:
/// another admin decides.
pub async fn decide(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path((id, approval)): Path<(String, String)>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(field(&pairs, "csrf"))?;
    user.require(&[Role::Admin])?;
    let id = path_id(&id)?;
    let approval = path_id(&approval)?;
    let approve = super::four_eyes_decision(&pairs)?;
    let from = app.mail_from.clone();
    let mail = MailCtx {
        base_url: &app.config.base_url,
        from: &from,
        vault: &app.vault,
    };
    match replacement::decide_replacement(
        &app.db,
        &app.checkpoint_key,
        &mail,
        user.actor(),
        approval,
        approve,
        field(&pairs, "note"),
    )
    .await
    {
        Ok(_) => Ok(back(id)),
        Err(e) => render(&app, &ctx, &user, csrf, id, Some(refusal(e, &ctx)?)).await,
    }
}

/// `POST /admin/seleksi/{id}/pasca-final/peran/{formation}`: the offices,
/// one `role_{application id}` field per selected member.
pub async fn roles(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path((id, formation)): Path<(String, String)>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(field(&pairs, "csrf"))?;
    user.require(&[Role::Admin])?;
    let id = path_id(&id)?;
    let formation = path_id(&formation)?;
    let mut chosen = BTreeMap::new();
    for (k, value) in &pairs {
        let Some(app_id) = k.strip_prefix("role_") else {
            continue;
        };
        let app_id: Uuid = app_id.parse().map_err(|_| {
            AppError::Refused(crate::domain::msg::Msg::new(
                "Formulir jabatan rusak.",
                "Malformed form.",
            ))
        })?;
        let role = GroupRole::parse(value).ok_or_else(|| {
            AppError::Refused(crate::domain::msg::Msg::new(
                "Jabatan tidak dikenal.",
                "Unknown office.",
            ))
        })?;
        chosen.insert(app_id, role);
    }
    match group::set_roles(&app.db, user.actor(), id, formation, &chosen).await {
        Ok(()) => Ok(back(id)),
        Err(e) => render(&app, &ctx, &user, csrf, id, Some(refusal(e, &ctx)?)).await,
    }
}

/// `GET /admin/seleksi/{id}/lampiran/{formation}`: the printable annex.
pub async fn annex_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    Path((id, formation)): Path<(String, String)>,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    let a = annex::annex(&app.db, user.actor(), path_id(&id)?, path_id(&formation)?).await?;
    Ok(v::annex(&ctx, &a, OffsetDateTime::now_utc()).into_response())
}

/// `GET /admin/seleksi/{id}/lampiran/{formation}/anggota.csv`: the annex as
/// CSV; the download is an `export.created` event.
pub async fn annex_csv(
    State(app): State<AppState>,
    user: CurrentUser,
    Path((id, formation)): Path<(String, String)>,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    let (name, text) = annex::export_csv(
        &app.db,
        user.actor(),
        path_id(&id)?,
        path_id(&formation)?,
        "web",
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    )
        .into_response())
}
