//! The header line of every CSV file the application hands out, pinned by a
//! snapshot: an auditor's script reads columns by name, so renaming,
//! reordering or dropping one is a change the reviewer must see and accept
//! (`cargo insta review`), never an accident.
//!
//! Every file comes from the real router (or, for `export all`, the service
//! the CLI calls) on a round published through the admin pages.

use axum::http::StatusCode;
use pokmas::db::audit::Actor;
use pokmas::services::exports::{self, ExportFile};
use pokmas::services::public_exports::PUBLIC_FILES;

use crate::after_final::finalize;
use crate::results::{CODE, SLUG, as_user, publish};
use crate::support::TestApp;
use crate::support::snap::{guard_ci, header, redacted};

#[tokio::test]
async fn every_csv_header_matches_its_snapshot() {
    guard_ci();
    let mut p = publish(TestApp::new().await).await;
    let round = p.f.round_id;
    let mine = p.f.app.switch_browser(p.admin_browser.clone());

    // The auditors' downloads: every file `export all` writes.
    let mut downloaded = Vec::new();
    for file in ExportFile::ALL {
        let name = file.file_name();
        let res = p.f.app.get(&format!("/audit/ekspor/{round}/{name}")).await;
        assert_eq!(res.status, StatusCode::OK, "{name}: {}", res.body);
        let line = redacted(header(&res.body));
        insta::assert_snapshot!(format!("export_{}", file.key()), line);
        downloaded.push((file, line));
    }

    // `export all` (what `pokmas export all` writes) has the same headers.
    let dir = tempfile::tempdir().expect("temp dir");
    let receipts = exports::export_all(&p.f.app.db.db, Actor::System, round, "cli", dir.path())
        .await
        .expect("export all");
    assert_eq!(receipts.len(), ExportFile::ALL.len());
    for (file, line) in &downloaded {
        let text = std::fs::read_to_string(dir.path().join(file.file_name())).expect("read");
        assert_eq!(&redacted(header(&text)), line, "{}", file.file_name());
    }

    // The admin's formations file.
    let res =
        p.f.app
            .get(&format!("/admin/seleksi/{round}/formasi.csv"))
            .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    insta::assert_snapshot!("admin_formations", redacted(header(&res.body)));

    // Anyone's downloads of a published round: the auditors' columns.
    p.f.app.switch_browser(mine);
    for file in PUBLIC_FILES {
        let name = file.file_name();
        let res = p.f.app.get(&format!("/seleksi/{SLUG}/unduh/{name}")).await;
        assert_eq!(res.status, StatusCode::OK, "{name}: {}", res.body);
        let (_, line) = downloaded
            .iter()
            .find(|(f, _)| *f == file)
            .expect("an auditor file");
        assert_eq!(&redacted(header(&res.body)), line, "public {name}");
    }
    let res = p.f.app.get(&format!("/seleksi/{SLUG}/statistik.csv")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    insta::assert_snapshot!("public_statistics", redacted(header(&res.body)));

    // The decree annex, once the result is final.
    finalize(&mut p).await;
    as_user(&mut p.f.app, "admin2@contoh.id").await;
    let formation = p.f.formation_id;
    let res =
        p.f.app
            .get(&format!(
                "/admin/seleksi/{round}/lampiran/{formation}/anggota.csv"
            ))
            .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.headers["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.contains(CODE)),
        "the annex of formation {CODE}"
    );
    insta::assert_snapshot!("decree_annex", redacted(header(&res.body)));
}
