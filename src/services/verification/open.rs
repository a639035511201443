//! One application opened for checking, and its documents, within the
//! caller's scope.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use time::Date;
use uuid::Uuid;

use super::{
    KIND_OVERRIDE, OPEN_ROUND_STATES, Staff, automatic_checks, decided_by_operator, latest_checks,
    load_in_scope, requirements_of, uploaded_slots,
};
use crate::db::entities::{approval, document, requirement_check, round, stored_file};
use crate::domain::application::ApplicationState;
use crate::domain::approval::ApprovalStatus;
use crate::domain::eligibility::CheckOutcome;
use crate::pii::NikVault;
use crate::services::ServiceError;
use crate::storage::FileStore;

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
    let personal = crate::services::data_keys::personal_of(db, vault, &app).await?;
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
        .filter(approval::Column::Status.eq(ApprovalStatus::Pending))
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
