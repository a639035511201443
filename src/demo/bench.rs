//! A synthetic audit trail for the export and verification benchmarks (P4,
//! P5): events appended through the real [`crate::db::audit::append`] path,
//! many per transaction.

use indicatif::ProgressBar;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::db::audit::{Actor, NewEvent, append};
use crate::domain::role::Role;

/// Events per transaction.
const BATCH: u64 = 20_000;

/// Appends `n` score-like events (payload of the size a real
/// `score.submitted` has) and returns how many were appended.
///
/// # Errors
/// Storage failures.
pub async fn append_events(db: &DatabaseConnection, n: u64, progress: bool) -> anyhow::Result<u64> {
    let bar = if progress {
        ProgressBar::new(n)
    } else {
        ProgressBar::hidden()
    };
    let round = Uuid::now_v7();
    let panelist = Uuid::now_v7();
    let mut done = 0;
    while done < n {
        let tx = crate::db::begin_write(db).await?;
        let upto = (done + BATCH).min(n);
        for i in done..upto {
            let no = format!("2026-6472011001-{:04}", i % 10_000);
            append(
                &tx,
                NewEvent::new(
                    Actor::Account {
                        id: panelist,
                        role: Role::Panelist,
                    },
                    "score.submitted",
                    "scorecard",
                    Uuid::now_v7().to_string(),
                )
                .round(round)
                .payload(serde_json::json!({
                    "registration_no": no,
                    "panelist_id": panelist.to_string(),
                    "version": 1,
                    "old": {},
                    "new": {"ADM": 3, "INT": 4, "KOM": 3, "ORG": 4, "PRB": 5, "WIL": 2},
                }))
                .with_registration(no),
            )
            .await?;
        }
        tx.commit().await?;
        bar.inc(upto - done);
        done = upto;
    }
    bar.finish_and_clear();
    Ok(done)
}
