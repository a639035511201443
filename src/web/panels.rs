//! Panels, the fit & proper test schedule and the round dashboard under
//! `/admin/seleksi/{id}/…` (admins only, checked on every request).
//!
//! Handlers parse, call one service, render. A refused form comes back as the
//! same page with status 422, what was typed kept and the message next to its
//! field; a success redirects (303) so a reload never re-submits.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::Markup;
use time::OffsetDateTime;
use uuid::Uuid;

use super::forms::{FormPage, Viewer, show};
use super::posted::{AdminFirst, Allowed, Posted};
use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::form::{FieldErrors, FormData};
use crate::domain::role::Role;
use crate::domain::round::Msg;
use crate::error::AppResult;
use crate::services::ServiceError;
use crate::services::panels::{self as svc, SessionForm};
use crate::views::PageCtx;
use crate::views::panels::{self as v, PanelsPage, SchedulePage};
use crate::views::rounds::FormView;

/// A panels-page form: an admin's, checked before the round is looked at.
type PanelPost<I = Uuid> = Posted<AdminFirst, I>;

/// What was typed into a form, keeping every value of `formation`
/// (checkboxes) joined by spaces, and those values.
fn typed(pairs: &[(String, String)]) -> (FormData, Vec<String>) {
    let formations: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "formation")
        .map(|(_, v)| v.clone())
        .collect();
    let mut data = FormData::from_pairs(pairs.to_vec());
    data.0.insert("formation".into(), formations.join(" "));
    (data, formations)
}

fn fresh_key() -> FormData {
    let mut values = FormData::default();
    values
        .0
        .insert("idempotency_key".into(), Uuid::new_v4().to_string());
    values
}

/// A page of forms in rows (one per panel or invitation) under a form that
/// creates a row; a refused form shows again where it was, with what was
/// typed: `row` names the row, `None` the create form.
struct Refused {
    row: Option<Uuid>,
    typed: FormData,
}

impl Refused {
    fn top(typed: FormData) -> Refused {
        Refused { row: None, typed }
    }

    fn at(row: Uuid, typed: FormData) -> Refused {
        Refused {
            row: Some(row),
            typed,
        }
    }

    /// The create form (blank with `blank` unless refused) and the refused
    /// row's form.
    fn place(
        self,
        errors: Option<FieldErrors>,
        blank: FormData,
        token: &str,
    ) -> (FormView, Option<(Uuid, FormView)>) {
        let Some(errors) = errors else {
            return (FormView::new(blank, token), None);
        };
        let f = FormView {
            values: self.typed,
            errors,
            csrf: token.to_owned(),
        };
        match self.row {
            Some(row) => (FormView::new(blank, token), Some((row, f))),
            None => (f, None),
        }
    }
}

// ---------------------------------------------------------------------------
// Panels
// ---------------------------------------------------------------------------

/// A round's panels page.
struct Panels(Uuid, Refused);

impl FormPage for Panels {
    type Refusal = FieldErrors;

    fn back(&self) -> String {
        format!("/admin/seleksi/{}/panel", self.0)
    }

    async fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        errors: Option<FieldErrors>,
    ) -> AppResult<Markup> {
        let Viewer { app, ctx, .. } = to;
        let (create, failed) = self.1.place(errors, fresh_key(), &csrf);
        let p = PanelsPage {
            overview: svc::panels_overview(&app.db, self.0).await?,
            create,
            failed,
            csrf,
        };
        Ok(v::panels(ctx, &p))
    }
}

/// `GET /admin/seleksi/{id}/panel`.
pub async fn panels(
    State(app): State<AppState>,
    a: Allowed<AdminFirst, Uuid>,
    csrf: Csrf,
) -> AppResult<Response> {
    let page = |id| Panels(id, Refused::top(FormData::default()));
    a.show(&app, csrf, page).await
}

/// `POST /admin/seleksi/{id}/panel`: creates a panel.
pub async fn panel_create(State(app): State<AppState>, p: PanelPost) -> AppResult<Response> {
    let (data, _) = typed(&p.form);
    let res = svc::create_panel(
        &app.db,
        p.user.actor(),
        p.ids,
        data.get("name"),
        Some(data.get("idempotency_key")),
    )
    .await;
    p.answer(&app, |id| Panels(id, Refused::top(data)), res)
        .await
}

/// `POST /admin/seleksi/{id}/panel/{panel}/anggota`: adds a panelist.
pub async fn member_add(
    State(app): State<AppState>,
    p: PanelPost<(Uuid, Uuid)>,
) -> AppResult<Response> {
    let ((id, pid), (data, _)) = (p.ids, typed(&p.form));
    let res = svc::add_member(&app.db, p.user.actor(), id, pid, data.get("account_id")).await;
    p.answer(&app, |_| Panels(id, Refused::at(pid, data)), res)
        .await
}

/// `POST /admin/seleksi/{id}/panel/{panel}/anggota/{account}/hapus`.
pub async fn member_remove(
    State(app): State<AppState>,
    p: PanelPost<(Uuid, Uuid, Uuid)>,
) -> AppResult<Response> {
    let ((id, pid, aid), (data, _)) = (p.ids, typed(&p.form));
    let res = svc::remove_member(&app.db, p.user.actor(), id, pid, aid).await;
    p.answer(&app, |_| Panels(id, Refused::at(pid, data)), res)
        .await
}

/// `POST /admin/seleksi/{id}/panel/{panel}/formasi`: the formations it assesses.
pub async fn panel_formations(
    State(app): State<AppState>,
    p: PanelPost<(Uuid, Uuid)>,
) -> AppResult<Response> {
    let ((id, pid), (data, formations)) = (p.ids, typed(&p.form));
    let res = svc::set_formations(&app.db, p.user.actor(), id, pid, &formations).await;
    p.answer(&app, |_| Panels(id, Refused::at(pid, data)), res)
        .await
}

// ---------------------------------------------------------------------------
// Schedule
// ---------------------------------------------------------------------------

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

/// A round's fit & proper test schedule.
struct Schedule {
    round: Uuid,
    refused: Refused,
    /// What a successful row form did (`kehadiran`, `keputusan`, `pindah`),
    /// to come back at that row; `None` returns to the top.
    saving: Option<&'static str>,
    /// Shown at the top (how many an automatic fill invited).
    notice: Option<Msg>,
    /// The row a successful form came back to, and what it did there.
    saved: Option<(Uuid, v::RowSaved)>,
}

impl Schedule {
    fn new(round: Uuid, refused: Refused) -> Schedule {
        Schedule {
            round,
            refused,
            saving: None,
            notice: None,
            saved: None,
        }
    }

    /// An invitation row's form, which comes back at that row.
    fn row(round: Uuid, invitation: Uuid, saving: &'static str, typed: FormData) -> Schedule {
        Schedule {
            saving: Some(saving),
            ..Schedule::new(round, Refused::at(invitation, typed))
        }
    }
}

impl FormPage for Schedule {
    type Refusal = FieldErrors;

    fn back(&self) -> String {
        let round_id = self.round;
        match (self.refused.row, self.saving) {
            (Some(r), Some(what)) => {
                format!("/admin/seleksi/{round_id}/uji?tersimpan={what}&undangan={r}#undangan-{r}")
            }
            _ => format!("/admin/seleksi/{round_id}/uji"),
        }
    }

    async fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        errors: Option<FieldErrors>,
    ) -> AppResult<Markup> {
        let Viewer { app, ctx, .. } = to;
        let mut blank = fresh_key();
        blank.0.insert("time".into(), "08:00".into());
        let (create, failed) = self.refused.place(errors, blank, &csrf);
        let p = SchedulePage {
            overview: svc::schedule_overview(&app.db, self.round).await?,
            create,
            failed,
            notice: self.notice,
            saved: self.saved,
            csrf,
        };
        Ok(v::schedule(ctx, &p))
    }
}

/// `GET /admin/seleksi/{id}/uji`.
pub async fn schedule(
    State(app): State<AppState>,
    a: Allowed<AdminFirst, Uuid>,
    csrf: Csrf,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let page = |id| Schedule {
        saved: q.row(),
        ..Schedule::new(id, Refused::top(FormData::default()))
    };
    a.show(&app, csrf, page).await
}

/// `POST /admin/seleksi/{id}/uji`: schedules a session.
pub async fn session_create(State(app): State<AppState>, p: PanelPost) -> AppResult<Response> {
    let (data, _) = typed(&p.form);
    let res = match SessionForm::parse(&data, OffsetDateTime::now_utc()) {
        Ok(s) => {
            let key = Some(data.get("idempotency_key"));
            svc::create_session(&app.db, p.user.actor(), p.ids, &s, key).await
        }
        Err(e) => Err(ServiceError::Fields(e)),
    };
    p.answer(&app, |id| Schedule::new(id, Refused::top(data)), res)
        .await
}

/// `POST /admin/seleksi/{id}/uji/{session}/isi`: automatic fill; answers with
/// the page and how many were invited.
pub async fn session_fill(
    State(app): State<AppState>,
    p: PanelPost<(Uuid, Uuid)>,
) -> AppResult<Response> {
    let ((id, sid), (data, _)) = (p.ids, typed(&p.form));
    let res = svc::auto_fill(&app.db, p.user.actor(), &app.mail_from, &app.vault, id, sid).await;
    match res {
        Ok(n) => {
            let page = Schedule {
                notice: Some(Msg::new(
                    format!("{n} pendaftar diundang; undangan dikirim lewat email."),
                    format!("{n} applicants invited; invitations sent by e-mail."),
                )),
                ..Schedule::new(id, Refused::top(FormData::default()))
            };
            show(&app, &p.ctx, &p.user, p.csrf, page).await
        }
        Err(e) => {
            let page = |_| Schedule::new(id, Refused::at(sid, data));
            p.answer(&app, page, Err::<(), _>(e)).await
        }
    }
}

/// `POST /admin/seleksi/{id}/uji/undangan/{invitation}/pindah`.
pub async fn invitation_move(
    State(app): State<AppState>,
    p: PanelPost<(Uuid, Uuid)>,
) -> AppResult<Response> {
    let ((id, iid), (data, _)) = (p.ids, typed(&p.form));
    let res = svc::move_invitation(
        &app.db,
        p.user.actor(),
        &app.mail_from,
        &app.vault,
        id,
        iid,
        data.get("session"),
    )
    .await;
    p.answer(&app, |_| Schedule::row(id, iid, "pindah", data), res)
        .await
}

/// `POST /admin/seleksi/{id}/uji/undangan/{invitation}/kehadiran`.
pub async fn invitation_attendance(
    State(app): State<AppState>,
    p: PanelPost<(Uuid, Uuid)>,
) -> AppResult<Response> {
    let ((id, iid), (data, _)) = (p.ids, typed(&p.form));
    let res = svc::record_attendance(
        &app.db,
        p.user.actor(),
        id,
        iid,
        data.get("attendance"),
        data.get("reason"),
    )
    .await;
    p.answer(&app, |_| Schedule::row(id, iid, "kehadiran", data), res)
        .await
}

/// `POST /admin/seleksi/{id}/uji/undangan/{invitation}/keputusan`.
pub async fn invitation_decision(
    State(app): State<AppState>,
    p: PanelPost<(Uuid, Uuid)>,
) -> AppResult<Response> {
    let ((id, iid), (data, _)) = (p.ids, typed(&p.form));
    let res = svc::decide_absence(&app.db, p.user.actor(), id, iid, data.get("decision")).await;
    p.answer(&app, |_| Schedule::row(id, iid, "keputusan", data), res)
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
    user.require(&[Role::Admin])?;
    let d = svc::dashboard(&app.db, super::path_id(&id)?).await?;
    let failing: Vec<(String, String)> = app
        .witnesses
        .statuses()
        .into_iter()
        .filter_map(|(name, s)| s.last_error.map(|e| (name, e)))
        .collect();
    Ok(v::dashboard(&ctx, &d, &failing))
}
