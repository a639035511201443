//! Panel analytics: a deliberately biased panelist is flagged and
//! nobody else is, an amendment that changed who is selected is counted, and
//! the charts are drawn as accessible SVG.

use std::collections::BTreeMap;

use pokmas::db::entities::panel_member;
use pokmas::domain::role::Role;
use pokmas::services::scoring::{ConflictKind, declare, submit};
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;

use crate::standings::fixture;
use crate::support::PASSWORD;

fn values(k1: i32, k2: i32) -> BTreeMap<String, i32> {
    BTreeMap::from([("K1".to_owned(), k1), ("K2".to_owned(), k2)])
}

#[tokio::test]
async fn analytics_flag_a_deliberately_biased_panelist_count_decisive_amendments_and_draw_svg_charts()
 {
    let f = fixture().await;
    let conn = f.app.db.db.clone();
    let db = &conn;
    // A fourth panelist scores everyone two steps below the other three
    // (A 5,3 → 3,1; B 4,4 → 2,2; C 3,3 → 1,1; D 2,2 → 1,1).
    let biased = f
        .app
        .create_user("keras@contoh.id", Role::Panelist, &["64.72.01.1001"])
        .await;
    panel_member::ActiveModel {
        panel_id: Set(f.panel_id),
        account_id: Set(biased),
    }
    .insert(db)
    .await
    .expect("member");
    for (i, (k1, k2)) in [(3, 1), (2, 2), (1, 1), (1, 1)].into_iter().enumerate() {
        declare(db, biased, f.apps[i].0, ConflictKind::None, "")
            .await
            .expect("declare");
        submit(db, biased, f.apps[i].0, &values(k1, k2), None)
            .await
            .expect("score");
    }
    // Results published (A 67.5 selected, B 62.5 reserve), then panelist 3
    // amends B to (5,5): B 68.75 overtakes A — an amendment that changed
    // who is selected.
    crate::standings::publish(&f).await;
    crate::trail::reopen_scorecard(&f, f.apps[1].0, f.panelists[2]).await;
    let (_, changes) = submit(
        db,
        f.panelists[2],
        f.apps[1].0,
        &values(5, 5),
        Some("nilai wawancara tertukar"),
    )
    .await
    .expect("amend");
    assert!(
        changes.iter().any(|c| c.to_status == "selected"),
        "{changes:?}"
    );

    let mut app = f.app;
    app.create_user("auditor@contoh.id", Role::Auditor, &[])
        .await;
    app.login("auditor@contoh.id", PASSWORD).await;
    let api = app
        .get(&format!("/api/v1/audit/rounds/{}/analytics", f.round_id))
        .await;
    assert_eq!(api.status, 200, "{}", api.body);
    let body: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    let panelists = body["formations"][0]["panelists"]
        .as_array()
        .expect("panelists");
    assert_eq!(panelists.len(), 4);
    let by_id = |id: uuid::Uuid| {
        panelists
            .iter()
            .find(|p| p["panelist_id"] == id.to_string())
            .expect("panelist row")
    };
    let b = by_id(biased);
    assert_eq!(b["flagged"], true);
    // 6 values two steps (−50 points) below the median, 2 one step (−25).
    assert_eq!(b["mean_deviation"], "-175/4");
    assert_eq!(b["mean_deviation_rounded"], "-43.8");
    for p in &f.panelists {
        assert_eq!(by_id(*p)["flagged"], false, "only the biased panelist");
    }
    let amender = by_id(f.panelists[2]);
    assert_eq!(amender["amendments"], 1);
    assert_eq!(amender["amendments_changing_selection"], 1);
    assert_eq!(by_id(biased)["amendments"], 0);
    assert!(body["formations"][0]["agreement"].is_string());

    let page = app
        .get(&format!("/audit/seleksi/{}/analitik", f.round_id))
        .await;
    assert_eq!(page.status, 200);
    let html = page.body;
    assert!(
        html.matches("<svg").count() >= 3,
        "deviation + one per criterion"
    );
    assert!(html.contains("role=\"img\""));
    assert!(html.contains("<title id=\"dev-"));
    let flagged_row = html
        .split("<tr class=\"flagged\">")
        .nth(1)
        .and_then(|s| s.split("</tr>").next())
        .expect("a flagged row");
    assert!(flagged_row.contains("Pengguna keras@contoh.id"));
    assert!(flagged_row.contains("ditandai"));
    assert_eq!(html.matches("<tr class=\"flagged\">").count(), 1);
    assert!(
        html.contains("-hatch)"),
        "the flagged bar is hatched, not just coloured"
    );
}
