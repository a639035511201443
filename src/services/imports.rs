//! Imported criteria: an admin uploads `registration_no,value`
//! for a criterion of kind `imported`. The file is checked whole (see
//! [`crate::domain::imported`]); a bad file changes nothing. Otherwise each
//! changed value is stored and is its own `imported_value.set` event (with
//! the old value on a re-import), and the formations are re-ranked in the
//! same transaction: once results are published right after each value, with
//! that value's event as cause. A file for a stage whose shortlist is
//! published is a correction: it waits for a second admin, whose approval
//! also publishes the shortlist again
//! ([`crate::services::input_approvals`]).

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::ServiceError;
use super::standings::recompute_formation;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{application, criterion, imported_value, round};
use crate::domain::application::ApplicationState;
use crate::domain::imported::{LineError, parse_imported_csv};
use crate::domain::round::CriterionRow;

/// Largest accepted file (a city-wide written test fits many times over).
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

pub use crate::domain::imported::ImportSummary;

/// The round's criteria of kind `imported`.
///
/// # Errors
/// Storage failures.
pub async fn imported_criteria(
    db: &DatabaseConnection,
    round_id: Uuid,
) -> Result<Vec<CriterionRow>, ServiceError> {
    Ok(criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round_id))
        .filter(criterion::Column::Kind.eq("imported"))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The round's imported criteria of a stage whose shortlist is published,
/// each with that stage: a file for one is a correction
/// ([`crate::services::shortlists::correction_stage`]).
///
/// # Errors
/// Storage failures.
pub async fn corrections(
    db: &DatabaseConnection,
    round_id: Uuid,
) -> Result<Vec<(String, String)>, ServiceError> {
    let published: std::collections::BTreeSet<String> =
        crate::db::entities::stage_shortlist::Entity::find()
            .filter(crate::db::entities::stage_shortlist::Column::RoundId.eq(round_id))
            .all(db)
            .await?
            .into_iter()
            .map(|s| s.stage_code)
            .collect();
    Ok(imported_criteria(db, round_id)
        .await?
        .into_iter()
        .filter_map(|c| {
            let stage = c.stage_code.filter(|s| published.contains(s))?;
            Some((c.code, stage))
        })
        .collect())
}

/// Imports a file of values for `criterion_code` of the round.
///
/// Allowed during the assessment, and while results are provisional or open
/// to objection (a corrected file). Once results are published, and for a
/// criterion of a stage whose shortlist is published (a correction, until
/// the next stage's shortlist is published), a checked file is only
/// requested (`summary.approval_id`, with the counts it would give): it
/// applies when another admin approves it
/// ([`crate::services::input_approvals::decide`]), and every resulting rank
/// change is then a `ranking.changed` event caused by the value's event (or
/// by the shortlist's re-publication, for a correction).
///
/// # Errors
/// `Lines` for a refused file (nothing is stored); `Forbidden` for
/// non-admins, `NotFound` for an unknown round or criterion, `Invalid`
/// outside the allowed states, for a panel criterion or an oversized file;
/// `Conflict` when a file for the criterion already waits for
/// approval, or corrects a stage after the next stage's shortlist is
/// published.
pub async fn import(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    criterion_code: &str,
    file: &[u8],
) -> Result<ImportSummary, ServiceError> {
    import_with_reason(db, actor, round_id, criterion_code, file, "").await
}

/// [`import`] with the written reason a request after publication, or a
/// correction of a stage whose shortlist is published, needs (at least 10
/// characters there; ignored otherwise).
///
/// # Errors
/// As [`import`], and `Invalid` for a missing reason after
/// publication.
pub async fn import_with_reason(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    criterion_code: &str,
    file: &[u8],
    reason: &str,
) -> Result<ImportSummary, ServiceError> {
    let admin = super::require_admin(actor)?;
    if file.len() > MAX_FILE_BYTES {
        return Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Berkas terlalu besar (maksimal 1 MB).",
            "The file is too large (at most 1 MB).",
        )));
    }
    let Ok(text) = std::str::from_utf8(file) else {
        return Err(ServiceError::Lines(vec![LineError {
            line: 1,
            message: crate::domain::msg::Msg::new(
                "berkas harus teks CSV berenkode UTF-8.",
                "the file must be CSV text in UTF-8.",
            ),
        }]));
    };
    let tx = begin_write(db).await?;
    let checked = check_file(&tx, round_id, criterion_code, text).await?;
    let summary = if checked.round.state.is_published() || checked.correction.is_some() {
        let mut summary = checked.summary(Uuid::now_v7());
        let id = super::input_approvals::request_import(
            &tx, actor, admin, &checked, text, &summary, reason,
        )
        .await?;
        summary.approval_id = Some(id.to_string());
        summary
    } else {
        apply(&tx, actor, &checked, None).await?
    };
    tx.commit().await?;
    tracing::info!(round.id = %round_id, criterion = %checked.criterion.code, rows = summary.rows, "imported values");
    Ok(summary)
}

/// A file checked against the round: what it would store.
pub(crate) struct Checked {
    pub round: round::Model,
    pub criterion: criterion::Model,
    apps: HashMap<String, application::Model>,
    values: std::collections::BTreeMap<String, i32>,
    existing: HashMap<Uuid, imported_value::Model>,
    /// The stage whose published shortlist the file corrects (it waits for
    /// a second admin, and the shortlist is published again on approval).
    pub correction: Option<String>,
}

impl Checked {
    /// The counts applying the file would give (nothing stored).
    fn summary(&self, batch: Uuid) -> ImportSummary {
        let mut s = ImportSummary {
            batch_id: batch.to_string(),
            rows: self.values.len(),
            added: 0,
            changed: 0,
            unchanged: 0,
            approval_id: None,
        };
        for (no, value) in &self.values {
            let Some(a) = self.apps.get(no) else { continue };
            match self.existing.get(&a.id) {
                Some(o) if o.value == *value => s.unchanged += 1,
                Some(_) => s.changed += 1,
                None => s.added += 1,
            }
        }
        s
    }
}

/// Checks `text` as a file of `criterion_code` of the round, now.
///
/// # Errors
/// As [`import`].
pub(crate) async fn check_file<C: ConnectionTrait>(
    tx: &C,
    round_id: Uuid,
    criterion_code: &str,
    text: &str,
) -> Result<Checked, ServiceError> {
    let r = round::Entity::find_by_id(round_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !r.state.scores_may_change() {
        return Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Nilai impor hanya dapat diunggah pada tahap uji kelayakan sampai masa sanggah.",
            "Imported scores can only be uploaded from the assessment stage until the objection period.",
        )));
    }
    let c = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round_id))
        .filter(criterion::Column::Code.eq(criterion_code.trim()))
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if c.kind != "imported" {
        return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
            format!(
                "Kriteria {} dinilai oleh tim penilai, bukan diimpor.",
                c.code
            ),
            format!("Criterion {} is scored by the panel, not imported.", c.code),
        )));
    }
    let apps: HashMap<String, application::Model> = application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .filter(application::Column::RegistrationNo.is_not_null())
        .all(tx)
        .await?
        .into_iter()
        .filter_map(|a| a.registration_no.clone().map(|n| (n, a)))
        .collect();
    let known: HashMap<String, bool> = apps
        .iter()
        .map(|(n, a)| (n.clone(), a.state == ApplicationState::Eligible))
        .collect();
    let values = parse_imported_csv(text, (c.scale_min, c.scale_max), &known)
        .map_err(ServiceError::Lines)?;
    // A file for a stage whose shortlist is published corrects values the
    // shortlist was decided on: refused once the next stage's is published.
    let correction = crate::services::shortlists::correction_stage(tx, round_id, &c).await?;
    // A later stage of a staged round takes values only of those who went
    // on from the stage before.
    for no in values.keys() {
        if let Some(a) = apps.get(no) {
            crate::services::shortlists::require_went_on(tx, round_id, a.id, &c)
                .await
                .map_err(|e| match e {
                    ServiceError::Conflict(m) => {
                        ServiceError::Conflict(crate::domain::msg::Msg::new(
                            format!("{no}: {}", m.id),
                            format!("{no}: {}", m.en),
                        ))
                    }
                    other => other,
                })?;
        }
    }
    let existing: HashMap<Uuid, imported_value::Model> = imported_value::Entity::find()
        .filter(imported_value::Column::CriterionId.eq(c.id))
        .all(tx)
        .await?
        .into_iter()
        .map(|v| (v.application_id, v))
        .collect();
    Ok(Checked {
        round: r,
        criterion: c,
        apps,
        values,
        existing,
        correction,
    })
}

/// Stores a checked file: one `imported_value.set` per new or changed value
/// (with `approval`'s names merged into its payload when a second admin
/// released it), each formation re-ranked with a value's event as cause.
///
/// # Errors
/// Storage failures.
pub(crate) async fn apply(
    tx: &crate::db::WriteTx,
    actor: Actor,
    checked: &Checked,
    approval: Option<&serde_json::Value>,
) -> Result<ImportSummary, ServiceError> {
    let admin = match actor {
        Actor::Account { id, .. } => id,
        Actor::System => return Err(ServiceError::Forbidden),
    };
    let (r, c) = (&checked.round, &checked.criterion);
    let round_id = r.id;
    let batch = Uuid::now_v7();
    let now = time::OffsetDateTime::now_utc();
    let mut summary = checked.summary(batch);
    // Once ranks are published every value re-ranks at once, so each rank
    // change names the value that caused it. Before that no rank change is
    // announced, and one re-rank per formation (after its last value) keeps a
    // city-wide file fast.
    let published = r.state.is_published();
    let mut pending: std::collections::BTreeMap<Uuid, i64> = std::collections::BTreeMap::new();
    for (no, value) in &checked.values {
        let Some(a) = checked.apps.get(no) else {
            continue;
        };
        let old = checked.existing.get(&a.id);
        if old.is_some_and(|o| o.value == *value) {
            continue;
        }
        match old {
            Some(o) => {
                imported_value::ActiveModel {
                    id: Set(o.id),
                    value: Set(*value),
                    imported_by: Set(admin),
                    imported_at: Set(now),
                    batch_id: Set(batch),
                    ..Default::default()
                }
                .update(tx)
                .await?;
            }
            None => {
                imported_value::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    round_id: Set(round_id),
                    criterion_id: Set(c.id),
                    application_id: Set(a.id),
                    value: Set(*value),
                    imported_by: Set(admin),
                    imported_at: Set(now),
                    batch_id: Set(batch),
                }
                .insert(tx)
                .await?;
            }
        }
        let mut payload = serde_json::json!({
            "registration_no": no,
            "criterion": c.code,
            "new": value,
            "batch_id": batch.to_string(),
        });
        if let Some(o) = old {
            payload["old"] = serde_json::json!(o.value);
        }
        if let Some(serde_json::Value::Object(extra)) = approval {
            for (k, v) in extra {
                payload[k] = v.clone();
            }
        }
        let event = append(
            tx,
            NewEvent::new(actor, "imported_value.set", "application", a.id.to_string())
                .round(round_id)
                .payload(payload)
                .with_registration(no.clone()),
        )
        .await?;
        if let Some(f) = a.formation_id {
            if published {
                recompute_formation(tx, f, event.seq).await?;
            } else {
                pending.insert(f, event.seq);
            }
        }
    }
    for (f, seq) in pending {
        recompute_formation(tx, f, seq).await?;
    }
    summary.approval_id = None;
    Ok(summary)
}
