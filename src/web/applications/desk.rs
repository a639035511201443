//! The kelurahan help desk: its page and the assisted start of an
//! application.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::acting;
use crate::app::AppState;
use crate::domain::form::{FieldErrors, FormData};
use crate::domain::role::Role;
use crate::domain::round::Msg;
use crate::error::AppResult;
use crate::services::ServiceError;
use crate::services::applications::{self as svc, StartDraft};
use crate::views::PageCtx;
use crate::views::applications as v;
use crate::web::{Csrf, CurrentUser};

async fn desk_page(
    app: &AppState,
    user: &CurrentUser,
    csrf: String,
    values: FormData,
    errors: FieldErrors,
) -> AppResult<v::DeskPage> {
    let scopes = (user.role == Role::Operator).then_some(user.scopes.as_slice());
    let (rounds, kelurahan) = svc::desk_choices(&app.db, scopes).await?;
    Ok(v::DeskPage {
        rounds,
        kelurahan,
        values,
        errors,
        csrf,
        idempotency_key: Uuid::new_v4().to_string(),
    })
}

/// `GET /meja-bantuan`: operators (and admins).
pub async fn desk(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
) -> AppResult<Response> {
    user.require(&[Role::Operator, Role::Admin])?;
    let page = desk_page(
        &app,
        &user,
        csrf.token()?,
        FormData::default(),
        FieldErrors::new(),
    )
    .await?;
    Ok((csrf.0, v::desk(&ctx, &page)).into_response())
}

/// `POST /meja-bantuan`: starts an assisted application.
pub async fn desk_start(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let data = FormData::from_pairs(pairs);
    csrf.verify(data.get("csrf"))?;
    user.require(&[Role::Operator, Role::Admin])?;
    // Unreadable choices are field errors on the same form, the other
    // choices kept, like every other refusal of this form.
    let mut errors = FieldErrors::new();
    let round_id = data.get("round_id").parse::<Uuid>().ok();
    if round_id.is_none() {
        errors.insert(
            "round_id".into(),
            Msg::new(
                "Pilih seleksi yang sedang membuka pendaftaran.",
                "Choose a round that is open for registration.",
            ),
        );
    }
    let kelurahan = data.get("kelurahan").trim();
    if kelurahan.is_empty() {
        errors.insert(
            "kelurahan".into(),
            Msg::new(
                "Pilih kelurahan tempat tinggal warga sesuai KTP.",
                "Choose the kelurahan where the resident lives, as on the KTP.",
            ),
        );
    }
    let rt = data.get("rt").trim().parse::<i32>().ok().filter(|n| *n > 0);
    if rt.is_none() {
        errors.insert(
            "rt".into(),
            Msg::new(
                "Isi nomor RT dengan angka, misalnya 7.",
                "Enter the RT number in digits, e.g. 7.",
            ),
        );
    }
    let res = match (round_id, rt) {
        (Some(round_id), Some(rt)) if errors.is_empty() => {
            svc::start_draft(
                &app.db,
                &app.vault,
                acting(&user),
                &StartDraft {
                    round_id,
                    kelurahan_code: kelurahan.to_owned(),
                    rt,
                    idempotency_key: data.get("idempotency_key").to_owned(),
                    formation_code: Some(data.get("formation").to_owned())
                        .filter(|c| !c.is_empty()),
                },
            )
            .await
        }
        _ => Err(ServiceError::Fields(errors)),
    };
    match res {
        Ok(id) => Ok(Redirect::to(&format!("/pendaftaran/{id}/formulir")).into_response()),
        Err(ServiceError::Fields(errors)) => {
            let page = desk_page(&app, &user, csrf.token()?, data, errors).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                csrf.0,
                v::desk(&ctx, &page),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
