//! The JSON API and its OpenAPI document.

use axum::body::Body;
use axum::http::StatusCode;
use axum::http::{Request, header};
use pokmas::domain::role::Role;

use crate::support::TestApp;
use crate::support::journey::OpenRound;
use crate::support::journey::{
    KELURAHAN, NIK, all_docs, desk_form, open_round, pdf, personal, pin_on, post_multipart, start,
    verified_resident,
};
use crate::support::{PASSWORD, TestResponse, hidden_value};

#[tokio::test]
async fn the_openapi_document_describes_the_v1_routes() {
    let mut app = TestApp::new().await;
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&res.body).expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.contains_key("/api/v1/rounds"), "{paths:?}");
    assert!(paths.contains_key("/api/v1/regions"), "{paths:?}");
}

#[tokio::test]
async fn regions_are_listed_as_json_and_unknown_api_paths_are_404() {
    let mut app = TestApp::new().await;
    let res = app.get("/api/v1/regions").await;
    assert_eq!(res.status, StatusCode::OK);
    let list: Vec<serde_json::Value> = serde_json::from_str(&res.body).expect("json");
    assert_eq!(list.len(), 10);
    let kelurahan: usize = list
        .iter()
        .map(|k| k["kelurahan"].as_array().expect("array").len())
        .sum();
    assert_eq!(kelurahan, 59);

    let res = app.get("/api/v1/rounds?state=registration").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, "[]");

    let res = app.get("/api/v1/tidak-ada").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let err: serde_json::Value = serde_json::from_str(&res.body).expect("json error body");
    assert_eq!(err["error"], "not_found");
}

// ---------------------------------------------------------------------------
// Applicant API
// ---------------------------------------------------------------------------

pub(crate) async fn post_json(
    app: &mut TestApp,
    path: &str,
    body: &serde_json::Value,
) -> TestResponse {
    app.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request"),
    )
    .await
}

pub(crate) fn json(res: &TestResponse) -> serde_json::Value {
    serde_json::from_str(&res.body).unwrap_or_else(|e| panic!("{e}: {}", res.body))
}

#[tokio::test]
async fn a_resident_lists_her_submitted_application_and_nobody_else_can_read_it() {
    let mut app = TestApp::new().await;
    let OpenRound { id: round_id, slug } = open_round(&app).await;

    // Anonymous: 401 as JSON.
    let res = app.get("/api/v1/me/applications").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(json(&res)["error"], "login_required");

    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;
    let form = start(&mut app, &slug).await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    let mut fields = personal(&csrf, NIK, "siti@contoh.id");
    fields.push(("action", "submit"));
    let pdf = pdf();
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    let res = app.get("/api/v1/me/applications").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let list = json(&res);
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 1);
    let a = &list[0];
    assert_eq!(a["round"]["id"], round_id.to_string());
    assert_eq!(a["round"]["slug"], slug);
    assert_eq!(a["registration_no"], "2027-6472091001-0001");
    assert_eq!(a["state"], "submitted");
    assert!(a["formation"]["code"].is_string(), "{a}");
    let submitted = a["submitted_at"].as_str().expect("submitted_at");
    time::OffsetDateTime::parse(submitted, &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    assert_eq!(a["timeline"]["checks"], serde_json::json!([]));
    assert!(a["timeline"]["invitation"].is_null());
    assert!(a["timeline"]["result"].is_null());
    assert!(a["timeline"]["objection_window"]["ends_at"].is_string());
    // Nothing beyond what the status page shows: no NIK, address or phone.
    assert!(!res.body.contains(NIK) && !res.body.contains("647209*"));
    assert!(!res.body.contains("Pahlawan") && !res.body.contains("0812"));

    let id = a["id"].as_str().expect("id").to_owned();
    let res = app.get(&format!("/api/v1/me/applications/{id}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(json(&res)["id"], id);

    // Another resident: 404 as JSON, and an empty list of her own.
    app.switch_browser(Default::default());
    verified_resident(&mut app, "Rina Wati", "rina@contoh.id").await;
    let res = app.get(&format!("/api/v1/me/applications/{id}")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(json(&res)["error"], "not_found");
    let res = app.get("/api/v1/me/applications").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, "[]");
    let res = app.get("/api/v1/me/applications/not-a-uuid").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // Anonymous again: 401 for one application too.
    app.switch_browser(Default::default());
    let res = app.get(&format!("/api/v1/me/applications/{id}")).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(json(&res)["error"], "login_required");
}

#[tokio::test]
async fn the_status_check_answers_a_number_and_pin_refuses_a_wrong_pin_and_then_limits() {
    let mut app = TestApp::new().await;
    let OpenRound { id: round_id, .. } = open_round(&app).await;
    app.create_user("operator@karangmumus.id", Role::Operator, &[KELURAHAN])
        .await;
    app.login("operator@karangmumus.id", PASSWORD).await;
    let form = desk_form(&mut app, round_id, "3").await;
    let csrf = hidden_value(&app.get(&form).await.body, "csrf").expect("csrf");
    let mut fields = personal(&csrf, NIK, "");
    fields.push(("action", "submit"));
    let pdf = pdf();
    let res = post_multipart(&mut app, &form, &fields, &all_docs(&pdf)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let number = "2027-6472091001-0001";
    let pin = pin_on(&res.body);

    app.switch_browser(Default::default());
    let res = post_json(
        &mut app,
        "/api/v1/status-check",
        &serde_json::json!({"registration_no": number, "pin": pin}),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let answer = json(&res);
    assert_eq!(answer["first_name"], "Siti");
    assert_eq!(answer["state"], "submitted");
    assert_eq!(answer["registration_no"], number);
    assert!(answer["submitted_at"].is_string());
    assert_eq!(answer["timeline"]["checks"], serde_json::json!([]));
    assert!(answer["timeline"]["invitation"].is_null());
    assert!(answer["timeline"]["objection_window"]["ends_at"].is_string());
    assert!(
        answer["next_step"]["id"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(!res.body.contains("Aminah") && !res.body.contains(NIK));

    // Not JSON: refused before any lookup, as JSON.
    let res = app
        .post_form(
            "/api/v1/status-check",
            &[("registration_no", number), ("pin", &pin)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(json(&res)["error"].is_string());
    let res = post_json(
        &mut app,
        "/api/v1/status-check",
        &serde_json::json!({"pin": pin}),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(json(&res)["error"], "bad_request");

    // A wrong PIN and a wrong number get the same answer.
    let wrong_pin = if pin == "000000" { "111111" } else { "000000" };
    let res = post_json(
        &mut app,
        "/api/v1/status-check",
        &serde_json::json!({"registration_no": number, "pin": wrong_pin}),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let by_pin = json(&res);
    let res = post_json(
        &mut app,
        "/api/v1/status-check",
        &serde_json::json!({"registration_no": "2027-6472091001-0099", "pin": pin}),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(json(&res), by_pin);
    assert!(!res.body.contains("PIN salah") && !res.body.contains("tidak terdaftar"));

    // Repeated failures: 429 with a message, even for the right pair.
    let mut last = StatusCode::NOT_FOUND;
    for _ in 0..10 {
        let res = post_json(
            &mut app,
            "/api/v1/status-check",
            &serde_json::json!({"registration_no": number, "pin": wrong_pin}),
        )
        .await;
        last = res.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let res = post_json(
        &mut app,
        "/api/v1/status-check",
        &serde_json::json!({"registration_no": number, "pin": pin}),
    )
    .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let err = json(&res);
    assert_eq!(err["error"], "too_many_requests");
    assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()));
    // The same limit as the HTML page's.
    let res = app
        .post_form("/cek-status", &[("number", number), ("pin", &pin)])
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_openapi_document_lists_the_applicant_paths_under_their_tag() {
    let mut app = TestApp::new().await;
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status, StatusCode::OK);
    let doc = json(&res);
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/v1/me/applications", "get"),
        ("/api/v1/me/applications/{id}", "get"),
        ("/api/v1/status-check", "post"),
        ("/api/v1/rounds", "get"),
    ] {
        let op = &paths
            .get(path)
            .unwrap_or_else(|| panic!("{path}: {paths:?}"))[method];
        let tags = op["tags"].as_array().expect("tags");
        assert!(tags.iter().any(|t| t == "applicant"), "{path}: {tags:?}");
    }
    let rounds = &doc["paths"]["/api/v1/rounds"]["get"];
    assert!(
        rounds.to_string().contains("accepting_applications"),
        "{rounds}"
    );
    assert_eq!(rounds["parameters"][0]["name"], "state");
    assert_eq!(rounds["parameters"][0]["in"], "query", "{rounds}");
    assert_eq!(rounds["parameters"][0]["required"], false, "{rounds}");
    let tags = doc["tags"].as_array().expect("tags");
    assert!(tags.iter().any(|t| t["name"] == "applicant"));
    assert!(doc["components"]["schemas"]["ApplicationItem"].is_object());
}

/// The mobile app's first screen: the rounds a resident can apply to now.
/// A round whose closing time has passed is still in `registration` until an
/// admin moves it on, but no longer takes applications, and says so.
#[tokio::test]
async fn the_round_list_says_which_rounds_take_applications_now() {
    use pokmas::db::entities::round;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

    let mut app = TestApp::new().await;
    let OpenRound { id, slug } = open_round(&app).await;
    let list = |body: &str| -> Vec<serde_json::Value> { serde_json::from_str(body).expect("json") };
    let res = app.get("/api/v1/rounds?state=registration").await;
    assert_eq!(res.status, StatusCode::OK);
    let rounds = list(&res.body);
    assert_eq!(rounds.len(), 1);
    assert_eq!(rounds[0]["slug"], slug.as_str());
    assert_eq!(rounds[0]["state"], "registration");
    assert_eq!(rounds[0]["accepting_applications"], true);
    assert!(rounds[0]["registration_closes_at"].is_string());

    let mut closed: round::ActiveModel = round::Entity::find_by_id(id)
        .one(&app.db.db)
        .await
        .expect("query")
        .expect("round")
        .into();
    closed.registration_closes_at = Set(Some(
        time::OffsetDateTime::now_utc() - time::Duration::minutes(5),
    ));
    closed.update(&app.db.db).await.expect("update");
    let rounds = list(&app.get("/api/v1/rounds?state=registration").await.body);
    assert_eq!(rounds[0]["accepting_applications"], false);
    assert!(
        list(&app.get("/api/v1/rounds?state=final").await.body).is_empty(),
        "the filter keeps other stages out"
    );
}

/// A client generated from the OpenAPI document must put each parameter
/// where the server reads it: path parameters only where the path has a
/// `{name}`, filters in the query string.
#[tokio::test]
async fn every_documented_parameter_is_where_the_server_reads_it() {
    let mut app = TestApp::new().await;
    let doc: serde_json::Value =
        serde_json::from_str(&app.get("/api/openapi.json").await.body).expect("json");
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().expect("name");
                let in_path = path.contains(&format!("{{{name}}}"));
                let place = if in_path { "path" } else { "query" };
                assert_eq!(p["in"], place, "{method} {path}: {name}");
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "{checked} parameters");
}
