//! Uploaded documents on disk, content-addressed.
//!
//! Files live under `DATA_DIR/files/ab/cd/<sha256>`: outside anything the web
//! server serves (assets are embedded in the binary), named by their hash so
//! the same bytes are stored once and no uploader-chosen name ever reaches the
//! file system. Whether a file is a PDF, JPEG or PNG is decided by its first
//! bytes only; the uploaded name and the browser's content type are never
//! trusted. Folders are `0750` and files `0640` (less if the umask says so).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use thiserror::Error;

/// Largest accepted document by default: 2 MiB, enough for a scanned page as
/// PDF or JPEG and small enough for applicants on slow mobile connections.
pub const MAX_DOCUMENT_BYTES: usize = 2 * 1024 * 1024;

/// A size for people: `2 MB`, `512 KB` (binary units, as phones show them).
#[must_use]
pub fn size_label(bytes: usize) -> String {
    const KB: usize = 1024;
    const MB: usize = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= KB && bytes.is_multiple_of(KB) {
        format!("{} KB", bytes / KB)
    } else {
        format!("{bytes} byte")
    }
}

#[cfg(unix)]
const DIR_MODE: u32 = 0o750;
#[cfg(unix)]
const FILE_MODE: u32 = 0o640;

/// A document type the platform accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// `application/pdf`, starts with `%PDF-`.
    Pdf,
    /// `image/jpeg`, starts with `FF D8 FF`.
    Jpeg,
    /// `image/png`, starts with the 8-byte PNG signature.
    Png,
}

impl DocKind {
    /// The MIME type stored in `stored_file.content_type` and sent when serving.
    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            DocKind::Pdf => "application/pdf",
            DocKind::Jpeg => "image/jpeg",
            DocKind::Png => "image/png",
        }
    }

    /// The usual file extension, for download names.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            DocKind::Pdf => "pdf",
            DocKind::Jpeg => "jpg",
            DocKind::Png => "png",
        }
    }

    /// The kind stored as `content_type`; `None` for anything else.
    #[must_use]
    pub fn from_content_type(s: &str) -> Option<DocKind> {
        [DocKind::Pdf, DocKind::Jpeg, DocKind::Png]
            .into_iter()
            .find(|k| k.content_type() == s)
    }
}

/// The kind of a document, from its magic bytes alone.
#[must_use]
pub fn sniff(bytes: &[u8]) -> Option<DocKind> {
    const PDF: &[u8] = b"%PDF-";
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF];
    const PNG: &[u8] = &[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    if bytes.starts_with(PDF) {
        Some(DocKind::Pdf)
    } else if bytes.starts_with(JPEG) {
        Some(DocKind::Jpeg)
    } else if bytes.starts_with(PNG) {
        Some(DocKind::Png)
    } else {
        None
    }
}

/// How much of the start of a file is searched for markup: browsers and
/// tools that guess a type look at the first few hundred bytes, a polyglot
/// puts its HTML right after the magic bytes.
pub const MARKUP_SCAN_BYTES: usize = 8 * 1024;

/// Whether the first [`MARKUP_SCAN_BYTES`] of `bytes` hold HTML, SVG, XML or
/// script markup, whatever the magic bytes say (a `%PDF-` or JPEG header
/// followed by `<script>` is a polyglot that some viewers render as a page).
///
/// Only tags of four letters or more followed by a tag delimiter are looked
/// for (case-insensitive), so compressed image and PDF data, which is random
/// to the eye, matches one by chance about once in 100,000 files; the short
/// tags `<a`, `<b`, `<p` would refuse a real photo in a hundred.
#[must_use]
pub fn holds_markup(bytes: &[u8]) -> bool {
    const TAGS: &[&[u8]] = &[
        b"<!doctype",
        b"<html",
        b"<head",
        b"<body",
        b"<script",
        b"<iframe",
        b"<frame",
        b"<svg",
        b"<math",
        b"<?xml",
        b"<style",
        b"<title",
        b"<object",
        b"<embed",
        b"<meta",
        b"<link",
        b"<base",
        b"<form",
        b"<table",
        b"<font",
        b"<div",
        b"<img",
        b"<input",
        b"<button",
        b"<video",
        b"<audio",
        b"<template",
        b"<xml",
    ];
    const TEXT: &[&[u8]] = &[b"<!--", b"javascript:", b"vbscript:"];
    let head = &bytes[..bytes.len().min(MARKUP_SCAN_BYTES)];
    let delimiter = |b: Option<&u8>| {
        matches!(
            b,
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>' | b'/')
        )
    };
    (0..head.len()).any(|i| {
        let rest = &head[i..];
        if rest[0] != b'<'
            && rest[0] != b'j'
            && rest[0] != b'J'
            && rest[0] != b'v'
            && rest[0] != b'V'
        {
            return false;
        }
        let starts = |p: &[u8]| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p);
        TAGS.iter().any(|t| {
            starts(t)
                && (delimiter(rest.get(t.len())) || t.starts_with(b"<!") || t.starts_with(b"<?"))
        }) || TEXT.iter().any(|t| starts(t))
    })
}

/// What [`FileStore::put`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// Lowercase hex SHA-256 of the bytes: the file's name and database key.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// What the magic bytes say.
    pub kind: DocKind,
}

/// Why bytes were not stored.
#[derive(Debug, Error)]
pub enum StoreError {
    /// No bytes at all.
    #[error("empty file")]
    Empty,
    /// More than the store's limit.
    #[error("file larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Not a PDF, JPEG or PNG by content.
    #[error("not a PDF, JPEG or PNG file")]
    NotAllowedType,
    /// Its first kilobytes hold web-page or script markup.
    #[error("file holds HTML or script markup")]
    HoldsMarkup,
    /// The disk refused.
    #[error("storage: {0}")]
    Io(#[from] io::Error),
}

/// Content-addressed document storage under one root folder.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
    max_bytes: usize,
    /// Whether [`FileStore::put`] syncs each file and its folder.
    durable: bool,
}

impl FileStore {
    /// The store of an installation: `data_dir/files`, with the default limit.
    #[must_use]
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("files"),
            max_bytes: MAX_DOCUMENT_BYTES,
            durable: true,
        }
    }

    /// The same store without the syncs of [`FileStore::put`]: only for the
    /// demo loader, which writes its database with `synchronous=NORMAL` too.
    /// A crash during a demo load loses the demo, which is loaded again;
    /// nothing else may use it.
    #[must_use]
    pub fn without_sync(mut self) -> Self {
        self.durable = false;
        self
    }

    /// The same store with another size limit.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The root folder.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The size limit in bytes.
    #[must_use]
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Checks bytes against the limit and the allowed kinds without storing
    /// them, so a form can refuse early.
    ///
    /// # Errors
    /// [`StoreError::Empty`], [`StoreError::TooLarge`] or
    /// [`StoreError::NotAllowedType`], checked in that order.
    pub fn check(&self, bytes: &[u8]) -> Result<DocKind, StoreError> {
        if bytes.is_empty() {
            return Err(StoreError::Empty);
        }
        if bytes.len() > self.max_bytes {
            return Err(StoreError::TooLarge {
                limit: self.max_bytes,
            });
        }
        let kind = sniff(bytes).ok_or(StoreError::NotAllowedType)?;
        if holds_markup(bytes) {
            return Err(StoreError::HoldsMarkup);
        }
        Ok(kind)
    }

    /// Stores a document and returns its hash, size and kind. Storing bytes
    /// that are already there changes nothing.
    ///
    /// The write is atomic: a temporary file in the target folder is written,
    /// flushed to disk and renamed over the final name, and the folder is
    /// synced, so a crash leaves either no file or the whole file, never a
    /// torn one under a valid hash. Blocking: call it off the async runtime.
    ///
    /// # Errors
    /// As [`FileStore::check`], or [`StoreError::Io`] when the disk refuses.
    pub fn put(&self, bytes: &[u8]) -> Result<StoredBlob, StoreError> {
        let kind = self.check(bytes)?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        let blob = StoredBlob {
            sha256,
            size: bytes.len() as u64,
            kind,
        };
        let path = self.path_for(&blob.sha256);
        if path.is_file() {
            // Renewed, so the sweep of unreferenced files (which spares young
            // ones) does not remove it before this upload's row commits.
            let _ = File::options()
                .append(true)
                .open(&path)
                .and_then(|f| f.set_modified(std::time::SystemTime::now()));
            return Ok(blob);
        }
        let dir = path.parent().unwrap_or(&self.root);
        create_private_dirs(dir)?;
        let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
        let written =
            write_new_private(&tmp, bytes, self.durable).and_then(|()| fs::rename(&tmp, &path));
        if let Err(e) = written {
            // Best effort: a leftover temporary file is harmless but untidy.
            let _ = fs::remove_file(&tmp);
            return Err(e.into());
        }
        if self.durable {
            sync_dir(dir)?;
        }
        Ok(blob)
    }

    /// Opens a stored document for reading.
    ///
    /// # Errors
    /// `InvalidInput` for anything but 64 lowercase hex digits (so no path can
    /// be smuggled in), `NotFound` when there is no such file.
    pub fn open(&self, sha256: &str) -> io::Result<File> {
        File::open(self.checked_path(sha256)?)
    }

    /// Reads a stored document whole, checking it still has its hash.
    ///
    /// # Errors
    /// As [`FileStore::open`], and `InvalidData` when the bytes on disk no
    /// longer match their name (disk damage or tampering).
    pub fn read(&self, sha256: &str) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.open(sha256)?.read_to_end(&mut bytes)?;
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "stored file does not match its hash",
            ));
        }
        Ok(bytes)
    }

    fn checked_path(&self, sha256: &str) -> io::Result<PathBuf> {
        if sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(self.path_for(sha256))
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a SHA-256 hex digest",
            ))
        }
    }

    /// `root/ab/cd/abcd…`: two levels of 256 folders keep any one folder small.
    /// Whether the file of `sha256` is on disk.
    #[must_use]
    pub fn exists(&self, sha256: &str) -> bool {
        valid_hash(sha256) && self.path_for(sha256).is_file()
    }

    /// Moves the file of `sha256` aside (to a name no lookup finds) and
    /// returns where, so a deletion can still be undone until the database
    /// agrees; `None` when there was no file. Blocking.
    ///
    /// # Errors
    /// When the disk refuses the rename.
    pub fn set_aside(&self, sha256: &str) -> io::Result<Option<PathBuf>> {
        if !valid_hash(sha256) {
            return Ok(None);
        }
        let path = self.path_for(sha256);
        let aside = path.with_extension(format!("deleted-{}", uuid::Uuid::new_v4().simple()));
        match fs::rename(&path, &aside) {
            Ok(()) => Ok(Some(aside)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Puts a file moved by [`FileStore::set_aside`] back, unless the same
    /// bytes were stored again meanwhile. Blocking.
    ///
    /// # Errors
    /// When the disk refuses the rename.
    pub fn restore(&self, sha256: &str, aside: &Path) -> io::Result<()> {
        let path = self.path_for(sha256);
        if path.is_file() {
            return fs::remove_file(aside);
        }
        fs::rename(aside, path)
    }

    fn path_for(&self, sha256: &str) -> PathBuf {
        self.root
            .join(&sha256[0..2])
            .join(&sha256[2..4])
            .join(sha256)
    }
}

/// A lowercase hex SHA-256, the only names the store ever builds paths from.
fn valid_hash(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn create_private_dirs(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir)
}

fn write_new_private(path: &Path, bytes: &[u8], sync: bool) -> io::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(FILE_MODE);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    if sync { f.sync_all() } else { Ok(()) }
}

/// Makes a rename durable: on Linux the new directory entry survives a crash
/// only once the directory itself is synced.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size_label(2 * 1024 * 1024), "2 MB");
        assert_eq!(size_label(512 * 1024), "512 KB");
        assert_eq!(size_label(100), "100 byte");
    }

    /// A tiny valid-looking file of each kind.
    pub(crate) fn png() -> Vec<u8> {
        let mut v = vec![0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        v.extend_from_slice(b"\0\0\0\rIHDR rest of a png");
        v
    }

    #[test]
    fn markup_behind_magic_bytes_is_found_but_binary_data_is_not() {
        for polyglot in [
            &b"%PDF-1.4\n<html><script>alert(1)</script>"[..],
            b"\xFF\xD8\xFF\xE0<HTML>",
            b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>",
            b"%PDF-1.7 <!DOCTYPE html>",
            b"%PDF-1.7 <ScRiPt>",
            b"%PDF-1.7 <a href=\"javascript:alert(1)\">",
            b"%PDF-1.7 <?xml version=\"1.0\"?>",
        ] {
            assert!(holds_markup(polyglot), "{polyglot:?}");
        }
        for clean in [
            &b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj"[..],
            b"\xFF\xD8\xFF\xE0<p <a <b <htm",
            b"%PDF-1.7 <scripts-are-not-here",
        ] {
            assert!(!holds_markup(clean), "{clean:?}");
        }
        let mut late = b"%PDF-1.7 ".to_vec();
        late.resize(MARKUP_SCAN_BYTES, b' ');
        late.extend_from_slice(b"<script>");
        assert!(
            !holds_markup(&late),
            "only the first kilobytes are searched"
        );
    }

    #[test]
    fn sniffing_uses_magic_bytes_only() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(DocKind::Pdf));
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(DocKind::Jpeg)
        );
        assert_eq!(sniff(&png()), Some(DocKind::Png));
        assert_eq!(sniff(b"MZ\x90\0 this is an exe"), None);
        assert_eq!(sniff(b"%PDF"), None, "truncated magic");
        assert_eq!(sniff(b" %PDF-1.7"), None, "magic must be at the start");
        assert_eq!(sniff(&[0xFF, 0xD8]), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(
            DocKind::from_content_type(DocKind::Png.content_type()),
            Some(DocKind::Png)
        );
    }

    #[test]
    fn put_stores_once_under_the_hash_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        let a = store.put(&png()).unwrap();
        let b = store.put(&png()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.kind, DocKind::Png);
        assert_eq!(a.size, png().len() as u64);
        let path = store
            .root()
            .join(&a.sha256[..2])
            .join(&a.sha256[2..4])
            .join(&a.sha256);
        assert!(path.is_file());
        assert_eq!(store.read(&a.sha256).unwrap(), png());
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");
    }

    #[test]
    fn limits_and_types_are_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path()).with_max_bytes(16);
        assert!(matches!(store.put(b""), Err(StoreError::Empty)));
        assert!(matches!(
            store.put(b"%PDF-1.7 more than sixteen bytes"),
            Err(StoreError::TooLarge { limit: 16 })
        ));
        assert!(matches!(
            store.put(b"MZ\x90\0exe"),
            Err(StoreError::NotAllowedType)
        ));
        assert!(
            store.put(b"%PDF-1.7 exactly").is_ok(),
            "16 bytes is allowed"
        );
        assert_eq!(FileStore::new(dir.path()).max_bytes(), 2 * 1024 * 1024);
    }

    #[test]
    fn only_hex_digests_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        for bad in ["../../secret.key", "", &"A".repeat(64), &"a".repeat(63)] {
            let err = store.open(bad).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}");
        }
        assert_eq!(
            store.open(&"a".repeat(64)).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn a_damaged_file_is_detected_on_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        let blob = store.put(b"%PDF-1.4 original").unwrap();
        let path = store.checked_path(&blob.sha256).unwrap();
        fs::write(&path, b"%PDF-1.4 tampered").unwrap();
        assert_eq!(
            store.read(&blob.sha256).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_and_folders_are_not_world_readable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        let blob = store.put(&png()).unwrap();
        let file = store.checked_path(&blob.sha256).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file) & !FILE_MODE, 0, "file mode {:o}", mode(&file));
        let mut d = file.parent().unwrap();
        while d != dir.path() {
            assert_eq!(mode(d) & !DIR_MODE, 0, "{} mode {:o}", d.display(), mode(d));
            d = d.parent().unwrap();
        }
    }
}
