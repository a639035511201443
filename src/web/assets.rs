//! Embedded static files with immutable caching (their URLs carry a content hash).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::views::assets;

/// `GET /assets/{name}`.
pub async fn get(Path(name): Path<String>) -> Result<Response, AppError> {
    let asset = assets::get(&name).ok_or(AppError::NotFound)?;
    let mut res = (StatusCode::OK, asset.bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", asset.version)) {
        h.insert(header::ETAG, etag);
    }
    Ok(res)
}
