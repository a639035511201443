//! Managing the FAQ entries.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use uuid::Uuid;

use super::manage::Manage;
use super::{editor, typed};
use crate::app::AppState;
use crate::domain::form::FieldErrors;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::info_docs as docs;
use crate::views::PageCtx;
use crate::views::info_admin::{self as va, FormState};
use crate::web::forms::{FormPage, Viewer, show};
use crate::web::posted::{Admin, Posted};
use crate::web::{Csrf, CurrentUser, path_id};

const FAQ_FIELDS: [&str; 3] = ["question", "answer", "position"];

/// Saves an FAQ entry (`None`: a new one) from a posted form.
async fn save(
    app: &AppState,
    p: &Posted<Admin, impl Sized>,
    id: Option<Uuid>,
) -> Result<Uuid, crate::services::ServiceError> {
    let f = |n| p.field(n);
    docs::save_faq(
        &app.db,
        editor(&p.user),
        id,
        f("position"),
        f("question"),
        f("answer"),
        app.clock.now(),
    )
    .await
}

/// `POST /admin/informasi/faq`.
pub async fn faq_create(State(app): State<AppState>, p: Posted<Admin>) -> AppResult<Response> {
    let res = save(&app, &p, None).await;
    let f = typed(&p.form, &FAQ_FIELDS);
    p.answer(&app, |()| Manage::Faq(f), res).await
}

/// An FAQ entry's edit page, showing `form`.
struct EditFaq(Uuid, FormState);

impl FormPage for EditFaq {
    type Refusal = FieldErrors;

    fn back(&self) -> String {
        "/admin/informasi".to_owned()
    }

    async fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        errors: Option<FieldErrors>,
    ) -> AppResult<Markup> {
        let Viewer { ctx, .. } = to;
        let EditFaq(id, mut form) = self;
        form.errors = errors.unwrap_or_default();
        Ok(va::faq_edit(ctx, &csrf, id, &form))
    }
}

/// `GET /admin/informasi/faq/{id}`.
pub async fn faq_edit(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    let id = path_id(&id)?;
    let item = docs::faq(&app.db)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or(AppError::NotFound)?;
    let f = FormState::with(&[
        ("question", item.question),
        ("answer", item.answer_markdown),
        ("position", item.position.to_string()),
    ]);
    show(&app, &ctx, &user, csrf, EditFaq(id, f)).await
}

/// `POST /admin/informasi/faq/{id}`.
pub async fn faq_update(
    State(app): State<AppState>,
    p: Posted<Admin, Uuid>,
) -> AppResult<Response> {
    let res = save(&app, &p, Some(p.ids)).await;
    let f = typed(&p.form, &FAQ_FIELDS);
    p.answer(&app, |id| EditFaq(id, f), res).await
}

/// `POST /admin/informasi/faq/{id}/hapus`.
pub async fn faq_remove(
    State(app): State<AppState>,
    p: Posted<Admin, Uuid>,
) -> AppResult<Response> {
    docs::remove_faq(&app.db, editor(&p.user), p.ids).await?;
    Ok(Redirect::to("/admin/informasi").into_response())
}
