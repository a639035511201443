//! Test fixtures: a fresh database per test (SQLite file or PostgreSQL
//! database), and a `TestApp` that drives the real router in-process.
//!
//! - [`journey`]: the steps before the one a test is about, taken through the
//!   services and pages (a planned round opened, a resident who applies,
//!   registration closed, a round moved on), handing back typed handles.
//! - [`verification`]: a round in verification and its test schedule, built
//!   from those journeys and the admin API.
//! - [`api`] and [`admin`]: the JSON API as a signed-in browser calls it.
//! - [`smtp_sink`]: an SMTP server on loopback that keeps what it receives,
//!   and the MIME reading to check those mails.
//! - [`snap`]: redaction and the CI guard for insta snapshots (stored in
//!   `tests/it/snapshots/`; review a change with `cargo insta review`).

pub mod admin;
pub mod api;
pub mod journey;
pub mod shortcut;
pub mod smtp_sink;
pub mod snap;
pub mod verification;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use migration::{Migrator, MigratorTrait};
use pokmas::app::AppState;
use pokmas::config::{Config, Secret};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tempfile::TempDir;
use tower::ServiceExt;

/// A migrated database that lives as long as the value.
pub struct TestDb {
    pub db: DatabaseConnection,
    #[allow(dead_code, reason = "read only by tests that open a second connection")]
    pub url: String,
    /// Keeps the SQLite file (and any data dir) alive for the test.
    #[allow(dead_code, reason = "held for its Drop, which removes the directory")]
    pub dir: TempDir,
    /// `(server URL, database name)` of a PostgreSQL test database, dropped with the value.
    pg: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // A test database is dropped when its test ends, so runs do not pile
        // databases up; WITH (FORCE) ends the pool's connections still open.
        let Some((base, name)) = self.pg.take() else {
            return;
        };
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(admin) = pokmas::db::connect(&base).await {
                    let _ = admin
                        .execute_raw(Statement::from_string(
                            admin.get_database_backend(),
                            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                        ))
                        .await;
                    admin.close().await.ok();
                }
            });
        })
        .join();
    }
}

impl TestDb {
    /// A fresh SQLite file in a temporary directory, migrated.
    pub async fn sqlite() -> TestDb {
        Self::sqlite_with(None).await
    }

    /// [`TestDb::sqlite`] whose connections run `hook`'s SQL whenever they are
    /// opened or handed out (fault injection).
    pub async fn sqlite_with(hook: Option<pokmas::db::pool::SqliteAcquireHook>) -> TestDb {
        Self::sqlite_steps(hook, None).await
    }

    /// A fresh SQLite file migrated by only the first `steps` migrations
    /// (all with `None`): a database an older version left behind.
    pub async fn sqlite_steps(
        hook: Option<pokmas::db::pool::SqliteAcquireHook>,
        steps: Option<u32>,
    ) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("pokmas.db").display()
        );
        let db = pokmas::db::connect_with(&url, hook)
            .await
            .expect("open sqlite");
        Migrator::up(&db, steps).await.expect("migrate sqlite");
        TestDb {
            db,
            url,
            dir,
            pg: None,
        }
    }

    /// The SQLite database `pokmas.db` in the data folder `dir` (e.g. a
    /// restored one), migrated.
    #[allow(dead_code, reason = "used by the restore drill")]
    pub async fn sqlite_in(dir: TempDir) -> TestDb {
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("pokmas.db").display()
        );
        let db = pokmas::db::connect(&url).await.expect("open sqlite");
        Migrator::up(&db, None).await.expect("migrate sqlite");
        TestDb {
            db,
            url,
            dir,
            pg: None,
        }
    }

    /// A fresh PostgreSQL database created next to `TEST_DATABASE_URL`, migrated.
    ///
    /// Returns `None` (and says so) when `TEST_DATABASE_URL` is unset, unless `CI`
    /// is set: there the PostgreSQL suite must run, so its absence fails the test.
    pub async fn postgres() -> Option<TestDb> {
        Self::postgres_steps(None).await
    }

    /// [`TestDb::postgres`] migrated by only the first `steps` migrations
    /// (all with `None`).
    pub async fn postgres_steps(steps: Option<u32>) -> Option<TestDb> {
        let Ok(base) = std::env::var("TEST_DATABASE_URL") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but TEST_DATABASE_URL is not: the PostgreSQL suite must run in CI"
            );
            eprintln!("skipped: TEST_DATABASE_URL is not set, PostgreSQL test not run");
            return None;
        };
        let admin = pokmas::db::connect(&base)
            .await
            .expect("connect TEST_DATABASE_URL");
        let name = format!("pokmas_test_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_raw(Statement::from_string(
                admin.get_database_backend(),
                format!("CREATE DATABASE {name}"),
            ))
            .await
            .expect("create test database");
        let url = match base.rfind('/') {
            Some(i) => format!("{}/{name}", &base[..i]),
            None => panic!("TEST_DATABASE_URL has no database path: {base}"),
        };
        let db = pokmas::db::connect(&url)
            .await
            .expect("connect test database");
        Migrator::up(&db, steps).await.expect("migrate postgres");
        let dir = tempfile::tempdir().expect("temp dir");
        Some(TestDb {
            db,
            url,
            dir,
            pg: Some((base, name)),
        })
    }
}

/// A response as a test sees it.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    /// The `Location` header of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
}

/// The application on a fresh SQLite file, with the Samarinda regions loaded,
/// and a cookie jar so a test can act like one browser.
pub struct TestApp {
    pub state: AppState,
    pub db: TestDb,
    cookies: BTreeMap<String, String>,
    /// The client address requests come from, as the TCP listener would
    /// report it; `None` is the in-process "unknown peer".
    pub peer: Option<std::net::SocketAddr>,
    /// The installation's clock for throttle windows: it stands still at
    /// [`test_clock_start`] until a test moves it, so no throttle test
    /// depends on the time of day.
    pub clock: pokmas::clock::Clock,
}

/// Where every test's throttle clock starts: 14:59:59 UTC, one second before
/// a quarter-hour and an hour boundary, so a test that counted in fixed
/// windows would see its counters reset after a second.
pub fn test_clock_start() -> time::OffsetDateTime {
    time::macros::datetime!(2026-12-06 14:59:59 UTC)
}

impl TestApp {
    /// A new installation, as `pokmas serve` would start it.
    pub async fn new() -> TestApp {
        Self::on(TestDb::sqlite().await).await
    }

    /// A new installation on PostgreSQL, or `None` when `TEST_DATABASE_URL` is unset.
    #[allow(dead_code, reason = "used by the PostgreSQL variants of some journeys")]
    pub async fn postgres() -> Option<TestApp> {
        Some(Self::on(TestDb::postgres().await?).await)
    }

    /// A new installation on `db`.
    pub async fn on(db: TestDb) -> TestApp {
        pokmas::services::regions::seed_if_empty(&db.db)
            .await
            .expect("seed regions");
        let config = Config {
            data_dir: db.dir.path().to_path_buf(),
            database_url: db.url.clone(),
            addr: "127.0.0.1:0".parse().expect("addr"),
            base_url: "http://localhost".into(),
            smtp_url: None,
            mail_from: "Probebaya <noreply@pokmas.test>".into(),
            secret: Secret::from_hex(&"ab".repeat(32)).expect("secret"),
            checkpoint_seed: Secret::from_hex(&"cd".repeat(32)).expect("checkpoint seed"),
            trusted_proxies: vec![],
            max_upload_bytes: pokmas::storage::MAX_DOCUMENT_BYTES,
        };
        let clock = pokmas::clock::Clock::manual(test_clock_start());
        let state = AppState::with_clock(db.db.clone(), config, clock.clone()).expect("app state");
        TestApp {
            state,
            db,
            cookies: BTreeMap::new(),
            peer: None,
            clock,
        }
    }

    /// The same installation with its configuration changed by `change`
    /// (e.g. an `https://` base URL, which makes cookies `Secure`).
    pub fn reconfigured(mut self, change: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = self.state.config.clone();
        change(&mut config);
        self.state = AppState::with_clock(self.db.db.clone(), config, self.clock.clone())
            .expect("app state");
        self
    }

    /// `req` with this browser's cookies and peer address, ready for the
    /// router; lets a test send several requests at the same moment.
    pub fn prepare(&self, mut req: Request<Body>) -> Request<Body> {
        if !self.cookies.is_empty() {
            let jar = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req.headers_mut()
                .insert(header::COOKIE, jar.parse().expect("cookie header"));
        }
        if let Some(peer) = self.peer {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        req
    }

    /// Sends a request through the real router, keeping cookies like a browser.
    pub async fn send(&mut self, req: Request<Body>) -> TestResponse {
        let req = self.prepare(req);
        let res = pokmas::router::router(self.state.clone())
            .oneshot(req)
            .await
            .expect("router");
        for v in res.headers().get_all(header::SET_COOKIE) {
            let s = v.to_str().expect("cookie");
            let pair = s.split(';').next().unwrap_or_default();
            if let Some((k, v)) = pair.split_once('=') {
                let expired = s.to_ascii_lowercase().contains("max-age=0");
                if expired {
                    self.cookies.remove(k.trim());
                } else {
                    self.cookies
                        .insert(k.trim().to_owned(), v.trim().to_owned());
                }
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }

    /// `POST path` with an urlencoded form.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }

    /// The hidden CSRF token of the form on the page at `path`.
    pub async fn csrf_from(&mut self, path: &str) -> String {
        let page = self.get(path).await;
        hidden_value(&page.body, "csrf").unwrap_or_else(|| panic!("no csrf field on {path}"))
    }

    /// Creates an account through the same service the CLI uses.
    pub async fn create_user(
        &self,
        email: &str,
        role: pokmas::domain::role::Role,
        kelurahan: &[&str],
    ) -> uuid::Uuid {
        pokmas::services::accounts::create_account(
            &self.db.db,
            pokmas::db::audit::Actor::System,
            pokmas::services::accounts::NewAccount {
                email: email.into(),
                name: format!("Pengguna {email}"),
                role,
                kelurahan: kelurahan.iter().map(|s| (*s).to_owned()).collect(),
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("create user")
    }

    /// Logs in through the login form.
    pub async fn login(&mut self, email: &str, password: &str) -> TestResponse {
        let csrf = self.csrf_from("/masuk").await;
        self.post_form(
            "/masuk",
            &[("csrf", &csrf), ("email", email), ("password", password)],
        )
        .await
    }
}

/// Where an anonymous `GET path` is sent: the login page, which leads back.
#[allow(dead_code, reason = "used by the authorization sweeps")]
pub fn login_redirect(path: &str) -> String {
    format!("/masuk?lanjut={}", pokmas::views::layout::urlencode(path))
}

/// One browser's cookies, so a test can act as several browsers of one person.
#[allow(dead_code, reason = "used by the accounts journeys")]
#[derive(Clone, Debug, Default)]
pub struct Browser(BTreeMap<String, String>);

#[allow(dead_code, reason = "used by the accounts journeys")]
impl TestApp {
    /// The value of this browser's cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.get(name).cloned()
    }

    /// Sets this browser's cookie `name` (as a planted cookie would be).
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    /// Continues with `other`'s cookies and hands back the current ones.
    pub fn switch_browser(&mut self, other: Browser) -> Browser {
        Browser(std::mem::replace(&mut self.cookies, other.0))
    }

    /// The mail queued for `to` most recently.
    pub async fn last_mail_to(&self, to: &str) -> pokmas::db::entities::mail_outbox::Model {
        self.mails_to(to)
            .await
            .pop()
            .unwrap_or_else(|| panic!("no mail queued for {to}"))
    }

    /// Every mail queued for `to`, oldest first.
    pub async fn mails_to(&self, to: &str) -> Vec<pokmas::db::entities::mail_outbox::Model> {
        use pokmas::db::entities::mail_outbox;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        mail_outbox::Entity::find()
            .filter(mail_outbox::Column::ToAddress.eq(to))
            .order_by_asc(mail_outbox::Column::Id)
            .all(&self.db.db)
            .await
            .expect("read outbox")
    }

    /// The site-relative link (path and query) starting with `path` in a mail's text.
    pub fn link_in(mail: &pokmas::db::entities::mail_outbox::Model, path: &str) -> String {
        let marker = format!("http://localhost{path}");
        let start = mail
            .body_text
            .find(&marker)
            .unwrap_or_else(|| panic!("no {path} link in: {}", mail.body_text));
        let rest = &mail.body_text[start + "http://localhost".len()..];
        rest.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// Registers through the form.
    pub async fn register(&mut self, name: &str, email: &str, password: &str) -> TestResponse {
        let csrf = self.csrf_from("/daftar").await;
        self.post_form(
            "/daftar",
            &[
                ("csrf", &csrf),
                ("name", name),
                ("email", email),
                ("password", password),
                ("password_confirm", password),
            ],
        )
        .await
    }

    /// Asks for a password-reset mail through the form.
    pub async fn request_reset(&mut self, email: &str) -> TestResponse {
        let csrf = self.csrf_from("/lupa-sandi").await;
        self.post_form("/lupa-sandi", &[("csrf", &csrf), ("email", email)])
            .await
    }

    /// The audit actions recorded so far, in order.
    pub async fn audit_actions(&self) -> Vec<(String, String)> {
        use pokmas::db::entities::audit_event;
        use sea_orm::{EntityTrait, QueryOrder};
        audit_event::Entity::find()
            .order_by_asc(audit_event::Column::Seq)
            .all(&self.db.db)
            .await
            .expect("read trail")
            .into_iter()
            .map(|e| (e.action, e.payload))
            .collect()
    }
}

/// The password `create_user` gives every account.
pub const PASSWORD: &str = "kata-sandi-rahasia-1";

/// The `value` of the hidden input called `name` in an HTML page.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&amp;", "&")
            .replace("&#x2B;", "+")
            .replace("&#43;", "+"),
    )
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A checkpoint signing key for tests that call services without a `TestApp`.
pub fn checkpoint_key() -> pokmas::services::checkpoints::CheckpointKey {
    pokmas::services::checkpoints::CheckpointKey::new("http://localhost", &[0xcd; 32])
        .expect("checkpoint key")
}

/// Posts `fields` to `action` with the CSRF token of the form on
/// `form_page`, as a browser that loaded the page first would.
pub async fn post_with_csrf(
    app: &mut TestApp,
    form_page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> TestResponse {
    let csrf = app.csrf_from(form_page).await;
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_form(action, &all).await
}
