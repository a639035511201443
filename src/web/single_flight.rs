//! Values built once per key, however many requests ask at once.
//!
//! The first request for a key starts the build on a task of its own; every
//! request for the same key meanwhile waits for that one build, and a client
//! that gives up does not cancel it. Without this, a popular page that no
//! one has rendered yet is rendered by every request that arrives before the
//! first render ends, and when clients time out first, none ends: the work
//! is thrown away and the next wave starts again (a city publishing its
//! results would see exactly that).
//!
//! A failed build is not kept: the waiters of that build get its error and
//! the next request tries again.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Mutex;

use tokio::sync::watch;

use crate::domain::msg::Msg;
use crate::error::{AppError, AppResult};

/// Why a shared build failed, in a form each waiter can own a copy of.
#[derive(Clone, Debug)]
enum Failure {
    NotFound,
    Forbidden,
    Refused(Msg),
    Conflict(Msg),
    Unavailable(String),
    Internal(String),
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        match e.classified() {
            AppError::NotFound => Failure::NotFound,
            AppError::Forbidden => Failure::Forbidden,
            AppError::Refused(m) => Failure::Refused(m),
            AppError::Conflict(m) => Failure::Conflict(m),
            AppError::Unavailable(e) => Failure::Unavailable(format!("{e:#}")),
            other => Failure::Internal(format!("{other:#}")),
        }
    }
}

impl From<Failure> for AppError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::NotFound => AppError::NotFound,
            Failure::Forbidden => AppError::Forbidden,
            Failure::Refused(m) => AppError::Refused(m),
            Failure::Conflict(m) => AppError::Conflict(m),
            Failure::Unavailable(s) => AppError::Unavailable(anyhow::anyhow!(s)),
            Failure::Internal(s) => AppError::Internal(anyhow::anyhow!(s)),
        }
    }
}

type Outcome<V> = Option<Result<V, Failure>>;

/// One build in flight or done, and the generation it belongs to (the audit
/// chain head's sequence number for the caches of public pages).
struct Entry<V> {
    generation: i64,
    outcome: watch::Receiver<Outcome<V>>,
}

/// Values by key, each built at most once while it is kept.
pub struct SingleFlight<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
    limit: usize,
}

impl<K, V> SingleFlight<K, V>
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// An empty cache that keeps about `limit` entries: beyond it, the
    /// entries of older generations are dropped.
    #[must_use]
    pub fn new(limit: usize) -> Self {
        SingleFlight {
            entries: Mutex::new(HashMap::new()),
            limit,
        }
    }

    /// The value for `key`: kept, being built, or built now by `build` on a
    /// task of its own.
    ///
    /// # Errors
    /// The build's error (to every request that waited for that build), or
    /// an internal error when the build panicked.
    pub async fn get<F, Fut>(&'static self, key: K, generation: i64, build: F) -> AppResult<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<V>> + Send + 'static,
    {
        let mut outcome = {
            let mut entries = self
                .entries
                .lock()
                .map_err(|_| AppError::Internal(anyhow::anyhow!("page cache poisoned")))?;
            match entries.get(&key) {
                Some(entry) => entry.outcome.clone(),
                None => {
                    if entries.len() >= self.limit {
                        entries.retain(|_, e| e.generation == generation);
                    }
                    let (done, outcome) = watch::channel(None);
                    entries.insert(
                        key.clone(),
                        Entry {
                            generation,
                            outcome: outcome.clone(),
                        },
                    );
                    let work = tokio::spawn(build());
                    tokio::spawn(async move {
                        let result = match work.await {
                            Ok(r) => r.map_err(Failure::from),
                            Err(e) => Err(Failure::Internal(format!("page build ended: {e}"))),
                        };
                        if result.is_err()
                            && let Ok(mut entries) = self.entries.lock()
                        {
                            entries.remove(&key);
                        }
                        // No receiver left is fine: the value stays kept.
                        let _ = done.send(Some(result));
                    });
                    outcome
                }
            }
        };
        let result = outcome
            .wait_for(Option::is_some)
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("page build vanished")))?
            .clone();
        match result {
            Some(Ok(v)) => Ok(v),
            Some(Err(f)) => Err(f.into()),
            None => Err(AppError::Internal(anyhow::anyhow!("page build vanished"))),
        }
    }

    /// How many entries are kept (built or in flight).
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    /// Whether nothing is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn cache() -> &'static SingleFlight<u32, u32> {
        static C: OnceLock<SingleFlight<u32, u32>> = OnceLock::new();
        C.get_or_init(|| SingleFlight::new(4))
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_build() {
        static BUILDS: AtomicUsize = AtomicUsize::new(0);
        let asks = (0..50).map(|_| {
            tokio::spawn(cache().get(1, 0, || async {
                BUILDS.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(7)
            }))
        });
        for ask in futures_join(asks).await {
            assert_eq!(ask, 7);
        }
        assert_eq!(BUILDS.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_request_that_gives_up_does_not_cancel_the_build() {
        static BUILDS: AtomicUsize = AtomicUsize::new(0);
        let build = || async {
            BUILDS.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(9)
        };
        // The client times out long before the build ends...
        let gave_up =
            tokio::time::timeout(Duration::from_millis(10), cache().get(2, 0, build)).await;
        assert!(gave_up.is_err());
        // ...and the next request gets that same build's value.
        let again = cache().get(2, 0, build).await.unwrap();
        assert_eq!(again, 9);
        assert_eq!(BUILDS.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_build_is_tried_again() {
        let first = cache()
            .get(3, 0, || async { Err(AppError::NotFound) })
            .await;
        assert!(matches!(first, Err(AppError::NotFound)));
        let second = cache().get(3, 0, || async { Ok(3) }).await.unwrap();
        assert_eq!(second, 3);
    }

    const BUG: bool = true;

    #[tokio::test]
    async fn a_panicking_build_is_an_internal_error_then_tried_again() {
        let first = cache()
            .get(4, 0, || async {
                if BUG {
                    panic!("bug in a view");
                }
                Ok(0)
            })
            .await;
        assert!(matches!(first, Err(AppError::Internal(_))));
        assert_eq!(cache().get(4, 0, || async { Ok(4) }).await.unwrap(), 4);
    }

    #[tokio::test]
    async fn older_generations_make_room() {
        static C: OnceLock<SingleFlight<u32, u32>> = OnceLock::new();
        let c = C.get_or_init(|| SingleFlight::new(2));
        c.get(1, 1, || async { Ok(1) }).await.unwrap();
        c.get(2, 1, || async { Ok(2) }).await.unwrap();
        c.get(3, 2, || async { Ok(3) }).await.unwrap();
        assert_eq!(c.len(), 1, "only generation 2 is kept");
    }

    async fn futures_join(
        tasks: impl Iterator<Item = tokio::task::JoinHandle<AppResult<u32>>>,
    ) -> Vec<u32> {
        let mut out = Vec::new();
        for t in tasks.collect::<Vec<_>>() {
            out.push(t.await.unwrap().unwrap());
        }
        out
    }
}
