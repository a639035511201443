//! Smaller things residents, panelists and admins noticed: each test names
//! what a person sees.

use axum::http::StatusCode;
use pokmas::db::entities::panel_member;
use pokmas::domain::role::Role;
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;

use crate::standings::fixture;
use crate::support::{PASSWORD, TestApp, hidden_value};

#[tokio::test]
async fn a_partial_score_sheet_names_every_missing_criterion() {
    let mut f = fixture().await;
    let id = f
        .app
        .create_user("penilai.baru@contoh.id", Role::Panelist, &["64.72.01.1001"])
        .await;
    panel_member::ActiveModel {
        panel_id: Set(f.panel_id),
        account_id: Set(id),
    }
    .insert(&f.app.db.db)
    .await
    .expect("member");
    let app_id = f.apps[2].0;
    f.app.login("penilai.baru@contoh.id", PASSWORD).await;
    let sheet = f.app.get(&format!("/penilai/{app_id}")).await;
    let csrf = hidden_value(&sheet.body, "csrf").expect("csrf");
    // The declaration page says where the applicant lives.
    assert!(sheet.body.contains("Pernyataan konflik kepentingan"));
    let place = sheet
        .body
        .split("<p class=\"muted where\">")
        .nth(1)
        .and_then(|p| p.split("</p>").next())
        .expect("the applicant's RT and kelurahan");
    assert!(place.contains("RT 0") && place.contains("Kel. "), "{place}");
    let res = f
        .app
        .post_form(
            &format!("/penilai/{app_id}/pernyataan"),
            &[("csrf", &csrf), ("kind", "none")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = f
        .app
        .post_form(&format!("/penilai/{app_id}/nilai"), &[("csrf", &csrf)])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("(K1)") && res.body.contains("(K2)"),
        "both missing criteria are named: {}",
        res.body
    );

    // The needs-action filter leaves out the sheet once it is submitted.
    let no = "2026-6472011001-0003";
    let waiting = f.app.get("/penilai?perlu=1").await;
    assert!(waiting.body.contains(no), "declared but not scored yet");
    let res = f
        .app
        .post_form(
            &format!("/penilai/{app_id}/nilai"),
            &[("csrf", &csrf), ("v_K1", "4"), ("v_K2", "3")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // "All" is asked for: while others wait, the list opens filtered.
    let all = f.app.get("/penilai?perlu=0").await;
    assert!(all.body.contains(no), "{}", all.body);
    assert!(all.body.contains(r#"href="/penilai?perlu=1""#));
    let waiting = f.app.get("/penilai?perlu=1").await;
    assert_eq!(waiting.status, StatusCode::OK);
    assert!(!waiting.body.contains(no), "submitted: no action needed");
    assert!(waiting.body.contains("Perlu tindakan ("));

    // After an amendment the panelist still sees what version 1 said.
    let res = f
        .app
        .post_form(
            &format!("/penilai/{app_id}/nilai"),
            &[
                ("csrf", &csrf),
                ("v_K1", "5"),
                ("v_K2", "3"),
                ("reason", "Nilai K1 salah ketik."),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let sheet = f.app.get(&format!("/penilai/{app_id}")).await;
    let history = sheet
        .body
        .split("Riwayat versi Anda")
        .nth(1)
        .expect("the version history");
    assert!(history.contains("<code>K1</code> 4"), "{history}");
    assert!(history.contains("<code>K1</code> 5"), "{history}");
}

#[tokio::test]
async fn the_public_audit_page_opens_in_plain_words_with_local_times_and_translated_reasons() {
    let mut p = crate::results::publish(TestApp::new().await).await;
    let app = &mut p.f.app;
    let page = app.get("/jejak-audit").await;
    assert_eq!(page.status, StatusCode::OK);
    let main = page.body.split("<main").nth(1).expect("main");
    let plain = main.find("Singkatnya:").expect("a plain-language line");
    let technical = main.find("SHA-256").expect("technical wording");
    assert!(plain < technical, "the plain line comes first");
    assert!(
        main.contains("Hasil sementara diumumkan"),
        "reason in words"
    );
    assert!(!main.contains(" · provisional · "), "no raw reason code");
    assert!(main.contains(" WITA"), "times in local time");
    assert!(
        !main.contains("Z</p>") && !main.contains("Z<"),
        "no raw UTC timestamps"
    );
    app.get("/bahasa/en?kembali=/jejak-audit").await;
    let page = app.get("/jejak-audit").await;
    assert!(page.body.contains("In short:"));
    assert!(page.body.contains("Provisional results announced"));
}

#[tokio::test]
async fn the_approvals_page_counts_an_objection_decision_waiting_for_this_admin() {
    use pokmas::db::entities::approval;
    let mut p = crate::results::publish(TestApp::new().await).await;
    p.f.app.switch_browser(p.admin_browser.clone());
    let page = p.f.app.get("/admin/persetujuan").await;
    assert!(page.body.contains("Tidak ada permintaan yang menunggu."));
    // The second admin proposed a decision: the first admin must approve it.
    approval::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        round_id: Set(Some(p.f.round_id)),
        kind: Set("objection.decide".into()),
        subject_type: Set("objection".into()),
        subject_id: Set(uuid::Uuid::new_v4().to_string()),
        payload: Set("{}".into()),
        reason: Set("Nilai tertukar.".into()),
        requested_by: Set(p.admins[1]),
        requested_at: Set(time::OffsetDateTime::now_utc()),
        status: Set(pokmas::domain::approval::ApprovalStatus::Pending),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(String::new()),
    }
    .insert(&p.f.app.db.db)
    .await
    .expect("approval");
    let page = p.f.app.get("/admin/persetujuan").await;
    assert!(
        !page.body.contains("Tidak ada permintaan yang menunggu."),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("keputusan sanggahan menunggu persetujuan Anda")
    );
    assert!(page.body.contains(&format!(
        "href=\"/admin/seleksi/{}/sanggahan\"",
        p.f.round_id
    )));
    // The proposer is not asked to approve her own proposal.
    crate::results::as_user(&mut p.f.app, "admin2@contoh.id").await;
    let page = p.f.app.get("/admin/persetujuan").await;
    assert!(page.body.contains("Tidak ada permintaan yang menunggu."));
}

#[tokio::test]
async fn using_a_template_asks_for_confirmation_and_says_it_was_applied() {
    let mut app = TestApp::new().await;
    app.create_user("admin@contoh.id", Role::Admin, &[]).await;
    app.login("admin@contoh.id", PASSWORD).await;
    let id = crate::rounds::create_round(&mut app, "Rekrutmen Pokmas Uji").await;
    let crit = format!("/admin/seleksi/{id}/kriteria");
    let page = app.get(&crit).await;
    assert!(
        page.body.contains(r#"name="confirm""#),
        "a confirmation box"
    );
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let action = format!("/admin/seleksi/{id}/templat");
    let res = app
        .post_form(&action, &[("csrf", &csrf), ("template", "panel")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Centang konfirmasi"), "{}", res.body);
    let res = app
        .post_form(
            &action,
            &[("csrf", &csrf), ("template", "panel"), ("confirm", "1")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let to = res.location().expect("location").to_owned();
    let page = app.get(&to).await;
    assert!(page.body.contains("Templat diterapkan"), "{}", page.body);
}

#[tokio::test]
async fn a_staff_header_folds_its_links_into_one_menu() {
    let mut app = TestApp::new().await;
    app.create_user("admin@contoh.id", Role::Admin, &[]).await;
    app.login("admin@contoh.id", PASSWORD).await;
    let page = app.get("/akun").await;
    let header = page
        .body
        .split("<header")
        .nth(1)
        .and_then(|h| h.split("</header>").next())
        .expect("header");
    let menu = header
        .split("<details class=\"menu\">")
        .nth(1)
        .and_then(|m| m.split("</details>").next())
        .expect("a menu");
    for link in [
        "/admin/seleksi",
        "/admin/persetujuan",
        "/audit/ekspor",
        "/audit",
    ] {
        assert!(
            menu.contains(&format!("href=\"{link}\"")),
            "{link} in the menu"
        );
    }
    // A resident's few links stay in view.
    let mut visitor = TestApp::new().await;
    let home = visitor.get("/").await;
    assert!(!home.body.contains("<details class=\"menu\">"));
}
