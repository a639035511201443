//! The panelist's scoring pages: handlers parse, call one service, render.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use uuid::Uuid;

use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::services::ServiceError;
use crate::services::scoring::{self as svc, ConflictKind};
use crate::views::PageCtx;
use crate::views::scoring::{self as v, SheetForm};

/// `GET /penilai`.
pub async fn queue(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<QueueQuery>,
) -> AppResult<Markup> {
    user.require(&[Role::Panelist])?;
    let items = svc::panelist_queue(&app.db, user.id).await?;
    let only_needed = q.perlu.as_deref().map(|p| p != "0");
    Ok(v::queue(&ctx, &items, only_needed))
}

/// `?perlu=1`: only the applications that need the panelist's action;
/// `?perlu=0`: all of them. Without it the list opens filtered whenever
/// something needs action.
#[derive(serde::Deserialize)]
pub struct QueueQuery {
    perlu: Option<String>,
}

/// What a refused form shows again.
#[derive(Default)]
struct Refused {
    error: Option<String>,
    typed: BTreeMap<String, i32>,
    reason: String,
    typed_comments: BTreeMap<String, String>,
    draft_saved: bool,
}

async fn render(
    app: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    csrf: &Csrf,
    id: Uuid,
    refused: Refused,
) -> AppResult<Response> {
    let Refused {
        error,
        typed,
        reason,
        typed_comments,
        draft_saved,
    } = refused;
    let sheet = svc::score_sheet(&app.db, user.id, id).await?;
    let token = csrf.token()?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = v::sheet(
        ctx,
        &sheet,
        &SheetForm {
            csrf: &token,
            error,
            typed,
            reason,
            typed_comments,
            draft_saved,
        },
    );
    Ok((status, csrf.0.clone(), page).into_response())
}

/// Query of the sheet page: `?draf=1` after a saved draft.
#[derive(serde::Deserialize, Default)]
pub struct SheetQuery {
    #[serde(default)]
    draf: Option<String>,
}

/// `GET /penilai/{id}`.
pub async fn sheet(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Query(q): Query<SheetQuery>,
) -> AppResult<Response> {
    user.require(&[Role::Panelist])?;
    render(
        &app,
        &ctx,
        &user,
        &csrf,
        super::path_id(&id)?,
        Refused {
            draft_saved: q.draf.is_some(),
            ..Refused::default()
        },
    )
    .await
}

/// The `c_<CODE>` comment fields of a scorecard form.
fn comments_of(pairs: &[(String, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("c_")
                .map(|code| (code.to_owned(), v.clone()))
        })
        .collect()
}

/// `POST /penilai/{id}/draf`: saves whatever is filled in, privately.
pub async fn save_draft(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let csrf_field = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    csrf.verify(&csrf_field)?;
    user.require(&[Role::Panelist])?;
    let id = super::path_id(&id)?;
    let comments = comments_of(&pairs);
    let mut values = svc::DraftValues::new();
    let mut typed = BTreeMap::new();
    for (k, v) in &pairs {
        if let Some(code) = k.strip_prefix("v_") {
            let n = v.trim().parse::<i32>().ok();
            if let Some(n) = n {
                typed.insert(code.to_owned(), n);
            }
            values.insert(code.to_owned(), n);
        }
    }
    match svc::save_draft(&app.db, user.id, id, &values, &comments).await {
        Ok(()) => Ok(Redirect::to(&format!("/penilai/{id}?draf=1")).into_response()),
        Err(ServiceError::Invalid(msg)) => {
            let msg = msg.pick(ctx.lang).to_owned();
            render(
                &app,
                &ctx,
                &user,
                &csrf,
                id,
                Refused {
                    error: Some(msg),
                    typed,
                    typed_comments: comments,
                    ..Refused::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Fields of the declaration form.
#[derive(serde::Deserialize)]
pub struct DeclareInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
}

/// `POST /penilai/{id}/pernyataan`.
pub async fn declare(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(input): Form<DeclareInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    user.require(&[Role::Panelist])?;
    let id = super::path_id(&id)?;
    let kind = match input.kind.as_str() {
        "none" => ConflictKind::None,
        "family" => ConflictKind::Family,
        "household" => ConflictKind::Household,
        "employment" => ConflictKind::Employment,
        "political" => ConflictKind::Political,
        "other" => ConflictKind::Other,
        _ => {
            let msg = ctx
                .t(
                    "Pilih salah satu pernyataan.",
                    "Choose one of the statements.",
                )
                .to_owned();
            return render(
                &app,
                &ctx,
                &user,
                &csrf,
                id,
                Refused {
                    error: Some(msg),
                    ..Refused::default()
                },
            )
            .await;
        }
    };
    match svc::declare(&app.db, user.id, id, kind, &input.text).await {
        Ok(_) => Ok(Redirect::to(&format!("/penilai/{id}")).into_response()),
        Err(ServiceError::Invalid(msg)) => {
            refused_declaration(&app, &ctx, &user, &csrf, id, &msg).await
        }
        Err(ServiceError::Conflict(msg)) => {
            // Already declared: the page again, with the reason, as a 409.
            let mut res = refused_declaration(&app, &ctx, &user, &csrf, id, &msg).await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

async fn refused_declaration(
    app: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    csrf: &Csrf,
    id: Uuid,
    msg: &crate::domain::msg::Msg,
) -> AppResult<Response> {
    render(
        app,
        ctx,
        user,
        csrf,
        id,
        Refused {
            error: Some(msg.pick(ctx.lang).to_owned()),
            ..Refused::default()
        },
    )
    .await
}

/// `POST /penilai/{id}/nilai`: `v_<CODE>` per criterion, `reason` for an amendment.
pub async fn submit(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    csrf.verify(&field("csrf"))?;
    user.require(&[Role::Panelist])?;
    let id = super::path_id(&id)?;
    let mut values = BTreeMap::new();
    for (k, v) in &pairs {
        if let Some(code) = k.strip_prefix("v_") {
            // An empty field is a missing value: the service names them all.
            if v.trim().is_empty() {
                continue;
            }
            match v.trim().parse::<i32>() {
                Ok(n) => {
                    values.insert(code.to_owned(), n);
                }
                Err(_) => {
                    let msg = ctx
                        .t(
                            &format!("Nilai {code} harus berupa angka pada skala."),
                            &format!("The score for {code} must be a number on the scale."),
                        )
                        .to_owned();
                    return render(
                        &app,
                        &ctx,
                        &user,
                        &csrf,
                        id,
                        Refused {
                            error: Some(msg),
                            reason: field("reason"),
                            typed_comments: comments_of(&pairs),
                            ..Refused::default()
                        },
                    )
                    .await;
                }
            }
        }
    }
    let reason = field("reason");
    let sheet = svc::score_sheet(&app.db, user.id, id).await?;
    let amendment = (sheet.my_version > 0).then_some(reason.as_str());
    let comments = comments_of(&pairs);
    match svc::submit_with_comments(&app.db, user.id, id, &values, &comments, amendment).await {
        Ok(_) => Ok(Redirect::to(&format!("/penilai/{id}")).into_response()),
        Err(ServiceError::Invalid(msg)) => {
            let msg = msg.pick(ctx.lang).to_owned();
            render(
                &app,
                &ctx,
                &user,
                &csrf,
                id,
                Refused {
                    error: Some(msg),
                    typed: values,
                    reason,
                    typed_comments: comments,
                    draft_saved: false,
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
