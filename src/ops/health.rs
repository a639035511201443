//! `/healthz` (the process answers) and `/readyz` (the database takes writes
//! and the mail worker runs), each answered within a second whatever the
//! database does, with a body naming the cause.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::DbErr;

use crate::app::AppState;

/// How long the readiness probe may take before it counts as failed.
pub const PROBE_BUDGET: Duration = Duration::from_millis(800);

/// A probe result is reused this long, so that several load balancers
/// checking every second make one write between them.
const PROBE_REUSE: Duration = Duration::from_secs(2);

/// What the readiness check knows about this process.
pub struct Health {
    /// Names this instance's probe row.
    instance: String,
    mail_worker: Mutex<Option<tokio::task::AbortHandle>>,
    last_probe: tokio::sync::Mutex<Option<(Instant, Result<(), String>)>>,
    metrics_allow: Mutex<Vec<std::net::IpAddr>>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            instance: uuid::Uuid::new_v4().simple().to_string(),
            mail_worker: Mutex::new(None),
            last_probe: tokio::sync::Mutex::new(None),
            metrics_allow: Mutex::new(Vec::new()),
        }
    }
}

impl Health {
    /// Watches the mail worker task: readiness fails once it has ended.
    pub fn watch_mail_worker(&self, task: tokio::task::AbortHandle) {
        if let Ok(mut w) = self.mail_worker.lock() {
            *w = Some(task);
        }
    }

    /// Lets `addresses` read `/metrics`.
    pub fn allow_metrics(&self, addresses: &[std::net::IpAddr]) {
        if let Ok(mut a) = self.metrics_allow.lock() {
            *a = addresses.to_vec();
        }
    }

    /// Whether `ip` may read `/metrics`.
    #[must_use]
    pub fn metrics_allowed(&self, ip: std::net::IpAddr) -> bool {
        self.metrics_allow.lock().is_ok_and(|a| a.contains(&ip))
    }

    fn mail_worker_running(&self) -> bool {
        self.mail_worker
            .lock()
            .ok()
            .and_then(|w| w.as_ref().map(|t| !t.is_finished()))
            .unwrap_or(false)
    }
}

/// `GET /healthz`: 200 `ok` while the process serves requests. It does not
/// touch the database, so a restart is never triggered by a database outage.
pub async fn healthz() -> Response {
    (StatusCode::OK, "ok").into_response()
}

/// `GET /readyz`: 200 when a write to the database commits within
/// [`PROBE_BUDGET`] and the mail worker runs; otherwise 503. The body has one
/// line per check, naming the cause of a failure.
pub async fn readyz(State(app): State<AppState>) -> Response {
    let database = database_writable(&app).await;
    let mail = app.health.mail_worker_running();
    let mut body = String::new();
    match &database {
        Ok(()) => body.push_str("database: writable\n"),
        Err(cause) => body.push_str(&format!("database: not writable: {cause}\n")),
    }
    body.push_str(if mail {
        "mail worker: running\n"
    } else {
        "mail worker: not running\n"
    });
    let status = if database.is_ok() && mail {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        body,
    )
        .into_response()
}

async fn database_writable(app: &AppState) -> Result<(), String> {
    // One probe at a time; a caller arriving meanwhile takes its result.
    let Ok(mut last) = tokio::time::timeout(PROBE_BUDGET, app.health.last_probe.lock()).await
    else {
        return Err("the previous check is still waiting for the database".into());
    };
    if let Some((at, result)) = last.as_ref()
        && at.elapsed() < PROBE_REUSE
    {
        return result.clone();
    }
    let result = match tokio::time::timeout(
        PROBE_BUDGET,
        crate::db::ops::probe_write(&app.db, &app.health.instance),
    )
    .await
    {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(cause(&e)),
        Err(_) => Err(format!("no answer within {} ms", PROBE_BUDGET.as_millis())),
    };
    if let Err(cause) = &result {
        tracing::warn!(%cause, "readiness: the database does not take writes");
    }
    *last = Some((Instant::now(), result.clone()));
    result
}

/// A short operator-facing cause of a database error.
#[must_use]
pub fn cause(e: &DbErr) -> String {
    let text = e.to_string();
    if text.contains("(code: 13)") || text.contains("disk is full") {
        "disk full (database or disk is full)".to_owned()
    } else if text.contains("database is locked") {
        "locked by another writer (database is locked)".to_owned()
    } else if is_outage(e) {
        format!("unreachable ({text})")
    } else {
        text
    }
}

/// Whether `e` means the database cannot be reached at all (as opposed to a
/// refused statement), so the request should be answered 503.
#[must_use]
pub fn is_outage(e: &DbErr) -> bool {
    matches!(e, DbErr::ConnectionAcquire(_) | DbErr::Conn(_))
        || matches!(e, DbErr::Query(sea_orm::RuntimeErr::SqlxError(s)) | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(s))
        if matches!(
            s.as_ref(),
            sea_orm::sqlx::Error::Io(_)
                | sea_orm::sqlx::Error::PoolTimedOut
                | sea_orm::sqlx::Error::PoolClosed
                | sea_orm::sqlx::Error::WorkerCrashed
        ))
}
