//! Uploaded documents: bytes into the [`FileStore`], a `stored_file` row into
//! the caller's transaction.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
};

use super::ServiceError;
use crate::db::entities::{document, stored_file};
use crate::domain::msg::Msg;
use crate::storage::{DocKind, FileStore, StoreError, StoredBlob};

/// Longest original file name kept (in characters) for `document.original_name`.
pub const MAX_ORIGINAL_NAME_CHARS: usize = 120;

/// How the store's answer reaches the uploader: a file that is empty, of a
/// type not allowed or holding markup is `Invalid`, one over the limit
/// `TooLarge` (the API answers 413), each with the message for the person who
/// uploaded it; a disk failure is ours (`Internal`, never shown).
pub(crate) fn store_refusal(e: StoreError) -> ServiceError {
    let msg = |id: &str, en: &str| Msg::new(id, en);
    match e {
        StoreError::TooLarge { limit } => {
            let size = crate::storage::size_label(limit);
            ServiceError::TooLarge(Msg::new(
                format!(
                    "Berkas terlalu besar. Ukuran maksimal {size}; perkecil hasil pindaian atau foto, lalu unggah lagi."
                ),
                format!(
                    "The file is too large. The maximum is {size}; reduce the scan or photo and upload it again."
                ),
            ))
        }
        StoreError::NotAllowedType => ServiceError::Invalid(msg(
            "Jenis berkas tidak diterima. Unggah PDF, JPG atau PNG.",
            "This type of file is not accepted. Upload a PDF, JPG or PNG.",
        )),
        StoreError::HoldsMarkup => ServiceError::Invalid(msg(
            "Berkas ini berisi kode halaman web (HTML atau skrip), bukan hasil pindaian atau foto. Unggah PDF, JPG atau PNG hasil pindaian.",
            "This file holds web-page code (HTML or script), not a scan or photo. Upload a scanned PDF, JPG or PNG.",
        )),
        StoreError::Empty => ServiceError::Invalid(msg(
            "Berkas kosong atau belum dipilih.",
            "The file is empty or none was chosen.",
        )),
        StoreError::Io(e) => storage_failure(e),
    }
}

fn storage_failure(e: std::io::Error) -> ServiceError {
    ServiceError::Internal(anyhow::Error::new(e).context("storing an upload"))
}

/// What the uploader is told about an upload that did not happen: the
/// refusal's own message, or that the file could not be saved (a storage
/// failure's detail is ours).
#[must_use]
pub fn told_uploader(e: &ServiceError) -> Msg {
    match e {
        ServiceError::Invalid(m) | ServiceError::TooLarge(m) => m.clone(),
        _ => Msg::new(
            "Berkas tidak dapat disimpan saat ini. Coba lagi sebentar lagi.",
            "The file could not be saved right now. Please try again shortly.",
        ),
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
/// `Invalid` (empty, a type not allowed, markup) or `TooLarge` for the
/// uploader, checked before anything is written; `Internal` (the disk) or
/// `Db` otherwise.
pub async fn store_upload<C: ConnectionTrait>(
    tx: &C,
    store: &FileStore,
    bytes: Vec<u8>,
    original_name: &str,
) -> Result<stored_file::Model, ServiceError> {
    let blob = put_upload(store, bytes, original_name).await?;
    record_upload(tx, &blob).await
}

/// The first half of [`store_upload`]: checks and writes the file. Call it
/// before taking the write lock, so other writers do not wait for the disk.
///
/// # Errors
/// As [`store_upload`], without `Db`.
pub async fn put_upload(
    store: &FileStore,
    bytes: Vec<u8>,
    original_name: &str,
) -> Result<StoredBlob, ServiceError> {
    let kind = store.check(&bytes).map_err(store_refusal)?;
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
        .map_err(|e| storage_failure(std::io::Error::other(e)))?
        .map_err(store_refusal)?;
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
/// `Db`.
pub async fn record_upload<C: ConnectionTrait>(
    tx: &C,
    blob: &StoredBlob,
) -> Result<stored_file::Model, ServiceError> {
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
        // Ours, not the caller's "not found": the row was there a moment ago.
        .ok_or_else(|| {
            ServiceError::Internal(anyhow::Error::new(DbErr::RecordNotFound(
                "stored_file".into(),
            )))
        })
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
) -> Result<bool, ServiceError> {
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
    let aside = store.set_aside(sha256).map_err(storage_failure)?;
    if let Err(e) = tx.commit().await {
        if let Some(aside) = &aside {
            store.restore(sha256, aside).map_err(storage_failure)?;
        }
        return Err(e.into());
    }
    if let Some(aside) = aside {
        std::fs::remove_file(aside).map_err(storage_failure)?;
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
) -> Result<(), ServiceError> {
    if store.exists(sha256) {
        return Ok(());
    }
    let owned_store = store.clone();
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || owned_store.put(&bytes))
        .await
        .map_err(|e| storage_failure(std::io::Error::other(e)))?
        .map_err(store_refusal)?;
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
    fn every_upload_refusal_has_two_distinct_messages() {
        let all = [
            StoreError::TooLarge {
                limit: 2 * 1024 * 1024,
            },
            StoreError::NotAllowedType,
            StoreError::Empty,
            StoreError::HoldsMarkup,
            StoreError::Io(std::io::Error::other("disk full")),
        ];
        for e in all {
            let m = told_uploader(&store_refusal(e));
            assert!(!m.id.is_empty() && !m.en.is_empty());
            assert_ne!(m.id, m.en);
            assert!(!m.id.contains("disk full"), "internal detail never shown");
        }
        let too_large = store_refusal(StoreError::TooLarge {
            limit: 2 * 1024 * 1024,
        });
        assert!(matches!(&too_large, ServiceError::TooLarge(m) if m.id.contains("2 MB")));
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
