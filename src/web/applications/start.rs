//! Starting an application: the choice of area and the new draft.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::{acting, may_apply};
use crate::app::AppState;
use crate::domain::form::FieldErrors;
use crate::domain::role::Role;
use crate::domain::round::Msg;
use crate::error::{AppError, AppResult};
use crate::services::ServiceError;
use crate::services::applications::{self as svc, StartDraft};
use crate::views::PageCtx;
use crate::views::applications as v;
use crate::web::{Csrf, CurrentUser};

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
    let areas = svc::domicile_areas(&app.db, r).await?;
    let rule = r.domicile_rule();
    let formations = if rule.formation_follows_rt() {
        Vec::new()
    } else {
        svc::formation_choices(&app.db, r.id)
            .await?
            .into_iter()
            .filter(|(_, _, k)| {
                rule != crate::domain::programme::DomicileRule::Kelurahan || *k == q.kelurahan
            })
            .map(|(code, name, _)| (code, name))
            .collect()
    };
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
        domicile: rule.label(),
        formations,
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
    /// The formation chosen, where the domicile rule lets one choose.
    #[serde(default)]
    formation: String,
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
                formation_code: Some(input.formation.trim().to_owned()).filter(|c| !c.is_empty()),
            },
        )
        .await
    } else {
        Err(ServiceError::Fields(unchosen))
    };
    match res {
        Ok(id) => Ok(Redirect::to(&format!("/pendaftaran/{id}/formulir")).into_response()),
        Err(ServiceError::Fields(errors)) => {
            let areas = svc::domicile_areas(&app.db, &r).await?;
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
