//! Receipts for applicants: from their status page (signed in) or after a
//! public status check (registration number and PIN).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;

use super::CurrentUser;
use super::account::ClientIp;
use super::applications::{StatusCheck, status_check};
use crate::app::AppState;
use crate::domain::round::Msg;
use crate::error::{AppError, AppResult};
use crate::services::applications::{self as apps, Acting};
use crate::services::receipts;
use crate::views::PageCtx;
use crate::views::receipts::{self as v, Fetch, ReceiptsPage};

/// The registration number of an application the user may read.
async fn owned_number(app: &AppState, user: &CurrentUser, id: &str) -> AppResult<String> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let acting = Acting {
        actor: user.actor(),
        scopes: &user.scopes,
    };
    let view = apps::load(&app.db, &app.vault, acting, id).await?;
    view.application.registration_no.ok_or(AppError::NotFound)
}

fn file(registration_no: &str, seq: i64, text: String) -> Response {
    let name = format!(
        "bukti-{}-{seq}.tlog-proof",
        registration_no.replace(['/', '"', '\\'], "-")
    );
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    )
        .into_response()
}

/// `GET /pendaftaran/{id}/bukti`.
pub async fn list(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Markup> {
    let number = owned_number(&app, &user, &id).await?;
    let rows = receipts::list(&app, &number).await?;
    Ok(v::page(
        &ctx,
        &ReceiptsPage {
            registration_no: number,
            rows,
            fetch: Fetch::Link {
                base: format!("/pendaftaran/{id}/bukti"),
            },
        },
    ))
}

/// `GET /pendaftaran/{id}/bukti/{seq}`: the `.tlog-proof` file.
pub async fn download(
    State(app): State<AppState>,
    user: CurrentUser,
    Path((id, seq)): Path<(String, i64)>,
) -> AppResult<Response> {
    let number = owned_number(&app, &user, &id).await?;
    let text = receipts::receipt(&app, &number, seq).await?;
    Ok(file(&number, seq, text))
}

/// Fields of the public receipts form.
#[derive(serde::Deserialize)]
pub struct PublicInput {
    #[serde(default)]
    number: String,
    #[serde(default)]
    pin: String,
    seq: Option<i64>,
}

/// `POST /cek-status/bukti`: number and PIN (rate-limited like the status
/// check); with `seq`, the receipt file, otherwise the list.
pub async fn public(
    State(app): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    Form(input): Form<PublicInput>,
) -> AppResult<Response> {
    let status = match status_check(&app, &ip, &input.number, &input.pin).await? {
        StatusCheck::Found(s) => s,
        StatusCheck::Limited => return Err(AppError::TooManyRequests),
        StatusCheck::NoMatch => {
            return Err(AppError::Refused(Msg::new(
                "Nomor pendaftaran atau PIN tidak cocok.",
                "The registration number or PIN does not match.",
            )));
        }
    };
    let number = status.registration_no;
    if let Some(seq) = input.seq {
        let text = receipts::receipt(&app, &number, seq).await?;
        return Ok(file(&number, seq, text));
    }
    let rows = receipts::list(&app, &number).await?;
    let page = v::page(
        &ctx,
        &ReceiptsPage {
            registration_no: number.clone(),
            rows,
            fetch: Fetch::Form {
                number,
                pin: input.pin.trim().to_owned(),
            },
        },
    );
    Ok((StatusCode::OK, page).into_response())
}
