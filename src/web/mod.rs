//! HTTP handlers by audience, plus the extractors they share.

pub mod account;
pub mod api;
pub mod applications;
pub mod assets;
pub mod auth;
pub mod csrf_session;
pub mod forms;
pub mod multipart;
pub mod panels;
pub mod posted;
pub mod precompressed;
pub mod public;
pub mod receipts;
pub mod rounds;
pub mod scoring;
pub mod security_headers;
pub mod single_flight;
pub mod tlog;
// verification and staff accounts
pub mod staff;
// auditor exports
pub mod audit_exports;
// auditors' workspace
pub mod trail;
// lottery witnesses, imports, progress (panel/admin input side)
pub mod imports;
pub mod lottery;
pub mod progress;
// results, objections and finalization
pub mod panel_review;
pub mod results;
pub mod review_cache;
pub mod second_look;
// public downloads of a published round
pub mod public_downloads;
// information section, messages without e-mail, open statistics
pub mod info;
// personal data: privacy notice, retention, erasure, access, breaches
pub mod erasure;
pub mod privacy;
// personal API tokens
pub mod api_tokens;
// after the final result: formed groups and the decree annex
pub mod after_final;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_csrf::CsrfToken;
use axum_extra::extract::CookieJar;
use tower_sessions::Session;

use crate::app::AppState;
use crate::domain::lang::Lang;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::views::{PageCtx, SignedIn};

/// Name of the cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "lang";
/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "pokmas_session";
/// Session key holding the signed-in account.
pub const SESSION_ACCOUNT: &str = "account";

/// The signed-in account as stored in the session.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SessionAccount {
    pub id: uuid::Uuid,
    pub name: String,
    pub role: String,
}

/// The CSRF token of this request, and whether a page put it in a form
/// (only then does the response need to (re)set the CSRF cookie).
#[derive(Clone)]
struct CsrfSlot {
    token: CsrfToken,
    binding: csrf_session::Binding,
    used: Arc<AtomicBool>,
}

/// Makes the CSRF token available to pages and sets its cookie when a form used it.
pub async fn csrf_cookie(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let token = match CsrfToken::from_request_parts(&mut parts, &state).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let session = parts.extensions.get::<Session>().cloned();
    let binding = csrf_session::Binding::of(session.as_ref()).await;
    let used = Arc::new(AtomicBool::new(false));
    parts.extensions.insert(CsrfSlot {
        token: token.clone(),
        binding,
        used: used.clone(),
    });
    let response = next.run(Request::from_parts(parts, body)).await;
    if used.load(Ordering::Relaxed) {
        (token, response).into_response()
    } else {
        response
    }
}

/// Key of the MAC binding form tokens to sessions.
fn csrf_binding_key(state: &AppState) -> [u8; 32] {
    state.derive_key("csrf-session-binding")
}

/// The last value of `name` in a submitted form, trimmed ("" when absent):
/// a repeated field counts as the one typed last.
pub(crate) fn form_field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

/// The `decision` of a four-eyes form: `approve` is true, `reject` false.
///
/// # Errors
/// `Refused` for anything else.
pub(crate) fn four_eyes_decision(pairs: &[(String, String)]) -> Result<bool, AppError> {
    match form_field(pairs, "decision") {
        "approve" => Ok(true),
        "reject" => Ok(false),
        _ => Err(AppError::Refused(crate::domain::msg::Msg::new(
            "Pilih setujui atau tolak.",
            "Choose approve or refuse.",
        ))),
    }
}

/// An id taken from the path; anything that is not a UUID is simply not found.
///
/// # Errors
/// `NotFound` for a malformed id.
pub fn path_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// The CSRF token extractor for POST handlers: the cookie's token and what
/// form tokens are bound to (see [`csrf_session`]).
pub struct Csrf(pub CsrfToken, csrf_session::Binding, [u8; 32], Bearer);

/// Whether a request carries a bearer token: such a request needs no CSRF
/// token, since another site cannot make a browser send one (a request with a
/// bad token is refused by [`CurrentUser`] anyway).
#[derive(Clone, Copy)]
struct Bearer(bool);

impl FromRequestParts<AppState> for Csrf {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let key = csrf_binding_key(state);
        let by_bearer = Bearer(bearer(&parts.headers).is_some());
        match parts.extensions.get::<CsrfSlot>() {
            Some(slot) => Ok(Csrf(
                slot.token.clone(),
                slot.binding.clone(),
                key,
                by_bearer,
            )),
            None => {
                let token = CsrfToken::from_request_parts(parts, state)
                    .await
                    .map_err(|_| AppError::Forbidden)?;
                let session = parts.extensions.get::<Session>().cloned();
                let binding = csrf_session::Binding::of(session.as_ref()).await;
                Ok(Csrf(token, binding, key, by_bearer))
            }
        }
    }
}

impl Csrf {
    /// The token to put in a form's hidden `csrf` field.
    ///
    /// # Errors
    /// Only when the token cannot be derived (an internal fault).
    pub fn token(&self) -> Result<String, AppError> {
        let token = self
            .0
            .authenticity_token()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("csrf: {e}")))?;
        Ok(self.1.seal(&self.2, &token))
    }

    /// Verifies a submitted token.
    ///
    /// # Errors
    /// `StaleForm` when it is missing, wrong, or made for another session;
    /// a request with a bearer token passes without one.
    pub fn verify(&self, submitted: &str) -> Result<(), AppError> {
        if self.3.0 {
            return Ok(());
        }
        let token = self.1.open(&self.2, submitted).ok_or(AppError::StaleForm)?;
        self.0.verify(token).map_err(|_| AppError::StaleForm)
    }
}

/// The path (and query) of the `Referer`, e.g. `/seleksi/x` from
/// `https://host/seleksi/x`; `None` when there is none.
fn referer_path(headers: &axum::http::HeaderMap) -> Option<String> {
    let referer = headers.get(axum::http::header::REFERER)?.to_str().ok()?;
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path = &after_scheme[after_scheme.find('/')?..];
    (path.starts_with('/') && !path.starts_with("//")).then(|| path.to_owned())
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let lang = jar
            .get(LANG_COOKIE)
            .and_then(|c| Lang::from_code(c.value()))
            .unwrap_or_default();
        // The page's own address, which the language switch and the log-in
        // link return to. A page answering a POST (a refused form, a
        // confirmation step) has no address a GET can reopen, so those links
        // go back to the page the form was on instead.
        let path = if parts.method == axum::http::Method::GET {
            parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
        } else {
            referer_path(&parts.headers).unwrap_or_else(|| "/".to_owned())
        };
        let signed_in = match parts.extensions.get::<Session>() {
            Some(session) => session
                .get::<SessionAccount>(SESSION_ACCOUNT)
                .await
                .ok()
                .flatten()
                .and_then(|a| {
                    Some(SignedIn {
                        name: a.name,
                        role: a.role.parse::<Role>().ok()?,
                    })
                }),
            None => None,
        };
        // Only signed-in pages carry a form on every page (log out); public
        // pages stay cookie-free so they can be cached.
        let csrf = match (&signed_in, parts.extensions.get::<CsrfSlot>()) {
            (Some(_), Some(slot)) => {
                slot.used.store(true, Ordering::Relaxed);
                slot.token
                    .authenticity_token()
                    .ok()
                    .map(|token| slot.binding.seal(&csrf_binding_key(state), &token))
            }
            _ => None,
        };
        Ok(PageCtx {
            lang,
            path,
            signed_in,
            csrf,
        })
    }
}

/// The token of an `Authorization: Bearer` header, when the request has one.
/// Only this scheme counts: a browser never adds it to a request on its own
/// (unlike cookies or HTTP Basic credentials it remembers).
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The signed-in account of a request that requires one, loaded fresh from the
/// database so a deactivated account or a changed role takes effect at once.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: uuid::Uuid,
    pub name: String,
    pub role: Role,
    /// Kelurahan codes an operator or panelist acts in (empty for other roles).
    pub scopes: Vec<String>,
    /// Whether the e-mail address is confirmed; see [`CurrentUser::require_verified`].
    pub email_verified: bool,
}

impl CurrentUser {
    /// The audit actor for this account.
    pub fn actor(&self) -> crate::domain::audit::Actor {
        crate::domain::audit::Actor::Account {
            id: self.id,
            role: self.role,
        }
    }

    /// Refuses unless the account has one of `roles`.
    ///
    /// # Errors
    /// `Forbidden` otherwise.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Refuses an account whose e-mail address is not confirmed yet (an
    /// unverified applicant may sign in but not apply).
    ///
    /// # Errors
    /// `EmailNotVerified`, which sends the person to the account page where the
    /// notice and the "send the link again" button are.
    pub fn require_verified(&self) -> Result<(), AppError> {
        if self.email_verified {
            Ok(())
        } else {
            Err(AppError::EmailNotVerified)
        }
    }

    /// Whether the account may act in `kelurahan_code`: admins and auditors
    /// everywhere, operators and panelists only within their scopes.
    pub fn covers(&self, kelurahan_code: &str) -> bool {
        match self.role {
            Role::Admin | Role::Auditor => true,
            Role::Operator | Role::Panelist => self.scopes.iter().any(|s| s == kelurahan_code),
            Role::Applicant => false,
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let login_required = || {
            AppError::LoginRequired(
                (parts.method == axum::http::Method::GET)
                    .then(|| parts.uri.path_and_query().map(ToString::to_string))
                    .flatten(),
            )
        };

        // A request with a bearer token is judged by the token alone: a bad
        // one is 401 even when a session cookie rides along, so the cookie
        // (the one credential a browser sends by itself) never stands in
        // for a token that failed.
        let (account_id, session) = match bearer(&parts.headers) {
            Some(raw) => {
                let id =
                    crate::services::api_tokens::authenticate(&state.db, state.clock.now(), raw)
                        .await?
                        .ok_or(AppError::LoginRequired(None))?;
                (id, None)
            }
            None => {
                let session = parts
                    .extensions
                    .get::<Session>()
                    .cloned()
                    .ok_or_else(login_required)?;
                let stored = session
                    .get::<SessionAccount>(SESSION_ACCOUNT)
                    .await
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?
                    .ok_or_else(login_required)?;
                (stored.id, Some(session))
            }
        };
        let Some(acc) = crate::services::accounts::signed_in(&state.db, account_id).await? else {
            if let Some(session) = session {
                let _ = session.flush().await;
            }
            return Err(login_required());
        };
        Ok(CurrentUser {
            id: acc.id,
            name: acc.name,
            role: acc.role,
            scopes: acc.scopes,
            email_verified: acc.email_verified,
        })
    }
}

#[cfg(test)]
mod referer_tests {
    use axum::http::{HeaderMap, HeaderValue, header::REFERER};

    use super::referer_path;

    fn with(referer: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(REFERER, HeaderValue::from_str(referer).expect("header"));
        h
    }

    #[test]
    fn a_page_answering_a_post_returns_to_the_page_the_form_was_on() {
        assert_eq!(
            referer_path(&with("https://pokmas.id/pendaftaran/1?x=2")).as_deref(),
            Some("/pendaftaran/1?x=2")
        );
        assert_eq!(referer_path(&with("https://pokmas.id")), None);
        assert_eq!(referer_path(&with("https://evil.example//x")), None);
        assert_eq!(referer_path(&HeaderMap::new()), None);
    }
}
