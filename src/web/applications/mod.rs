//! Applications: the applicant portal (`/seleksi/{slug}/daftar`,
//! `/pendaftaran/{id}…`), the kelurahan help desk (`/meja-bantuan`), document
//! downloads (`/dokumen/{id}`) and the public status check (`/cek-status`).
//!
//! Handlers parse, call one service, render. A refused form comes back with
//! everything typed kept and each message next to its field; a success
//! redirects (303) so a reload never re-submits.

mod check;
mod desk;
mod form;
mod own;
mod receipt;
mod start;
pub use check::{
    CheckInput, STATUS_CHECK_PER_IP, StatusCheck, check, check_object, check_page, check_slip,
    status_check,
};
pub use desk::{desk, desk_start};
pub use form::{form_page, form_submit};
pub use own::{StatusQuery, WithdrawInput, document, status_page, withdraw};
pub use receipt::{ReissueInput, receipt, reissue_pin};
use receipt::{pin_receipt, to_receipt};
pub use start::{AreaQuery, StartInput, start, start_page};

use uuid::Uuid;

use super::CurrentUser;
use super::account::{ClientIp, limit_key};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::domain::round::Msg;
use crate::error::{AppError, AppResult};
use crate::services::applications::Acting;
use crate::services::rate_limit;
use crate::storage::FileStore;

/// Counts one uploaded file against [`rate_limit::UPLOADS_PER_ACCOUNT`] and
/// [`rate_limit::UPLOADS_PER_IP`] and tells whether it may be stored.
///
/// # Errors
/// Storage failures.
pub(crate) async fn upload_allowed(
    app: &AppState,
    account: Uuid,
    ip: &ClientIp,
) -> AppResult<bool> {
    let (by_account, by_ip) = (limit_key(app, &account.to_string()), limit_key(app, &ip.0));
    let over = rate_limit::attempts(
        &app.db,
        app.clock.now(),
        &[
            (rate_limit::UPLOADS_PER_ACCOUNT, &by_account),
            (rate_limit::UPLOADS_PER_IP, &by_ip),
        ],
    )
    .await?;
    Ok(!over.contains(&true))
}

/// The message next to a file refused by the upload throttle.
pub(crate) fn too_many_uploads() -> Msg {
    Msg::new(
        "Terlalu banyak berkas diunggah dalam waktu singkat. Berkas ini belum disimpan; tunggu beberapa menit lalu unggah lagi.",
        "Too many files uploaded in a short time. This file was not saved; wait a few minutes and upload it again.",
    )
}

fn acting(user: &CurrentUser) -> Acting<'_> {
    Acting {
        actor: user.actor(),
        scopes: &user.scopes,
    }
}

fn parse_id(raw: &str) -> AppResult<Uuid> {
    raw.parse().map_err(|_| AppError::NotFound)
}

fn store(app: &AppState) -> FileStore {
    app.files()
}

/// Applicants must have confirmed their e-mail; operators and admins act at
/// the help desk.
pub(crate) fn may_apply(user: &CurrentUser) -> AppResult<()> {
    match user.role {
        Role::Applicant => user.require_verified(),
        Role::Operator | Role::Admin => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}
