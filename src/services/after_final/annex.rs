//! The member list of a formed group as the annex of the Lurah's decree
//! (Lampiran Keputusan Lurah): a printable page and a CSV.
//!
//! The CSV carries names (it is the decree's list), so only admins take it
//! and every download is an `export.created` event, like the auditors'
//! files; the page names the latest signed checkpoint, which pins the
//! result the list comes from.

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{groups, require_admin, require_final};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::round;
pub use crate::domain::after_final::{Annex, AnnexCheckpoint};
use crate::export::round_csv::TableWriter;
use crate::services::ServiceError;

/// The CSV's columns (documented in README, "After the final result").
pub const COLUMNS: [&str; 8] = [
    "round_id",
    "formation_code",
    "kelurahan_code",
    "no",
    "role",
    "registration_no",
    "full_name",
    "rt",
];

/// The annex of formation `formation_id`.
///
/// # Errors
/// `Forbidden` unless an admin; `NotFound` for an unknown round or
/// formation; `Conflict` unless the round is final.
pub async fn annex<C: ConnectionTrait>(
    db: &C,
    actor: Actor,
    round_id: Uuid,
    formation_id: Uuid,
) -> Result<Annex, ServiceError> {
    require_admin(actor)?;
    let r = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    require_final(&r)?;
    let group = groups(db, &r, Some(formation_id))
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    Ok(Annex {
        checkpoint: crate::services::checkpoints::latest(db)
            .await?
            .map(|c| AnnexCheckpoint {
                seq: c.seq,
                hash: c.hash,
            }),
        round: r.into(),
        group,
    })
}

/// The CSV text of an annex: one row per selected member in the decree's
/// order.
///
/// # Errors
/// A write error (a bug).
pub fn csv_text(a: &Annex) -> Result<String, ServiceError> {
    let mut w = TableWriter::new(Vec::new(), &COLUMNS).map_err(anyhow::Error::from)?;
    for (i, m) in a.group.members.iter().enumerate() {
        w.row(&[
            a.round.id.to_string(),
            a.group.formation.code.clone(),
            a.group.formation.kelurahan_code.clone(),
            (i + 1).to_string(),
            m.role.as_str().to_owned(),
            m.registration_no.clone(),
            m.full_name.clone(),
            m.rt.map(|x| x.to_string()).unwrap_or_default(),
        ])
        .map_err(anyhow::Error::from)?;
    }
    let (bytes, _) = w.finish().map_err(anyhow::Error::from)?;
    String::from_utf8(bytes).map_err(|e| ServiceError::Internal(e.into()))
}

/// The file name of a formation's annex CSV.
#[must_use]
pub fn file_name(formation_code: &str) -> String {
    format!("lampiran-sk-{formation_code}.csv")
}

/// Exports the annex CSV of a formation: the file and its
/// `export.created` event, in one transaction.
///
/// # Errors
/// As [`annex`].
pub async fn export_csv(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    formation_id: Uuid,
    via: &str,
) -> Result<(String, String), ServiceError> {
    let tx = begin_write(db).await?;
    let a = annex(&tx, actor, round_id, formation_id).await?;
    let text = csv_text(&a)?;
    let name = file_name(&a.group.formation.code);
    append(
        &tx,
        NewEvent::new(actor, "export.created", "round", a.round.id.to_string())
            .round(a.round.id)
            .payload(serde_json::json!({
                "file": name,
                "rows": a.group.members.len(),
                "bytes": text.len(),
                "sha256": hex::encode(Sha256::digest(text.as_bytes())),
                "via": via,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok((name, text))
}
