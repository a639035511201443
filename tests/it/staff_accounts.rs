//! Staff accounts: an invited operator setting a password, seeing only their
//! kelurahan and signed out when deactivated, and a panelist's conflict data.

use axum::http::StatusCode;
use pokmas::db::audit::Actor;
use pokmas::db::entities::{account, audit_event, session};
use pokmas::domain::role::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::{Browser, PASSWORD, TestApp, hidden_value};
use crate::verification::events;
use crate::verification_fixture::{KARANG_MUMUS, PELABUHAN, as_user, fixture, post_on};

#[tokio::test]
async fn an_invited_operator_sets_a_password_sees_only_their_kelurahan_and_is_signed_out_when_deactivated()
 {
    let mut app = TestApp::new().await;
    let admin = app
        .create_user("admin@samarindakota.go.id", Role::Admin, &[])
        .await;
    fixture(&app, admin).await;
    as_user(&mut app, "admin@samarindakota.go.id").await;

    // An operator without a kelurahan is refused; with one, invited.
    let res = post_on(
        &mut app,
        "/admin/akun",
        "/admin/akun",
        &[
            ("email", "Wati@KarangMumus.id"),
            ("name", "Wati"),
            ("role", "operator"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("minimal satu kelurahan"));
    let res = post_on(
        &mut app,
        "/admin/akun",
        "/admin/akun",
        &[
            ("email", "Wati@KarangMumus.id"),
            ("name", "Wati"),
            ("role", "operator"),
            ("kelurahan", KARANG_MUMUS),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let wati = account::Entity::find()
        .filter(account::Column::Email.eq("wati@karangmumus.id"))
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("invited");
    assert_eq!(wati.status, pokmas::domain::account::AccountStatus::Invited);
    assert!(wati.password_hash.is_none());
    // An invited account cannot log in yet.
    let admin_browser = app.switch_browser(Browser::default());
    let res = app.login("wati@karangmumus.id", PASSWORD).await;
    assert_ne!(res.status, StatusCode::SEE_OTHER);

    // The link from the outbox sets the password, once.
    let mail = app.last_mail_to("wati@karangmumus.id").await;
    assert_eq!(mail.template, "invitation");
    let link = TestApp::link_in(&mail, "/undangan");
    let page = app.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    let token = hidden_value(&page.body, "token").expect("token");
    let csrf = hidden_value(&page.body, "csrf").expect("csrf");
    let res = app
        .post_form(
            "/undangan",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", "pendek"),
                ("password_confirm", "pendek"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .post_form(
            "/undangan",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app
        .post_form(
            "/undangan",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "a link works once");

    // The operator logs in and sees only Karang Mumus.
    let res = app.login("wati@karangmumus.id", PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let q = app.get("/petugas/verifikasi").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(q.body.contains("SKT-2027-0001"));
    assert!(!q.body.contains("SKT-2027-0003"));

    // Scopes change: now Pelabuhan instead.
    let wati_browser = app.switch_browser(admin_browser);
    let res = post_on(
        &mut app,
        "/admin/akun",
        &format!("/admin/akun/{}/kelurahan", wati.id),
        &[("kelurahan", PELABUHAN)],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let admin_browser = app.switch_browser(wati_browser);
    let q = app.get("/petugas/verifikasi").await;
    assert!(q.body.contains("SKT-2027-0003") && !q.body.contains("SKT-2027-0001"));
    assert!(
        q.body.contains(r#"href="/meja-bantuan""#),
        "operators reach the help desk from the menu"
    );

    // The admin sees one queue per kelurahan, with an index to each.
    let wati_browser = app.switch_browser(admin_browser);
    let q = app.get("/petugas/verifikasi").await;
    assert!(q.body.contains("Per kelurahan:"), "{}", q.body);
    let karang = q
        .body
        .find("Kelurahan Karang Mumus")
        .expect("Karang Mumus queue");
    let pelabuhan = q.body.find("Kelurahan Pelabuhan").expect("Pelabuhan queue");
    let (first, second) = (
        q.body.find("SKT-2027-0001").expect("0001"),
        q.body.find("SKT-2027-0003").expect("0003"),
    );
    assert!(karang < first && first < pelabuhan && pelabuhan < second);

    // Deactivation ends the session at once, and its reason is on the trail.
    let res = post_on(
        &mut app,
        "/admin/akun",
        &format!("/admin/akun/{}/nonaktifkan", wati.id),
        &[("reason", "Tugas di meja bantuan berakhir")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("account.deactivated"))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("event");
    assert_eq!(event.reason, "Tugas di meja bantuan berakhir");
    let sessions = session::Entity::find()
        .filter(session::Column::AccountId.eq(wati.id))
        .count(&app.db.db)
        .await
        .expect("sessions");
    assert_eq!(sessions, 0);
    let admin_browser = app.switch_browser(wati_browser);
    let res = app.get("/petugas/verifikasi").await;
    assert_eq!(res.location(), Some("/masuk?lanjut=/petugas/verifikasi"));
    assert_ne!(
        app.login("wati@karangmumus.id", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );

    // Reactivated, the operator may log in again.
    app.switch_browser(admin_browser);
    let res = post_on(
        &mut app,
        "/admin/akun",
        &format!("/admin/akun/{}/aktifkan", wati.id),
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    app.switch_browser(Browser::default());
    assert_eq!(
        app.login("wati@karangmumus.id", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );

    let actions: Vec<String> = app
        .audit_actions()
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    for a in [
        "account.invited",
        "account.activated",
        "account.scopes_changed",
        "account.deactivated",
        "account.reactivated",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    let invited = events(&app, "account.invited").await;
    assert!(
        !invited[0].payload.contains("wati"),
        "no address in the trail"
    );
}

#[tokio::test]
async fn a_panelist_records_their_rt_and_family_card_only_as_a_keyed_hash() {
    let mut app = TestApp::new().await;
    pokmas::services::rounds::create_rts(&app.db.db, Actor::System, KARANG_MUMUS, Some(10))
        .await
        .expect("rts");
    let id = app
        .create_user("penilai@contoh.id", Role::Panelist, &[KARANG_MUMUS])
        .await;
    as_user(&mut app, "penilai@contoh.id").await;
    let page = app.get("/akun").await;
    assert!(
        page.body.contains("/akun/konflik"),
        "offered on the account page"
    );
    let res = post_on(
        &mut app,
        "/akun/konflik",
        "/akun/konflik",
        &[("kelurahan", KARANG_MUMUS), ("rt", "99"), ("kk", "")],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "unknown RT");
    let kk = "6472011203090001";
    let res = post_on(
        &mut app,
        "/akun/konflik",
        "/akun/konflik",
        &[("kelurahan", KARANG_MUMUS), ("rt", "7"), ("kk", kk)],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let acc = account::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("load")
        .expect("account");
    assert_eq!(acc.own_kelurahan_code.as_deref(), Some(KARANG_MUMUS));
    assert_eq!(acc.own_rt_number, Some(7));
    let hash = acc.family_card_hash.expect("hash");
    assert!(!hash.contains(kk));
    let vault = pokmas::pii::NikVault::from_app(&app.state);
    let parsed = pokmas::domain::family_card::FamilyCardNo::parse(kk).expect("kk");
    assert_eq!(hash, vault.kk_hash(&parsed));
    let ev = events(&app, "account.conflict_data_updated").await;
    assert_eq!(ev.len(), 1);
    assert!(!ev[0].payload.contains(kk));
}
