//! Managing the FAQ entries.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{Pairs, admin_view, editor, typed};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::info_docs as docs;
use crate::views::PageCtx;
use crate::views::info_admin::{self as va, FormState};
use crate::web::forms::{redirect_or_rerender, refused_fields};
use crate::web::{Csrf, CurrentUser, form_field, path_id};

const FAQ_FIELDS: [&str; 3] = ["question", "answer", "position"];

/// `POST /admin/informasi/faq`.
pub async fn faq_create(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    user.require(&[Role::Admin])?;
    let f = |n| form_field(&pairs, n);
    let res = refused_fields(
        docs::save_faq(
            &app.db,
            editor(&user),
            None,
            f("position"),
            f("question"),
            f("answer"),
            app.clock.now(),
        )
        .await,
    )?;
    redirect_or_rerender(
        csrf,
        res.map(|_| "/admin/informasi".to_owned()),
        |errors, t| async move {
            let mut view = admin_view(&app, &user, t).await?;
            view.faq_form = typed(&pairs, &FAQ_FIELDS);
            view.faq_form.errors = errors;
            Ok(va::admin(&ctx, &view))
        },
    )
    .await
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
    let t = csrf.token()?;
    Ok((csrf.0, va::faq_edit(&ctx, &t, id, &f)).into_response())
}

/// `POST /admin/informasi/faq/{id}`.
pub async fn faq_update(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    user.require(&[Role::Admin])?;
    let id = path_id(&id)?;
    let f = |n| form_field(&pairs, n);
    let res = refused_fields(
        docs::save_faq(
            &app.db,
            editor(&user),
            Some(id),
            f("position"),
            f("question"),
            f("answer"),
            app.clock.now(),
        )
        .await,
    )?;
    redirect_or_rerender(
        csrf,
        res.map(|_| "/admin/informasi".to_owned()),
        |errors, t| async move {
            let mut form = typed(&pairs, &FAQ_FIELDS);
            form.errors = errors;
            Ok(va::faq_edit(&ctx, &t, id, &form))
        },
    )
    .await
}

/// `POST /admin/informasi/faq/{id}/hapus`.
pub async fn faq_remove(
    State(app): State<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    user.require(&[Role::Admin])?;
    docs::remove_faq(&app.db, editor(&user), path_id(&id)?).await?;
    Ok(Redirect::to("/admin/informasi").into_response())
}
