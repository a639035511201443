//! Applications: a draft, its fields, documents and
//! declarations, submission with its registration number and receipt mail,
//! withdrawal, and the assisted registration an operator makes for a resident
//! without an account.
//!
//! Each public function that changes state is one use case: one
//! [`begin_write`] transaction with its audit events (ids and registration
//! numbers only, never personal data) and, for a submission, its mail.
//!
//! The module is split by concern: [`draft`] starts and saves a draft and
//! attaches its documents, [`form`] does the form's POST (save, attach,
//! submit) as one transaction, [`fields`] checks the form's values without the
//! database, [`submit`] submits it and reissues a status PIN, [`withdraw`]
//! withdraws it and [`read`] shows it. The steps every use case shares live
//! here.

mod draft;
mod fields;
mod form;
mod read;
mod submit;
mod withdraw;

pub use draft::{
    StartDraft, Upload, accepts_applications, attach_document, save_draft, start_draft,
};
pub use fields::{
    FIELD_NAMES, Fields, SaveOutcome, submitted_warning_messages, warning_message, warning_messages,
};
pub use form::{FormOutcome, FormPost, save_form};
pub use read::{
    ApplicationView, Area, CheckLine, OwnApplication, PublicStatus, Timeline, areas, check_status,
    desk_choices, document_for, domicile_areas, formation_choices, load, own, own_ids,
    own_in_round, published_round, timeline,
};
pub use submit::{Submitted, reissue_pin, submit};
pub use withdraw::{can_withdraw, withdraw};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ServiceError;
use crate::db::audit::Actor;
use crate::db::entities::{application, formation_rt, idempotency_key, requirement, round, rt};
use crate::domain::application::ApplicationState;
use crate::domain::nik::Nik;
use crate::domain::role::Role;
use crate::domain::round::Msg;
use crate::domain::text::plain_text;
use crate::pii::NikVault;

pub use crate::domain::application::MAX_LONG_TEXT;

fn refuse_form(id: impl Into<String>, en: impl Into<String>) -> ServiceError {
    ServiceError::form(Msg::new(id, en))
}

fn refuse_field(name: &str, id: impl Into<String>, en: impl Into<String>) -> ServiceError {
    ServiceError::field(name, Msg::new(id, en))
}

/// Who is acting, with the kelurahan codes an operator covers.
#[derive(Clone, Copy, Debug)]
pub struct Acting<'a> {
    /// The audit actor (always an account here).
    pub actor: Actor,
    /// The operator's kelurahan codes; empty for other roles.
    pub scopes: &'a [String],
}

impl Acting<'_> {
    fn account(&self) -> Option<(Uuid, Role)> {
        match self.actor {
            Actor::Account { id, role } => Some((id, role)),
            Actor::System => None,
        }
    }

    fn covers(&self, kelurahan: Option<&str>) -> bool {
        kelurahan.is_some_and(|k| self.scopes.iter().any(|s| s == k))
    }

    /// Whether the caller may change `a`: its own applicant, or for an
    /// assisted application an operator covering its kelurahan (or an admin).
    #[must_use]
    pub fn may_edit(&self, a: &impl Whose) -> bool {
        match self.account() {
            Some((id, Role::Applicant)) => a.account_id() == Some(id),
            Some((_, Role::Operator)) => {
                a.account_id().is_none() && self.covers(a.kelurahan_code())
            }
            Some((_, Role::Admin)) => a.account_id().is_none(),
            _ => false,
        }
    }

    /// Whether the caller may issue a new status PIN for `a`: a submitted
    /// assisted application, by an operator covering its kelurahan or an admin.
    #[must_use]
    pub fn may_reissue_pin(&self, a: &impl Whose) -> bool {
        a.account_id().is_none() && a.is_submitted() && self.may_edit(a)
    }

    /// Whether the caller may read `a` and its documents.
    #[must_use]
    pub fn may_read(&self, a: &impl Whose) -> bool {
        match self.account() {
            Some((id, Role::Applicant)) => a.account_id() == Some(id),
            Some((_, Role::Operator)) => self.covers(a.kelurahan_code()),
            Some((_, Role::Admin | Role::Auditor)) => true,
            _ => false,
        }
    }
}

/// What decides who may act on an application, read from the stored row in
/// a use case and from its record on a page alike.
pub trait Whose {
    /// The applicant's account; `None` for an assisted application.
    fn account_id(&self) -> Option<Uuid>;
    /// Its kelurahan.
    fn kelurahan_code(&self) -> Option<&str>;
    /// Whether it was given a registration number.
    fn is_submitted(&self) -> bool;
}

impl Whose for application::Model {
    fn account_id(&self) -> Option<Uuid> {
        self.account_id
    }
    fn kelurahan_code(&self) -> Option<&str> {
        self.kelurahan_code.as_deref()
    }
    fn is_submitted(&self) -> bool {
        self.registration_no.is_some()
    }
}

impl Whose for crate::domain::application_view::Application {
    fn account_id(&self) -> Option<Uuid> {
        self.account_id
    }
    fn kelurahan_code(&self) -> Option<&str> {
        self.kelurahan_code.as_deref()
    }
    fn is_submitted(&self) -> bool {
        self.registration_no.is_some()
    }
}

pub use super::self_service::MailCtx;

// ---------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------

/// The first result recorded under `(scope, key)`, if any.
///
/// # Errors
/// `Fields` when the key was used for a different request.
async fn replayed(
    tx: &DatabaseTransaction,
    scope: &str,
    key: Option<&str>,
    request_hash: &str,
) -> Result<Option<String>, ServiceError> {
    let Some(key) = key else { return Ok(None) };
    let found = idempotency_key::Entity::find_by_id((scope.to_owned(), key.to_owned()))
        .one(tx)
        .await?;
    match found {
        None => Ok(None),
        Some(f) if f.request_hash == request_hash => Ok(f.response_location),
        Some(_) => Err(refuse_form(
            "Formulir ini sudah dikirim. Muat ulang halaman lalu coba lagi.",
            "This form was already submitted. Reload the page and try again.",
        )),
    }
}

async fn remember(
    tx: &DatabaseTransaction,
    scope: &str,
    key: Option<&str>,
    request_hash: String,
    location: String,
) -> Result<(), DbErr> {
    let Some(key) = key else { return Ok(()) };
    idempotency_key::ActiveModel {
        scope: Set(scope.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash),
        status_code: Set(Some(303)),
        response_location: Set(Some(location)),
        created_at: Set(OffsetDateTime::now_utc()),
    }
    .insert(tx)
    .await
    .map(|_| ())
}

/// A usable idempotency key: non-empty, short and storable.
fn usable_key(key: &str) -> Option<&str> {
    let k = key.trim();
    (!k.is_empty() && k.len() <= 100 && plain_text(k, false)).then_some(k)
}

// ---------------------------------------------------------------------------
// Steps shared by the use cases
// ---------------------------------------------------------------------------

fn registration_open(r: &round::Model, now: OffsetDateTime) -> Result<(), ServiceError> {
    if accepts_applications(r, now) {
        Ok(())
    } else {
        Err(refuse_form(
            "Pendaftaran seleksi ini sudah ditutup atau belum dibuka.",
            "Registration for this round is closed or not open yet.",
        ))
    }
}

/// The formation covering an RT, or a refusal that explains why there is none.
async fn formation_of(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    kelurahan: &str,
    rt_no: i32,
) -> Result<Uuid, ServiceError> {
    let covered = formation_rt::Entity::find_by_id((round_id, kelurahan.to_owned(), rt_no))
        .one(tx)
        .await?;
    if let Some(c) = covered {
        return Ok(c.formation_id);
    }
    let known = rt::Entity::find_by_id((kelurahan.to_owned(), rt_no))
        .one(tx)
        .await?
        .is_some();
    Err(if known {
        refuse_field(
            "rt",
            format!(
                "RT {rt_no} tidak termasuk wilayah formasi mana pun pada seleksi ini, sehingga belum dapat didaftarkan. Tanyakan ke kantor kelurahan."
            ),
            format!(
                "RT {rt_no} lies in no formation of this round, so no application can be made for it. Please ask the kelurahan office."
            ),
        )
    } else {
        refuse_field(
            "rt",
            "RT ini tidak terdaftar di kelurahan yang dipilih.",
            "This RT is not listed for the chosen kelurahan.",
        )
    })
}

async fn load_for_edit(
    tx: &DatabaseTransaction,
    acting: &Acting<'_>,
    id: Uuid,
) -> Result<application::Model, ServiceError> {
    let a = application::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx)
        .await?
        .filter(|a| acting.may_edit(a))
        .ok_or(ServiceError::NotFound)?;
    Ok(a)
}

/// Only a draft may be changed; a submitted or withdrawn application is a
/// conflict (the form sends a retried submission on to its receipt before
/// it gets here, see [`FormOutcome::already_sent`]).
fn still_draft(a: &application::Model) -> Result<(), ServiceError> {
    if a.state == ApplicationState::Draft {
        Ok(())
    } else {
        Err(ServiceError::Conflict(Msg::new(
            "Pendaftaran ini sudah dikirim atau dibatalkan.",
            "This application was already submitted or withdrawn.",
        )))
    }
}

async fn stored_nik(
    tx: &impl ConnectionTrait,
    vault: &NikVault,
    a: &application::Model,
) -> Result<Option<Nik>, ServiceError> {
    let Some(ct) = &a.nik_ciphertext else {
        return Ok(None);
    };
    let text = String::from_utf8(ct.clone()).map_err(|e| anyhow::anyhow!("stored NIK: {e}"))?;
    Ok(Some(
        super::data_keys::decrypt_nik(tx, vault, a.id, &text).await?,
    ))
}

async fn requirements_of(
    tx: &impl ConnectionTrait,
    round_id: Uuid,
    kind: &str,
) -> Result<Vec<requirement::Model>, DbErr> {
    requirement::Entity::find()
        .filter(requirement::Column::RoundId.eq(round_id))
        .filter(requirement::Column::Kind.eq(kind))
        .order_by_asc(requirement::Column::Position)
        .all(tx)
        .await
}
