//! Signs a checkpoint once a day when the trail moved.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::AppState;

/// Checked hourly, so a restart never skips a day; with several instances
/// the first one to look signs and the others find it done.
pub fn spawn(state: AppState, stop: watch::Receiver<bool>) -> JoinHandle<()> {
    super::every(Duration::from_secs(3600), stop, move || {
        let state = state.clone();
        async move {
            let now = time::OffsetDateTime::now_utc();
            match crate::services::checkpoints::daily(&state.db, &state.checkpoint_key, now).await {
                Ok(Some(cp)) => tracing::info!(seq = cp.seq, "signed the daily checkpoint"),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "daily checkpoint failed"),
            }
        }
    })
}
