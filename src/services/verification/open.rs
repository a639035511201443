//! One application opened for checking, and its documents, within the
//! caller's scope.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    KIND_OVERRIDE, Staff, automatic_checks, decided_by_operator, latest_checks, load_in_scope,
    requirements_of, uploaded_slots,
};
use crate::db::entities::{document, round, stored_file};
use crate::pii::NikVault;
use crate::services::ServiceError;
use crate::services::results::pending_about;
use crate::storage::FileStore;

pub use crate::domain::verification::{ApplicationView, DocumentView, RequirementView};

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
    let auto = automatic_checks(db, vault, &app, &(&r).into()).await?;
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
            current: latest.remove(&q.id).map(Into::into),
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
    let pending_change = pending_about(db, KIND_OVERRIDE, &app.id.to_string()).await?;
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
        pending_change: pending_change.map(Into::into),
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
