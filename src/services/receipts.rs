//! Receipts for applicants: each audit event about their application, with
//! its inclusion proof in the Merkle log and the latest (cosigned)
//! checkpoint, as one `.tlog-proof` file they can check offline.

use super::ServiceError;
use crate::app::App;
use crate::db::audit::to_event;
use crate::domain::merkle::receipt::Receipt;

pub use crate::domain::merkle::receipt::ReceiptRow;

async fn signed_size(app: &App) -> Result<i64, ServiceError> {
    Ok(super::checkpoints::latest(&app.db)
        .await?
        .map_or(0, |cp| cp.seq))
}

/// The events recorded about registration `registration_no`.
///
/// # Errors
/// Storage failures.
pub async fn list(app: &App, registration_no: &str) -> Result<Vec<ReceiptRow>, ServiceError> {
    let size = signed_size(app).await?;
    Ok(crate::db::merkle::events_of(&app.db, registration_no)
        .await?
        .into_iter()
        .map(|e| ReceiptRow {
            seq: e.seq,
            covered: e.seq <= size,
            action: e.action,
            at: e.at,
        })
        .collect())
}

/// The receipt file of event `seq`, which must be about `registration_no`.
///
/// # Errors
/// [`ServiceError::NotFound`] for an event of someone else (or none);
/// [`ServiceError::Conflict`] while no signed checkpoint covers it yet.
pub async fn receipt(app: &App, registration_no: &str, seq: i64) -> Result<String, ServiceError> {
    let event = crate::db::merkle::events_of(&app.db, registration_no)
        .await?
        .into_iter()
        .find(|e| e.seq == seq)
        .ok_or(ServiceError::NotFound)?;
    let checkpoint = super::checkpoints::latest(&app.db)
        .await?
        .filter(|cp| cp.seq >= seq)
        .ok_or_else(|| {
            ServiceError::Conflict(crate::domain::msg::Msg::new(
                "Peristiwa ini belum tercakup checkpoint bertanda tangan; buktinya tersedia setelah checkpoint berikutnya (paling lambat besok).",
                "No signed checkpoint covers this event yet; its receipt is available after the next checkpoint (at the latest tomorrow).",
            ))
        })?;
    app.merkle.sync(&app.db).await?;
    let size = u64::try_from(checkpoint.seq).map_err(|e| anyhow::anyhow!(e))?;
    let index = u64::try_from(seq - 1).map_err(|e| anyhow::anyhow!(e))?;
    let proof = app
        .merkle
        .read()
        .tree
        .inclusion_proof(index, size)
        .ok_or_else(|| anyhow::anyhow!("no proof of {seq} in a tree of {size}"))?;
    Ok(Receipt {
        event: to_event(&event).canonical_text(),
        index,
        proof,
        checkpoint: super::tlog::latest_note(&app.db)
            .await?
            .unwrap_or(checkpoint.note),
    }
    .to_text())
}
