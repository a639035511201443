//! After the final result: the round's formed groups (replacement through
//! four-eyes, offices) and the annex of the Lurah's decree. Handlers parse
//! and call `services::after_final`.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use time::OffsetDateTime;
use uuid::Uuid;

use maud::Markup;

use super::forms::{FormPage, Viewer};
use super::posted::{Admin, Allowed, Posted};
use super::{Csrf, CurrentUser, path_id};
use crate::app::AppState;
use crate::domain::group_roles::GroupRole;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::ServiceError;
use crate::services::after_final::{self as af, annex, group, replacement};
use crate::views::PageCtx;
use crate::views::after_final as v;

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

/// A round's page after the final result; its forms come back to it.
struct AfterFinal(Uuid);

impl FormPage for AfterFinal {
    type Refusal = String;

    fn back(&self) -> String {
        format!("/admin/seleksi/{}/pasca-final", self.0)
    }

    async fn draw(self, to: Viewer<'_>, csrf: String, error: Option<String>) -> AppResult<Markup> {
        let Viewer { app, ctx, user } = to;
        let overview = af::overview(&app.db, user.actor(), self.0).await?;
        let view = v::AfterFinalPage {
            overview,
            me: user.id,
            csrf,
            error,
        };
        Ok(v::page(ctx, &view))
    }
}

/// `GET /admin/seleksi/{id}/pasca-final`.
pub async fn page(
    State(app): State<AppState>,
    a: Allowed<Admin, Uuid>,
    csrf: Csrf,
) -> AppResult<Response> {
    a.show(&app, csrf, AfterFinal).await
}

/// `POST /admin/seleksi/{id}/pasca-final/ganti`: one admin proposes.
pub async fn propose(State(app): State<AppState>, p: Posted<Admin, Uuid>) -> AppResult<Response> {
    let Some(departure) = replacement::Departure::parse(p.field("departure")) else {
        let msg =
            "Pilih: mengundurkan diri atau didiskualifikasi. / Choose: withdrew or disqualified.";
        let refused = ServiceError::Invalid(crate::domain::msg::Msg::new(msg, msg));
        return p.answer(&app, AfterFinal, Err::<(), _>(refused)).await;
    };
    let member = path_id(p.field("application_id"))?;
    let res = replacement::request_replacement(
        &app.db,
        p.user.actor(),
        p.ids,
        member,
        departure,
        p.field("reason"),
    )
    .await;
    p.answer(&app, AfterFinal, res).await
}

/// `POST /admin/seleksi/{id}/pasca-final/ganti/{approval}/keputusan`:
/// another admin decides.
pub async fn decide(
    State(app): State<AppState>,
    p: Posted<Admin, (Uuid, Uuid)>,
) -> AppResult<Response> {
    let approve = super::four_eyes_decision(&p.form)?;
    let res = replacement::decide_replacement(
        &app.db,
        &app.checkpoint_key,
        &app.mail(),
        p.user.actor(),
        p.ids.1,
        approve,
        p.field("note"),
    )
    .await;
    p.answer(&app, |(id, _)| AfterFinal(id), res).await
}

/// `POST /admin/seleksi/{id}/pasca-final/peran/{formation}`: the offices,
/// one `role_{application id}` field per selected member.
pub async fn roles(
    State(app): State<AppState>,
    p: Posted<Admin, (Uuid, Uuid)>,
) -> AppResult<Response> {
    let (id, formation) = p.ids;
    let mut chosen = BTreeMap::new();
    for (k, value) in &p.form {
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
    let res = group::set_roles(&app.db, p.user.actor(), id, formation, &chosen).await;
    p.answer(&app, |_| AfterFinal(id), res).await
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
