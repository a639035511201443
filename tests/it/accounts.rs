//! Residents' own accounts: registration with e-mail verification, password
//! reset by e-mail and password change.

use axum::http::StatusCode;
use pokmas::db::entities::{account, auth_token, session};
use pokmas::domain::role::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::{Browser, PASSWORD, TestApp, hidden_value};

pub(crate) const SITI: &str = "siti.rahmawati@contoh.id";
const SITI_PASSWORD: &str = "sungai-mahakam-2023";
const NEW_PASSWORD: &str = "pesut-mahakam-baru-7";

async fn account_by_email(app: &TestApp, email: &str) -> account::Model {
    account::Entity::find()
        .filter(account::Column::Email.eq(email))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("account exists")
}

async fn sessions_of(app: &TestApp, id: uuid::Uuid) -> usize {
    session::Entity::find()
        .filter(session::Column::AccountId.eq(id))
        .all(&app.db.db)
        .await
        .expect("query")
        .len()
}

/// Register → mail → verify → log in, on any database.
async fn registration_journey(app: &mut TestApp) {
    // Arrange / Act: register.
    let res = app.register("Siti Rahmawati", SITI, SITI_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Periksa e-mail Anda"));
    let acc = account_by_email(app, SITI).await;
    assert_eq!(acc.role, "applicant");
    assert_eq!(acc.status, pokmas::domain::account::AccountStatus::Active);
    assert!(acc.email_verified_at.is_none());

    // An unverified applicant may log in and lands on the notice.
    let res = app.login(SITI, SITI_PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some("/akun"));
    let page = app.get("/akun").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Alamat e-mail Anda belum dikonfirmasi."));
    assert!(
        page.body
            .contains(r#"action="/verifikasi-email/kirim-ulang""#)
    );
    assert!(
        page.body.contains(r#"href="/akun""#),
        "Akun saya in the header"
    );

    // The link from the outbox verifies the address.
    let mail = app.last_mail_to(SITI).await;
    assert_eq!(mail.template, "verify_email");
    let link = TestApp::link_in(&mail, "/verifikasi-email?token=");
    let res = app.get(&link).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("E-mail terkonfirmasi"));
    assert!(
        account_by_email(app, SITI)
            .await
            .email_verified_at
            .is_some()
    );
    let page = app.get("/akun").await;
    assert!(!page.body.contains("belum dikonfirmasi"));

    // Opened again (the mail once more, a mail client's preview): the
    // address is confirmed, said as such, and nothing is recorded twice.
    let res = app.get(&link).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("E-mail terkonfirmasi"));
    let verified = app
        .audit_actions()
        .await
        .iter()
        .filter(|(a, _)| a == "account.email_verified")
        .count();
    assert_eq!(verified, 1);

    // A verified resident logs in straight to the home page.
    let csrf = hidden_value(&page.body, "csrf").expect("logout form");
    app.post_form("/keluar", &[("csrf", &csrf)]).await;
    let res = app.login(SITI, SITI_PASSWORD).await;
    assert_eq!(res.location(), Some("/"));

    // The trail records both steps, with ids only.
    let trail = app.audit_actions().await;
    let actions: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert!(actions.contains(&"account.registered"));
    assert!(actions.contains(&"account.email_verified"));
    assert!(trail.iter().all(|(_, p)| !p.contains("siti")));
}

#[tokio::test]
async fn a_resident_registers_verifies_the_email_from_the_outbox_and_logs_in() {
    let mut app = TestApp::new().await;
    registration_journey(&mut app).await;
}

#[tokio::test]
async fn a_resident_registers_verifies_and_logs_in_on_postgres() {
    let Some(mut app) = TestApp::postgres().await else {
        return;
    };
    registration_journey(&mut app).await;
}

#[tokio::test]
async fn registration_errors_sit_next_to_their_fields_and_typed_values_are_kept() {
    let mut app = TestApp::new().await;
    let csrf = app.csrf_from("/daftar").await;
    let res = app
        .post_form(
            "/daftar",
            &[
                ("csrf", &csrf),
                ("name", "  "),
                ("email", "siti@contoh"),
                ("password", "pendek"),
                ("password_confirm", "pendek"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains(r#"id="name-error">Nama wajib diisi."#));
    assert!(
        res.body
            .contains(r#"id="email-error">Alamat e-mail tidak valid"#)
    );
    assert!(
        res.body
            .contains(r#"id="password-error">Kata sandi minimal 10 karakter."#)
    );
    assert!(
        res.body.contains(r#"value="siti@contoh""#),
        "typed e-mail kept"
    );
    assert!(!res.body.contains("pendek"), "passwords are never echoed");

    let res = app
        .post_form(
            "/daftar",
            &[
                ("csrf", &csrf),
                ("name", "Siti <Rahmawati>"),
                ("email", SITI),
                ("password", SITI_PASSWORD),
                ("password_confirm", "lain-sekali-12345"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains(r#"id="password_confirm-error">Kedua kata sandi tidak sama."#)
    );
    assert!(
        res.body.contains("Siti &lt;Rahmawati&gt;"),
        "name kept, escaped"
    );
    assert!(
        account::Entity::find()
            .all(&app.db.db)
            .await
            .expect("q")
            .is_empty()
    );

    // Addresses the mailer could not deliver to are refused at the form.
    for bad in ["siti\"x@contoh.id", ".siti@contoh.id", "si..ti@contoh.id"] {
        let res = app
            .post_form(
                "/daftar",
                &[
                    ("csrf", &csrf),
                    ("name", "Siti"),
                    ("email", bad),
                    ("password", SITI_PASSWORD),
                    ("password_confirm", SITI_PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            res.body
                .contains(r#"id="email-error">Alamat e-mail tidak valid"#),
            "{bad}"
        );
        let res = app
            .post_form("/lupa-sandi", &[("csrf", &csrf), ("email", bad)])
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    // Garbage never gives a 500.
    let res = app
        .post_form("/daftar", &[("csrf", &csrf), ("name", &"x".repeat(5000))])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Nama maksimal 120 karakter."));
}

#[tokio::test]
async fn registering_an_existing_address_answers_the_same_and_mails_only_its_owner() {
    let mut app = TestApp::new().await;
    app.create_user(SITI, Role::Operator, &["64.72.01.1001"])
        .await;
    let res = app.register("Orang Lain", SITI, SITI_PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Periksa e-mail Anda"));
    assert_eq!(
        account_by_email(&app, SITI).await.role,
        "operator",
        "nothing changed"
    );
    let mail = app.last_mail_to(SITI).await;
    assert_eq!(
        mail.template, "password_reset",
        "the owner gets a way back in"
    );
    assert!(
        mail.body_text.contains("Pengguna siti"),
        "addressed to the owner, not the typist"
    );
}

#[tokio::test]
async fn forged_and_expired_verification_links_are_refused() {
    let mut app = TestApp::new().await;
    app.register("Siti Rahmawati", SITI, SITI_PASSWORD).await;

    let res = app
        .get("/verifikasi-email?token=dipalsukan-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("Tautan ini tidak valid."));
    let res = app.get("/verifikasi-email").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    let link = TestApp::link_in(&app.last_mail_to(SITI).await, "/verifikasi-email?token=");
    auth_token::Entity::update_many()
        .col_expr(
            auth_token::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(
                time::OffsetDateTime::now_utc() - time::Duration::hours(1),
            ),
        )
        .exec(&app.db.db)
        .await
        .expect("age the token");
    let res = app.get(&link).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("sudah kedaluwarsa"));
    assert!(
        account_by_email(&app, SITI)
            .await
            .email_verified_at
            .is_none()
    );
}

#[tokio::test]
async fn an_unverified_applicant_can_ask_for_the_link_again_three_times_an_hour() {
    let mut app = TestApp::new().await;
    app.register("Siti Rahmawati", SITI, SITI_PASSWORD).await;
    app.login(SITI, SITI_PASSWORD).await;
    for _ in 0..3 {
        let csrf = app.csrf_from("/akun").await;
        let res = app
            .post_form("/verifikasi-email/kirim-ulang", &[("csrf", &csrf)])
            .await;
        assert_eq!(res.location(), Some("/akun?pesan=tautan-terkirim"));
    }
    assert_eq!(app.mails_to(SITI).await.len(), 4);
    let csrf = app.csrf_from("/akun").await;
    let res = app
        .post_form("/verifikasi-email/kirim-ulang", &[("csrf", &csrf)])
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.body.contains("Tautan sudah dikirim beberapa kali."));
    assert_eq!(app.mails_to(SITI).await.len(), 4);

    // Any of the links still works.
    let link = TestApp::link_in(&app.mails_to(SITI).await[1], "/verifikasi-email?token=");
    assert_eq!(app.get(&link).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_unverified_account_is_sent_to_the_notice_by_require_verified() {
    use axum::response::IntoResponse;
    let user = pokmas::web::CurrentUser {
        id: uuid::Uuid::nil(),
        name: "Siti".into(),
        role: Role::Applicant,
        scopes: vec![],
        email_verified: false,
    };
    let err = user.require_verified().expect_err("unverified");
    let res = err.into_response();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/akun#verifikasi")
    );
    let verified = pokmas::web::CurrentUser {
        email_verified: true,
        ..user
    };
    assert!(verified.require_verified().is_ok());
}

/// Reset by mail ends every session and retires the old password.
async fn reset_journey(app: &mut TestApp) {
    let id = app.create_user(SITI, Role::Applicant, &[]).await;
    // Another browser (say, a borrowed phone) is signed in.
    let res = app.login(SITI, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let phone = app.switch_browser(Browser::default());
    assert_eq!(sessions_of(app, id).await, 1);

    let res = app.request_reset(SITI).await;
    assert_eq!(res.status, StatusCode::OK);
    let known_answer = res.body.replace(SITI, "ADDRESS");
    let res = app.request_reset("tidak.ada@contoh.id").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.body.replace("tidak.ada@contoh.id", "ADDRESS"),
        known_answer,
        "the answer does not reveal whether the address is registered"
    );
    assert!(app.mails_to("tidak.ada@contoh.id").await.is_empty());

    let link = TestApp::link_in(&app.last_mail_to(SITI).await, "/atur-ulang-sandi?token=");
    let form = app.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    let token = hidden_value(&form.body, "token").expect("token");

    // A too-short password is refused next to its field; the link stays usable.
    let res = app
        .post_form(
            "/atur-ulang-sandi",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", "pendek"),
                ("password_confirm", "pendek"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains(r#"id="password-error">Kata sandi minimal 10 karakter."#)
    );
    assert!(res.body.contains(&token), "the token is kept in the form");

    let res = app
        .post_form(
            "/atur-ulang-sandi",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Kata sandi tersimpan"));
    assert_eq!(sessions_of(app, id).await, 0, "every session ended");

    // The phone is signed out.
    app.switch_browser(phone);
    let res = app.get("/akun").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some("/masuk?lanjut=/akun"));

    // Old password refused, new one accepted, link spent.
    assert_eq!(
        app.login(SITI, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(SITI, NEW_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let res = app.get(&link).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("sudah pernah digunakan"));

    let trail = app.audit_actions().await;
    assert!(trail.iter().any(|(a, _)| a == "account.password_reset"));
    assert!(trail.iter().all(|(_, p)| !p.contains("siti")));
}

#[tokio::test]
async fn a_password_reset_ends_every_session_and_the_old_password_stops_working() {
    let mut app = TestApp::new().await;
    reset_journey(&mut app).await;
}

#[tokio::test]
async fn a_password_reset_ends_every_session_on_postgres() {
    let Some(mut app) = TestApp::postgres().await else {
        return;
    };
    reset_journey(&mut app).await;
}

#[tokio::test]
async fn forged_expired_and_superseded_reset_links_are_refused() {
    let mut app = TestApp::new().await;
    app.create_user(SITI, Role::Applicant, &[]).await;
    let res = app.get("/atur-ulang-sandi?token=palsu").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("Tautan ini tidak valid."));
    assert!(res.body.contains(r#"href="/lupa-sandi""#));

    // A forged token posted directly changes nothing.
    let csrf = app.csrf_from("/lupa-sandi").await;
    let res = app
        .post_form(
            "/atur-ulang-sandi",
            &[
                ("csrf", &csrf),
                ("token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.login(SITI, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );

    // Two links: using the second voids the first.
    app.request_reset(SITI).await;
    let first = TestApp::link_in(&app.last_mail_to(SITI).await, "/atur-ulang-sandi?token=");
    app.request_reset(SITI).await;
    let second = TestApp::link_in(&app.last_mail_to(SITI).await, "/atur-ulang-sandi?token=");
    assert_ne!(first, second);
    let form = app.get(&second).await;
    let res = app
        .post_form(
            "/atur-ulang-sandi",
            &[
                ("csrf", &hidden_value(&form.body, "csrf").expect("csrf")),
                ("token", &hidden_value(&form.body, "token").expect("token")),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(app.get(&first).await.status, StatusCode::BAD_REQUEST);

    // An expired link is refused with its own explanation.
    app.request_reset(SITI).await;
    let third = TestApp::link_in(&app.last_mail_to(SITI).await, "/atur-ulang-sandi?token=");
    auth_token::Entity::update_many()
        .col_expr(
            auth_token::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(
                time::OffsetDateTime::now_utc() - time::Duration::minutes(1),
            ),
        )
        .filter(auth_token::Column::UsedAt.is_null())
        .exec(&app.db.db)
        .await
        .expect("age the token");
    let res = app.get(&third).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("sudah kedaluwarsa"));
}

/// Changing the password keeps this browser and ends the others.
async fn change_journey(app: &mut TestApp) {
    let id = app.create_user(SITI, Role::Applicant, &[]).await;
    app.login(SITI, PASSWORD).await;
    let laptop = app.switch_browser(Browser::default());
    app.login(SITI, PASSWORD).await;
    assert_eq!(sessions_of(app, id).await, 2);

    // Wrong current password: refused next to its field.
    let csrf = app.csrf_from("/akun").await;
    let res = app
        .post_form(
            "/akun/sandi",
            &[
                ("csrf", &csrf),
                ("current_password", "bukan-ini-12345"),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body
            .contains(r#"id="current_password-error">Kata sandi sekarang salah."#)
    );
    assert_eq!(sessions_of(app, id).await, 2);

    let res = app
        .post_form(
            "/akun/sandi",
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some("/akun?pesan=sandi-diganti"));
    let page = app.get("/akun?pesan=sandi-diganti").await;
    assert_eq!(page.status, StatusCode::OK, "this browser stays signed in");
    assert!(page.body.contains("Kata sandi diganti."));
    assert_eq!(sessions_of(app, id).await, 1);

    app.switch_browser(laptop);
    let res = app.get("/akun").await;
    assert_eq!(
        res.location(),
        Some("/masuk?lanjut=/akun"),
        "the other browser is signed out"
    );
    assert_eq!(
        app.login(SITI, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(SITI, NEW_PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let trail = app.audit_actions().await;
    assert!(
        trail
            .iter()
            .any(|(a, p)| a == "account.password_changed" && p == r#"{"sessions_ended":1}"#)
    );
}

#[tokio::test]
async fn changing_the_password_ends_the_other_browsers_session_but_keeps_this_one() {
    let mut app = TestApp::new().await;
    change_journey(&mut app).await;
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions_on_postgres() {
    let Some(mut app) = TestApp::postgres().await else {
        return;
    };
    change_journey(&mut app).await;
}

#[tokio::test]
async fn every_account_form_without_its_csrf_token_is_refused_with_403() {
    let mut app = TestApp::new().await;
    app.create_user(SITI, Role::Applicant, &[]).await;
    let _ = app.get("/daftar").await;
    let res = app
        .post_form(
            "/daftar",
            &[
                ("name", "Siti"),
                ("email", "baru@contoh.id"),
                ("password", SITI_PASSWORD),
                ("password_confirm", SITI_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(app.mails_to("baru@contoh.id").await.is_empty());
    let res = app.post_form("/lupa-sandi", &[("email", SITI)]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(app.mails_to(SITI).await.is_empty());
    let res = app
        .post_form(
            "/atur-ulang-sandi",
            &[
                ("token", "x"),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    app.login(SITI, PASSWORD).await;
    let res = app
        .post_form(
            "/akun/sandi",
            &[
                ("current_password", PASSWORD),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .post_form("/verifikasi-email/kirim-ulang", &[("csrf", "dGVzdA==")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.login(SITI, PASSWORD).await.status,
        StatusCode::SEE_OTHER,
        "password unchanged"
    );
}

#[tokio::test]
async fn the_login_page_links_to_registration_and_forgotten_password() {
    let mut app = TestApp::new().await;
    let page = app.get("/masuk").await;
    assert!(page.body.contains(r#"href="/daftar""#));
    assert!(page.body.contains(r#"href="/lupa-sandi""#));
    assert!(page.body.contains("Lupa kata sandi"));
    // The account page needs a session.
    assert_eq!(
        app.get("/akun").await.location(),
        Some("/masuk?lanjut=/akun"),
        "signing in leads back to the page asked for"
    );
}

/// Two tabs submitting one reset link at the same moment: exactly one wins.
async fn one_link_one_reset(app: &mut TestApp) {
    use pokmas::services::self_service::{BadToken, reset_password};
    app.create_user(SITI, Role::Applicant, &[]).await;
    app.request_reset(SITI).await;
    let link = TestApp::link_in(&app.last_mail_to(SITI).await, "/atur-ulang-sandi?token=");
    let token = link.trim_start_matches("/atur-ulang-sandi?token=");
    let db = &app.db.db;
    let (a, b) = tokio::join!(
        reset_password(db, token, NEW_PASSWORD.into()),
        reset_password(db, token, "tab-kedua-sandi-99".into()),
    );
    let outcomes = [a.expect("a"), b.expect("b")];
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1);
    assert!(outcomes.iter().any(|o| matches!(o, Err(BadToken::Used))));
    let resets = app
        .audit_actions()
        .await
        .into_iter()
        .filter(|(a, _)| a == "account.password_reset")
        .count();
    assert_eq!(resets, 1);
}

#[tokio::test]
async fn one_reset_link_used_twice_at_once_resets_the_password_once() {
    let mut app = TestApp::new().await;
    one_link_one_reset(&mut app).await;
}

#[tokio::test]
async fn one_reset_link_used_twice_at_once_resets_once_on_postgres() {
    let Some(mut app) = TestApp::postgres().await else {
        return;
    };
    one_link_one_reset(&mut app).await;
}

/// Session and CSRF cookies are out of reach of scripts and other sites,
/// `Secure` behind https, and the session id changes at every log-in (so a
/// session id planted before log-in is worth nothing after it).
#[tokio::test]
async fn cookies_are_http_only_same_site_secure_on_https_and_rotated_at_login() {
    for (base, secure) in [
        ("http://localhost", false),
        ("https://pokmas.samarindakota.go.id", true),
    ] {
        let mut app = TestApp::new()
            .await
            .reconfigured(|c| c.base_url = base.into());
        app.create_user(SITI, Role::Applicant, &[]).await;
        let page = app.get("/masuk").await;
        let first = app.login(SITI, PASSWORD).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER);
        let second = app.login(SITI, PASSWORD).await;
        assert_eq!(second.status, StatusCode::SEE_OTHER);
        let a = session_cookie(&first.headers).expect("a session cookie at log-in");
        let b = session_cookie(&second.headers).expect("a session cookie at log-in");
        assert_ne!(a, b, "session id rotated at log-in");
        let set: Vec<String> = [&page.headers, &first.headers]
            .iter()
            .flat_map(|h| h.get_all("set-cookie").iter())
            .map(|v| v.to_str().expect("ascii").to_owned())
            .collect();
        assert!(set.iter().any(|c| c.starts_with("pokmas_session=")));
        assert!(set.len() >= 2, "session and CSRF cookies: {set:?}");
        for c in &set {
            let lower = c.to_ascii_lowercase();
            assert!(lower.contains("httponly"), "{c}");
            assert!(lower.contains("samesite=lax"), "{c}");
            assert_eq!(lower.contains("; secure"), secure, "{base}: {c}");
        }
    }
}

fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pokmas_session="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}
