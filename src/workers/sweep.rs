//! Removes stored files no document references any more.

use std::path::PathBuf;
use std::time::SystemTime;

use sea_orm::DatabaseConnection;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::ops::sweep::{GRACE, INTERVAL, sweep};

/// Sweeps every [`INTERVAL`] until `stop` changes.
pub fn spawn(
    db: DatabaseConnection,
    files_root: PathBuf,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    super::every(INTERVAL, stop, move || {
        let (db, files_root) = (db.clone(), files_root.clone());
        async move {
            if let Err(e) = sweep(&db, &files_root, GRACE, SystemTime::now()).await {
                tracing::error!(error = %format!("{e:#}"), "sweeping the document store failed");
            }
        }
    })
}
