//! Log in and log out.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::{Csrf, SESSION_ACCOUNT, SessionAccount};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::services::accounts;
use crate::views::PageCtx;
use crate::views::auth::{LoginForm, login};

/// `GET /masuk`.
pub async fn login_page(ctx: PageCtx, csrf: Csrf) -> AppResult<Response> {
    let token = csrf
        .0
        .authenticity_token()
        .map_err(|e| anyhow::anyhow!("csrf: {e}"))?;
    let page = login(
        &ctx,
        &LoginForm {
            csrf: token,
            ..Default::default()
        },
    );
    Ok((csrf.0, page).into_response())
}

/// Fields of the login form.
#[derive(serde::Deserialize)]
pub struct LoginInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /masuk`: a new session id on success (no session fixation), the form
/// again with the e-mail kept on failure.
pub async fn login_submit(
    State(app): State<AppState>,
    ctx: PageCtx,
    csrf: Csrf,
    session: Session,
    Form(input): Form<LoginInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    match accounts::authenticate(&app.db, &input.email, &input.password).await? {
        Some(acc) => {
            session
                .cycle_id()
                .await
                .map_err(|e| anyhow::anyhow!("session: {e}"))?;
            let value = SessionAccount {
                id: acc.id,
                name: acc.name,
                role: acc.role.as_str().to_owned(),
            };
            session
                .insert(SESSION_ACCOUNT, value)
                .await
                .map_err(|e| anyhow::anyhow!("session: {e}"))?;
            tracing::info!(account.id = %acc.id, "signed in");
            Ok(Redirect::to("/").into_response())
        }
        None => {
            let token = csrf
                .0
                .authenticity_token()
                .map_err(|e| anyhow::anyhow!("csrf: {e}"))?;
            let form = LoginForm {
                email: input.email.trim().to_owned(),
                error: Some(
                    ctx.t(
                        "E-mail atau kata sandi salah.",
                        "Wrong e-mail address or password.",
                    )
                    .to_owned(),
                ),
                csrf: token,
            };
            Ok((StatusCode::UNAUTHORIZED, csrf.0, login(&ctx, &form)).into_response())
        }
    }
}

/// Fields of the logout form.
#[derive(serde::Deserialize)]
pub struct LogoutInput {
    #[serde(default)]
    csrf: String,
}

/// `POST /keluar`: ends the session on the server.
pub async fn logout(
    csrf: Csrf,
    session: Session,
    Form(input): Form<LogoutInput>,
) -> AppResult<Redirect> {
    csrf.verify(&input.csrf)?;
    session
        .flush()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
    Ok(Redirect::to("/"))
}
