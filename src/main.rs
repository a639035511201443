//! The `pokmas` binary: parse the command line, set up logs, run the command.

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
    let cli = pokmas::cli::Cli::parse();
    // The demo's progress bar and summary are its output; its thousands of
    // use cases would drown them in info lines.
    let default_filter = if matches!(cli.command, pokmas::cli::Command::Demo(_)) {
        "warn"
    } else {
        "info,sqlx=warn,sea_orm=warn"
    };
    let filter =
        EnvFilter::try_from_env("POKMAS_LOG").unwrap_or_else(|_| EnvFilter::new(default_filter));
    // One JSON object a line for log collectors; the fields are the same
    // (routes, ids, counts), so no personal data either way.
    if std::env::var("POKMAS_LOG_FORMAT").is_ok_and(|f| f == "json") {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    // The demo drives one use case after another: on one runtime thread each
    // statement's round trip to SQLite's worker thread wakes one thread
    // instead of hopping between runtime workers (about half the latency,
    // measured). Both threads are also kept on one core (threads inherit the
    // mask): on this kind of VM a wake-up sent to a sleeping core costs more
    // than the statement, and the load is one serial chain of them anyway
    // (registration ran at 206 instead of 109 applications/s, measured).
    let demo = matches!(cli.command, pokmas::cli::Command::Demo(_));
    if demo && let Some(core) = core_affinity::get_core_ids().and_then(|c| c.into_iter().next()) {
        core_affinity::set_for_current(core);
    }
    let mut builder = if demo {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    // On SQLite the demo does no network I/O: without an I/O driver the
    // runtime sleeps on a futex, which SQLite's worker wakes more cheaply
    // than through an eventfd and epoll (measured with perf on the city demo).
    let sqlite_demo = demo
        && cli
            .installation
            .database_url()
            .is_ok_and(|u| u.starts_with("sqlite:"));
    if sqlite_demo {
        builder.enable_time();
    } else {
        builder.enable_all();
    }
    let runtime = match builder.build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match runtime.block_on(pokmas::cli::run(cli)) {
        Ok(code) => std::process::ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}
