//! An applicant's consent to news by SMS/WhatsApp: given and withdrawn.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use uuid::Uuid;

use super::typed;
use crate::app::AppState;
use crate::domain::form::FieldErrors;
use crate::error::AppResult;
use crate::services::applications::Acting;
use crate::services::message_consent;
use crate::views::PageCtx;
use crate::views::info_admin::{self as va, FormState};
use crate::web::forms::{FormPage, Viewer};
use crate::web::posted::{Posted, SignedIn};
use crate::web::{Csrf, CurrentUser, path_id};

fn acting(user: &CurrentUser) -> Acting<'_> {
    Acting {
        actor: user.actor(),
        scopes: &user.scopes,
    }
}

/// An application's consent page, showing `form`.
struct Consent(Uuid, FormState);

impl FormPage for Consent {
    type Refusal = FieldErrors;

    fn back(&self) -> String {
        format!("/pendaftaran/{}/pesan", self.0)
    }

    async fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        errors: Option<FieldErrors>,
    ) -> AppResult<Markup> {
        let Viewer { app, ctx, user } = to;
        let Consent(id, mut form) = self;
        form.errors = errors.unwrap_or_default();
        let view = message_consent::view(&app.db, &app.vault, acting(user), id).await?;
        Ok(va::consent(ctx, &csrf, &view, &form))
    }
}

/// `GET /pendaftaran/{id}/pesan`.
pub async fn consent_page(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let view = message_consent::view(&app.db, &app.vault, acting(&user), path_id(&id)?).await?;
    let f = FormState::with(&[
        (
            "phone",
            view.current
                .as_ref()
                .map_or_else(|| view.application_phone.clone(), |(p, _)| p.clone()),
        ),
        (
            "channel",
            view.current
                .as_ref()
                .map_or("sms", |(_, c)| c.as_str())
                .to_owned(),
        ),
    ]);
    let t = csrf.token()?;
    Ok((csrf.0, va::consent(&ctx, &t, &view, &f)).into_response())
}

/// `POST /pendaftaran/{id}/pesan`.
pub async fn consent_give(
    State(app): State<AppState>,
    p: Posted<SignedIn, Uuid>,
) -> AppResult<Response> {
    let res = message_consent::give(
        &app.db,
        acting(&p.user),
        p.ids,
        p.field("phone"),
        p.field("channel"),
        p.field("agree") == "1",
        app.clock.now(),
    )
    .await;
    let f = typed(&p.form, &["phone", "channel", "agree"]);
    p.answer(&app, |id| Consent(id, f), res).await
}

/// `POST /pendaftaran/{id}/pesan/cabut`.
pub async fn consent_withdraw(
    State(app): State<AppState>,
    p: Posted<SignedIn, Uuid>,
) -> AppResult<Response> {
    message_consent::withdraw(&app.db, acting(&p.user), p.ids, app.clock.now()).await?;
    Ok(Redirect::to(&format!("/pendaftaran/{}/pesan", p.ids)).into_response())
}
