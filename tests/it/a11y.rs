//! Accessibility and phone width of every kind of page each role reaches on
//! the demo round, in headless Chromium at 360×740: axe-core (WCAG 2.0/2.1 A
//! and AA) must find no critical or serious violation, and no page may be
//! wider than the phone. A screenshot of every page is kept under
//! `target/tmp/artifacts/` (`a11y-<role>-<n>.png`).
//!
//! axe-core comes from npm: `.ci/run` installs it with
//! `npm install --prefix target/npm axe-core@4`; `POKMAS_AXE_JS` may name
//! another `axe.min.js`. Without it the test is skipped, except in CI.

use std::collections::BTreeSet;
use std::path::PathBuf;

use fantoccini::Locator;

use crate::browser::{Chrome, serve};
use crate::crawl::{crawl_pages, demo_installation, shape};
use crate::support::{Browser, TestApp};

/// `axe.min.js`, or `None` (saying so) when it is not installed outside CI.
fn axe_source() -> Option<String> {
    let path = std::env::var_os("POKMAS_AXE_JS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join("../npm/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    );
    match std::fs::read_to_string(&path) {
        Ok(js) => Some(js),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but axe-core is not at {} ({e}); .ci/run installs it",
                path.display()
            );
            eprintln!(
                "skipped: axe-core is not installed at {} (npm install --prefix target/npm axe-core@4)",
                path.display()
            );
            None
        }
    }
}

/// Runs axe on the current page; the critical and serious violations, each
/// with up to three of the elements it concerns.
async fn axe_violations(chrome: &Chrome, axe: &str) -> Vec<String> {
    let script = format!(
        "{axe}\n;const done = arguments[arguments.length - 1];\
         axe.run(document, {{runOnly: {{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}, resultTypes: ['violations']}})\
         .then(r => done(r.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')\
         .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))\
         .catch(e => done(['axe failed: ' + e]));"
    );
    let found = chrome
        .client
        .execute_async(&script, vec![])
        .await
        .expect("run axe");
    found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The page's width in CSS pixels, and what sticks out past 360 px.
async fn width(chrome: &Chrome) -> (u64, String) {
    let v = chrome
        .client
        .execute(
            "return [document.documentElement.scrollWidth, Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > 361).slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + 'px').join(', ')];",
            vec![],
        )
        .await
        .expect("width");
    (
        v[0].as_u64().expect("scrollWidth"),
        v[1].as_str().unwrap_or_default().to_owned(),
    )
}

/// Signs `email` in through the login form of the browser.
async fn sign_in(chrome: &Chrome, base: &str, email: &str, password: &str) {
    let c = &chrome.client;
    c.goto(&format!("{base}/masuk")).await.expect("login page");
    for (id, value) in [("email", email), ("password", password)] {
        c.find(Locator::Id(id))
            .await
            .expect("field")
            .send_keys(value)
            .await
            .expect("type");
    }
    c.find(Locator::Css("main button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    chrome.wait_for_text("header", "Keluar").await;
}

/// Opens each page of `pages` (one per page shape) in the browser: every
/// axe violation and every page wider than the phone, as failures.
async fn check_pages(
    chrome: &Chrome,
    base: &str,
    axe: &str,
    role: &str,
    pages: &[String],
) -> Vec<String> {
    let mut failures = Vec::new();
    let mut shapes = BTreeSet::new();
    let mut n = 0;
    for path in pages {
        if !shapes.insert(shape(path)) {
            continue;
        }
        n += 1;
        chrome
            .client
            .goto(&format!("{base}{path}"))
            .await
            .expect("open page");
        let (w, wide) = width(chrome).await;
        if w > 360 {
            failures.push(format!("{role} {path}: {w}px wide ({wide})"));
        }
        for v in axe_violations(chrome, axe).await {
            failures.push(format!("{role} {path}: {v}"));
        }
        chrome.screenshot(&format!("a11y-{role}-{n:03}")).await;
    }
    eprintln!(
        "a11y: {role} checked {n} pages, {} failures",
        failures.len()
    );
    for f in &failures {
        eprintln!("  {f}");
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_no_serious_violation_and_no_page_is_wider_than_a_phone_for_any_role() {
    let Some(axe) = axe_source() else { return };
    let (mut app, logins) = demo_installation().await;
    let base = serve(&app).await;
    let mut failures = Vec::new();

    let (_, _, pages) = crawl_pages(&mut app, &["/"]).await;
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    failures.extend(check_pages(&chrome, &base, &axe, "visitor", &pages).await);
    chrome.stop().await;

    let mut roles_done = BTreeSet::new();
    for (role, login) in &logins {
        if !roles_done.insert(role.clone()) {
            continue;
        }
        let (email, password) = login.split_once('\t').expect("login");
        app.switch_browser(Browser::default());
        app.login(email, password).await;
        let (_, _, pages) = crawl_pages(&mut app, &["/", "/akun"]).await;
        let chrome = Chrome::start().await.expect("chromium");
        sign_in(&chrome, &base, email, password).await;
        failures.extend(check_pages(&chrome, &base, &axe, role, &pages).await);
        chrome.stop().await;
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The demo round's slug, from the home page.
async fn demo_slug(app: &mut TestApp) -> String {
    let home = app.get("/").await;
    home.body
        .split("href=\"/seleksi/")
        .nth(1)
        .and_then(|s| s.split(['"', '/']).next())
        .expect("the home page links the round")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_results_and_announcements_show_total_and_status_beside_the_name() {
    let (mut app, _) = demo_installation().await;
    let slug = demo_slug(&mut app).await;
    let results = app.get(&format!("/seleksi/{slug}/hasil")).await;
    let first = |prefix: &str| {
        results
            .body
            .split(&format!("href=\"/seleksi/{slug}/{prefix}/"))
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("/hasil links a {prefix} page"))
            .to_owned()
    };
    let formation = first("hasil");
    let kelurahan = first("pengumuman");
    let base = serve(&app).await;
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    for (path, shot) in [
        (format!("/seleksi/{slug}/hasil"), "phone-results"),
        (
            format!("/seleksi/{slug}/hasil/{formation}"),
            "phone-formation",
        ),
        (
            format!("/seleksi/{slug}/pengumuman/{kelurahan}"),
            "phone-announcement",
        ),
        (format!("/seleksi/{slug}/undian"), "phone-lottery"),
        ("/jejak-audit".to_owned(), "phone-audit-trail"),
    ] {
        chrome
            .client
            .goto(&format!("{base}{path}"))
            .await
            .expect("open");
        let (w, wide) = width(&chrome).await;
        assert!(w <= 360, "{path} is {w}px wide on a 360px phone: {wide}");
        chrome.screenshot(shot).await;
        if path.ends_with("/hasil") {
            // The objection decisions' reasons read as lines of words, not
            // squeezed into a column of one letter a line.
            let reasons = chrome
                .client
                .execute(
                    "const r = Array.from(document.querySelectorAll('.decisions .reasons')); return [r.length, r.filter(e => e.getBoundingClientRect().width < 240).length];",
                    vec![],
                )
                .await
                .expect("reasons");
            assert!(
                reasons[0].as_u64().unwrap_or(0) > 0,
                "the demo's results list objection decisions"
            );
            assert_eq!(
                reasons[1].as_u64(),
                Some(0),
                "{path}: decision reasons narrower than 240px"
            );
        }
        if path.contains("/hasil/") || path.contains("/pengumuman/") {
            // Every row's total and status sit within the screen, level
            // with the name (not pushed below it or off to the right).
            let off = chrome
                .client
                .execute(
                    "return Array.from(document.querySelectorAll('table.results tbody tr')).filter(tr => { const n = tr.querySelector('td.name').getBoundingClientRect(); return ['td.total', 'td.status'].some(s => { const r = tr.querySelector(s).getBoundingClientRect(); return r.right > 360 || r.width === 0 || r.top > n.bottom; }); }).length;",
                    vec![],
                )
                .await
                .expect("rows");
            assert_eq!(
                off.as_u64(),
                Some(0),
                "{path}: rows with total or status off-screen"
            );
            let rows = chrome
                .client
                .execute(
                    "return document.querySelectorAll('table.results tbody tr').length;",
                    vec![],
                )
                .await
                .expect("rows");
            assert!(rows.as_u64().unwrap_or(0) > 0, "{path} lists results");
        }
    }
    chrome.stop().await;
}
