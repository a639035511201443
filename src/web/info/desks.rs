//! Managing the help-desk entries of the kelurahan.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::{Pairs, editor, staff_only, typed};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::services::info_docs::{self as docs, HelpDeskInput};
use crate::views::PageCtx;
use crate::views::info_admin::{self as va, FormState};
use crate::web::forms::{redirect_or_rerender, refused_fields};
use crate::web::{Csrf, CurrentUser, form_field};

/// The stored code of `/admin/informasi/help-desk/{code}`: `kota` is the
/// city's call centre.
fn desk_code(code: &str) -> &str {
    if code == "kota" {
        docs::CALL_CENTRE
    } else {
        code
    }
}

async fn desk_title(
    app: &AppState,
    ctx: &PageCtx,
    code: &str,
) -> AppResult<(String, HelpDeskInput)> {
    if code == docs::CALL_CENTRE {
        let c = docs::call_centre(&app.db).await?;
        let input = c.map(|d| HelpDeskInput {
            address: d.address,
            opening_hours: d.opening_hours,
            phone: d.phone,
            whatsapp: d.whatsapp,
        });
        return Ok((
            ctx.t("Call center kota", "City call centre").to_owned(),
            input.unwrap_or_default(),
        ));
    }
    let (d, _) = docs::help_desk(&app.db, code).await?;
    Ok((
        format!(
            "{} {}",
            ctx.t("Help desk Kelurahan", "Help desk of Kelurahan"),
            d.kelurahan_name
        ),
        HelpDeskInput {
            address: d.address,
            opening_hours: d.opening_hours,
            phone: d.phone,
            whatsapp: d.whatsapp,
        },
    ))
}

/// `GET /admin/informasi/help-desk/{code}`.
pub async fn desk_edit(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(code): Path<String>,
) -> AppResult<Response> {
    staff_only(&user)?;
    let stored = desk_code(&code);
    let scope = (stored != docs::CALL_CENTRE).then_some(stored);
    if !editor(&user).may_manage(scope) {
        return Err(AppError::NotFound);
    }
    let (title, d) = desk_title(&app, &ctx, stored).await?;
    let f = FormState::with(&[
        ("address", d.address),
        ("opening_hours", d.opening_hours),
        ("phone", d.phone),
        ("whatsapp", d.whatsapp),
    ]);
    let t = csrf.token()?;
    Ok((csrf.0, va::help_desk_edit(&ctx, &t, &code, &title, &f)).into_response())
}

/// `POST /admin/informasi/help-desk/{code}`.
pub async fn desk_update(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(code): Path<String>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    staff_only(&user)?;
    let stored = desk_code(&code);
    let input = HelpDeskInput {
        address: form_field(&pairs, "address").to_owned(),
        opening_hours: form_field(&pairs, "opening_hours").to_owned(),
        phone: form_field(&pairs, "phone").to_owned(),
        whatsapp: form_field(&pairs, "whatsapp").to_owned(),
    };
    let code = code.as_str();
    let res = refused_fields(
        docs::set_help_desk(&app.db, editor(&user), stored, &input, app.clock.now()).await,
    )?;
    redirect_or_rerender(
        csrf,
        res.map(|()| "/admin/informasi".to_owned()),
        |errors, t| async move {
            let (title, _) = desk_title(&app, &ctx, stored).await?;
            let mut f = typed(&pairs, &["address", "opening_hours", "phone", "whatsapp"]);
            f.errors = errors;
            Ok(va::help_desk_edit(&ctx, &t, code, &title, &f))
        },
    )
    .await
}
