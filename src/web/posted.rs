//! The checks a page's request passes before its handler runs: the
//! signed-in account has a role the page allows and the ids in the path are
//! well formed ([`Allowed`]); a form POST also carries this session's token
//! ([`Posted`]). Handlers receive them whole and only parse, call a service
//! and answer.
//!
//! Which check runs first decides what a refused request learns, so each
//! [`Gate`] keeps the order its pages have always had.

use std::marker::PhantomData;

use axum::extract::{Form, FromRequest, FromRequestParts, Path, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::forms::{FormPage, Viewer, answer, show};
use super::{Csrf, CurrentUser, form_field, path_id};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::services::ServiceError;
use crate::views::PageCtx;

/// Who may open a page or post its forms, and in which order that is
/// checked.
pub trait Gate {
    /// The roles allowed; empty when any signed-in account may post (the
    /// service then decides by ownership).
    const ROLES: &'static [Role];
    /// Whether the role and the path are checked before the form's token, so
    /// a stranger learns nothing about what the path names.
    const ROLE_FIRST: bool = false;
}

/// Admins; the token is checked first.
pub struct Admin;
impl Gate for Admin {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// Admins, checked before the path and the token (round administration).
pub struct AdminFirst;
impl Gate for AdminFirst {
    const ROLES: &'static [Role] = &[Role::Admin];
    const ROLE_FIRST: bool = true;
}

/// Admins and operators.
pub struct Staff;
impl Gate for Staff {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Operator];
}

/// Panelists.
pub struct Panelist;
impl Gate for Panelist {
    const ROLES: &'static [Role] = &[Role::Panelist];
}

/// Any signed-in account; the service checks what it may touch.
pub struct SignedIn;
impl Gate for SignedIn {
    const ROLES: &'static [Role] = &[];
}

/// Auditors and admins (the auditors' workspace).
pub struct Reader;
impl Gate for Reader {
    const ROLES: &'static [Role] = &[Role::Auditor, Role::Admin];
    const ROLE_FIRST: bool = true;
}

/// The ids a route's path names, each a UUID; a malformed one is not found.
pub trait PathIds: Sized + Send {
    /// The path's parameters as text.
    type Raw: DeserializeOwned + Send + 'static;

    /// # Errors
    /// `NotFound` for a malformed id.
    fn parse(raw: &Self::Raw) -> AppResult<Self>;
}

impl PathIds for () {
    type Raw = ();
    fn parse((): &()) -> AppResult<Self> {
        Ok(())
    }
}

impl PathIds for Uuid {
    type Raw = String;
    fn parse(raw: &String) -> AppResult<Self> {
        path_id(raw)
    }
}

impl PathIds for (Uuid, Uuid) {
    type Raw = (String, String);
    fn parse((a, b): &(String, String)) -> AppResult<Self> {
        Ok((path_id(a)?, path_id(b)?))
    }
}

impl PathIds for (Uuid, Uuid, Uuid) {
    type Raw = (String, String, String);
    fn parse((a, b, c): &(String, String, String)) -> AppResult<Self> {
        Ok((path_id(a)?, path_id(b)?, path_id(c)?))
    }
}

/// A form body that carries the hidden `csrf` field.
pub trait TokenField {
    /// The submitted token ("" when absent).
    fn token(&self) -> &str;
}

impl TokenField for Vec<(String, String)> {
    fn token(&self) -> &str {
        form_field(self, "csrf")
    }
}

/// An account with a role `G` allows, and the ids its path names: for pages
/// that only read.
pub struct Allowed<G, I = ()> {
    pub user: CurrentUser,
    pub ctx: PageCtx,
    pub ids: I,
    gate: PhantomData<G>,
}

impl<G, I> Allowed<G, I> {
    /// The page `page` names from the path's ids, as itself (see [`show`]).
    ///
    /// # Errors
    /// As [`show`].
    pub async fn show<P: FormPage>(
        self,
        app: &AppState,
        csrf: Csrf,
        page: impl FnOnce(I) -> P,
    ) -> AppResult<Response> {
        show(app, &self.ctx, &self.user, csrf, page(self.ids)).await
    }
}

impl<G: Gate, I: PathIds> FromRequestParts<AppState> for Allowed<G, I> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let ctx = PageCtx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Path(raw) = Path::<I::Raw>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let checked = (|| {
            allow::<G>(&user)?;
            I::parse(&raw)
        })();
        let ids = checked.map_err(IntoResponse::into_response)?;
        Ok(Allowed {
            user,
            ctx,
            ids,
            gate: PhantomData,
        })
    }
}

/// A verified form POST: by an account `G` allows, about the ids `I` in its
/// path, with the body `B` (by default every field in order) whose token
/// matched. Must be a handler's last argument (it reads the body).
pub struct Posted<G, I = (), B = Vec<(String, String)>> {
    pub user: CurrentUser,
    pub ctx: PageCtx,
    pub csrf: Csrf,
    pub ids: I,
    pub form: B,
    gate: PhantomData<G>,
}

impl<G, I, B> Posted<G, I, B> {
    /// The answer to this form on the page `page` names from the path's
    /// ids (see [`answer`]).
    ///
    /// # Errors
    /// As [`answer`].
    pub async fn answer<P: FormPage, T>(
        self,
        app: &AppState,
        page: impl FnOnce(I) -> P,
        outcome: Result<T, ServiceError>,
    ) -> AppResult<Response> {
        let Posted {
            user,
            ctx,
            csrf,
            ids,
            ..
        } = self;
        let to = Viewer {
            app,
            ctx: &ctx,
            user: &user,
        };
        answer(to, csrf, page(ids), outcome).await
    }

    /// Who a page is drawn for: this form's sender.
    pub fn viewer<'a>(&'a self, app: &'a AppState) -> Viewer<'a> {
        Viewer {
            app,
            ctx: &self.ctx,
            user: &self.user,
        }
    }
}

impl<G, I> Posted<G, I> {
    /// The trimmed value of a field ("" when absent).
    pub fn field(&self, name: &str) -> &str {
        form_field(&self.form, name)
    }
}

fn allow<G: Gate>(user: &CurrentUser) -> AppResult<()> {
    if G::ROLES.is_empty() {
        Ok(())
    } else {
        user.require(G::ROLES)
    }
}

impl<G, I, B> FromRequest<AppState> for Posted<G, I, B>
where
    G: Gate,
    I: PathIds,
    B: TokenField + DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let ctx = PageCtx::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let csrf = Csrf::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Path(raw) = Path::<I::Raw>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Form(form) = Form::<B>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let checked = if G::ROLE_FIRST {
            allow::<G>(&user)
                .and_then(|()| I::parse(&raw))
                .and_then(|ids| csrf.verify(form.token()).map(|()| ids))
        } else {
            csrf.verify(form.token())
                .and_then(|()| allow::<G>(&user))
                .and_then(|()| I::parse(&raw))
        };
        let ids = checked.map_err(IntoResponse::into_response)?;
        Ok(Posted {
            user,
            ctx,
            csrf,
            ids,
            form,
            gate: PhantomData,
        })
    }
}
