//! Bodies compressed once and served many times.
//!
//! Every browser sends `Accept-Encoding`, so compressing a public page or an
//! asset on each request would cost more than rendering it. Public results
//! pages are compressed once per audit chain head (their cache entry) and
//! assets once per process; a request then only picks the stored variant,
//! answers `304` to a matching `If-None-Match`, and says `Vary:
//! Accept-Encoding` so shared caches keep the variants apart. The router's
//! compression layer leaves a response alone once it has a
//! `Content-Encoding`.

use std::io::Write;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A content coding this server stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    fn token(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Brotli => Some("br"),
        }
    }
}

/// The coding to answer with for a request's `Accept-Encoding`: brotli when
/// accepted, else gzip, else the body as it is. A coding listed with `q=0` is
/// refused; `*` stands for every coding not listed by name.
#[must_use]
pub fn negotiate(accept_encoding: Option<&str>) -> Coding {
    let Some(value) = accept_encoding else {
        return Coding::Identity;
    };
    let mut br = None;
    let mut gzip = None;
    let mut star = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let accepted = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .next_back()
            .is_none_or(|q| q.trim().parse::<f32>().is_ok_and(|q| q > 0.0));
        match name.as_str() {
            "br" => br = Some(accepted),
            "gzip" | "x-gzip" => gzip = Some(accepted),
            "*" => star = Some(accepted),
            _ => {}
        }
    }
    if br.or(star) == Some(true) {
        Coding::Brotli
    } else if gzip.or(star) == Some(true) {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

/// One body with its gzip and brotli forms, made once.
#[derive(Debug)]
pub struct Encoded {
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
    /// Quoted strong validator of the identity body; the coded variants add
    /// a suffix, since their bytes differ.
    etag: String,
}

/// Compression levels: a body is compressed once and served thousands of
/// times, so the smallest output is worth a few milliseconds once.
const GZIP_LEVEL: u32 = 9;
const BROTLI_QUALITY: u32 = 11;
const BROTLI_WINDOW: u32 = 22;

impl Encoded {
    /// Compresses `body`; `tag` (unquoted, ASCII) names this version of it.
    #[must_use]
    pub fn new(body: Bytes, tag: &str) -> Encoded {
        Encoded {
            gzip: gzip(&body),
            brotli: brotli(&body),
            identity: body,
            etag: format!("\"{tag}\""),
        }
    }

    /// The uncompressed body.
    #[must_use]
    pub fn identity(&self) -> &Bytes {
        &self.identity
    }

    fn variant(&self, coding: Coding) -> (&Bytes, String) {
        let bare = self.etag.trim_end_matches('"');
        match coding {
            Coding::Identity => (&self.identity, self.etag.clone()),
            Coding::Gzip => (&self.gzip, format!("{bare}-gz\"")),
            Coding::Brotli => (&self.brotli, format!("{bare}-br\"")),
        }
    }

    /// The variant `request` accepts, with `content_type` and
    /// `cache_control`, or `304` when the client holds it already.
    #[must_use]
    pub fn respond(
        &self,
        request: &HeaderMap,
        content_type: &'static str,
        cache_control: &'static str,
    ) -> Response {
        let coding = negotiate(
            request
                .get(header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok()),
        );
        let (body, etag) = self.variant(coding);
        let held = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .map(|t| t.trim().trim_start_matches("W/"))
                    .any(|t| t == etag || t == "*")
            });
        let mut res = if held {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut res = (StatusCode::OK, body.clone()).into_response();
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            if let Some(token) = coding.token() {
                res.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static(token));
            }
            res
        };
        let h = res.headers_mut();
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        );
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        res
    }
}

fn gzip(body: &[u8]) -> Bytes {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::new(GZIP_LEVEL),
    );
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(body);
    Bytes::from(enc.finish().unwrap_or_default())
}

fn brotli(body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(body.len() / 4);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
        let _ = w.write_all(body);
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Read;

    #[test]
    fn browsers_get_brotli_then_gzip_then_the_plain_body() {
        assert_eq!(negotiate(Some("gzip, deflate, br, zstd")), Coding::Brotli);
        assert_eq!(negotiate(Some("gzip, deflate")), Coding::Gzip);
        assert_eq!(negotiate(Some("br;q=0, gzip")), Coding::Gzip);
        assert_eq!(negotiate(Some("br;q=0, gzip;q=0.0")), Coding::Identity);
        assert_eq!(negotiate(Some("*")), Coding::Brotli);
        assert_eq!(negotiate(Some("*;q=0, gzip")), Coding::Gzip);
        assert_eq!(negotiate(Some("identity")), Coding::Identity);
        assert_eq!(negotiate(Some("")), Coding::Identity);
        assert_eq!(negotiate(None), Coding::Identity);
        assert_eq!(negotiate(Some("GZIP;Q=0.5")), Coding::Gzip);
    }

    fn unbrotli(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(b, 4096)
            .read_to_end(&mut out)
            .expect("brotli");
        out
    }

    fn ungzip(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(b)
            .read_to_end(&mut out)
            .expect("gzip");
        out
    }

    proptest! {
        #[test]
        fn every_variant_holds_the_same_body(body in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let e = Encoded::new(Bytes::from(body.clone()), "t");
            prop_assert_eq!(unbrotli(&e.brotli), body.clone());
            prop_assert_eq!(ungzip(&e.gzip), body);
        }

        #[test]
        fn any_header_value_picks_a_coding_without_panicking(v in "\\PC*") {
            let _ = negotiate(Some(&v));
        }
    }

    #[test]
    fn a_held_variant_is_not_sent_again_and_variants_have_their_own_tags() {
        let e = Encoded::new(Bytes::from_static(b"<p>hasil</p>"), "abc");
        let mut req = HeaderMap::new();
        req.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        let first = e.respond(&req, "text/html", "no-cache");
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(first.headers()[header::VARY], "Accept-Encoding");
        let tag = first.headers()[header::ETAG].clone();
        assert_eq!(tag, "\"abc-gz\"");
        req.insert(header::IF_NONE_MATCH, tag);
        assert_eq!(
            e.respond(&req, "text/html", "no-cache").status(),
            StatusCode::NOT_MODIFIED
        );
        // The gzip tag does not match the brotli variant.
        req.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br"));
        let other = e.respond(&req, "text/html", "no-cache");
        assert_eq!(other.status(), StatusCode::OK);
        assert_eq!(other.headers()[header::ETAG], "\"abc-br\"");
    }
}
