//! Staff work: administrative verification under `/petugas/verifikasi`
//! (operators in their kelurahan, admins everywhere), four-eyes approvals and
//! staff accounts under `/admin/…` (admins), the invitation link `/undangan`
//! and the panelist's conflict data `/akun/konflik`.
//!
//! Handlers parse, call one service, render; permission and scope are checked
//! again in the services.

use super::form_field as field;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use uuid::Uuid;

use super::Csrf;
use super::forms::{FormPage, Refusal, RuleRefusal, Viewer};
use super::posted::{self, Allowed, Posted};
use crate::app::AppState;
use crate::domain::account::check_new_password;
use crate::domain::form::FieldErrors;
use crate::domain::lang::Lang;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::pii::NikVault;
use crate::services::self_service::BadToken;
use crate::services::staff::{self as staff_svc, ConflictData, Invite};
use crate::services::verification::{self as svc, Decision, Staff};
use crate::services::{self, ServiceError};
use crate::storage::DocKind;
use crate::views::PageCtx;
use crate::views::staff::{self as v, CheckForm, ConflictForm, StaffPage};

/// Submitted form fields, in order (a multi-select repeats its name).
type Pairs = Form<Vec<(String, String)>>;

fn all_of(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .collect()
}

fn check_csrf(csrf: &Csrf, pairs: &[(String, String)]) -> AppResult<()> {
    csrf.verify(field(pairs, "csrf"))
}

fn staff_of(user: &super::CurrentUser) -> AppResult<Staff> {
    user.require(&[Role::Operator, Role::Admin])?;
    Ok(Staff {
        id: user.id,
        role: user.role,
        scopes: user.scopes.clone(),
    })
}

async fn kelurahan_options(app: &AppState) -> AppResult<Vec<(String, String)>> {
    Ok(staff_svc::kelurahan_options(&app.db).await?)
}

/// The `?pesan=` confirmation after a redirect.
#[derive(serde::Deserialize)]
pub struct Notice {
    #[serde(default)]
    pesan: String,
}

// ------------------------------------------------------------ verification

/// `GET /petugas/verifikasi`: the queue of the caller's kelurahan.
pub async fn queue(State(app): State<AppState>, a: Allowed<posted::Staff>) -> AppResult<Response> {
    let staff = staff_of(&a.user)?;
    let rounds = svc::queue(&app.db, &staff).await?;
    Ok(v::queue(&a.ctx, &rounds).into_response())
}

/// An application's check page; a successful form returns to it with the
/// notice `saved` names.
struct Check {
    id: Uuid,
    saved: &'static str,
    form: CheckForm,
}

impl Check {
    /// The page after a POST: the decisions as typed, kept if refused.
    fn typed(id: Uuid, saved: &'static str, pairs: &[(String, String)]) -> Check {
        let form = CheckForm {
            values: typed(pairs),
            ..Default::default()
        };
        Check { id, saved, form }
    }
}

/// Decisions refused per requirement; any other refusal is raised, as the
/// check page has no place to show it.
struct Refused(FieldErrors);

impl Refusal for Refused {
    fn of(e: ServiceError, _: Lang) -> AppResult<Self> {
        match e {
            ServiceError::Fields(errors) => Ok(Refused(errors)),
            other => Err(other.into()),
        }
    }
}

impl FormPage for Check {
    type Refusal = Refused;

    fn back(&self) -> String {
        format!("/petugas/verifikasi/{}?pesan={}", self.id, self.saved)
    }

    async fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        refused: Option<Refused>,
    ) -> AppResult<Markup> {
        let Viewer { app, ctx, user } = to;
        let staff = staff_of(user)?;
        let view = svc::open(&app.db, &app.vault, &staff, self.id).await?;
        let mut form = self.form;
        if let Some(Refused(errors)) = refused {
            form.errors = picked(errors, ctx.lang);
        }
        form.csrf = csrf;
        form.admin = staff.role == Role::Admin;
        Ok(v::application(ctx, &view, &form))
    }
}

/// `GET /petugas/verifikasi/{id}`.
pub async fn application(
    State(app): State<AppState>,
    a: Allowed<posted::Staff, Uuid>,
    csrf: Csrf,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let notice = match q.pesan.as_str() {
        "tersimpan" => Some(
            a.ctx
                .t(
                    "Hasil verifikasi tersimpan dan dikirim ke pendaftar.",
                    "The outcome was saved and sent to the applicant.",
                )
                .into(),
        ),
        "diajukan" => Some(
            a.ctx
                .t(
                    "Permintaan perubahan tercatat; menunggu persetujuan admin lain.",
                    "The change request is recorded; it awaits another admin's approval.",
                )
                .into(),
        ),
        _ => None,
    };
    let form = CheckForm {
        notice,
        ..Default::default()
    };
    a.show(&app, csrf, |id| Check {
        id,
        saved: "",
        form,
    })
    .await
}

/// Reads `outcome_ID`, `reason_ID`, `text_ID` for every requirement answered.
fn decisions(pairs: &[(String, String)]) -> Vec<Decision> {
    pairs
        .iter()
        .filter_map(|(k, val)| {
            let id = k.strip_prefix("outcome_")?.parse::<Uuid>().ok()?;
            let tms = match val.as_str() {
                "ms" => false,
                "tms" => true,
                _ => return None,
            };
            let reason = field(pairs, &format!("reason_{id}"));
            Some(Decision {
                requirement_id: id,
                tms,
                reason_code: (!reason.is_empty()).then(|| reason.to_owned()),
                reason_text: field(pairs, &format!("text_{id}")).to_owned(),
            })
        })
        .collect()
}

/// The refused decisions in the reader's language, as the check page shows them.
fn picked(errors: FieldErrors, lang: Lang) -> std::collections::BTreeMap<String, String> {
    errors
        .into_iter()
        .map(|(k, m)| (k, m.pick(lang).to_owned()))
        .collect()
}

fn typed(pairs: &[(String, String)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .filter(|(k, _)| k != "csrf")
        .map(|(k, val)| (k.clone(), val.clone()))
        .collect()
}

/// `POST /petugas/verifikasi/{id}`: records MS/TMS per requirement and sends
/// the outcome.
pub async fn verify(
    State(app): State<AppState>,
    p: Posted<posted::Staff, Uuid>,
) -> AppResult<Response> {
    let staff = staff_of(&p.user)?;
    let from = app.mail_from.clone();
    let res = svc::verify(
        &app.db,
        &from,
        &app.vault,
        &staff,
        p.ids,
        &decisions(&p.form),
    )
    .await;
    let page = Check::typed(p.ids, "tersimpan", &p.form);
    p.answer(&app, |_| page, res).await
}

/// `POST /petugas/verifikasi/{id}/perubahan`: an admin asks to change an
/// outcome already sent; another admin must approve.
pub async fn request_change(
    State(app): State<AppState>,
    p: Posted<posted::Staff, Uuid>,
) -> AppResult<Response> {
    let staff = staff_of(&p.user)?;
    let reason = p.field("change_reason");
    let res = svc::request_change(&app.db, &staff, p.ids, &decisions(&p.form), reason).await;
    let page = Check::typed(p.ids, "diajukan", &p.form);
    p.answer(&app, |_| page, res).await
}

/// `GET /petugas/verifikasi/{id}/dokumen/{doc}`: a document of the
/// application, shown inline only when it is a PDF, JPEG or PNG, never
/// sniffed, never cached by shared caches.
pub async fn document(
    State(app): State<AppState>,
    a: Allowed<posted::Staff, (Uuid, Uuid)>,
) -> AppResult<Response> {
    let staff = staff_of(&a.user)?;
    let (id, doc) = a.ids;
    document_response(&app, &staff, id, doc).await
}

/// A document of an application the caller may verify, with the headers that
/// keep a browser from running it: shared by the check page and the API, so
/// both refuse and serve exactly alike.
///
/// # Errors
/// As [`svc::document_file`]: 404 outside the caller's kelurahan or for a
/// document of another application.
pub(crate) async fn document_response(
    app: &AppState,
    staff: &Staff,
    application_id: Uuid,
    document_id: Uuid,
) -> AppResult<Response> {
    let store = app.files();
    let file = svc::document_file(&app.db, &store, staff, application_id, document_id).await?;
    // The stored type came from the bytes at upload; anything else is only
    // ever offered as a download of opaque bytes.
    let (content_type, disposition) = match DocKind::from_content_type(&file.content_type) {
        Some(kind) => (
            kind.content_type(),
            format!("inline; filename=\"dokumen.{}\"", kind.extension()),
        ),
        None => (
            "application/octet-stream",
            "attachment; filename=\"dokumen.bin\"".to_owned(),
        ),
    };
    let disposition =
        HeaderValue::from_str(&disposition).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        file.bytes,
    )
        .into_response())
}

/// `GET /admin/persetujuan`: pending four-eyes requests.
pub async fn approvals(
    State(app): State<AppState>,
    a: Allowed<posted::Admin>,
    csrf: Csrf,
) -> AppResult<Response> {
    let Allowed { user, ctx, .. } = a;
    let staff = staff_of(&user)?;
    let rows = svc::pending(&app.db, &staff).await?;
    let objections =
        crate::services::waiting_decisions::objection_decisions_for(&app.db, user.id).await?;
    let replacements =
        crate::services::after_final::replacement::waiting_for(&app.db, user.id).await?;
    let t = csrf.token()?;
    let waiting = v::Waiting {
        objections: &objections,
        replacements: &replacements,
    };
    Ok((csrf.0, v::approvals(&ctx, &t, &rows, user.id, &waiting)).into_response())
}

/// `POST /admin/persetujuan/{id}`: approve or reject (never one's own request).
pub async fn decide(
    State(app): State<AppState>,
    p: Posted<posted::Admin, Uuid>,
) -> AppResult<Response> {
    let staff = staff_of(&p.user)?;
    let approve = super::four_eyes_decision(&p.form)?;
    let mail = app.mail();
    svc::decide(
        &app.db,
        &mail,
        &app.checkpoint_key,
        &staff,
        p.ids,
        approve,
        p.field("note"),
    )
    .await?;
    Ok(Redirect::to("/admin/persetujuan").into_response())
}

// ----------------------------------------------------------- staff accounts

/// The staff accounts page; after a refused invitation, with what was typed.
struct Accounts(StaffPage);

impl FormPage for Accounts {
    type Refusal = String;

    /// Where a successful invitation returns.
    fn back(&self) -> String {
        "/admin/akun?pesan=diundang".to_owned()
    }

    async fn draw(self, to: Viewer<'_>, csrf: String, error: Option<String>) -> AppResult<Markup> {
        let Viewer { app, ctx, user } = to;
        let p = StaffPage {
            csrf,
            error,
            rows: staff_svc::list(&app.db, user.actor()).await?,
            kelurahan: kelurahan_options(app).await?,
            ..self.0
        };
        Ok(v::staff(ctx, &p))
    }
}

/// `GET /admin/akun`.
pub async fn accounts(
    State(app): State<AppState>,
    a: Allowed<posted::Admin>,
    csrf: Csrf,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let notice = match q.pesan.as_str() {
        "diundang" => Some(a.ctx.t("Undangan terkirim.", "Invitation sent.").into()),
        "tersimpan" => Some(a.ctx.t("Perubahan tersimpan.", "Changes saved.").into()),
        _ => None,
    };
    let page = Accounts(StaffPage {
        notice,
        ..Default::default()
    });
    a.show(&app, csrf, |()| page).await
}

/// `POST /admin/akun`: invites a staff member.
pub async fn invite(State(app): State<AppState>, p: Posted<posted::Admin>) -> AppResult<Response> {
    let role = p.field("role").parse::<Role>().ok();
    let inv = Invite {
        email: p.field("email").to_owned(),
        name: p.field("name").to_owned(),
        role: role.unwrap_or(Role::Applicant),
        kelurahan: all_of(&p.form, "kelurahan"),
    };
    let res = staff_svc::invite(&app.db, app.mail(), p.user.actor(), inv.clone(), p.ctx.lang).await;
    let page = Accounts(StaffPage {
        email: inv.email,
        name: inv.name,
        role: p.field("role").to_owned(),
        scopes: inv.kelurahan,
        ..Default::default()
    });
    p.answer(&app, |()| page, res).await
}

/// `POST /admin/akun/{id}/kelurahan`: replaces an account's scopes.
pub async fn scopes(
    State(app): State<AppState>,
    p: Posted<posted::Admin, Uuid>,
) -> AppResult<Response> {
    staff_svc::set_scopes(
        &app.db,
        p.user.actor(),
        p.ids,
        &all_of(&p.form, "kelurahan"),
        p.ctx.lang,
    )
    .await?;
    Ok(Redirect::to("/admin/akun?pesan=tersimpan").into_response())
}

/// `POST /admin/akun/{id}/nonaktifkan`: deactivates and signs out at once.
pub async fn deactivate(
    State(app): State<AppState>,
    p: Posted<posted::Admin, Uuid>,
) -> AppResult<Response> {
    staff_svc::deactivate(&app.db, p.user.actor(), p.ids, p.field("reason")).await?;
    Ok(Redirect::to("/admin/akun?pesan=tersimpan").into_response())
}

/// `POST /admin/akun/{id}/aktifkan`.
pub async fn reactivate(
    State(app): State<AppState>,
    p: Posted<posted::Admin, Uuid>,
) -> AppResult<Response> {
    staff_svc::reactivate(&app.db, p.user.actor(), p.ids).await?;
    Ok(Redirect::to("/admin/akun?pesan=tersimpan").into_response())
}

// -------------------------------------------------------------- invitation

/// The `?token=` of an invitation link.
#[derive(serde::Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn bad_invite(ctx: &PageCtx, bad: BadToken) -> Response {
    let view = crate::views::account::MessageView {
        title: ctx
            .t("Tautan tidak dapat dipakai", "This link cannot be used")
            .into(),
        text: format!(
            "{} {}",
            bad.message(ctx.lang),
            ctx.t(
                "Mintalah undangan baru kepada admin kota.",
                "Ask the city administrator for a new invitation."
            )
        ),
        next: None,
        problem: true,
    };
    (
        StatusCode::BAD_REQUEST,
        crate::views::account::message(ctx, &view),
    )
        .into_response()
}

/// `GET /undangan?token=…`: the password form. Opening the link does not spend it.
pub async fn invite_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    csrf: Csrf,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    if let Err(bad) =
        services::self_service::peek_token(&app.db, &q.token, staff_svc::PURPOSE_INVITE).await?
    {
        return Ok(bad_invite(&ctx, bad));
    }
    let t = csrf.token()?;
    Ok((
        csrf.0,
        v::accept_invite(&ctx, &t, q.token.trim(), None, None),
    )
        .into_response())
}

/// `POST /undangan`: sets the password and activates the account.
pub async fn invite_submit(
    State(app): State<AppState>,
    ctx: PageCtx,
    csrf: Csrf,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    check_csrf(&csrf, &pairs)?;
    let password = field(&pairs, "password").to_owned();
    let tok = field(&pairs, "token").to_owned();
    let password_error = if password.is_empty() {
        Some(
            ctx.t("Kata sandi wajib diisi.", "Please choose a password.")
                .to_owned(),
        )
    } else {
        check_new_password(&password)
            .err()
            .map(|e| e.message(ctx.lang).to_owned())
    };
    let confirm_error = (password_error.is_none() && password != field(&pairs, "password_confirm"))
        .then(|| {
            ctx.t(
                "Kedua kata sandi tidak sama. Ketik ulang.",
                "The two passwords differ. Type them again.",
            )
            .to_owned()
        });
    if password_error.is_some() || confirm_error.is_some() {
        let t = csrf.token()?;
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            csrf.0,
            v::accept_invite(
                &ctx,
                &t,
                &tok,
                password_error.as_deref(),
                confirm_error.as_deref(),
            ),
        )
            .into_response());
    }
    match staff_svc::accept_invite(&app.db, &tok, password).await? {
        Err(bad) => Ok(bad_invite(&ctx, bad)),
        Ok(_) => {
            let view = crate::views::account::MessageView {
                title: ctx.t("Akun aktif", "Account active").into(),
                text: ctx
                    .t(
                        "Akun Anda sudah aktif. Silakan masuk dengan kata sandi baru.",
                        "Your account is active. Please log in with your new password.",
                    )
                    .into(),
                next: Some(("/masuk".into(), ctx.t("Masuk", "Log in").into())),
                problem: false,
            };
            Ok(crate::views::account::message(&ctx, &view).into_response())
        }
    }
}

// ---------------------------------------------------------- conflict data

/// A panelist's conflict-data page.
struct ConflictPage {
    notice: Option<String>,
}

impl FormPage for ConflictPage {
    type Refusal = RuleRefusal;

    fn back(&self) -> String {
        "/akun/konflik?pesan=tersimpan".to_owned()
    }

    async fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        error: Option<RuleRefusal>,
    ) -> AppResult<Markup> {
        let Viewer { app, ctx, user } = to;
        let f = ConflictForm {
            csrf,
            stored: staff_svc::conflict_summary(&app.db, user.actor()).await?,
            kelurahan: kelurahan_options(app).await?,
            error: error.map(|RuleRefusal(m)| m),
            notice: self.notice,
        };
        Ok(v::conflict(ctx, &f))
    }
}

/// `GET /akun/konflik`: a panelist's RT and family card.
pub async fn conflict(
    State(app): State<AppState>,
    a: Allowed<posted::Panelist>,
    csrf: Csrf,
    Query(q): Query<Notice>,
) -> AppResult<Response> {
    let notice = (q.pesan == "tersimpan").then(|| a.ctx.t("Data tersimpan.", "Saved.").into());
    a.show(&app, csrf, |()| ConflictPage { notice }).await
}

/// `POST /akun/konflik`.
pub async fn conflict_submit(
    State(app): State<AppState>,
    p: Posted<posted::Panelist>,
) -> AppResult<Response> {
    let data = ConflictData {
        kelurahan_code: p.field("kelurahan").to_owned(),
        rt_number: p.field("rt").parse().ok(),
        family_card_no: p.field("kk").to_owned(),
    };
    let vault = NikVault::from_app(&app);
    let res =
        staff_svc::set_conflict_data(&app.db, &vault, p.user.actor(), &data, p.ctx.lang).await;
    p.answer(&app, |()| ConflictPage { notice: None }, res)
        .await
}
