//! The throttles around log-in and password reset: brute force and its
//! lockout, unknown addresses, simultaneous guesses, one client address across
//! accounts, window boundaries, and a flood of reset mails.

use axum::http::StatusCode;
use pokmas::domain::role::Role;

use crate::accounts::SITI;
use crate::support::{PASSWORD, TestApp, urlencode};

#[tokio::test]
async fn a_reset_mail_flood_is_capped_at_three_an_hour_with_a_429_for_any_address() {
    let mut app = TestApp::new().await;
    app.create_user(SITI, Role::Applicant, &[]).await;
    for _ in 0..3 {
        assert_eq!(app.request_reset(SITI).await.status, StatusCode::OK);
    }
    let res = app.request_reset(SITI).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        res.body
            .contains("Terlalu banyak permintaan atur ulang kata sandi.")
    );
    assert!(
        res.body.contains(&format!(r#"value="{SITI}""#)),
        "typed address kept"
    );
    assert_eq!(app.mails_to(SITI).await.len(), 3, "no fourth mail");

    // An unregistered address is throttled the same way, so the 429 leaks nothing.
    for _ in 0..3 {
        assert_eq!(
            app.request_reset("tidak.ada@contoh.id").await.status,
            StatusCode::OK
        );
    }
    assert_eq!(
        app.request_reset("tidak.ada@contoh.id").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Five failures, then the right password is still refused, in the user's language.
async fn brute_force(app: &mut TestApp) {
    app.create_user(SITI, Role::Applicant, &[]).await;
    for i in 0..5 {
        let res = app.login(SITI, &format!("tebakan-salah-{i}")).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let res = app.login(SITI, PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        res.body
            .contains("Terlalu banyak percobaan masuk yang gagal.")
    );
    assert!(res.body.contains(r#"value="siti.rahmawati@contoh.id""#));
    // The counter is per address, whatever its case.
    let res = app.login("Siti.Rahmawati@Contoh.ID", PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);

    app.get("/bahasa/en?kembali=/").await;
    let res = app.login(SITI, PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.body.contains("Too many failed log-in attempts."));

    // Another account is not affected by Siti's lockout.
    app.create_user("budi@contoh.id", Role::Applicant, &[])
        .await;
    assert_eq!(
        app.login("budi@contoh.id", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn brute_force_login_gets_429_and_the_right_password_is_refused_during_the_lockout() {
    let mut app = TestApp::new().await;
    brute_force(&mut app).await;
}

#[tokio::test]
async fn brute_force_login_gets_429_on_postgres() {
    let Some(mut app) = TestApp::postgres().await else {
        return;
    };
    brute_force(&mut app).await;
}

#[tokio::test]
async fn an_unknown_address_is_locked_out_like_a_known_one() {
    let mut app = TestApp::new().await;
    for _ in 0..5 {
        assert_eq!(
            app.login("tidak.ada@contoh.id", "apa-saja-123")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.login("tidak.ada@contoh.id", "apa-saja-123")
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Wrong passwords sent at the same moment: each is counted before its
/// password is checked, so no more than the limit get an answer at all.
#[tokio::test]
async fn simultaneous_guesses_cannot_outrun_the_lockout() {
    let mut app = TestApp::new().await;
    app.create_user(SITI, Role::Applicant, &[]).await;
    let csrf = app.csrf_from("/masuk").await;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..12 {
        let body = format!(
            "csrf={}&email={}&password=tebakan-ke-{i}",
            urlencode(&csrf),
            urlencode(SITI)
        );
        let req = app.prepare(
            axum::http::Request::post("/masuk")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(body))
                .expect("request"),
        );
        let router = pokmas::router::router(app.state.clone());
        guesses.spawn(async move {
            tower::ServiceExt::oneshot(router, req)
                .await
                .expect("router")
                .status()
        });
    }
    let mut judged = 0;
    let mut refused = 0;
    while let Some(status) = guesses.join_next().await {
        match status.expect("task") {
            StatusCode::UNAUTHORIZED => judged += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(judged <= 5, "{judged} guesses were checked, the limit is 5");
    assert_eq!(judged + refused, 12);
    assert_eq!(
        app.login(SITI, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password waits out the lockout too"
    );
}

/// One client address guessing across many accounts is stopped by the
/// per-address limit; another address is not affected, and a correct log-in
/// does not use up the address's allowance.
#[tokio::test]
async fn one_client_address_guessing_across_accounts_gets_429() {
    let mut app = TestApp::new().await;
    app.create_user(SITI, Role::Applicant, &[]).await;
    app.peer = Some("203.0.113.7:40000".parse().expect("addr"));
    for _ in 0..3 {
        assert_eq!(
            app.login(SITI, PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
    }
    // 50 failures, at most 4 per address so no account limit is reached.
    for i in 0..50 {
        let res = app
            .login(&format!("warga{}@contoh.id", i / 4), "tebakan-salah-1")
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let res = app.login("warga-baru@contoh.id", "tebakan-salah-1").await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.body.contains("Terlalu banyak"), "{}", res.body);
    app.peer = Some("198.51.100.20:40000".parse().expect("addr"));
    let res = app.login("warga-baru@contoh.id", "tebakan-salah-1").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "another address");
}

/// A guesser who spends the allowance just before a window boundary gets no
/// fresh allowance just after it (fixed windows gave twice the limit there);
/// once a full window has passed, the owner can log in again.
#[tokio::test]
async fn guesses_straddling_a_window_boundary_are_still_throttled() {
    let mut app = TestApp::new().await;
    app.create_user(SITI, Role::Applicant, &[]).await;
    // The test clock stands one second before a quarter-hour boundary.
    for _ in 0..5 {
        assert_eq!(
            app.login(SITI, "tebakan-salah-1").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    app.clock.advance(time::Duration::seconds(2));
    assert_eq!(
        app.login(SITI, "tebakan-salah-1").await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a new window must not reset the count"
    );
    app.clock.advance(time::Duration::minutes(2));
    assert_eq!(
        app.login(SITI, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "two minutes later most of the burst still weighs"
    );
    app.clock.advance(time::Duration::minutes(30));
    assert_eq!(
        app.login(SITI, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}
