//! The background loops a server runs beside the web: the outbox senders
//! (mail, texts), the daily checkpoint, the witnesses' cosigning and the
//! document-store sweep. Each loop only schedules; the work it does is a
//! service or an outbox step that tests call directly.
//!
//! Two shapes cover them all: [`draining`] (an outbox: again at once after a
//! full batch, else after a pause) and [`every`] (a fixed period). Both stop
//! when the shutdown flag turns `true` or its sender is dropped.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub mod checkpoints;
pub mod mail;
pub mod sms;
pub mod sweep;
pub mod witnesses;

/// Drains an outbox until shutdown: at once, again right away while `drain`
/// says a full batch went out (`true`), else after `pause`. Shutdown is noticed
/// between batches, so a batch handed to a relay is finished and recorded
/// rather than cut off mid-send.
pub fn draining<F, Fut>(
    name: &'static str,
    pause: Duration,
    mut shutdown: watch::Receiver<bool>,
    mut drain: F,
) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    tokio::spawn(async move {
        tracing::info!(worker = name, "worker started");
        loop {
            if *shutdown.borrow_and_update() {
                break;
            }
            if drain().await {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        tracing::info!(worker = name, "worker stopped");
    })
}

/// Runs `job` at once and then every `period` until `stop` changes.
pub fn every<F, Fut>(
    period: Duration,
    mut stop: watch::Receiver<bool>,
    mut job: F,
) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => return,
            }
            job().await;
        }
    })
}
