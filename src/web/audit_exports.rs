//! Auditor and admin downloads of the export files under
//! `/audit/ekspor`. Every download is an audited export.
//!
//! A file is written to a temporary file under `DATA_DIR/tmp` (the round's
//! files inside their transaction, the trail page by page), then streamed
//! from disk, so memory stays constant whatever the size; the temporary file
//! is unlinked as soon as it is open.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::Markup;
use uuid::Uuid;

use super::CurrentUser;
use super::posted::{Allowed, Reader};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::domain::round::Round;
use crate::error::{AppError, AppResult};
use crate::services::exports::{self, ExportFile};
use crate::views::audit_exports::{self as v, ExportLink, ExportRound, RoundExportsView};

/// Only auditors and admins export.
fn auditor_only(user: &CurrentUser) -> AppResult<()> {
    user.require(&[Role::Auditor, Role::Admin])
}

fn view_round(r: &Round) -> ExportRound {
    ExportRound {
        id: r.id.to_string(),
        name: r.name.clone(),
        slug: r.slug.clone(),
        state: r.state,
    }
}

/// `GET /audit/ekspor`.
pub async fn index(State(app): State<AppState>, a: Allowed<Reader>) -> AppResult<Markup> {
    let rounds = exports::rounds(&app.db, a.user.actor()).await?;
    let rows: Vec<ExportRound> = rounds.iter().map(view_round).collect();
    Ok(v::rounds_page(&a.ctx, &rows))
}

/// `GET /audit/ekspor/{id}`.
pub async fn round(
    State(app): State<AppState>,
    Allowed { ctx, ids: id, .. }: Allowed<Reader, Uuid>,
) -> AppResult<Markup> {
    let r = exports::find_round(&app.db, &id.to_string()).await?;
    let files = ExportFile::ALL
        .into_iter()
        .map(|f| {
            let (id_text, en_text) = f.describe();
            ExportLink {
                file_name: f.file_name(),
                key: f.key().to_owned(),
                about: ctx.t(id_text, en_text).to_owned(),
            }
        })
        .collect();
    Ok(v::round_page(
        &ctx,
        &RoundExportsView {
            round: view_round(&r),
            files,
        },
    ))
}

/// `GET /audit/ekspor/{id}/{file}`: the file as an attachment.
pub async fn download(
    State(app): State<AppState>,
    user: CurrentUser,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    auditor_only(&user)?;
    let id = super::path_id(&id)?;
    let file = ExportFile::parse(&file).ok_or(AppError::NotFound)?;
    attachment(&app, &user, id, file, "web").await
}

/// Exports `file` of round `id` for `user` and answers with it as a CSV
/// attachment named exactly as `export all` names it. Shared by the HTML
/// download and the JSON API.
///
/// # Errors
/// The service's refusals; I/O failures of the temporary file.
pub async fn attachment(
    app: &AppState,
    user: &CurrentUser,
    id: Uuid,
    file: ExportFile,
    via: &str,
) -> AppResult<Response> {
    let dir = app.config.data_dir.join("tmp");
    std::fs::create_dir_all(&dir).map_err(anyhow::Error::from)?;
    let path = dir.join(format!("export-{}.csv", Uuid::new_v4()));
    let written = async {
        let f = std::fs::File::create(&path).map_err(anyhow::Error::from)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
        let receipt = exports::export(&app.db, user.actor(), id, file, via, &mut w).await?;
        w.into_inner()
            .map_err(|e| anyhow::Error::from(e.into_error()))?;
        let opened = tokio::fs::File::open(&path)
            .await
            .map_err(anyhow::Error::from)?;
        Ok::<_, AppError>((receipt, opened))
    }
    .await;
    // Unlinked whatever happened; an open file stays readable until closed.
    let _ = std::fs::remove_file(&path);
    let (receipt, opened) = written?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(opened, 1 << 16));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.file_name()),
            ),
            (header::CONTENT_LENGTH, receipt.bytes.to_string()),
            (
                header::HeaderName::from_static("x-content-sha256"),
                receipt.sha256,
            ),
        ],
        body,
    )
        .into_response())
}
