//! Administrative verification: operators check the requirements
//! of the submitted applications of their kelurahan, MS or TMS with a reason;
//! the outcome is recorded, audited and mailed in one transaction. Changing an
//! outcome after it was sent needs a second admin (four-eyes).
//!
//! Audit payloads carry registration numbers and requirement codes only,
//! never personal data.

use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, SqlErr,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::ServiceError;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    account, application, approval, document, formation_rt, kelurahan, requirement,
    requirement_check, round, stored_file,
};
use crate::domain::application::ApplicationState;
use crate::domain::eligibility::{
    AgeLimits, CheckOutcome, NOT_SUBMITTED, Verdict, check_age, check_domicile, needs_decision,
};
use crate::domain::lang::Lang;
use crate::domain::msg::Msg;
use crate::domain::role::Role;
use crate::domain::round::WITA;
use crate::mail::{Locale, Mailbox, Template, enqueue};
use crate::pii::NikVault;
use crate::storage::FileStore;

/// The reasons an operator picks from: `(code, Indonesian, English)`.
pub const REASONS: [(&str, &str, &str); 6] = [
    ("unreadable", "Dokumen tidak terbaca", "Document unreadable"),
    (
        "mismatch",
        "Dokumen tidak sesuai",
        "Document does not match",
    ),
    ("expired", "Masa berlaku habis", "Document expired"),
    (
        "age",
        "Tidak memenuhi syarat usia",
        "Age requirement not met",
    ),
    (
        "domicile",
        "Domisili di luar formasi",
        "Lives outside the formation",
    ),
    ("other", "Lainnya", "Other"),
];

/// The `approval.kind` of a changed verification outcome.
pub const KIND_OVERRIDE: &str = "eligibility.override";

/// The label of a reason code in `lang`; the code itself when unknown.
pub fn reason_label(code: &str, lang: Lang) -> String {
    // Automatic checks store finer codes; people read them as the list's reason.
    let code = match code {
        "age_too_young" | "age_too_old" => "age",
        "domicile_outside" => "domicile",
        other => other,
    };
    REASONS.iter().find(|(c, _, _)| *c == code).map_or_else(
        || code.to_owned(),
        |(_, id, en)| lang.pick(id, en).to_owned(),
    )
}

/// Who is acting, as far as verification needs to know. Built by the web
/// layer from the signed-in account.
#[derive(Clone, Debug)]
pub struct Staff {
    pub id: Uuid,
    pub role: Role,
    /// Kelurahan codes of an operator (empty for admins).
    pub scopes: Vec<String>,
}

impl Staff {
    fn actor(&self) -> Actor {
        Actor::Account {
            id: self.id,
            role: self.role,
        }
    }

    /// Operators act in their kelurahan, admins everywhere; nobody else verifies.
    fn may_verify(&self) -> bool {
        matches!(self.role, Role::Operator | Role::Admin)
    }

    fn covers(&self, kelurahan_code: Option<&str>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Operator => kelurahan_code.is_some_and(|k| self.scopes.iter().any(|s| s == k)),
            _ => false,
        }
    }

    fn require_admin(&self) -> Result<(), ServiceError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}

/// Application states that are past submission and may be verified or shown.
const VERIFIABLE: [ApplicationState; 3] = [
    ApplicationState::Submitted,
    ApplicationState::Eligible,
    ApplicationState::Ineligible,
];

/// Round states in which verification happens.
const OPEN_ROUND_STATES: [&str; 2] = ["registration", "verification"];

/// One line of the verification queue.
#[derive(Clone, Debug)]
pub struct QueueRow {
    pub application_id: Uuid,
    pub registration_no: String,
    pub full_name: String,
    pub kelurahan_name: String,
    pub kelurahan_code: String,
    pub rt_number: Option<i32>,
    pub state: crate::domain::application::ApplicationState,
}

/// The queue of one round.
#[derive(Clone, Debug)]
pub struct RoundQueue {
    pub round_name: String,
    pub round_state: crate::domain::round::RoundState,
    pub rows: Vec<QueueRow>,
}

/// The submitted applications the caller may verify, per round (newest round
/// first), oldest registration number first.
///
/// # Errors
/// `Forbidden` for roles that do not verify; storage failures.
pub async fn queue(
    db: &DatabaseConnection,
    staff: &Staff,
) -> Result<Vec<RoundQueue>, ServiceError> {
    if !staff.may_verify() {
        return Err(ServiceError::Forbidden);
    }
    let mut q = application::Entity::find()
        .filter(application::Column::State.is_in(VERIFIABLE))
        .order_by_asc(application::Column::RegistrationNo);
    if staff.role != Role::Admin {
        q = q.filter(application::Column::KelurahanCode.is_in(staff.scopes.clone()));
    }
    let apps = q.all(db).await?;
    let names: HashMap<String, String> = kelurahan::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect();
    let rounds = round::Entity::find()
        .order_by_desc(round::Column::CreatedAt)
        .all(db)
        .await?;
    let mut by_round: BTreeMap<Uuid, Vec<QueueRow>> = BTreeMap::new();
    for a in apps {
        if !staff.covers(a.kelurahan_code.as_deref()) {
            continue;
        }
        by_round.entry(a.round_id).or_default().push(QueueRow {
            application_id: a.id,
            registration_no: a.registration_no.unwrap_or_default(),
            full_name: a.full_name,
            kelurahan_code: a.kelurahan_code.clone().unwrap_or_default(),
            kelurahan_name: a
                .kelurahan_code
                .as_ref()
                .and_then(|k| names.get(k).cloned())
                .unwrap_or_default(),
            rt_number: a.rt_number,
            state: a.state,
        });
    }
    Ok(rounds
        .into_iter()
        .filter_map(|r| {
            by_round.remove(&r.id).map(|rows| RoundQueue {
                round_name: r.name,
                round_state: r.state,
                rows,
            })
        })
        .collect())
}

/// One requirement of an opened application, with its current check.
#[derive(Clone, Debug)]
pub struct RequirementView {
    pub id: Uuid,
    pub code: String,
    pub kind: String,
    pub text_id: String,
    pub text_en: String,
    pub mandatory: bool,
    /// An optional document that was not uploaded: recorded as not
    /// submitted, with no MS/TMS to choose.
    pub not_submitted: bool,
    /// What the platform found by itself (age, domicile).
    pub automatic: Option<CheckOutcome>,
    /// The latest recorded check.
    pub current: Option<requirement_check::Model>,
}

/// A document of an opened application.
#[derive(Clone, Debug)]
pub struct DocumentView {
    pub id: Uuid,
    pub requirement_id: Option<Uuid>,
    pub original_name: String,
    pub content_type: String,
    /// Size of the stored file in bytes.
    pub size_bytes: i64,
}

/// What an operator sees of one application: masked NIK and the personal data
/// needed for checking, nothing more.
#[derive(Clone, Debug)]
pub struct ApplicationView {
    pub id: Uuid,
    pub round_name: String,
    pub round_state: crate::domain::round::RoundState,
    pub registration_no: String,
    pub state: crate::domain::application::ApplicationState,
    pub full_name: String,
    pub nik_masked: String,
    pub nik_warnings: Vec<String>,
    pub birth_place: String,
    pub birth_date: Option<Date>,
    pub sex: String,
    pub address: String,
    pub kelurahan_code: String,
    pub rt_number: Option<i32>,
    pub assisted: bool,
    pub requirements: Vec<RequirementView>,
    pub documents: Vec<DocumentView>,
    /// A change request waiting for a second admin.
    pub pending_change: Option<approval::Model>,
}

impl ApplicationView {
    /// Whether a first verification can still be recorded.
    pub fn awaiting_verification(&self) -> bool {
        self.state == ApplicationState::Submitted
    }

    /// Whether the round is in a state where outcomes are recorded or changed.
    pub fn round_open(&self) -> bool {
        OPEN_ROUND_STATES.contains(&self.round_state.as_str())
    }
}

/// Loads an application the caller may verify; `NotFound` for one outside
/// their scope, so its existence is not revealed.
async fn load_in_scope(
    db: &impl ConnectionTrait,
    staff: &Staff,
    application_id: Uuid,
) -> Result<application::Model, ServiceError> {
    if !staff.may_verify() {
        return Err(ServiceError::Forbidden);
    }
    let app = application::Entity::find_by_id(application_id)
        .one(db)
        .await?
        .filter(|a| VERIFIABLE.contains(&a.state))
        .ok_or(ServiceError::NotFound)?;
    if !staff.covers(app.kelurahan_code.as_deref()) {
        return Err(ServiceError::NotFound);
    }
    Ok(app)
}

/// The age and domicile checks the platform makes by itself: age on the
/// registration closing date (a calendar date in WITA), RT among the
/// formation's RTs.
pub(crate) async fn automatic_checks(
    db: &impl ConnectionTrait,
    vault: &NikVault,
    app: &application::Model,
    r: &round::Model,
) -> Result<HashMap<&'static str, CheckOutcome>, ServiceError> {
    let mut out = HashMap::new();
    let birth_date = super::data_keys::personal_of(db, vault, app)
        .await?
        .birth_date;
    if let (Some(birth), Some(closes)) = (birth_date, r.registration_closes_at) {
        let limits = AgeLimits {
            min: r.age_min.and_then(|v| u16::try_from(v).ok()),
            max: r.age_max.and_then(|v| u16::try_from(v).ok()),
        };
        out.insert(
            "age",
            check_age(birth, closes.to_offset(WITA).date(), limits),
        );
    }
    if let (Some(k), Some(rt), Some(f)) = (&app.kelurahan_code, app.rt_number, app.formation_id) {
        let rts = formation_rt::Entity::find()
            .filter(formation_rt::Column::FormationId.eq(f))
            .all(db)
            .await?;
        out.insert(
            "domicile",
            check_domicile(
                k,
                rt,
                rts.iter().map(|x| (x.kelurahan_code.as_str(), x.rt_number)),
            ),
        );
    }
    Ok(out)
}

/// The latest check of every requirement of an application.
async fn latest_checks(
    db: &impl ConnectionTrait,
    application_id: Uuid,
) -> Result<HashMap<Uuid, requirement_check::Model>, ServiceError> {
    let mut latest: HashMap<Uuid, requirement_check::Model> = HashMap::new();
    for c in requirement_check::Entity::find()
        .filter(requirement_check::Column::ApplicationId.eq(application_id))
        .all(db)
        .await?
    {
        if latest
            .get(&c.requirement_id)
            .is_none_or(|old| old.revision < c.revision)
        {
            latest.insert(c.requirement_id, c);
        }
    }
    Ok(latest)
}

/// The requirements an application uploaded a document for.
async fn uploaded_slots(
    db: &impl ConnectionTrait,
    application_id: Uuid,
) -> Result<HashSet<Uuid>, ServiceError> {
    Ok(document::Entity::find()
        .filter(document::Column::ApplicationId.eq(application_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|d| d.requirement_id)
        .collect())
}

/// Whether requirement `q` waits for an MS/TMS decision (see [`needs_decision`]).
fn decided_by_operator(q: &requirement::Model, uploaded: &HashSet<Uuid>) -> bool {
    needs_decision(&q.kind, q.mandatory, uploaded.contains(&q.id))
}

async fn requirements_of(
    db: &impl ConnectionTrait,
    round_id: Uuid,
) -> Result<Vec<requirement::Model>, ServiceError> {
    Ok(requirement::Entity::find()
        .filter(requirement::Column::RoundId.eq(round_id))
        .order_by_asc(requirement::Column::Position)
        .all(db)
        .await?)
}

/// Opens one application for checking.
///
/// # Errors
/// `Forbidden` for roles that do not verify, `NotFound` outside the caller's
/// scope; storage failures.
pub async fn open(
    db: &DatabaseConnection,
    vault: &NikVault,
    staff: &Staff,
    application_id: Uuid,
) -> Result<ApplicationView, ServiceError> {
    let app = load_in_scope(db, staff, application_id).await?;
    let r = round::Entity::find_by_id(app.round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let auto = automatic_checks(db, vault, &app, &r).await?;
    let personal = super::data_keys::personal_of(db, vault, &app).await?;
    let mut latest = latest_checks(db, app.id).await?;
    let uploaded = uploaded_slots(db, app.id).await?;
    let requirements = requirements_of(db, r.id)
        .await?
        .into_iter()
        .map(|q| RequirementView {
            not_submitted: !decided_by_operator(&q, &uploaded),
            mandatory: q.mandatory,
            automatic: auto.get(q.kind.as_str()).cloned(),
            current: latest.remove(&q.id),
            id: q.id,
            code: q.code,
            kind: q.kind,
            text_id: q.text_id,
            text_en: q.text_en,
        })
        .collect();
    let docs = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(app.id))
        .find_also_related(stored_file::Entity)
        .all(db)
        .await?
        .into_iter()
        .map(|(d, f)| DocumentView {
            id: d.id,
            requirement_id: d.requirement_id,
            original_name: d.original_name,
            size_bytes: f.as_ref().map_or(0, |f| f.size_bytes),
            content_type: f.map(|f| f.content_type).unwrap_or_default(),
        })
        .collect();
    let pending_change = approval::Entity::find()
        .filter(approval::Column::Kind.eq(KIND_OVERRIDE))
        .filter(approval::Column::SubjectId.eq(app.id.to_string()))
        .filter(approval::Column::Status.eq("pending"))
        .one(db)
        .await?;
    Ok(ApplicationView {
        id: app.id,
        round_name: r.name,
        round_state: r.state,
        registration_no: app.registration_no.unwrap_or_default(),
        state: app.state,
        full_name: app.full_name,
        nik_masked: app.nik_masked.unwrap_or_default(),
        nik_warnings: serde_json::from_str(&app.nik_warnings).unwrap_or_default(),
        birth_place: personal.birth_place,
        birth_date: personal.birth_date,
        sex: app.sex,
        address: personal.address,
        kelurahan_code: app.kelurahan_code.unwrap_or_default(),
        rt_number: app.rt_number,
        assisted: app.assisted_by.is_some(),
        requirements,
        documents: docs,
        pending_change,
    })
}

/// A document's bytes and type, for the caller's scope only.
#[derive(Clone, Debug)]
pub struct DocumentFile {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Reads a document of an application the caller may verify.
///
/// # Errors
/// `Forbidden` / `NotFound` as [`open`]; `NotFound` for a document of another
/// application; storage failures.
pub async fn document_file(
    db: &DatabaseConnection,
    store: &FileStore,
    staff: &Staff,
    application_id: Uuid,
    document_id: Uuid,
) -> Result<DocumentFile, ServiceError> {
    let app = load_in_scope(db, staff, application_id).await?;
    let (doc, file) = document::Entity::find_by_id(document_id)
        .find_also_related(stored_file::Entity)
        .one(db)
        .await?
        .filter(|(d, _)| d.application_id == app.id)
        .ok_or(ServiceError::NotFound)?;
    let file = file.ok_or(ServiceError::NotFound)?;
    let store = store.clone();
    let sha = doc.sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || store.read(&sha))
        .await
        .map_err(|e| anyhow::anyhow!(e))?
        .map_err(|e| anyhow::anyhow!("reading document {}: {e}", doc.id))?;
    Ok(DocumentFile {
        content_type: file.content_type,
        bytes,
    })
}

/// One operator decision on one requirement.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    pub requirement_id: Uuid,
    /// MS or TMS.
    pub tms: bool,
    /// One of [`REASONS`]; required for TMS.
    pub reason_code: Option<String>,
    /// Free text; required for TMS.
    pub reason_text: String,
}

/// Why a verification was refused, per requirement id (or `""` for the form).
pub type DecisionErrors = BTreeMap<String, String>;

/// Checks that every requirement has a valid decision.
fn check_decisions(
    requirements: &[requirement::Model],
    uploaded: &HashSet<Uuid>,
    decisions: &[Decision],
    lang: Lang,
) -> Result<(), DecisionErrors> {
    let mut errors = DecisionErrors::new();
    // An optional document that was not uploaded is recorded as not
    // submitted; a decision sent for it is ignored, none is asked for.
    for q in requirements
        .iter()
        .filter(|q| decided_by_operator(q, uploaded))
    {
        let Some(d) = decisions.iter().find(|d| d.requirement_id == q.id) else {
            errors.insert(
                q.id.to_string(),
                lang.pick("Pilih MS atau TMS.", "Choose MS or TMS.").into(),
            );
            continue;
        };
        if let Some(code) = &d.reason_code
            && !REASONS.iter().any(|(c, _, _)| c == code)
        {
            errors.insert(
                q.id.to_string(),
                lang.pick("Alasan tidak dikenal.", "Unknown reason.").into(),
            );
        } else if !d.tms && d.reason_code.is_some() {
            // A reason from the list explains a TMS; kept on an MS it would
            // record a check that contradicts itself.
            errors.insert(
                q.id.to_string(),
                lang.pick(
                    "Alasan dari daftar hanya untuk TMS: kosongkan alasannya atau pilih TMS.",
                    "A reason from the list goes with TMS only: clear the reason or choose TMS.",
                )
                .into(),
            );
        } else if d.tms && (d.reason_code.is_none() || d.reason_text.trim().is_empty()) {
            errors.insert(
                q.id.to_string(),
                lang.pick(
                    "TMS wajib disertai alasan dan keterangan.",
                    "TMS needs a reason and an explanation.",
                )
                .into(),
            );
        } else if d.reason_text.chars().count() > 1000 {
            errors.insert(
                q.id.to_string(),
                lang.pick("Keterangan terlalu panjang.", "Explanation too long.")
                    .into(),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The result of writing checks: the outcome and the TMS requirement codes.
struct Written {
    eligible: bool,
    tms_codes: Vec<String>,
    reasons_id: Vec<String>,
    reasons_en: Vec<String>,
}

/// Writes one new revision of every requirement's check and sets the
/// application's state, in the caller's transaction.
async fn write_checks(
    tx: &impl ConnectionTrait,
    vault: &NikVault,
    app: &application::Model,
    r: &round::Model,
    requirements: &[requirement::Model],
    decisions: &[Decision],
    checked_by: Uuid,
) -> Result<Written, ServiceError> {
    let auto = automatic_checks(tx, vault, app, r).await?;
    let latest = latest_checks(tx, app.id).await?;
    let uploaded = uploaded_slots(tx, app.id).await?;
    let now = OffsetDateTime::now_utc();
    let mut w = Written {
        eligible: true,
        tms_codes: Vec::new(),
        reasons_id: Vec::new(),
        reasons_en: Vec::new(),
    };
    let mut checks = Vec::with_capacity(requirements.len());
    for q in requirements {
        let revision = latest.get(&q.id).map_or(1, |c| c.revision + 1);
        if !decided_by_operator(q, &uploaded) {
            checks.push(requirement_check::ActiveModel {
                id: Set(Uuid::now_v7()),
                application_id: Set(app.id),
                requirement_id: Set(q.id),
                revision: Set(revision),
                outcome: Set(NOT_SUBMITTED.to_owned()),
                reason_code: Set(None),
                reason_text: Set(String::new()),
                automatic: Set(true),
                checked_by: Set(None),
                checked_at: Set(now),
            });
            continue;
        }
        let Some(d) = decisions.iter().find(|d| d.requirement_id == q.id) else {
            continue;
        };
        let verdict = if d.tms { Verdict::Tms } else { Verdict::Ms };
        // An automatic outcome the operator accepts as is stays marked
        // automatic (no checked_by): the rule decided, not a person.
        let typed = d.reason_text.trim();
        let auto_hit = auto.get(q.kind.as_str()).filter(|a| {
            a.verdict == verdict
                && (typed.is_empty()
                    || typed == a.message(Lang::Id)
                    || typed == a.message(Lang::En))
        });
        let (reason_code, reason_text, automatic, by) = match auto_hit {
            Some(a) => (
                Some(a.reason_code().to_owned()),
                a.message(Lang::Id),
                true,
                None,
            ),
            None => (
                d.reason_code.clone(),
                d.reason_text.trim().to_owned(),
                false,
                Some(checked_by),
            ),
        };
        if d.tms {
            w.eligible = false;
            w.tms_codes.push(q.code.clone());
            let label_id = reason_code
                .as_deref()
                .map(|c| reason_label(c, Lang::Id))
                .unwrap_or_default();
            let label_en = reason_code
                .as_deref()
                .map(|c| reason_label(c, Lang::En))
                .unwrap_or_default();
            // A requirement's text may end with a full stop; before the
            // colon it would read "Pindaian Kartu Keluarga.: …".
            w.reasons_id.push(format!(
                "{}: {label_id} — {reason_text}",
                q.text_id.trim_end_matches('.')
            ));
            w.reasons_en.push(format!(
                "{}: {label_en} — {reason_text}",
                q.text_en.trim_end_matches('.')
            ));
        }
        checks.push(requirement_check::ActiveModel {
            id: Set(Uuid::now_v7()),
            application_id: Set(app.id),
            requirement_id: Set(q.id),
            revision: Set(revision),
            outcome: Set(verdict.as_str().to_owned()),
            reason_code: Set(reason_code),
            reason_text: Set(reason_text),
            automatic: Set(automatic),
            checked_by: Set(by),
            checked_at: Set(now),
        });
    }
    // One statement for all of them: a round has about ten requirements.
    if !checks.is_empty() {
        requirement_check::Entity::insert_many(checks)
            .exec_without_returning(tx)
            .await?;
    }
    application::ActiveModel {
        id: Set(app.id),
        state: Set(if w.eligible {
            ApplicationState::Eligible
        } else {
            ApplicationState::Ineligible
        }),
        eligibility_decided_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx)
    .await?;
    Ok(w)
}

/// Mails the outcome to the applicant, when there is an address to mail
/// (an assisted application without e-mail gets none).
async fn mail_outcome(
    tx: &crate::db::WriteTx,
    from: &Mailbox,
    vault: &NikVault,
    app: &application::Model,
    r: &round::Model,
    w: &Written,
) -> Result<(), ServiceError> {
    let Some((to, locale)) = super::results::recipient(tx, vault, app).await? else {
        return Ok(());
    };
    let reasons = match locale {
        Locale::En => w.reasons_en.clone(),
        Locale::Id => w.reasons_id.clone(),
    };
    let template = Template::VerificationOutcome {
        name: app.full_name.clone(),
        registration_no: app.registration_no.clone().unwrap_or_default(),
        eligible: w.eligible,
        reasons,
        // The status page's headline after this outcome, word for word.
        headline: Some(
            super::applications::timeline(tx, vault, r, app.id, OffsetDateTime::now_utc())
                .await?
                .headline,
        ),
    };
    enqueue(tx, &to, &app.full_name, locale, &template, from).await?;
    Ok(())
}

/// Why a verification was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Missing or bad decisions, per requirement; nothing was written.
    #[error("invalid decisions")]
    Invalid(DecisionErrors),
    /// Anything else.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<sea_orm::DbErr> for VerifyError {
    fn from(e: sea_orm::DbErr) -> Self {
        VerifyError::Service(e.into())
    }
}

fn round_open(r: &round::Model) -> Result<(), ServiceError> {
    if OPEN_ROUND_STATES.contains(&r.state.as_str()) {
        Ok(())
    } else {
        Err(ServiceError::Conflict(Msg::new(
            "Verifikasi hanya dapat dilakukan saat tahap pendaftaran atau verifikasi.",
            "Verification happens only while the round is in registration or verification.",
        )))
    }
}

/// Records the first verification of a submitted application: a check per
/// requirement, the outcome (eligible when all MS), an `application.verified`
/// event and the mail to the applicant, in one transaction. Returns whether
/// the application is eligible.
///
/// # Errors
/// `Invalid` for missing decisions or a TMS without a reason; `Conflict` when
/// the round is not in registration or verification, or the application was
/// already verified (a change goes through [`request_change`]); `Forbidden` /
/// `NotFound` outside the caller's role or scope.
pub async fn verify(
    db: &DatabaseConnection,
    from: &Mailbox,
    vault: &NikVault,
    staff: &Staff,
    application_id: Uuid,
    decisions: &[Decision],
    lang: Lang,
) -> Result<bool, VerifyError> {
    let tx = begin_write(db).await?;
    let app = load_in_scope(&tx, staff, application_id).await?;
    let r = round::Entity::find_by_id(app.round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    round_open(&r)?;
    if app.state != ApplicationState::Submitted {
        return Err(ServiceError::Conflict(Msg::new(
            "Hasil verifikasi sudah dikirim; perubahan memerlukan persetujuan admin kedua.",
            "The verification outcome was already sent; a change needs a second admin's approval.",
        ))
        .into());
    }
    let requirements = requirements_of(&tx, r.id).await?;
    let uploaded = uploaded_slots(&tx, app.id).await?;
    check_decisions(&requirements, &uploaded, decisions, lang).map_err(VerifyError::Invalid)?;
    let w = write_checks(&tx, vault, &app, &r, &requirements, decisions, staff.id).await?;
    let registration_no = app.registration_no.clone().unwrap_or_default();
    let mut event = NewEvent::new(
        staff.actor(),
        "application.verified",
        "application",
        app.id.to_string(),
    )
    .round(r.id)
    .payload(serde_json::json!({
        "registration_no": registration_no,
        "outcome": if w.eligible { "eligible" } else { "ineligible" },
        "tms": w.tms_codes,
    }));
    event.registration_no = app.registration_no.clone();
    event.kelurahan_code = app.kelurahan_code.clone();
    let verified = append(&tx, event).await?;
    crate::services::standings::recompute_after_input(
        &tx,
        &r,
        app.formation_id,
        app.id,
        verified.seq,
    )
    .await?;
    mail_outcome(&tx, from, vault, &app, &r, &w).await?;
    tx.commit().await?;
    tracing::info!(application.registration_no = %registration_no, eligible = w.eligible, "application verified");
    Ok(w.eligible)
}

/// Asks for a change of an outcome already sent: the new decisions wait in an
/// `approval` row for a second admin; `approval.requested` is audited with the
/// written reason. Returns the approval id.
///
/// # Errors
/// `Forbidden` unless an admin; `Invalid` without a reason or with bad
/// decisions; `Conflict` when the application is not verified yet, the round is
/// past verification, or a change is already pending.
pub async fn request_change(
    db: &DatabaseConnection,
    staff: &Staff,
    application_id: Uuid,
    decisions: &[Decision],
    reason: &str,
    lang: Lang,
) -> Result<Uuid, VerifyError> {
    staff.require_admin()?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        let mut e = DecisionErrors::new();
        e.insert(
            "reason".into(),
            lang.pick(
                "Tulis alasan perubahan (maksimal 2000 karakter).",
                "Write the reason for the change (at most 2000 characters).",
            )
            .into(),
        );
        return Err(VerifyError::Invalid(e));
    }
    let tx = begin_write(db).await?;
    let app = load_in_scope(&tx, staff, application_id).await?;
    let r = round::Entity::find_by_id(app.round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    round_open(&r)?;
    if app.state == ApplicationState::Submitted {
        return Err(ServiceError::Conflict(Msg::new(
            "Aplikasi ini belum diverifikasi; verifikasi langsung saja.",
            "This application is not verified yet; verify it directly.",
        ))
        .into());
    }
    let requirements = requirements_of(&tx, r.id).await?;
    let uploaded = uploaded_slots(&tx, app.id).await?;
    check_decisions(&requirements, &uploaded, decisions, lang).map_err(VerifyError::Invalid)?;
    let id = Uuid::now_v7();
    let inserted = approval::ActiveModel {
        id: Set(id),
        round_id: Set(Some(r.id)),
        kind: Set(KIND_OVERRIDE.into()),
        subject_type: Set("application".into()),
        subject_id: Set(app.id.to_string()),
        payload: Set(
            serde_json::to_string(decisions).map_err(|e| ServiceError::Internal(e.into()))?
        ),
        reason: Set(reason.to_owned()),
        requested_by: Set(staff.id),
        requested_at: Set(OffsetDateTime::now_utc()),
        status: Set("pending".into()),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(String::new()),
    }
    .insert(&tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(ServiceError::Conflict(Msg::new(
                "Sudah ada permintaan perubahan yang menunggu persetujuan.",
                "A change request already awaits approval.",
            ))
            .into());
        }
        Err(e) => return Err(e.into()),
    }
    let mut event = NewEvent::new(
        staff.actor(),
        "approval.requested",
        "approval",
        id.to_string(),
    )
    .round(r.id)
    .reason(reason)
    .payload(serde_json::json!({
        "kind": KIND_OVERRIDE,
        "application_id": app.id.to_string(),
        "registration_no": app.registration_no.clone().unwrap_or_default(),
        "requested_by": staff.id.to_string(),
    }));
    event.registration_no = app.registration_no.clone();
    event.kelurahan_code = app.kelurahan_code.clone();
    append(&tx, event).await?;
    tx.commit().await?;
    tracing::info!(approval.id = %id, "verification change requested");
    Ok(id)
}

/// A pending change, as the approvals page lists it.
#[derive(Clone, Debug)]
pub struct PendingApproval {
    pub id: Uuid,
    /// The application concerned (none for a file of imported values).
    pub application_id: Option<Uuid>,
    pub registration_no: String,
    pub requested_by_name: String,
    pub requested_by: Uuid,
    pub reason: String,
    pub requested_at: OffsetDateTime,
    /// Requirement codes that would be TMS after the change.
    pub tms: Vec<String>,
    /// For a change of another ranking input (a recusal, a file of imported
    /// values; [`crate::services::input_approvals`]): what approving would
    /// do, in Bahasa Indonesia and English. `None` for a verification change.
    pub change: Option<(String, String)>,
}

/// Every pending verification change, oldest first.
///
/// # Errors
/// `Forbidden` unless an admin; storage failures.
pub async fn pending(
    db: &DatabaseConnection,
    staff: &Staff,
) -> Result<Vec<PendingApproval>, ServiceError> {
    staff.require_admin()?;
    let rows = approval::Entity::find()
        .filter(approval::Column::Kind.eq(KIND_OVERRIDE))
        .filter(approval::Column::Status.eq("pending"))
        .order_by_asc(approval::Column::RequestedAt)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for a in rows {
        let application_id: Uuid = a.subject_id.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        let app = application::Entity::find_by_id(application_id)
            .one(db)
            .await?;
        let who = account::Entity::find_by_id(a.requested_by).one(db).await?;
        let decisions: Vec<Decision> = serde_json::from_str(&a.payload).unwrap_or_default();
        let codes: HashMap<Uuid, String> = match &app {
            Some(app) => requirements_of(db, app.round_id)
                .await?
                .into_iter()
                .map(|q| (q.id, q.code))
                .collect(),
            None => HashMap::new(),
        };
        out.push(PendingApproval {
            id: a.id,
            application_id: Some(application_id),
            registration_no: app.and_then(|x| x.registration_no).unwrap_or_default(),
            requested_by_name: who.map(|w| w.name).unwrap_or_default(),
            requested_by: a.requested_by,
            reason: a.reason,
            requested_at: a.requested_at,
            tms: decisions
                .iter()
                .filter(|d| d.tms)
                .filter_map(|d| codes.get(&d.requirement_id).cloned())
                .collect(),
            change: None,
        });
    }
    for c in crate::services::input_approvals::pending(db).await? {
        let who = account::Entity::find_by_id(c.approval.requested_by)
            .one(db)
            .await?;
        out.push(PendingApproval {
            id: c.approval.id,
            application_id: c.application_id,
            registration_no: c.subject,
            requested_by_name: who.map(|w| w.name).unwrap_or_default(),
            requested_by: c.approval.requested_by,
            reason: c.approval.reason,
            requested_at: c.approval.requested_at,
            tms: Vec::new(),
            change: Some(c.change),
        });
    }
    Ok(out)
}

/// Approves or rejects a pending change. Approval (by an admin other than the
/// requester) writes the new checks and state, `approval.approved` and
/// `application.verification_changed` (naming both admins) and mails the new
/// outcome; rejection writes `approval.rejected`. One transaction.
///
/// # Errors
/// `Forbidden` unless an admin, and for the requester deciding their own
/// request (the database refuses it too); `NotFound` for an unknown or
/// already decided request; `Conflict` when the round is past verification.
pub async fn decide(
    db: &DatabaseConnection,
    from: &Mailbox,
    vault: &NikVault,
    staff: &Staff,
    approval_id: Uuid,
    approve: bool,
    decision_reason: &str,
) -> Result<(), ServiceError> {
    staff.require_admin()?;
    // The approvals page decides every pending four-eyes change of a ranking input.
    let kind = approval::Entity::find_by_id(approval_id)
        .one(db)
        .await?
        .map(|a| a.kind);
    if kind
        .as_deref()
        .is_some_and(crate::services::input_approvals::is_input_change)
    {
        return crate::services::input_approvals::decide(
            db,
            staff.actor(),
            approval_id,
            approve,
            decision_reason,
        )
        .await;
    }
    let tx = begin_write(db).await?;
    let a = approval::Entity::find_by_id(approval_id)
        .one(&tx)
        .await?
        .filter(|a| a.status == "pending" && a.kind == KIND_OVERRIDE)
        .ok_or(ServiceError::NotFound)?;
    if a.requested_by == staff.id {
        return Err(ServiceError::Forbidden);
    }
    let application_id: Uuid = a.subject_id.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let app = application::Entity::find_by_id(application_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let now = OffsetDateTime::now_utc();
    let status = if approve { "approved" } else { "rejected" };
    let updated = approval::Entity::update_many()
        .col_expr(
            approval::Column::Status,
            sea_orm::sea_query::Expr::value(status),
        )
        .col_expr(
            approval::Column::DecidedBy,
            sea_orm::sea_query::Expr::value(staff.id),
        )
        .col_expr(
            approval::Column::DecidedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            approval::Column::DecisionReason,
            sea_orm::sea_query::Expr::value(decision_reason.trim().to_owned()),
        )
        .filter(approval::Column::Id.eq(a.id))
        .filter(approval::Column::Status.eq("pending"))
        .exec(&tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ServiceError::NotFound);
    }
    let registration_no = app.registration_no.clone().unwrap_or_default();
    let names = serde_json::json!({
        "kind": KIND_OVERRIDE,
        "registration_no": registration_no,
        "requested_by": a.requested_by.to_string(),
        "decided_by": staff.id.to_string(),
    });
    let mut event = NewEvent::new(
        staff.actor(),
        if approve {
            "approval.approved"
        } else {
            "approval.rejected"
        },
        "approval",
        a.id.to_string(),
    )
    .reason(decision_reason.trim())
    .payload(names);
    event.round_id = a.round_id;
    event.registration_no = app.registration_no.clone();
    event.kelurahan_code = app.kelurahan_code.clone();
    let decided = append(&tx, event).await?;
    if approve {
        let r = round::Entity::find_by_id(app.round_id)
            .one(&tx)
            .await?
            .ok_or(ServiceError::NotFound)?;
        round_open(&r)?;
        let decisions: Vec<Decision> =
            serde_json::from_str(&a.payload).map_err(|e| anyhow::anyhow!(e))?;
        let requirements = requirements_of(&tx, r.id).await?;
        let w = write_checks(
            &tx,
            vault,
            &app,
            &r,
            &requirements,
            &decisions,
            a.requested_by,
        )
        .await?;
        let mut event = NewEvent::new(
            staff.actor(),
            "application.verification_changed",
            "application",
            app.id.to_string(),
        )
        .round(r.id)
        .reason(a.reason.clone())
        .payload(serde_json::json!({
            "registration_no": registration_no,
            "from": app.state,
            "outcome": if w.eligible { "eligible" } else { "ineligible" },
            "tms": w.tms_codes,
            "approval_id": a.id.to_string(),
            "approval_seq": decided.seq,
            "requested_by": a.requested_by.to_string(),
            "approved_by": staff.id.to_string(),
        }));
        event.registration_no = app.registration_no.clone();
        event.kelurahan_code = app.kelurahan_code.clone();
        let changed = append(&tx, event).await?;
        // An eligibility overturned or imposed re-ranks the formation, with
        // the change as cause.
        crate::services::standings::recompute_after_input(
            &tx,
            &r,
            app.formation_id,
            app.id,
            changed.seq,
        )
        .await?;
        mail_outcome(&tx, from, vault, &app, &r, &w).await?;
    }
    tx.commit().await?;
    tracing::info!(approval.id = %a.id, approved = approve, "verification change decided");
    Ok(())
}
