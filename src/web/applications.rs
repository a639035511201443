//! Applications: the applicant portal (`/seleksi/{slug}/daftar`,
//! `/pendaftaran/{id}…`), the kelurahan help desk (`/meja-bantuan`), document
//! downloads (`/dokumen/{id}`) and the public status check (`/cek-status`).
//!
//! Handlers parse, call one service, render. A refused form comes back with
//! everything typed kept and each message next to its field; a success
//! redirects (303) so a reload never re-submits.

use axum::Form;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::account::{ClientIp, limit_key};
use super::multipart::{self, Part};
use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::application::ApplicationState;
use crate::domain::registration::StatusPin;
use crate::domain::role::Role;
use crate::domain::round::Msg;
use crate::error::{AppError, AppResult};
use crate::pii::NikVault;
use crate::services::applications::{
    self as svc, Acting, ApplicationError, ApplicationView, Fields, MailCtx, StartDraft,
};
use crate::services::documents::UploadError;
use crate::services::rate_limit::{self, Limit};
use crate::services::rounds::{FieldErrors, FormData};
use crate::storage::{FileStore, size_label};
use crate::views::PageCtx;
use crate::views::applications as v;

/// Status checks per client IP (number + PIN guessing).
pub const STATUS_CHECK_PER_IP: Limit = Limit {
    name: "status_check_ip",
    max: 10,
    window_secs: 15 * 60,
};

/// Counts one uploaded file against [`rate_limit::UPLOADS_PER_ACCOUNT`] and
/// [`rate_limit::UPLOADS_PER_IP`] and tells whether it may be stored.
///
/// # Errors
/// Storage failures.
pub(crate) async fn upload_allowed(
    app: &AppState,
    account: Uuid,
    ip: &ClientIp,
) -> AppResult<bool> {
    let now = app.clock.now();
    let by_account = rate_limit::attempt(
        &app.db,
        now,
        rate_limit::UPLOADS_PER_ACCOUNT,
        &limit_key(app, &account.to_string()),
    )
    .await?;
    let by_ip = rate_limit::attempt(
        &app.db,
        now,
        rate_limit::UPLOADS_PER_IP,
        &limit_key(app, &ip.0),
    )
    .await?;
    Ok(!by_account && !by_ip)
}

/// The message next to a file refused by the upload throttle.
pub(crate) fn too_many_uploads() -> Msg {
    Msg::new(
        "Terlalu banyak berkas diunggah dalam waktu singkat. Berkas ini belum disimpan; tunggu beberapa menit lalu unggah lagi.",
        "Too many files uploaded in a short time. This file was not saved; wait a few minutes and upload it again.",
    )
}

fn acting(user: &CurrentUser) -> Acting<'_> {
    Acting {
        actor: user.actor(),
        scopes: &user.scopes,
    }
}

fn parse_id(raw: &str) -> AppResult<Uuid> {
    raw.parse().map_err(|_| AppError::NotFound)
}

fn store(app: &AppState) -> FileStore {
    app.files()
}

/// Applicants must have confirmed their e-mail; operators and admins act at
/// the help desk.
pub(crate) fn may_apply(user: &CurrentUser) -> AppResult<()> {
    match user.role {
        Role::Applicant => user.require_verified(),
        Role::Operator | Role::Admin => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

// ---------------------------------------------------------------------------
// Starting: area steps
// ---------------------------------------------------------------------------

/// Query of the area steps.
#[derive(serde::Deserialize, Default)]
pub struct AreaQuery {
    #[serde(default)]
    kecamatan: String,
    #[serde(default)]
    kelurahan: String,
}

async fn open_round(app: &AppState, slug: &str) -> AppResult<crate::services::rounds::Round> {
    Ok(svc::published_round(&app.db, slug).await?)
}

async fn area_page(
    app: &AppState,
    r: &crate::services::rounds::Round,
    q: &AreaQuery,
    csrf: String,
    errors: FieldErrors,
) -> AppResult<v::AreaStep> {
    let areas = svc::areas(&app.db, r.id).await?;
    let mut kecamatan: Vec<(String, String)> = Vec::new();
    for a in &areas {
        if kecamatan.last().is_none_or(|(c, _)| *c != a.kecamatan_code) {
            kecamatan.push((a.kecamatan_code.clone(), a.kecamatan_name.clone()));
        }
    }
    let kelurahan = areas
        .iter()
        .filter(|a| a.kecamatan_code == q.kecamatan)
        .map(|a| (a.kelurahan_code.clone(), a.kelurahan_name.clone()))
        .collect();
    let rts = areas
        .iter()
        .find(|a| a.kelurahan_code == q.kelurahan)
        .map(|a| a.rts.clone())
        .unwrap_or_default();
    Ok(v::AreaStep {
        round_name: r.name.clone(),
        action: format!("/seleksi/{}/daftar", r.slug),
        kecamatan,
        selected_kecamatan: q.kecamatan.clone(),
        kelurahan,
        selected_kelurahan: q.kelurahan.clone(),
        rts,
        csrf,
        idempotency_key: Uuid::new_v4().to_string(),
        errors,
    })
}

/// `GET /seleksi/{slug}/daftar`: sign-in and a confirmed e-mail first; an
/// existing application of this account goes straight to its page.
pub async fn start_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: Result<CurrentUser, AppError>,
    csrf: Csrf,
    Path(slug): Path<String>,
    Query(q): Query<AreaQuery>,
) -> AppResult<Response> {
    let r = open_round(&app, &slug).await?;
    let user = match user {
        Ok(u) => u,
        // Not signed in: say what to do first, rather than a bare redirect
        // that would leave the resident on the home page after logging in.
        Err(AppError::LoginRequired(_)) => {
            return Ok(
                v::sign_in_first(&ctx, &r.name, &format!("/seleksi/{slug}/daftar")).into_response(),
            );
        }
        Err(e) => return Err(e),
    };
    may_apply(&user)?;
    if user.role == Role::Applicant
        && let Some(a) = svc::own_in_round(&app.db, user.id, r.id).await?
    {
        return Ok(Redirect::to(&format!("/pendaftaran/{}?pesan=sudah-ada", a.id)).into_response());
    }
    let page = area_page(&app, &r, &q, csrf.token()?, FieldErrors::new()).await?;
    Ok((csrf.0, v::area_step(&ctx, &page)).into_response())
}

/// Fields of the last area step.
#[derive(serde::Deserialize)]
pub struct StartInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    idempotency_key: String,
    #[serde(default)]
    kelurahan: String,
    #[serde(default)]
    rt: String,
}

/// `POST /seleksi/{slug}/daftar`: creates the draft (once per idempotency key).
pub async fn start(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(slug): Path<String>,
    Form(input): Form<StartInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    may_apply(&user)?;
    let r = open_round(&app, &slug).await?;
    let rt: i32 = input.rt.trim().parse().unwrap_or(0);
    // The lists start on "choose…": a list left unchosen is said so, not
    // taken as RT 001 or as an unknown area.
    let mut unchosen = FieldErrors::new();
    if input.kelurahan.trim().is_empty() {
        unchosen.insert(
            "kelurahan".into(),
            Msg::new(
                "Pilih kelurahan Anda dari daftar.",
                "Choose your kelurahan from the list.",
            ),
        );
    } else if rt <= 0 {
        unchosen.insert(
            "rt".into(),
            Msg::new(
                "Pilih RT Anda dari daftar.",
                "Choose your RT from the list.",
            ),
        );
    }
    let res = if unchosen.is_empty() {
        svc::start_draft(
            &app.db,
            &app.vault,
            acting(&user),
            &StartDraft {
                round_id: r.id,
                kelurahan_code: input.kelurahan.clone(),
                rt,
                idempotency_key: input.idempotency_key.clone(),
            },
        )
        .await
    } else {
        Err(ApplicationError::Invalid(unchosen))
    };
    match res {
        Ok(id) => Ok(Redirect::to(&format!("/pendaftaran/{id}/formulir")).into_response()),
        Err(ApplicationError::Invalid(errors)) => {
            let areas = svc::areas(&app.db, r.id).await?;
            let kecamatan = areas
                .iter()
                .find(|a| a.kelurahan_code == input.kelurahan)
                .map(|a| a.kecamatan_code.clone())
                .unwrap_or_default();
            let q = AreaQuery {
                kecamatan,
                kelurahan: input.kelurahan,
            };
            let page = area_page(&app, &r, &q, csrf.token()?, errors).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                csrf.0,
                v::area_step(&ctx, &page),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------
// The form
// ---------------------------------------------------------------------------

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
struct Shown {
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
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(parts) =
        multipart::boundary(content_type).and_then(|b| multipart::parse(&body, &b).ok())
    else {
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
    let outcome = match svc::save_draft(&app.db, &vault, act, id, &Fields(fields.clone())).await {
        Ok(o) => o,
        // A double click or a retried POST after the submission went
        // through: show what the first one did, not a form that can no
        // longer be sent (the receipt sends a withdrawn draft on to its status).
        Err(ApplicationError::NotDraft) => return Ok(to_receipt(id)),
        Err(ApplicationError::Invalid(errors)) => {
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
    let mut errors = outcome.errors;
    let mut too_large = false;
    let mut throttled = false;
    let store = store(&app);
    for f in files {
        let Some(code) = f.name.strip_prefix("doc_") else {
            continue;
        };
        if !upload_allowed(&app, user.id, &ip).await? {
            throttled = true;
            errors.insert(f.name.clone(), too_many_uploads());
            continue;
        }
        let name = f.filename.clone().unwrap_or_default();
        match svc::attach_document(&app.db, &store, act, id, code, &name, f.data.to_vec()).await {
            Ok(_) => {}
            Err(ApplicationError::NotDraft) => return Ok(to_receipt(id)),
            Err(ApplicationError::Upload { field, error }) => {
                too_large |= matches!(error, UploadError::TooLarge { .. });
                errors.insert(
                    field,
                    Msg::new(
                        error.message(crate::domain::lang::Lang::Id),
                        error.message(crate::domain::lang::Lang::En),
                    ),
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    if errors.is_empty() && fields.get("action") == "submit" {
        let from = app.mail_from.clone();
        let mail = MailCtx {
            base_url: app.config.base_url.trim_end_matches('/'),
            from: &from,
            vault: &app.vault,
        };
        match svc::submit(&app.db, &vault, mail, act, id, ctx.lang).await {
            Ok(done) => {
                if let Some(pin) = done.status_pin {
                    return pin_receipt(&app, &ctx, act, id, &pin, false).await;
                }
                return Ok(to_receipt(id));
            }
            Err(ApplicationError::Invalid(e)) => errors = e,
            Err(e) => return Err(e.into()),
        }
    }
    let status = if throttled {
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

// ---------------------------------------------------------------------------
// Receipt, status, withdrawal
// ---------------------------------------------------------------------------

fn to_receipt(id: Uuid) -> Response {
    Redirect::to(&format!("/pendaftaran/{id}/tanda-terima")).into_response()
}

/// The receipt with a status PIN in clear: the answer to an assisted
/// submission or to a new PIN. Only the PIN's hash is stored, so this is the
/// one time it is shown, and no cache may keep it.
async fn pin_receipt(
    app: &AppState,
    ctx: &PageCtx,
    act: Acting<'_>,
    id: Uuid,
    pin: &StatusPin,
    replaces_old: bool,
) -> AppResult<Response> {
    let view = svc::load(&app.db, &app.vault, act, id).await?;
    let page = v::receipt(
        ctx,
        &v::ReceiptPage {
            view: &view,
            pin: Some(v::NewPin {
                pin: pin.as_str().to_owned(),
                replaces_old,
            }),
            reissue_csrf: None,
            base_url: &app.config.base_url,
        },
    );
    Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
}

/// `GET /pendaftaran/{id}/tanda-terima`; for an assisted application, its
/// operator (or an admin) also finds the button that issues a new PIN.
pub async fn receipt(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let view = svc::load(&app.db, &app.vault, acting(&user), id).await?;
    if view.application.registration_no.is_none() {
        return Ok(Redirect::to(&format!("/pendaftaran/{id}")).into_response());
    }
    let reissue_csrf = if acting(&user).may_reissue_pin(&view.application) {
        Some(csrf.token()?)
    } else {
        None
    };
    let page = v::receipt(
        &ctx,
        &v::ReceiptPage {
            view: &view,
            pin: None,
            reissue_csrf,
            base_url: &app.config.base_url,
        },
    );
    Ok((csrf.0, page).into_response())
}

/// Fields of the "issue a new PIN" form.
#[derive(serde::Deserialize)]
pub struct ReissueInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /pendaftaran/{id}/pin`: a new status PIN for an assisted
/// application whose printed receipt was lost (or never printed: the first
/// PIN is only in the answer to the submission). The old PIN stops working;
/// the new one is shown this once.
pub async fn reissue_pin(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(input): Form<ReissueInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    let id = parse_id(&id)?;
    // The old PIN stops working at once: ask first, like a withdrawal.
    if input.confirm != "yes" {
        let view = svc::load(&app.db, &app.vault, acting(&user), id).await?;
        if !acting(&user).may_reissue_pin(&view.application) {
            return Err(AppError::Forbidden);
        }
        let page = v::reissue_confirm(&ctx, id, &csrf.token()?);
        return Ok((csrf.0, page).into_response());
    }
    let pin = svc::reissue_pin(&app.db, acting(&user), id).await?;
    pin_receipt(&app, &ctx, acting(&user), id, &pin, true).await
}

/// `GET /pendaftaran/{id}`: only the owner (and staff who may read it).
pub async fn status_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Query(q): Query<StatusQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let view = svc::load(&app.db, &app.vault, acting(&user), id).await?;
    let now = app.clock.now();
    let timeline = svc::timeline(&app.db, &app.vault, &view.round, id, now).await?;
    let scores =
        crate::services::score_breakdown::for_application(&app.db, &view.round, id).await?;
    let mine = acting(&user).may_edit(&view.application);
    let page = v::status(
        &ctx,
        &v::StatusPage {
            view: &view,
            timeline: &timeline,
            can_withdraw: mine && svc::can_withdraw(&view.application, &view.round, now),
            csrf: csrf.token()?,
            already_applied: q.pesan == "sudah-ada",
            can_edit: mine,
            scores: scores.as_ref(),
        },
    );
    Ok((csrf.0, page).into_response())
}

/// `?pesan=sudah-ada`: sent here from "Daftar" because this is the
/// resident's application in the round already.
#[derive(serde::Deserialize)]
pub struct StatusQuery {
    #[serde(default)]
    pesan: String,
}

/// Fields of the withdrawal form.
#[derive(serde::Deserialize)]
pub struct WithdrawInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /pendaftaran/{id}/batal`: first a confirmation page, then the withdrawal.
pub async fn withdraw(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(input): Form<WithdrawInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    let id = parse_id(&id)?;
    if input.confirm != "yes" {
        svc::load(&app.db, &app.vault, acting(&user), id).await?;
        let page = v::withdraw_confirm(&ctx, id, &csrf.token()?);
        return Ok((csrf.0, page).into_response());
    }
    svc::withdraw(&app.db, acting(&user), id).await?;
    Ok(Redirect::to(&format!("/pendaftaran/{id}")).into_response())
}

// ---------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------

/// `GET /dokumen/{id}`: the applicant, operators covering the kelurahan,
/// admins and auditors; everyone else gets 404.
pub async fn document(
    State(app): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let (doc, content_type) = svc::document_for(&app.db, acting(&user), id).await?;
    let store = store(&app);
    let sha = doc.sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || store.read(&sha))
        .await
        .map_err(|e| anyhow::anyhow!(e))?
        .map_err(|e| anyhow::anyhow!("document file: {e}"))?;
    // The stored name is for people; the download name is ASCII only so no
    // header can be broken by it.
    let ext =
        crate::storage::DocKind::from_content_type(&content_type).map_or("bin", |k| k.extension());
    let disposition = format!("attachment; filename=\"dokumen-{}.{ext}\"", doc.id.simple());
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------
// Help desk
// ---------------------------------------------------------------------------

async fn desk_page(
    app: &AppState,
    user: &CurrentUser,
    csrf: String,
    values: FormData,
    errors: FieldErrors,
) -> AppResult<v::DeskPage> {
    let scopes = (user.role == Role::Operator).then_some(user.scopes.as_slice());
    let (rounds, kelurahan) = svc::desk_choices(&app.db, scopes).await?;
    Ok(v::DeskPage {
        rounds,
        kelurahan,
        values,
        errors,
        csrf,
        idempotency_key: Uuid::new_v4().to_string(),
    })
}

/// `GET /meja-bantuan`: operators (and admins).
pub async fn desk(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<Response> {
    user.require(&[Role::Operator, Role::Admin])?;
    let page = desk_page(
        &app,
        &user,
        csrf.token()?,
        FormData::default(),
        FieldErrors::new(),
    )
    .await?;
    Ok((csrf.0, v::desk(&ctx, &page)).into_response())
}

/// `POST /meja-bantuan`: starts an assisted application.
pub async fn desk_start(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let data = FormData::from_pairs(pairs);
    csrf.verify(data.get("csrf"))?;
    user.require(&[Role::Operator, Role::Admin])?;
    // Unreadable choices are field errors on the same form, the other
    // choices kept, like every other refusal of this form.
    let mut errors = FieldErrors::new();
    let round_id = data.get("round_id").parse::<Uuid>().ok();
    if round_id.is_none() {
        errors.insert(
            "round_id".into(),
            Msg::new(
                "Pilih seleksi yang sedang membuka pendaftaran.",
                "Choose a round that is open for registration.",
            ),
        );
    }
    let kelurahan = data.get("kelurahan").trim();
    if kelurahan.is_empty() {
        errors.insert(
            "kelurahan".into(),
            Msg::new(
                "Pilih kelurahan tempat tinggal warga sesuai KTP.",
                "Choose the kelurahan where the resident lives, as on the KTP.",
            ),
        );
    }
    let rt = data.get("rt").trim().parse::<i32>().ok().filter(|n| *n > 0);
    if rt.is_none() {
        errors.insert(
            "rt".into(),
            Msg::new(
                "Isi nomor RT dengan angka, misalnya 7.",
                "Enter the RT number in digits, e.g. 7.",
            ),
        );
    }
    let res = match (round_id, rt) {
        (Some(round_id), Some(rt)) if errors.is_empty() => {
            svc::start_draft(
                &app.db,
                &app.vault,
                acting(&user),
                &StartDraft {
                    round_id,
                    kelurahan_code: kelurahan.to_owned(),
                    rt,
                    idempotency_key: data.get("idempotency_key").to_owned(),
                },
            )
            .await
        }
        _ => Err(ApplicationError::Invalid(errors)),
    };
    match res {
        Ok(id) => Ok(Redirect::to(&format!("/pendaftaran/{id}/formulir")).into_response()),
        Err(ApplicationError::Invalid(errors)) => {
            let page = desk_page(&app, &user, csrf.token()?, data, errors).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                csrf.0,
                v::desk(&ctx, &page),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------
// Public status check
// ---------------------------------------------------------------------------

/// `GET /cek-status`.
pub async fn check_page(ctx: PageCtx) -> maud::Markup {
    v::check(&ctx, &v::CheckPage::default())
}

/// Fields of the status check.
#[derive(serde::Deserialize)]
pub struct CheckInput {
    #[serde(default)]
    number: String,
    #[serde(default)]
    pin: String,
}

/// `POST /cek-status`: number + PIN, rate-limited per client IP. No CSRF:
/// it changes nothing and the public pages carry no session.
pub async fn check(
    State(app): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    Form(input): Form<CheckInput>,
) -> AppResult<Response> {
    let number = input.number.trim().to_owned();
    if number.is_empty() || input.pin.trim().is_empty() {
        // Nothing to look up: ask for both, without spending an attempt.
        let page = v::CheckPage {
            number,
            pin: String::new(),
            result: None,
            error: Some(Msg::new(
                "Isi nomor pendaftaran dan PIN yang tertera pada tanda terima.",
                "Enter the registration number and the PIN printed on the receipt.",
            )),
            ..v::CheckPage::default()
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, v::check(&ctx, &page)).into_response());
    }
    let found = match status_check(&app, &ip, &number, &input.pin).await? {
        StatusCheck::Limited => {
            let page = v::check(
                &ctx,
                &v::CheckPage {
                    number,
                    pin: String::new(),
                    result: None,
                    error: Some(Msg::new(
                        "Terlalu banyak percobaan. Tunggu 15 menit lalu coba lagi.",
                        "Too many attempts. Wait 15 minutes and try again.",
                    )),
                    ..v::CheckPage::default()
                },
            );
            return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
        }
        StatusCheck::Found(r) => Some(r),
        StatusCheck::NoMatch => None,
    };
    let (status, page) = match found {
        Some(r) => (
            StatusCode::OK,
            v::CheckPage {
                number,
                pin: input.pin.trim().to_owned(),
                result: Some(r),
                error: None,
                idempotency_key: Uuid::new_v4().to_string(),
                ..v::CheckPage::default()
            },
        ),
        None => (
            StatusCode::NOT_FOUND,
            v::CheckPage {
                number,
                pin: String::new(),
                result: None,
                error: Some(Msg::new(
                    "Nomor pendaftaran atau PIN tidak cocok.",
                    "The registration number or PIN does not match.",
                )),
                ..v::CheckPage::default()
            },
        ),
    };
    Ok((status, v::check(&ctx, &page)).into_response())
}

/// The fields of an objection filed with number + PIN (`contested` repeats).
fn pairs_get(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

/// `POST /cek-status/sanggahan`: a resident of an assisted application files
/// an objection with the registration number and status PIN (checked and
/// rate-limited like the status check; the PIN is the credential of every
/// such request, so no session or CSRF token is involved).
pub async fn check_object(
    State(app): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let number = pairs_get(&pairs, "number");
    let pin = pairs_get(&pairs, "pin");
    let grounds = pairs_get(&pairs, "grounds");
    let key = pairs_get(&pairs, "idempotency_key");
    let contested: Vec<String> = pairs
        .iter()
        .filter(|(n, _)| n == "contested")
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    let found = match status_check(&app, &ip, &number, &pin).await? {
        StatusCheck::Limited => return Err(AppError::TooManyRequests),
        StatusCheck::NoMatch => return Err(AppError::NotFound),
        StatusCheck::Found(r) => r,
    };
    let filed = crate::services::objections::file_as(
        &app.db,
        crate::services::objections::Filer::StatusPin,
        found.application_id,
        crate::services::objections::Filing {
            grounds: &grounds,
            contested: &contested,
            attachment: None,
            idempotency_key: &key,
        },
        app.clock.now(),
    )
    .await;
    let (status, objection_error) = match filed {
        Ok(_) => (StatusCode::OK, None),
        Err(crate::services::ServiceError::Invalid(m)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, Some(m))
        }
        Err(crate::services::ServiceError::Conflict(m)) => (StatusCode::CONFLICT, Some(m)),
        Err(e) => return Err(e.into()),
    };
    // Read again so the page shows the objection just filed.
    let result = match StatusPin::parse(&pin) {
        Ok(p) => svc::check_status(&app.db, &app.vault, number.trim(), &p, app.clock.now()).await?,
        Err(_) => None,
    };
    let ok = objection_error.is_none();
    let page = v::CheckPage {
        number,
        pin: pin.trim().to_owned(),
        result,
        error: None,
        grounds: if ok { String::new() } else { grounds },
        contested: if ok { Vec::new() } else { contested },
        objection_error,
        filed: ok,
        idempotency_key: if ok { Uuid::new_v4().to_string() } else { key },
    };
    Ok((status, v::check(&ctx, &page)).into_response())
}

/// `POST /cek-status/sanggahan/cetak`: the printable objection slip, by
/// number + PIN.
pub async fn check_slip(
    State(app): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    Form(input): Form<CheckInput>,
) -> AppResult<Response> {
    match status_check(&app, &ip, &input.number, &input.pin).await? {
        StatusCheck::Limited => Err(AppError::TooManyRequests),
        StatusCheck::NoMatch => Err(AppError::NotFound),
        StatusCheck::Found(r) => Ok(v::objection_slip(&ctx, &r).into_response()),
    }
}

/// What a public status check found.
#[derive(Debug)]
pub enum StatusCheck {
    /// Too many failed checks from this client; nothing was looked up.
    Limited,
    /// The number and PIN match.
    Found(svc::PublicStatus),
    /// No such pair (which part is wrong is never told); counted against the limit.
    NoMatch,
}

/// The status check shared by `POST /cek-status` and
/// `POST /api/v1/status-check`: one rate limit per client IP
/// ([`STATUS_CHECK_PER_IP`]), failures counted, a malformed PIN treated like
/// a wrong one.
///
/// # Errors
/// Storage failures.
pub async fn status_check(
    app: &AppState,
    ip: &str,
    number: &str,
    pin: &str,
) -> AppResult<StatusCheck> {
    let key = limit_key(app, ip);
    // Counted before the PIN is checked so that parallel guesses cannot all
    // slip under the limit; a match takes its count back.
    if rate_limit::attempt(&app.db, app.clock.now(), STATUS_CHECK_PER_IP, &key).await? {
        return Ok(StatusCheck::Limited);
    }
    let found = match StatusPin::parse(pin) {
        Ok(pin) => {
            svc::check_status(&app.db, &app.vault, number.trim(), &pin, app.clock.now()).await?
        }
        Err(_) => None,
    };
    match found {
        Some(r) => {
            rate_limit::forgive(&app.db, app.clock.now(), STATUS_CHECK_PER_IP, &key).await?;
            Ok(StatusCheck::Found(r))
        }
        None => Ok(StatusCheck::NoMatch),
    }
}
