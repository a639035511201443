//! No dead links and no error pages: every link a page shows to a visitor or a
//! signed-in role, followed through the real router on the demo round, leads
//! to a page that answers (2xx or a redirect), never 403, 404 or 500.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use axum::http::StatusCode;
use clap::Parser;
use pokmas::config::Secret;

use crate::support::{Browser, TestApp, TestDb};

/// Pages visited per role at most, and per page shape (path with ids and
/// numbers replaced), so paged lists cannot make the crawl endless while
/// every kind of page is still opened.
const MAX_PAGES: usize = 400;
const PER_SHAPE: usize = 3;

/// The demo round (published, objections open) loaded into a fresh
/// installation, served with the demo's own keys; and its sign-ins.
pub(crate) async fn demo_installation() -> (TestApp, Vec<(String, String)>) {
    let db = TestDb::sqlite().await;
    let dir = db.dir.path().to_path_buf();
    let argv = [
        "pokmas".to_owned(),
        "--data-dir".to_owned(),
        dir.display().to_string(),
        "--database-url".to_owned(),
        db.url.clone(),
        "demo".to_owned(),
        "--quiet".to_owned(),
        "--seed".to_owned(),
        "3".to_owned(),
    ];
    let cli = pokmas::cli::Cli::try_parse_from(argv).expect("arguments");
    assert_eq!(pokmas::cli::run(cli).await.expect("demo runs"), 0);
    let creds = std::fs::read_to_string(dir.join("demo-credentials.txt")).expect("credentials");
    let logins = creds
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (role, email, password) = (f.next()?, f.next()?, f.next()?);
            Some((role.to_owned(), format!("{email}\t{password}")))
        })
        .collect();
    let app = TestApp::on(db).await.reconfigured(|c| {
        c.secret = Secret::in_file(&dir, "secret.key").expect("secret");
        c.checkpoint_seed = Secret::in_file(&dir, "checkpoint.key").expect("seed");
    });
    (app, logins)
}

/// `/a/3f2c…/b?x=12` → `/a/#/b?x=#`: one shape for every id and number.
pub(crate) fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        let numeric = !token.is_empty()
            && token
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == '-' || c == '.');
        let has_digit = token.chars().any(|c| c.is_ascii_digit());
        if numeric && has_digit {
            out.push('#');
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in path.chars() {
        if matches!(c, '/' | '?' | '&' | '=') {
            flush(&mut token, &mut out);
            out.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

/// Internal codes that must never be all a person reads in a table cell or
/// a label: states, outcomes and check codes each have words.
const RAW_CODES: &[&str] = &[
    "draft",
    "submitted",
    "eligible",
    "ineligible",
    "withdrawn",
    "registration",
    "verification",
    "assessment",
    "provisional",
    "objection",
    "final",
    "cancelled",
    "selected",
    "reserve",
    "not_passed",
    "active",
    "deactivated",
    "invited",
    "ms",
    "tms",
    "age_ok",
    "domicile_ok",
    "age_too_old",
    "age_too_young",
    "domicile_outside",
    "birth_date_mismatch",
    "sex_mismatch",
];

/// The raw codes shown as a whole text node (`<td>eligible</td>`).
fn raw_codes(html: &str) -> Vec<&'static str> {
    RAW_CODES
        .iter()
        .filter(|code| {
            html.contains(&format!(">{code}<"))
                || html.contains(&format!("> {code}<"))
                || html.contains(&format!(": {code}<"))
        })
        .copied()
        .collect()
}

/// The site-internal links of an HTML page, without fragments.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| h.replace("&amp;", "&"))
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| h.split('#').next().unwrap_or_default().to_owned())
        .filter(|h| !h.is_empty())
        .collect()
}

/// Follows every link from `start`; returns the pages opened and every link
/// that failed, with the page it was found on.
async fn crawl(app: &mut TestApp, start: &[&str]) -> (usize, Vec<String>) {
    let (opened, failures, _) = crawl_pages(app, start).await;
    (opened, failures)
}

/// As [`crawl`], also returning the HTML pages reached, in crawl order.
pub(crate) async fn crawl_pages(
    app: &mut TestApp,
    start: &[&str],
) -> (usize, Vec<String>, Vec<String>) {
    let mut pages = Vec::new();
    let mut queue: VecDeque<(String, String)> = start
        .iter()
        .map(|p| ((*p).to_owned(), "(start)".to_owned()))
        .collect();
    let mut seen = BTreeSet::new();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut opened = 0;
    while let Some((path, from)) = queue.pop_front() {
        if opened >= MAX_PAGES || !seen.insert(path.clone()) {
            continue;
        }
        // Switching the language or signing out would change who is crawling.
        if path.starts_with("/bahasa/") || path.starts_with("/keluar") {
            continue;
        }
        let n = shapes.entry(shape(&path)).or_default();
        if *n >= PER_SHAPE {
            continue;
        }
        *n += 1;
        opened += 1;
        let res = app.get(&path).await;
        if res.status.is_client_error() || res.status.is_server_error() {
            failures.push(format!("{path} → {} (linked from {from})", res.status));
            continue;
        }
        if res.status.is_redirection() {
            if let Some(to) = res.location().filter(|l| l.starts_with('/')) {
                queue.push_back((to.to_owned(), path.clone()));
            }
            continue;
        }
        let html = res
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        if html {
            pages.push(path.clone());
            // The trail pages show recorded payloads verbatim, codes included:
            // that is the record auditors check the hashes against.
            let verbatim = ["/audit/jejak", "/audit/pendaftaran/", "/jejak-audit"]
                .iter()
                .any(|p| path.starts_with(p));
            let codes = if verbatim {
                Vec::new()
            } else {
                raw_codes(&res.body)
            };
            if !codes.is_empty() {
                failures.push(format!("{path} shows raw codes {codes:?}"));
            }
            failures.extend(crate::hardening::policy_failures(&path, &res));
            for link in links(&res.body) {
                queue.push_back((link, path.clone()));
            }
        }
    }
    (opened, failures, pages)
}

#[tokio::test]
async fn every_link_shown_to_each_role_on_the_demo_round_leads_somewhere() {
    let (mut app, logins) = demo_installation().await;
    let home = app.get("/").await;
    assert!(
        home.body.contains(r#"href="/cek-status""#),
        "a resident registered at the desk finds the status check"
    );
    let (opened, failures) = crawl(&mut app, &["/"]).await;
    assert!(opened > 20, "a visitor reaches the public pages: {opened}");
    assert!(failures.is_empty(), "visitor: {failures:#?}");

    let mut roles_done = BTreeSet::new();
    for (role, login) in &logins {
        if !roles_done.insert(role.clone()) {
            continue;
        }
        let (email, password) = login.split_once('\t').expect("login");
        // A new browser for each role.
        app.switch_browser(Browser::default());
        let res = app.login(email, password).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{role} signs in");
        if role == "applicant" {
            // After registration closes, the account page is the way back
            // to one's own application.
            let page = app.get("/akun").await;
            assert!(page.body.contains("Pendaftaran saya"), "{}", page.body);
            assert!(
                page.body.contains(r#"href="/pendaftaran/"#),
                "{}",
                page.body
            );
        }
        let (opened, failures) = crawl(&mut app, &["/", "/akun"]).await;
        eprintln!("crawl: {role} opened {opened} pages");
        assert!(opened > 20, "{role} opened {opened} pages");
        assert!(failures.is_empty(), "{role}: {failures:#?}");
    }
    assert_eq!(
        roles_done.len(),
        5,
        "admin, operator, panelist, auditor, applicant"
    );
}

#[test]
fn shapes_fold_ids_and_numbers_but_keep_words() {
    assert_eq!(
        shape("/pendaftaran/0193c2d4-7f00-7abc-8def-0123456789ab/tanda-terima"),
        "/pendaftaran/#/tanda-terima"
    );
    assert_eq!(
        shape("/audit/jejak?dari=120&ke=240"),
        "/audit/jejak?dari=#&ke=#"
    );
    assert_eq!(shape("/seleksi/rekrutmen-2027"), "/seleksi/rekrutmen-2027");
    assert_eq!(
        links(r#"<a href="/a?x=1&amp;y=2#z">a</a> <a href="https://x">x</a> <a href="//y">y</a>"#),
        vec!["/a?x=1&y=2".to_owned()]
    );
}
