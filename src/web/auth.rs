//! Log in and log out.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::account::{ClientIp, limit_key};
use super::{Csrf, SESSION_ACCOUNT, SessionAccount};
use crate::app::AppState;
use crate::domain::account::Email;
use crate::error::{AppError, AppResult};
use crate::services::{accounts, rate_limit};
use crate::views::PageCtx;
use crate::views::auth::{LoginForm, login};

/// `GET /masuk`.
/// Query of the login page: where to return afterwards.
#[derive(serde::Deserialize, Default)]
pub struct NextQuery {
    lanjut: Option<String>,
}

/// A same-site path to return to, or empty.
fn next_path(raw: Option<&str>) -> String {
    raw.and_then(crate::domain::return_path::return_path)
        .unwrap_or_default()
}

pub async fn login_page(
    ctx: PageCtx,
    csrf: Csrf,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> AppResult<Response> {
    let token = csrf.token()?;
    let page = login(
        &ctx,
        &LoginForm {
            csrf: token,
            next: next_path(q.lanjut.as_deref()),
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
    /// Where to return after logging in.
    #[serde(default)]
    lanjut: Option<String>,
}

/// The message of a 429 on the log-in form (and the password-change form).
pub fn too_many_logins(ctx: &PageCtx) -> &'static str {
    ctx.t(
        "Terlalu banyak percobaan masuk yang gagal. Demi keamanan akun, tunggu 15 menit lalu coba lagi, atau buat kata sandi baru lewat \"Lupa kata sandi\".",
        "Too many failed log-in attempts. To keep the account safe, wait 15 minutes and try again, or choose a new password with \"Forgot password\".",
    )
}

/// `POST /masuk`: a new session id on success (no session fixation), the form
/// again with the e-mail kept on failure.
///
/// Failures are counted per typed address and per client IP
/// ([`rate_limit::LOGIN_PER_ACCOUNT`], [`rate_limit::LOGIN_PER_IP`]). Once
/// either is used up the answer is 429 *before* the password is checked, so a
/// correct guess during the lockout is refused like any other.
pub async fn login_submit(
    State(app): State<AppState>,
    ctx: PageCtx,
    csrf: Csrf,
    session: Session,
    ClientIp(ip): ClientIp,
    Form(input): Form<LoginInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    let typed = input.email.trim().to_owned();
    // The normalised address when it parses, so `Siti@X.id` and `siti@x.id`
    // share one counter; otherwise what was typed.
    let address = Email::parse(&typed).map_or_else(|_| typed.clone(), |e| e.as_str().to_owned());
    let account_key = limit_key(&app, &address);
    let ip_key = limit_key(&app, &ip);
    let form = |error: &str| -> AppResult<LoginForm> {
        Ok(LoginForm {
            email: typed.clone(),
            error: Some(error.to_owned()),
            csrf: csrf.token()?,
            next: next_path(input.lanjut.as_deref()),
        })
    };
    // Every attempt is counted before the password is checked (see
    // `rate_limit::attempt`); a correct password takes its count back below.
    let account_over = rate_limit::attempt(
        &app.db,
        app.clock.now(),
        rate_limit::LOGIN_PER_ACCOUNT,
        &account_key,
    )
    .await?;
    let ip_over =
        rate_limit::attempt(&app.db, app.clock.now(), rate_limit::LOGIN_PER_IP, &ip_key).await?;
    if account_over || ip_over {
        tracing::warn!("log-in refused: too many failures");
        let form = form(too_many_logins(&ctx))?;
        return Ok((StatusCode::TOO_MANY_REQUESTS, csrf.0, login(&ctx, &form)).into_response());
    }
    match accounts::authenticate(&app.db, &input.email, &input.password).await? {
        Some(acc) => {
            rate_limit::clear(&app.db, rate_limit::LOGIN_PER_ACCOUNT, &account_key).await?;
            rate_limit::forgive(&app.db, app.clock.now(), rate_limit::LOGIN_PER_IP, &ip_key)
                .await?;
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
            // An unverified resident lands where the notice and "send again" are.
            let next = next_path(input.lanjut.as_deref());
            let to = if !acc.email_verified {
                "/akun"
            } else if next.is_empty() {
                "/"
            } else {
                next.as_str()
            };
            Ok(Redirect::to(to).into_response())
        }
        None => {
            let form = form(ctx.t(
                "E-mail atau kata sandi salah.",
                "Wrong e-mail address or password.",
            ))?;
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
