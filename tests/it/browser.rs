//! Real-browser journeys: Debian's headless Chromium through chromedriver, at a
//! 360×740 phone viewport, against the real server on a loopback port.
//! Screenshots are kept under `target/tmp/artifacts/` for people to look at.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

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

    /// The page fits the phone: nothing wider than the viewport, and no script at all.
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
        assert_eq!(inner, 360, "phone viewport");
        assert!(
            scroll <= inner,
            "page is {scroll}px wide on a {inner}px phone"
        );
        let scripts = self
            .client
            .execute("return document.scripts.length;", vec![])
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
    c.find(Locator::Id("email"))
        .await
        .expect("email")
        .send_keys("admin@contoh.id")
        .await
        .expect("type");
    c.find(Locator::Id("password"))
        .await
        .expect("password")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    chrome.screenshot("login-360").await;
    c.find(Locator::Css("main button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    chrome
        .wait_for_text("header", "Pengguna admin@contoh.id")
        .await;
    chrome.assert_phone_friendly().await;
    chrome.stop().await;
}
