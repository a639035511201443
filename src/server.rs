//! `pokmas serve`: migrate, seed, start the worker, serve until a signal.

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use tokio::net::TcpListener;

use crate::app::AppState;
use crate::config::Config;
use crate::mail;
use crate::router::router;
use crate::services;

/// Runs the server until SIGTERM or SIGINT; in-flight requests finish first.
///
/// # Errors
/// Fails when the database cannot be opened or migrated, or the address is taken.
pub async fn serve(config: Config, ops: &crate::ops::OpsArgs) -> anyhow::Result<()> {
    let db = crate::ops::startup::open_database(&config.database_url).await?;
    Migrator::up(&db, None).await.context("migration failed")?;
    crate::ops::keys::check(&db, &config).await?;
    let ctx = crate::context::Context::new(db, &config, crate::clock::Clock::system())?;
    let db = &ctx.db;
    let sealed = services::data_keys::seal_plain_fields(db, &ctx.vault)
        .await
        .context("sealing personal fields under their data keys failed")?;
    if sealed > 0 {
        tracing::info!(
            applications = sealed,
            "sealed plain personal fields under the applications' data keys"
        );
    }
    if let Some(r) = services::regions::seed_if_empty(db).await? {
        tracing::info!(
            kecamatan = r.kecamatan_added,
            kelurahan = r.kelurahan_added,
            "loaded the Samarinda regions"
        );
    }
    let addr = config.addr;
    let base_url = config.base_url.clone();
    let transport =
        mail::Transport::from_url(config.smtp_url.as_deref(), config.data_dir.join("mail"))
            .context("SMTP_URL is not usable")?;
    let sms_transport = crate::sms::SmsTransport::from_args(&ops.sms, config.data_dir.join("sms"))
        .map_err(anyhow::Error::msg)?;
    let state = AppState::with_context(ctx, config);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = crate::workers::mail::spawn(
        state.db.clone(),
        transport,
        state.mail_from.clone(),
        stop_rx,
    );
    let texts = crate::workers::sms::spawn(state.db.clone(), sms_transport, stop_tx.subscribe());
    state.health.watch_mail_worker(worker.abort_handle());
    state.health.allow_metrics(&ops.metrics_allow);
    let checkpointer = crate::workers::checkpoints::spawn(state.clone(), stop_tx.subscribe());
    let sweeper = crate::workers::sweep::spawn(
        state.db.clone(),
        state.config.data_dir.join("files"),
        stop_tx.subscribe(),
    );
    let witnessing = crate::workers::witnesses::spawn(state.clone(), stop_tx.subscribe());
    tokio::task::spawn_blocking(crate::web::assets::warm).await?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(%addr, "listening on {base_url}");
    // The listener gives each request its peer address, which feeds the
    // per-IP log-in and reset throttles.
    let served =
        crate::ops::listen::serve(listener, router(state), ops.deadlines(), shutdown_signal())
            .await
            .context("server failed");
    // The worker finishes the batch it is sending, so nothing is half-recorded.
    let _ = stop_tx.send(true);
    if let Err(e) = worker.await {
        tracing::error!(error = %e, "mail worker ended abnormally");
    }
    let _ = checkpointer.await;
    let _ = sweeper.await;
    let _ = witnessing.await;
    let _ = texts.await;
    served?;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
