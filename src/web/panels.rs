//! Panels, the fit & proper test schedule and the round dashboard under
//! `/admin/seleksi/{id}/…` (admins only, checked on every request).
//!
//! Handlers parse, call one service, render. A refused form comes back as the
//! same page with status 422, what was typed kept and the message next to its
//! field; a success redirects (303) so a reload never re-submits.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::Markup;
use time::OffsetDateTime;
use uuid::Uuid;

use super::forms::{redirect_or_rerender, refused_fields};
use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::form::{FieldErrors, FormData};
use crate::domain::role::Role;
use crate::domain::round::Msg;
use crate::error::AppResult;
use crate::services::panels::{self as svc, SessionForm};
use crate::views::PageCtx;
use crate::views::panels::{self as v, PanelsPage, SchedulePage};
use crate::views::rounds::FormView;

/// Submitted form fields, in order (repeated names such as checkboxes kept).
type Pairs = Form<Vec<(String, String)>>;

/// Refuses anyone but an admin, before anything else is read.
fn admin_only(user: &CurrentUser) -> AppResult<()> {
    user.require(&[Role::Admin])
}

/// Reads a submitted form (checking its CSRF token), keeping every value of
/// `formation` (checkboxes) joined by spaces.
fn submitted(csrf: &Csrf, Form(pairs): Pairs) -> AppResult<(FormData, Vec<String>)> {
    let formations: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "formation")
        .map(|(_, v)| v.clone())
        .collect();
    let mut data = FormData::from_pairs(pairs);
    csrf.verify(data.get("csrf"))?;
    data.0.insert("formation".into(), formations.join(" "));
    Ok((data, formations))
}

fn page(csrf: Csrf, status: StatusCode, markup: Markup) -> Response {
    (status, csrf.0, markup).into_response()
}

fn fresh_key() -> FormData {
    let mut values = FormData::default();
    values
        .0
        .insert("idempotency_key".into(), Uuid::new_v4().to_string());
    values
}

// ---------------------------------------------------------------------------
// Panels
// ---------------------------------------------------------------------------

async fn panels_page(
    app: &AppState,
    t: String,
    round_id: Uuid,
    create: Option<FormView>,
    failed: Option<(Uuid, FormView)>,
) -> AppResult<PanelsPage> {
    Ok(PanelsPage {
        overview: svc::panels_overview(&app.db, round_id).await?,
        create: create.unwrap_or_else(|| FormView::new(fresh_key(), &t)),
        failed,
        csrf: t,
    })
}

/// `GET /admin/seleksi/{id}/panel`.
pub async fn panels(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    admin_only(&user)?;
    let p = panels_page(&app, csrf.token()?, super::path_id(&id)?, None, None).await?;
    Ok(page(csrf, StatusCode::OK, v::panels(&ctx, &p)))
}

/// Answers a panels-page form: redirect on success, the page with the errors
/// next to the refused form otherwise.
async fn panels_answer(
    app: &AppState,
    ctx: &PageCtx,
    csrf: Csrf,
    round_id: Uuid,
    panel_id: Option<Uuid>,
    data: FormData,
    res: Result<(), FieldErrors>,
) -> AppResult<Response> {
    let to = res.map(|()| format!("/admin/seleksi/{round_id}/panel"));
    redirect_or_rerender(csrf, to, |errors, t| async move {
        let f = FormView {
            values: data,
            errors,
            csrf: t.clone(),
        };
        let p = match panel_id {
            Some(pid) => panels_page(app, t, round_id, None, Some((pid, f))).await?,
            None => panels_page(app, t, round_id, Some(f), None).await?,
        };
        Ok(v::panels(ctx, &p))
    })
    .await
}

/// `POST /admin/seleksi/{id}/panel`: creates a panel.
pub async fn panel_create(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let (data, _) = submitted(&csrf, form)?;
    let res = refused_fields(
        svc::create_panel(
            &app.db,
            user.actor(),
            id,
            data.get("name"),
            Some(data.get("idempotency_key")),
        )
        .await,
    )?
    .map(|_| ());
    panels_answer(&app, &ctx, csrf, id, None, data, res).await
}

/// `POST /admin/seleksi/{id}/panel/{panel}/anggota`: adds a panelist.
pub async fn member_add(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path((id, pid)): Path<(String, String)>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let (id, pid) = (super::path_id(&id)?, super::path_id(&pid)?);
    let (data, _) = submitted(&csrf, form)?;
    let res = refused_fields(
        svc::add_member(&app.db, user.actor(), id, pid, data.get("account_id")).await,
    )?;
    panels_answer(&app, &ctx, csrf, id, Some(pid), data, res).await
}

/// `POST /admin/seleksi/{id}/panel/{panel}/anggota/{account}/hapus`.
pub async fn member_remove(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path((id, pid, aid)): Path<(String, String, String)>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let (id, pid, aid) = (
        super::path_id(&id)?,
        super::path_id(&pid)?,
        super::path_id(&aid)?,
    );
    let (data, _) = submitted(&csrf, form)?;
    let res = refused_fields(svc::remove_member(&app.db, user.actor(), id, pid, aid).await)?;
    panels_answer(&app, &ctx, csrf, id, Some(pid), data, res).await
}

/// `POST /admin/seleksi/{id}/panel/{panel}/formasi`: the formations it assesses.
pub async fn panel_formations(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path((id, pid)): Path<(String, String)>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let (id, pid) = (super::path_id(&id)?, super::path_id(&pid)?);
    let (data, formations) = submitted(&csrf, form)?;
    let res =
        refused_fields(svc::set_formations(&app.db, user.actor(), id, pid, &formations).await)?;
    panels_answer(&app, &ctx, csrf, id, Some(pid), data, res).await
}

// ---------------------------------------------------------------------------
// Schedule
// ---------------------------------------------------------------------------

async fn schedule_page(
    app: &AppState,
    t: String,
    round_id: Uuid,
    create: Option<FormView>,
    failed: Option<(Uuid, FormView)>,
) -> AppResult<SchedulePage> {
    let mut values = fresh_key();
    values.0.insert("time".into(), "08:00".into());
    Ok(SchedulePage {
        overview: svc::schedule_overview(&app.db, round_id).await?,
        create: create.unwrap_or_else(|| FormView::new(values, &t)),
        failed,
        notice: None,
        saved: None,
        csrf: t,
    })
}

/// `?tersimpan=…&undangan=…`: after a row's form succeeded, the page comes
/// back at that row (`#undangan-…`) with a message in it.
#[derive(serde::Deserialize)]
pub struct SavedQuery {
    tersimpan: Option<String>,
    undangan: Option<String>,
}

impl SavedQuery {
    fn row(&self) -> Option<(Uuid, v::RowSaved)> {
        let kind = match self.tersimpan.as_deref()? {
            "kehadiran" => v::RowSaved::Attendance,
            "keputusan" => v::RowSaved::Decision,
            "pindah" => v::RowSaved::Moved,
            _ => return None,
        };
        Some((self.undangan.as_deref()?.parse().ok()?, kind))
    }
}

/// Where a row's successful form returns: the same row, with a message.
fn back_to_row(round_id: Uuid, invitation_id: Uuid, what: &str) -> String {
    format!(
        "/admin/seleksi/{round_id}/uji?tersimpan={what}&undangan={invitation_id}#undangan-{invitation_id}"
    )
}

/// `GET /admin/seleksi/{id}/uji`.
pub async fn schedule(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    admin_only(&user)?;
    let mut p = schedule_page(&app, csrf.token()?, super::path_id(&id)?, None, None).await?;
    p.saved = q.row();
    Ok(page(csrf, StatusCode::OK, v::schedule(&ctx, &p)))
}

/// `saved`: what a successful row form did (`kehadiran`, `keputusan`,
/// `pindah`), to come back at that row; `None` returns to the top.
#[allow(clippy::too_many_arguments)]
async fn schedule_answer(
    app: &AppState,
    ctx: &PageCtx,
    csrf: Csrf,
    round_id: Uuid,
    row: Option<Uuid>,
    saved: Option<&str>,
    data: FormData,
    res: Result<(), FieldErrors>,
) -> AppResult<Response> {
    let to = res.map(|()| match (row, saved) {
        (Some(r), Some(what)) => back_to_row(round_id, r, what),
        _ => format!("/admin/seleksi/{round_id}/uji"),
    });
    redirect_or_rerender(csrf, to, |errors, t| async move {
        let f = FormView {
            values: data,
            errors,
            csrf: t.clone(),
        };
        let p = match row {
            Some(r) => schedule_page(app, t, round_id, None, Some((r, f))).await?,
            None => schedule_page(app, t, round_id, Some(f), None).await?,
        };
        Ok(v::schedule(ctx, &p))
    })
    .await
}

/// `POST /admin/seleksi/{id}/uji`: schedules a session.
pub async fn session_create(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let id = super::path_id(&id)?;
    let (data, _) = submitted(&csrf, form)?;
    let res = match SessionForm::parse(&data, OffsetDateTime::now_utc()) {
        Ok(s) => refused_fields(
            svc::create_session(
                &app.db,
                user.actor(),
                id,
                &s,
                Some(data.get("idempotency_key")),
            )
            .await,
        )?
        .map(|_| ()),
        Err(e) => Err(e),
    };
    schedule_answer(&app, &ctx, csrf, id, None, None, data, res).await
}

/// `POST /admin/seleksi/{id}/uji/{session}/isi`: automatic fill; answers with
/// the page and how many were invited.
pub async fn session_fill(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path((id, sid)): Path<(String, String)>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let (id, sid) = (super::path_id(&id)?, super::path_id(&sid)?);
    let (data, _) = submitted(&csrf, form)?;
    let from = app.mail_from.clone();
    match refused_fields(svc::auto_fill(&app.db, user.actor(), &from, &app.vault, id, sid).await)? {
        Ok(n) => {
            let mut p = schedule_page(&app, csrf.token()?, id, None, None).await?;
            p.notice = Some(Msg::new(
                format!("{n} pendaftar diundang; undangan dikirim lewat email."),
                format!("{n} applicants invited; invitations sent by e-mail."),
            ));
            Ok(page(csrf, StatusCode::OK, v::schedule(&ctx, &p)))
        }
        Err(e) => schedule_answer(&app, &ctx, csrf, id, Some(sid), None, data, Err(e)).await,
    }
}

/// `POST /admin/seleksi/{id}/uji/undangan/{invitation}/pindah`.
pub async fn invitation_move(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path((id, iid)): Path<(String, String)>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let (id, iid) = (super::path_id(&id)?, super::path_id(&iid)?);
    let (data, _) = submitted(&csrf, form)?;
    let from = app.mail_from.clone();
    let res = refused_fields(
        svc::move_invitation(
            &app.db,
            user.actor(),
            &from,
            &app.vault,
            id,
            iid,
            data.get("session"),
        )
        .await,
    )?;
    schedule_answer(&app, &ctx, csrf, id, Some(iid), Some("pindah"), data, res).await
}

/// `POST /admin/seleksi/{id}/uji/undangan/{invitation}/kehadiran`.
pub async fn invitation_attendance(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path((id, iid)): Path<(String, String)>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let (id, iid) = (super::path_id(&id)?, super::path_id(&iid)?);
    let (data, _) = submitted(&csrf, form)?;
    let res = refused_fields(
        svc::record_attendance(
            &app.db,
            user.actor(),
            id,
            iid,
            data.get("attendance"),
            data.get("reason"),
        )
        .await,
    )?;
    schedule_answer(
        &app,
        &ctx,
        csrf,
        id,
        Some(iid),
        Some("kehadiran"),
        data,
        res,
    )
    .await
}

/// `POST /admin/seleksi/{id}/uji/undangan/{invitation}/keputusan`.
pub async fn invitation_decision(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Path((id, iid)): Path<(String, String)>,
    form: Pairs,
) -> AppResult<Response> {
    admin_only(&user)?;
    let (id, iid) = (super::path_id(&id)?, super::path_id(&iid)?);
    let (data, _) = submitted(&csrf, form)?;
    let res = refused_fields(
        svc::decide_absence(&app.db, user.actor(), id, iid, data.get("decision")).await,
    )?;
    schedule_answer(
        &app,
        &ctx,
        csrf,
        id,
        Some(iid),
        Some("keputusan"),
        data,
        res,
    )
    .await
}

// ---------------------------------------------------------------------------
// Dashboard
// ---------------------------------------------------------------------------

/// `GET /admin/seleksi/{id}/dasbor`.
pub async fn dashboard(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> AppResult<Markup> {
    admin_only(&user)?;
    let d = svc::dashboard(&app.db, super::path_id(&id)?).await?;
    let failing: Vec<(String, String)> = app
        .witnesses
        .statuses()
        .into_iter()
        .filter_map(|(name, s)| s.last_error.map(|e| (name, e)))
        .collect();
    Ok(v::dashboard(&ctx, &d, &failing))
}
