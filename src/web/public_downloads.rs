//! `GET /seleksi/{slug}/unduh/{file}`: the public files of a published round
//! for anyone, without signing in (see `services::public_exports`).
//!
//! Announcement day brings crowds, so a file is built once per audit chain
//! head: every change of anything it holds appends an event and moves the
//! head. The head names the file on disk (`DATA_DIR/tmp/public/`) and its
//! ETag; a browser or proxy that already holds it gets 304 for one
//! primary-key lookup, everyone else the file streamed from disk.

use std::path::{Path as FsPath, PathBuf};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::services::public_exports as public;

/// Shared caches may keep a file a minute, then must ask again (cheaply).
const CACHE_CONTROL: &str = "public, max-age=60, must-revalidate";

/// `GET /seleksi/{slug}/unduh/{file}`: `round.csv`, `formations.csv`,
/// `criteria.csv`, `stages.csv`, `shortlists.csv`, `rankings.csv`,
/// `audit.csv`, `checkpoint.txt`, `kunci.txt`.
pub async fn download(
    State(app): State<AppState>,
    Path((slug, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let round = public::published_round(&app.db, &slug).await?;
    let (seq, hash) = app.head.get(&app.db).await?;
    let short = hash.get(..16).unwrap_or(&hash);
    match name.as_str() {
        "kunci.txt" => {
            let key = format!("{}\n", app.checkpoint_key.verifier());
            let tag = format!("\"kunci-{}\"", hex::encode(sha2_prefix(key.as_bytes())));
            return Ok(text(&headers, &tag, key));
        }
        "checkpoint.txt" => {
            let cp = crate::services::checkpoints::latest(&app.db)
                .await?
                .ok_or(AppError::NotFound)?;
            let tag = format!("\"checkpoint-{}-{}\"", cp.seq, short);
            return Ok(text(&headers, &tag, cp.note));
        }
        _ => {}
    }
    let file = public::public_file(&name).ok_or(AppError::NotFound)?;
    let tag = format!("\"{}-{seq}-{short}\"", file.key());
    if not_modified(&headers, &tag) {
        return Ok(unchanged(&tag));
    }
    let dir = app.config.data_dir.join("tmp").join("public");
    std::fs::create_dir_all(&dir).map_err(anyhow::Error::from)?;
    let stem = format!("{round}-{}", file.key());
    let path = dir.join(format!("{stem}-{seq}-{short}.csv"));
    if !path.exists() {
        build(&app, round, file, seq, &dir, &path).await?;
        forget_older(&dir, &stem, &path);
    }
    let opened = tokio::fs::File::open(&path)
        .await
        .map_err(anyhow::Error::from)?;
    let len = opened.metadata().await.map_err(anyhow::Error::from)?.len();
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(opened, 1 << 16));
    let mut res = (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.file_name()),
            ),
            (header::CONTENT_LENGTH, len.to_string()),
        ],
        body,
    )
        .into_response();
    cache_headers(res.headers_mut(), &tag);
    Ok(res)
}

/// Writes the file to a temporary name, then renames it into place, so a
/// concurrent request never streams half a file.
async fn build(
    app: &AppState,
    round: Uuid,
    file: crate::services::exports::ExportFile,
    seq: i64,
    dir: &FsPath,
    path: &FsPath,
) -> AppResult<()> {
    let tmp: PathBuf = dir.join(format!("building-{}.csv", Uuid::new_v4()));
    let written = async {
        let f = std::fs::File::create(&tmp).map_err(anyhow::Error::from)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
        public::write(&app.db, round, file, seq, &mut w).await?;
        w.into_inner()
            .map_err(|e| anyhow::Error::from(e.into_error()))?;
        std::fs::rename(&tmp, path).map_err(anyhow::Error::from)?;
        Ok::<_, AppError>(())
    }
    .await;
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Removes the copies of the same round and file taken at older heads.
fn forget_older(dir: &FsPath, stem: &str, keep: &FsPath) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let ours = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(stem));
        if ours && p != keep {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn sha2_prefix(bytes: &[u8]) -> [u8; 8] {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(bytes);
    let mut out = [0u8; 8];
    out.copy_from_slice(&d[..8]);
    out
}

fn not_modified(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"))
}

fn cache_headers(h: &mut HeaderMap, tag: &str) {
    if let Ok(v) = HeaderValue::from_str(tag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
}

fn unchanged(tag: &str) -> Response {
    let mut res = StatusCode::NOT_MODIFIED.into_response();
    cache_headers(res.headers_mut(), tag);
    res
}

fn text(headers: &HeaderMap, tag: &str, body: String) -> Response {
    if not_modified(headers, tag) {
        return unchanged(tag);
    }
    let mut res = ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response();
    cache_headers(res.headers_mut(), tag);
    res
}
