//! Exports for auditors: the round's files and the audit trail,
//! for the web downloads, the JSON API and `pokmas export`.
//!
//! Each export is itself an audited event, `export.created`, naming who
//! exported which file, how many rows and the SHA-256 of the bytes, so a file
//! an auditor holds can be matched to the moment it was taken.
//!
//! - A round file is written inside one write transaction together with its
//!   event: a consistent snapshot, and no file without its event.
//! - `audit.csv` is the whole trail (a chain cannot be split by round). It is
//!   streamed page by page (keyset on `seq`, constant memory) up to the head
//!   seen when the export began, outside any write lock so that a
//!   million-event export never blocks the site; the event (with `up_to_seq`
//!   and that head's hash, which pins every byte of the file) is appended
//!   right after.

use std::io::{self, Write};
use std::path::Path;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ServiceError;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{audit_chain_head, round};
use crate::domain::role::Role;
use crate::domain::round::{Round, RoundState};

mod round_files;
use round_files::{write_applications, write_scores};
pub(super) use round_files::{
    write_criteria, write_formations, write_rankings, write_round, write_shortlists, write_stages,
};

/// One exportable file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExportFile {
    Round,
    Formations,
    Criteria,
    /// The stages of a staged round, their rules and shortlist publications.
    Stages,
    Scores,
    /// Every entry of every published stage shortlist.
    Shortlists,
    Rankings,
    Applications,
    /// The panel review: reliability, group bias, second-look marks.
    Analytics,
    Audit,
}

impl ExportFile {
    /// Every file, in the order `export all` writes them.
    pub const ALL: [ExportFile; 10] = [
        ExportFile::Round,
        ExportFile::Formations,
        ExportFile::Criteria,
        ExportFile::Stages,
        ExportFile::Scores,
        ExportFile::Shortlists,
        ExportFile::Rankings,
        ExportFile::Applications,
        ExportFile::Analytics,
        ExportFile::Audit,
    ];

    /// The short name used in URLs and on the command line: `rankings`.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            ExportFile::Round => "round",
            ExportFile::Formations => "formations",
            ExportFile::Criteria => "criteria",
            ExportFile::Stages => "stages",
            ExportFile::Scores => "scores",
            ExportFile::Shortlists => "shortlists",
            ExportFile::Rankings => "rankings",
            ExportFile::Applications => "applications",
            ExportFile::Analytics => "analytics",
            ExportFile::Audit => "audit",
        }
    }

    /// The file name: `rankings.csv`.
    #[must_use]
    pub fn file_name(self) -> String {
        format!("{}.csv", self.key())
    }

    /// The file for a short name or a file name (`rankings`, `rankings.csv`).
    #[must_use]
    pub fn parse(s: &str) -> Option<ExportFile> {
        let key = s.strip_suffix(".csv").unwrap_or(s);
        ExportFile::ALL.into_iter().find(|f| f.key() == key)
    }

    /// What the file holds, for the download page.
    #[must_use]
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            ExportFile::Round => (
                "Aturan seleksi: agregasi, nilai lulus, jumlah penilai minimum, benih undian, aturan peringkat akhir seleksi bertahap.",
                "The round's rules: aggregation, passing total, minimum panelists, lottery seed, a staged round's final rule.",
            ),
            ExportFile::Formations => (
                "Formasi: wilayah RT, kursi dan cadangan.",
                "Formations: RT area, seats and reserve.",
            ),
            ExportFile::Criteria => (
                "Kriteria: bobot, skala, nilai minimum, urutan penentu seri, tahap.",
                "Criteria: weight, scale, pass minimum, tie-break order, stage.",
            ),
            ExportFile::Stages => (
                "Tahapan seleksi: aturan lolos, bobot akhir, penerbitan daftar lolos.",
                "The round's stages: who goes on, final weights, shortlist publications.",
            ),
            ExportFile::Scores => (
                "Setiap versi lembar nilai yang diserahkan, per kriteria, dan nilai impor, dengan tahapnya.",
                "Every submitted scorecard version per criterion, and imported values, with their stage.",
            ),
            ExportFile::Shortlists => (
                "Daftar lolos setiap tahap yang diterbitkan: lolos, posisi, total pecahan pasti.",
                "Every published stage shortlist: goes on, position, exact total.",
            ),
            ExportFile::Rankings => (
                "Satu baris per pendaftaran: total pecahan pasti, lulus, peringkat, status.",
                "One row per application: exact total, passed, rank, status.",
            ),
            ExportFile::Applications => (
                "Pendaftaran: formasi, kelayakan dan alasannya, NIK disamarkan.",
                "Applications: formation, eligibility and reasons, NIK masked.",
            ),
            ExportFile::Analytics => (
                "Analitik panel: keandalan (α, ICC) per formasi dan kriteria, kecenderungan penilai terhadap kelompok, tanda konflik (untuk pokmas audit analytics).",
                "Panel analytics: reliability (α, ICC) per formation and criterion, panelists' group bias, conflict flags (for pokmas audit analytics).",
            ),
            ExportFile::Audit => (
                "Seluruh jejak audit berantai hash (untuk pokmas audit verify).",
                "The whole hash-chained audit trail (for pokmas audit verify).",
            ),
        }
    }
}

/// What an export produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub file: ExportFile,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
    /// Seq of the `export.created` event.
    pub seq: i64,
}

/// Auditors and admins export; the CLI runs as the system.
fn allowed(actor: Actor) -> Result<(), ServiceError> {
    match actor {
        Actor::System
        | Actor::Account {
            role: Role::Admin | Role::Auditor,
            ..
        } => Ok(()),
        Actor::Account { .. } => Err(ServiceError::Forbidden),
    }
}

/// A round by its id or its slug.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn find_round<C: ConnectionTrait>(db: &C, key: &str) -> Result<Round, ServiceError> {
    let found = match Uuid::parse_str(key.trim()) {
        Ok(id) => round::Entity::find_by_id(id).one(db).await?,
        Err(_) => super::rounds::round_by_slug(db, key.trim()).await?,
    };
    found.map(Round::from).ok_or(ServiceError::NotFound)
}

/// The rounds an auditor can export, newest first.
///
/// # Errors
/// `Forbidden` for other roles; storage failures.
pub async fn rounds(db: &DatabaseConnection, actor: Actor) -> Result<Vec<Round>, ServiceError> {
    allowed(actor)?;
    Ok(round::Entity::find()
        .filter(round::Column::State.ne(RoundState::Draft))
        .order_by_desc(round::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(Round::from)
        .collect())
}

/// Counts and hashes what passes through.
struct Hashing<W> {
    inner: W,
    sha: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W> Hashing<W> {
    fn new(inner: W) -> Self {
        Hashing {
            inner,
            sha: Sha256::new(),
            bytes: 0,
        }
    }

    fn digest(self) -> (String, u64) {
        (hex::encode(self.sha.finalize()), self.bytes)
    }
}

/// Exports one file of `round_id` to `out` and records the export. `via` is
/// `web`, `api` or `cli`. `audit.csv` ignores the round (the trail is whole).
///
/// # Errors
/// `Forbidden` unless admin, auditor or the system; `NotFound`; storage or
/// write failures.
pub async fn export<W: Write>(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    file: ExportFile,
    via: &str,
    out: W,
) -> Result<Receipt, ServiceError> {
    allowed(actor)?;
    if file == ExportFile::Audit {
        return export_audit(db, actor, Some(round_id), via, out).await;
    }
    let tx = begin_write(db).await?;
    let round = round::Entity::find_by_id(round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut hashing = Hashing::new(out);
    let rows = match file {
        ExportFile::Round => write_round(&round, &mut hashing)?,
        ExportFile::Formations => write_formations(&tx, &round, &mut hashing).await?,
        ExportFile::Criteria => write_criteria(&tx, &round, &mut hashing).await?,
        ExportFile::Stages => write_stages(&tx, &round, &mut hashing).await?,
        ExportFile::Scores => write_scores(&tx, &round, &mut hashing).await?,
        ExportFile::Shortlists => write_shortlists(&tx, &round, &mut hashing).await?,
        ExportFile::Rankings => write_rankings(&tx, &round, &mut hashing).await?,
        ExportFile::Applications => write_applications(&tx, &round, &mut hashing).await?,
        ExportFile::Analytics => write_analytics(&tx, &round, &mut hashing).await?,
        ExportFile::Audit => 0,
    };
    hashing.flush().map_err(anyhow::Error::from)?;
    let (sha256, bytes) = hashing.digest();
    let event = append(
        &tx,
        NewEvent::new(actor, "export.created", "round", round.id.to_string())
            .round(round.id)
            .payload(serde_json::json!({
                "file": file.file_name(),
                "rows": rows,
                "bytes": bytes,
                "sha256": sha256,
                "via": via,
            })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(round.id = %round.id, file = %file.file_name(), rows, "exported");
    Ok(Receipt {
        file,
        rows,
        bytes,
        sha256,
        seq: event.seq,
    })
}

/// Exports the whole audit trail as `audit.csv` up to the current head, then
/// records the export (so the file never contains its own event).
///
/// # Errors
/// `Forbidden` unless admin, auditor or the system; storage or write failures.
pub async fn export_audit<W: Write>(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Option<Uuid>,
    via: &str,
    out: W,
) -> Result<Receipt, ServiceError> {
    allowed(actor)?;
    let head = audit_chain_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut hashing = Hashing::new(out);
    let rows = crate::db::audit::export_csv_up_to(db, &mut hashing, head.seq).await?;
    hashing.flush().map_err(anyhow::Error::from)?;
    let (sha256, bytes) = hashing.digest();
    let tx = begin_write(db).await?;
    let mut event = NewEvent::new(actor, "export.created", "audit_trail", "audit.csv").payload(
        serde_json::json!({
            "file": "audit.csv",
            "rows": rows,
            "bytes": bytes,
            "sha256": sha256,
            "up_to_seq": head.seq,
            "head_hash": head.hash,
            "via": via,
        }),
    );
    if let Some(id) = round_id {
        event = event.round(id);
    }
    let event = append(&tx, event).await?;
    tx.commit().await?;
    tracing::info!(rows, up_to_seq = head.seq, "exported the audit trail");
    Ok(Receipt {
        file: ExportFile::Audit,
        rows,
        bytes,
        sha256,
        seq: event.seq,
    })
}

/// Writes every file of the round into `dir` (created if missing; existing
/// files of the same names are replaced), each one an audited export.
///
/// # Errors
/// As [`export`], or when the folder or a file cannot be written.
pub async fn export_all(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    via: &str,
    dir: &Path,
) -> Result<Vec<Receipt>, ServiceError> {
    allowed(actor)?;
    std::fs::create_dir_all(dir).map_err(anyhow::Error::from)?;
    let mut receipts = Vec::new();
    for file in ExportFile::ALL {
        let path = dir.join(file.file_name());
        let f = std::fs::File::create(&path)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
        let mut w = io::BufWriter::new(f);
        receipts.push(export(db, actor, round_id, file, via, &mut w).await?);
        w.into_inner()
            .map_err(|e| anyhow::Error::from(e.into_error()))?
            .sync_all()
            .map_err(anyhow::Error::from)?;
    }
    Ok(receipts)
}

async fn write_analytics<C: ConnectionTrait, W: Write>(
    tx: &C,
    r: &round::Model,
    out: W,
) -> Result<u64, ServiceError> {
    let (_, _, input) = super::panel_review::load_input(tx, r.id).await?;
    let review = crate::domain::panel_review::review(&input);
    crate::export::analytics_csv::write(out, &r.id.to_string(), &review, &input.ties)
        .map_err(io_err)
}

fn io_err(e: io::Error) -> ServiceError {
    ServiceError::Internal(e.into())
}
