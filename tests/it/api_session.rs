//! The README's Smart Probebaya `curl` session, run line by line through the
//! real router against the demos the README starts: the resident's block (open rounds → start → fill → upload →
//! submit → status) and the panelist's (list → sheet → declare → score →
//! amend). A change to the API that breaks the README breaks this test.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::api_tokens::make_token;
use crate::support::journey::{pdf, verified_resident};
use crate::support::{TestApp, TestDb, TestResponse};

/// The `sh` block after `<!-- api-session: NAME -->` in the README.
fn readme_block(name: &str) -> Vec<String> {
    let readme = include_str!("../../README.md");
    let marker = format!("<!-- api-session: {name} -->");
    let start = readme.find(&marker).expect("session marker in README");
    let rest = &readme[start..];
    let open = rest.find("```sh\n").expect("sh block") + "```sh\n".len();
    let close = rest[open..].find("```").expect("end of block") + open;
    rest[open..close]
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// `$NAME` replaced by its value; an unknown variable fails the test.
fn expand(s: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let mut name = String::new();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphanumeric() || n == '_' {
                name.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let value = vars
            .get(&name)
            .unwrap_or_else(|| panic!("README uses ${name} before setting it"));
        out.push_str(value);
    }
    out
}

/// Shell words: single quotes literal, double quotes and bare words
/// expanded; a `#` word starts a comment.
fn words(line: &str, vars: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        if first == '#' {
            break;
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            match c {
                '\'' => {
                    for q in chars.by_ref() {
                        if q == '\'' {
                            break;
                        }
                        word.push(q);
                    }
                }
                '"' => {
                    let mut quoted = String::new();
                    for q in chars.by_ref() {
                        if q == '"' {
                            break;
                        }
                        quoted.push(q);
                    }
                    word.push_str(&expand(&quoted, vars));
                }
                '$' => {
                    let mut bare = String::from('$');
                    while let Some(&n) = chars.peek() {
                        if n.is_ascii_alphanumeric() || n == '_' {
                            bare.push(n);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    word.push_str(&expand(&bare, vars));
                }
                other => word.push(other),
            }
        }
        out.push(word);
    }
    out
}

/// A `jq -r` path such as `.[0].slug` applied to a JSON answer.
fn jq(body: &str, path: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(body).expect("json answer");
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        v = match seg.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            Some(i) => v[i.parse::<usize>().expect("index")].take(),
            None => v[seg].take(),
        };
    }
    match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Runs one `curl` command line (its words after `curl`) through the router.
async fn curl(app: &mut TestApp, args: &[String]) -> TestResponse {
    let mut method = None;
    let mut headers = Vec::new();
    let mut body: Option<Vec<u8>> = None;
    let mut files = Vec::new();
    let mut url = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-s" => {}
            "-X" => method = Some(it.next().expect("method").clone()),
            "-H" => headers.push(it.next().expect("header").clone()),
            "-d" => body = Some(it.next().expect("data").clone().into_bytes()),
            "-F" => files.push(it.next().expect("form").clone()),
            other if other.starts_with('-') => panic!("curl option {other} not understood"),
            other => url = Some(other.to_owned()),
        }
    }
    let url = url.expect("a URL");
    let boundary = "pokmasReadmeSession";
    if !files.is_empty() {
        let mut b = Vec::new();
        for f in &files {
            let (name, file) = f.split_once("=@").expect("-F name=@file");
            b.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/pdf\r\n\r\n"
                )
                .as_bytes(),
            );
            b.extend_from_slice(&pdf());
            b.extend_from_slice(b"\r\n");
        }
        b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        body = Some(b);
        headers.push(format!(
            "Content-Type: multipart/form-data; boundary={boundary}"
        ));
    }
    let method = method.unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.into());
    let mut req = Request::builder().method(method.as_str()).uri(&url);
    for h in &headers {
        let (k, v) = h.split_once(": ").expect("header Name: value");
        req = req.header(k, v);
    }
    let req = req
        .body(body.map_or_else(Body::empty, Body::from))
        .expect("request");
    let res = app.send(req).await;
    assert!(
        res.status.is_success(),
        "curl {args:?} answered {}: {}",
        res.status,
        res.body
    );
    res
}

/// Runs a README block; `preset` variables (the token, `BASE`) win over the
/// block's placeholders. Returns the last answer.
async fn run(app: &mut TestApp, block: &[String], preset: &[(&str, String)]) -> TestResponse {
    let mut vars: BTreeMap<String, String> = preset
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let fixed: Vec<&str> = preset.iter().map(|(k, _)| *k).collect();
    let mut last = None;
    for line in block {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("curl ") {
            let args = words(rest, &vars);
            last = Some(curl(app, &args).await);
            continue;
        }
        let (name, value) = line.split_once('=').expect("an assignment or a curl line");
        assert!(
            name.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
            "{line}"
        );
        if fixed.contains(&name) {
            continue;
        }
        let value = value.split(" # ").next().unwrap_or(value).trim();
        let value = if let Some(inner) = value.strip_prefix("$(").and_then(|v| v.strip_suffix(')'))
        {
            let (cmd, filter) = inner.split_once(" | jq -r ").expect("$(curl … | jq -r …)");
            let cmd = cmd.strip_prefix("curl ").expect("curl");
            let res = curl(app, &words(cmd, &vars)).await;
            let filter = words(filter, &vars).remove(0);
            let v = jq(&res.body, &filter);
            assert!(
                v != "null" && !v.is_empty(),
                "{line}: {filter} of {}",
                res.body
            );
            last = Some(res);
            v
        } else {
            words(value, &vars).concat()
        };
        vars.insert(name.to_owned(), value);
    }
    last.expect("the block made requests")
}

/// The installation the README's `demo --state STATE` leaves in a fresh data
/// folder, served with the demo's own secret (it sealed the personal data).
async fn demo_app(state: &str) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_path_buf();
    let (code, db) = crate::demo::demo(&path, &["--state", state]).await;
    assert_eq!(code, 0, "demo --state {state}");
    db.close().await.expect("close");
    let secret = pokmas::config::Secret::load_or_create(None, &path).expect("demo secret");
    TestApp::on(TestDb::sqlite_in(dir).await)
        .await
        .reconfigured(|c| c.secret = secret)
}

/// The password `demo-credentials.txt` gives for `email`.
fn demo_password(app: &TestApp, email: &str) -> String {
    let text = std::fs::read_to_string(app.db.dir.path().join("demo-credentials.txt"))
        .expect("credentials file");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.get(1) == Some(&email)).then(|| cols[2].to_owned())
        })
        .unwrap_or_else(|| panic!("{email} in the credentials file"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_session_of_a_resident_applies_through_the_api_on_the_demo() {
    let mut app = demo_app("registration").await;
    verified_resident(&mut app, "Siti Aminah", "siti@contoh.id").await;
    let token = make_token(&mut app, "Smart Probebaya", "30").await;
    // The app holds only the token: no cookie from here on.
    app.switch_browser(Default::default());
    let before = app.audit_actions().await.len();
    let last = run(
        &mut app,
        &readme_block("resident"),
        &[("BASE", String::new()), ("TOKEN", token)],
    )
    .await;
    let status: serde_json::Value = serde_json::from_str(&last.body).expect("json");
    assert_eq!(status["state"], "submitted", "{status}");
    assert!(
        status["registration_no"]
            .as_str()
            .is_some_and(|n| n.contains("-6472091001-")),
        "a number of the Karang Mumus formation: {status}"
    );
    let mine: Vec<String> = app
        .audit_actions()
        .await
        .into_iter()
        .skip(before)
        .map(|(a, _)| a)
        .collect();
    for a in [
        "application.draft_started",
        "document.added",
        "application.submitted",
    ] {
        assert!(mine.iter().any(|x| x == a), "{a} in {mine:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_session_of_a_panelist_scores_and_amends_through_the_api_on_the_demo() {
    let mut app = demo_app("assessment").await;
    let email = "penilai1.1@demo.pokmas.id";
    let password = demo_password(&app, email);
    let res = app.login(email, &password).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let token = make_token(&mut app, "Tablet panel", "30").await;
    app.switch_browser(Default::default());
    let before = app.audit_actions().await.len();
    let last = run(
        &mut app,
        &readme_block("panelist"),
        &[
            ("BASE", String::new()),
            ("J", "Content-Type: application/json".into()),
            ("PANELIST_TOKEN", token),
        ],
    )
    .await;
    let sheet: serde_json::Value = serde_json::from_str(&last.body).expect("json");
    assert_eq!(sheet["my_version"], 2, "an amendment is version 2: {sheet}");
    assert_eq!(sheet["my_values"]["PRB"], 4);
    assert_eq!(
        last.headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let session: Vec<String> = app
        .audit_actions()
        .await
        .into_iter()
        .skip(before)
        .map(|(a, _)| a)
        .collect();
    for a in ["score.submitted", "score.amended"] {
        assert!(session.iter().any(|x| x == a), "{a} in {session:?}");
    }
}
