//! Round administration under `/admin/seleksi…` (admins only, checked on every
//! request) and the public round page `/seleksi/{slug}`.
//!
//! Handlers parse, call one service, render. A refused form comes back as the
//! same page with status 422, everything typed kept and each message next to
//! its field; a success redirects (303) so a reload never re-submits.

mod criteria;
mod formations;
mod list;
mod requirements;
mod settings;
mod stages;
pub use criteria::{criteria, criteria_save, template};
pub(crate) use formations::formations_attachment;
pub use formations::{
    formations, formations_add, formations_csv, formations_delete, formations_generate,
    formations_import, formations_rts, formations_seats,
};
pub use list::{create, list};
pub use requirements::{requirements, requirements_save};
use settings::settings_values;
pub use settings::{detail, status, update};
pub use stages::{programme_page, programme_save, shortlist_publish, stages_page, stages_save};

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use time::OffsetDateTime;

use uuid::Uuid;

use super::forms::{FormPage, Viewer};
use super::posted::{AdminFirst, Allowed, Posted};
use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::form::{FieldErrors, FormData};
use crate::domain::role::Role;
use crate::domain::round::worked_example;
use crate::error::AppResult;
use crate::services::rounds as svc;
use crate::views::PageCtx;
use crate::views::rounds::{self as v, FormView};

/// Submitted form fields, in order.
type Pairs = Form<Vec<(String, String)>>;

fn admin_only(user: &CurrentUser) -> AppResult<()> {
    user.require(&[Role::Admin])
}

/// Reads a submitted form and checks its CSRF token.
fn submitted(csrf: &Csrf, Form(pairs): Pairs) -> AppResult<FormData> {
    let data = FormData::from_pairs(pairs);
    csrf.verify(data.get("csrf"))?;
    Ok(data)
}

/// An admin's form post about round `id`: the role first, then the id, then
/// the CSRF token, so a stranger learns nothing about the round.
type RoundPost = Posted<AdminFirst, Uuid>;

/// What a form had typed, by field.
fn typed<I>(p: &Posted<AdminFirst, I>) -> FormData {
    FormData::from_pairs(p.form.clone())
}

/// A round's page with one of its forms refused, showing what was typed
/// and why: `render` draws it from the round and that form.
struct RoundPage<F> {
    id: Uuid,
    back: String,
    typed: FormData,
    render: F,
}

impl<F> RoundPage<F>
where
    F: FnOnce(&PageCtx, &svc::RoundDetail, FormView) -> AppResult<Markup> + Send,
{
    fn new(id: Uuid, back: String, typed: FormData, render: F) -> RoundPage<F> {
        RoundPage {
            id,
            back,
            typed,
            render,
        }
    }
}

impl<F> FormPage for RoundPage<F>
where
    F: FnOnce(&PageCtx, &svc::RoundDetail, FormView) -> AppResult<Markup> + Send,
{
    type Refusal = FieldErrors;

    fn back(&self) -> String {
        self.back.clone()
    }

    async fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        errors: Option<FieldErrors>,
    ) -> AppResult<Markup> {
        let d = svc::load(&to.app.db, self.id).await?;
        let f = FormView {
            values: self.typed,
            errors: errors.unwrap_or_default(),
            csrf,
        };
        (self.render)(to.ctx, &d, f)
    }
}

/// A round's form page as itself, for an admin (checked before the id): the
/// form filled by `values` from the stored round, drawn by `render`.
async fn form_page(
    app: &AppState,
    a: Allowed<AdminFirst, Uuid>,
    csrf: Csrf,
    values: fn(&svc::RoundDetail) -> FormData,
    render: impl FnOnce(&PageCtx, &svc::RoundDetail, &FormView) -> AppResult<Markup>,
) -> AppResult<Response> {
    let d = svc::load(&app.db, a.ids).await?;
    let f = FormView::new(values(&d), &csrf.token()?);
    Ok(page(csrf, render(&a.ctx, &d, &f)?))
}

fn page(csrf: Csrf, markup: Markup) -> Response {
    (csrf.0, markup).into_response()
}

fn see_other(path: String) -> Response {
    Redirect::to(&path).into_response()
}

// ---------------------------------------------------------------------------
// Public
// ---------------------------------------------------------------------------

/// `GET /seleksi/{slug}`: the published round; 404 while it is a draft.
pub async fn public_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Markup> {
    let p = svc::public_round(&app.db, &slug).await?;
    // A staged round's example uses its last stage: weights sum to 100
    // within a stage, and the final ranking follows that stage's total.
    let last_stage = p.detail.stages.last().map(|s| s.code.as_str());
    let example = worked_example(
        &p.detail
            .criteria
            .iter()
            .filter(|c| last_stage.is_none() || c.stage_code.as_deref() == last_stage)
            .map(|c| (c.code.clone(), c.weight, c.scale_min, c.scale_max))
            .collect::<Vec<_>>(),
    );
    Ok(v::public_round(
        &ctx,
        &p,
        &example,
        OffsetDateTime::now_utc(),
    ))
}
