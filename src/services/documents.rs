//! Uploaded documents: bytes into the [`FileStore`], a `stored_file` row into
//! the caller's transaction.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
};

use crate::db::entities::{document, stored_file};
use crate::domain::lang::Lang;
use crate::storage::{DocKind, FileStore, StoreError, StoredBlob};

/// Longest original file name kept (in characters) for `document.original_name`.
pub const MAX_ORIGINAL_NAME_CHARS: usize = 120;

/// Why an upload was not accepted. The first three are the uploader's to fix
/// and have a message for them; the others are ours.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Larger than the limit.
    #[error("file larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Not a PDF, JPEG or PNG by its content, whatever its name says.
    #[error("file type not allowed")]
    NotAllowedType,
    /// No file, or a file of zero bytes.
    #[error("empty file")]
    Empty,
    /// A PDF, JPEG or PNG header with web-page or script markup behind it.
    #[error("file holds markup")]
    HoldsMarkup,
    /// Writing the file failed.
    #[error("storage: {0}")]
    Storage(std::io::Error),
    /// Recording the file failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl UploadError {
    /// The message for the person who uploaded the file.
    #[must_use]
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Self::TooLarge { limit }, Lang::Id) => format!(
                "Berkas terlalu besar. Ukuran maksimal {}; perkecil hasil pindaian atau foto, lalu unggah lagi.",
                crate::storage::size_label(*limit)
            ),
            (Self::TooLarge { limit }, Lang::En) => format!(
                "The file is too large. The maximum is {}; reduce the scan or photo and upload it again.",
                crate::storage::size_label(*limit)
            ),
            (Self::NotAllowedType, Lang::Id) => {
                "Jenis berkas tidak diterima. Unggah PDF, JPG atau PNG.".to_owned()
            }
            (Self::NotAllowedType, Lang::En) => {
                "This type of file is not accepted. Upload a PDF, JPG or PNG.".to_owned()
            }
            (Self::HoldsMarkup, Lang::Id) => {
                "Berkas ini berisi kode halaman web (HTML atau skrip), bukan hasil pindaian atau foto. Unggah PDF, JPG atau PNG hasil pindaian.".to_owned()
            }
            (Self::HoldsMarkup, Lang::En) => {
                "This file holds web-page code (HTML or script), not a scan or photo. Upload a scanned PDF, JPG or PNG.".to_owned()
            }
            (Self::Empty, Lang::Id) => "Berkas kosong atau belum dipilih.".to_owned(),
            (Self::Empty, Lang::En) => "The file is empty or none was chosen.".to_owned(),
            (Self::Storage(_) | Self::Db(_), Lang::Id) => {
                "Berkas tidak dapat disimpan saat ini. Coba lagi sebentar lagi.".to_owned()
            }
            (Self::Storage(_) | Self::Db(_), Lang::En) => {
                "The file could not be saved right now. Please try again shortly.".to_owned()
            }
        }
    }
}

impl From<StoreError> for UploadError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Empty => UploadError::Empty,
            StoreError::TooLarge { limit } => UploadError::TooLarge { limit },
            StoreError::NotAllowedType => UploadError::NotAllowedType,
            StoreError::HoldsMarkup => UploadError::HoldsMarkup,
            StoreError::Io(e) => UploadError::Storage(e),
        }
    }
}

/// Stores an uploaded document and returns its `stored_file` row, inserted in
/// the caller's transaction or reused when the same bytes were stored before.
///
/// The kind comes from the bytes alone. `original_name` is only compared with
/// it, so operators can see in the logs how often names lie (the name itself is
/// never logged: names often carry a person's name); keep it for
/// `document.original_name` through [`clean_original_name`].
///
/// The file is written before the row: if the transaction rolls back, an
/// unreferenced file stays behind, which garbage collection may remove; the
/// reverse order could leave a row pointing at nothing.
///
/// # Errors
/// [`UploadError::Empty`], [`UploadError::TooLarge`] or
/// [`UploadError::NotAllowedType`] for the uploader, checked before anything is
/// written; [`UploadError::Storage`] or [`UploadError::Db`] otherwise.
pub async fn store_upload<C: ConnectionTrait>(
    tx: &C,
    store: &FileStore,
    bytes: Vec<u8>,
    original_name: &str,
) -> Result<stored_file::Model, UploadError> {
    let blob = put_upload(store, bytes, original_name).await?;
    record_upload(tx, &blob).await
}

/// The first half of [`store_upload`]: checks and writes the file. Call it
/// before taking the write lock, so other writers do not wait for the disk.
///
/// # Errors
/// As [`store_upload`], without [`UploadError::Db`].
pub async fn put_upload(
    store: &FileStore,
    bytes: Vec<u8>,
    original_name: &str,
) -> Result<StoredBlob, UploadError> {
    let kind = store.check(&bytes)?;
    let claimed = original_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let name_agrees = match (kind, claimed.as_deref()) {
        (DocKind::Jpeg, Some("jpg" | "jpeg")) => true,
        (k, Some(ext)) => k.extension() == ext,
        (_, None) => false,
    };
    let owned_store = store.clone();
    let blob = tokio::task::spawn_blocking(move || owned_store.put(&bytes))
        .await
        .map_err(|e| UploadError::Storage(std::io::Error::other(e)))??;
    tracing::debug!(
        stored_file.sha256 = %blob.sha256,
        stored_file.content_type = blob.kind.content_type(),
        stored_file.size = blob.size,
        name_agrees,
        "document stored"
    );
    Ok(blob)
}

/// The second half of [`store_upload`]: the `stored_file` row of a written
/// file, inserted in the caller's transaction or reused.
///
/// # Errors
/// [`UploadError::Db`].
pub async fn record_upload<C: ConnectionTrait>(
    tx: &C,
    blob: &StoredBlob,
) -> Result<stored_file::Model, UploadError> {
    // Another transaction may have stored the same bytes meanwhile: on
    // conflict keep its row (PostgreSQL waits for it to commit first).
    let model = stored_file::Model {
        sha256: blob.sha256.clone(),
        size_bytes: i64::try_from(blob.size).unwrap_or(i64::MAX),
        content_type: blob.kind.content_type().to_owned(),
        created_at: time::OffsetDateTime::now_utc(),
    };
    let inserted = stored_file::Entity::insert(stored_file::ActiveModel::from(model.clone()))
        .on_conflict_do_nothing_on([stored_file::Column::Sha256])
        .exec_without_returning(tx)
        .await?;
    // Only when the bytes were stored before is the row read back.
    if matches!(inserted, sea_orm::TryInsertResult::Inserted(1)) {
        return Ok(model);
    }
    stored_file::Entity::find_by_id(blob.sha256.clone())
        .one(tx)
        .await?
        .ok_or_else(|| UploadError::Db(DbErr::RecordNotFound("stored_file".into())))
}

/// Deletes the stored file `sha256` (row and bytes) when no document refers
/// to it any more, e.g. after an upload was replaced. Returns whether it did.
///
/// Its own write transaction, after the one that dropped the reference: the
/// row is locked and the references counted under the write lock, the file
/// is set aside before the commit and put back if the commit fails, so the
/// row and the file disappear together. An upload of the same bytes racing
/// with it either keeps the row (its document is counted) or finds the file
/// gone under the write lock and writes it again ([`ensure_on_disk`]).
///
/// # Errors
/// Storage failures (the caller logs them: the upload itself succeeded, and
/// a file left behind is only garbage).
pub async fn forget_if_unreferenced(
    db: &DatabaseConnection,
    store: &FileStore,
    sha256: &str,
) -> Result<bool, UploadError> {
    let tx = crate::db::begin_write(db).await?;
    let row = stored_file::Entity::find_by_id(sha256.to_owned())
        .lock_exclusive()
        .one(&tx)
        .await?;
    if row.is_none() {
        return Ok(false);
    }
    let references = document::Entity::find()
        .filter(document::Column::Sha256.eq(sha256))
        .count(&tx)
        .await?;
    if references > 0 {
        return Ok(false);
    }
    stored_file::Entity::delete_by_id(sha256.to_owned())
        .exec(&tx)
        .await?;
    let aside = store.set_aside(sha256).map_err(UploadError::Storage)?;
    if let Err(e) = tx.commit().await {
        if let Some(aside) = &aside {
            store.restore(sha256, aside).map_err(UploadError::Storage)?;
        }
        return Err(e.into());
    }
    if let Some(aside) = aside {
        std::fs::remove_file(aside).map_err(UploadError::Storage)?;
    }
    tracing::debug!(stored_file.sha256 = %sha256, "unreferenced document file deleted");
    Ok(true)
}

/// Writes `bytes` again when their file is gone: called under the write lock
/// after recording an upload, in case [`forget_if_unreferenced`] deleted
/// identical bytes between [`put_upload`] (which found them there) and now.
///
/// # Errors
/// As [`put_upload`].
pub async fn ensure_on_disk(
    store: &FileStore,
    sha256: &str,
    bytes: &[u8],
) -> Result<(), UploadError> {
    if store.exists(sha256) {
        return Ok(());
    }
    let owned_store = store.clone();
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || owned_store.put(&bytes))
        .await
        .map_err(|e| UploadError::Storage(std::io::Error::other(e)))??;
    Ok(())
}

/// The uploaded name as it may be kept and shown: the last path component
/// only (browsers on some systems send full paths), control characters
/// dropped, at most [`MAX_ORIGINAL_NAME_CHARS`] characters, and `berkas`
/// ("file") when nothing is left. Views escape it like any user text.
#[must_use]
pub fn clean_original_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_ORIGINAL_NAME_CHARS)
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." {
        "berkas".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_upload_error_has_two_distinct_messages() {
        let all = [
            UploadError::TooLarge {
                limit: 2 * 1024 * 1024,
            },
            UploadError::NotAllowedType,
            UploadError::Empty,
            UploadError::HoldsMarkup,
            UploadError::Storage(std::io::Error::other("disk full")),
        ];
        for e in all {
            let (id, en) = (e.message(Lang::Id), e.message(Lang::En));
            assert!(!id.is_empty() && !en.is_empty());
            assert_ne!(id, en);
            assert!(!id.contains("disk full"), "internal detail never shown");
        }
        assert!(
            UploadError::TooLarge {
                limit: 2 * 1024 * 1024
            }
            .message(Lang::Id)
            .contains("2 MB")
        );
    }

    #[test]
    fn original_names_are_cleaned() {
        assert_eq!(clean_original_name("C:\\Users\\siti\\KTP.pdf"), "KTP.pdf");
        assert_eq!(clean_original_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_original_name("a\u{0}b\nc.png"), "abc.png");
        assert_eq!(clean_original_name(""), "berkas");
        assert_eq!(clean_original_name("dir/.."), "berkas");
        assert_eq!(clean_original_name(&"x".repeat(500)).chars().count(), 120);
    }
}
