//! Four-eyes for changes of a ranking input once results are published.
//!
//! From provisional results on, a change that can move a published rank —
//! an admin's recusal of a panelist, a corrected file of imported values —
//! is only requested, with a written reason (`approval.requested`). It is
//! applied when a different admin approves it (`approval.approved`), in that
//! transaction: the change's own event is appended (naming the approval,
//! the requester and the approver) and the formation is re-ranked with it as
//! cause, so every `ranking.changed` names it. A rejection
//! (`approval.rejected`) changes nothing. A file that corrects the values
//! of a stage whose shortlist is published (even during the assessment)
//! takes the same path, and its approval publishes the shortlist again. Panel membership is frozen instead
//! ([`crate::services::panel_freeze`]); eligibility changes and objection
//! outcomes have their own four-eyes requests.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use time::OffsetDateTime;
use uuid::Uuid;

use super::checkpoints::CheckpointKey;
use super::imports::ImportSummary;
use super::results::{
    ApprovalRequest, for_second_admin, request_approval_audited, settle_approval,
};
use super::self_service::MailCtx;
use super::{ServiceError, require_admin};
use crate::db::audit::{Actor, NewEvent};
use crate::db::begin_write;
use crate::db::entities::{application, approval, round};
use crate::domain::approval::ApprovalStatus;

/// `approval.kind` of a requested recusal.
pub const KIND_RECUSAL: &str = "recusal.impose";
/// `approval.kind` of a requested file of imported values.
pub const KIND_IMPORT: &str = "imported_values.replace";

/// Whether an approval kind is one of this module's.
#[must_use]
pub fn is_input_change(kind: &str) -> bool {
    kind == KIND_RECUSAL || kind == KIND_IMPORT
}

/// The written reason of a request; `stage` names the stage whose
/// published shortlist a correction changes (else the results are what is
/// published).
fn require_reason<'a>(reason: &'a str, stage: Option<&str>) -> Result<&'a str, ServiceError> {
    let reason = reason.trim();
    if reason.chars().count() < 10 || reason.chars().count() > 2000 {
        return Err(ServiceError::Invalid(match stage {
            Some(code) => crate::domain::msg::Msg::new(
                format!(
                    "Daftar lolos tahap {code} sudah diterbitkan: koreksi nilainya memerlukan alasan tertulis (10–2000 karakter) dan persetujuan admin lain."
                ),
                format!(
                    "The shortlist of stage {code} is published: correcting its values needs a written reason (10–2000 characters) and another admin's approval."
                ),
            ),
            None => crate::domain::msg::Msg::new(
                "Hasil sudah diumumkan: perubahan ini memerlukan alasan tertulis (10–2000 karakter) dan persetujuan admin lain.",
                "The results are published: this change needs a written reason (10–2000 characters) and another admin's approval.",
            ),
        }));
    }
    Ok(reason)
}

#[derive(serde::Serialize, serde::Deserialize)]
struct RecusalPayload {
    panelist_id: Uuid,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ImportPayload {
    criterion: String,
    csv: String,
    /// The stage whose published shortlist the file corrects, when asked
    /// (for the list of requests; approval derives it again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stage: Option<String>,
}

/// Stores a recusal of `panelist` from `app` for a second admin.
pub(crate) async fn request_recusal(
    tx: &crate::db::WriteTx,
    actor: Actor,
    admin: Uuid,
    app: &application::Model,
    r: &round::Model,
    panelist: Uuid,
    reason: &str,
) -> Result<Uuid, ServiceError> {
    let reason = require_reason(reason, None)?;
    let payload = serde_json::to_string(&RecusalPayload {
        panelist_id: panelist,
    })
    .map_err(|e| ServiceError::Internal(e.into()))?;
    let no = app.registration_no.clone().unwrap_or_default();
    let id = request_approval_audited(
        tx,
        actor,
        ApprovalRequest {
            round_id: r.id,
            kind: KIND_RECUSAL,
            subject: ("application", format!("{}:{panelist}", app.id)),
            payload,
            reason,
            requested_by: admin,
            now: OffsetDateTime::now_utc(),
        },
        crate::domain::msg::Msg::new(
            "Pengecualian penilai ini sudah menunggu persetujuan admin lain.",
            "This panelist's recusal already awaits another admin's approval.",
        ),
        serde_json::json!({
            "application_id": app.id.to_string(),
            "registration_no": no,
            "panelist_id": panelist.to_string(),
        }),
        Some(no.clone()),
    )
    .await?;
    tracing::info!(approval.id = %id, application.registration_no = %no, "recusal requested");
    Ok(id)
}

/// Stores a checked file of imported values for a second admin.
pub(crate) async fn request_import(
    tx: &crate::db::WriteTx,
    actor: Actor,
    admin: Uuid,
    checked: &super::imports::Checked,
    csv: &str,
    would: &ImportSummary,
    reason: &str,
) -> Result<Uuid, ServiceError> {
    let (r, criterion) = (&checked.round, checked.criterion.code.as_str());
    let stage = checked.correction.as_deref();
    let reason = require_reason(reason, stage)?;
    let payload = serde_json::to_string(&ImportPayload {
        criterion: criterion.to_owned(),
        csv: csv.to_owned(),
        stage: stage.map(str::to_owned),
    })
    .map_err(|e| ServiceError::Internal(e.into()))?;
    let mut details = serde_json::json!({
        "criterion": criterion,
        "rows": i64::try_from(would.rows).unwrap_or(i64::MAX),
        "added": i64::try_from(would.added).unwrap_or(i64::MAX),
        "changed": i64::try_from(would.changed).unwrap_or(i64::MAX),
    });
    if let Some(code) = stage {
        details["stage"] = code.into();
    }
    let id = request_approval_audited(
        tx,
        actor,
        ApprovalRequest {
            round_id: r.id,
            kind: KIND_IMPORT,
            subject: ("round", format!("{}:{criterion}", r.id)),
            payload,
            reason,
            requested_by: admin,
            now: OffsetDateTime::now_utc(),
        },
        crate::domain::msg::Msg::new(
            "Sebuah berkas nilai untuk kriteria ini sudah menunggu persetujuan admin lain.",
            "A score file for this criterion already awaits another admin's approval.",
        ),
        details,
        None,
    )
    .await?;
    tracing::info!(approval.id = %id, criterion, "re-import requested");
    Ok(id)
}

/// A pending change of a ranking input, for the approvals page.
#[derive(Clone, Debug)]
pub struct PendingInputChange {
    pub approval: approval::Model,
    /// The application concerned (a recusal), if any.
    pub application_id: Option<Uuid>,
    /// Registration number, or the criterion code of a file.
    pub subject: String,
    /// What approving would do, in Bahasa Indonesia and English.
    pub change: (String, String),
}

/// Every pending request of this module, oldest first.
///
/// # Errors
/// Storage failures.
pub async fn pending(db: &DatabaseConnection) -> Result<Vec<PendingInputChange>, ServiceError> {
    let rows = approval::Entity::find()
        .filter(approval::Column::Kind.is_in([KIND_RECUSAL, KIND_IMPORT]))
        .filter(approval::Column::Status.eq(ApprovalStatus::Pending))
        .all(db)
        .await?;
    let mut out = Vec::new();
    for a in rows {
        let item = match a.kind.as_str() {
            KIND_RECUSAL => {
                let p: RecusalPayload =
                    serde_json::from_str(&a.payload).map_err(|e| anyhow::anyhow!(e))?;
                let app_id: Option<Uuid> =
                    a.subject_id.split(':').next().and_then(|s| s.parse().ok());
                let app = match app_id {
                    Some(id) => application::Entity::find_by_id(id).one(db).await?,
                    None => None,
                };
                let who = crate::db::entities::account::Entity::find_by_id(p.panelist_id)
                    .one(db)
                    .await?
                    .map(|x| x.name)
                    .unwrap_or_default();
                PendingInputChange {
                    application_id: app_id,
                    subject: app.and_then(|x| x.registration_no).unwrap_or_default(),
                    change: (
                        format!("Kecualikan penilai {who}: nilainya tidak dihitung lagi."),
                        format!("Recuse panelist {who}: their values stop counting."),
                    ),
                    approval: a,
                }
            }
            _ => {
                let p: ImportPayload =
                    serde_json::from_str(&a.payload).map_err(|e| anyhow::anyhow!(e))?;
                let lines = p.csv.lines().count().saturating_sub(1);
                let change = match &p.stage {
                    Some(stage) => (
                        format!(
                            "Koreksi nilai impor kriteria {} ({lines} baris); daftar lolos tahap {stage} dihitung dan diterbitkan ulang.",
                            p.criterion
                        ),
                        format!(
                            "Correct the imported values of criterion {} ({lines} lines); the shortlist of stage {stage} is derived and published again.",
                            p.criterion
                        ),
                    ),
                    None => (
                        format!(
                            "Ganti nilai impor kriteria {} ({lines} baris).",
                            p.criterion
                        ),
                        format!(
                            "Replace the imported values of criterion {} ({lines} lines).",
                            p.criterion
                        ),
                    ),
                };
                PendingInputChange {
                    application_id: None,
                    subject: p.criterion.clone(),
                    change,
                    approval: a,
                }
            }
        };
        out.push(item);
    }
    out.sort_by_key(|p| p.approval.requested_at);
    Ok(out)
}

/// A different admin approves or rejects a pending change. Approval checks
/// the change again as of now (the round may have moved on, the panelist
/// may have been recused since, the file may no longer fit), appends
/// `approval.approved`, then applies the change with its own event naming
/// `approval_id`, `approval_seq`, `requested_by` and `approved_by`, and
/// re-ranks with that event as cause: one transaction. A file correcting a
/// stage whose shortlist is published then publishes that shortlist again
/// ([`crate::services::shortlists::republish`], caused by
/// `approval.approved`): those it pushes below the cut lose their
/// invitation and are mailed through `mail`, and `key` signs the
/// checkpoint.
///
/// # Errors
/// `Forbidden` unless an admin other than the requester; `NotFound` for an
/// unknown or already decided request; `Invalid` when the change no longer
/// applies; `Conflict` for a correction once the next stage's shortlist is
/// published.
pub async fn decide(
    db: &DatabaseConnection,
    mail: &MailCtx<'_>,
    key: &CheckpointKey,
    actor: Actor,
    approval_id: Uuid,
    approve: bool,
    note: &str,
) -> Result<(), ServiceError> {
    let admin = require_admin(actor)?;
    let tx = begin_write(db).await?;
    let a = for_second_admin(
        approval::Entity::find_by_id(approval_id)
            .one(&tx)
            .await?
            .filter(|a| a.status == ApprovalStatus::Pending && is_input_change(&a.kind)),
        admin,
    )?;
    let decided = settle_approval(
        &tx,
        actor,
        &a,
        approve,
        OffsetDateTime::now_utc(),
        note,
        NewEvent::new(actor, "", "approval", a.id.to_string())
            .payload(serde_json::json!({ "subject_id": a.subject_id })),
    )
    .await?;
    if approve {
        let names = serde_json::json!({
            "approval_id": a.id.to_string(),
            "approval_seq": decided.seq,
            "requested_by": a.requested_by.to_string(),
            "approved_by": admin.to_string(),
        });
        if a.kind == KIND_RECUSAL {
            let p: RecusalPayload =
                serde_json::from_str(&a.payload).map_err(|e| anyhow::anyhow!(e))?;
            let app_id: Uuid = a
                .subject_id
                .split(':')
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| anyhow::anyhow!("recusal request without application"))?;
            let (app, r) = super::panel_admin::recusable(&tx, app_id, p.panelist_id).await?;
            super::panel_admin::apply_recusal(
                &tx,
                actor,
                &app,
                &r,
                p.panelist_id,
                &a.reason,
                Some(names),
            )
            .await?;
        } else {
            let p: ImportPayload =
                serde_json::from_str(&a.payload).map_err(|e| anyhow::anyhow!(e))?;
            let round_id = a.round_id.ok_or(ServiceError::NotFound)?;
            let checked = super::imports::check_file(&tx, round_id, &p.criterion, &p.csv)
                .await
                .map_err(|e| match e {
                    ServiceError::Lines(_) => {
                        let lines = e.refusal().unwrap_or_default();
                        ServiceError::invalid(crate::domain::msg::Msg::new(
                            format!("Berkas ini tidak lagi dapat diterapkan: {}", lines.id),
                            format!("This file can no longer be applied: {}", lines.en),
                        ))
                    }
                    other => other,
                })?;
            super::imports::apply(&tx, actor, &checked, Some(&names)).await?;
            if let Some(stage) = &checked.correction {
                super::shortlists::republish(
                    &tx,
                    mail,
                    key,
                    actor,
                    round_id,
                    stage,
                    super::shortlists::Cause::Correction {
                        approval_id: a.id,
                        seq: decided.seq,
                    },
                )
                .await?;
            }
        }
    }
    tx.commit().await?;
    tracing::info!(approval.id = %a.id, approved = approve, "ranking input change decided");
    Ok(())
}
