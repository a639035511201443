//! The one way a page answers its form: on success a redirect (303), so a
//! reload never submits twice; refused, the same page again at 422 with
//! what the user typed kept and each message next to its field. Any other
//! failure is raised as the usual error page.

use std::future::Future;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;

use super::Csrf;
use crate::domain::form::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::services::ServiceError;

/// A service error that may be a refusal with a message per field.
pub trait FieldRefusal: Into<AppError> + Sized {
    /// The messages to show next to the form, or the error itself to raise.
    ///
    /// # Errors
    /// Every error that is not a refusal of the input.
    fn field_errors(self) -> Result<FieldErrors, Self>;
}

impl FieldRefusal for ServiceError {
    fn field_errors(self) -> Result<FieldErrors, Self> {
        match self {
            ServiceError::Fields(e) => Ok(e),
            // A rule or the state refused the form as a whole: shown above it.
            ServiceError::Invalid(m) | ServiceError::Conflict(m) => {
                let mut e = FieldErrors::new();
                e.insert(String::new(), m);
                Ok(e)
            }
            other => Err(other),
        }
    }
}

/// Splits a service result into field errors (to show) and everything else
/// (to raise).
///
/// # Errors
/// Every service error that is not a refusal of the input.
pub fn refused_fields<T, E: FieldRefusal>(res: Result<T, E>) -> AppResult<Result<T, FieldErrors>> {
    match res {
        Ok(t) => Ok(Ok(t)),
        Err(e) => e.field_errors().map(Err).map_err(Into::into),
    }
}

/// The answer to a form: `Ok(to)` redirects to `to`; field errors draw the
/// page again at 422 with `render`, given the errors and a fresh form token
/// (it shows what was typed from values it captured).
///
/// # Errors
/// Whatever `render` raises, and a form token that cannot be made.
pub async fn redirect_or_rerender<F, Fut>(
    csrf: Csrf,
    outcome: Result<String, FieldErrors>,
    render: F,
) -> AppResult<Response>
where
    F: FnOnce(FieldErrors, String) -> Fut,
    Fut: Future<Output = AppResult<Markup>>,
{
    match outcome {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(errors) => rerender(csrf, |token| render(errors, token)).await,
    }
}

/// A refused form's page (422), drawn by `render` with a fresh form token;
/// for the forms whose success is a page of its own rather than a redirect.
///
/// # Errors
/// Whatever `render` raises, and a form token that cannot be made.
pub async fn rerender<F, Fut>(csrf: Csrf, render: F) -> AppResult<Response>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = AppResult<Markup>>,
{
    let page = render(csrf.token()?).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.0, page).into_response())
}
