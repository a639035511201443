//! The JSON API names the stage a published total and rank of a staged
//! round belong to (`stage_code`), and says nothing of stages for a
//! one-stage round.

use axum::http::StatusCode;
use pokmas::db::entities::application;
use pokmas::domain::role::Role;
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use serde_json::Value;

use crate::results::as_user;
use crate::support::api::json_of;

const RESULTS: &str = "/api/v1/rounds/rekrutmen-pokmas-2026/results/F-6472011001";

/// `stage_code` of each fixture applicant A–D in the public results.
fn stage_codes(f: &crate::standings::Fixture, body: &Value) -> Vec<Value> {
    let rows = body["rows"].as_array().expect("rows");
    f.apps
        .iter()
        .map(|(_, no)| {
            rows.iter()
                .find(|r| r["registration_no"] == no.as_str())
                .map(|r| r["stage_code"].clone())
                .unwrap_or_else(|| panic!("no row of {no}: {body}"))
        })
        .collect()
}

#[tokio::test]
async fn the_api_names_the_stage_of_each_published_rank_and_none_in_a_one_stage_round() {
    // Written test A 60, B 90, C 60, D 30: A, B and C go on (A and C tie at
    // the cut) and are ranked by the interview; D stops at the written test.
    let mut f = crate::stage_ranking::staged_fixture().await;
    let d_account = f
        .app
        .create_user("pelamar.d@contoh.id", Role::Applicant, &[])
        .await;
    let a_account = f
        .app
        .create_user("pelamar.a@contoh.id", Role::Applicant, &[])
        .await;
    for (i, account) in [(0, a_account), (3, d_account)] {
        application::ActiveModel {
            id: Set(f.apps[i].0),
            account_id: Set(Some(account)),
            ..Default::default()
        }
        .update(&f.app.db.db)
        .await
        .expect("an account");
    }
    as_user(&mut f.app, "admin@contoh.id").await;
    let res = crate::stage_ranking::import_written_test(&mut f, [60, 90, 60, 30]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    crate::stage_ranking::publish_written_shortlist(&mut f).await;
    crate::standings::announce_provisional(&f).await;

    // Public results: each row names its stage.
    f.app.switch_browser(crate::support::Browser::default());
    let res = f.app.get(RESULTS).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        stage_codes(&f, &json_of(&res)),
        ["WAWANCARA", "WAWANCARA", "WAWANCARA", "TERTULIS"]
    );

    // The applicant's own application: the result names its stage.
    for (email, i, stage) in [
        ("pelamar.a@contoh.id", 0, "WAWANCARA"),
        ("pelamar.d@contoh.id", 3, "TERTULIS"),
    ] {
        as_user(&mut f.app, email).await;
        let res = f
            .app
            .get(&format!("/api/v1/me/applications/{}", f.apps[i].0))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let result = &json_of(&res)["timeline"]["result"];
        assert_eq!(result["stage_code"], stage, "{result}");
    }

    // The schema says so.
    let doc: Value =
        serde_json::from_str(&f.app.get("/api/openapi.json").await.body).expect("json");
    for schema in ["ResultItem", "ResultRowBody"] {
        let field = &doc["components"]["schemas"][schema]["properties"]["stage_code"];
        assert!(
            field.is_object(),
            "{schema}: {}",
            doc["components"]["schemas"][schema]
        );
    }

    // A one-stage round: no stage.
    let f = crate::standings::fixture().await;
    crate::standings::announce_provisional(&f).await;
    let mut f = f;
    let res = f.app.get(RESULTS).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        stage_codes(&f, &json_of(&res)).iter().all(Value::is_null),
        "{}",
        res.body
    );
}
