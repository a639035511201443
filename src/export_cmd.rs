//! `pokmas export …`: the auditor exports from the command line. Every
//! export is recorded in the trail as the system acting through the CLI
//! (`export.created` with `via` = `cli`).

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use sea_orm::DatabaseConnection;

use crate::cli::ExportCommand;
use crate::db::audit::Actor;
use crate::services::ServiceError;
use crate::services::exports::{self, ExportFile, Receipt};

/// Runs one `export` subcommand; returns the exit code (2 when the round is
/// unknown or the output is unusable for the command).
///
/// # Errors
/// Storage and I/O failures.
pub async fn run(db: &DatabaseConnection, cmd: ExportCommand) -> anyhow::Result<i32> {
    let (file, round, out) = match cmd {
        ExportCommand::Audit { out, round } => (Some(ExportFile::Audit), round, out),
        ExportCommand::Applications(a) => (Some(ExportFile::Applications), Some(a.round), a.out),
        ExportCommand::Scores(a) => (Some(ExportFile::Scores), Some(a.round), a.out),
        ExportCommand::Rankings(a) => (Some(ExportFile::Rankings), Some(a.round), a.out),
        ExportCommand::Criteria(a) => (Some(ExportFile::Criteria), Some(a.round), a.out),
        ExportCommand::Stages(a) => (Some(ExportFile::Stages), Some(a.round), a.out),
        ExportCommand::Shortlists(a) => (Some(ExportFile::Shortlists), Some(a.round), a.out),
        ExportCommand::Formations(a) => (Some(ExportFile::Formations), Some(a.round), a.out),
        ExportCommand::Round(a) => (Some(ExportFile::Round), Some(a.round), a.out),
        ExportCommand::Analytics(a) => (Some(ExportFile::Analytics), Some(a.round), a.out),
        ExportCommand::All(a) => (None, Some(a.round), a.out),
    };
    let round_id = match &round {
        None => None,
        Some(key) => match exports::find_round(db, key).await {
            Ok(r) => Some(r.id),
            Err(ServiceError::NotFound) => {
                eprintln!("error: no round with id or slug {key:?}");
                return Ok(2);
            }
            Err(e) => return Err(e.into()),
        },
    };
    let to_stdout = out.as_os_str() == "-";
    let receipts = match (file, round_id) {
        (None, Some(id)) => {
            if to_stdout {
                eprintln!("error: `export all` writes a folder; give --out DIR");
                return Ok(2);
            }
            exports::export_all(db, Actor::System, id, "cli", &out).await?
        }
        (Some(file), id) => vec![export_one(db, file, id, &out, to_stdout).await?],
        (None, None) => return Ok(2),
    };
    for r in &receipts {
        eprintln!(
            "exported {} ({} rows, {} bytes, sha256 {})",
            r.file.file_name(),
            r.rows,
            r.bytes,
            r.sha256
        );
    }
    Ok(0)
}

async fn export_one(
    db: &DatabaseConnection,
    file: ExportFile,
    round_id: Option<uuid::Uuid>,
    out: &Path,
    to_stdout: bool,
) -> anyhow::Result<Receipt> {
    if to_stdout {
        let stdout = std::io::stdout();
        let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
        let receipt = write(db, file, round_id, &mut w).await?;
        w.flush()?;
        return Ok(receipt);
    }
    let f =
        std::fs::File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
    let receipt = write(db, file, round_id, &mut w).await?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(receipt)
}

async fn write(
    db: &DatabaseConnection,
    file: ExportFile,
    round_id: Option<uuid::Uuid>,
    w: &mut dyn Write,
) -> Result<Receipt, ServiceError> {
    match round_id {
        Some(id) => exports::export(db, Actor::System, id, file, "cli", w).await,
        None => exports::export_audit(db, Actor::System, None, "cli", w).await,
    }
}
