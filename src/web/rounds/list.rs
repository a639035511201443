//! The list of rounds and the creation of one.

use axum::extract::State;
use axum::response::Response;
use maud::Markup;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{admin_only, page, typed};
use crate::app::AppState;
use crate::domain::form::FormData;
use crate::error::AppResult;
use crate::services::rounds::{self as svc, RoundSettings};
use crate::views::PageCtx;
use crate::views::rounds::{self as v, FormView, RoundRow};
use crate::web::forms::{redirect_or_rerender, refused_fields};
use crate::web::posted::{AdminFirst, Posted};
use crate::web::{Csrf, CurrentUser};

async fn list_view(app: &AppState, ctx: &PageCtx, f: &FormView) -> AppResult<Markup> {
    let rows: Vec<RoundRow> = svc::list(&app.db)
        .await?
        .into_iter()
        .map(|r| RoundRow {
            id: r.id,
            name: r.name,
            year: r.year,
            state: r.state,
            slug: r.slug,
        })
        .collect();
    let now = app.clock.now();
    let open: Vec<crate::domain::privacy::BreachClock> = crate::services::breaches::list(&app.db)
        .await?
        .iter()
        .map(|b| crate::services::breaches::clock_of(b, now))
        .filter(|c| *c != crate::domain::privacy::BreachClock::Notified)
        .collect();
    let reminders = crate::views::privacy::breach_reminders(ctx, &open);
    Ok(v::admin_list_with(ctx, &rows, f, reminders))
}

/// `GET /admin/seleksi`.
pub async fn list(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
) -> AppResult<Response> {
    admin_only(&user)?;
    let mut values = FormData::default();
    values
        .0
        .insert("year".into(), OffsetDateTime::now_utc().year().to_string());
    values
        .0
        .insert("idempotency_key".into(), Uuid::new_v4().to_string());
    let f = FormView::new(values, &csrf.token()?);
    let markup = list_view(&app, &ctx, &f).await?;
    Ok(page(csrf, markup))
}

/// `POST /admin/seleksi`: creates a draft round and opens it.
pub async fn create(State(app): State<AppState>, p: Posted<AdminFirst>) -> AppResult<Response> {
    let data = typed(&p);
    let res = match RoundSettings::try_from(&data) {
        Ok(s) => refused_fields(
            svc::create_round(
                &app.db,
                p.user.actor(),
                &s,
                Some(data.get("idempotency_key")),
            )
            .await,
        )?,
        Err(e) => Err(e),
    };
    let to = res.map(|id| format!("/admin/seleksi/{id}"));
    let Posted { ctx, csrf, .. } = p;
    redirect_or_rerender(csrf, to, |errors, token| async move {
        let f = FormView {
            values: data,
            errors,
            csrf: token,
        };
        list_view(&app, &ctx, &f).await
    })
    .await
}
