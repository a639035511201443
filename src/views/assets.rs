//! Static assets embedded in the binary, served with long-lived cache headers.
//! URLs carry a content hash, so a new release never meets a stale cache.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

/// One embedded file.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
    /// First 12 hex digits of the SHA-256 of `bytes`.
    pub version: String,
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        (
            "app.css",
            "text/css; charset=utf-8",
            include_bytes!("../../assets/app.css").as_slice(),
        ),
        (
            "print.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../../assets/print.js").as_slice(),
        ),
        (
            "favicon.svg",
            "image/svg+xml",
            include_bytes!("../../assets/favicon.svg").as_slice(),
        ),
    ]
    .into_iter()
    .map(|(name, content_type, bytes)| Asset {
        name,
        content_type,
        bytes,
        version: hex::encode(Sha256::digest(bytes))[..12].to_owned(),
    })
    .collect()
});

/// Looks up an embedded asset by file name.
/// Every embedded asset.
pub fn all() -> &'static [Asset] {
    &ASSETS
}

pub fn get(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The versioned URL of an asset; an unknown name still yields a (404) URL.
pub fn url(name: &str) -> String {
    match get(name) {
        Some(a) => format!("/assets/{}?v={}", a.name, a.version),
        None => format!("/assets/{name}"),
    }
}
