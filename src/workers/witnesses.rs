//! Asks the witnesses to cosign the latest checkpoint.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::services::witnesses::witness_latest;

/// Every minute (a new checkpoint is thus witnessed within a minute of its
/// commit), until `stop` changes.
pub fn spawn(state: AppState, stop: watch::Receiver<bool>) -> JoinHandle<()> {
    super::every(Duration::from_secs(60), stop, move || {
        let state = state.clone();
        async move {
            match witness_latest(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(cosignatures = n, "checkpoint cosigned by witnesses"),
                Err(e) => tracing::error!(error = %e, "witnessing failed"),
            }
        }
    })
}
