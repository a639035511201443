//! Starting a draft, saving its fields and declarations, attaching its
//! documents.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::fields::{Fields, Parsed, SaveOutcome, nik_warnings, parse_fields, parse_sex, sex_str};
use super::{
    Acting, formation_of, load_for_edit, refuse_field, registration_open, remember, replayed,
    requirements_of, still_draft, stored_nik, usable_key,
};
use crate::db::audit::{NewEvent, append};
use crate::db::entities::{
    account, application, application_declaration, document, requirement, round, stored_file,
};
use crate::db::{WriteTx, begin_write};
use crate::domain::application::ApplicationState;
use crate::domain::form::FormData;
use crate::domain::role::Role;
use crate::domain::round::{Msg, RoundState};
use crate::domain::text::plain_text;
use crate::pii::NikVault;
use crate::services::ServiceError;
use crate::services::data_keys::Personal;
use crate::services::documents::{clean_original_name, put_upload, record_upload, store_refusal};
use crate::storage::{FileStore, StoredBlob};

/// The area an application is started in.
#[derive(Clone, Debug)]
pub struct StartDraft {
    pub round_id: Uuid,
    pub kelurahan_code: String,
    pub rt: i32,
    /// The hidden idempotency key of the form.
    pub idempotency_key: String,
    /// The formation chosen, by code, where the round's domicile rule lets
    /// the applicant choose (`kelurahan`, `city`); `None`: the formation
    /// covering the applicant's RT.
    pub formation_code: Option<String>,
}

/// Whether `r` takes applications at `now`: in registration and within its
/// registration dates (the stage can outlast the closing time until an admin
/// moves the round on).
#[must_use]
pub fn accepts_applications(r: &round::Model, now: OffsetDateTime) -> bool {
    r.state == RoundState::Registration
        && r.registration_closes_at.is_some_and(|c| now < c)
        && r.registration_opens_at.is_none_or(|o| now >= o)
}

/// Starts an application in `kelurahan_code`, RT `rt`: for an applicant their
/// own (one per account and round: an existing one is returned), for an
/// operator covering the kelurahan an assisted one without account
/// (`application.assisted_registered`).
///
/// # Errors
/// `Forbidden` for other roles or out-of-scope operators; `NotFound` for an
/// unknown round or a kelurahan code no list could hold; `Fields` when
/// registration is not open or the RT lies in no formation of the round (with
/// an explanation); storage failures.
pub async fn start_draft(
    db: &DatabaseConnection,
    vault: &NikVault,
    acting: Acting<'_>,
    s: &StartDraft,
) -> Result<Uuid, ServiceError> {
    let (who, role) = acting.account().ok_or(ServiceError::Forbidden)?;
    // A code with control characters is no kelurahan, and PostgreSQL would
    // refuse the NUL in a query with an error instead of finding nothing.
    if !plain_text(&s.kelurahan_code, false) {
        return Err(ServiceError::NotFound);
    }
    let assisted = match role {
        Role::Applicant => false,
        Role::Operator if acting.covers(Some(&s.kelurahan_code)) => true,
        Role::Admin => true,
        _ => return Err(ServiceError::Forbidden),
    };
    let tx = begin_write(db).await?;
    let scope = who.to_string();
    let key = usable_key(&s.idempotency_key);
    let request_hash = crate::domain::lottery::sha256_hex(&match &s.formation_code {
        None => format!("start:{}:{}:{}", s.round_id, s.kelurahan_code, s.rt),
        Some(f) => format!("start:{}:{}:{}:{f}", s.round_id, s.kelurahan_code, s.rt),
    });
    // The round row lock (PostgreSQL) makes a double click wait for the
    // first request and then find its result, instead of racing it.
    let r = round::Entity::find_by_id(s.round_id)
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if let Some(loc) = replayed(&tx, &scope, key, &request_hash).await? {
        return loc
            .parse()
            .map_err(|_| ServiceError::Internal(anyhow::anyhow!("bad idempotent result")));
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
    let formation_id = match s.formation_code.as_deref().filter(|c| !c.trim().is_empty()) {
        None => formation_of(&tx, r.id, &s.kelurahan_code, s.rt).await?,
        Some(code) => chosen_formation(&tx, &r, &s.kelurahan_code, s.rt, code.trim()).await?,
    };
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
        state: Set(ApplicationState::Draft),
        assisted_by: Set(assisted.then_some(who)),
        full_name: Set(name),
        nik_ciphertext: Set(None),
        nik_hash: Set(None),
        nik_masked: Set(None),
        plain_birth_place: Set(String::new()),
        plain_birth_date: Set(None),
        sex: Set(String::new()),
        plain_address: Set(String::new()),
        kelurahan_code: Set(Some(s.kelurahan_code.clone())),
        rt_number: Set(Some(s.rt)),
        plain_phone: Set(String::new()),
        plain_email: Set(String::new()),
        personal_ciphertext: Set(None),
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
    if !email.is_empty() {
        // The data key refers to the application row, so it is sealed after
        // the insert.
        let p = Personal {
            email,
            ..Personal::default()
        };
        let mut m = application::ActiveModel {
            id: Set(id),
            ..Default::default()
        };
        crate::services::data_keys::store_personal(&tx, vault, id, &p, &mut m).await?;
        m.update(&tx).await?;
    }
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

/// The formation `code` an applicant living in `(kelurahan, rt)` chose,
/// when the round's domicile rule lets them apply to it: the RT must be on
/// the region list, and the rule (`rt`: an RT the formation covers,
/// `kelurahan`: the formation's kelurahan, `city`: anywhere) must hold.
async fn chosen_formation(
    tx: &DatabaseTransaction,
    r: &round::Model,
    kelurahan: &str,
    rt_no: i32,
    code: &str,
) -> Result<Uuid, ServiceError> {
    use crate::db::entities::{formation, formation_rt, rt};
    if !plain_text(code, false) {
        return Err(unknown_formation());
    }
    let f = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(r.id))
        .filter(formation::Column::Code.eq(code))
        .one(tx)
        .await?
        .ok_or_else(unknown_formation)?;
    let known = rt::Entity::find_by_id((kelurahan.to_owned(), rt_no))
        .one(tx)
        .await?
        .is_some();
    if !known {
        return Err(refuse_field(
            "rt",
            "RT ini tidak terdaftar di kelurahan yang dipilih.",
            "This RT is not listed for the chosen kelurahan.",
        ));
    }
    let rts = formation_rt::Entity::find()
        .filter(formation_rt::Column::FormationId.eq(f.id))
        .all(tx)
        .await?;
    let rule = r.domicile_rule();
    if rule.allows(
        kelurahan,
        rt_no,
        &f.kelurahan_code,
        rts.iter().map(|x| (x.kelurahan_code.as_str(), x.rt_number)),
    ) {
        return Ok(f.id);
    }
    let why = rule.label();
    Err(refuse_field(
        "formation",
        format!(
            "Domisili Anda tidak memenuhi aturan domisili seleksi ini untuk formasi {code}: {}.",
            why.id
        ),
        format!(
            "Where you live does not meet this round's domicile rule for formation {code}: {}.",
            why.en
        ),
    ))
}

fn unknown_formation() -> ServiceError {
    refuse_field(
        "formation",
        "Pilih formasi dari daftar.",
        "Choose a formation from the list.",
    )
}

/// Stores every valid field of `fields` in the draft and reports the others
/// (nothing valid is lost because another field is wrong). The NIK is kept
/// encrypted; its keyed hash is only set at submission, so two drafts with
/// one NIK can exist until one of them is submitted.
///
/// # Errors
/// `NotFound` when not the caller's; `Conflict` when no longer a draft;
/// storage failures.
pub async fn save_draft(
    db: &DatabaseConnection,
    vault: &NikVault,
    acting: Acting<'_>,
    id: Uuid,
    fields: &Fields,
) -> Result<SaveOutcome, ServiceError> {
    let today = OffsetDateTime::now_utc().date();
    let parsed = parse_fields(&fields.0, today);
    let tx = begin_write(db).await?;
    let a = load_for_edit(&tx, &acting, id).await?;
    still_draft(&a)?;
    let warnings = save_in(&tx, vault, &acting, &a, &fields.0, &parsed, today).await?;
    tx.commit().await?;
    Ok(SaveOutcome {
        errors: parsed.errors,
        warnings,
    })
}

/// The saving part of [`save_draft`] inside the caller's transaction, for
/// the draft `a` as loaded for editing (and found still a draft): returns
/// the NIK warnings.
pub(super) async fn save_in(
    tx: &WriteTx,
    vault: &NikVault,
    acting: &Acting<'_>,
    a: &application::Model,
    f: &FormData,
    parsed: &Parsed,
    today: Date,
) -> Result<Vec<Msg>, ServiceError> {
    let warnings = store_fields(tx, vault, a, parsed, today).await?;
    save_declarations(tx, a, f).await?;
    let mut event = NewEvent::new(
        acting.actor,
        "application.draft_saved",
        "application",
        a.id.to_string(),
    )
    .round(a.round_id);
    event.kelurahan_code = a.kelurahan_code.clone();
    append(tx, event).await?;
    Ok(warnings)
}

/// Writes the valid values of `p` into the draft `a` (the NIK encrypted
/// under the application's data key) and returns the NIK warnings, checked
/// against what the draft holds after the save.
async fn store_fields(
    tx: &DatabaseTransaction,
    vault: &NikVault,
    a: &application::Model,
    p: &Parsed,
    today: Date,
) -> Result<Vec<Msg>, ServiceError> {
    let mut m: application::ActiveModel = a.clone().into();
    let texts = [
        (&p.full_name, &mut m.full_name),
        (&p.education, &mut m.education),
        (&p.occupation, &mut m.occupation),
        (&p.motivation, &mut m.motivation),
        (&p.experience, &mut m.experience),
    ];
    for (value, column) in texts {
        if let Some(v) = value {
            *column = Set(v.clone());
        }
    }
    let before = crate::services::data_keys::personal_of(tx, vault, a).await?;
    let mut personal = before.clone();
    let sealed = [
        (&p.birth_place, &mut personal.birth_place),
        (&p.address, &mut personal.address),
        (&p.phone, &mut personal.phone),
        (&p.email, &mut personal.email),
    ];
    for (value, field) in sealed {
        if let Some(v) = value {
            field.clone_from(v);
        }
    }
    if let Some(d) = p.birth_date {
        personal.birth_date = Some(d);
    }
    // Unchanged fields keep their ciphertext: a save with no personal
    // change does not rewrite it.
    if personal != before || a.personal_ciphertext.is_none() && personal.has_any() {
        crate::services::data_keys::store_personal(tx, vault, a.id, &personal, &mut m).await?;
    }
    if let Some(s) = p.sex {
        m.sex = Set(sex_str(s).into());
    }
    if let Some(kk) = &p.family_card {
        m.family_card_hash = Set(Some(vault.kk_hash(kk)));
    }
    if let Some(n) = &p.nik {
        let ct = crate::services::data_keys::encrypt_nik(tx, vault, a.id, n).await?;
        m.nik_ciphertext = Set(Some(ct.into_bytes()));
        m.nik_masked = Set(Some(n.masked()));
    }
    // An empty or invalid value keeps what the draft holds; the warnings
    // compare the NIK with the birth date and sex as saved.
    let birth_date = personal.birth_date;
    let sex = p.sex.or_else(|| parse_sex(&a.sex));
    let nik = match &p.nik {
        Some(n) => Some(n.clone()),
        None if !p.errors.contains_key("nik") => stored_nik(tx, vault, a).await?,
        None => None,
    };
    let mut warnings = Vec::new();
    if let (Some(n), Some(d), Some(s)) = (&nik, birth_date, sex) {
        let (codes, msgs) = nik_warnings(n, d, s, today);
        m.nik_warnings = Set(codes);
        warnings = msgs;
    }
    m.updated_at = Set(OffsetDateTime::now_utc());
    m.update(tx).await?;
    Ok(warnings)
}

/// Replaces the draft's accepted declarations with exactly the ticked boxes
/// of the round's declarations.
async fn save_declarations(
    tx: &DatabaseTransaction,
    a: &application::Model,
    f: &FormData,
) -> Result<(), DbErr> {
    let decls = requirements_of(tx, a.round_id, "declaration").await?;
    let ticked: Vec<&requirement::Model> = decls
        .iter()
        .filter(|r| f.checked(&format!("decl_{}", r.code)))
        .collect();
    application_declaration::Entity::delete_many()
        .filter(application_declaration::Column::ApplicationId.eq(a.id))
        .exec(tx)
        .await?;
    let now = OffsetDateTime::now_utc();
    if !ticked.is_empty() {
        application_declaration::Entity::insert_many(ticked.iter().map(|r| {
            application_declaration::ActiveModel {
                application_id: Set(a.id),
                requirement_id: Set(r.id),
                accepted_at: Set(now),
            }
        }))
        .exec_without_returning(tx)
        .await?;
    }
    Ok(())
}

/// Stores an uploaded file for the document requirement `requirement_code`
/// of a draft, replacing an earlier upload for it (`document.added`).
///
/// # Errors
/// `NotFound` (also for an unknown requirement); `Conflict` when no longer a
/// draft; `Fields` under the file's field when it is refused (type by
/// content, empty, markup), `TooLarge` over the size limit; `Internal` when
/// it could not be written.
pub async fn attach_document(
    db: &DatabaseConnection,
    store: &FileStore,
    acting: Acting<'_>,
    id: Uuid,
    requirement_code: &str,
    original_name: &str,
    bytes: Vec<u8>,
) -> Result<Uuid, ServiceError> {
    let upload = Upload {
        requirement_code: requirement_code.to_owned(),
        original_name: original_name.to_owned(),
        bytes,
    };
    let field = upload.field();
    let upload = prepare_upload(store, upload).await.map_err(|e| match e {
        ServiceError::Invalid(m) => ServiceError::field(&field, m),
        other => other,
    })?;
    let tx = begin_write(db).await?;
    let a = load_for_edit(&tx, &acting, id).await?;
    still_draft(&a)?;
    let req = requirement_for(&tx, &a, &upload).await?;
    let file = store_in(&tx, store, &upload).await?;
    let attached = attach_in(&tx, &acting, &a, &upload, &req, &file).await?;
    tx.commit().await?;
    forget_replaced(db, store, attached.replaced).await;
    Ok(attached.id)
}

/// A file chosen for one document requirement of a draft.
#[derive(Clone, Debug)]
pub struct Upload {
    pub requirement_code: String,
    pub original_name: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// The form field the upload comes in (`doc_<code>`), where its errors go.
    pub(super) fn field(&self) -> String {
        format!("doc_{}", self.requirement_code)
    }
}

/// An upload whose bytes passed the checks and are on disk, not yet attached.
pub(super) struct PreparedUpload {
    field: String,
    upload: Upload,
    blob: StoredBlob,
}

impl PreparedUpload {
    /// The form field the upload came in (`doc_<code>`), where its errors go.
    pub(super) fn field(&self) -> &str {
        &self.field
    }
}

/// What attaching one upload did.
pub(super) struct Attached {
    id: Uuid,
    /// Files the upload replaced, to remove once nothing refers to them.
    pub(super) replaced: Vec<String>,
}

/// Checks an upload and puts it on disk (synced) before any write lock is
/// taken; stored by content hash, a file left by a refused upload is harmless.
///
/// # Errors
/// The store's refusal (`Invalid`, `TooLarge`) or a storage failure; only
/// ever about the file itself.
pub(super) async fn prepare_upload(
    store: &FileStore,
    upload: Upload,
) -> Result<PreparedUpload, ServiceError> {
    // The cheap check first: a refused file is not copied.
    store.check(&upload.bytes).map_err(store_refusal)?;
    let blob = put_upload(store, upload.bytes.clone(), &upload.original_name).await?;
    Ok(PreparedUpload {
        field: upload.field(),
        upload,
        blob,
    })
}

/// The document requirement of the draft `a` an upload is for.
///
/// # Errors
/// `NotFound` for a requirement the round does not have; storage failures.
pub(super) async fn requirement_for(
    tx: &WriteTx,
    a: &application::Model,
    p: &PreparedUpload,
) -> Result<requirement::Model, ServiceError> {
    requirements_of(tx, a.round_id, "document")
        .await?
        .into_iter()
        .find(|r| r.code == p.upload.requirement_code)
        .ok_or(ServiceError::NotFound)
}

/// The `stored_file` row of a prepared upload (inserted or reused) with its
/// bytes on disk, inside the caller's transaction.
///
/// # Errors
/// Storage failures of this file: the form files them under its field.
pub(super) async fn store_in(
    tx: &WriteTx,
    store: &FileStore,
    p: &PreparedUpload,
) -> Result<stored_file::Model, ServiceError> {
    let file = record_upload(tx, &p.blob).await?;
    crate::services::documents::ensure_on_disk(store, &file.sha256, &p.upload.bytes).await?;
    Ok(file)
}

/// Attaches a stored upload to the draft `a` as its document for `req`
/// inside the caller's transaction, replacing an earlier upload for it.
pub(super) async fn attach_in(
    tx: &WriteTx,
    acting: &Acting<'_>,
    a: &application::Model,
    p: &PreparedUpload,
    req: &requirement::Model,
    file: &stored_file::Model,
) -> Result<Attached, ServiceError> {
    let replaced: Vec<String> = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(a.id))
        .filter(document::Column::RequirementId.eq(req.id))
        .all(tx)
        .await?
        .into_iter()
        .map(|d| d.sha256)
        .filter(|sha| *sha != file.sha256)
        .collect();
    document::Entity::delete_many()
        .filter(document::Column::ApplicationId.eq(a.id))
        .filter(document::Column::RequirementId.eq(req.id))
        .exec(tx)
        .await?;
    let doc_id = Uuid::now_v7();
    document::ActiveModel {
        id: Set(doc_id),
        application_id: Set(a.id),
        requirement_id: Set(Some(req.id)),
        sha256: Set(file.sha256.clone()),
        original_name: Set(clean_original_name(&p.upload.original_name)),
        uploaded_by: Set(acting.account().map(|(id, _)| id)),
        created_at: Set(OffsetDateTime::now_utc()),
    }
    .insert(tx)
    .await?;
    let mut event = NewEvent::new(
        acting.actor,
        "document.added",
        "document",
        doc_id.to_string(),
    )
    .round(a.round_id)
    .payload(serde_json::json!({
        "application_id": a.id.to_string(),
        "requirement": req.code,
        "sha256": file.sha256,
    }));
    event.kelurahan_code = a.kelurahan_code.clone();
    append(tx, event).await?;
    Ok(Attached {
        id: doc_id,
        replaced,
    })
}

/// Removes replaced files once nothing refers to them, after the commit; a
/// failure here only leaves garbage behind, the upload itself is done.
pub(super) async fn forget_replaced(
    db: &DatabaseConnection,
    store: &FileStore,
    replaced: Vec<String>,
) {
    for sha in replaced {
        if let Err(e) = crate::services::documents::forget_if_unreferenced(db, store, &sha).await {
            tracing::warn!(error = %e, stored_file.sha256 = %sha, "replaced document file kept");
        }
    }
}
