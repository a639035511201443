//! Uploading the values of an imported criterion (admins only).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::multipart;
use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::imported::LineError;
use crate::domain::msg::Msg;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::services::ServiceError;
use crate::services::imports::{self as svc, ImportSummary};
use crate::views::PageCtx;
use crate::views::imports::{self as v, ImportPage};

/// A refused or accepted upload, to show on the page.
#[derive(Default)]
struct Outcome {
    error: Option<String>,
    lines: Vec<LineError>,
    done: Option<ImportSummary>,
    chosen: String,
    pasted: String,
}

async fn render(
    app: &AppState,
    ctx: &PageCtx,
    csrf: &Csrf,
    round_id: Uuid,
    o: Outcome,
) -> AppResult<Response> {
    let r = crate::services::lottery::round_lottery(&app.db, round_id)
        .await?
        .round;
    let criteria = svc::imported_criteria(&app.db, round_id).await?;
    let corrections = svc::corrections(&app.db, round_id).await?;
    let token = csrf.token()?;
    let status = if o.error.is_some() || !o.lines.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = v::page(
        ctx,
        &ImportPage {
            round: &r,
            criteria: &criteria,
            csrf: &token,
            error: o.error,
            lines: o.lines,
            done: o.done,
            chosen: o.chosen,
            pasted: o.pasted,
            corrections: &corrections,
        },
    );
    Ok((status, csrf.0.clone(), page).into_response())
}

/// `GET /admin/seleksi/{id}/impor-nilai`.
pub async fn page(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    render(&app, &ctx, &csrf, super::path_id(&id)?, Outcome::default()).await
}

/// `POST /admin/seleksi/{id}/impor-nilai` (`multipart/form-data`: `csrf`,
/// `criterion`, and the file `file` or the pasted text `csv`).
pub async fn upload(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    let round_id = super::path_id(&id)?;
    // Before reading the body: others are refused whatever they send.
    user.require(&[Role::Admin])?;
    let parts = multipart::upload_parts(
        &headers,
        body,
        Msg::new(
            "Berkas terlalu besar (maksimal 1 MB).",
            "The file is too large (at most 1 MB).",
        ),
        Msg::new("Formulir tidak dapat dibaca.", "The form cannot be read."),
    )?;
    let text = |name: &str| multipart::text(&parts, name);
    csrf.verify(&text("csrf"))?;
    let chosen = text("criterion");
    let pasted = text("csv");
    let file: Vec<u8> = parts
        .iter()
        .find(|p| p.name == "file" && p.filename.is_some() && !p.data.is_empty())
        .map_or_else(|| pasted.clone().into_bytes(), |p| p.data.to_vec());
    let reason = text("reason");
    let outcome =
        match svc::import_with_reason(&app.db, user.actor(), round_id, &chosen, &file, &reason)
            .await
        {
            Ok(done) => Outcome {
                done: Some(done),
                ..Outcome::default()
            },
            Err(ServiceError::Lines(lines)) => Outcome {
                lines,
                chosen,
                pasted,
                ..Outcome::default()
            },
            Err(ServiceError::Invalid(m) | ServiceError::Conflict(m)) => Outcome {
                error: Some(m.pick(ctx.lang).to_owned()),
                chosen,
                pasted,
                ..Outcome::default()
            },
            Err(e) => return Err(e.into()),
        };
    render(&app, &ctx, &csrf, round_id, outcome).await
}
