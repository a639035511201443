//! One error type at the web edge. Internal detail is logged once, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::DbErr;

use crate::domain::round::Msg;
use crate::views;

impl AppError {
    /// A refusal whose reason is the joined `messages` (a form's field errors
    /// shown on a page that has no form to put them next to).
    pub fn refused<'a>(messages: impl IntoIterator<Item = &'a Msg> + Clone) -> Self {
        let join = |pick: fn(&Msg) -> &str| {
            messages
                .clone()
                .into_iter()
                .map(pick)
                .collect::<Vec<_>>()
                .join(" ")
        };
        AppError::Refused(Msg::new(join(|m| &m.id), join(|m| &m.en)))
    }
}

/// Everything a handler can fail with; each variant documents its status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404: the thing does not exist, or the caller may not know that it does.
    #[error("not found")]
    NotFound,
    /// 303 to the login page: this page needs a signed-in account. Carries
    /// the page asked for (GET only), so that signing in leads back to it,
    /// e.g. from the status link in a receipt e-mail.
    #[error("login required")]
    LoginRequired(Option<String>),
    /// 403: signed in, but this role or scope may not do this.
    #[error("forbidden")]
    Forbidden,
    /// 400: a rule refused the request, or the request itself is malformed
    /// (a form re-renders with field errors instead); the page gives the
    /// reason in both languages.
    #[error("refused: {}", .0.id)]
    Refused(Msg),
    /// 409: the request came too late or twice for the state things are in
    /// now (a round already past that stage, a decision already taken); the
    /// page gives the reason.
    #[error("conflict: {}", .0.id)]
    Conflict(Msg),
    /// 403: the form's CSRF token is missing or no longer valid, most often
    /// a form left open until the session expired; the page says to reload.
    #[error("stale form")]
    StaleForm,
    /// 303 to the account page: the e-mail address must be confirmed first
    /// (the page explains it and offers a new link).
    #[error("e-mail address not verified")]
    EmailNotVerified,
    /// 429: too many attempts; the message says when to try again.
    #[error("too many requests")]
    TooManyRequests,
    /// 503: the database cannot be reached right now (logged with detail);
    /// the answer comes at once, with `Retry-After`, instead of after a
    /// long wait.
    #[error("service unavailable: {0}")]
    Unavailable(anyhow::Error),
    /// 500: a bug; logged with detail, shown as a friendly page. An outage
    /// found inside it is answered as [`AppError::Unavailable`].
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// This error, with an internal one that is really a database outage
    /// turned into [`AppError::Unavailable`].
    #[must_use]
    pub fn classified(self) -> AppError {
        match self {
            AppError::Internal(e)
                if e.chain().any(|c| {
                    c.downcast_ref::<DbErr>()
                        .is_some_and(crate::ops::health::is_outage)
                }) =>
            {
                AppError::Unavailable(e)
            }
            other => other,
        }
    }
}

/// Seconds a client is asked to wait after a 503.
pub const RETRY_AFTER_SECS: &str = "30";

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        match e {
            DbErr::RecordNotFound(_) => AppError::NotFound,
            other if crate::ops::health::is_outage(&other) => {
                AppError::Unavailable(anyhow::Error::new(other))
            }
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let this = self.classified();
        if let AppError::Unavailable(e) = &this {
            tracing::error!(error = %format!("{e:#}"), "database unavailable");
            let status = StatusCode::SERVICE_UNAVAILABLE;
            return (
                status,
                [(axum::http::header::RETRY_AFTER, RETRY_AFTER_SECS)],
                views::errors::error_page(status, None),
            )
                .into_response();
        }
        this.into_classified_response()
    }
}

impl AppError {
    fn into_classified_response(self) -> Response {
        if let AppError::LoginRequired(back) = &self {
            let to = match back {
                Some(path) => format!("/masuk?lanjut={}", views::layout::urlencode(path)),
                None => "/masuk".to_owned(),
            };
            return axum::response::Redirect::to(&to).into_response();
        }
        if matches!(self, AppError::EmailNotVerified) {
            return axum::response::Redirect::to("/akun#verifikasi").into_response();
        }
        let status = match &self {
            AppError::LoginRequired(_) => StatusCode::UNAUTHORIZED,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::StaleForm => StatusCode::FORBIDDEN,
            AppError::EmailNotVerified => StatusCode::FORBIDDEN,
            AppError::Refused(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        // A 400 carries the service's own sentence (why a rule refused the
        // request); without it the user cannot tell what to change.
        let reason = match self {
            AppError::Refused(m) | AppError::Conflict(m) => Some(m),
            AppError::StaleForm => Some(Msg::new(
                "Formulir ini sudah kedaluwarsa atau tidak lengkap, misalnya karena lama dibiarkan terbuka. Muat ulang halamannya, lalu isi dan kirim lagi.",
                "This form has expired or is incomplete, for example after being left open for a long time. Reload the page, then fill it in and send it again.",
            )),
            _ => None,
        };
        (status, views::errors::error_page(status, reason.as_ref())).into_response()
    }
}

// How each service's refusal reaches a page. Services do not know this
// type; the web edge maps their errors here, once.

impl From<crate::services::ServiceError> for AppError {
    fn from(e: crate::services::ServiceError) -> Self {
        use crate::services::ServiceError;
        match e {
            ServiceError::Invalid(m) | ServiceError::TooLarge(m) => AppError::Refused(m),
            ServiceError::Fields(errs) => AppError::refused(errs.values()),
            ServiceError::Lines(_) => AppError::Refused(e.refusal().unwrap_or_default()),
            ServiceError::Conflict(m) => AppError::Conflict(m),
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Forbidden => AppError::Forbidden,
            ServiceError::Db(e) => AppError::from(e),
            ServiceError::Internal(e) => AppError::Internal(e),
        }
    }
}

/// The result type of handlers.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;

    use super::*;

    #[tokio::test]
    async fn internal_errors_show_a_friendly_page_without_detail() {
        let res =
            AppError::Internal(anyhow::anyhow!("password=hunter2 at db.rs:42")).into_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = to_bytes(res.into_body(), 1 << 20).await.expect("body");
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("Terjadi gangguan pada sistem"));
        assert!(!body.contains("hunter2") && !body.contains("db.rs"));
    }
}
