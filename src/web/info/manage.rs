//! The management page of the information section: announcements and SOP
//! uploads.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use maud::Markup;
use uuid::Uuid;

use super::{editor, staff_only, typed};
use crate::app::AppState;
use crate::domain::form::FieldErrors;
use crate::domain::msg::Msg;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::info_docs::{self as docs, SopInput};
use crate::services::information::{self as info, AnnouncementFilter, AnnouncementInput};
use crate::services::message_consent;
use crate::views::PageCtx;
use crate::views::info_admin::{self as va, AdminView, FormState};
use crate::web::forms::{FormPage, Viewer, answer, show};
use crate::web::posted::{Allowed, Posted, Staff};
use crate::web::{Csrf, CurrentUser, form_field, multipart, path_id};

async fn admin_view(app: &AppState, user: &CurrentUser, csrf: String) -> AppResult<AdminView> {
    let ed = editor(user);
    let is_admin = user.role == Role::Admin;
    let filter = AnnouncementFilter {
        include_scheduled: true,
        managed_by: (!is_admin).then(|| user.scopes.clone()),
        ..AnnouncementFilter::default()
    };
    let desks = docs::help_desks(&app.db)
        .await?
        .into_iter()
        .flat_map(|(_, l)| l)
        .filter(|(d, _)| ed.may_manage(Some(&d.kelurahan_code)))
        .collect();
    let mut sops = docs::sops(&app.db, None).await?;
    sops.retain(|s| ed.may_manage(s.kelurahan_code.as_deref()));
    Ok(AdminView {
        csrf,
        is_admin,
        kelurahan: info::kelurahan_choices(&app.db, &ed).await?,
        rounds: info::round_choices(&app.db).await?,
        announcements: info::announcements(&app.db, &filter, app.clock.now(), 200).await?,
        sops,
        faq: docs::faq(&app.db).await?,
        desks,
        outbox: if is_admin {
            Some(message_consent::text_outbox(&app.db).await?)
        } else {
            None
        },
        ..AdminView::default()
    })
}

/// The management page; after a refused form, that form again with what
/// was typed.
pub(super) enum Manage {
    Page,
    Announcement(FormState),
    Faq(FormState),
    Sop(FormState),
}

impl FormPage for Manage {
    type Refusal = FieldErrors;

    fn back(&self) -> String {
        match self {
            Manage::Sop(_) => "/admin/informasi#sop",
            _ => "/admin/informasi",
        }
        .to_owned()
    }

    async fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        errors: Option<FieldErrors>,
    ) -> AppResult<Markup> {
        let Viewer { app, ctx, user } = to;
        let mut view = admin_view(app, user, csrf).await?;
        let refused = |mut f: FormState| {
            f.errors = errors.unwrap_or_default();
            f
        };
        match self {
            Manage::Page => {}
            Manage::Announcement(f) => view.announcement_form = refused(f),
            Manage::Faq(f) => view.faq_form = refused(f),
            Manage::Sop(f) => view.sop_form = refused(f),
        }
        Ok(va::admin(ctx, &view))
    }
}

/// `GET /admin/informasi`.
pub async fn admin(
    State(app): State<AppState>,
    a: Allowed<Staff>,
    csrf: Csrf,
) -> AppResult<Response> {
    a.show(&app, csrf, |()| Manage::Page).await
}

fn announcement_input(pairs: &[(String, String)]) -> AnnouncementInput {
    AnnouncementInput {
        title: form_field(pairs, "title").to_owned(),
        body: form_field(pairs, "body").to_owned(),
        publish_at: form_field(pairs, "publish_at").to_owned(),
        kelurahan: form_field(pairs, "kelurahan").to_owned(),
        round: form_field(pairs, "round").to_owned(),
    }
}

const ANNOUNCEMENT_FIELDS: [&str; 5] = ["title", "body", "publish_at", "kelurahan", "round"];

/// `POST /admin/informasi/pengumuman`.
pub async fn announcement_create(
    State(app): State<AppState>,
    p: Posted<Staff>,
) -> AppResult<Response> {
    let input = announcement_input(&p.form);
    let res = info::publish_announcement(&app.db, editor(&p.user), &input, app.clock.now()).await;
    let f = typed(&p.form, &ANNOUNCEMENT_FIELDS);
    p.answer(&app, |()| Manage::Announcement(f), res).await
}

fn datetime_local(t: time::OffsetDateTime) -> String {
    let l = t.to_offset(crate::domain::round::WITA);
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}",
        l.year(),
        u8::from(l.month()),
        l.day(),
        l.hour(),
        l.minute()
    )
}

/// `GET /admin/informasi/pengumuman/{id}`.
pub async fn announcement_edit(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    staff_only(&user)?;
    let id = path_id(&id)?;
    let ed = editor(&user);
    let a = info::announcement(&app.db, id, app.clock.now(), true).await?;
    if !ed.may_manage(a.kelurahan_code.as_deref()) {
        return Err(AppError::NotFound);
    }
    let f = FormState::with(&[
        ("title", a.title.clone()),
        ("body", a.body_markdown.clone()),
        ("publish_at", datetime_local(a.publish_at)),
        ("kelurahan", a.kelurahan_code.clone().unwrap_or_default()),
        ("round", a.round_slug.clone().unwrap_or_default()),
    ]);
    show(&app, &ctx, &user, csrf, EditAnnouncement(id, f)).await
}

/// An announcement's edit page; after a refused form, what was typed.
struct EditAnnouncement(Uuid, FormState);

impl FormPage for EditAnnouncement {
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
        let Viewer { app, ctx, user } = to;
        let EditAnnouncement(id, mut f) = self;
        f.errors = errors.unwrap_or_default();
        let ed = editor(user);
        let kel = info::kelurahan_choices(&app.db, &ed).await?;
        let rounds = info::round_choices(&app.db).await?;
        let is_admin = user.role == Role::Admin;
        Ok(va::announcement_edit(
            ctx, &csrf, id, &f, is_admin, &kel, &rounds,
        ))
    }
}

/// `POST /admin/informasi/pengumuman/{id}`.
pub async fn announcement_update(
    State(app): State<AppState>,
    p: Posted<Staff, Uuid>,
) -> AppResult<Response> {
    let input = announcement_input(&p.form);
    let res =
        info::update_announcement(&app.db, editor(&p.user), p.ids, &input, app.clock.now()).await;
    let f = typed(&p.form, &ANNOUNCEMENT_FIELDS);
    p.answer(&app, |id| EditAnnouncement(id, f), res).await
}

/// `POST /admin/informasi/pengumuman/{id}/hapus`.
pub async fn announcement_remove(
    State(app): State<AppState>,
    p: Posted<Staff, Uuid>,
) -> AppResult<Response> {
    info::remove_announcement(&app.db, editor(&p.user), p.ids).await?;
    Ok(Redirect::to("/admin/informasi").into_response())
}

/// `POST /admin/informasi/sop` (`multipart/form-data`).
pub async fn sop_upload(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    staff_only(&user)?;
    let parts = multipart::upload_parts(
        &headers,
        body,
        Msg::new("Berkas terlalu besar.", "The file is too large."),
        Msg::new("Formulir tidak terbaca.", "The form cannot be read."),
    )?;
    let text = |name: &str| multipart::text(&parts, name).trim().to_owned();
    csrf.verify(&text("csrf"))?;
    let file = parts
        .iter()
        .find(|p| p.name == "file" && p.filename.is_some());
    let input = SopInput {
        title: text("title"),
        slug: text("slug"),
        effective_from: text("effective_from"),
        kelurahan: text("kelurahan"),
    };
    let (name, bytes) = file.map_or((String::new(), &[][..]), |f| {
        (f.filename.clone().unwrap_or_default(), &f.data[..])
    });
    let store = app.files();
    let res = docs::publish_sop(
        &app.db,
        &store,
        editor(&user),
        &input,
        &name,
        bytes,
        app.clock.now(),
    )
    .await;
    let f = FormState::with(&[
        ("title", input.title),
        ("slug", input.slug),
        ("effective_from", input.effective_from),
        ("kelurahan", input.kelurahan),
    ]);
    let to = Viewer {
        app: &app,
        ctx: &ctx,
        user: &user,
    };
    answer(to, csrf, Manage::Sop(f), res).await
}
