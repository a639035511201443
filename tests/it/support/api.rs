//! The JSON API as a signed-in browser calls it.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use pokmas::domain::role::Role;
use serde_json::Value;
use uuid::Uuid;

use super::{PASSWORD, TestApp, TestResponse};

/// Creates an account and signs it in through the login form; returns its id.
pub async fn signed_in(app: &mut TestApp, email: &str, role: Role, kelurahan: &[&str]) -> Uuid {
    let id = app.create_user(email, role, kelurahan).await;
    let res = app.login(email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "login: {}", res.body);
    id
}

/// `method path` with `body` as JSON.
pub async fn call(app: &mut TestApp, method: Method, path: &str, body: &Value) -> TestResponse {
    app.send(
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request"),
    )
    .await
}

/// A JSON `POST`, the API's most common call.
pub async fn post_json(app: &mut TestApp, path: &str, body: &Value) -> TestResponse {
    call(app, Method::POST, path, body).await
}

/// The body of an answer as JSON.
pub fn json_of(res: &TestResponse) -> Value {
    serde_json::from_str(&res.body).unwrap_or_else(|_| panic!("not JSON: {}", res.body))
}

/// The `id` of a 2xx answer that created something.
pub fn id_of(res: &TestResponse) -> Uuid {
    assert!(res.status.is_success(), "{} {}", res.status, res.body);
    json_of(res)["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id: {}", res.body))
}
