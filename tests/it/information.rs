//! The information section, messages without e-mail and open statistics:
//! what a resident on a phone, the city's website and a journalist see.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use pokmas::db::entities::{application, mail_outbox, message_consent};
use pokmas::domain::role::Role;
use pokmas::sms::{GatewaySettings, SmsMessage, SmsTransport};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::support::{PASSWORD, TestApp, TestDb, hidden_value};

/// The `href`s of a page, in order.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| s.replace("&amp;", "&"))
        .collect()
}

/// The first link whose text (up to the closing tag) contains `text`.
fn link_with_text(html: &str, text: &str) -> Option<String> {
    html.split("<a ").skip(1).find_map(|a| {
        let href = a.split("href=\"").nth(1)?.split('"').next()?;
        let inner = a.split('>').nth(1)?.split("</a").next()?;
        inner.contains(text).then(|| href.replace("&amp;", "&"))
    })
}

#[tokio::test]
async fn on_the_demo_a_resident_finds_help_desk_and_sop_feeds_and_texts_reach_desk_registrants() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, db) = crate::demo::demo(dir.path(), &["--seed", "3"]).await;
    assert_eq!(code, 0);
    let get = |path: String| {
        let dir = dir.path().to_path_buf();
        let db = db.clone();
        async move { crate::demo::get(&dir, &db, &path).await }
    };

    // Two taps from the home page: "Informasi" → the kelurahan's help desk,
    // and "Informasi" → the SOP's PDF.
    let (status, home) = get("/".into()).await;
    assert_eq!(status, StatusCode::OK);
    let info = link_with_text(&home, "help desk").expect("home links the information page");
    let (status, info_page) = get(info.clone()).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    // The small demo's kelurahan lie in kecamatan Samarinda Kota (64.72.09).
    let kelurahan = links(&info_page)
        .into_iter()
        .find(|l| l.starts_with("/informasi/kelurahan/64.72.09."))
        .expect("a link to a demo kelurahan");
    let (status, desk) = get(kelurahan.clone()).await;
    assert_eq!(status, StatusCode::OK, "{kelurahan}");
    assert!(
        desk.contains("ruang pelayanan Probebaya"),
        "its own desk: {desk}"
    );
    assert!(
        desk.contains("href=\"tel:"),
        "a phone number to call: {desk}"
    );
    assert!(desk.contains("https://wa.me/62"), "a WhatsApp link");
    assert!(desk.contains("WITA"), "opening hours");
    let sop = link_with_text(&info_page, "(PDF)").expect("an SOP link on the information page");
    let (status, pdf) = get(sop.clone()).await;
    assert_eq!(status, StatusCode::OK, "{sop}");
    assert!(pdf.starts_with("%PDF-"), "{sop} is the PDF");
    assert!(
        info_page.contains("/informasi/sop/pelayanan-help-desk/1"),
        "the earlier version stays listed"
    );

    // The Atom feed is well-formed XML and lists the demo's announcements.
    let (status, xml) = get("/informasi/feed.atom".into()).await;
    assert_eq!(status, StatusCode::OK);
    let feed: atom_syndication::Feed = xml.parse().expect("the feed parses as Atom XML");
    let titles: Vec<String> = feed
        .entries()
        .iter()
        .map(|e| e.title().value.clone())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t == "Pendaftaran anggota Pokmas Probebaya dibuka"),
        "{titles:?}"
    );
    assert!(titles.len() >= 4, "{titles:?}");
    let kel_code = kelurahan.trim_start_matches("/informasi/kelurahan/");
    let (_, json) = get(format!("/api/v1/announcements?kelurahan={kel_code}")).await;
    let list: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert!(list.as_array().is_some_and(|l| l.len() >= 2), "{json}");

    // A desk registrant who consented has a text for each stage so far.
    let consents = message_consent::Entity::find()
        .all(&db)
        .await
        .expect("consents");
    assert!(!consents.is_empty(), "the demo records consent at the desk");
    let mut complete = None;
    for c in &consents {
        let texts = mail_outbox::Entity::find()
            .filter(mail_outbox::Column::ToAddress.eq(c.phone.clone()))
            .all(&db)
            .await
            .expect("outbox");
        let kinds: Vec<&str> = texts.iter().map(|t| t.template.as_str()).collect();
        if [
            "sms_receipt",
            "sms_invitation",
            "sms_result",
            "sms_objection_window",
        ]
        .iter()
        .all(|k| kinds.contains(k))
        {
            complete = Some((c.clone(), texts));
            break;
        }
    }
    let (consent, texts) = complete.expect("one desk registrant with a text per stage");
    let app = application::Entity::find_by_id(consent.application_id)
        .one(&db)
        .await
        .expect("app")
        .expect("exists");
    assert!(app.account_id.is_none(), "registered at the desk");
    let secret = pokmas::config::Secret::load_or_create(None, dir.path()).expect("secret");
    let vault = pokmas::pii::NikVault::new(&secret);
    let address = pokmas::services::data_keys::personal_of(&db, &vault, &app)
        .await
        .expect("personal")
        .address;
    assert!(!address.is_empty(), "the desk registrant has an address");
    let first = app.full_name.split_whitespace().next().expect("name");
    let no = app.registration_no.clone().expect("number");
    for t in &texts {
        assert!(
            t.body_text.contains(first) && t.body_text.contains(&no),
            "{}",
            t.body_text
        );
        let rest: Vec<&str> = app.full_name.split_whitespace().skip(1).collect();
        for part in rest {
            assert!(
                !t.body_text.contains(part),
                "only the first name: {}",
                t.body_text
            );
        }
        assert!(!t.body_text.contains(&address), "no address");
    }
    // By default the worker writes them as files.
    let out = dir.path().join("sms");
    let transport = SmsTransport::File { dir: out.clone() };
    let report = pokmas::sms::worker::drain_once(&db, &transport, time::OffsetDateTime::now_utc())
        .await
        .expect("drain");
    assert!(report.sent >= 4, "{report:?}");
    let files = std::fs::read_dir(&out).expect("sms dir").count();
    assert!(files >= 4, "{files} files");

    // Open statistics: the CSV downloads without signing in and hides small counts.
    let slug = pokmas::db::entities::round::Entity::find()
        .one(&db)
        .await
        .expect("round")
        .expect("exists")
        .slug;
    let (status, page) = get(format!("/seleksi/{slug}/statistik")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("/seleksi/{slug}/statistik.csv")));
    let (status, csv) = get(format!("/seleksi/{slug}/statistik.csv")).await;
    assert_eq!(status, StatusCode::OK);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("level,kecamatan,kelurahan_code,kelurahan,stage,group,count")
    );
    let counts: Vec<&str> = lines.filter_map(|l| l.rsplit(',').next()).collect();
    assert!(counts.contains(&"<5"), "small counts are hidden");
    for c in &counts {
        if let Ok(n) = c.parse::<u64>() {
            assert!(n == 0 || n >= 5, "a count of {n} would single someone out");
        }
    }
    assert!(
        csv.contains("city,,,,applied,total,"),
        "a city-wide total: {csv}"
    );
    no_hidden_count_follows_from_a_published_sum(&csv);
}

/// A kecamatan's count is the sum of its kelurahan, and the city's the sum
/// of its kecamatan: where the sum is shown, one hidden part would follow by
/// subtraction; where the sum is hidden and every part shown, by addition.
fn no_hidden_count_follows_from_a_published_sum(csv: &str) {
    use std::collections::BTreeMap;
    /// (stage, group, parent) → (sum shown?, parts hidden, parts)
    type Sums = BTreeMap<(String, String, String), (Option<bool>, usize, usize)>;
    let mut sums = Sums::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (level, kec, stage, group, count) = (f[0], f[1], f[4], f[5], f[6]);
        let hidden = count == "<5";
        let key = |parent: &str| (stage.to_owned(), group.to_owned(), parent.to_owned());
        match level {
            "city" => sums.entry(key("city")).or_default().0 = Some(!hidden),
            "kecamatan" => {
                sums.entry(key(&format!("kec:{kec}"))).or_default().0 = Some(!hidden);
                let e = sums.entry(key("city")).or_default();
                e.1 += usize::from(hidden);
                e.2 += 1;
            }
            _ => {
                let e = sums.entry(key(&format!("kec:{kec}"))).or_default();
                e.1 += usize::from(hidden);
                e.2 += 1;
            }
        }
    }
    let mut checked = 0;
    for ((stage, group, parent), (shown, hidden, parts)) in &sums {
        let shown = shown.expect("every sum has its row");
        let one_unknown = if shown {
            *hidden == 1
        } else {
            *hidden == 0 && *parts > 0
        };
        assert!(
            !one_unknown,
            "{stage}/{group} under {parent}: sum shown {shown}, {hidden} of {parts} parts hidden"
        );
        checked += 1;
    }
    assert!(checked > 50, "{checked} sums checked");
}

/// A tiny HTTP server on loopback standing in for an SMS/WhatsApp gateway:
/// it records each request and answers with the next status of `answers`.
async fn sink(
    answers: Vec<u16>,
) -> (
    String,
    Arc<Mutex<Vec<(String, String, String)>>>,
    tokio::task::JoinHandle<()>,
) {
    use axum::http::HeaderMap;
    let seen: Arc<Mutex<Vec<(String, String, String)>>> = Arc::default();
    let answers = Arc::new(Mutex::new(answers.into_iter()));
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/kirim",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let record = record.clone();
            let answers = answers.clone();
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                record
                    .lock()
                    .expect("lock")
                    .push((h("authorization"), h("content-type"), body));
                let code = answers.lock().expect("lock").next().unwrap_or(200);
                StatusCode::from_u16(code).expect("status")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (format!("http://{addr}/kirim"), seen, server)
}

async fn queue_text(db: &sea_orm::DatabaseConnection) -> uuid::Uuid {
    let tx = pokmas::db::begin_write(db).await.expect("begin");
    let id = pokmas::sms::enqueue(
        &tx,
        "6281234567890",
        pokmas::sms::Channel::WhatsApp,
        &SmsMessage::Receipt {
            first_name: "Siti".into(),
            registration_no: "2026-1001-0007".into(),
        },
    )
    .await
    .expect("queue");
    tx.commit().await.expect("commit");
    id
}

#[tokio::test]
async fn the_gateway_transport_posts_the_template_with_its_key_and_retries_with_backoff() {
    let tdb = TestDb::sqlite().await;
    let db = &tdb.db;
    let (url, seen, server) = sink(vec![503, 200]).await;
    let settings = GatewaySettings::new(
        &url,
        Some("Bearer rahasia".into()),
        r#"{"target":"{to}","message":"{message}","type":"{channel}"}"#,
        "json",
    )
    .expect("settings");
    let transport = SmsTransport::gateway(settings);
    let id = queue_text(db).await;

    // The gateway is down: the text waits for a retry after the backoff.
    // (Times are relative to when the text was queued.)
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("whole second");
    let first = pokmas::sms::worker::drain_once(db, &transport, now)
        .await
        .expect("drain");
    assert_eq!((first.sent, first.retrying), (0, 1), "{first:?}");
    let row = mail_outbox::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("row")
        .expect("exists");
    assert_eq!(row.status.as_str(), "pending");
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("503")
    );
    assert_eq!(
        row.next_attempt_at,
        now + pokmas::mail::backoff(1),
        "retried after the outbox's backoff"
    );
    // Not before then.
    let early = pokmas::sms::worker::drain_once(db, &transport, now + time::Duration::seconds(30))
        .await
        .expect("drain");
    assert_eq!(early.claimed, 0);

    // Back up: it goes out.
    let later = pokmas::sms::worker::drain_once(db, &transport, now + time::Duration::minutes(2))
        .await
        .expect("drain");
    assert_eq!(later.sent, 1, "{later:?}");
    let requests = seen.lock().expect("lock").clone();
    assert_eq!(requests.len(), 2);
    let (auth, content_type, body) = &requests[1];
    assert_eq!(auth, "Bearer rahasia");
    assert_eq!(content_type, "application/json");
    let v: serde_json::Value = serde_json::from_str(body).expect(body);
    assert_eq!(v["target"], "6281234567890");
    assert_eq!(v["type"], "whatsapp");
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("Siti") && m.contains("2026-1001-0007")),
        "{body}"
    );
    server.abort();
}

#[tokio::test]
async fn a_text_the_gateway_refuses_is_given_up_and_shows_on_the_admin_dashboard() {
    let mut app = TestApp::new().await;
    let (url, _, server) = sink(vec![400]).await;
    let transport = SmsTransport::gateway(
        GatewaySettings::new(&url, None, "target={to}&message={message}", "form").expect("ok"),
    );
    queue_text(&app.db.db).await;
    let now = time::OffsetDateTime::now_utc();
    let report = pokmas::sms::worker::drain_once(&app.db.db, &transport, now)
        .await
        .expect("drain");
    assert_eq!(report.failed, 1, "{report:?}");
    server.abort();

    app.create_user("admin@kota.id", Role::Admin, &[]).await;
    app.login("admin@kota.id", PASSWORD).await;
    let page = app.get("/admin/informasi").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Gagal"), "{}", page.body);
    assert!(
        page.body.contains("sms_receipt"),
        "the failed text is listed"
    );
    assert!(page.body.contains("400"), "with the gateway's answer");
    assert!(page.body.contains("••••••••••890"), "the number masked");
    assert!(!page.body.contains("6281234567890"), "never in full");
}

#[tokio::test]
async fn admins_publish_announcements_into_page_feed_and_trail_and_bad_input_is_kept() {
    let mut app = TestApp::new().await;
    app.create_user("admin@kota.id", Role::Admin, &[]).await;
    app.login("admin@kota.id", PASSWORD).await;
    let csrf = app.csrf_from("/admin/informasi").await;

    // A missing title: 422, the typed text kept, the field named.
    let refused = app
        .post_form(
            "/admin/informasi/pengumuman",
            &[("csrf", &csrf), ("title", ""), ("body", "Isi **tetap**")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Judul wajib diisi"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Isi **tetap**"), "the text is kept");

    let csrf = hidden_value(&refused.body, "csrf").expect("csrf");
    let ok = app
        .post_form(
            "/admin/informasi/pengumuman",
            &[
                ("csrf", &csrf),
                ("title", "Rapat warga <RT 05> & posyandu"),
                (
                    "body",
                    "Datang **tepat waktu**.\n\n<script>alert(1)</script>[x](javascript:alert(2))",
                ),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let info = app.get("/informasi").await;
    let href = links(&info.body)
        .into_iter()
        .find(|l| l.starts_with("/informasi/pengumuman/"))
        .expect("listed");
    let page = app.get(&href).await;
    assert!(page.body.contains("<strong>tepat waktu</strong>"));
    assert!(!page.body.contains("<script>alert"), "sanitised");
    assert!(!page.body.contains("href=\"javascript:"), "sanitised");

    let feed = app.get("/informasi/feed.atom").await;
    assert_eq!(
        feed.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/atom+xml; charset=utf-8")
    );
    let parsed: atom_syndication::Feed = feed.body.parse().expect("valid Atom XML");
    assert_eq!(
        parsed.entries()[0].title().value,
        "Rapat warga <RT 05> & posyandu",
        "escaped by the XML writer and read back whole"
    );
    let actions = app.audit_actions().await;
    assert!(
        actions.iter().any(|(a, _)| a == "announcement.published"),
        "{actions:?}"
    );

    // The same list as JSON, described in the OpenAPI document.
    let json = app.get("/api/v1/announcements").await;
    let list: serde_json::Value = serde_json::from_str(&json.body).expect("json");
    assert_eq!(list[0]["title"], "Rapat warga <RT 05> & posyandu");
    assert!(
        list[0]["body_html"]
            .as_str()
            .is_some_and(|h| h.contains("<strong>tepat waktu</strong>") && !h.contains("<script"))
    );
    let doc: serde_json::Value =
        serde_json::from_str(&app.get("/api/openapi.json").await.body).expect("openapi");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.contains_key("/api/v1/announcements"), "{paths:?}");
    assert!(paths.contains_key("/api/v1/help-desks"), "{paths:?}");
}

#[tokio::test]
async fn an_operator_manages_only_their_own_kelurahan() {
    let mut app = TestApp::new().await;
    app.create_user("op@kota.id", Role::Operator, &["64.72.01.1001"])
        .await;
    app.login("op@kota.id", PASSWORD).await;
    let csrf = app.csrf_from("/admin/informasi").await;
    // City-wide is for admins.
    let refused = app
        .post_form(
            "/admin/informasi/pengumuman",
            &[
                ("csrf", &csrf),
                ("title", "Judul"),
                ("body", "Isi"),
                ("kelurahan", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Pilih kelurahan yang Anda layani"));
    // Another kelurahan's help desk is not theirs.
    let other = app.get("/admin/informasi/help-desk/64.72.01.1002").await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    // Their own is.
    let csrf = app
        .csrf_from("/admin/informasi/help-desk/64.72.01.1001")
        .await;
    let saved = app
        .post_form(
            "/admin/informasi/help-desk/64.72.01.1001",
            &[
                ("csrf", &csrf),
                ("address", "Kantor Kelurahan"),
                ("opening_hours", "Senin–Jumat 08.00–15.00 WITA"),
                ("phone", "0541 123456"),
                ("whatsapp", "0812-3456-7890"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let public = app.get("/informasi/kelurahan/64.72.01.1001").await;
    assert!(public.body.contains("https://wa.me/6281234567890"));
    assert!(public.body.contains("0541 123456"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_help_desk_and_the_sop_are_two_taps_from_home() {
    use fantoccini::Locator;
    use pokmas::services::info_docs::{self as docs, HelpDeskInput, SopInput};
    use pokmas::services::information::Editor;

    let mut app = TestApp::new().await;
    let admin = Editor {
        actor: pokmas::db::audit::Actor::System,
        role: Role::Admin,
        scopes: &[],
    };
    let now = time::OffsetDateTime::now_utc();
    docs::set_help_desk(
        &app.db.db,
        admin,
        "64.72.01.1001",
        &HelpDeskInput {
            address: "Kantor Kelurahan, ruang pelayanan Probebaya, Jl. Contoh No. 1".into(),
            opening_hours: "Senin–Jumat 08.00–15.00 WITA".into(),
            phone: "0541 123456".into(),
            whatsapp: "081234567890".into(),
        },
        now,
    )
    .await
    .expect("help desk");
    docs::publish_sop(
        &app.db.db,
        &app.state.files(),
        admin,
        &SopInput {
            title: "SOP Pelayanan Help Desk".into(),
            slug: String::new(),
            effective_from: "2026-12-01".into(),
            kelurahan: String::new(),
        },
        "sop.pdf",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
        now,
    )
    .await
    .expect("sop");
    let pdf = app.get("/informasi/sop/sop-pelayanan-help-desk").await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF-"));

    let base = crate::browser::serve(&app).await;
    let Some(chrome) = crate::browser::Chrome::start().await else {
        return;
    };
    let c = &chrome.client;
    c.goto(&format!("{base}/")).await.expect("home");
    // Tap 1: the information page.
    c.find(Locator::LinkText("Informasi, SOP dan help desk kelurahan"))
        .await
        .expect("link on the home page")
        .click()
        .await
        .expect("tap");
    chrome
        .wait_for_text("h1", "Informasi, SOP dan help desk")
        .await;
    chrome.assert_phone_friendly().await;
    chrome.screenshot("informasi-360").await;
    // Tap 2 (either): the SOP's PDF is a visible link here…
    let sop = c
        .find(Locator::Css(
            "a[href='/informasi/sop/sop-pelayanan-help-desk']",
        ))
        .await
        .expect("the SOP link");
    assert!(
        sop.is_displayed().await.expect("displayed"),
        "visible without unfolding anything"
    );
    // …and so is the kelurahan's help desk.
    c.find(Locator::Css("a[href='/informasi/kelurahan/64.72.01.1001']"))
        .await
        .expect("the kelurahan link")
        .click()
        .await
        .expect("tap");
    let text = chrome.wait_for_text("main", "0541 123456").await;
    assert!(text.contains("Senin–Jumat 08.00–15.00 WITA"), "{text}");
    chrome.assert_phone_friendly().await;
    chrome.screenshot("help-desk-360").await;
    chrome.stop().await;
}

#[tokio::test]
async fn the_mail_worker_leaves_texts_to_the_text_worker_and_back() {
    let tdb = TestDb::sqlite().await;
    let db = &tdb.db;
    let from: pokmas::mail::Mailbox = "Probebaya <noreply@pokmas.test>".parse().expect("from");
    let tx = pokmas::db::begin_write(db).await.expect("begin");
    pokmas::mail::enqueue(
        &tx,
        "siti@example.id",
        "Siti",
        pokmas::mail::Locale::Id,
        &pokmas::mail::Template::Test {
            name: "Siti".into(),
        },
        &from,
    )
    .await
    .expect("mail");
    tx.commit().await.expect("commit");
    let text = queue_text(db).await;
    let now = time::OffsetDateTime::now_utc();

    // The e-mail worker sends the mail and does not touch the text (which has
    // no e-mail address and would otherwise be given up as undeliverable).
    let mail = pokmas::mail::Transport::memory();
    let report = pokmas::mail::drain_once(db, &mail, &from, now)
        .await
        .expect("mail drain");
    assert_eq!((report.claimed, report.sent), (1, 1), "{report:?}");
    let row = mail_outbox::Entity::find_by_id(text)
        .one(db)
        .await
        .expect("row")
        .expect("exists");
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 0));

    // The text worker sends the text and leaves the (sent) mail alone.
    let texts = SmsTransport::memory();
    let report = pokmas::sms::worker::drain_once(db, &texts, now)
        .await
        .expect("text drain");
    assert_eq!((report.claimed, report.sent), (1, 1), "{report:?}");
    let sent = texts.sent();
    assert_eq!(sent[0].to, "6281234567890");
    assert_eq!(sent[0].channel, "whatsapp");
}
