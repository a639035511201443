//! An applicant's own application: its status page, withdrawal and
//! document downloads.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::{acting, parse_id, store};
use crate::app::AppState;
use crate::error::AppResult;
use crate::services::applications as svc;
use crate::views::PageCtx;
use crate::views::applications as v;
use crate::web::{Csrf, CurrentUser};

/// `GET /pendaftaran/{id}`: only the owner (and staff who may read it).
pub async fn status_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Query(q): Query<StatusQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let view = svc::load(&app.db, &app.vault, acting(&user), id).await?;
    let now = app.clock.now();
    let timeline = svc::timeline(&app.db, &app.vault, &view.round, id, now).await?;
    let scores =
        crate::services::score_breakdown::for_application(&app.db, &view.round, id).await?;
    let mine = acting(&user).may_edit(&view.application);
    let shortlist_window =
        crate::services::shortlists::open_window(&app.db, &view.round, id, now).await?;
    let page = v::status(
        &ctx,
        &v::StatusPage {
            view: &view,
            timeline: &timeline,
            can_withdraw: mine && svc::can_withdraw(&view.application, &view.round, now),
            csrf: csrf.token()?,
            already_applied: q.pesan == "sudah-ada",
            can_edit: mine,
            scores: scores.as_ref(),
            shortlist_window: shortlist_window.as_ref(),
        },
    );
    Ok((csrf.0, page).into_response())
}

/// `?pesan=sudah-ada`: sent here from "Daftar" because this is the
/// resident's application in the round already.
#[derive(serde::Deserialize)]
pub struct StatusQuery {
    #[serde(default)]
    pesan: String,
}

/// Fields of the withdrawal form.
#[derive(serde::Deserialize)]
pub struct WithdrawInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /pendaftaran/{id}/batal`: first a confirmation page, then the withdrawal.
pub async fn withdraw(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(input): Form<WithdrawInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    let id = parse_id(&id)?;
    if input.confirm != "yes" {
        svc::load(&app.db, &app.vault, acting(&user), id).await?;
        let page = v::withdraw_confirm(&ctx, id, &csrf.token()?);
        return Ok((csrf.0, page).into_response());
    }
    svc::withdraw(&app.db, acting(&user), id).await?;
    Ok(Redirect::to(&format!("/pendaftaran/{id}")).into_response())
}

/// `GET /dokumen/{id}`: the applicant, operators covering the kelurahan,
/// admins and auditors; everyone else gets 404.
pub async fn document(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let (doc, content_type) = svc::document_for(&app.db, acting(&user), id).await?;
    let store = store(&app);
    let sha = doc.sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || store.read(&sha))
        .await
        .map_err(|e| anyhow::anyhow!(e))?
        .map_err(|e| anyhow::anyhow!("document file: {e}"))?;
    // The stored name is for people; the download name is ASCII only so no
    // header can be broken by it.
    let ext =
        crate::storage::DocKind::from_content_type(&content_type).map_or("bin", |k| k.extension());
    let disposition = format!("attachment; filename=\"dokumen-{}.{ext}\"", doc.id.simple());
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
