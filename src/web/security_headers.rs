//! Response headers every answer carries: a strict Content Security Policy
//! (no inline script or style anywhere, so an injected `<script>` or `style=`
//! cannot run even if escaping were ever missed), a Permissions-Policy that
//! turns off device features the site never uses, a Cross-Origin-Opener-Policy
//! that cuts a window opened from another site off from ours, and
//! `Cache-Control: no-store` on every signed-in or personal answer, so a
//! shared phone or a proxy never keeps a page with a NIK or a score.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy: everything from this origin only; images may also be inline
/// `data:` URLs (none today, but browsers use them for form controls).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

/// Device features no page of the site asks for.
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), \
usb=(), serial=(), bluetooth=(), interest-cohort=()";

/// Adds the headers above (a handler's own `Cache-Control` is kept when it
/// already says `no-store`, or on answers neither signed in nor personal).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let personal = is_personal(req.method(), req.headers());
    let asset = req.uri().path().starts_with("/assets/");
    let mut res = next.run(req).await;
    let sets_cookie = res.headers().contains_key(header::SET_COOKIE);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    let already = h
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    if (personal || sets_cookie) && !asset && !already {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// A request is personal when it is signed in (a session cookie or a bearer
/// token) or sends something (a form's answer echoes what was typed).
fn is_personal(method: &Method, headers: &HeaderMap) -> bool {
    let signed_in = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(';').any(|c| {
                c.trim_start()
                    .strip_prefix(super::SESSION_COOKIE)
                    .is_some_and(|rest| rest.starts_with('='))
            })
        });
    signed_in
        || headers.contains_key(header::AUTHORIZATION)
        || !matches!(*method, Method::GET | Method::HEAD)
}
