//! Applications: a draft, its fields, documents and
//! declarations, submission with its registration number and receipt mail,
//! withdrawal, and the assisted registration an operator makes for a resident
//! without an account.
//!
//! Each public function that changes state is one use case: one
//! [`begin_write`] transaction with its audit events (ids and registration
//! numbers only, never personal data) and, for a submission, its mail.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::documents::{UploadError, clean_original_name, put_upload, record_upload};
use super::rounds::{FieldErrors, FormData};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    account, application, application_declaration, document, formation, formation_rt,
    idempotency_key, requirement, round, rt,
};
use crate::domain::account::Email;
use crate::domain::eligibility::Verdict;
use crate::domain::family_card::FamilyCardNo;
use crate::domain::lang::Lang;
use crate::domain::nik::{Nik, NikWarning, Sex, check_consistency};
use crate::domain::registration::{
    RegistrationNo, SHORT_HASH_LEN, StatusPin, Submission, SubmittedDocument, submission_hash,
};
use crate::domain::role::Role;
use crate::domain::round::{Msg, RoundState};
use crate::domain::status_headline::{
    self, AppState, Facts, Failing, Headline, ObjectionStage, Published,
};
use crate::domain::text::plain_text;
use crate::mail::{Locale, Mailbox, Template, enqueue};
use crate::pii::NikVault;
use crate::storage::FileStore;

/// Longest motivation or experience text, in characters.
pub const MAX_LONG_TEXT: usize = 2000;

/// The values of `application.state`.
pub mod state {
    /// Being filled in.
    pub const DRAFT: &str = "draft";
    /// Submitted, waiting for verification.
    pub const SUBMITTED: &str = "submitted";
    /// Met every requirement.
    pub const ELIGIBLE: &str = "eligible";
    /// Failed a requirement.
    pub const INELIGIBLE: &str = "ineligible";
    /// Withdrawn by the applicant.
    pub const WITHDRAWN: &str = "withdrawn";
}

/// Why an application use case did not happen. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    /// Input that breaks a rule, a message per field (`""` for the form).
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// No such application or round, or not the caller's to see.
    #[error("not found")]
    NotFound,
    /// The caller's role or scope does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// The application is no longer a draft (already submitted or
    /// withdrawn), so it cannot be changed: a retried submission lands here.
    #[error("not a draft")]
    NotDraft,
    /// An upload was refused; the message is for the uploader.
    #[error("upload refused: {field}: {error}")]
    Upload {
        /// The form field of the file.
        field: String,
        /// Why.
        error: UploadError,
    },
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// Anything else unexpected.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApplicationError {
    fn form(id: impl Into<String>, en: impl Into<String>) -> Self {
        Self::field("", id, en)
    }

    fn field(name: &str, id: impl Into<String>, en: impl Into<String>) -> Self {
        let mut e = FieldErrors::new();
        e.insert(name.to_owned(), Msg::new(id, en));
        Self::Invalid(e)
    }
}

impl From<ApplicationError> for crate::error::AppError {
    fn from(e: ApplicationError) -> Self {
        use crate::error::AppError;
        match e {
            ApplicationError::Invalid(errs) => AppError::refused(errs.values()),
            // Storage failures are ours: logged, never shown with their detail.
            ApplicationError::Upload {
                error: error @ (UploadError::Storage(_) | UploadError::Db(_)),
                ..
            } => AppError::Internal(anyhow::Error::new(error)),
            ApplicationError::Upload { error, .. } => {
                AppError::Refused(Msg::new(error.message(Lang::Id), error.message(Lang::En)))
            }
            ApplicationError::NotFound => AppError::NotFound,
            ApplicationError::Forbidden => AppError::Forbidden,
            ApplicationError::NotDraft => {
                AppError::BadRequest("Pendaftaran ini sudah dikirim.".into())
            }
            ApplicationError::Db(e) => AppError::from(e),
            ApplicationError::Internal(e) => AppError::Internal(e),
        }
    }
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
    pub fn may_edit(&self, a: &application::Model) -> bool {
        match self.account() {
            Some((id, Role::Applicant)) => a.account_id == Some(id),
            Some((_, Role::Operator)) => {
                a.account_id.is_none() && self.covers(a.kelurahan_code.as_deref())
            }
            Some((_, Role::Admin)) => a.account_id.is_none(),
            _ => false,
        }
    }

    /// Whether the caller may issue a new status PIN for `a`: a submitted
    /// assisted application, by an operator covering its kelurahan or an admin.
    #[must_use]
    pub fn may_reissue_pin(&self, a: &application::Model) -> bool {
        a.account_id.is_none() && a.registration_no.is_some() && self.may_edit(a)
    }

    /// Whether the caller may read `a` and its documents.
    #[must_use]
    pub fn may_read(&self, a: &application::Model) -> bool {
        match self.account() {
            Some((id, Role::Applicant)) => a.account_id == Some(id),
            Some((_, Role::Operator)) => self.covers(a.kelurahan_code.as_deref()),
            Some((_, Role::Admin | Role::Auditor)) => true,
            _ => false,
        }
    }
}

/// Where links point and who sends the mail.
#[derive(Clone, Copy, Debug)]
pub struct MailCtx<'a> {
    /// The public base URL without a trailing slash.
    pub base_url: &'a str,
    /// The sender of every mail.
    pub from: &'a Mailbox,
}

// ---------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------

/// The first result recorded under `(scope, key)`, if any.
///
/// # Errors
/// `Invalid` when the key was used for a different request.
async fn replayed(
    tx: &DatabaseTransaction,
    scope: &str,
    key: Option<&str>,
    request_hash: &str,
) -> Result<Option<String>, ApplicationError> {
    let Some(key) = key else { return Ok(None) };
    let found = idempotency_key::Entity::find_by_id((scope.to_owned(), key.to_owned()))
        .one(tx)
        .await?;
    match found {
        None => Ok(None),
        Some(f) if f.request_hash == request_hash => Ok(f.response_location),
        Some(_) => Err(ApplicationError::form(
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
// Starting a draft
// ---------------------------------------------------------------------------

/// The area an application is started in.
#[derive(Clone, Debug)]
pub struct StartDraft {
    pub round_id: Uuid,
    pub kelurahan_code: String,
    pub rt: i32,
    /// The hidden idempotency key of the form.
    pub idempotency_key: String,
}

/// Whether `r` takes applications at `now`: in registration and within its
/// registration dates (the stage can outlast the closing time until an admin
/// moves the round on).
#[must_use]
pub fn accepts_applications(r: &round::Model, now: OffsetDateTime) -> bool {
    r.state == RoundState::Registration.as_str()
        && r.registration_closes_at.is_some_and(|c| now < c)
        && r.registration_opens_at.is_none_or(|o| now >= o)
}

fn registration_open(r: &round::Model, now: OffsetDateTime) -> Result<(), ApplicationError> {
    if accepts_applications(r, now) {
        Ok(())
    } else {
        Err(ApplicationError::form(
            "Pendaftaran seleksi ini sudah ditutup atau belum dibuka.",
            "Registration for this round is closed or not open yet.",
        ))
    }
}

/// Starts an application in `kelurahan_code`, RT `rt`: for an applicant their
/// own (one per account and round: an existing one is returned), for an
/// operator covering the kelurahan an assisted one without account
/// (`application.assisted_registered`).
///
/// # Errors
/// `Forbidden` for other roles or out-of-scope operators; `NotFound` for an
/// unknown round or a kelurahan code no list could hold; `Invalid` when
/// registration is not open or the RT lies in no formation of the round (with
/// an explanation); storage failures.
pub async fn start_draft(
    db: &DatabaseConnection,
    acting: Acting<'_>,
    s: &StartDraft,
) -> Result<Uuid, ApplicationError> {
    let (who, role) = acting.account().ok_or(ApplicationError::Forbidden)?;
    // A code with control characters is no kelurahan, and PostgreSQL would
    // refuse the NUL in a query with an error instead of finding nothing.
    if !plain_text(&s.kelurahan_code, false) {
        return Err(ApplicationError::NotFound);
    }
    let assisted = match role {
        Role::Applicant => false,
        Role::Operator if acting.covers(Some(&s.kelurahan_code)) => true,
        Role::Admin => true,
        _ => return Err(ApplicationError::Forbidden),
    };
    let tx = begin_write(db).await?;
    let scope = who.to_string();
    let key = usable_key(&s.idempotency_key);
    let request_hash = crate::domain::lottery::sha256_hex(&format!(
        "start:{}:{}:{}",
        s.round_id, s.kelurahan_code, s.rt
    ));
    // The round row lock (PostgreSQL) makes a double click wait for the
    // first request and then find its result, instead of racing it.
    let r = round::Entity::find_by_id(s.round_id)
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    if let Some(loc) = replayed(&tx, &scope, key, &request_hash).await? {
        return loc
            .parse()
            .map_err(|_| ApplicationError::Internal(anyhow::anyhow!("bad idempotent result")));
    }
    registration_open(&r, OffsetDateTime::now_utc())?;
    if !assisted {
        let existing = application::Entity::find()
            .filter(application::Column::RoundId.eq(r.id))
            .filter(application::Column::AccountId.eq(who))
            .one(&tx)
            .await?;
        if let Some(a) = existing {
            return Ok(a.id);
        }
    }
    let formation_id = formation_of(&tx, r.id, &s.kelurahan_code, s.rt).await?;
    // An applicant's own draft starts with the name and address of their
    // account, so they need not type them again (both stay editable).
    let (name, email) = match assisted {
        true => (String::new(), String::new()),
        false => account::Entity::find_by_id(who)
            .one(&tx)
            .await?
            .map(|acc| (acc.name, acc.email))
            .unwrap_or_default(),
    };
    let id = Uuid::now_v7();
    let now = OffsetDateTime::now_utc();
    application::ActiveModel {
        id: Set(id),
        round_id: Set(r.id),
        formation_id: Set(Some(formation_id)),
        account_id: Set((!assisted).then_some(who)),
        registration_no: Set(None),
        state: Set(state::DRAFT.into()),
        assisted_by: Set(assisted.then_some(who)),
        full_name: Set(name),
        nik_ciphertext: Set(None),
        nik_hash: Set(None),
        nik_masked: Set(None),
        birth_place: Set(String::new()),
        birth_date: Set(None),
        sex: Set(String::new()),
        address: Set(String::new()),
        kelurahan_code: Set(Some(s.kelurahan_code.clone())),
        rt_number: Set(Some(s.rt)),
        phone: Set(String::new()),
        email: Set(email),
        education: Set(String::new()),
        occupation: Set(String::new()),
        family_card_hash: Set(None),
        motivation: Set(String::new()),
        experience: Set(String::new()),
        nik_warnings: Set("[]".into()),
        status_pin_hash: Set(None),
        submission_hash: Set(None),
        seq_in_kelurahan: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(None),
        withdrawn_at: Set(None),
        eligibility_decided_at: Set(None),
    }
    .insert(&tx)
    .await?;
    let action = if assisted {
        "application.assisted_registered"
    } else {
        "application.draft_started"
    };
    let mut event = NewEvent::new(acting.actor, action, "application", id.to_string())
        .round(r.id)
        .payload(serde_json::json!({
            "formation_id": formation_id.to_string(),
            "rt": s.rt,
        }));
    event.kelurahan_code = Some(s.kelurahan_code.clone());
    append(&tx, event).await?;
    remember(&tx, &scope, key, request_hash, id.to_string()).await?;
    tx.commit().await?;
    tracing::info!(application.id = %id, assisted, "application draft started");
    Ok(id)
}

/// The formation covering an RT, or a refusal that explains why there is none.
async fn formation_of(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    kelurahan: &str,
    rt_no: i32,
) -> Result<Uuid, ApplicationError> {
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
        ApplicationError::field(
            "rt",
            format!(
                "RT {rt_no} tidak termasuk wilayah formasi mana pun pada seleksi ini, sehingga belum dapat didaftarkan. Tanyakan ke kantor kelurahan."
            ),
            format!(
                "RT {rt_no} lies in no formation of this round, so no application can be made for it. Please ask the kelurahan office."
            ),
        )
    } else {
        ApplicationError::field(
            "rt",
            "RT ini tidak terdaftar di kelurahan yang dipilih.",
            "This RT is not listed for the chosen kelurahan.",
        )
    })
}

// ---------------------------------------------------------------------------
// Saving a draft
// ---------------------------------------------------------------------------

/// The typed fields of an application form, as submitted (a subset may be
/// empty in a draft). Declarations are the ticked `decl_<code>` checkboxes.
#[derive(Clone, Debug, Default)]
pub struct Fields(pub FormData);

/// Field names of the form, in display order.
pub const FIELD_NAMES: &[&str] = &[
    "full_name",
    "nik",
    "birth_place",
    "birth_date",
    "sex",
    "address",
    "phone",
    "email",
    "education",
    "occupation",
    "family_card",
    "motivation",
    "experience",
];

/// What a save kept and what it could not.
#[derive(Clone, Debug, Default)]
pub struct SaveOutcome {
    /// A message per field that was not valid (and was not stored).
    pub errors: FieldErrors,
    /// NIK warnings (stored, shown; never a rejection).
    pub warnings: Vec<Msg>,
}

/// A text field's value when it is storable; otherwise its message goes into
/// `errs`. Line breaks are allowed only in the long texts.
fn len_ok(
    errs: &mut FieldErrors,
    field: &str,
    v: &str,
    max: usize,
    what: (&str, &str),
) -> Option<String> {
    if v.is_empty() {
        return None;
    }
    if !plain_text(v, max == MAX_LONG_TEXT) {
        errs.insert(
            field.to_owned(),
            Msg::new(
                "Teks berisi karakter yang tidak diizinkan.",
                "The text contains characters that are not allowed.",
            ),
        );
        return None;
    }
    if v.chars().count() > max {
        errs.insert(
            field.to_owned(),
            Msg::new(
                format!("{} paling banyak {max} karakter.", what.0),
                format!("{} may have at most {max} characters.", what.1),
            ),
        );
        return None;
    }
    Some(v.to_owned())
}

fn parse_date(v: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(v.trim(), &fmt).ok()
}

fn parse_sex(v: &str) -> Option<Sex> {
    match v {
        "male" => Some(Sex::Male),
        "female" => Some(Sex::Female),
        _ => None,
    }
}

fn sex_str(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
    }
}

fn phone_ok(v: &str) -> bool {
    let digits = v.strip_prefix('+').unwrap_or(v);
    (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

fn warning_code(w: &NikWarning) -> &'static str {
    match w {
        NikWarning::BirthDateMismatch { .. } => "birth_date_mismatch",
        NikWarning::SexMismatch { .. } => "sex_mismatch",
    }
}

/// The stored warning codes as messages.
#[must_use]
pub fn warning_messages(stored: &str) -> Vec<Msg> {
    let codes: Vec<String> = serde_json::from_str(stored).unwrap_or_default();
    codes.iter().filter_map(|c| warning_message(c)).collect()
}

/// One stored NIK warning code as a message.
#[must_use]
pub fn warning_message(code: &str) -> Option<Msg> {
    match code {
        "birth_date_mismatch" => Some(Msg::new(
            "Tanggal lahir yang diisi berbeda dengan tanggal lahir dalam NIK. Periksa kembali; jika NIK memang benar, lanjutkan.",
            "The date of birth entered differs from the one in the NIK. Please check; if the NIK is correct, continue.",
        )),
        "sex_mismatch" => Some(Msg::new(
            "Jenis kelamin yang diisi berbeda dengan yang tercantum dalam NIK. Periksa kembali; jika NIK memang benar, lanjutkan.",
            "The sex entered differs from the one in the NIK. Please check; if the NIK is correct, continue.",
        )),
        _ => None,
    }
}

/// The stored warnings as a submitted application reads them: nothing can
/// be edited any more, so they say what the committee does with them rather
/// than asking to check and continue.
#[must_use]
pub fn submitted_warning_messages(stored: &str) -> Vec<Msg> {
    let codes: Vec<String> = serde_json::from_str(stored).unwrap_or_default();
    codes
        .iter()
        .filter_map(|c| match c.as_str() {
            "birth_date_mismatch" => Some(Msg::new(
                "Tanggal lahir yang diisi berbeda dengan tanggal lahir dalam NIK. Data sudah terkirim dan tidak dapat diubah; panitia mencocokkannya dengan KTP saat verifikasi.",
                "The date of birth entered differs from the one in the NIK. The data was submitted and cannot be changed; the committee compares it with the KTP during verification.",
            )),
            "sex_mismatch" => Some(Msg::new(
                "Jenis kelamin yang diisi berbeda dengan yang tercantum dalam NIK. Data sudah terkirim dan tidak dapat diubah; panitia mencocokkannya dengan KTP saat verifikasi.",
                "The sex entered differs from the one in the NIK. The data was submitted and cannot be changed; the committee compares it with the KTP during verification.",
            )),
            _ => None,
        })
        .collect()
}

async fn load_for_edit(
    tx: &DatabaseTransaction,
    acting: &Acting<'_>,
    id: Uuid,
) -> Result<application::Model, ApplicationError> {
    let a = application::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx)
        .await?
        .filter(|a| acting.may_edit(a))
        .ok_or(ApplicationError::NotFound)?;
    Ok(a)
}

fn still_draft(a: &application::Model) -> Result<(), ApplicationError> {
    if a.state == state::DRAFT {
        Ok(())
    } else {
        Err(ApplicationError::NotDraft)
    }
}

/// Stores every valid field of `fields` in the draft and reports the others
/// (nothing valid is lost because another field is wrong). The NIK is kept
/// encrypted; its keyed hash is only set at submission, so two drafts with
/// one NIK can exist until one of them is submitted.
///
/// # Errors
/// `NotFound` when not the caller's; `NotDraft` when no longer a draft;
/// storage failures.
pub async fn save_draft(
    db: &DatabaseConnection,
    vault: &NikVault,
    acting: Acting<'_>,
    id: Uuid,
    fields: &Fields,
) -> Result<SaveOutcome, ApplicationError> {
    let tx = begin_write(db).await?;
    let a = load_for_edit(&tx, &acting, id).await?;
    still_draft(&a)?;
    let f = &fields.0;
    let today = OffsetDateTime::now_utc().date();
    let mut errs = FieldErrors::new();
    let mut m: application::ActiveModel = a.clone().into();

    if let Some(v) = len_ok(
        &mut errs,
        "full_name",
        f.get("full_name"),
        100,
        ("Nama", "The name"),
    ) {
        m.full_name = Set(v);
    }
    if let Some(v) = len_ok(
        &mut errs,
        "birth_place",
        f.get("birth_place"),
        60,
        ("Tempat lahir", "The place of birth"),
    ) {
        m.birth_place = Set(v);
    }
    if let Some(v) = len_ok(
        &mut errs,
        "address",
        f.get("address"),
        200,
        ("Alamat", "The address"),
    ) {
        m.address = Set(v);
    }
    if let Some(v) = len_ok(
        &mut errs,
        "education",
        f.get("education"),
        60,
        ("Pendidikan", "Education"),
    ) {
        m.education = Set(v);
    }
    if let Some(v) = len_ok(
        &mut errs,
        "occupation",
        f.get("occupation"),
        60,
        ("Pekerjaan", "Occupation"),
    ) {
        m.occupation = Set(v);
    }
    if let Some(v) = len_ok(
        &mut errs,
        "motivation",
        f.get("motivation"),
        MAX_LONG_TEXT,
        ("Motivasi", "Motivation"),
    ) {
        m.motivation = Set(v);
    }
    if let Some(v) = len_ok(
        &mut errs,
        "experience",
        f.get("experience"),
        MAX_LONG_TEXT,
        ("Pengalaman", "Experience"),
    ) {
        m.experience = Set(v);
    }
    let birth_date = match f.get("birth_date") {
        "" => a.birth_date,
        v => {
            // Nobody applying is 120 or older: such a year is a typo.
            let oldest = today - time::Duration::days(43_830);
            let checked = match parse_date(v) {
                Some(d) if d >= today => Err(Msg::new(
                    "Tanggal lahir harus sebelum hari ini.",
                    "The date of birth must be before today.",
                )),
                Some(d) if d < oldest => Err(Msg::new(
                    "Periksa tahun lahir: lebih dari 120 tahun yang lalu.",
                    "Check the year of birth: it is more than 120 years ago.",
                )),
                Some(d) => Ok(d),
                None => Err(Msg::new(
                    "Tanggal lahir tidak valid (format TTTT-BB-HH).",
                    "The date of birth is not valid (format YYYY-MM-DD).",
                )),
            };
            match checked {
                Ok(d) => {
                    m.birth_date = Set(Some(d));
                    Some(d)
                }
                Err(msg) => {
                    errs.insert("birth_date".into(), msg);
                    a.birth_date
                }
            }
        }
    };
    let sex = match f.get("sex") {
        "" => parse_sex(&a.sex),
        v => match parse_sex(v) {
            Some(s) => {
                m.sex = Set(sex_str(s).into());
                Some(s)
            }
            None => {
                errs.insert(
                    "sex".into(),
                    Msg::new("Pilih jenis kelamin.", "Choose the sex."),
                );
                parse_sex(&a.sex)
            }
        },
    };
    match f.get("phone") {
        "" => {}
        v => {
            let v: String = v.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
            if phone_ok(&v) {
                m.phone = Set(v);
            } else {
                errs.insert(
                    "phone".into(),
                    Msg::new(
                        "Nomor telepon harus 8–15 angka, misalnya 081234567890.",
                        "The phone number must have 8–15 digits, e.g. 081234567890.",
                    ),
                );
            }
        }
    }
    match f.get("email") {
        "" => {}
        v => match Email::parse(v) {
            Ok(e) if e.as_str().parse::<lettre::Address>().is_ok() => {
                m.email = Set(e.as_str().to_owned());
            }
            _ => {
                errs.insert(
                    "email".into(),
                    Msg::new(
                        "Alamat e-mail tidak valid.",
                        "The e-mail address is not valid.",
                    ),
                );
            }
        },
    }
    match f.get("family_card") {
        "" => {}
        v => match FamilyCardNo::parse(v) {
            Ok(kk) => m.family_card_hash = Set(Some(vault.kk_hash(&kk))),
            Err(e) => {
                errs.insert(
                    "family_card".into(),
                    Msg::new(e.message(Lang::Id), e.message(Lang::En)),
                );
            }
        },
    }
    let mut warnings = Vec::new();
    let nik = match f.get("nik") {
        "" => None,
        v => match Nik::parse(v, today) {
            Ok(n) => {
                let ct = super::data_keys::encrypt_nik(&tx, vault, a.id, &n).await?;
                m.nik_ciphertext = Set(Some(ct.into_bytes()));
                m.nik_masked = Set(Some(n.masked()));
                Some(n)
            }
            Err(e) => {
                errs.insert(
                    "nik".into(),
                    Msg::new(e.message(Lang::Id), e.message(Lang::En)),
                );
                None
            }
        },
    };
    let nik = match nik {
        Some(n) => Some(n),
        None if !errs.contains_key("nik") => stored_nik(&tx, vault, &a).await?,
        None => None,
    };
    if let (Some(n), Some(d), Some(s)) = (&nik, birth_date, sex) {
        let ws = check_consistency(n, d, s, today);
        let codes: Vec<&str> = ws.iter().map(warning_code).collect();
        m.nik_warnings = Set(serde_json::json!(codes).to_string());
        warnings = ws
            .iter()
            .map(|w| Msg::new(w.message(Lang::Id), w.message(Lang::En)))
            .collect();
    }
    m.updated_at = Set(OffsetDateTime::now_utc());
    m.update(&tx).await?;

    // Declarations: exactly the ticked boxes of the round's declarations.
    let decls = requirements_of(&tx, a.round_id, "declaration").await?;
    let ticked: Vec<&requirement::Model> = decls
        .iter()
        .filter(|r| f.checked(&format!("decl_{}", r.code)))
        .collect();
    application_declaration::Entity::delete_many()
        .filter(application_declaration::Column::ApplicationId.eq(id))
        .exec(&tx)
        .await?;
    let now = OffsetDateTime::now_utc();
    if !ticked.is_empty() {
        application_declaration::Entity::insert_many(ticked.iter().map(|r| {
            application_declaration::ActiveModel {
                application_id: Set(id),
                requirement_id: Set(r.id),
                accepted_at: Set(now),
            }
        }))
        .exec_without_returning(&tx)
        .await?;
    }
    let mut event = NewEvent::new(
        acting.actor,
        "application.draft_saved",
        "application",
        id.to_string(),
    )
    .round(a.round_id);
    event.kelurahan_code = a.kelurahan_code.clone();
    append(&tx, event).await?;
    tx.commit().await?;
    Ok(SaveOutcome {
        errors: errs,
        warnings,
    })
}

async fn stored_nik(
    tx: &impl ConnectionTrait,
    vault: &NikVault,
    a: &application::Model,
) -> Result<Option<Nik>, ApplicationError> {
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

// ---------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------

/// Stores an uploaded file for the document requirement `requirement_code`
/// of a draft, replacing an earlier upload for it (`document.added`).
///
/// # Errors
/// `NotFound` (also for an unknown requirement); `NotDraft` when no longer a
/// draft; `Upload` when the file is refused (type by content, size, empty).
pub async fn attach_document(
    db: &DatabaseConnection,
    store: &FileStore,
    acting: Acting<'_>,
    id: Uuid,
    requirement_code: &str,
    original_name: &str,
    bytes: Vec<u8>,
) -> Result<Uuid, ApplicationError> {
    let field = format!("doc_{requirement_code}");
    // Refuse early, before taking the write lock.
    store.check(&bytes).map_err(|e| ApplicationError::Upload {
        field: field.clone(),
        error: e.into(),
    })?;
    // The file goes to disk (and is synced) before the write lock is taken;
    // stored by content hash, a file left by a refused upload is harmless.
    let kept = bytes.clone();
    let blob = put_upload(store, bytes, original_name)
        .await
        .map_err(|error| ApplicationError::Upload {
            field: field.clone(),
            error,
        })?;
    let tx = begin_write(db).await?;
    let a = load_for_edit(&tx, &acting, id).await?;
    still_draft(&a)?;
    let req = requirements_of(&tx, a.round_id, "document")
        .await?
        .into_iter()
        .find(|r| r.code == requirement_code)
        .ok_or(ApplicationError::NotFound)?;
    let file = record_upload(&tx, &blob)
        .await
        .map_err(|error| ApplicationError::Upload {
            field: field.clone(),
            error,
        })?;
    super::documents::ensure_on_disk(store, &file.sha256, &kept)
        .await
        .map_err(|error| ApplicationError::Upload {
            field: field.clone(),
            error,
        })?;
    let replaced: Vec<String> = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(id))
        .filter(document::Column::RequirementId.eq(req.id))
        .all(&tx)
        .await?
        .into_iter()
        .map(|d| d.sha256)
        .filter(|sha| *sha != file.sha256)
        .collect();
    document::Entity::delete_many()
        .filter(document::Column::ApplicationId.eq(id))
        .filter(document::Column::RequirementId.eq(req.id))
        .exec(&tx)
        .await?;
    let doc_id = Uuid::now_v7();
    document::ActiveModel {
        id: Set(doc_id),
        application_id: Set(id),
        requirement_id: Set(Some(req.id)),
        sha256: Set(file.sha256.clone()),
        original_name: Set(clean_original_name(original_name)),
        uploaded_by: Set(acting.account().map(|(id, _)| id)),
        created_at: Set(OffsetDateTime::now_utc()),
    }
    .insert(&tx)
    .await?;
    let mut event = NewEvent::new(
        acting.actor,
        "document.added",
        "document",
        doc_id.to_string(),
    )
    .round(a.round_id)
    .payload(serde_json::json!({
        "application_id": id.to_string(),
        "requirement": req.code,
        "sha256": file.sha256,
    }));
    event.kelurahan_code = a.kelurahan_code.clone();
    append(&tx, event).await?;
    tx.commit().await?;
    // The replaced file goes when nothing else refers to it; a failure here
    // only leaves garbage behind, the upload itself is done.
    for sha in replaced {
        if let Err(e) = super::documents::forget_if_unreferenced(db, store, &sha).await {
            tracing::warn!(error = %e, stored_file.sha256 = %sha, "replaced document file kept");
        }
    }
    Ok(doc_id)
}

// ---------------------------------------------------------------------------
// Submitting
// ---------------------------------------------------------------------------

/// What a submission produced, for the receipt.
#[derive(Clone, Debug)]
pub struct Submitted {
    pub id: Uuid,
    pub registration_no: String,
    /// Shown once to an assisted applicant; `None` otherwise (and on a replay).
    pub status_pin: Option<StatusPin>,
}

/// Submits a draft: registration must be open on the server's clock, every
/// field valid, every mandatory document and declaration present, the NIK
/// unused in the round and the RT inside a formation. Assigns the
/// registration number, stores the submission hash, queues the receipt mail
/// and records `application.submitted`. A submitted application submitted
/// again returns its number (a double click is harmless).
///
/// # Errors
/// `NotFound`; `Invalid` with a message per missing or wrong field;
/// storage failures.
pub async fn submit(
    db: &DatabaseConnection,
    vault: &NikVault,
    mail: MailCtx<'_>,
    acting: Acting<'_>,
    id: Uuid,
    lang: Lang,
) -> Result<Submitted, ApplicationError> {
    // An assisted applicant gets a status PIN; it is hashed before the
    // transaction starts because argon2 is slow on purpose.
    let needs_pin = application::Entity::find_by_id(id)
        .one(db)
        .await?
        .is_some_and(|a| a.account_id.is_none() && a.state == state::DRAFT);
    let assisted_pin = if needs_pin {
        Some(new_status_pin().await?)
    } else {
        None
    };
    let tx = begin_write(db).await?;
    let a = load_for_edit(&tx, &acting, id).await?;
    if a.state != state::DRAFT {
        return match (&a.registration_no, a.state.as_str()) {
            (Some(no), state::SUBMITTED | state::ELIGIBLE | state::INELIGIBLE) => Ok(Submitted {
                id,
                registration_no: no.clone(),
                status_pin: None,
            }),
            _ => Err(ApplicationError::form(
                "Pendaftaran ini tidak dapat dikirim lagi.",
                "This application can no longer be submitted.",
            )),
        };
    }
    // Locking the round row serialises submissions of one round on
    // PostgreSQL, so the NIK check cannot race; SQLite's BEGIN IMMEDIATE
    // already serialises every writer.
    let r = round::Entity::find_by_id(a.round_id)
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    let now = OffsetDateTime::now_utc();
    registration_open(&r, now)?;

    let mut errs = FieldErrors::new();
    let required = |errs: &mut FieldErrors, name: &str, v: &str| {
        if v.trim().is_empty() {
            errs.insert(name.to_owned(), Msg::new("Wajib diisi.", "Required."));
        }
    };
    required(&mut errs, "full_name", &a.full_name);
    required(&mut errs, "birth_place", &a.birth_place);
    required(&mut errs, "address", &a.address);
    required(&mut errs, "education", &a.education);
    required(&mut errs, "occupation", &a.occupation);
    required(&mut errs, "motivation", &a.motivation);
    // The help desk exists for residents without e-mail or a phone: only a
    // self-service applicant must give both (the account has an address).
    if a.account_id.is_some() {
        required(&mut errs, "phone", &a.phone);
        required(&mut errs, "email", &a.email);
    }
    if a.birth_date.is_none() {
        required(&mut errs, "birth_date", "");
    }
    let sex = parse_sex(&a.sex);
    if sex.is_none() {
        required(&mut errs, "sex", "");
    }
    let nik = stored_nik(&tx, vault, &a).await?;
    if nik.is_none() {
        required(&mut errs, "nik", "");
    }
    let (Some(kelurahan), Some(rt_no)) = (a.kelurahan_code.clone(), a.rt_number) else {
        return Err(ApplicationError::field(
            "rt",
            "Pilih kelurahan dan RT.",
            "Choose the kelurahan and RT.",
        ));
    };
    let formation_id = formation_of(&tx, r.id, &kelurahan, rt_no).await?;

    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(id))
        .all(&tx)
        .await?;
    let mut submitted_docs = Vec::new();
    for req in requirements_of(&tx, r.id, "document").await? {
        match docs.iter().find(|d| d.requirement_id == Some(req.id)) {
            Some(d) => submitted_docs.push(SubmittedDocument {
                requirement: req.code.clone(),
                sha256: d.sha256.clone(),
            }),
            None if req.mandatory => {
                errs.insert(
                    format!("doc_{}", req.code),
                    Msg::new("Dokumen ini wajib diunggah.", "This document is required."),
                );
            }
            None => {}
        }
    }
    let accepted: BTreeSet<Uuid> = application_declaration::Entity::find()
        .filter(application_declaration::Column::ApplicationId.eq(id))
        .all(&tx)
        .await?
        .into_iter()
        .map(|d| d.requirement_id)
        .collect();
    let mut declarations = Vec::new();
    for req in requirements_of(&tx, r.id, "declaration").await? {
        if accepted.contains(&req.id) {
            declarations.push(req.code.clone());
        } else if req.mandatory {
            errs.insert(
                format!("decl_{}", req.code),
                Msg::new(
                    "Pernyataan ini wajib disetujui.",
                    "This statement must be accepted.",
                ),
            );
        }
    }
    let (Some(nik), Some(birth_date), Some(sex)) = (nik, a.birth_date, sex) else {
        return Err(ApplicationError::Invalid(errs));
    };
    if !errs.is_empty() {
        return Err(ApplicationError::Invalid(errs));
    }
    let nik_hash = vault.keyed_hash(&nik);
    let taken = application::Entity::find()
        .filter(application::Column::RoundId.eq(r.id))
        .filter(application::Column::NikHash.eq(nik_hash.clone()))
        .filter(application::Column::Id.ne(id))
        .one(&tx)
        .await?;
    if taken.is_some() {
        return Err(ApplicationError::field(
            "nik",
            "NIK ini sudah terdaftar pada seleksi ini. Satu orang hanya dapat mendaftar satu kali; jika Anda merasa belum pernah mendaftar, hubungi kantor kelurahan.",
            "This NIK is already registered in this round. One person may apply only once; if you believe you have not applied, contact the kelurahan office.",
        ));
    }

    let number = next_number(&tx, r.year, &kelurahan).await?;
    let submission = Submission {
        round_id: r.id.to_string(),
        registration_no: number.clone(),
        nik_hash: nik_hash.clone(),
        family_card_hash: a.family_card_hash.clone().unwrap_or_default(),
        full_name: a.full_name.clone(),
        birth_place: a.birth_place.clone(),
        birth_date,
        sex,
        address: a.address.clone(),
        kelurahan_code: kelurahan.clone(),
        rt: rt_no,
        phone: a.phone.clone(),
        email: a.email.clone(),
        education: a.education.clone(),
        occupation: a.occupation.clone(),
        motivation: a.motivation.clone(),
        experience: a.experience.clone(),
        documents: submitted_docs,
        declarations,
    };
    let hash = submission_hash(&submission).map_err(|e| anyhow::anyhow!("submission hash: {e}"))?;
    let registration_no = number.to_string();
    let assisted = a.account_id.is_none();
    let mut m: application::ActiveModel = a.clone().into();
    m.state = Set(state::SUBMITTED.into());
    m.formation_id = Set(Some(formation_id));
    m.nik_hash = Set(Some(nik_hash));
    m.registration_no = Set(Some(registration_no.clone()));
    m.seq_in_kelurahan = Set(Some(i32::from(number.seq())));
    m.submission_hash = Set(Some(hash.clone()));
    m.submitted_at = Set(Some(now));
    m.updated_at = Set(now);
    if let Some((_, phc)) = &assisted_pin {
        m.status_pin_hash = Set(Some(phc.clone()));
    }
    m.update(&tx).await?;

    let mut event = NewEvent::new(
        acting.actor,
        "application.submitted",
        "application",
        id.to_string(),
    )
    .round(r.id)
    .payload(serde_json::json!({
        "registration_no": registration_no,
        "formation_id": formation_id.to_string(),
        "submission_hash": hash,
        "assisted": i64::from(assisted),
    }));
    event.registration_no = Some(registration_no.clone());
    event.kelurahan_code = Some(kelurahan.clone());
    append(&tx, event).await?;

    if !a.email.is_empty() {
        let template = Template::ApplicationReceipt {
            name: a.full_name.clone(),
            registration_no: registration_no.clone(),
            round_name: r.name.clone(),
            status_link: format!("{}/pendaftaran/{id}", mail.base_url),
            submission_hash_short: hash.chars().take(SHORT_HASH_LEN).collect(),
        };
        let locale = Locale::parse(lang.code());
        enqueue(&tx, &a.email, &a.full_name, locale, &template, mail.from).await?;
    }
    crate::sms::stages::receipt(&tx, &a, &registration_no).await?;
    tx.commit().await?;
    tracing::info!(application.registration_no = %registration_no, "application submitted");
    Ok(Submitted {
        id,
        registration_no,
        status_pin: assisted_pin.map(|(pin, _)| pin),
    })
}

/// The next registration number of `year` in `kelurahan`. Numbers are unique
/// over the whole table but carry only the year, so the count runs across
/// every round of that year: the highest number with the prefix, plus one.
/// Locking the kelurahan row makes submissions of one kelurahan wait for each
/// other on PostgreSQL even in different rounds (SQLite's BEGIN IMMEDIATE
/// already serialises every writer).
async fn next_number(
    tx: &DatabaseTransaction,
    year: i32,
    kelurahan: &str,
) -> Result<RegistrationNo, ApplicationError> {
    use crate::db::entities::kelurahan as kel;
    let invalid = |e: crate::domain::registration::RegistrationNoError| {
        ApplicationError::form(e.message(Lang::Id), e.message(Lang::En))
    };
    let prefix = RegistrationNo::new(year, kelurahan, 1)
        .map_err(invalid)?
        .prefix();
    kel::Entity::find_by_id(kelurahan.to_owned())
        .lock_exclusive()
        .one(tx)
        .await?;
    // Four-digit sequence numbers sort as text. A range rather than LIKE:
    // SQLite uses the unique index for `>= AND <` but scans the whole table
    // for a case-insensitive LIKE prefix.
    let upper = format!("{}.", prefix.trim_end_matches('-'));
    debug_assert!(prefix.ends_with('-'), "{prefix}");
    let last: Option<Option<String>> = application::Entity::find()
        .select_only()
        .column_as(application::Column::RegistrationNo.max(), "m")
        .filter(application::Column::RegistrationNo.gte(prefix.as_str()))
        .filter(application::Column::RegistrationNo.lt(upper.as_str()))
        .into_tuple()
        .one(tx)
        .await?;
    let last = last
        .flatten()
        .and_then(|n| RegistrationNo::parse(&n).ok())
        .map_or(0, |n| n.seq());
    RegistrationNo::new(year, kelurahan, u32::from(last) + 1).map_err(invalid)
}

/// A fresh status PIN and its argon2 hash (the only form stored).
async fn new_status_pin() -> Result<(StatusPin, String), ApplicationError> {
    let pin = crate::pii::generate_pin();
    let hash = super::accounts::hash_password(pin.as_str().to_owned())
        .await
        .map_err(|e| ApplicationError::Internal(anyhow::anyhow!("{e}")))?;
    Ok((pin, hash))
}

/// Issues a new status PIN for a submitted assisted application, e.g. when
/// the printed receipt is lost: only the PIN's hash is stored, so the old one
/// cannot be shown again. The old PIN stops working at once;
/// `application.status_pin_reissued` records who did it (never the PIN).
///
/// # Errors
/// `NotFound` unless an operator covering the kelurahan or an admin may edit
/// this assisted application; `Invalid` before submission; storage failures.
pub async fn reissue_pin(
    db: &DatabaseConnection,
    acting: Acting<'_>,
    id: Uuid,
) -> Result<StatusPin, ApplicationError> {
    // argon2 is slow on purpose: hash before the write transaction.
    let (pin, hash) = new_status_pin().await?;
    let tx = begin_write(db).await?;
    let a = load_for_edit(&tx, &acting, id).await?;
    if a.account_id.is_some() {
        // A self-service applicant follows the status signed in.
        return Err(ApplicationError::NotFound);
    }
    if a.registration_no.is_none() {
        return Err(ApplicationError::form(
            "PIN status baru dapat diterbitkan setelah pendaftaran dikirim.",
            "A status PIN can be issued once the application is submitted.",
        ));
    }
    let mut m: application::ActiveModel = a.clone().into();
    m.status_pin_hash = Set(Some(hash));
    m.updated_at = Set(OffsetDateTime::now_utc());
    m.update(&tx).await?;
    let mut event = NewEvent::new(
        acting.actor,
        "application.status_pin_reissued",
        "application",
        id.to_string(),
    )
    .round(a.round_id)
    .payload(serde_json::json!({
        "registration_no": a.registration_no.clone().unwrap_or_default(),
    }));
    event.registration_no.clone_from(&a.registration_no);
    event.kelurahan_code.clone_from(&a.kelurahan_code);
    append(&tx, event).await?;
    tx.commit().await?;
    tracing::info!(application.id = %id, "status PIN reissued");
    Ok(pin)
}

// ---------------------------------------------------------------------------
// Withdrawal
// ---------------------------------------------------------------------------

/// Whether an application can still be withdrawn: not yet withdrawn and the
/// round not yet in assessment.
#[must_use]
pub fn can_withdraw(a: &application::Model, r: &round::Model, now: OffsetDateTime) -> bool {
    let before_assessment = matches!(
        RoundState::parse(&r.state),
        Some(RoundState::Registration | RoundState::Verification)
    ) && r.assessment_starts_at.is_none_or(|s| now < s);
    before_assessment
        && matches!(
            a.state.as_str(),
            state::DRAFT | state::SUBMITTED | state::ELIGIBLE | state::INELIGIBLE
        )
}

/// Withdraws an application (`application.withdrawn`).
///
/// # Errors
/// `NotFound`; `Invalid` once assessment has started or when already
/// withdrawn; storage failures.
pub async fn withdraw(
    db: &DatabaseConnection,
    acting: Acting<'_>,
    id: Uuid,
) -> Result<(), ApplicationError> {
    let tx = begin_write(db).await?;
    let a = load_for_edit(&tx, &acting, id).await?;
    let r = round::Entity::find_by_id(a.round_id)
        .one(&tx)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    let now = OffsetDateTime::now_utc();
    if !can_withdraw(&a, &r, now) {
        return Err(ApplicationError::form(
            "Pendaftaran ini tidak dapat dibatalkan lagi (penilaian sudah dimulai atau sudah dibatalkan).",
            "This application can no longer be withdrawn (assessment has started or it was already withdrawn).",
        ));
    }
    let mut m: application::ActiveModel = a.clone().into();
    m.state = Set(state::WITHDRAWN.into());
    m.withdrawn_at = Set(Some(now));
    m.updated_at = Set(now);
    m.update(&tx).await?;
    let mut event = NewEvent::new(
        acting.actor,
        "application.withdrawn",
        "application",
        id.to_string(),
    )
    .round(a.round_id)
    .payload(serde_json::json!({
        "registration_no": a.registration_no.clone().unwrap_or_default(),
        "from": a.state,
    }));
    event.registration_no = a.registration_no.clone();
    event.kelurahan_code = a.kelurahan_code.clone();
    let withdrawn = append(&tx, event).await?;
    crate::services::standings::recompute_after_input(&tx, &r, a.formation_id, a.id, withdrawn.seq)
        .await
        .map_err(|e| match e {
            crate::services::ServiceError::Db(e) => ApplicationError::Db(e),
            other => ApplicationError::Internal(anyhow::anyhow!("re-ranking: {other}")),
        })?;
    tx.commit().await?;
    tracing::info!(application.id = %id, "application withdrawn");
    Ok(())
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// An application with what its pages show.
#[derive(Clone, Debug)]
pub struct ApplicationView {
    pub application: application::Model,
    pub round: round::Model,
    pub formation: Option<formation::Model>,
    pub kelurahan_name: String,
    /// Document requirements with the uploaded document, if any.
    pub documents: Vec<(requirement::Model, Option<document::Model>)>,
    /// Declaration requirements and whether each is accepted.
    pub declarations: Vec<(requirement::Model, bool)>,
}

/// Loads an application the caller may read.
///
/// # Errors
/// `NotFound` when it does not exist or is not the caller's to see.
pub async fn load(
    db: &DatabaseConnection,
    acting: Acting<'_>,
    id: Uuid,
) -> Result<ApplicationView, ApplicationError> {
    let a = application::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|a| acting.may_read(a))
        .ok_or(ApplicationError::NotFound)?;
    view_of(db, a).await
}

async fn view_of(
    db: &DatabaseConnection,
    a: application::Model,
) -> Result<ApplicationView, ApplicationError> {
    use crate::db::entities::kelurahan;
    let r = round::Entity::find_by_id(a.round_id)
        .one(db)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    let formation = match a.formation_id {
        Some(f) => formation::Entity::find_by_id(f).one(db).await?,
        None => None,
    };
    let kelurahan_name = match &a.kelurahan_code {
        Some(k) => kelurahan::Entity::find_by_id(k.clone())
            .one(db)
            .await?
            .map(|k| k.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(a.id))
        .all(db)
        .await?;
    let documents = requirements_of(db, r.id, "document")
        .await?
        .into_iter()
        .map(|req| {
            let d = docs
                .iter()
                .find(|d| d.requirement_id == Some(req.id))
                .cloned();
            (req, d)
        })
        .collect();
    let accepted: BTreeSet<Uuid> = application_declaration::Entity::find()
        .filter(application_declaration::Column::ApplicationId.eq(a.id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.requirement_id)
        .collect();
    let declarations = requirements_of(db, r.id, "declaration")
        .await?
        .into_iter()
        .map(|req| {
            let ok = accepted.contains(&req.id);
            (req, ok)
        })
        .collect();
    Ok(ApplicationView {
        application: a,
        round: r,
        formation,
        kelurahan_name,
        documents,
        declarations,
    })
}

/// The caller's application in a round, if any.
///
/// # Errors
/// Storage failures.
pub async fn own_in_round(
    db: &DatabaseConnection,
    account_id: Uuid,
    round_id: Uuid,
) -> Result<Option<application::Model>, DbErr> {
    application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .filter(application::Column::AccountId.eq(account_id))
        .one(db)
        .await
}

/// A document the caller may download, with its stored file's content type.
///
/// # Errors
/// `NotFound` unless the caller may read the application it belongs to.
pub async fn document_for(
    db: &DatabaseConnection,
    acting: Acting<'_>,
    doc_id: Uuid,
) -> Result<(document::Model, String), ApplicationError> {
    use crate::db::entities::stored_file;
    let d = document::Entity::find_by_id(doc_id)
        .one(db)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    application::Entity::find_by_id(d.application_id)
        .one(db)
        .await?
        .filter(|a| acting.may_read(a))
        .ok_or(ApplicationError::NotFound)?;
    let f = stored_file::Entity::find_by_id(d.sha256.clone())
        .one(db)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    Ok((d, f.content_type))
}

/// The public status check: number + PIN give the first name, the state, the
/// round's name and the timeline the status page shows (what the applicant
/// needs to know, no other personal data); anything else gives `None`.
///
/// # Errors
/// Storage failures.
pub async fn check_status(
    db: &DatabaseConnection,
    registration_no: &str,
    pin: &StatusPin,
    now: OffsetDateTime,
) -> Result<Option<PublicStatus>, ApplicationError> {
    let Ok(no) = RegistrationNo::parse(registration_no) else {
        return Ok(None);
    };
    let a = application::Entity::find()
        .filter(application::Column::RegistrationNo.eq(no.to_string()))
        .one(db)
        .await?;
    let Some(a) = a else { return Ok(None) };
    let Some(phc) = a.status_pin_hash.clone() else {
        return Ok(None);
    };
    if !super::accounts::verify_password(pin.as_str().to_owned(), phc).await {
        return Ok(None);
    }
    let r = round::Entity::find_by_id(a.round_id)
        .one(db)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    let timeline = timeline(db, &r, a.id, now).await?;
    let scores = super::score_breakdown::for_application(db, &r, a.id)
        .await
        .map_err(|e| match e {
            super::ServiceError::Db(e) => ApplicationError::Db(e),
            other => ApplicationError::Internal(anyhow::anyhow!(other.to_string())),
        })?;
    let svc_err = |e: super::ServiceError| match e {
        super::ServiceError::Db(e) => ApplicationError::Db(e),
        other => ApplicationError::Internal(anyhow::anyhow!(other.to_string())),
    };
    let objections = super::objections::for_assisted(db, a.id, now)
        .await
        .map_err(svc_err)?;
    let contest_options = super::score_breakdown::contest_options(db, r.id)
        .await
        .map_err(svc_err)?;
    let may_object = super::objections::window_open(&r, now)
        && timeline.result.is_some()
        && objections
            .iter()
            .all(|o| matches!(o.objection.status.as_str(), "accepted" | "rejected"));
    Ok(Some(PublicStatus {
        application_id: a.id,
        objections,
        may_object,
        contest_options,
        scores,
        first_name: a
            .full_name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
        state: a.state,
        round_name: r.name,
        registration_no: no.to_string(),
        submitted_at: a.submitted_at,
        timeline,
    }))
}

/// What the public status check shows.
#[derive(Clone, Debug)]
pub struct PublicStatus {
    pub first_name: String,
    pub state: String,
    pub round_name: String,
    pub registration_no: String,
    pub submitted_at: Option<OffsetDateTime>,
    pub timeline: Timeline,
    /// The score breakdown once results are published.
    pub scores: Option<super::score_breakdown::ScoreView>,
    /// The application, for an objection filed with the same number + PIN.
    pub application_id: Uuid,
    /// Objections on the application, with their decisions.
    pub objections: Vec<super::objections::ObjectionView>,
    /// Whether an objection may be filed now (window open, result published).
    pub may_object: bool,
    /// What may be contested, `(code, label)`.
    pub contest_options: Vec<(String, Msg)>,
}

/// One requirement's latest verification outcome.
#[derive(Clone, Debug)]
pub struct CheckLine {
    /// The requirement's text in Indonesian and English.
    pub requirement: Msg,
    /// The stored outcome, `ms`, `tms` or `not_submitted`.
    pub outcome: String,
    /// The reason code ([`super::verification::REASONS`], or an automatic
    /// check's finer code).
    pub reason_code: Option<String>,
    /// The written reason (may be empty).
    pub reason: String,
    /// For a check the platform made itself (age, domicile), its finding in
    /// both languages; the stored `reason` is the Indonesian sentence only.
    pub automatic_reason: Option<Msg>,
}

impl CheckLine {
    /// The outcome in words.
    #[must_use]
    pub fn outcome_label(&self) -> Msg {
        crate::domain::eligibility::outcome_label(&self.outcome)
            .unwrap_or_else(|| Msg::new(self.outcome.clone(), self.outcome.clone()))
    }

    /// The listed reason of a TMS in words. An MS may carry an automatic
    /// check's code ("age within limits"), which its written reason says better.
    #[must_use]
    pub fn reason_label(&self) -> Option<Msg> {
        let code = self
            .reason_code
            .as_deref()
            .filter(|_| self.outcome == Verdict::Tms.as_str())?;
        Some(Msg::new(
            super::verification::reason_label(code, Lang::Id),
            super::verification::reason_label(code, Lang::En),
        ))
    }
}

/// What the status page shows after submission; each part may be empty.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    pub checks: Vec<CheckLine>,
    /// Test start and place.
    pub invitation: Option<(OffsetDateTime, String)>,
    /// Published rank and status.
    pub result: Option<(Option<i32>, Option<String>)>,
    /// The round's objection window: from the provisional results to the
    /// last moment to object, once scheduled.
    pub objection_window: Option<(OffsetDateTime, OffsetDateTime)>,
    /// The latest objection's stage and its decision's reasons.
    pub objection: Option<(ObjectionStage, String)>,
    /// The one status headline, derived from the latest stage.
    pub headline: Headline,
}

/// Verification outcomes, test invitation, published result and objection
/// window of an application of round `r` (the caller has already been
/// allowed to read it).
///
/// # Errors
/// Storage failures.
pub async fn timeline<C: ConnectionTrait>(
    db: &C,
    r: &round::Model,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<Timeline, DbErr> {
    use crate::db::entities::{
        objection, ranking, requirement_check, test_invitation, test_session,
    };
    let mut checks: Vec<requirement_check::Model> = requirement_check::Entity::find()
        .filter(requirement_check::Column::ApplicationId.eq(id))
        .order_by_desc(requirement_check::Column::Revision)
        .all(db)
        .await?;
    // The highest revision per requirement counts.
    let mut seen = BTreeSet::new();
    checks.retain(|c| seen.insert(c.requirement_id));
    // The platform's own findings, recomputed from the same inputs, so they
    // read in either language (only when they agree with what was recorded).
    let automatic = match application::Entity::find_by_id(id).one(db).await? {
        Some(a) if checks.iter().any(|c| c.automatic) => {
            super::verification::automatic_checks(db, &a, r)
                .await
                .map_err(|e| match e {
                    super::ServiceError::Db(e) => e,
                    other => DbErr::Custom(other.to_string()),
                })?
        }
        _ => std::collections::HashMap::new(),
    };
    let mut lines = Vec::new();
    for c in checks {
        let req = requirement::Entity::find_by_id(c.requirement_id)
            .one(db)
            .await?;
        let automatic_reason = req
            .as_ref()
            .filter(|_| c.automatic)
            .and_then(|q| automatic.get(q.kind.as_str()))
            .filter(|found| found.verdict.as_str() == c.outcome)
            .map(|found| Msg::new(found.message(Lang::Id), found.message(Lang::En)));
        lines.push(CheckLine {
            requirement: req
                .map(|r| Msg::new(r.text_id, r.text_en))
                .unwrap_or_else(|| Msg::new("", "")),
            outcome: c.outcome,
            reason_code: c.reason_code,
            reason: c.reason_text,
            automatic_reason,
        });
    }
    let invitation = match test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.eq(id))
        .one(db)
        .await?
    {
        Some(inv) => test_session::Entity::find_by_id(inv.test_session_id)
            .one(db)
            .await?
            .map(|s| (s.starts_at, s.place)),
        None => None,
    };
    let result = ranking::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| r.published)
        .map(|r| (r.rank, r.status));
    let objection = objection::Entity::find()
        .filter(objection::Column::ApplicationId.eq(id))
        .order_by_desc(objection::Column::FiledAt)
        .one(db)
        .await?
        .and_then(|o| ObjectionStage::parse(&o.status).map(|s| (s, o.decision_reason)));
    let state = application::Entity::find_by_id(id)
        .one(db)
        .await?
        .and_then(|a| AppState::parse(&a.state))
        .unwrap_or(AppState::Submitted);
    let mut t = Timeline {
        checks: lines,
        invitation,
        result,
        objection_window: r.provisional_at.zip(r.objection_ends_at),
        objection,
        headline: Headline::default(),
    };
    t.headline = status_headline::headline(&t.facts(state, r.state == "final", now));
    Ok(t)
}

impl Timeline {
    /// What the headline is derived from: the TMS lines (in the round's
    /// order) with their reasons, the invitation, the result, the window and
    /// the latest objection.
    #[must_use]
    pub fn facts(&self, state: AppState, final_result: bool, now: OffsetDateTime) -> Facts {
        let failing = self
            .checks
            .iter()
            .filter(|c| c.outcome == Verdict::Tms.as_str())
            .map(|c| {
                let mut reason = c.reason_label().unwrap_or_else(|| Msg::new("", ""));
                let written = c
                    .automatic_reason
                    .clone()
                    .unwrap_or_else(|| Msg::new(c.reason.clone(), c.reason.clone()));
                if !written.id.is_empty() {
                    reason = if reason.id.is_empty() {
                        written
                    } else {
                        Msg::new(
                            format!("{} — {}", reason.id, written.id),
                            format!("{} — {}", reason.en, written.en),
                        )
                    };
                }
                Failing {
                    requirement: c.requirement.clone(),
                    reason,
                }
            })
            .collect();
        Facts {
            state,
            failing,
            invitation: self.invitation.clone(),
            result: self.result.as_ref().map(|(rank, status)| Published {
                status: status.as_deref().and_then(parse_result_status),
                rank: *rank,
                final_result,
            }),
            objection_window: self.objection_window,
            objection: self.objection.clone(),
            now,
        }
    }
}

fn parse_result_status(s: &str) -> Option<crate::domain::ranking::Status> {
    use crate::domain::ranking::Status;
    Some(match s {
        "selected" => Status::Selected,
        "reserve" => Status::Reserve,
        "not_selected" => Status::NotSelected,
        "not_passed" => Status::NotPassed,
        _ => return None,
    })
}

/// A kelurahan where a round takes applications, with the RTs its formations cover.
#[derive(Clone, Debug)]
pub struct Area {
    pub kecamatan_code: String,
    pub kecamatan_name: String,
    pub kelurahan_code: String,
    pub kelurahan_name: String,
    pub rts: Vec<i32>,
}

/// Every kelurahan covered by a formation of the round, in code order.
///
/// # Errors
/// Storage failures.
pub async fn areas(db: &DatabaseConnection, round_id: Uuid) -> Result<Vec<Area>, DbErr> {
    use crate::db::entities::{kecamatan, kelurahan};
    let rows = formation_rt::Entity::find()
        .filter(formation_rt::Column::RoundId.eq(round_id))
        .order_by_asc(formation_rt::Column::KelurahanCode)
        .order_by_asc(formation_rt::Column::RtNumber)
        .all(db)
        .await?;
    let mut out: Vec<Area> = Vec::new();
    for r in rows {
        if let Some(last) = out.last_mut()
            && last.kelurahan_code == r.kelurahan_code
        {
            last.rts.push(r.rt_number);
            continue;
        }
        let kel = kelurahan::Entity::find_by_id(r.kelurahan_code.clone())
            .one(db)
            .await?;
        let (kec_code, kel_name) = kel.map(|k| (k.kecamatan_code, k.name)).unwrap_or_default();
        let kec_name = kecamatan::Entity::find_by_id(kec_code.clone())
            .one(db)
            .await?
            .map(|k| k.name)
            .unwrap_or_default();
        out.push(Area {
            kecamatan_code: kec_code,
            kecamatan_name: kec_name,
            kelurahan_code: r.kelurahan_code,
            kelurahan_name: kel_name,
            rts: vec![r.rt_number],
        });
    }
    Ok(out)
}

/// A published round (registration opened at some point) by its slug.
///
/// # Errors
/// `NotFound` for an unknown or unpublished round; storage failures.
pub async fn published_round(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<round::Model, ApplicationError> {
    super::rounds::round_by_slug(db, slug)
        .await?
        .filter(|r| r.frozen_hash.is_some())
        .ok_or(ApplicationError::NotFound)
}

/// What the help desk's start form offers: rounds open for registration and
/// the kelurahan the caller covers (`None` = every kelurahan, for admins).
///
/// # Errors
/// Storage failures.
pub async fn desk_choices(
    db: &DatabaseConnection,
    scopes: Option<&[String]>,
) -> Result<(Vec<(Uuid, String)>, Vec<(String, String)>), DbErr> {
    use crate::db::entities::kelurahan;
    let rounds = round::Entity::find()
        .filter(round::Column::State.eq(RoundState::Registration.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut q = kelurahan::Entity::find().order_by_asc(kelurahan::Column::Code);
    if let Some(scopes) = scopes {
        q = q.filter(kelurahan::Column::Code.is_in(scopes.to_vec()));
    }
    let kelurahan = q
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect();
    Ok((rounds, kelurahan))
}

// JSON API

/// The ids of an account's own applications, newest first (what
/// `GET /api/v1/me/applications` lists; each is then read with [`load`] and
/// [`timeline`], like the HTML status page).
///
/// # Errors
/// Storage failures.
pub async fn own_ids(db: &DatabaseConnection, account_id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    Ok(own(db, account_id)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect())
}

/// One of an account's applications as its account page lists it.
#[derive(Clone, Debug)]
pub struct OwnApplication {
    pub id: Uuid,
    pub round_name: String,
    pub registration_no: Option<String>,
    pub state: String,
    /// The status headline's title, as the status page shows it.
    pub headline: Msg,
}

/// The account's own applications, newest first.
///
/// # Errors
/// Storage failures.
pub async fn own(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> Result<Vec<OwnApplication>, DbErr> {
    let rows = application::Entity::find()
        .filter(application::Column::AccountId.eq(account_id))
        .find_also_related(round::Entity)
        .order_by_desc(application::Column::CreatedAt)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (a, r) in rows {
        // The same headline as the status page (a person has one or two).
        let headline = match &r {
            Some(r) => {
                timeline(db, r, a.id, OffsetDateTime::now_utc())
                    .await?
                    .headline
                    .title
            }
            None => Msg::new(a.state.clone(), a.state.clone()),
        };
        out.push(OwnApplication {
            id: a.id,
            round_name: r.map(|r| r.name).unwrap_or_default(),
            registration_no: a.registration_no,
            state: a.state,
            headline,
        });
    }
    Ok(out)
}

impl PublicStatus {
    /// What happens next: the headline's next step.
    #[must_use]
    pub fn next_step(&self) -> Msg {
        self.timeline.headline.next.clone()
    }
}
