//! Multi-stage rounds: stages set on a draft through the settings page and
//! the admin API, criteria per stage, and the freeze that opening
//! registration performs on them.

use axum::http::{Method, StatusCode};
use pokmas::db::entities::{audit_event, criterion, round_stage};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::rounds::{build_round, load_round, post, schedule_fields, signed_in_admin};
use crate::stage_ranking::staged_fixture;
use crate::support::admin::audit_count;
use crate::support::api::{call, json_of};
use crate::support::{TestApp, TestResponse};

const LABELS_1_5: &str = "1 = Sangat kurang | Very poor\n2 = Kurang | Poor\n3 = Cukup | Fair\n4 = Baik | Good\n5 = Sangat baik | Very good";

async fn stored_stages(app: &TestApp, id: Uuid) -> Vec<round_stage::Model> {
    round_stage::Entity::find()
        .filter(round_stage::Column::RoundId.eq(id))
        .order_by_asc(round_stage::Column::Position)
        .all(&app.db.db)
        .await
        .expect("stages")
}

/// The two stages of a TPP-like round: a written test whose best 3 × seats
/// go on, then an interview by the panel that alone ranks.
fn two_stages() -> Vec<(&'static str, &'static str)> {
    vec![
        ("s0_code", "tertulis"),
        ("s0_name_id", "Tes tertulis"),
        ("s0_name_en", "Written test"),
        ("s0_scoring", "imported"),
        ("s0_top_k", "3"),
        ("s1_code", "WAWANCARA"),
        ("s1_name_id", "Wawancara"),
        ("s1_name_en", "Interview"),
        ("s1_scoring", "panel"),
        ("final_rule", "last_stage"),
    ]
}

/// One imported criterion in the written test, two panel criteria in the
/// interview; weights sum to 100 in each stage.
fn staged_criteria(
    interview_weights: (&'static str, &'static str),
) -> Vec<(&'static str, &'static str)> {
    vec![
        ("c0_code", "TULIS"),
        ("c0_name_id", "Nilai tes tertulis"),
        ("c0_kind", "imported"),
        ("c0_scale_min", "0"),
        ("c0_scale_max", "100"),
        ("c0_weight", "100"),
        ("c0_stage", "TERTULIS"),
        ("c1_code", "INT"),
        ("c1_name_id", "Integritas"),
        ("c1_kind", "panel"),
        ("c1_scale_min", "1"),
        ("c1_scale_max", "5"),
        ("c1_weight", interview_weights.0),
        ("c1_tiebreak_order", "1"),
        ("c1_labels", LABELS_1_5),
        ("c1_stage", "WAWANCARA"),
        ("c2_code", "KOM"),
        ("c2_name_id", "Komunikasi"),
        ("c2_kind", "panel"),
        ("c2_scale_min", "1"),
        ("c2_scale_max", "5"),
        ("c2_weight", interview_weights.1),
        ("c2_labels", LABELS_1_5),
        ("c2_stage", "WAWANCARA"),
    ]
}

/// The round's settings with no round-wide passing total (a staged round's
/// stages decide who goes on).
async fn settings_without_passing_total(app: &mut TestApp, id: Uuid) -> TestResponse {
    let path = format!("/admin/seleksi/{id}");
    let schedule = schedule_fields();
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", "Rekrutmen TPP Samarinda Kota"),
        ("year", "2027"),
        (
            "description_id",
            "Seleksi bertahap: tes tertulis lalu wawancara.",
        ),
        (
            "description_en",
            "Staged selection: written test, then interview.",
        ),
        ("aggregation", "mean"),
        ("passing_total", ""),
        ("min_panelists", "3"),
        ("age_min", "21"),
        ("age_max", "60"),
    ];
    fields.extend(schedule.iter().map(|(k, v)| (*k, v.as_str())));
    post(app, &path, &path, &fields).await
}

async fn stages_are_set_on_a_draft_and_frozen_with_the_criteria(app: TestApp) {
    let mut app = signed_in_admin(app).await;
    let id = build_round(&mut app).await;
    let detail = format!("/admin/seleksi/{id}");
    let page = app.get(&detail).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Tahapan seleksi"), "{}", page.body);

    // The settings page sets the stages (codes upper-cased, as criteria's).
    let res = post(&mut app, &detail, &format!("{detail}/tahap"), &two_stages()).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let stages = stored_stages(&app, id).await;
    let codes: Vec<&str> = stages.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["TERTULIS", "WAWANCARA"]);
    assert_eq!(stages[0].advance_top_k, Some(3));
    assert_eq!(stages[1].advance_top_k, None);
    assert_eq!(
        load_round(&app, id).await.final_rule.as_deref(),
        Some("last_stage")
    );
    let page = app.get(&detail).await;
    assert!(page.body.contains("value=\"TERTULIS\""), "{}", page.body);

    // Criteria name their stage; weights sum to 100 within each stage.
    let crit = format!("/admin/seleksi/{id}/kriteria");
    let page = app.get(&crit).await;
    assert!(
        page.body.contains("c0_stage"),
        "the criteria form offers the stages"
    );
    let before = audit_count(&app).await;
    let res = post(&mut app, &crit, &crit, &staged_criteria(("60", "30"))).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body
            .contains("Tahap WAWANCARA: Total bobot 90; kurang 10."),
        "{}",
        res.body
    );
    assert_eq!(audit_count(&app).await, before, "nothing saved");
    let res = post(&mut app, &crit, &crit, &staged_criteria(("60", "40"))).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let stored = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(id))
        .filter(criterion::Column::StageCode.eq("WAWANCARA"))
        .count(&app.db.db)
        .await
        .expect("count");
    assert_eq!(stored, 2);

    // The round-wide passing total of the template does not fit a staged
    // round: opening registration says so and freezes nothing.
    let status = format!("{detail}/status");
    let res = post(&mut app, &detail, &status, &[("to", "registration")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body
            .contains("Seleksi bertahap tidak memakai nilai lulus seleksi"),
        "{}",
        res.body
    );
    assert_eq!(load_round(&app, id).await.frozen_hash, None);
    let res = settings_without_passing_total(&mut app, id).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = post(&mut app, &detail, &status, &[("to", "registration")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // The frozen object carries the stages and each criterion's stage, and
    // its hash is what the round shows.
    let r = load_round(&app, id).await;
    let hash = r.frozen_hash.clone().expect("frozen");
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("round.registration_opened"))
        .filter(audit_event::Column::RoundId.eq(id.to_string()))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("event");
    let payload: Value = serde_json::from_str(&event.payload).expect("payload");
    assert_eq!(payload["frozen_hash"], json!(hash));
    let frozen = &payload["frozen"];
    assert_eq!(frozen["final_rule"], "last_stage");
    assert_eq!(frozen["stages"][0]["code"], "TERTULIS");
    assert_eq!(frozen["stages"][0]["advance_top_k"], 3);
    assert_eq!(frozen["stages"][1]["advance_top_k"], "");
    assert_eq!(frozen["stages"][1]["scoring"], "panel");
    let tulis = frozen["criteria"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["code"] == "TULIS"))
        .expect("TULIS frozen");
    assert_eq!(tulis["stage"], "TERTULIS");
    let text = pokmas::domain::audit::canonical_payload(frozen).expect("canonical");
    assert_eq!(pokmas::domain::lottery::sha256_hex(&text), hash);
    let page = app.get(&detail).await;
    assert!(page.body.contains("Tes tertulis"), "{}", page.body);
    assert!(
        !page.body.contains("name=\"s0_code\""),
        "no form once frozen"
    );

    // Frozen: changing the stages is a conflict on the page and in the API,
    // and changes nothing.
    let before = audit_count(&app).await;
    let csrf = app
        .csrf_from(&format!("/admin/seleksi/{id}/kriteria"))
        .await;
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend(
        two_stages()
            .into_iter()
            .filter(|(k, _)| !k.starts_with("s0")),
    );
    let res = app.post_form(&format!("{detail}/tahap"), &fields).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let res = call(
        &mut app,
        Method::PUT,
        &format!("/api/v1/admin/rounds/{id}/stages"),
        &json!({"final_rule": "last_stage", "stages": []}),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(stored_stages(&app, id).await.len(), 2);
    assert_eq!(audit_count(&app).await, before);
}

#[tokio::test]
async fn stages_are_set_on_a_draft_and_frozen_with_the_criteria_on_sqlite() {
    stages_are_set_on_a_draft_and_frozen_with_the_criteria(TestApp::new().await).await;
}

#[tokio::test]
async fn stages_are_set_on_a_draft_and_frozen_with_the_criteria_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    stages_are_set_on_a_draft_and_frozen_with_the_criteria(app).await;
}

#[tokio::test]
async fn bad_stages_are_refused_with_a_message_and_change_nothing() {
    let mut app = signed_in_admin(TestApp::new().await).await;
    let id = build_round(&mut app).await;
    let detail = format!("/admin/seleksi/{id}");
    let before = audit_count(&app).await;
    let tahap = format!("{detail}/tahap");

    // One stage is no staged round.
    let one: Vec<_> = two_stages()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("s1"))
        .collect();
    let res = post(&mut app, &detail, &tahap, &one).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body.contains("paling sedikit dua tahap"),
        "{}",
        res.body
    );

    // The last stage has no rule for who goes on; the first needs one.
    let mut last_with_rule = two_stages();
    last_with_rule.push(("s1_top_k", "2"));
    let res = post(&mut app, &detail, &tahap, &last_with_rule).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("Tahap WAWANCARA"), "{}", res.body);
    let first_without: Vec<_> = two_stages()
        .into_iter()
        .filter(|(k, _)| *k != "s0_top_k")
        .collect();
    let res = post(&mut app, &detail, &tahap, &first_without).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("Tahap TERTULIS"), "{}", res.body);

    // Weighted needs a weight on every stage; the API names the JSON field.
    let res = call(
        &mut app,
        Method::PUT,
        &format!("/api/v1/admin/rounds/{id}/stages"),
        &json!({"final_rule": "weighted", "stages": [
            {"code": "TERTULIS", "name_id": "Tes tertulis", "scoring": "imported", "advance_top_k": 3, "final_weight": 40},
            {"code": "WAWANCARA", "name_id": "Wawancara", "scoring": "panel"},
        ]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        json_of(&res)["fields"]["stages[1].final_weight"]
            .as_str()
            .is_some_and(|m| m.contains("bobot")),
        "{}",
        res.body
    );
    let res = call(
        &mut app,
        Method::PUT,
        &format!("/api/v1/admin/rounds/{id}/stages"),
        &json!({"final_rule": "last_stage", "stages": [
            {"code": "TERTULIS", "name_id": "Tes tertulis", "scoring": "lisan", "advance_top_k": 0},
            {"code": "WAWANCARA", "name_id": "Wawancara", "scoring": "panel"},
        ]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let fields = &json_of(&res)["fields"];
    assert!(fields["stages[0].scoring"].is_string(), "{}", res.body);
    assert!(
        fields["stages[0].advance_top_k"].is_string(),
        "{}",
        res.body
    );
    // A blank row is skipped on the page, but refused in the API: nothing a
    // client sends is silently dropped.
    let res = call(
        &mut app,
        Method::PUT,
        &format!("/api/v1/admin/rounds/{id}/stages"),
        &json!({"stages": [
            {"code": "", "name_id": "", "scoring": "lisan", "advance_top_k": 500},
            {"code": "TERTULIS", "name_id": "Tes tertulis", "scoring": "imported", "advance_top_k": 3},
            {"code": "WAWANCARA", "name_id": "Wawancara", "scoring": "panel"},
        ]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        json_of(&res)["fields"]["stages[0].code"].is_string(),
        "{}",
        res.body
    );

    assert!(stored_stages(&app, id).await.is_empty());
    assert_eq!(audit_count(&app).await, before);
}

#[tokio::test]
async fn the_api_sets_weighted_stages_and_clears_them_again() {
    let mut app = signed_in_admin(TestApp::new().await).await;
    let id = build_round(&mut app).await;
    let path = format!("/api/v1/admin/rounds/{id}/stages");
    let res = call(
        &mut app,
        Method::PUT,
        &path,
        &json!({"final_rule": "weighted", "stages": [
            {"code": "TERTULIS", "name_id": "Tes tertulis", "name_en": "Written test", "scoring": "imported", "advance_top_k": 3, "advance_passing_total": 50, "final_weight": 40},
            {"code": "WAWANCARA", "name_id": "Wawancara", "name_en": "Interview", "scoring": "panel", "final_weight": 60},
        ]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body = json_of(&res);
    assert_eq!(body["final_rule"], "weighted");
    assert_eq!(body["stages"][0]["advance_passing_total"], 50);
    assert_eq!(body["stages"][1]["final_weight"], 60);
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("stages.updated"))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("stages.updated");
    let payload: Value = serde_json::from_str(&event.payload).expect("payload");
    assert_eq!(payload["final_rule"], "weighted");
    assert_eq!(payload["stages"][1]["code"], "WAWANCARA");

    // No stages: a one-stage round again, and opening registration with the
    // template's criteria (no stage named) still works as before.
    let res = call(&mut app, Method::PUT, &path, &json!({"stages": []})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(stored_stages(&app, id).await.is_empty());
    assert_eq!(load_round(&app, id).await.final_rule, None);
    let detail = format!("/admin/seleksi/{id}");
    let res = post(
        &mut app,
        &detail,
        &format!("{detail}/status"),
        &[("to", "registration")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("round.registration_opened"))
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("event");
    let payload: Value = serde_json::from_str(&event.payload).expect("payload");
    assert!(payload["frozen"].get("stages").is_none(), "{payload}");
}

#[tokio::test]
async fn on_a_phone_the_stages_table_scrolls_in_a_labelled_focusable_region_that_says_so() {
    let mut f = staged_fixture().await;
    f.app
        .login("admin@contoh.id", crate::support::PASSWORD)
        .await;
    let page = f.app.get(&format!("/admin/seleksi/{}", f.round_id)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let region =
        r#"<div class="scroll" tabindex="0" role="region" aria-label="Tabel tahap seleksi">"#;
    let at = page.body.find(region).unwrap_or_else(|| {
        panic!(
            "the stages table in a focusable, labelled region: {}",
            page.body
        )
    });
    let before = &page.body[..at];
    assert!(
        before.ends_with(
            "<p class=\"scroll-hint\" aria-hidden=\"true\">Geser tabel ke samping untuk melihat semua kolom →</p>"
        ),
        "the hint stands right above it"
    );
    assert!(page.body[at..].contains("WAWANCARA"));
}
