//! Uploading a document: the bytes decide the type, the size is capped, the
//! same bytes are stored once, and files stay private and out of the web root.

use pokmas::db::begin_write;
use pokmas::db::entities::stored_file;
use pokmas::services::ServiceError;
use pokmas::services::documents::{store_upload, told_uploader};
use pokmas::storage::FileStore;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait};

use crate::support::TestDb;
use crate::support::journey::OpenRound;

fn png() -> Vec<u8> {
    let mut v = vec![0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    v.extend_from_slice(b"\0\0\0\rIHDR a small png");
    v
}

async fn upload(
    db: &DatabaseConnection,
    store: &FileStore,
    bytes: Vec<u8>,
    name: &str,
) -> Result<stored_file::Model, ServiceError> {
    let tx = begin_write(db).await.expect("begin");
    let out = store_upload(&tx, store, bytes, name).await;
    tx.commit().await.expect("commit");
    out
}

async fn stored_rows(db: &DatabaseConnection) -> u64 {
    stored_file::Entity::find().count(db).await.expect("count")
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

async fn a_png_named_pdf_is_stored_as_png(db: &DatabaseConnection, store: &FileStore) {
    let row = upload(db, store, png(), "KTP.pdf").await.expect("stored");
    assert_eq!(row.content_type, "image/png");
    assert_eq!(row.size_bytes, png().len() as i64);
    assert_eq!(store.read(&row.sha256).expect("read back"), png());
}

#[tokio::test]
async fn a_png_named_pdf_is_stored_as_a_png() {
    let t = TestDb::sqlite().await;
    let store = FileStore::new(t.dir.path());
    a_png_named_pdf_is_stored_as_png(&t.db, &store).await;
}

#[tokio::test]
async fn an_exe_renamed_pdf_is_refused_and_nothing_is_written() {
    let t = TestDb::sqlite().await;
    let store = FileStore::new(t.dir.path());
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00 This program cannot be run in DOS mode".to_vec();
    let err = upload(&t.db, &store, exe, "ijazah.pdf").await.unwrap_err();
    assert!(matches!(err, ServiceError::Invalid(_)), "{err:?}");
    assert!(told_uploader(&err).id.contains("PDF"));
    assert_eq!(stored_rows(&t.db).await, 0);
    assert!(files_under(store.root()).is_empty());
}

#[tokio::test]
async fn an_oversize_or_empty_file_is_refused() {
    let t = TestDb::sqlite().await;
    let store = FileStore::new(t.dir.path());
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(pokmas::storage::MAX_DOCUMENT_BYTES + 1, b' ');
    let err = upload(&t.db, &store, big, "scan.pdf").await.unwrap_err();
    assert!(
        matches!(&err, ServiceError::TooLarge(m) if m.id.contains("2 MB")),
        "{err:?}"
    );
    let err = upload(&t.db, &store, Vec::new(), "scan.pdf")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ServiceError::Invalid(m) if m.id.contains("kosong")),
        "{err:?}"
    );
    assert_eq!(stored_rows(&t.db).await, 0);

    let mut at_limit = b"%PDF-1.7\n".to_vec();
    at_limit.resize(pokmas::storage::MAX_DOCUMENT_BYTES, b' ');
    upload(&t.db, &store, at_limit, "scan.pdf")
        .await
        .expect("exactly the limit is allowed");
}

async fn same_bytes_are_stored_once(db: &DatabaseConnection, store: &FileStore) {
    let a = upload(db, store, png(), "a.png").await.expect("first");
    let b = upload(db, store, png(), "b.png").await.expect("second");
    assert_eq!(a, b, "the first row is reused");
    assert_eq!(stored_rows(db).await, 1);
    assert_eq!(files_under(store.root()).len(), 1);
}

#[tokio::test]
async fn the_same_bytes_are_stored_once() {
    let t = TestDb::sqlite().await;
    let store = FileStore::new(t.dir.path());
    same_bytes_are_stored_once(&t.db, &store).await;
}

#[tokio::test]
async fn postgres_stores_the_same_bytes_once() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    let store = FileStore::new(t.dir.path());
    a_png_named_pdf_is_stored_as_png(&t.db, &store).await;
    same_bytes_are_stored_once(&t.db, &store).await;
}

#[tokio::test]
async fn a_rolled_back_upload_leaves_no_row() {
    let t = TestDb::sqlite().await;
    let store = FileStore::new(t.dir.path());
    let tx = t.db.begin().await.expect("begin");
    store_upload(&tx, &store, png(), "a.png")
        .await
        .expect("stored");
    tx.rollback().await.expect("rollback");
    assert_eq!(stored_rows(&t.db).await, 0);
    // The file may stay (unreferenced, collectable); a retry reuses it.
    let row = upload(&t.db, &store, png(), "a.png").await.expect("retry");
    assert_eq!(store.read(&row.sha256).expect("read"), png());
}

#[cfg(unix)]
#[tokio::test]
async fn files_are_private_and_outside_the_web_root() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestDb::sqlite().await;
    let store = FileStore::new(t.dir.path());
    let row = upload(&t.db, &store, png(), "foto.png")
        .await
        .expect("stored");

    let files = files_under(t.dir.path().join("files").as_path());
    assert_eq!(files.len(), 1);
    let file = &files[0];
    assert_eq!(
        file.strip_prefix(t.dir.path()).expect("under data dir"),
        std::path::Path::new("files")
            .join(&row.sha256[..2])
            .join(&row.sha256[2..4])
            .join(&row.sha256)
    );
    // The site serves only assets embedded in the binary; uploads never land
    // in the repository's assets folder.
    let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    assert!(!file.starts_with(&assets));

    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(file) & !0o640, 0, "file mode {:o}", mode(file));
    let mut dir = file.parent().expect("parent");
    while dir != t.dir.path() {
        assert_eq!(
            mode(dir) & !0o750,
            0,
            "{} mode {:o}",
            dir.display(),
            mode(dir)
        );
        dir = dir.parent().expect("parent");
    }
}

#[tokio::test]
async fn an_applicants_document_is_served_to_her_kelurahan_operator_admins_and_auditors_only() {
    use axum::http::{StatusCode, header};
    use pokmas::db::entities::document;
    use pokmas::domain::role::Role;
    use sea_orm::{ColumnTrait, QueryFilter};

    use crate::support::journey::{ADMIN, KELURAHAN, NIK, open_round, pdf, submitted_by};
    use crate::support::{PASSWORD, TestApp};

    let mut app = TestApp::new().await;
    let OpenRound { slug, .. } = open_round(&app).await;
    let id = submitted_by(&mut app, &slug, ("Siti Aminah", "siti@contoh.id", NIK)).await;
    let doc = document::Entity::find()
        .filter(document::Column::ApplicationId.eq(id))
        .one(&app.db.db)
        .await
        .expect("find")
        .expect("a document");
    let path = format!("/dokumen/{}", doc.id);
    app.create_user("operator@karangmumus.id", Role::Operator, &[KELURAHAN])
        .await;
    app.create_user("operator@pelabuhan.id", Role::Operator, &["64.72.09.1002"])
        .await;
    app.create_user("auditor@inspektorat.id", Role::Auditor, &[])
        .await;

    for (email, allowed) in [
        ("operator@pelabuhan.id", false),
        ("operator@karangmumus.id", true),
        (ADMIN, true),
        ("auditor@inspektorat.id", true),
    ] {
        app.switch_browser(Default::default());
        let res = app.login(email, PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "login {email}");
        let res = app.get(&path).await;
        if allowed {
            assert_eq!(res.status, StatusCode::OK, "{email}: {}", res.body);
            let disposition = res.headers[header::CONTENT_DISPOSITION]
                .to_str()
                .expect("header");
            assert!(
                disposition.starts_with("attachment"),
                "{email}: {disposition}"
            );
            assert_eq!(res.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            assert_eq!(res.headers[header::CONTENT_TYPE], "application/pdf");
            assert_eq!(res.body.as_bytes(), pdf().as_slice(), "{email}");
        } else {
            assert!(
                matches!(res.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                "{email}: {}",
                res.status
            );
            assert!(!res.body.contains("%PDF"), "{email}");
        }
    }

    // Signed out: never the file.
    app.switch_browser(Default::default());
    let res = app.get(&path).await;
    assert_ne!(res.status, StatusCode::OK);
    assert!(!res.body.contains("%PDF"));
}
