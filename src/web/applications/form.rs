//! The application form: shown with what was stored, saved field by field
//! with its files, and submitted.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::{acting, parse_id, pin_receipt, store, to_receipt, too_many_uploads, upload_allowed};
use crate::app::AppState;
use crate::domain::application::ApplicationState;
use crate::domain::form::{FieldErrors, FormData};
use crate::domain::round::Msg;
use crate::error::AppResult;
use crate::pii::NikVault;
use crate::services::ServiceError;
use crate::services::applications::{self as svc, ApplicationView, Fields};
use crate::storage::size_label;
use crate::views::PageCtx;
use crate::views::applications as v;
use crate::web::account::ClientIp;
use crate::web::multipart::{self, Part};
use crate::web::{Csrf, CurrentUser};

/// The stored values of an application as form values (the NIK is never
/// sent back in full: only its masked form shows it is there).
fn stored_values(view: &ApplicationView) -> FormData {
    let a = &view.application;
    let p = &view.personal;
    let mut f = FormData::default();
    let mut put = |k: &str, v: String| {
        f.0.insert(k.to_owned(), v);
    };
    put("full_name", a.full_name.clone());
    put("birth_place", p.birth_place.clone());
    put(
        "birth_date",
        p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
    );
    put("sex", a.sex.clone());
    put("address", p.address.clone());
    put("phone", p.phone.clone());
    put("email", p.email.clone());
    put("education", a.education.clone());
    put("occupation", a.occupation.clone());
    put("motivation", a.motivation.clone());
    put("experience", a.experience.clone());
    f
}

/// What a re-rendered form shows besides the stored values.
#[derive(Default)]
pub(super) struct Shown {
    /// What was typed in this request (wins over stored values).
    typed: Option<FormData>,
    errors: FieldErrors,
    warnings: Vec<Msg>,
    notice: Option<Msg>,
}

async fn render_form(
    app: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    csrf: &Csrf,
    id: Uuid,
    shown: Shown,
) -> AppResult<maud::Markup> {
    let view = svc::load(&app.db, &app.vault, acting(user), id).await?;
    let mut values = stored_values(&view);
    let Shown {
        typed,
        errors,
        warnings,
        notice,
    } = shown;
    if let Some(t) = typed {
        for (k, val) in t.0 {
            values.0.insert(k, val);
        }
    }
    let mut warnings = warnings;
    if warnings.is_empty() {
        warnings = svc::warning_messages(&view.application.nik_warnings);
    }
    Ok(v::form(
        ctx,
        &v::FormPage {
            view: &view,
            values,
            errors,
            warnings,
            csrf: csrf.token()?,
            notice,
            max_upload: size_label(app.config.max_upload_bytes),
        },
    ))
}

/// `GET /pendaftaran/{id}/formulir`.
pub async fn form_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let view = svc::load(&app.db, &app.vault, acting(&user), id).await?;
    if view.application.state != ApplicationState::Draft {
        return Ok(Redirect::to(&format!("/pendaftaran/{id}")).into_response());
    }
    let page = render_form(&app, &ctx, &user, &csrf, id, Shown::default()).await?;
    Ok((csrf.0, page).into_response())
}

/// A page for a body that could not be read at all: too large (413) or not
/// a form (400). The typed fields cannot be kept here, so say why.
fn unreadable(app: &AppState, ctx: &PageCtx, status: StatusCode) -> Response {
    let (id, en) = if status == StatusCode::PAYLOAD_TOO_LARGE {
        let max = size_label(app.config.max_upload_bytes);
        (
            format!(
                "Kiriman terlalu besar. Setiap berkas paling besar {max}; kirim berkas satu per satu bila perlu. Draf yang tersimpan sebelumnya tetap ada."
            ),
            format!(
                "The upload is too large. Each file may be at most {max}; send files one at a time if needed. The draft saved earlier is still there."
            ),
        )
    } else {
        (
            "Formulir tidak dapat dibaca. Muat ulang halaman lalu coba lagi.".to_owned(),
            "The form could not be read. Reload the page and try again.".to_owned(),
        )
    };
    let body = maud::html! {
        h1 { (ctx.t("Tidak dapat diproses", "Could not be processed")) }
        div.alert role="alert" { (ctx.t(&id, &en)) }
        p { a href=(ctx.path.clone()) { (ctx.t("Kembali ke formulir", "Back to the form")) } }
    };
    let page = crate::views::layout::layout(
        ctx,
        crate::views::Page {
            title: ctx
                .t("Tidak dapat diproses", "Could not be processed")
                .to_owned(),
            body,
        },
    );
    (status, page).into_response()
}

/// `POST /pendaftaran/{id}/formulir` (multipart): saves every valid field,
/// stores each chosen file at once, and with `action=submit` submits.
#[expect(
    clippy::too_many_arguments,
    reason = "an axum handler: each argument is one extractor"
)]
pub async fn form_submit(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    ip: ClientIp,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let body = match body {
        Ok(b) => b,
        Err(e) => return Ok(unreadable(&app, &ctx, e.status())),
    };
    let Some(parts) = multipart::parts_of(&headers, &body) else {
        return Ok(unreadable(&app, &ctx, StatusCode::BAD_REQUEST));
    };
    let mut fields = FormData::default();
    let mut files: Vec<Part> = Vec::new();
    for p in parts {
        if p.filename.is_some() {
            if !p.data.is_empty() {
                files.push(p);
            }
        } else {
            let text = String::from_utf8_lossy(&p.data).into_owned();
            fields.0.insert(p.name, text);
        }
    }
    csrf.verify(fields.get("csrf"))?;
    let act = acting(&user);
    let vault = NikVault::from_app(&app);
    // Each file is counted against the upload throttle before anything is
    // written; a throttled file is reported on its field and not kept.
    let mut uploads = Vec::new();
    let mut throttled = FieldErrors::new();
    for f in files {
        let Some(code) = f.name.strip_prefix("doc_") else {
            continue;
        };
        if !upload_allowed(&app, user.id, &ip).await? {
            throttled.insert(f.name.clone(), too_many_uploads());
            continue;
        }
        uploads.push(svc::Upload {
            requirement_code: code.to_owned(),
            original_name: f.filename.clone().unwrap_or_default(),
            bytes: f.data.to_vec(),
        });
    }
    let mail = app.mail();
    let post = svc::FormPost {
        fields: Fields(fields.clone()),
        uploads,
        submit: throttled.is_empty() && fields.get("action") == "submit",
        lang: ctx.lang,
    };
    let outcome = match svc::save_form(&app.db, &store(&app), &vault, mail, act, id, post).await {
        // A double click or a retried POST after the submission went
        // through: show what the first one did, not a form that can no
        // longer be sent (the receipt sends a withdrawn draft on to its status).
        Ok(o) if o.already_sent => return Ok(to_receipt(id)),
        Ok(o) => o,
        Err(ServiceError::Fields(errors)) => {
            let shown = Shown {
                typed: Some(fields),
                errors,
                ..Shown::default()
            };
            let page = render_form(&app, &ctx, &user, &csrf, id, shown).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.0, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(done) = outcome.submitted {
        if let Some(pin) = done.status_pin {
            return pin_receipt(&app, &ctx, act, id, &pin, false).await;
        }
        return Ok(to_receipt(id));
    }
    let too_large = outcome.too_large;
    let throttled_any = !throttled.is_empty();
    let mut errors = outcome.errors;
    errors.extend(throttled);
    let status = if throttled_any {
        StatusCode::TOO_MANY_REQUESTS
    } else if too_large {
        StatusCode::PAYLOAD_TOO_LARGE
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let notice = errors
        .is_empty()
        .then(|| Msg::new("Draf tersimpan.", "Draft saved."));
    let shown = Shown {
        typed: Some(fields),
        errors,
        warnings: outcome.warnings,
        notice,
    };
    let page = render_form(&app, &ctx, &user, &csrf, id, shown).await?;
    Ok((status, csrf.0, page).into_response())
}
