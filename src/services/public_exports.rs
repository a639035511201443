//! Downloads for anyone, without signing in, once a round's results are
//! published: the files that hold no personal data, so that every resident
//! can re-check the ranks by registration number and verify the trail.
//!
//! Unlike the auditors' exports these record no event: an anonymous crowd on
//! announcement day must not grow the trail, and each file is pinned by the
//! audit chain head it was taken at (the cache key of the web download).

use std::io::Write;

use sea_orm::{DatabaseConnection, EntityTrait, TransactionTrait};
use uuid::Uuid;

use super::ServiceError;
use super::exports::{
    ExportFile, write_criteria, write_formations, write_rankings, write_round, write_shortlists,
    write_stages,
};
use crate::db::entities::round;

/// The files a visitor may download: rules, formations, criteria, stages,
/// shortlists and ranks by registration number, and the audit trail. Scores
/// (panelist ids), applications and analytics stay with auditors.
pub const PUBLIC_FILES: [ExportFile; 7] = [
    ExportFile::Round,
    ExportFile::Formations,
    ExportFile::Criteria,
    ExportFile::Stages,
    ExportFile::Shortlists,
    ExportFile::Rankings,
    ExportFile::Audit,
];

/// The public file named `name` (`rankings.csv` or `rankings`), if any.
#[must_use]
pub fn public_file(name: &str) -> Option<ExportFile> {
    ExportFile::parse(name).filter(|f| PUBLIC_FILES.contains(f))
}

/// The id of the round `slug`, only once its results are published.
///
/// # Errors
/// `NotFound` for an unknown or unpublished round; storage failures.
pub async fn published_round(db: &DatabaseConnection, slug: &str) -> Result<Uuid, ServiceError> {
    Ok(super::results::published_round(db, slug).await?.id)
}

/// Writes public `file` of the round `round_id` to `out`; `audit.csv`
/// holds the trail up to `up_to_seq`. Returns the rows written.
///
/// # Errors
/// `NotFound` for a file that is not public; storage or write failures.
pub async fn write<W: Write>(
    db: &DatabaseConnection,
    round_id: Uuid,
    file: ExportFile,
    up_to_seq: i64,
    out: W,
) -> Result<u64, ServiceError> {
    if !PUBLIC_FILES.contains(&file) {
        return Err(ServiceError::NotFound);
    }
    if file == ExportFile::Audit {
        return Ok(crate::db::audit::export_csv_up_to(db, out, up_to_seq).await?);
    }
    // One read transaction: the file is a consistent snapshot.
    let tx = db.begin().await?;
    let r = round::Entity::find_by_id(round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let r = &r;
    let rows = match file {
        ExportFile::Round => write_round(r, out)?,
        ExportFile::Formations => write_formations(&tx, r, out).await?,
        ExportFile::Criteria => write_criteria(&tx, r, out).await?,
        ExportFile::Stages => write_stages(&tx, r, out).await?,
        ExportFile::Shortlists => write_shortlists(&tx, r, out).await?,
        _ => write_rankings(&tx, r, out).await?,
    };
    tx.commit().await?;
    Ok(rows)
}
