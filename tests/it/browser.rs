//! Real-browser journeys: Debian's headless Chromium through chromedriver, at a
//! 360×740 phone viewport, against the real server on a loopback port.
//! Screenshots are kept under `target/tmp/artifacts/` for people to look at.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::support::journey::OpenRound;
use crate::support::{PASSWORD, TestApp};

/// A running chromedriver with one headless Chromium session.
pub struct Chrome {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

impl Chrome {
    /// Starts chromedriver and a phone-sized headless Chromium, or returns `None`
    /// (saying so) when they are not installed — except in CI, where the browser
    /// suite must run.
    pub async fn start() -> Option<Chrome> {
        let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists());
        let Some(chromedriver) = chromedriver else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but chromedriver is not installed"
            );
            eprintln!("skipped: chromium-driver is not installed, browser test not run");
            return None;
        };
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "mobileEmulation": { "deviceMetrics": { "width": 360, "height": 740, "pixelRatio": 2.0 } },
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("chromium session");
        Some(Chrome {
            client,
            driver,
            _profile: profile,
        })
    }

    /// Saves a screenshot of the current page as a test artifact.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("artifacts");
        std::fs::create_dir_all(&dir).expect("artifact dir");
        let path = dir.join(format!("{name}.png"));
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// The page fits the phone: nothing wider than the viewport, and no
    /// script but the print button's (which only adds that button).
    pub async fn assert_phone_friendly(&self) {
        let widths = self
            .client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .expect("execute");
        let scroll = widths[0].as_u64().expect("scrollWidth");
        let inner = widths[1].as_u64().expect("innerWidth");
        if inner != 360 || scroll > inner {
            // Name what is too wide, so the failure says what to fix.
            let wide = self
                .client
                .execute(
                    "return Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > 361).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + 'px: ' + (e.textContent || '').slice(0, 60));",
                    vec![],
                )
                .await
                .expect("execute");
            panic!(
                "page wider than a 360px phone ({scroll}px, viewport {inner}px); too wide: {wide}"
            );
        }
        assert!(
            scroll <= inner,
            "page is {scroll}px wide on a {inner}px phone"
        );
        let scripts = self
            .client
            .execute(
                "return Array.from(document.scripts).filter(s => !new URL(s.src || 'x:', location.href).pathname.startsWith('/assets/print.js')).length;",
                vec![],
            )
            .await
            .expect("execute");
        assert_eq!(scripts.as_u64(), Some(0), "pages work without JavaScript");
    }

    /// Waits (up to 10 s, across page loads) until the element at `css`
    /// contains `needle`; returns its text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = String::new();
        while Instant::now() < deadline {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.ok(),
                Err(_) => None,
            };
            if let Some(text) = text {
                if text.contains(needle) {
                    return text;
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("`{css}` never contained {needle:?}; last text: {last:?}");
    }

    /// Ends the session and the driver.
    /// Fills in the login form on the current page with `email` and the
    /// test password (keeping a screenshot named `shot` of the filled form),
    /// submits it and waits until the header names the account.
    pub async fn sign_in(&self, email: &str, shot: Option<&str>) {
        let c = &self.client;
        c.find(Locator::Id("email"))
            .await
            .expect("email")
            .send_keys(email)
            .await
            .expect("type");
        c.find(Locator::Id("password"))
            .await
            .expect("password")
            .send_keys(PASSWORD)
            .await
            .expect("type");
        if let Some(name) = shot {
            self.screenshot(name).await;
        }
        c.find(Locator::Css("main button[type=submit]"))
            .await
            .expect("submit")
            .click()
            .await
            .expect("click");
        self.wait_for_text("header", &format!("Pengguna {email}"))
            .await;
    }

    pub async fn stop(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Serves `app` on a loopback port, as `pokmas serve` does; returns the base URL.
pub async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = pokmas::router::router(app.state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_a_staff_member_reads_the_home_page_switches_language_and_logs_in() {
    let app = TestApp::new().await;
    app.create_user("admin@contoh.id", pokmas::domain::role::Role::Admin, &[])
        .await;
    let base = serve(&app).await;
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let c = &chrome.client;

    c.goto(&format!("{base}/")).await.expect("home");
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert_eq!(h1, "Rekrutmen terbuka anggota Pokmas Probebaya");
    chrome.assert_phone_friendly().await;
    chrome.screenshot("home-360").await;

    c.find(Locator::LinkText("English"))
        .await
        .expect("switch")
        .click()
        .await
        .expect("click");
    chrome
        .wait_for_text("h1", "Open recruitment of Probebaya Pokmas members")
        .await;
    c.goto(&format!("{base}/wilayah")).await.expect("regions");
    chrome.wait_for_text("h1", "Regions of Samarinda").await;
    c.find(Locator::LinkText("Bahasa Indonesia"))
        .await
        .expect("switch")
        .click()
        .await
        .expect("click");
    chrome.wait_for_text("h1", "Wilayah Kota Samarinda").await;

    chrome.assert_phone_friendly().await;

    c.goto(&format!("{base}/masuk")).await.expect("login");
    chrome.sign_in("admin@contoh.id", Some("login-360")).await;
    chrome.assert_phone_friendly().await;
    chrome.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_a_resident_completes_an_application_and_gets_a_printable_receipt() {
    use crate::support::journey::{DECLS, DOCS, KECAMATAN, KELURAHAN, NIK, open_round, pdf};

    let app = TestApp::new().await;
    let OpenRound { slug, .. } = open_round(&app).await;
    app.create_user("siti@contoh.id", pokmas::domain::role::Role::Applicant, &[])
        .await;
    let base = serve(&app).await;
    let scan = tempfile::Builder::new()
        .suffix(".pdf")
        .tempfile()
        .expect("scan file");
    std::fs::write(scan.path(), pdf()).expect("write scan");
    let Some(chrome) = Chrome::start().await else {
        return;
    };
    let c = &chrome.client;

    // A newcomer's way in: the home page lists the round, the round page
    // explains it and offers "Daftar", which asks them to sign in first and
    // brings them back to the application afterwards.
    c.goto(&format!("{base}/")).await.expect("home page");
    c.find(Locator::Css(&format!("main a[href='/seleksi/{slug}']")))
        .await
        .expect("the home page lists the open round")
        .click()
        .await
        .expect("click");
    chrome.wait_for_text("h1", "Rekrutmen").await;
    chrome.assert_phone_friendly().await;
    chrome.screenshot("round-page-360").await;
    c.find(Locator::Css(&format!("a[href='/seleksi/{slug}/daftar']")))
        .await
        .expect("the round page offers to apply")
        .click()
        .await
        .expect("click");
    c.find(Locator::Css("main a[href^='/masuk?lanjut=']"))
        .await
        .expect("asked to sign in first")
        .click()
        .await
        .expect("click");
    chrome.sign_in("siti@contoh.id", None).await;
    assert!(
        c.current_url()
            .await
            .expect("url")
            .path()
            .ends_with(&format!("/seleksi/{slug}/daftar")),
        "signing in led back to the application"
    );
    c.find(Locator::Css(&format!(
        "#kecamatan option[value='{KECAMATAN}']"
    )))
    .await
    .expect("kecamatan")
    .click()
    .await
    .expect("pick");
    c.find(Locator::XPath("//form[.//select[@id='kecamatan']]//button"))
        .await
        .expect("next")
        .click()
        .await
        .expect("click");
    chrome.wait_for_text("main", "Kelurahan").await;
    c.find(Locator::Css(&format!(
        "#kelurahan option[value='{KELURAHAN}']"
    )))
    .await
    .expect("kelurahan")
    .click()
    .await
    .expect("pick");
    c.find(Locator::XPath("//form[.//select[@id='kelurahan']]//button"))
        .await
        .expect("next")
        .click()
        .await
        .expect("click");
    chrome.wait_for_text("main", "RT 007").await;
    c.find(Locator::Css("#rt option[value='7']"))
        .await
        .expect("rt")
        .click()
        .await
        .expect("pick");
    chrome.assert_phone_friendly().await;
    c.find(Locator::XPath("//form[.//select[@id='rt']]//button"))
        .await
        .expect("next")
        .click()
        .await
        .expect("click");
    chrome.wait_for_text("main", "Data diri").await;

    for (id, value) in [
        ("full_name", "Siti Aminah"),
        ("nik", NIK),
        ("birth_place", "Samarinda"),
        ("address", "Jl. Pahlawan No. 7, RT 007"),
        ("phone", "081234567890"),
        ("email", "siti@contoh.id"),
        ("education", "SMA"),
        ("occupation", "Wiraswasta"),
        ("motivation", "Ingin membangun lingkungan RT bersama warga."),
        ("experience", "Pengurus posyandu 5 tahun."),
    ] {
        let field = c
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|_| panic!("field {id}"));
        field.clear().await.expect("clear");
        field.send_keys(value).await.expect("type");
    }
    // Date inputs take the date typed in the phone's locale order; set it directly.
    c.execute(
        "document.getElementById('birth_date').value = '1990-05-15';",
        vec![],
    )
    .await
    .expect("date");
    c.find(Locator::Css("#sex option[value='female']"))
        .await
        .expect("sex")
        .click()
        .await
        .expect("pick");
    for d in DECLS {
        let b = c
            .find(Locator::Css(&format!("input[name='decl_{d}']")))
            .await
            .expect("declaration");
        if !b.is_selected().await.expect("state") {
            b.click().await.expect("tick");
        }
    }
    for d in DOCS {
        c.find(Locator::Id(&format!("doc_{d}")))
            .await
            .expect("file input")
            .send_keys(&scan.path().display().to_string())
            .await
            .expect("choose file");
    }
    chrome.assert_phone_friendly().await;
    chrome.screenshot("application-form-360").await;
    c.find(Locator::Css("button[name=action][value=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    let receipt = chrome
        .wait_for_text("main", "Tanda terima pendaftaran")
        .await;
    assert!(receipt.contains("2027-6472091001-0001"), "{receipt}");
    chrome.assert_phone_friendly().await;
    let qr = c
        .execute(
            "return document.querySelectorAll('main svg').length;",
            vec![],
        )
        .await
        .expect("qr");
    assert_eq!(qr.as_u64(), Some(1), "the receipt carries a QR code");
    chrome.screenshot("receipt-360").await;
    chrome.stop().await;
}
