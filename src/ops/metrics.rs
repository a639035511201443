//! `/metrics` in the Prometheus text format, served only to the addresses
//! given with `--metrics-allow` (anyone else gets the 404 of an unknown page).
//! Request counts and latency by route and status and the write-gate wait are
//! recorded as they happen; pool use, the mail outbox, the audit head and the
//! age of the last checkpoint are read when the page is asked for. No label
//! carries personal data: routes are the patterns (`/pendaftaran/{id}`).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::app::AppState;
use crate::db::entities::{audit_chain_head, audit_checkpoint, mail_outbox};

/// The process-wide recorder (installed on first use).
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .as_ref()
}

/// Middleware: counts each request and its latency by route and status.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let method = req.method().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    if handle().is_some() {
        let status = res.status().as_u16().to_string();
        let labels = [("route", route), ("method", method), ("status", status)];
        metrics::counter!("http_requests_total", &labels).increment(1);
        metrics::histogram!("http_request_duration_seconds", &labels)
            .record(started.elapsed().as_secs_f64());
    }
    res
}

/// Records how long a writer waited for its turn (SQLite's write gate).
pub fn write_gate_waited(seconds: f64) {
    if handle().is_some() {
        metrics::histogram!("db_write_gate_wait_seconds").record(seconds);
    }
}

/// `GET /metrics`.
pub async fn page(State(app): State<AppState>, req: Request) -> Response {
    let allowed = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .is_some_and(|ConnectInfo(p)| app.health.metrics_allowed(p.ip()));
    let Some(handle) = handle().filter(|_| allowed) else {
        return crate::error::AppError::NotFound.into_response();
    };
    sample(&app).await;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

#[expect(
    clippy::cast_precision_loss,
    reason = "gauges are f64; counts stay far below 2^52"
)]
async fn sample(app: &AppState) {
    let (size, idle) = match app.db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => {
            let p = app.db.get_sqlite_connection_pool();
            (p.size(), p.num_idle())
        }
        _ => {
            let p = app.db.get_postgres_connection_pool();
            (p.size(), p.num_idle())
        }
    };
    metrics::gauge!("db_pool_connections", "state" => "open").set(f64::from(size));
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("db_writers_queued").set(crate::db::writers_queued(&app.db) as f64);
    let waiting = |status: crate::domain::delivery::Delivery| {
        mail_outbox::Entity::find()
            .filter(mail_outbox::Column::Status.eq(status))
            .count(&app.db)
    };
    if let (Ok(pending), Ok(sending), Ok(failed)) = (
        waiting(crate::domain::delivery::Delivery::Pending).await,
        waiting(crate::domain::delivery::Delivery::Sending).await,
        waiting(crate::domain::delivery::Delivery::Failed).await,
    ) {
        metrics::gauge!("mail_outbox_backlog").set((pending + sending) as f64);
        metrics::gauge!("mail_outbox_failed").set(failed as f64);
    }
    // A witness that stops cosigning never blocks anything, so operators
    // must be able to see it: one series per witness named in the policy.
    for (name, status) in app.witnesses.statuses() {
        let failing = if status.last_error.is_some() {
            1.0
        } else {
            0.0
        };
        metrics::gauge!("witness_failing", "witness" => name.clone()).set(failing);
        metrics::gauge!("witness_cosigned_size", "witness" => name).set(status.size as f64);
    }
    if let Ok(Some(head)) = audit_chain_head::Entity::find().one(&app.db).await {
        metrics::gauge!("audit_head_seq").set(head.seq as f64);
    }
    if let Ok(Some(cp)) = audit_checkpoint::Entity::find()
        .order_by_desc(audit_checkpoint::Column::Seq)
        .one(&app.db)
        .await
    {
        let age = time::OffsetDateTime::now_utc() - cp.created_at;
        metrics::gauge!("audit_checkpoint_age_seconds").set(age.as_seconds_f64());
    }
}
