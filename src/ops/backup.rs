//! `pokmas backup DIR` and `pokmas restore DIR`: one bundle holds everything
//! an installation needs besides its secret key — the database (SQLite; a
//! PostgreSQL dump is made with `pg_dump` beside it), the stored documents and
//! the checkpoint signing key — with `MANIFEST.sha256` (the format
//! `sha256sum -c` reads). The secret key is bundled only when asked for: whoever
//! holds the bundle and the secret can read every NIK.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

/// The manifest's file name inside a bundle.
pub const MANIFEST: &str = "MANIFEST.sha256";
/// The SQLite copy's file name inside a bundle (and in a data folder).
pub const DATABASE_FILE: &str = "pokmas.db";
/// The PostgreSQL dump's file name inside a bundle, made by `pg_dump -Fc`.
pub const PG_DUMP_FILE: &str = "pokmas.pgdump";
/// The documents folder, in a bundle as in a data folder.
pub const FILES_DIR: &str = "files";
/// The key files.
pub const SECRET_KEY: &str = "secret.key";
pub const CHECKPOINT_KEY: &str = "checkpoint.key";

/// What a backup wrote.
#[derive(Debug)]
pub struct BackupReport {
    pub files: usize,
    pub bytes: u64,
    pub database_included: bool,
    pub secret_included: bool,
}

/// Writes the bundle of the installation in `data_dir` (database `db`) to
/// `out`, which must not exist or be an empty folder.
///
/// # Errors
/// When `out` is in use, a file cannot be read or written, or the database
/// copy fails.
pub async fn backup(
    db: &DatabaseConnection,
    data_dir: &Path,
    out: &Path,
    include_secret: bool,
) -> anyhow::Result<BackupReport> {
    ensure_empty(out)?;
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let database_included = db.get_database_backend() == sea_orm::DbBackend::Sqlite;
    if database_included {
        crate::db::backup(db, &out.join(DATABASE_FILE)).await?;
    }
    let files = data_dir.join(FILES_DIR);
    if files.is_dir() {
        copy_tree(&files, &out.join(FILES_DIR))?;
    }
    copy_key(data_dir, out, CHECKPOINT_KEY)?;
    let secret_included = include_secret && copy_key(data_dir, out, SECRET_KEY)?;
    let (count, bytes) = write_manifest(out)?;
    Ok(BackupReport {
        files: count,
        bytes,
        database_included,
        secret_included,
    })
}

/// Copies the bundle `bundle` into the new data folder `data_dir` after
/// checking every file against the manifest; returns the restored files.
///
/// # Errors
/// When `data_dir` is not empty, the manifest is missing, or a file is
/// missing, extra or differs from its sum (nothing is copied then).
pub fn restore(bundle: &Path, data_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    ensure_empty(data_dir)?;
    let listed = check_manifest(bundle)?;
    fs::create_dir_all(data_dir)?;
    for rel in &listed {
        let to = data_dir.join(rel);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(bundle.join(rel), &to)
            .with_context(|| format!("cannot write {}", to.display()))?;
        #[cfg(unix)]
        if rel.ends_with(".key") {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&to, fs::Permissions::from_mode(0o600))?;
        }
    }
    sync_dir(data_dir);
    Ok(listed.into_iter().map(PathBuf::from).collect())
}

/// Checks every file of `bundle` against its manifest; the listed paths.
///
/// # Errors
/// A missing manifest, a missing or extra file, or a differing sum.
pub fn check_manifest(bundle: &Path) -> anyhow::Result<Vec<String>> {
    let text = fs::read_to_string(bundle.join(MANIFEST)).with_context(|| {
        format!(
            "{} has no {MANIFEST}: not a pokmas backup, or an incomplete one",
            bundle.display()
        )
    })?;
    let mut listed = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some((sum, rel)) = line.split_once("  ") else {
            bail!("{MANIFEST} line {} is malformed", i + 1);
        };
        if rel.contains("..") || rel.starts_with('/') {
            bail!("{MANIFEST} line {} names a path outside the bundle", i + 1);
        }
        let path = bundle.join(rel);
        let actual = sha256_file(&path)
            .with_context(|| format!("{rel} is listed in {MANIFEST} but cannot be read"))?;
        if actual != sum {
            bail!("{rel} does not match its SHA-256 sum in {MANIFEST}: the bundle is damaged");
        }
        listed.push(rel.to_owned());
    }
    let mut present = Vec::new();
    list_files(bundle, bundle, &mut present)?;
    for rel in present {
        // The PostgreSQL dump is added by `pg_dump` after the manifest.
        if rel != MANIFEST && rel != PG_DUMP_FILE && !listed.contains(&rel) {
            bail!("{rel} is in the bundle but not in {MANIFEST}");
        }
    }
    Ok(listed)
}

fn ensure_empty(dir: &Path) -> anyhow::Result<()> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "{} is not empty; choose a new or empty folder",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", dir.display())),
    }
}

fn copy_key(data_dir: &Path, out: &Path, name: &str) -> anyhow::Result<bool> {
    let from = data_dir.join(name);
    if !from.exists() {
        return Ok(false);
    }
    let bytes = fs::read(&from).with_context(|| format!("cannot read {}", from.display()))?;
    crate::config::write_private(&out.join(name), &bytes)?;
    Ok(true)
}

/// Copies the stored documents; half-written uploads (`.tmp-*`) stay behind.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(".tmp-") {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &to.join(&name))?;
        } else if kind.is_file() {
            fs::copy(entry.path(), to.join(&name))
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            list_files(root, &path, out)?;
        } else {
            let rel = path
                .strip_prefix(root)?
                .to_str()
                .ok_or_else(|| anyhow::anyhow!("{} is not UTF-8", path.display()))?
                .to_owned();
            out.push(rel);
        }
    }
    Ok(())
}

fn write_manifest(bundle: &Path) -> anyhow::Result<(usize, u64)> {
    let mut files = Vec::new();
    list_files(bundle, bundle, &mut files)?;
    files.sort();
    let mut text = String::new();
    let mut bytes = 0;
    for rel in &files {
        let path = bundle.join(rel);
        bytes += fs::metadata(&path)?.len();
        text.push_str(&format!("{}  {rel}\n", sha256_file(&path)?));
    }
    let manifest = bundle.join(MANIFEST);
    fs::write(&manifest, text)?;
    fs::File::open(&manifest)?.sync_all()?;
    sync_dir(bundle);
    Ok((files.len(), bytes))
}

fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut f = fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// `pokmas backup DIR`.
///
/// # Errors
/// As [`backup`].
pub async fn run_backup(
    inst: &crate::config::InstallationArgs,
    dir: &Path,
    include_secret: bool,
) -> anyhow::Result<i32> {
    let url = inst.database_url()?;
    let db = crate::db::connect(&url)
        .await
        .context("cannot open the database")?;
    let started = std::time::Instant::now();
    let report = backup(&db, &inst.data_dir, dir, include_secret).await?;
    println!(
        "backup written to {}: {} files, {} bytes, in {:.1} s; check it with `sha256sum -c {MANIFEST}` inside the folder",
        dir.display(),
        report.files,
        report.bytes,
        started.elapsed().as_secs_f64()
    );
    if !report.database_included {
        println!(
            "the database is PostgreSQL: dump it into the same folder with \
             `pg_dump -Fc -f {}/{PG_DUMP_FILE} \"$DATABASE_URL\"` (see README, \"Running it for a city\")",
            dir.display()
        );
    }
    if report.secret_included {
        eprintln!(
            "WARNING: {SECRET_KEY} is in this bundle. Whoever holds it can read every NIK: \
             keep the bundle encrypted and apart from ordinary backups."
        );
    } else {
        println!(
            "{SECRET_KEY} is NOT in the bundle (pass --include-secret-key to add it): keep a copy \
             where you keep keys; a restored server refuses to start without it"
        );
    }
    Ok(0)
}

/// `pokmas restore DIR`.
///
/// # Errors
/// As [`restore`].
pub fn run_restore(inst: &crate::config::InstallationArgs, dir: &Path) -> anyhow::Result<i32> {
    let started = std::time::Instant::now();
    let restored = restore(dir, &inst.data_dir)?;
    println!(
        "restored {} files into {} in {:.1} s",
        restored.len(),
        inst.data_dir.display(),
        started.elapsed().as_secs_f64()
    );
    if !restored.iter().any(|p| p == Path::new(DATABASE_FILE)) {
        println!(
            "no SQLite database in the bundle: restore the PostgreSQL dump with \
             `pg_restore -d \"$DATABASE_URL\" {}/{PG_DUMP_FILE}`",
            dir.display()
        );
    }
    if !restored.iter().any(|p| p == Path::new(SECRET_KEY)) {
        println!(
            "copy {SECRET_KEY} from where you keep keys into {} (or set POKMAS_SECRET) before \
             starting the server",
            inst.data_dir.display()
        );
    }
    Ok(0)
}
