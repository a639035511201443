//! Personal data over its whole life: minimised public results, the
//! privacy notice, retention and erasure, access downloads and breaches.

use axum::http::StatusCode;

use crate::results::{CODE, KEL, SLUG, publish};
use pokmas::domain::role::Role;

use crate::support::{PASSWORD, TestApp};

/// Of six ranked applicants (A selected, B reserve, C–F not selected), the
/// results page, the announcement and the API name only A and B; the others
/// keep their rows, ranks and numbers.
#[tokio::test]
async fn public_results_name_only_selected_and_reserve_applicants() {
    let mut p = publish(TestApp::new().await).await;
    let nos: Vec<String> = p.f.apps.iter().map(|(_, n)| n.clone()).collect();
    for path in [
        format!("/seleksi/{SLUG}/hasil/{CODE}"),
        format!("/seleksi/{SLUG}/pengumuman/{KEL}"),
        format!("/api/v1/rounds/{SLUG}/results/{CODE}"),
    ] {
        let res = p.f.app.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        assert!(
            res.body.contains("Pelamar A"),
            "{path}: the selected is named"
        );
        assert!(
            res.body.contains("Pelamar B"),
            "{path}: the reserve is named"
        );
        for hidden in ["Pelamar C", "Pelamar D", "Pelamar E", "Pelamar F"] {
            assert!(!res.body.contains(hidden), "{path} names {hidden}");
        }
        for no in &nos {
            assert!(res.body.contains(no.as_str()), "{path} lists {no}");
        }
    }
}

/// The privacy notice is public in both languages and linked from every
/// page's footer; an admin names the controller, the officer and the
/// retention periods, a bad entry is refused next to its field with
/// everything typed kept, and the saved settings appear on the notice.
#[tokio::test]
async fn the_privacy_notice_shows_the_controller_officer_and_retention_an_admin_sets() {
    let mut app = TestApp::new().await;
    let home = app.get("/").await;
    assert!(
        home.body.contains(r#"href="/pelindungan-data""#),
        "footer link"
    );
    let page = app.get("/pelindungan-data").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Pelindungan Data Pribadi"));
    assert!(page.body.contains("Pemerintah Kota Samarinda"));
    assert!(
        page.body.contains("12 bulan") && page.body.contains("60 bulan"),
        "README defaults"
    );
    assert!(page.body.contains("belum dicantumkan"), "no officer yet");

    app.create_user("admin@contoh.id", Role::Admin, &[]).await;
    let res = app.get("/admin/pelindungan-data").await;
    assert_ne!(res.status, StatusCode::OK, "signed out");
    app.login("admin@contoh.id", PASSWORD).await;
    let csrf = app.csrf_from("/admin/pelindungan-data").await;
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("controller_name", "Dinas Kominfo Kota Samarinda"),
        ("controller_address", "Jl. Dahlia No. 1"),
        ("dpo_name", "Rina Pelindung"),
        ("dpo_email", "bukan-email"),
        ("dpo_phone", "0541 123456"),
        ("retention.documents_months", "18"),
        ("retention.contact_months", "12"),
        ("retention.birth_months", "60"),
        ("retention.nik_months", "600"),
    ];
    let res = app.post_form("/admin/pelindungan-data", &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Alamat e-mail tidak valid"));
    assert!(res.body.contains("1 to 120") || res.body.contains("1–120"));
    assert!(
        res.body.contains("Rina Pelindung") && res.body.contains("value=\"600\""),
        "kept"
    );
    fields[4].1 = "ppdp@samarindakota.go.id";
    fields[9].1 = "60";
    let res = app.post_form("/admin/pelindungan-data", &fields).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Pengaturan disimpan"));
    let changed = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|(a, _)| a == "privacy.settings_changed")
        .count();
    assert_eq!(changed, 1);

    let page = app.get("/pelindungan-data").await;
    for shown in [
        "Dinas Kominfo Kota Samarinda",
        "Rina Pelindung",
        "ppdp@samarindakota.go.id",
        "18 bulan",
    ] {
        assert!(page.body.contains(shown), "{shown}");
    }
    app.get("/bahasa/en?kembali=/").await;
    let en = app.get("/pelindungan-data").await;
    assert!(en.body.contains("Data protection officer") && en.body.contains("18 months"));
}
