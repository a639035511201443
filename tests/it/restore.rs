//! The restore drill: backup, restore into a new folder, and the installation
//! works as before — same rows, a verifiable trail, documents, NIK rules.

use axum::http::StatusCode;
use pokmas::db::entities::document;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};

use crate::support::journey::OpenRound;
use crate::support::journey::{
    NIK, NIK2, all_docs, open_round, pdf, personal, post_multipart, start, submitted_by,
    verified_resident,
};
use crate::support::{TestApp, TestDb, hidden_value};

async fn row_counts(db: &DatabaseConnection) -> Vec<(String, i64)> {
    let tables = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        ))
        .await
        .expect("tables");
    let mut counts = Vec::new();
    for t in tables {
        let name: String = t.try_get_by_index(0).expect("name");
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!(r#"SELECT COUNT(*) FROM "{name}""#),
            ))
            .await
            .expect("count")
            .expect("a row");
        counts.push((name, row.try_get_by_index(0).expect("count")));
    }
    counts
}

#[tokio::test]
async fn a_restored_bundle_keeps_rows_trail_documents_and_nik_rules() {
    // Arrange: an installation with a submitted application (documents, NIK)
    // and a saved draft holding another NIK; its keys are files.
    let mut app = TestApp::new().await;
    let data = app.db.dir.path().to_path_buf();
    std::fs::write(data.join("secret.key"), "ab".repeat(32)).expect("secret");
    std::fs::write(data.join("checkpoint.key"), "cd".repeat(32)).expect("checkpoint");
    let OpenRound { slug, .. } = open_round(&app).await;
    submitted_by(&mut app, &slug, ("Siti Aminah", "siti@contoh.id", NIK)).await;
    let siti = app.switch_browser(Default::default());
    verified_resident(&mut app, "Budi Santoso", "budi@contoh.id").await;
    let draft = start(&mut app, &slug).await;
    let csrf = hidden_value(&app.get(&draft).await.body, "csrf").expect("csrf");
    let mut fields = personal(&csrf, NIK2, "budi@contoh.id");
    fields.push(("action", "save"));
    let pdf = pdf();
    let res = post_multipart(&mut app, &draft, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let budi = app.switch_browser(siti);
    // The server records the keys' fingerprints when it starts.
    pokmas::ops::keys::check(&app.db.db, &app.state.config)
        .await
        .expect("the original database records these keys");
    let before = row_counts(&app.db.db).await;
    let doc = document::Entity::find()
        .one(&app.db.db)
        .await
        .expect("doc")
        .expect("a document");

    // Act: back up with the secret key, restore into a new data folder.
    let bundle = tempfile::tempdir().expect("bundle");
    let out = bundle.path().join("bundle");
    pokmas::ops::backup::backup(&app.db.db, &data, &out, true)
        .await
        .expect("backup");
    let target = tempfile::tempdir().expect("target");
    pokmas::ops::backup::restore(&out, target.path()).expect("restore");
    let secret = pokmas::config::Secret::in_file(target.path(), "secret.key").expect("secret");
    let checkpoint =
        pokmas::config::Secret::in_file(target.path(), "checkpoint.key").expect("checkpoint");
    assert_eq!(secret.bytes(), &[0xab; 32]);
    assert_eq!(checkpoint.bytes(), &[0xcd; 32]);
    let mut restored = TestApp::on(TestDb::sqlite_in(target).await).await;
    let config = restored.state.config.clone();

    // Assert: the same rows, the same keys, and a trail that verifies.
    assert_eq!(row_counts(&restored.db.db).await, before);
    pokmas::ops::keys::check(&restored.db.db, &config)
        .await
        .expect("the restored database knows the restored keys");
    let csv = restored.db.dir.path().join("audit.csv");
    pokmas::export_cmd::run(
        &restored.db.db,
        pokmas::cli::ExportCommand::Audit {
            out: csv.clone(),
            round: None,
        },
    )
    .await
    .expect("export");
    assert_eq!(
        pokmas::verify_cmd::verify(&csv, None),
        0,
        "the trail verifies"
    );

    // Siti (same browser session) downloads her document.
    restored.switch_browser(app.switch_browser(Default::default()));
    let res = restored.get(&format!("/dokumen/{}", doc.id)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body.as_bytes(), pdf.as_slice());

    // Budi's draft, holding his NIK, opens and submits.
    restored.switch_browser(budi);
    let page = restored.get(&draft).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let mut fields = personal(&csrf, NIK2, "budi@contoh.id");
    fields.push(("action", "submit"));
    let res = post_multipart(&mut restored, &draft, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // A third resident with Siti's NIK is still refused.
    restored.switch_browser(Default::default());
    verified_resident(&mut restored, "Rina", "rina@contoh.id").await;
    let form = start(&mut restored, &slug).await;
    let csrf = hidden_value(&restored.get(&form).await.body, "csrf").expect("csrf");
    let mut fields = personal(&csrf, NIK, "rina@contoh.id");
    fields.push(("action", "submit"));
    let res = post_multipart(&mut restored, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body
            .contains("NIK ini sudah terdaftar pada seleksi ini")
    );
}
