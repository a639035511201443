//! A resident's own account: registration, e-mail verification, forgotten
//! password, the account page and password change.
//!
//! Handlers parse the form, apply the throttles of
//! [`crate::services::rate_limit`], call one service and render. Every refused
//! form comes back with each message next to its field, in the page's
//! language, and with everything typed except passwords.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::account::{AccountError, Email, check_new_password};
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::mail::Mailbox;
use crate::services::rate_limit::{self, Limit};
use crate::services::self_service::{self, BadToken, ChangeRefused, Registration};
use crate::views::PageCtx;
use crate::views::account::{
    AccountView, ForgotForm, MessageView, RegisterForm, ResetForm, account, forgot, message,
    register, reset,
};

/// The rate-limit subject used when the peer address is unknown (in-process
/// tests, or a server started without `into_make_service_with_connect_info`).
pub const UNKNOWN_PEER: &str = "unknown-peer";

/// The client's address as a rate-limit subject.
///
/// Taken from the TCP peer (`ConnectInfo`). `X-Forwarded-For` is believed only
/// when the peer is one of `--trusted-proxies`: otherwise any client could set
/// it and dodge the per-IP throttle. Behind a proxy that is not declared,
/// every client shares the proxy's address (the per-address limits still
/// hold). IPv6 clients are grouped by their /64, which one subscriber usually
/// holds whole.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(peer.map_or_else(
            || UNKNOWN_PEER.to_owned(),
            |peer| {
                ip_subject(client_ip(
                    peer,
                    &parts.headers,
                    &state.config.trusted_proxies,
                ))
            },
        )))
    }
}

/// The client behind `peer`: the right-most `X-Forwarded-For` hop that is not
/// itself a trusted proxy, when `peer` is one; `peer` otherwise. A malformed hop
/// stops the walk at the last address that is known to be genuine.
fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else { break };
        client = ip;
        if !trusted.contains(&ip) {
            break;
        }
    }
    client
}

fn ip_subject(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The throttle key for `subject` (an address, an IP, an account id).
pub(crate) fn limit_key(app: &AppState, subject: &str) -> String {
    rate_limit::subject_key(&app.derive_key("rate-limit"), subject)
}

/// Counts one event and tells whether it went over `limit`.
async fn over(app: &AppState, limit: Limit, subject: &str) -> AppResult<bool> {
    Ok(rate_limit::attempt(&app.db, app.clock.now(), limit, &limit_key(app, subject)).await?)
}

fn form_token(csrf: &Csrf) -> AppResult<String> {
    csrf.token()
}

/// Parses a typed address that the mailer can also deliver to: `Email::parse`
/// is deliberately lenient (`siti"@contoh.id` passes it), and a mail queued
/// for an address the SMTP layer refuses would fail the whole use case.
fn parse_mailable(ctx: &PageCtx, typed: &str) -> Result<Email, String> {
    let email = Email::parse(typed).map_err(|e| e.message(ctx.lang).to_owned())?;
    if email.as_str().parse::<Mailbox>().is_err() {
        return Err(AccountError::BadEmail.message(ctx.lang).to_owned());
    }
    Ok(email)
}

/// Checks a new password and its repetition; the errors for both fields.
fn new_password_errors(
    ctx: &PageCtx,
    password: &str,
    confirm: &str,
) -> (Option<String>, Option<String>) {
    if password.is_empty() {
        return (
            Some(
                ctx.t("Kata sandi wajib diisi.", "Please choose a password.")
                    .into(),
            ),
            None,
        );
    }
    if let Err(e) = check_new_password(password) {
        return (Some(e.message(ctx.lang).into()), None);
    }
    if password != confirm {
        return (
            None,
            Some(
                ctx.t(
                    "Kedua kata sandi tidak sama. Ketik ulang.",
                    "The two passwords differ. Type them again.",
                )
                .into(),
            ),
        );
    }
    (None, None)
}

fn role_label(ctx: &PageCtx, role: Role) -> String {
    let (id, en) = match role {
        Role::Applicant => ("Pendaftar", "Applicant"),
        Role::Operator => ("Operator kelurahan", "Kelurahan operator"),
        Role::Panelist => ("Tim penilai", "Panelist"),
        Role::Admin => ("Admin kota", "City administrator"),
        Role::Auditor => ("Auditor", "Auditor"),
    };
    ctx.t(id, en).to_owned()
}

/// A form with only the CSRF field.
#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// The `?token=` of a one-time link.
#[derive(serde::Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

// ---------------------------------------------------------------- register

/// `GET /daftar`.
pub async fn register_page(ctx: PageCtx, csrf: Csrf) -> AppResult<Response> {
    if ctx.signed_in.is_some() {
        return Ok(Redirect::to("/akun").into_response());
    }
    let form = RegisterForm {
        csrf: form_token(&csrf)?,
        ..Default::default()
    };
    Ok((csrf.0, register(&ctx, &form)).into_response())
}

/// Fields of the registration form.
#[derive(serde::Deserialize)]
pub struct RegisterInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// Longest accepted name, in characters.
const NAME_MAX: usize = 120;

/// `POST /daftar`: creates an unverified applicant and mails the link, or
/// shows the form again with its errors. The answer to a valid form is the
/// same whether or not the address already has an account.
pub async fn register_submit(
    State(app): State<AppState>,
    ctx: PageCtx,
    csrf: Csrf,
    ClientIp(ip): ClientIp,
    Form(input): Form<RegisterInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    let name = input.name.trim().to_owned();
    let mut form = RegisterForm {
        csrf: form_token(&csrf)?,
        name: name.clone(),
        email: input.email.trim().to_owned(),
        ..Default::default()
    };
    if name.is_empty() {
        form.name_error = Some(ctx.t("Nama wajib diisi.", "Please enter your name.").into());
    } else if name.chars().count() > NAME_MAX {
        form.name_error = Some(
            ctx.t(
                "Nama maksimal 120 karakter.",
                "The name must be at most 120 characters.",
            )
            .into(),
        );
    } else if name.chars().any(char::is_control) {
        form.name_error = Some(
            ctx.t(
                "Nama tidak boleh berisi karakter kontrol.",
                "The name must not contain control characters.",
            )
            .into(),
        );
    }
    let email = match parse_mailable(&ctx, &input.email) {
        Ok(e) => Some(e),
        Err(message) => {
            form.email_error = Some(message);
            None
        }
    };
    (form.password_error, form.confirm_error) =
        new_password_errors(&ctx, &input.password, &input.password_confirm);
    let invalid =
        form.name_error.is_some() || form.password_error.is_some() || form.confirm_error.is_some();
    let Some(email) = email.filter(|_| !invalid) else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            csrf.0,
            register(&ctx, &form),
        )
            .into_response());
    };

    if over(&app, rate_limit::REGISTER_PER_IP, &ip).await?
        || over(&app, rate_limit::REGISTER_PER_EMAIL, email.as_str()).await?
    {
        form.alert = Some(
            ctx.t(
                "Terlalu banyak pendaftaran dalam waktu singkat. Periksa e-mail Anda (juga folder Spam), atau coba lagi dalam 1 jam.",
                "Too many registrations in a short time. Check your e-mail (the Spam folder too), or try again in 1 hour.",
            )
            .into(),
        );
        return Ok((StatusCode::TOO_MANY_REQUESTS, csrf.0, register(&ctx, &form)).into_response());
    }

    let mail = app.mail();
    self_service::register(
        &app.db,
        mail,
        Registration {
            name,
            email: email.clone(),
            password: input.password,
            lang: ctx.lang,
        },
    )
    .await?;
    let view = MessageView {
        title: ctx.t("Periksa e-mail Anda", "Check your e-mail").into(),
        text: format!(
            "{} {email}. {}",
            ctx.t("Kami mengirim tautan konfirmasi ke", "We sent a confirmation link to"),
            ctx.t(
                "Buka tautan itu dalam 48 jam untuk mengaktifkan akun (periksa juga folder Spam), lalu masuk. Jika alamat ini sudah punya akun, e-mail itu menjelaskan cara masuk kembali.",
                "Open it within 48 hours to activate the account (check the Spam folder too), then log in. If this address already has an account, that e-mail explains how to get back in.",
            )
        ),
        next: Some(("/masuk".into(), ctx.t("Masuk", "Log in").into())),
        problem: false,
    };
    Ok(message(&ctx, &view).into_response())
}

// ---------------------------------------------------------- verify e-mail

/// `GET /verifikasi-email?token=…`: the link in the verification mail. A GET
/// with an effect, because a mail link must work with one tap; the token is
/// the proof, so no CSRF token is needed (and a mail scanner that opens the
/// link only proves the mailbox received it).
pub async fn verify_email(
    State(app): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    let next = if ctx.signed_in.is_some() {
        (
            "/akun".to_owned(),
            ctx.t("Ke akun saya", "Go to my account").to_owned(),
        )
    } else {
        ("/masuk".to_owned(), ctx.t("Masuk", "Log in").to_owned())
    };
    match self_service::verify_email(&app.db, &q.token).await? {
        Ok(_) => {
            let view = MessageView {
                title: ctx.t("E-mail terkonfirmasi", "E-mail confirmed").into(),
                text: ctx
                    .t(
                        "Terima kasih. Alamat e-mail Anda sudah dikonfirmasi; kini Anda dapat mengajukan lamaran.",
                        "Thank you. Your e-mail address is confirmed; you can now apply.",
                    )
                    .into(),
                next: Some(next),
                problem: false,
            };
            Ok(message(&ctx, &view).into_response())
        }
        Err(bad) => {
            let hint = ctx.t(
                "Masuk lalu pilih \"Kirim ulang tautan konfirmasi\" di halaman Akun saya.",
                "Log in and choose \"Send the confirmation link again\" on My account.",
            );
            let view = MessageView {
                title: ctx
                    .t("Tautan tidak dapat dipakai", "This link cannot be used")
                    .into(),
                text: format!("{} {hint}", bad.message(ctx.lang)),
                next: Some(next),
                problem: true,
            };
            Ok((StatusCode::BAD_REQUEST, message(&ctx, &view)).into_response())
        }
    }
}

/// `POST /verifikasi-email/kirim-ulang`: a new verification link, at most
/// [`rate_limit::RESEND_PER_ACCOUNT`] an hour.
pub async fn resend_verification(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Form(input): Form<CsrfOnly>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    if over(&app, rate_limit::RESEND_PER_ACCOUNT, &user.id.to_string()).await? {
        let mut view = account_view(&app, &ctx, &csrf, &user).await?;
        view.alert = Some(
            ctx.t(
                "Tautan sudah dikirim beberapa kali. Periksa e-mail Anda (juga folder Spam), atau coba lagi dalam 1 jam.",
                "The link was already sent several times. Check your e-mail (the Spam folder too), or try again in 1 hour.",
            )
            .into(),
        );
        return Ok((StatusCode::TOO_MANY_REQUESTS, csrf.0, account(&ctx, &view)).into_response());
    }
    let mail = app.mail();
    let sent = self_service::resend_verification(&app.db, mail, user.id).await?;
    Ok(Redirect::to(if sent {
        "/akun?pesan=tautan-terkirim"
    } else {
        "/akun"
    })
    .into_response())
}

// ------------------------------------------------------- forgot / reset

/// `GET /lupa-sandi`.
pub async fn forgot_page(ctx: PageCtx, csrf: Csrf) -> AppResult<Response> {
    let form = ForgotForm {
        csrf: form_token(&csrf)?,
        ..Default::default()
    };
    Ok((csrf.0, forgot(&ctx, &form)).into_response())
}

/// Fields of the forgotten-password form.
#[derive(serde::Deserialize)]
pub struct ForgotInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// `POST /lupa-sandi`: always the same answer for a well-formed address,
/// registered or not. More than [`rate_limit::RESET_PER_ACCOUNT`] requests
/// for one address in an hour answer 429 (counted per typed address, so the
/// 429 tells nothing about whether it is registered).
pub async fn forgot_submit(
    State(app): State<AppState>,
    ctx: PageCtx,
    csrf: Csrf,
    ClientIp(ip): ClientIp,
    Form(input): Form<ForgotInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    let mut form = ForgotForm {
        csrf: form_token(&csrf)?,
        email: input.email.trim().to_owned(),
        ..Default::default()
    };
    let email = match parse_mailable(&ctx, &input.email) {
        Ok(e) => e,
        Err(message) => {
            form.email_error = Some(message);
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                csrf.0,
                forgot(&ctx, &form),
            )
                .into_response());
        }
    };
    if over(&app, rate_limit::RESET_PER_IP, &ip).await?
        || over(&app, rate_limit::RESET_PER_ACCOUNT, email.as_str()).await?
    {
        form.alert = Some(too_many_resets(&ctx).into());
        return Ok((StatusCode::TOO_MANY_REQUESTS, csrf.0, forgot(&ctx, &form)).into_response());
    }
    let mail = app.mail();
    self_service::request_password_reset(&app.db, mail, &email).await?;
    let view = MessageView {
        title: ctx.t("Periksa e-mail Anda", "Check your e-mail").into(),
        text: format!(
            "{} {email}, {}",
            ctx.t("Jika ada akun dengan alamat", "If there is an account for"),
            ctx.t(
                "kami sudah mengirim tautan untuk membuat kata sandi baru. Tautan berlaku 1 jam dan hanya sekali pakai. Periksa juga folder Spam.",
                "we have sent a link to choose a new password. It is valid for 1 hour and works once. Check the Spam folder too.",
            )
        ),
        next: Some(("/masuk".into(), ctx.t("Kembali ke halaman masuk", "Back to log in").into())),
        problem: false,
    };
    Ok(message(&ctx, &view).into_response())
}

fn too_many_resets(ctx: &PageCtx) -> &'static str {
    ctx.t(
        "Terlalu banyak permintaan atur ulang kata sandi. Tautan yang sudah dikirim tetap berlaku; periksa e-mail Anda (juga folder Spam), atau coba lagi dalam 1 jam.",
        "Too many password reset requests. Links already sent still work; check your e-mail (the Spam folder too), or try again in 1 hour.",
    )
}

fn bad_link_page(ctx: &PageCtx, bad: BadToken) -> Response {
    let view = MessageView {
        title: ctx
            .t("Tautan tidak dapat dipakai", "This link cannot be used")
            .into(),
        text: bad.message(ctx.lang).into(),
        next: Some((
            "/lupa-sandi".into(),
            ctx.t("Minta tautan baru", "Ask for a new link").into(),
        )),
        problem: true,
    };
    (StatusCode::BAD_REQUEST, message(ctx, &view)).into_response()
}

/// `GET /atur-ulang-sandi?token=…`: the new-password form. Opening the link
/// does not spend it (mail scanners open links too); saving does.
pub async fn reset_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    csrf: Csrf,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    if let Err(bad) =
        self_service::peek_token(&app.db, &q.token, self_service::PURPOSE_RESET).await?
    {
        return Ok(bad_link_page(&ctx, bad));
    }
    let form = ResetForm {
        csrf: form_token(&csrf)?,
        token: q.token.trim().to_owned(),
        ..Default::default()
    };
    Ok((csrf.0, reset(&ctx, &form)).into_response())
}

/// Fields of the new-password form.
#[derive(serde::Deserialize)]
pub struct ResetInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// `POST /atur-ulang-sandi`: stores the new password and ends every session
/// of the account.
pub async fn reset_submit(
    State(app): State<AppState>,
    ctx: PageCtx,
    csrf: Csrf,
    Form(input): Form<ResetInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    let (password_error, confirm_error) =
        new_password_errors(&ctx, &input.password, &input.password_confirm);
    if password_error.is_some() || confirm_error.is_some() {
        let form = ResetForm {
            csrf: form_token(&csrf)?,
            token: input.token.trim().to_owned(),
            password_error,
            confirm_error,
            alert: None,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, csrf.0, reset(&ctx, &form)).into_response());
    }
    match self_service::reset_password(&app.db, &input.token, input.password).await? {
        Err(bad) => Ok(bad_link_page(&ctx, bad)),
        Ok(done) => {
            // The owner proved the mailbox: their own earlier typos must not
            // keep them out for the rest of the window.
            rate_limit::clear(
                &app.db,
                rate_limit::LOGIN_PER_ACCOUNT,
                &limit_key(&app, &done.email),
            )
            .await?;
            let view = MessageView {
                title: ctx.t("Kata sandi tersimpan", "Password saved").into(),
                text: ctx
                    .t(
                        "Kata sandi baru Anda tersimpan dan semua perangkat telah dikeluarkan dari akun ini. Silakan masuk dengan kata sandi baru.",
                        "Your new password is saved and every device was signed out of this account. Please log in with the new password.",
                    )
                    .into(),
                next: Some(("/masuk".into(), ctx.t("Masuk", "Log in").into())),
                problem: false,
            };
            Ok(message(&ctx, &view).into_response())
        }
    }
}

// ----------------------------------------------------------- account page

pub(crate) async fn account_view(
    app: &AppState,
    ctx: &PageCtx,
    csrf: &Csrf,
    user: &CurrentUser,
) -> AppResult<AccountView> {
    let s = self_service::summary(&app.db, user.id).await?;
    Ok(AccountView {
        csrf: form_token(csrf)?,
        name: s.name,
        email: s.email,
        role_label: role_label(ctx, s.role),
        email_verified: s.email_verified,
        conflict_data: s.role == Role::Panelist,
        applications: s.applications,
        tokens: crate::views::api_tokens::TokensView {
            rows: crate::services::api_tokens::list(&app.db, app.clock.now(), user.id).await?,
            ..Default::default()
        },
        erasure: crate::services::erasure::of_account(&app.db, user.id).await?,
        ..Default::default()
    })
}

/// The `?pesan=` confirmation after a redirect.
#[derive(serde::Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    pesan: String,
}

/// `GET /akun`.
pub async fn account_page(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    Query(q): Query<AccountQuery>,
) -> AppResult<Response> {
    let mut view = account_view(&app, &ctx, &csrf, &user).await?;
    view.notice = match q.pesan.as_str() {
        "tautan-terkirim" => Some(
            ctx.t(
                "Tautan konfirmasi baru sudah dikirim. Tautan lama tetap berlaku sampai kedaluwarsa.",
                "A new confirmation link was sent. Older links keep working until they expire.",
            )
            .into(),
        ),
        "hapus-diajukan" => Some(
            ctx.t(
                "Permintaan penghapusan data dicatat. Anda akan menerima e-mail setelah admin memutusnya.",
                "The erasure request was recorded. You will receive an e-mail once an administrator decides it.",
            )
            .into(),
        ),
        "sandi-diganti" => Some(
            ctx.t(
                "Kata sandi diganti. Perangkat lain telah dikeluarkan dari akun ini.",
                "Password changed. Other devices were signed out of this account.",
            )
            .into(),
        ),
        _ => None,
    };
    Ok((csrf.0, account(&ctx, &view)).into_response())
}

/// Fields of the password-change form.
#[derive(serde::Deserialize)]
pub struct ChangeInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// `POST /akun/sandi`: checks the current password (throttled like a log-in,
/// so a borrowed session cannot guess it), stores the new one and ends every
/// other session of the account.
pub async fn change_password(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    csrf: Csrf,
    session: Session,
    Form(input): Form<ChangeInput>,
) -> AppResult<Response> {
    csrf.verify(&input.csrf)?;
    let mut view = account_view(&app, &ctx, &csrf, &user).await?;
    let throttle_key = limit_key(&app, &view.email);
    if input.current_password.is_empty() {
        view.current_error = Some(
            ctx.t(
                "Tulis kata sandi Anda sekarang.",
                "Enter your current password.",
            )
            .into(),
        );
    }
    (view.new_error, view.confirm_error) =
        new_password_errors(&ctx, &input.password, &input.password_confirm);
    if view.current_error.is_some() || view.new_error.is_some() || view.confirm_error.is_some() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            csrf.0,
            account(&ctx, &view),
        )
            .into_response());
    }
    if rate_limit::attempt(
        &app.db,
        app.clock.now(),
        rate_limit::LOGIN_PER_ACCOUNT,
        &throttle_key,
    )
    .await?
    {
        view.alert = Some(super::auth::too_many_logins(&ctx).into());
        return Ok((StatusCode::TOO_MANY_REQUESTS, csrf.0, account(&ctx, &view)).into_response());
    }
    let current_session = session.id().map(|id| id.to_string());
    match self_service::change_password(
        &app.db,
        user.id,
        current_session.as_deref(),
        &input.current_password,
        input.password,
    )
    .await?
    {
        Ok(()) => {
            rate_limit::forgive(
                &app.db,
                app.clock.now(),
                rate_limit::LOGIN_PER_ACCOUNT,
                &throttle_key,
            )
            .await?;
            Ok(Redirect::to("/akun?pesan=sandi-diganti").into_response())
        }
        Err(ChangeRefused::WrongCurrentPassword) => {
            view.current_error = Some(
                ctx.t(
                    "Kata sandi sekarang salah.",
                    "The current password is wrong.",
                )
                .into(),
            );
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                csrf.0,
                account(&ctx, &view),
            )
                .into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_grouped_by_their_slash_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        assert_eq!(ip_subject(a), ip_subject(b));
        let v4: IpAddr = "::ffff:10.1.2.3".parse().expect("ip");
        assert_eq!(ip_subject(v4), "10.1.2.3");
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().expect("ip");
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "1.2.3.4, 203.0.113.7".parse().expect("hv"),
        );
        let stranger: IpAddr = "198.51.100.1".parse().expect("ip");
        assert_eq!(
            client_ip(stranger, &h, &[proxy]),
            stranger,
            "spoofed header ignored"
        );
        assert_eq!(client_ip(proxy, &h, &[]), proxy, "no proxy declared");
        let client: IpAddr = "203.0.113.7".parse().expect("ip");
        assert_eq!(
            client_ip(proxy, &h, &[proxy]),
            client,
            "right-most hop, not the forgeable left"
        );
        h.insert("x-forwarded-for", "bukan-ip".parse().expect("hv"));
        assert_eq!(client_ip(proxy, &h, &[proxy]), proxy);
    }
}
