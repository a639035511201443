//! The public status check by registration number and PIN, as a page,
//! an API object and a slip, limited per client.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::app::AppState;
use crate::domain::registration::StatusPin;
use crate::domain::round::Msg;
use crate::error::{AppError, AppResult};
use crate::services::applications as svc;
use crate::services::rate_limit::{self, Limit};
use crate::views::PageCtx;
use crate::views::applications as v;
use crate::web::Csrf;
use crate::web::account::{ClientIp, limit_key};

/// Status checks per client IP (number + PIN guessing).
pub const STATUS_CHECK_PER_IP: Limit = Limit {
    name: "status_check_ip",
    max: 10,
    window_secs: 15 * 60,
};

/// `GET /cek-status`.
pub async fn check_page(ctx: PageCtx) -> maud::Markup {
    v::check(&ctx, &v::CheckPage::default())
}

/// Fields of the status check.
#[derive(serde::Deserialize)]
pub struct CheckInput {
    #[serde(default)]
    number: String,
    #[serde(default)]
    pin: String,
}

/// `POST /cek-status`: number + PIN, rate-limited per client IP. No CSRF
/// check: it changes nothing. The page it shows carries the token of the
/// objection form.
pub async fn check(
    State(app): State<AppState>,
    ctx: PageCtx,
    csrf: Csrf,
    ClientIp(ip): ClientIp,
    Form(input): Form<CheckInput>,
) -> AppResult<Response> {
    let number = input.number.trim().to_owned();
    if number.is_empty() || input.pin.trim().is_empty() {
        // Nothing to look up: ask for both, without spending an attempt.
        let page = v::CheckPage {
            number,
            pin: String::new(),
            result: None,
            error: Some(Msg::new(
                "Isi nomor pendaftaran dan PIN yang tertera pada tanda terima.",
                "Enter the registration number and the PIN printed on the receipt.",
            )),
            ..v::CheckPage::default()
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, v::check(&ctx, &page)).into_response());
    }
    let found = match status_check(&app, &ip, &number, &input.pin).await? {
        StatusCheck::Limited => {
            let page = v::check(
                &ctx,
                &v::CheckPage {
                    number,
                    pin: String::new(),
                    result: None,
                    error: Some(Msg::new(
                        "Terlalu banyak percobaan. Tunggu 15 menit lalu coba lagi.",
                        "Too many attempts. Wait 15 minutes and try again.",
                    )),
                    ..v::CheckPage::default()
                },
            );
            return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
        }
        StatusCheck::Found(r) => Some(r),
        StatusCheck::NoMatch => None,
    };
    let (status, page) = match found {
        Some(r) => (
            StatusCode::OK,
            v::CheckPage {
                number,
                pin: input.pin.trim().to_owned(),
                result: Some(r),
                error: None,
                idempotency_key: Uuid::new_v4().to_string(),
                csrf: csrf.token()?,
                ..v::CheckPage::default()
            },
        ),
        None => (
            StatusCode::NOT_FOUND,
            v::CheckPage {
                number,
                pin: String::new(),
                result: None,
                error: Some(Msg::new(
                    "Nomor pendaftaran atau PIN tidak cocok.",
                    "The registration number or PIN does not match.",
                )),
                ..v::CheckPage::default()
            },
        ),
    };
    Ok((status, csrf.0, v::check(&ctx, &page)).into_response())
}

/// The fields of an objection filed with number + PIN (`contested` repeats).
fn pairs_get(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

/// `POST /cek-status/sanggahan`: a resident of an assisted application files
/// an objection, against the published result in the round's window or
/// against a stage shortlist in that shortlist's window (the service tells
/// which), with the registration number and status PIN, checked again here
/// and rate-limited like the status check. The PIN is the credential; the
/// form's CSRF token (bound to no session) makes sure the form is this
/// site's own.
pub async fn check_object(
    State(app): State<AppState>,
    ctx: PageCtx,
    csrf: Csrf,
    ClientIp(ip): ClientIp,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    csrf.verify(&pairs_get(&pairs, "csrf"))?;
    let number = pairs_get(&pairs, "number");
    let pin = pairs_get(&pairs, "pin");
    let grounds = pairs_get(&pairs, "grounds");
    let key = pairs_get(&pairs, "idempotency_key");
    let contested: Vec<String> = pairs
        .iter()
        .filter(|(n, _)| n == "contested")
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    let found = match status_check(&app, &ip, &number, &pin).await? {
        StatusCheck::Limited => return Err(AppError::TooManyRequests),
        StatusCheck::NoMatch => return Err(AppError::NotFound),
        StatusCheck::Found(r) => r,
    };
    let filed = crate::services::objections::file_as(
        &app.db,
        crate::services::objections::Filer::StatusPin,
        found.application_id,
        crate::services::objections::Filing {
            grounds: &grounds,
            contested: &contested,
            attachment: None,
            idempotency_key: &key,
        },
        app.clock.now(),
    )
    .await;
    let (status, objection_error) = match filed {
        Ok(_) => (StatusCode::OK, None),
        Err(crate::services::ServiceError::Invalid(m)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, Some(m))
        }
        Err(crate::services::ServiceError::Conflict(m)) => (StatusCode::CONFLICT, Some(m)),
        Err(e) => return Err(e.into()),
    };
    // Read again so the page shows the objection just filed.
    let result = match StatusPin::parse(&pin) {
        Ok(p) => svc::check_status(&app.db, &app.vault, number.trim(), &p, app.clock.now()).await?,
        Err(_) => None,
    };
    let ok = objection_error.is_none();
    let page = v::CheckPage {
        number,
        pin: pin.trim().to_owned(),
        result,
        error: None,
        grounds: if ok { String::new() } else { grounds },
        contested: if ok { Vec::new() } else { contested },
        objection_error,
        filed: ok,
        idempotency_key: if ok { Uuid::new_v4().to_string() } else { key },
        csrf: csrf.token()?,
    };
    Ok((status, csrf.0, v::check(&ctx, &page)).into_response())
}

/// `POST /cek-status/sanggahan/cetak`: the printable objection slip, by
/// number + PIN.
pub async fn check_slip(
    State(app): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    Form(input): Form<CheckInput>,
) -> AppResult<Response> {
    match status_check(&app, &ip, &input.number, &input.pin).await? {
        StatusCheck::Limited => Err(AppError::TooManyRequests),
        StatusCheck::NoMatch => Err(AppError::NotFound),
        StatusCheck::Found(r) => Ok(v::objection_slip(&ctx, &r).into_response()),
    }
}

/// What a public status check found.
#[derive(Debug)]
pub enum StatusCheck {
    /// Too many failed checks from this client; nothing was looked up.
    Limited,
    /// The number and PIN match.
    Found(svc::PublicStatus),
    /// No such pair (which part is wrong is never told); counted against the limit.
    NoMatch,
}

/// The status check shared by `POST /cek-status` and
/// `POST /api/v1/status-check`: one rate limit per client IP
/// ([`STATUS_CHECK_PER_IP`]), failures counted, a malformed PIN treated like
/// a wrong one.
///
/// # Errors
/// Storage failures.
pub async fn status_check(
    app: &AppState,
    ip: &str,
    number: &str,
    pin: &str,
) -> AppResult<StatusCheck> {
    let key = limit_key(app, ip);
    // Counted before the PIN is checked so that parallel guesses cannot all
    // slip under the limit; a match takes its count back.
    if rate_limit::attempt(&app.db, app.clock.now(), STATUS_CHECK_PER_IP, &key).await? {
        return Ok(StatusCheck::Limited);
    }
    let found = match StatusPin::parse(pin) {
        Ok(pin) => {
            svc::check_status(&app.db, &app.vault, number.trim(), &pin, app.clock.now()).await?
        }
        Err(_) => None,
    };
    match found {
        Some(r) => {
            rate_limit::forgive(&app.db, app.clock.now(), STATUS_CHECK_PER_IP, &key).await?;
            Ok(StatusCheck::Found(r))
        }
        None => Ok(StatusCheck::NoMatch),
    }
}
