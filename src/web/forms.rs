//! The one way a page answers its form: on success a redirect (303), so a
//! reload never submits twice; refused, the same page again at 422 with
//! what the user typed kept and each message next to its field. Any other
//! failure is raised as the usual error page.

use std::future::Future;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;

use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::form::FieldErrors;
use crate::domain::lang::Lang;
use crate::error::{AppError, AppResult};
use crate::services::ServiceError;
use crate::views::PageCtx;

/// A page that carries forms, written once for every way it is answered: as
/// itself, or again after one of its forms was refused (see [`answer`]). A
/// value of it names the page (its ids) and holds what a refused form had
/// typed.
pub trait FormPage: Send {
    /// What a refused form shows: one message, or one per field.
    type Refusal: Refusal;

    /// Where a successful form returns (303).
    fn back(&self) -> String;

    /// The page for `to` with a fresh form token and, after a refused form,
    /// why.
    fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        refused: Option<Self::Refusal>,
    ) -> impl Future<Output = AppResult<Markup>> + Send;
}

/// Who a page is drawn for.
#[derive(Clone, Copy)]
pub struct Viewer<'a> {
    pub app: &'a AppState,
    pub ctx: &'a PageCtx,
    pub user: &'a CurrentUser,
}

/// What a page shows of a refused form, taken from the service's error.
pub trait Refusal: Sized + Send {
    /// # Errors
    /// Every error that is not such a refusal, to raise.
    fn of(e: ServiceError, lang: Lang) -> AppResult<Self>;
}

/// A message per field, and a refusal of the whole form above it.
impl Refusal for FieldErrors {
    fn of(e: ServiceError, _: Lang) -> AppResult<Self> {
        e.field_errors().map_err(Into::into)
    }
}

/// One message above the page's forms (pages without a place per field):
/// the service's sentence in the reader's language. Only rules and the
/// state refuse that way; anything else is raised.
impl Refusal for String {
    fn of(e: ServiceError, lang: Lang) -> AppResult<Self> {
        match e {
            ServiceError::Invalid(m) | ServiceError::Conflict(m) => Ok(m.pick(lang).to_owned()),
            other => Err(other.into()),
        }
    }
}

/// One message, for pages whose forms only a rule refuses: a refusal by the
/// state is raised (409) rather than shown.
pub struct RuleRefusal(pub String);

impl Refusal for RuleRefusal {
    fn of(e: ServiceError, lang: Lang) -> AppResult<Self> {
        match e {
            ServiceError::Invalid(m) => Ok(RuleRefusal(m.pick(lang).to_owned())),
            other => Err(other.into()),
        }
    }
}

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

/// The answer to a form: `Ok(to)` redirects to `to`; a refusal (field
/// errors, or one message) draws the page again at 422 with `render`, given
/// the refusal and a fresh form token (it shows what was typed from values
/// it captured).
///
/// # Errors
/// Whatever `render` raises, and a form token that cannot be made.
pub async fn redirect_or_rerender<E, F, Fut>(
    csrf: Csrf,
    outcome: Result<String, E>,
    render: F,
) -> AppResult<Response>
where
    F: FnOnce(E, String) -> Fut,
    Fut: Future<Output = AppResult<Markup>>,
{
    match outcome {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(errors) => rerender(csrf, |token| render(errors, token)).await,
    }
}

/// The answer to a form on `page`: back to it (303) on success; refused,
/// the page again at 422 with the refusal and what was typed; any other
/// error raised.
///
/// # Errors
/// The service's errors that are no refusal, whatever drawing the page
/// raises, and a form token that cannot be made.
pub async fn answer<P: FormPage, T>(
    to: Viewer<'_>,
    csrf: Csrf,
    page: P,
    outcome: Result<T, ServiceError>,
) -> AppResult<Response> {
    let outcome = match outcome {
        Ok(_) => Ok(page.back()),
        Err(e) => Err(P::Refusal::of(e, to.ctx.lang)?),
    };
    redirect_or_rerender(csrf, outcome, |refused, token| {
        page.draw(to, token, Some(refused))
    })
    .await
}

/// A page with forms as itself (200), with a fresh form token.
///
/// # Errors
/// Whatever drawing the page raises, and a form token that cannot be made.
pub async fn show<P: FormPage>(
    app: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    csrf: Csrf,
    page: P,
) -> AppResult<Response> {
    let to = Viewer { app, ctx, user };
    let markup = page.draw(to, csrf.token()?, None).await?;
    Ok((csrf.0, markup).into_response())
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
