//! The JSON API and its OpenAPI document.

use axum::http::StatusCode;

use crate::support::TestApp;

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
