//! The finishing pass over the generated OpenAPI document: the two ways to
//! sign in (session cookie, bearer token) and which operations need one, and
//! the error answers every operation of a kind can give, so a client (or a
//! conformance checker) meets no undocumented status code.

use serde_json::{Value, json};

/// Operations anyone may call without signing in.
fn is_public(path: &str, op: &Value) -> bool {
    path == "/api/v1/status-check"
        || op["tags"]
            .as_array()
            .is_some_and(|tags| tags.iter().any(|t| t == "public"))
}

/// The error answers an operation can give, by what it takes: `(status,
/// description, schema)`. Handlers that document a code themselves keep
/// their wording.
#[must_use]
pub fn expected_errors(
    path: &str,
    method: &str,
    op: &Value,
) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out = Vec::new();
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let has = |place: &str| params.iter().any(|p| p["in"] == place);
    let body = op.get("requestBody").is_some();
    if has("query") || body {
        out.push((
            "400",
            "A malformed query string or body (not JSON, a wrong type)",
            "ErrorBody",
        ));
    }
    if !is_public(path, op) {
        out.push((
            "401",
            "Not signed in: no session cookie and no bearer token, or one that is expired, revoked or unknown",
            "ErrorBody",
        ));
        out.push((
            "403",
            "The account's role or kelurahan scope does not allow this",
            "ErrorBody",
        ));
    }
    if has("path") {
        out.push((
            "404",
            "No such object, or not one the caller may see",
            "ErrorBody",
        ));
    }
    if body || (method != "get" && !is_public(path, op)) {
        out.push((
            "409",
            "Refused as a whole: the object is not in a state that allows this",
            "ErrorBody",
        ));
    }
    if body {
        out.push(("413", "The body is larger than allowed", "ErrorBody"));
        out.push((
            "415",
            "The body's Content-Type is not the documented one",
            "ErrorBody",
        ));
        out.push(("422", "Input that breaks a rule", "ErrorBody"));
    }
    out
}

/// Adds the security schemes, each protected operation's security, and the
/// error answers of [`expected_errors`] to a generated document.
#[must_use]
pub fn finish(doc: &utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or_else(|_| json!({}));
    doc["components"]["securitySchemes"] = json!({
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token made at /akun (`pkm_…`), sent as `Authorization: Bearer pkm_…`. Requests with it need no CSRF token."
        },
        "cookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": crate::web::SESSION_COOKIE,
            "description": "The session cookie of the web site (sign in at /masuk)."
        }
    });
    // The round list's `state` filter takes a round state or nothing at all.
    if let Some(params) = doc["paths"]["/api/v1/rounds"]["get"]["parameters"].as_array_mut() {
        for p in params.iter_mut().filter(|p| p["name"] == "state") {
            p["schema"] = json!({ "type": "string", "enum": [
                "", "draft", "registration", "verification", "assessment",
                "provisional", "objection", "final", "cancelled"
            ] });
        }
    }
    let Some(paths) = doc["paths"].as_object_mut() else {
        return doc;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                continue;
            }
            let errors = expected_errors(path, method, op);
            if !is_public(path, op) {
                op["security"] = json!([{ "bearer": [] }, { "cookie": [] }]);
            }
            let responses = &mut op["responses"];
            for (code, description, schema) in errors {
                if responses.get(code).is_some() {
                    continue;
                }
                responses[code] = json!({
                    "description": description,
                    "content": { "application/json": { "schema": {
                        "$ref": format!("#/components/schemas/{schema}")
                    } } }
                });
            }
        }
    }
    doc
}
