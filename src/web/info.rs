//! The information section's pages: public reading (announcements, SOPs,
//! FAQ, help desks, the Atom feed, open statistics), management by admins and
//! operators, and the consent to news by SMS/WhatsApp.

use axum::Form;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;

use super::{Csrf, CurrentUser, form_field, multipart, path_id};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::applications::Acting;
use crate::services::info_docs::{self as docs, HelpDeskInput, SopInput};
use crate::services::information::{
    self as info, AnnouncementFilter, AnnouncementInput, Editor, InfoError,
};
use crate::services::{message_consent, open_stats};
use crate::views::PageCtx;
use crate::views::info::{self as v, HubView, KelurahanView};
use crate::views::info_admin::{self as va, AdminView, FormState};

type Pairs = Form<Vec<(String, String)>>;

/// Every route of the information section.
pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/informasi", get(hub))
        .route("/informasi/faq", get(faq))
        .route("/informasi/feed.atom", get(feed))
        .route("/informasi/kelurahan/{code}", get(kelurahan))
        .route("/informasi/pengumuman/{id}", get(announcement))
        .route("/informasi/sop/{slug}", get(sop_latest))
        .route("/informasi/sop/{slug}/{version}", get(sop_version))
        .route("/seleksi/{slug}/statistik", get(stats))
        .route("/seleksi/{slug}/statistik.csv", get(stats_csv))
        .route("/admin/informasi", get(admin))
        .route("/admin/informasi/pengumuman", post(announcement_create))
        .route(
            "/admin/informasi/pengumuman/{id}",
            get(announcement_edit).post(announcement_update),
        )
        .route(
            "/admin/informasi/pengumuman/{id}/hapus",
            post(announcement_remove),
        )
        .route(
            "/admin/informasi/sop",
            post(sop_upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route("/admin/informasi/faq", post(faq_create))
        .route("/admin/informasi/faq/{id}", get(faq_edit).post(faq_update))
        .route("/admin/informasi/faq/{id}/hapus", post(faq_remove))
        .route(
            "/admin/informasi/help-desk/{code}",
            get(desk_edit).post(desk_update),
        )
        .route(
            "/pendaftaran/{id}/pesan",
            get(consent_page).post(consent_give),
        )
        .route("/pendaftaran/{id}/pesan/cabut", post(consent_withdraw))
}

fn editor(user: &CurrentUser) -> Editor<'_> {
    Editor {
        actor: user.actor(),
        role: user.role,
        scopes: &user.scopes,
    }
}

fn staff_only(user: &CurrentUser) -> AppResult<()> {
    user.require(&[Role::Admin, Role::Operator])
}

// ---------------------------------------------------------------------------
// Public
// ---------------------------------------------------------------------------

/// `GET /informasi`.
pub async fn hub(State(app): State<AppState>, ctx: PageCtx) -> AppResult<Markup> {
    let now = app.clock.now();
    let desks = docs::help_desks(&app.db)
        .await?
        .into_iter()
        .map(|(kec, list)| {
            (
                kec,
                list.into_iter()
                    .map(|(d, set)| (d.kelurahan_code, d.kelurahan_name, set))
                    .collect(),
            )
        })
        .collect();
    let view = HubView {
        call_centre: docs::call_centre(&app.db).await?,
        desks,
        sops: docs::sops(&app.db, None).await?,
        announcements: info::announcements(&app.db, &AnnouncementFilter::default(), now, 10)
            .await?,
        rounds: info::round_choices(&app.db).await?,
    };
    Ok(v::hub(&ctx, &view))
}

/// `GET /informasi/kelurahan/{code}`.
pub async fn kelurahan(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path(code): Path<String>,
) -> AppResult<Markup> {
    let (desk, desk_set) = docs::help_desk(&app.db, &code).await?;
    let filter = AnnouncementFilter {
        kelurahan: Some(code.clone()),
        ..AnnouncementFilter::default()
    };
    let view = KelurahanView {
        desk,
        desk_set,
        call_centre: docs::call_centre(&app.db).await?,
        announcements: info::announcements(&app.db, &filter, app.clock.now(), 20).await?,
        sops: docs::sops(&app.db, Some(&code)).await?,
    };
    Ok(v::kelurahan(&ctx, &view))
}

/// `GET /informasi/pengumuman/{id}`.
pub async fn announcement(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> AppResult<Markup> {
    let a = info::announcement(&app.db, path_id(&id)?, app.clock.now(), false).await?;
    Ok(v::announcement(&ctx, &a))
}

/// `GET /informasi/faq`.
pub async fn faq(State(app): State<AppState>, ctx: PageCtx) -> AppResult<Markup> {
    Ok(v::faq(&ctx, &docs::faq(&app.db).await?))
}

async fn sop_file(app: &AppState, slug: &str, version: Option<i32>) -> AppResult<Response> {
    let (_, sha) = docs::sop_file(&app.db, slug, version).await?;
    let store = app.files();
    let bytes = tokio::task::spawn_blocking(move || store.read(&sha))
        .await
        .map_err(|e| anyhow::anyhow!(e))?
        .map_err(|e| anyhow::anyhow!("SOP file: {e}"))?;
    // An ASCII name made from the slug: no header can be broken by it.
    let v = version.map(|v| format!("-v{v}")).unwrap_or_default();
    let disposition = format!("inline; filename=\"sop-{slug}{v}.pdf\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /informasi/sop/{slug}`: the latest version.
pub async fn sop_latest(
    State(app): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    sop_file(&app, &slug, None).await
}

/// `GET /informasi/sop/{slug}/{version}`.
pub async fn sop_version(
    State(app): State<AppState>,
    Path((slug, version)): Path<(String, String)>,
) -> AppResult<Response> {
    let version = version.parse::<i32>().map_err(|_| AppError::NotFound)?;
    sop_file(&app, &slug, Some(version)).await
}

/// Filters of the feed.
#[derive(serde::Deserialize, Default)]
pub struct FeedQuery {
    #[serde(default)]
    kelurahan: String,
    #[serde(default)]
    seleksi: String,
}

impl FeedQuery {
    fn filter(&self) -> AnnouncementFilter {
        AnnouncementFilter {
            kelurahan: Some(self.kelurahan.trim().to_owned()).filter(|k| !k.is_empty()),
            round_slug: Some(self.seleksi.trim().to_owned()).filter(|s| !s.is_empty()),
            ..AnnouncementFilter::default()
        }
    }
}

/// `GET /informasi/feed.atom[?kelurahan=CODE][&seleksi=SLUG]`: the latest 50
/// announcements (the filters add the city-wide ones).
pub async fn feed(State(app): State<AppState>, Query(q): Query<FeedQuery>) -> AppResult<Response> {
    let filter = q.filter();
    let now = app.clock.now();
    let items = info::announcements(&app.db, &filter, now, 50).await?;
    let mut query = Vec::new();
    if let Some(k) = &filter.kelurahan {
        query.push(format!("kelurahan={}", crate::views::layout::urlencode(k)));
    }
    if let Some(s) = &filter.round_slug {
        query.push(format!("seleksi={}", crate::views::layout::urlencode(s)));
    }
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    let alternate = match &filter.kelurahan {
        Some(k) => format!(
            "/informasi/kelurahan/{}",
            crate::views::layout::urlencode(k)
        ),
        None => "/informasi".to_owned(),
    };
    let meta = crate::views::atom::FeedMeta {
        base_url: app.config.base_url.clone(),
        title: "Pengumuman Pokmas Probebaya Kota Samarinda".to_owned(),
        self_path: format!("/informasi/feed.atom{query}"),
        alternate_path: alternate,
    };
    let xml = crate::views::atom::feed(&meta, &items, now);
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

/// `GET /seleksi/{slug}/statistik`.
pub async fn stats(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Markup> {
    let s = open_stats::round_stats(&app.db, &app.vault, &slug).await?;
    Ok(v::stats(&ctx, &s))
}

/// `GET /seleksi/{slug}/statistik.csv`: no sign-in.
pub async fn stats_csv(
    State(app): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let s = open_stats::round_stats(&app.db, &app.vault, &slug).await?;
    let body = open_stats::to_csv(&s)?;
    let disposition = format!("attachment; filename=\"statistik-{}.csv\"", s.round_slug);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------------------
// Management
// ---------------------------------------------------------------------------

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

/// `GET /admin/informasi`.
pub async fn admin(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
) -> AppResult<Response> {
    staff_only(&user)?;
    let view = admin_view(&app, &user, csrf.token()?).await?;
    Ok((csrf.0, va::admin(&ctx, &view)).into_response())
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

fn typed(pairs: &[(String, String)], names: &[&str]) -> FormState {
    FormState::with(
        &names
            .iter()
            .map(|n| (*n, form_field(pairs, n).to_owned()))
            .collect::<Vec<_>>(),
    )
}

const ANNOUNCEMENT_FIELDS: [&str; 5] = ["title", "body", "publish_at", "kelurahan", "round"];

/// `POST /admin/informasi/pengumuman`.
pub async fn announcement_create(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    staff_only(&user)?;
    let input = announcement_input(&pairs);
    match info::publish_announcement(&app.db, editor(&user), &input, app.clock.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/informasi").into_response()),
        Err(InfoError::Invalid(errors)) => {
            let mut view = admin_view(&app, &user, csrf.token()?).await?;
            view.announcement_form = typed(&pairs, &ANNOUNCEMENT_FIELDS);
            view.announcement_form.errors = errors;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                csrf.0,
                va::admin(&ctx, &view),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
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
    let kel = info::kelurahan_choices(&app.db, &ed).await?;
    let rounds = info::round_choices(&app.db).await?;
    let t = csrf.token()?;
    let page = va::announcement_edit(&ctx, &t, id, &f, user.role == Role::Admin, &kel, &rounds);
    Ok((csrf.0, page).into_response())
}

/// `POST /admin/informasi/pengumuman/{id}`.
pub async fn announcement_update(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    staff_only(&user)?;
    let id = path_id(&id)?;
    let input = announcement_input(&pairs);
    match info::update_announcement(&app.db, editor(&user), id, &input, app.clock.now()).await {
        Ok(()) => Ok(Redirect::to("/admin/informasi").into_response()),
        Err(InfoError::Invalid(errors)) => {
            let ed = editor(&user);
            let mut f = typed(&pairs, &ANNOUNCEMENT_FIELDS);
            f.errors = errors;
            let kel = info::kelurahan_choices(&app.db, &ed).await?;
            let rounds = info::round_choices(&app.db).await?;
            let t = csrf.token()?;
            let page =
                va::announcement_edit(&ctx, &t, id, &f, user.role == Role::Admin, &kel, &rounds);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.0, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/informasi/pengumuman/{id}/hapus`.
pub async fn announcement_remove(
    State(app): State<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    staff_only(&user)?;
    info::remove_announcement(&app.db, editor(&user), path_id(&id)?).await?;
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
    let body = body.map_err(|_| {
        AppError::Refused(crate::domain::msg::Msg::new(
            "Berkas terlalu besar.",
            "The file is too large.",
        ))
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let parts = multipart::boundary(content_type)
        .and_then(|b| multipart::parse(&body, &b).ok())
        .ok_or_else(|| {
            AppError::Refused(crate::domain::msg::Msg::new(
                "Formulir tidak terbaca.",
                "The form cannot be read.",
            ))
        })?;
    let text = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name && p.filename.is_none())
            .map(|p| String::from_utf8_lossy(&p.data).trim().to_owned())
            .unwrap_or_default()
    };
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
    match docs::publish_sop(
        &app.db,
        &store,
        editor(&user),
        &input,
        &name,
        bytes,
        app.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/admin/informasi#sop").into_response()),
        Err(InfoError::Invalid(errors)) => {
            let mut view = admin_view(&app, &user, csrf.token()?).await?;
            view.sop_form = FormState::with(&[
                ("title", input.title),
                ("slug", input.slug),
                ("effective_from", input.effective_from),
                ("kelurahan", input.kelurahan),
            ]);
            view.sop_form.errors = errors;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                csrf.0,
                va::admin(&ctx, &view),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

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
    match docs::save_faq(
        &app.db,
        editor(&user),
        None,
        f("position"),
        f("question"),
        f("answer"),
        app.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/admin/informasi").into_response()),
        Err(InfoError::Invalid(errors)) => {
            let mut view = admin_view(&app, &user, csrf.token()?).await?;
            view.faq_form = typed(&pairs, &FAQ_FIELDS);
            view.faq_form.errors = errors;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                csrf.0,
                va::admin(&ctx, &view),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
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
    match docs::save_faq(
        &app.db,
        editor(&user),
        Some(id),
        f("position"),
        f("question"),
        f("answer"),
        app.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/admin/informasi").into_response()),
        Err(InfoError::Invalid(errors)) => {
            let mut form = typed(&pairs, &FAQ_FIELDS);
            form.errors = errors;
            let t = csrf.token()?;
            let page = va::faq_edit(&ctx, &t, id, &form);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.0, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
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
    match docs::set_help_desk(&app.db, editor(&user), stored, &input, app.clock.now()).await {
        Ok(()) => Ok(Redirect::to("/admin/informasi").into_response()),
        Err(InfoError::Invalid(errors)) => {
            let (title, _) = desk_title(&app, &ctx, stored).await?;
            let mut f = typed(&pairs, &["address", "opening_hours", "phone", "whatsapp"]);
            f.errors = errors;
            let t = csrf.token()?;
            let page = va::help_desk_edit(&ctx, &t, &code, &title, &f);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.0, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------
// Consent to news by SMS/WhatsApp
// ---------------------------------------------------------------------------

fn acting(user: &CurrentUser) -> Acting<'_> {
    Acting {
        actor: user.actor(),
        scopes: &user.scopes,
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
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    let id = path_id(&id)?;
    let agreed = form_field(&pairs, "agree") == "1";
    match message_consent::give(
        &app.db,
        acting(&user),
        id,
        form_field(&pairs, "phone"),
        form_field(&pairs, "channel"),
        agreed,
        app.clock.now(),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/pendaftaran/{id}/pesan")).into_response()),
        Err(InfoError::Invalid(errors)) => {
            let view = message_consent::view(&app.db, &app.vault, acting(&user), id).await?;
            let mut f = typed(&pairs, &["phone", "channel", "agree"]);
            f.errors = errors;
            let t = csrf.token()?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                csrf.0,
                va::consent(&ctx, &t, &view, &f),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /pendaftaran/{id}/pesan/cabut`.
pub async fn consent_withdraw(
    State(app): State<AppState>,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(pairs): Pairs,
) -> AppResult<Response> {
    csrf.verify(form_field(&pairs, "csrf"))?;
    let id = path_id(&id)?;
    message_consent::withdraw(&app.db, acting(&user), id, app.clock.now()).await?;
    Ok(Redirect::to(&format!("/pendaftaran/{id}/pesan")).into_response())
}
