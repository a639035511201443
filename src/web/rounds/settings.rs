//! One round's settings page: its settings, schedule and state transitions.

use axum::extract::State;
use axum::response::Response;
use time::OffsetDateTime;

use super::{RoundPage, RoundPost, form_page, typed};
use crate::app::AppState;
use crate::domain::form::{FieldErrors, FormData};
use crate::domain::round::{Milestone, RoundState, input_wita};
use crate::error::{AppError, AppResult};
use crate::services::ServiceError;
use crate::services::rounds::{self as svc, RoundSettings};
use crate::views::rounds::{self as v, FormView};
use crate::web::Csrf;
use crate::web::posted::{AdminFirst, Allowed};
use uuid::Uuid;

pub(super) fn settings_values(r: &crate::domain::round::Round) -> FormData {
    let mut v = FormData::default();
    let mut put = |k: &str, val: String| {
        v.0.insert(k.to_owned(), val);
    };
    put("name", r.name.clone());
    put("year", r.year.to_string());
    put("description_id", r.description_id.clone());
    put("description_en", r.description_en.clone());
    put("aggregation", r.aggregation.clone());
    put(
        "passing_total",
        r.passing_total.map(|n| n.to_string()).unwrap_or_default(),
    );
    put("min_panelists", r.min_panelists.to_string());
    put(
        "age_min",
        r.age_min.map(|n| n.to_string()).unwrap_or_default(),
    );
    put(
        "age_max",
        r.age_max.map(|n| n.to_string()).unwrap_or_default(),
    );
    if r.publish_all_names {
        put("publish_all_names", "on".to_owned());
    }
    let s = r.schedule();
    for m in Milestone::ALL {
        put(m.field(), s.get(m).map(input_wita).unwrap_or_default());
    }
    v
}

/// `GET /admin/seleksi/{id}`.
pub async fn detail(
    State(app): State<AppState>,
    a: Allowed<AdminFirst, Uuid>,
    csrf: Csrf,
) -> AppResult<Response> {
    let values = |d: &svc::RoundDetail| settings_values(&d.round);
    form_page(&app, a, csrf, values, |ctx, d, f| {
        Ok(v::admin_round(ctx, d, f, &FieldErrors::new()))
    })
    .await
}

/// `POST /admin/seleksi/{id}`: saves settings and schedule of a draft.
pub async fn update(State(app): State<AppState>, p: RoundPost) -> AppResult<Response> {
    let data = typed(&p);
    let res = match RoundSettings::try_from(&data) {
        Ok(s) => svc::update_round(&app.db, p.user.actor(), p.ids, &s).await,
        Err(e) => Err(ServiceError::Fields(e)),
    };
    let page = |id| {
        RoundPage::new(id, format!("/admin/seleksi/{id}"), data, |ctx, d, f| {
            Ok(v::admin_round(ctx, d, &f, &FieldErrors::new()))
        })
    };
    p.answer(&app, page, res).await
}

/// `POST /admin/seleksi/{id}/status`: one step of the state machine (`to`,
/// and `reason` when cancelling).
pub async fn status(State(app): State<AppState>, p: RoundPost) -> AppResult<Response> {
    let to = RoundState::parse(p.field("to")).ok_or_else(|| {
        AppError::Refused(crate::domain::msg::Msg::new(
            "Tahap tujuan tidak dikenal.",
            "Unknown target stage.",
        ))
    })?;
    let res = svc::transition_mailing(
        &app.db,
        &app.checkpoint_key,
        Some(&app.mail()),
        p.user.actor(),
        p.ids,
        to,
        p.field("reason"),
        OffsetDateTime::now_utc(),
    )
    .await;
    // Refused, the settings as stored, with the reason above them.
    let page = |id| {
        RoundPage::new(
            id,
            format!("/admin/seleksi/{id}"),
            FormData::default(),
            |ctx, d, f| {
                let settings = FormView::new(settings_values(&d.round), &f.csrf);
                Ok(v::admin_round(ctx, d, &settings, &f.errors))
            },
        )
    };
    p.answer(&app, page, res).await
}
