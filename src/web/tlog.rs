//! The C2SP `tlog-tiles` endpoints of the audit log: `/log/checkpoint` (mutable,
//! cached for seconds) and `/log/tile/…` (immutable, cached for a year).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::domain::merkle::tile::TileId;
use crate::error::{AppError, AppResult};
use crate::services;

/// `GET /log/checkpoint`: the latest checkpoint with every cosignature it
/// gathered; 404 before the first.
pub async fn checkpoint(State(app): State<AppState>) -> AppResult<Response> {
    let note = services::tlog::latest_note(&app.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=5"),
        ],
        note,
    )
        .into_response())
}

/// `GET /log/tile/<L>/<N>[.p/<W>]` and `GET /log/tile/entries/<N>[.p/<W>]`.
/// A tile never changes once the tree holds it, so it may be cached forever.
pub async fn tile(State(app): State<AppState>, Path(path): Path<String>) -> AppResult<Response> {
    let id = TileId::parse(&path).ok_or(AppError::NotFound)?;
    let data = services::tlog::tile(&app, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        data,
    )
        .into_response())
}

/// `GET /log/policy.txt`: the C2SP tlog-policy a verifier of receipts uses.
pub async fn policy(State(app): State<AppState>) -> Response {
    let text = app
        .witnesses
        .verifier_policy(&app.checkpoint_key.verifier());
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        text,
    )
        .into_response()
}

/// `GET /log`: the signed checkpoints with the consistency proof between
/// each and the one before, and the witnesses' status.
pub async fn page(
    State(app): State<AppState>,
    ctx: crate::views::PageCtx,
) -> AppResult<maud::Markup> {
    let links = services::tlog::checkpoint_links(&app, 20).await?;
    let witnesses = app.witnesses.statuses();
    Ok(crate::views::tlog::page(
        &ctx,
        &crate::views::tlog::LogPage { links, witnesses },
    ))
}
