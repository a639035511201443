//! An objection's attachment counts against the same upload throttle as an
//! application's documents.

use axum::http::StatusCode;

use crate::results::{as_user, open_objection_window, publish};
use crate::support::journey::post_multipart;
use crate::support::{TestApp, hidden_value};

#[tokio::test]
async fn objection_attachments_are_throttled_like_documents_and_the_grounds_are_kept() {
    let mut p = publish(TestApp::new().await).await;
    open_objection_window(&mut p).await;
    let (e_id, _) = p.f.apps[4].clone();
    as_user(&mut p.f.app, &p.emails[4]).await;
    let path = format!("/pendaftaran/{e_id}/sanggahan");
    let form = p.f.app.get(&path).await;
    let csrf = hidden_value(&form.body, "csrf").expect("csrf");
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    // Sixty attachments within a quarter hour (each refused for its short
    // grounds, but each one received) use up the account's allowance.
    for _ in 0..60 {
        let res = post_multipart(
            &mut p.f.app,
            &path,
            &[("csrf", &csrf), ("grounds", "Salah.")],
            &[("document", "bukti.pdf", pdf)],
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    }
    let grounds = "Nilai K1 saya dari penilai pertama tidak sesuai jawaban wawancara saya.";
    let res = post_multipart(
        &mut p.f.app,
        &path,
        &[("csrf", &csrf), ("grounds", grounds)],
        &[("document", "bukti.pdf", pdf)],
    )
    .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    assert!(res.body.contains("Terlalu banyak berkas"), "{}", res.body);
    assert!(res.body.contains(grounds), "the typed grounds are kept");
    assert!(
        p.f.app
            .audit_actions()
            .await
            .iter()
            .all(|(a, _)| a != "objection.filed")
    );
    // A quarter hour later (by the app clock) the same objection goes through.
    p.f.app.clock.advance(time::Duration::minutes(16));
    let res = post_multipart(
        &mut p.f.app,
        &path,
        &[("csrf", &csrf), ("grounds", grounds)],
        &[("document", "bukti.pdf", pdf)],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}
