//! Text people type is isolated in the page, so a right-to-left override
//! (U+202E) in it cannot reorder what surrounds it.

use axum::http::StatusCode;

use crate::support::TestApp;
use crate::support::journey::OpenRound;
use crate::support::journey::{open_round, submitted_by};

#[tokio::test]
async fn a_name_with_a_right_to_left_override_is_isolated_wherever_it_is_shown() {
    let mut app = TestApp::new().await;
    let name = "Siti \u{202E}nimda\u{202C} Aminah";
    let res = app
        .register(name, "siti@contoh.id", crate::support::PASSWORD)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    app.login("siti@contoh.id", crate::support::PASSWORD).await;
    let page = app.get("/akun").await;
    assert!(
        page.body.contains(&format!("<dd><bdi>{name}</bdi></dd>")),
        "account page: {}",
        page.body
    );
    assert!(
        page.body.contains(&format!("<bdi>{name}</bdi></span>")),
        "header"
    );
    // The help desk's queue shows the applicant's typed full name isolated too.
    let OpenRound { id: round_id, slug } = open_round(&app).await;
    let _ = round_id;
    let id = submitted_by(
        &mut app,
        &slug,
        (
            "Rahmat \u{202E}ekaf",
            "rahmat@contoh.id",
            crate::support::journey::NIK,
        ),
    )
    .await;
    let status = app.get(&format!("/pendaftaran/{id}")).await;
    assert!(status.body.contains("<bdi>"), "{}", status.body);
    for page in [page.body, status.body] {
        let outside = page.replace("<bdi>", "\u{0}").replace("</bdi>", "\u{1}");
        let mut depth = 0i32;
        for c in outside.chars() {
            match c {
                '\u{0}' => depth += 1,
                '\u{1}' => depth -= 1,
                '\u{202E}' => assert!(depth > 0, "an override outside <bdi>"),
                _ => {}
            }
        }
    }
}
