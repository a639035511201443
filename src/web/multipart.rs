//! A small `multipart/form-data` reader for the application form.
//!
//! The whole body is already in memory (bounded by the route's body limit),
//! so a parser over one byte slice is enough and every malformed input ends
//! in an error value, never a panic or a 500.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, header};

use crate::domain::msg::Msg;
use crate::error::{AppError, AppResult};

/// One part of a form: a text field or a file.
#[derive(Clone, Debug)]
pub struct Part {
    /// The field name.
    pub name: String,
    /// The file name the browser sent; `None` for a text field.
    pub filename: Option<String>,
    /// The raw bytes.
    pub data: Bytes,
}

/// Why a body could not be read as a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed multipart body")]
pub struct Malformed;

/// The boundary named in a `Content-Type: multipart/form-data; boundary=…`.
#[must_use]
pub fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The value of `key="…"` in a `Content-Disposition` header.
fn param(header: &str, key: &str) -> Option<String> {
    let lower = header.to_ascii_lowercase();
    let mut at = 0;
    while let Some(i) = lower[at..].find(key) {
        let start = at + i;
        let before_ok = start == 0 || matches!(lower.as_bytes()[start - 1], b';' | b' ' | b'\t');
        let rest = &header[start + key.len()..];
        if before_ok && let Some(rest) = rest.strip_prefix("=\"") {
            let end = rest.find('"')?;
            return Some(rest[..end].to_owned());
        }
        at = start + key.len();
    }
    None
}

/// Splits a body into its parts.
///
/// # Errors
/// [`Malformed`] when the boundary or a part header is missing or broken.
pub fn parse(body: &Bytes, boundary: &str) -> Result<Vec<Part>, Malformed> {
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    let mut parts = Vec::new();
    let mut pos = find(body, delim, 0).ok_or(Malformed)? + delim.len();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            return Ok(parts);
        }
        if body.get(pos..pos + 2) != Some(b"\r\n") {
            return Err(Malformed);
        }
        pos += 2;
        let head_end = find(body, b"\r\n\r\n", pos).ok_or(Malformed)?;
        let head = std::str::from_utf8(&body[pos..head_end]).map_err(|_| Malformed)?;
        let disposition = head
            .split("\r\n")
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .ok_or(Malformed)?;
        let name = param(disposition, "name").ok_or(Malformed)?;
        let filename = param(disposition, "filename");
        let data_start = head_end + 4;
        let mut closing = b"\r\n".to_vec();
        closing.extend_from_slice(delim);
        let data_end = find(body, &closing, data_start).ok_or(Malformed)?;
        parts.push(Part {
            name,
            filename,
            data: body.slice(data_start..data_end),
        });
        pos = data_end + closing.len();
    }
}

/// The parts of a request's `multipart/form-data` body; `None` when its
/// `Content-Type` names no boundary or the body does not parse.
#[must_use]
pub fn parts_of(headers: &HeaderMap, body: &Bytes) -> Option<Vec<Part>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    boundary(content_type).and_then(|b| parse(body, &b).ok())
}

/// The parts of a staff upload form, refused with `too_large` when the body
/// was over the route's limit and with `unreadable` when it is no
/// `multipart/form-data`.
///
/// # Errors
/// `Refused` with one of those messages.
pub fn upload_parts(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    too_large: Msg,
    unreadable: Msg,
) -> AppResult<Vec<Part>> {
    let body = body.map_err(|_| AppError::Refused(too_large))?;
    parts_of(headers, &body).ok_or(AppError::Refused(unreadable))
}

/// The text field `name` as sent ("" when absent); a file of that name
/// does not count.
#[must_use]
pub fn text(parts: &[Part], name: &str) -> String {
    parts
        .iter()
        .find(|p| p.name == name && p.filename.is_none())
        .map(|p| String::from_utf8_lossy(&p.data).into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files_are_read() {
        let body = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"full_name\"\r\n\r\nSiti Aminah\r\n--XyZ\r\nContent-Disposition: form-data; name=\"doc_KTP\"; filename=\"ktp.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n\r\n--XyZ--\r\n",
        );
        let parts = parse(&body, "XyZ").expect("parse");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "full_name");
        assert_eq!(&parts[0].data[..], b"Siti Aminah");
        assert_eq!(parts[1].filename.as_deref(), Some("ktp.pdf"));
        assert_eq!(&parts[1].data[..], b"%PDF-1.4\r\n");
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        for b in [
            &b""[..],
            b"--XyZ",
            b"--XyZ\r\nno header",
            b"--XyZ\r\n\r\n\r\n",
        ] {
            assert!(parse(&Bytes::copy_from_slice(b), "XyZ").is_err());
        }
        assert_eq!(
            boundary("multipart/form-data; boundary=\"abc\"").as_deref(),
            Some("abc")
        );
        assert_eq!(boundary("text/plain"), None);
    }
}
