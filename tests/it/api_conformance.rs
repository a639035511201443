//! The OpenAPI document against itself and against the server: one shape per
//! schema name, the error answers every operation can give documented, and
//! what the server answers to anonymous and wrong-role calls is documented.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, header};
use pokmas::domain::role::Role;

use crate::api_tokens::token_for;
use crate::support::TestApp;

/// Each module describes its own schemas; merging them keeps one shape per
/// name and silently drops the other, so two different shapes under one name
/// (an answer documented with a body it does not have) are caught here.
#[test]
fn every_schema_name_has_one_shape_across_the_api_modules() {
    let mut seen: BTreeMap<String, (&str, serde_json::Value)> = BTreeMap::new();
    let mut clashes = Vec::new();
    for (part, router) in pokmas::web::api::parts() {
        let doc = router.into_openapi();
        let Some(components) = doc.components else {
            continue;
        };
        for (name, schema) in components.schemas {
            let schema = serde_json::to_value(schema).expect("schema json");
            match seen.get(&name) {
                Some((other, earlier)) if *earlier != schema => {
                    clashes.push(format!("{name}: {other} and {part}"));
                }
                Some(_) => {}
                None => {
                    seen.insert(name, (part, schema));
                }
            }
        }
    }
    assert!(clashes.is_empty(), "one name, two shapes: {clashes:?}");
    assert!(seen.contains_key("ApplicantInvitation") && seen.contains_key("InvitationItem"));
}

fn operations(doc: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    out
}

fn public(path: &str, op: &serde_json::Value) -> bool {
    path == "/api/v1/status-check"
        || op["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "public"))
}

#[tokio::test]
async fn every_operation_documents_the_error_codes_it_can_answer() {
    let mut app = TestApp::new().await;
    let doc: serde_json::Value =
        serde_json::from_str(&app.get("/api/openapi.json").await.body).expect("json");
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut missing = Vec::new();
    let ops = operations(&doc);
    assert!(ops.len() > 60, "{} operations", ops.len());
    for (path, method, op) in &ops {
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let has = |place: &str| params.iter().any(|p| p["in"] == place);
        let mut want = Vec::new();
        if !public(path, op) {
            want.extend(["401", "403"]);
            assert!(
                op["security"].is_array(),
                "{method} {path} declares no security"
            );
        }
        if has("path") {
            want.push("404");
        }
        if has("query") {
            want.push("400");
        }
        if op.get("requestBody").is_some() {
            want.extend(["400", "413", "415", "422"]);
        }
        for code in want {
            if op["responses"].get(code).is_none() {
                missing.push(format!("{method} {path} {code}"));
            }
        }
        // Every documented body names a schema that exists.
        for (code, r) in op["responses"].as_object().expect("responses") {
            for (_, media) in r["content"].as_object().into_iter().flatten() {
                let target = media["schema"]["$ref"]
                    .as_str()
                    .or_else(|| media["schema"]["items"]["$ref"].as_str());
                if let Some(t) = target {
                    let name = t.trim_start_matches("#/components/schemas/");
                    assert!(schemas.contains_key(name), "{method} {path} {code}: {t}");
                }
            }
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
}

/// Every operation called anonymously, and by an applicant, with a random id
/// and an empty JSON body: whatever the server answers is documented.
#[tokio::test]
async fn anonymous_and_applicant_calls_of_every_operation_answer_documented_codes() {
    let mut app = TestApp::new().await;
    let applicant = token_for(&mut app, "warga@contoh.id", Role::Applicant, &[]).await;
    app.switch_browser(Default::default());
    let doc: serde_json::Value =
        serde_json::from_str(&app.get("/api/openapi.json").await.body).expect("json");
    let id = uuid::Uuid::now_v7().to_string();
    let mut undocumented = Vec::new();
    for (path, method, op) in operations(&doc) {
        let mut uri = path.clone();
        while let (Some(a), Some(b)) = (uri.find('{'), uri.find('}')) {
            uri.replace_range(a..=b, &id);
        }
        for who in [None, Some(applicant.as_str())] {
            let mut req = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&uri);
            if let Some(t) = who {
                req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
            }
            let body = if op.get("requestBody").is_some() {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from("{}")
            } else {
                Body::empty()
            };
            let res = app.send(req.body(body).expect("request")).await;
            let code = res.status.as_u16().to_string();
            assert!(
                res.status.as_u16() < 500,
                "{method} {uri}: {} {}",
                res.status,
                res.body
            );
            if op["responses"].get(&code).is_none() {
                undocumented.push(format!(
                    "{method} {path} ({}) -> {code}",
                    who.map_or("anonymous", |_| "applicant")
                ));
            }
        }
    }
    assert!(undocumented.is_empty(), "{undocumented:#?}");
}

/// The request schemas state the rules the services check, so a client (or
/// schemathesis' `positive_data_acceptance`) that sends what the document
/// allows is not refused with a 422: the choices, lengths and plain-text
/// patterns below are the services' own.
#[tokio::test]
async fn request_schemas_state_the_services_rules() {
    let mut app = TestApp::new().await;
    let doc: serde_json::Value =
        serde_json::from_str(&app.get("/api/openapi.json").await.body).expect("json");
    let schemas = &doc["components"]["schemas"];
    let pattern = |schema: &str, field: &str| -> regex::Regex {
        let p = schemas[schema]["properties"][field]["pattern"]
            .as_str()
            .unwrap_or_else(|| panic!("{schema}.{field} states a pattern"));
        regex::Regex::new(p).expect("a pattern the regex crate reads")
    };
    let choice = pattern("ApprovalDecisionBody", "decision");
    assert!(choice.is_match("approve") && choice.is_match("reject") && !choice.is_match("yes"));
    let choice = pattern("DecideBody", "decision");
    assert!(choice.is_match("reject") && !choice.is_match("Reject"));
    assert!(pattern("AttendanceBody", "attendance").is_match("absent"));
    assert!(!pattern("AttendanceBody", "attendance").is_match("late"));
    // Stages: the settings form's rules.
    let code = pattern("StageBody", "code");
    assert!(code.is_match("TULIS_1") && !code.is_match("") && !code.is_match("tes-tulis"));
    assert!(pattern("StageBody", "scoring").is_match("imported"));
    assert!(!pattern("StageBody", "scoring").is_match("lottery"));
    assert!(pattern("StagesBody", "final_rule").is_match(""));
    assert!(!pattern("StagesBody", "final_rule").is_match("sum"));
    assert_eq!(
        schemas["StagesBody"]["properties"]["stages"]["maxItems"],
        pokmas::services::rounds::MAX_STAGES
    );
    // Reasons: at most 500 characters of plain text, line breaks allowed.
    for schema in ["AttendanceBody", "DeactivateBody"] {
        let reason = pattern(schema, "reason");
        assert!(reason.is_match("") && reason.is_match("Sakit.\nDiuji ulang."));
        assert!(!reason.is_match("IXC\u{98}\u{9e}"), "{schema}: C1 controls");
        assert!(!reason.is_match(&"a".repeat(501)), "{schema}: too long");
    }
    let proposal = pattern("ProposalBody", "outcome");
    assert!(proposal.is_match("scorecard:0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
    assert!(!proposal.is_match("scorecard:abC02dF1B8-ECBD21cEFC78eb0d3BAa4D604"));
    // Trimmed length and no control character, as `domain::text` judges.
    let grounds = pattern("FileObjectionBody", "grounds");
    assert!(grounds.is_match("Nilai K2 saya tidak dihitung.\nMohon diperiksa."));
    assert!(
        !grounds.is_match("  pendek sekali  ini  "),
        "too short once trimmed"
    );
    assert!(!grounds.is_match("Nilai K2 saya tidak\u{7}dihitung sama sekali."));
    let name = pattern("PanelBody", "name");
    assert!(name.is_match("Panel Samarinda Kota I") && !name.is_match("Panel\nI"));
    assert!(!name.is_match(" ") && !name.is_match(""));
    assert!(pattern("RevealBody", "secret").is_match("saksi-warga-2026-rahasia"));
    assert!(!pattern("RevealBody", "secret").is_match("saksi:warga-2026-rahasia"));
    assert_eq!(
        schemas["RtCountBody"]["properties"]["count"]["maximum"],
        500
    );
}

/// Every operation `.ci/schemathesis.toml` exempts from one check exists in
/// the document, so a renamed route cannot leave a stale exemption behind
/// (nor silently lose its exemption).
#[tokio::test]
async fn the_schemathesis_exemptions_name_documented_operations() {
    let mut app = TestApp::new().await;
    let doc: serde_json::Value =
        serde_json::from_str(&app.get("/api/openapi.json").await.body).expect("json");
    let config = include_str!("../../.ci/schemathesis.toml");
    // Every quoted "METHOD /api/…" in the file, in lists or alone.
    let names: Vec<&str> = config
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|q| q.contains(" /api/"))
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    let ops = operations(&doc);
    for name in names {
        let (method, path) = name.split_once(' ').expect("METHOD path");
        assert!(
            ops.iter()
                .any(|(p, m, _)| p == path && m.eq_ignore_ascii_case(method)),
            "{name} is not in the document"
        );
    }
}
