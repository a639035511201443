//! Lottery witnesses: the admin names them, each witness commits and
//! reveals, and the public page shows everything needed to recompute the seed.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::Markup;
use uuid::Uuid;

use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::services::ServiceError;
use crate::services::lottery as svc;
use crate::views::PageCtx;
use crate::views::lottery::{self as v, AdminWitnesses, WitnessPage};

/// Fields of the lottery forms.
#[derive(serde::Deserialize, Default)]
pub struct LotteryInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    commit_hash: String,
    #[serde(default)]
    secret: String,
}

fn status(error: &Option<String>) -> StatusCode {
    if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

async fn admin_render(
    app: &AppState,
    ctx: &PageCtx,
    csrf: &Csrf,
    round_id: Uuid,
    error: Option<String>,
    input: LotteryInput,
) -> AppResult<Response> {
    let view = svc::round_lottery(&app.db, round_id).await?;
    let token = csrf.token()?;
    let page = v::admin(
        ctx,
        &AdminWitnesses {
            view: &view,
            csrf: &token,
            error: error.clone(),
            email: input.email,
            label: input.label,
        },
    );
    Ok((status(&error), csrf.0.clone(), page).into_response())
}

/// `GET /admin/seleksi/{id}/saksi`.
pub async fn admin_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user.require(&[Role::Admin])?;
    admin_render(
        &app,
        &ctx,
        &csrf,
        super::path_id(&id)?,
        None,
        LotteryInput::default(),
    )
    .await
}

/// `POST /admin/seleksi/{id}/saksi`: name a witness.
pub async fn admin_add(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(input): Form<LotteryInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    user.require(&[Role::Admin])?;
    let id = super::path_id(&id)?;
    match svc::name_witness(&app.db, user.actor(), id, &input.email, &input.label).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/seleksi/{id}/saksi")).into_response()),
        Err(ServiceError::Invalid(m)) => {
            let m = m.pick(ctx.lang).to_owned();
            admin_render(&app, &ctx, &csrf, id, Some(m), input).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/seleksi/{id}/saksi/{witness}/hapus`.
pub async fn admin_remove(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path((id, witness)): Path<(String, String)>,
    Form(input): Form<LotteryInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    user.require(&[Role::Admin])?;
    let id = super::path_id(&id)?;
    match svc::remove_witness(&app.db, user.actor(), id, super::path_id(&witness)?).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/seleksi/{id}/saksi")).into_response()),
        Err(ServiceError::Invalid(m)) => {
            let m = m.pick(ctx.lang).to_owned();
            admin_render(&app, &ctx, &csrf, id, Some(m), LotteryInput::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /saksi`: the signed-in account's witness roles.
pub async fn mine(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<Markup> {
    let items = svc::my_witness_roles(&app.db, user.id).await?;
    Ok(v::mine(&ctx, &items))
}

async fn witness_render(
    app: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    csrf: &Csrf,
    id: Uuid,
    error: Option<String>,
    typed: String,
) -> AppResult<Response> {
    let mine = svc::my_witness(&app.db, user.id, id).await?;
    let token = csrf.token()?;
    let page = v::witness(
        ctx,
        &WitnessPage {
            mine: &mine,
            csrf: &token,
            error: error.clone(),
            suggestion: svc::suggest_secret(),
            typed,
        },
    );
    // The page may carry a freshly generated secret: never cache it.
    Ok((
        status(&error),
        csrf.0.clone(),
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        page,
    )
        .into_response())
}

/// `GET /saksi/{id}`.
pub async fn witness_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
) -> AppResult<Response> {
    witness_render(
        &app,
        &ctx,
        &user,
        &csrf,
        super::path_id(&id)?,
        None,
        String::new(),
    )
    .await
}

/// `POST /saksi/{id}/komit`.
pub async fn commit(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(input): Form<LotteryInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    let id = super::path_id(&id)?;
    match svc::commit(&app.db, user.id, user.role, id, &input.commit_hash).await {
        Ok(()) => Ok(Redirect::to(&format!("/saksi/{id}")).into_response()),
        Err(ServiceError::Invalid(m)) => {
            let m = m.pick(ctx.lang).to_owned();
            witness_render(&app, &ctx, &user, &csrf, id, Some(m), input.commit_hash).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /saksi/{id}/ungkap`.
pub async fn reveal(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Form(input): Form<LotteryInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    let id = super::path_id(&id)?;
    match svc::reveal(&app.db, user.id, user.role, id, &input.secret).await {
        Ok(_) => Ok(Redirect::to(&format!("/saksi/{id}")).into_response()),
        Err(ServiceError::Invalid(m)) => {
            let m = m.pick(ctx.lang).to_owned();
            witness_render(&app, &ctx, &user, &csrf, id, Some(m), input.secret).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /seleksi/{slug}/undian`.
pub async fn public_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Markup> {
    let view = svc::public_lottery(&app.db, &slug).await?;
    Ok(v::public(&ctx, &view))
}
