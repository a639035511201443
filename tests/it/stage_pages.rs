//! The public page of a staged round: criteria and weights per stage.

use axum::http::StatusCode;
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;

#[tokio::test]
async fn a_staged_rounds_public_page_shows_each_stages_criteria_with_its_own_total() {
    let mut f = crate::stage_ranking::staged_fixture().await;
    // The fixture's round is stored directly; a round is public once its
    // rules are frozen.
    pokmas::db::entities::round::ActiveModel {
        id: Set(f.round_id),
        frozen_hash: Set(Some("0".repeat(64))),
        frozen_at: Set(Some(time::OffsetDateTime::now_utc())),
        ..Default::default()
    }
    .update(&f.app.db.db)
    .await
    .expect("frozen");
    // Written test WT (100) in TERTULIS; K1 (60) and K2 (40) in WAWANCARA.
    let page = f.app.get("/seleksi/rekrutmen-pokmas-2026").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    let table = |code: &str| {
        let start = body
            .find(&format!("Tabel kriteria dan bobot tahap {code}"))
            .unwrap_or_else(|| panic!("no table of stage {code}: {body}"));
        let end = start + body[start..].find("</table>").expect("table end");
        body[start..end].to_owned()
    };
    let total = "<th>Jumlah</th><th class=\"num\">100</th>";
    let written = table("TERTULIS");
    assert!(written.contains("<code>WT</code>"), "{written}");
    assert!(!written.contains("<code>K1</code>"), "{written}");
    assert!(written.contains(total), "{written}");
    let interview = table("WAWANCARA");
    assert!(
        interview.contains("<code>K1</code>") && interview.contains("<code>K2</code>"),
        "{interview}"
    );
    assert!(!interview.contains("<code>WT</code>"), "{interview}");
    assert!(interview.contains(total), "{interview}");
    assert!(
        !body.contains("<th class=\"num\">200</th>"),
        "no total over every stage: {body}"
    );
    assert!(body.contains("Nilai total setiap tahap"), "{body}");
}
