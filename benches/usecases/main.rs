//! P2 and P3 of the benchmarks (benches/README.md): `cargo bench --bench usecases`.
//!
//! Drives the same service functions the web handlers call, in-process, with
//! `CONC` (16) concurrent tokio tasks on a real SQLite file opened exactly as
//! the server opens it (`db::connect`: WAL, `synchronous=FULL`, pool of 8,
//! then the migrations). No HTTP/TCP is in the loop: the figures are what the
//! use cases cost in the database and on the disk, which is what the P2/P3
//! targets are about; routing, multipart parsing and rendering are measured
//! separately by P1.
//!
//! The world is built through the services too (accounts, rounds, formations,
//! panels, registration, verification, sessions, attendance, declarations),
//! on a second connection to the same file with `synchronous=NORMAL`
//! (`demo::connect_for_load`) so the setup does not wait for an fsync per use
//! case; only the timed operations go through the production connection.
//! Argon2 (account passwords) is spent in the setup only.
//!
//! - **P2**: one op = a resident's whole application as the browser sends it:
//!   `start_draft` (POST of the area step), then the form POST
//!   (`save_draft`, `attach_document` × 2 — a small PDF and a small PNG —,
//!   `submit`). The form POST alone is reported as well. Each run uses its own
//!   round in registration, so the same residents apply once per run.
//! - **P3**: one op = `scoring::submit` (which re-ranks the formation in its
//!   transaction) by one of 5 panelists for one of `P3_APPS` eligible,
//!   attended applications of one formation, application by application as a
//!   panel scores at a test session. Each run uses its own formation. The
//!   second variant amends every scorecard once (with a reason) after all are
//!   in, so every op re-ranks a complete formation.
//!
//! Sizes (environment, all optional): `P2_OPS` (3000), `P3_APPS` (340),
//! `RUNS` (3, at most 5: P3 uses one formation per kelurahan of Samarinda Kota),
//! `CONC` (16), `ONLY` (`p2` or `p3`). A benchmark, not a test: nothing
//! asserts a time; a refused use case stops it, since that is a bug of the
//! bench or of the service.

mod drive;
mod p2;
mod p2_http;
mod p3;
mod world;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use migration::{Migrator, MigratorTrait};
use pokmas::config::Secret;
use pokmas::db::audit::Actor;
use pokmas::db::entities::{formation, test_invitation};
use pokmas::demo::{Clock, NameParts, nik_for, small_pdf};
use pokmas::domain::eligibility::Verdict;
use pokmas::domain::form::FormData;
use pokmas::domain::lang::Lang;
use pokmas::domain::nik::Sex;
use pokmas::domain::ranking::Aggregation;
use pokmas::domain::role::Role;
use pokmas::domain::round::RoundState;
use pokmas::mail::Mailbox;
use pokmas::pii::NikVault;
use pokmas::services::applications::{self as apps, Acting, Fields, StartDraft};
use pokmas::services::checkpoints::CheckpointKey;
use pokmas::services::rounds::{self, RoundSettings};
use pokmas::services::scoring::{self, ConflictKind, Values};
use pokmas::services::verification::{self, Decision, Staff};
use pokmas::services::{accounts, panels, regions};
use pokmas::storage::FileStore;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sea_orm::PaginatorTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    Statement,
};
use time::{Date, Duration as Days, OffsetDateTime};
use uuid::Uuid;

use drive::*;
use p2::*;
use p2_http::*;
use p3::*;
use world::*;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let p2_ops = env_usize("P2_OPS", 3000);
    let p3_apps = env_usize("P3_APPS", 340);
    let runs = env_usize("RUNS", 3).clamp(1, 5);
    let conc = env_usize("CONC", 16).max(1);
    let only = std::env::var("ONLY").unwrap_or_default();
    let (do_p2, do_p2h, do_p3) = (
        only.is_empty() || only == "p2",
        only.is_empty() || only == "p2h",
        only.is_empty() || only == "p3",
    );
    let instances: Vec<usize> = std::env::var("P2_HTTP_INSTANCES")
        .unwrap_or_else(|_| "1".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .filter(|n| (1..=4).contains(n))
        .collect();

    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    eprintln!("usecases: setting up in {}", dir.path().display());
    let residents =
        (if do_p2 || do_p2h { p2_ops } else { 0 }).max(if do_p3 { p3_apps * runs } else { 0 });
    let w = Arc::new(world(dir.path(), residents, conc).await?);
    let backend = if w.url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite FULL"
    };

    if do_p2 {
        let r = p2(&w, p2_ops, runs, conc).await?;
        println!(
            "P2   application submit, 2 documents, {conc} tasks, {backend} (target ≥ 300/s, p99 < 100 ms): {}",
            summary(&r)
        );
    }
    if do_p2h {
        for (n, &k) in instances.iter().enumerate() {
            let r = p2_http(&w, p2_ops, runs, conc, k, 20 + 5 * i32::try_from(n)?).await?;
            println!(
                "P2h  application over HTTP (area POST + form POST, 2 documents), {k} instance(s), {conc} clients, {backend} (target ≥ 300/s, p99 < 100 ms): {}",
                summary(&r)
            );
        }
    }
    if do_p3 {
        let scored = p3_world(&w, runs, p3_apps, conc).await?;
        note(started, "P3 world ready");
        let mut first = Vec::new();
        for (n, s) in scored.iter().enumerate() {
            let r = p3_run(&w, s, conc, false).await?;
            println!(
                "P3   run {}: {} scorecards ({} applications x {PANELISTS} panelists, 6 criteria), {conc} tasks: {}",
                n + 1,
                r.ops,
                s.apps.len(),
                r.line()
            );
            first.push(r);
        }
        println!(
            "P3   scorecard submit incl. re-rank of a {p3_apps}-applicant formation, {backend} (target ≥ 500/s, p99 < 50 ms): {}",
            summary(&first)
        );
        let mut amended = Vec::new();
        for (n, s) in scored.iter().enumerate() {
            let r = p3_run(&w, s, conc, true).await?;
            println!(
                "P3a  run {}: {} amendments, {conc} tasks: {}",
                n + 1,
                r.ops,
                r.line()
            );
            amended.push(r);
        }
        println!(
            "P3a  scorecard amendment, every op re-ranks a complete {p3_apps}-applicant formation: {}",
            summary(&amended)
        );
    }
    note(started, "done");
    if let Ok(w) = Arc::try_unwrap(w) {
        drop_postgres(w).await?;
    }
    Ok(())
}
