//! Submitting a draft (registration number, submission hash, receipt) and
//! reissuing an assisted applicant's status PIN.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::fields::parse_sex;
use super::{
    Acting, MailCtx, ServiceError, formation_of, load_for_edit, refuse_field, refuse_form,
    registration_open, requirements_of, stored_nik,
};
use crate::db::audit::{NewEvent, append};
use crate::db::entities::{application, application_declaration, document, round};
use crate::db::{WriteTx, begin_write};
use crate::domain::application::ApplicationState;
use crate::domain::form::FieldErrors;
use crate::domain::lang::Lang;
use crate::domain::registration::{
    RegistrationNo, SHORT_HASH_LEN, StatusPin, Submission, SubmittedDocument, submission_hash,
};
use crate::domain::round::Msg;
use crate::mail::{Locale, Template, enqueue_for_round};
use crate::pii::NikVault;
use crate::services::data_keys::Personal;

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
/// `NotFound`; `Fields` with a message per missing or wrong field;
/// storage failures.
pub async fn submit(
    db: &DatabaseConnection,
    vault: &NikVault,
    mail: MailCtx<'_>,
    acting: Acting<'_>,
    id: Uuid,
    lang: Lang,
) -> Result<Submitted, ServiceError> {
    let pin = pin_for(db, id).await?;
    let tx = begin_write(db).await?;
    let done = submit_in(&tx, vault, mail, &acting, id, lang, pin).await?;
    tx.commit().await?;
    Ok(done)
}

/// An assisted applicant's new status PIN with its hash, when `id` is an
/// assisted draft: hashed before the transaction starts because argon2 is
/// slow on purpose.
pub(super) async fn pin_for(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<Option<(StatusPin, String)>, ServiceError> {
    let needs_pin = application::Entity::find_by_id(id)
        .one(db)
        .await?
        .is_some_and(|a| a.account_id.is_none() && a.state == ApplicationState::Draft);
    Ok(if needs_pin {
        Some(new_status_pin().await?)
    } else {
        None
    })
}

/// The submission part of [`submit`] inside the caller's transaction. A
/// refusal writes nothing, so the caller may still commit what it saved
/// before; `assisted_pin` comes from [`pin_for`].
pub(super) async fn submit_in(
    tx: &WriteTx,
    vault: &NikVault,
    mail: MailCtx<'_>,
    acting: &Acting<'_>,
    id: Uuid,
    lang: Lang,
    assisted_pin: Option<(StatusPin, String)>,
) -> Result<Submitted, ServiceError> {
    let a = load_for_edit(tx, acting, id).await?;
    if a.state != ApplicationState::Draft {
        return already_submitted(&a);
    }
    let r = lock_round(tx, a.round_id).await?;
    let now = OffsetDateTime::now_utc();
    registration_open(&r, now)?;

    let personal = crate::services::data_keys::personal_of(tx, vault, &a).await?;
    let mut errs = missing_fields(&a, &personal);
    let sex = parse_sex(&a.sex);
    let nik = stored_nik(tx, vault, &a).await?;
    if nik.is_none() {
        errs.insert("nik".into(), required_msg());
    }
    let (Some(kelurahan), Some(rt_no)) = (a.kelurahan_code.clone(), a.rt_number) else {
        return Err(refuse_field(
            "rt",
            "Pilih kelurahan dan RT.",
            "Choose the kelurahan and RT.",
        ));
    };
    // The formation was settled when the draft started, by the round's
    // domicile rule (frozen since): under `kelurahan` and `city` it need not
    // cover the applicant's RT, so it is kept rather than looked up again.
    let formation_id = match a.formation_id {
        Some(f) => f,
        None => formation_of(tx, r.id, &kelurahan, rt_no).await?,
    };
    let documents = submitted_documents(tx, &r, id, &mut errs).await?;
    let declarations = accepted_declarations(tx, &r, id, &mut errs).await?;
    let (Some(nik), Some(birth_date), Some(sex)) = (nik, personal.birth_date, sex) else {
        return Err(ServiceError::Fields(errs));
    };
    if !errs.is_empty() {
        return Err(ServiceError::Fields(errs));
    }
    let nik_hash = vault.keyed_hash(&nik);
    ensure_nik_unused(tx, &r, id, &nik_hash).await?;

    let number = next_number(tx, r.year, &kelurahan).await?;
    let submission = Submission {
        round_id: r.id.to_string(),
        registration_no: number.clone(),
        nik_hash: nik_hash.clone(),
        family_card_hash: a.family_card_hash.clone().unwrap_or_default(),
        full_name: a.full_name.clone(),
        birth_place: personal.birth_place.clone(),
        birth_date,
        sex,
        address: personal.address.clone(),
        kelurahan_code: kelurahan.clone(),
        rt: rt_no,
        phone: personal.phone.clone(),
        email: personal.email.clone(),
        education: a.education.clone(),
        occupation: a.occupation.clone(),
        motivation: a.motivation.clone(),
        experience: a.experience.clone(),
        documents,
        declarations,
    };
    let hash = submission_hash(&submission).map_err(|e| anyhow::anyhow!("submission hash: {e}"))?;
    let registration_no = number.to_string();
    let mut m: application::ActiveModel = a.clone().into();
    m.state = Set(ApplicationState::Submitted);
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
    m.update(tx).await?;

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
        "assisted": i64::from(a.account_id.is_none()),
    }));
    event.registration_no = Some(registration_no.clone());
    event.kelurahan_code = Some(kelurahan.clone());
    append(tx, event).await?;
    send_receipt(
        tx,
        mail,
        &a,
        &personal.email,
        &r,
        &registration_no,
        &hash,
        lang,
    )
    .await?;
    tracing::info!(application.registration_no = %registration_no, "application submitted");
    Ok(Submitted {
        id,
        registration_no,
        status_pin: assisted_pin.map(|(pin, _)| pin),
    })
}

/// Locks the round row: it serialises submissions of one round on
/// PostgreSQL, so the NIK check cannot race (SQLite's BEGIN IMMEDIATE already
/// serialises every writer). Every writer takes it before its first audit
/// append (which locks the chain head), so a use case that appends first
/// must take it first too, or two writers deadlock.
pub(super) async fn lock_round(tx: &WriteTx, round_id: Uuid) -> Result<round::Model, ServiceError> {
    round::Entity::find_by_id(round_id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// A submission of an application that is no longer a draft: its number
/// again when it was submitted (a double click is harmless), else a refusal.
fn already_submitted(a: &application::Model) -> Result<Submitted, ServiceError> {
    match (&a.registration_no, a.state) {
        (
            Some(no),
            ApplicationState::Submitted | ApplicationState::Eligible | ApplicationState::Ineligible,
        ) => Ok(Submitted {
            id: a.id,
            registration_no: no.clone(),
            status_pin: None,
        }),
        _ => Err(refuse_form(
            "Pendaftaran ini tidak dapat dikirim lagi.",
            "This application can no longer be submitted.",
        )),
    }
}

fn required_msg() -> Msg {
    Msg::new("Wajib diisi.", "Required.")
}

/// A message per required field the draft leaves empty (the NIK is checked
/// by its caller, who has to decrypt it anyway).
fn missing_fields(a: &application::Model, p: &Personal) -> FieldErrors {
    let mut errs = FieldErrors::new();
    let mut required = |name: &str, v: &str| {
        if v.trim().is_empty() {
            errs.insert(name.to_owned(), required_msg());
        }
    };
    required("full_name", &a.full_name);
    required("birth_place", &p.birth_place);
    required("address", &p.address);
    required("education", &a.education);
    required("occupation", &a.occupation);
    required("motivation", &a.motivation);
    // The help desk exists for residents without e-mail or a phone: only a
    // self-service applicant must give both (the account has an address).
    if a.account_id.is_some() {
        required("phone", &p.phone);
        required("email", &p.email);
    }
    if p.birth_date.is_none() {
        required("birth_date", "");
    }
    if parse_sex(&a.sex).is_none() {
        required("sex", "");
    }
    errs
}

/// The uploaded documents as the submission hash lists them, with a message
/// in `errs` per mandatory document missing.
async fn submitted_documents(
    tx: &DatabaseTransaction,
    r: &round::Model,
    id: Uuid,
    errs: &mut FieldErrors,
) -> Result<Vec<SubmittedDocument>, DbErr> {
    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(id))
        .all(tx)
        .await?;
    let mut submitted = Vec::new();
    for req in requirements_of(tx, r.id, "document").await? {
        match docs.iter().find(|d| d.requirement_id == Some(req.id)) {
            Some(d) => submitted.push(SubmittedDocument {
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
    Ok(submitted)
}

/// The codes of the accepted declarations, with a message in `errs` per
/// mandatory declaration not accepted.
async fn accepted_declarations(
    tx: &DatabaseTransaction,
    r: &round::Model,
    id: Uuid,
    errs: &mut FieldErrors,
) -> Result<Vec<String>, DbErr> {
    let accepted: BTreeSet<Uuid> = application_declaration::Entity::find()
        .filter(application_declaration::Column::ApplicationId.eq(id))
        .all(tx)
        .await?
        .into_iter()
        .map(|d| d.requirement_id)
        .collect();
    let mut declarations = Vec::new();
    for req in requirements_of(tx, r.id, "declaration").await? {
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
    Ok(declarations)
}

/// Refuses a NIK another application of the round was submitted with.
async fn ensure_nik_unused(
    tx: &DatabaseTransaction,
    r: &round::Model,
    id: Uuid,
    nik_hash: &str,
) -> Result<(), ServiceError> {
    let taken = application::Entity::find()
        .filter(application::Column::RoundId.eq(r.id))
        .filter(application::Column::NikHash.eq(nik_hash))
        .filter(application::Column::Id.ne(id))
        .one(tx)
        .await?;
    if taken.is_some() {
        return Err(refuse_field(
            "nik",
            "NIK ini sudah terdaftar pada seleksi ini. Satu orang hanya dapat mendaftar satu kali; jika Anda merasa belum pernah mendaftar, hubungi kantor kelurahan.",
            "This NIK is already registered in this round. One person may apply only once; if you believe you have not applied, contact the kelurahan office.",
        ));
    }
    Ok(())
}

/// Queues the receipt: a mail when the application has an e-mail address,
/// and the SMS/WhatsApp message when the applicant consented to one.
#[allow(clippy::too_many_arguments)]
async fn send_receipt(
    tx: &crate::db::WriteTx,
    mail: MailCtx<'_>,
    a: &application::Model,
    email: &str,
    r: &round::Model,
    registration_no: &str,
    hash: &str,
    lang: Lang,
) -> Result<(), ServiceError> {
    if !email.is_empty() {
        let template = Template::ApplicationReceipt {
            name: a.full_name.clone(),
            registration_no: registration_no.to_owned(),
            round_name: r.name.clone(),
            status_link: format!("{}/pendaftaran/{}", mail.base_url, a.id),
            submission_hash_short: hash.chars().take(SHORT_HASH_LEN).collect(),
        };
        let locale = Locale::parse(lang.code());
        enqueue_for_round(
            tx,
            email,
            &a.full_name,
            locale,
            &template,
            mail.from,
            &r.programme(),
        )
        .await?;
    }
    crate::sms::stages::receipt(tx, a, registration_no).await?;
    Ok(())
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
) -> Result<RegistrationNo, ServiceError> {
    use crate::db::entities::kelurahan as kel;
    let invalid = |e: crate::domain::registration::RegistrationNoError| {
        refuse_form(e.message(Lang::Id), e.message(Lang::En))
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
async fn new_status_pin() -> Result<(StatusPin, String), ServiceError> {
    let pin = crate::pii::generate_pin();
    let hash = crate::services::accounts::hash_password(pin.as_str().to_owned())
        .await
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("{e}")))?;
    Ok((pin, hash))
}

/// Issues a new status PIN for a submitted assisted application, e.g. when
/// the printed receipt is lost: only the PIN's hash is stored, so the old one
/// cannot be shown again. The old PIN stops working at once;
/// `application.status_pin_reissued` records who did it (never the PIN).
///
/// # Errors
/// `NotFound` unless an operator covering the kelurahan or an admin may edit
/// this assisted application; `Fields` before submission; storage failures.
pub async fn reissue_pin(
    db: &DatabaseConnection,
    acting: Acting<'_>,
    id: Uuid,
) -> Result<StatusPin, ServiceError> {
    // argon2 is slow on purpose: hash before the write transaction.
    let (pin, hash) = new_status_pin().await?;
    let tx = begin_write(db).await?;
    let a = load_for_edit(&tx, &acting, id).await?;
    if a.account_id.is_some() {
        // A self-service applicant follows the status signed in.
        return Err(ServiceError::NotFound);
    }
    if a.registration_no.is_none() {
        return Err(refuse_form(
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
