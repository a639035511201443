//! Embedded static files with immutable caching (their URLs carry a content
//! hash), compressed once per process.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;

use super::precompressed::Encoded;
use crate::error::AppError;
use crate::views::assets;

static ENCODED: LazyLock<HashMap<&'static str, Encoded>> = LazyLock::new(|| {
    assets::all()
        .iter()
        .map(|a| {
            (
                a.name,
                Encoded::new(Bytes::from_static(a.bytes), &a.version),
            )
        })
        .collect()
});

/// Compresses every asset now, so the first visitors do not wait for it.
pub fn warm() {
    LazyLock::force(&ENCODED);
}

/// `GET /assets/{name}`.
pub async fn get(Path(name): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let asset = assets::get(&name).ok_or(AppError::NotFound)?;
    let encoded = ENCODED.get(asset.name).ok_or(AppError::NotFound)?;
    Ok(encoded.respond(
        &headers,
        asset.content_type,
        "public, max-age=31536000, immutable",
    ))
}
