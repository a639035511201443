//! P2 over HTTP: the same application as a browser sends it, to the real
//! router served on loopback by the server's own listener: the area step's
//! POST, then the form's multipart POST with both documents and
//! `action=submit`, each with the resident's session cookie and CSRF token.
//! Signing in and reading the form (argon2, the pages) happen before the
//! clock starts, as they do before a resident presses "submit".
//!
//! `P2_HTTP_INSTANCES=2` serves the same database from two instances (each
//! its own router, state and connection pool, as two processes behind nginx
//! would be) and alternates the residents between them. Requests carry a
//! distinct `X-Forwarded-For` per resident from a trusted loopback proxy,
//! so the per-address throttles see residents, not the benchmark.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::*;

/// One instance: its address and what stops it.
struct Instance {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// A resident's browser, signed in, holding the form's hidden values.
struct Signed {
    base: String,
    forwarded: String,
    cookies: String,
    csrf: String,
    key: String,
}

async fn start_instance(w: &World, db: DatabaseConnection) -> anyhow::Result<Instance> {
    let config = pokmas::config::Config {
        data_dir: w.dir.clone(),
        database_url: w.url.clone(),
        addr: "127.0.0.1:0".parse()?,
        base_url: "http://localhost".into(),
        smtp_url: None,
        mail_from: "Probebaya Samarinda <noreply@bench.pokmas.id>".into(),
        secret: Secret::from_hex(&"ab".repeat(32))?,
        checkpoint_seed: Secret::from_hex(&"cd".repeat(32))?,
        trusted_proxies: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
        max_upload_bytes: pokmas::storage::MAX_DOCUMENT_BYTES,
    };
    let state = pokmas::app::AppState::new(db, config)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let deadlines = pokmas::ops::listen::Deadlines {
        header_read: Duration::from_secs(30),
        idle: Duration::from_secs(60),
        shutdown_grace: Duration::from_secs(10),
    };
    let served = tokio::spawn(pokmas::ops::listen::serve(
        listener,
        pokmas::router::router(state),
        deadlines,
        async {
            let _ = stopped.await;
        },
    ));
    Ok(Instance { addr, stop, served })
}

/// The `Set-Cookie` values of `res` merged into a `Cookie` header.
fn merge_cookies(jar: &mut BTreeMap<String, String>, res: &reqwest::Response) {
    for v in res.headers().get_all(reqwest::header::SET_COOKIE) {
        if let Some((pair, _)) = v.to_str().unwrap_or_default().split_once(';')
            && let Some((k, v)) = pair.split_once('=')
        {
            jar.insert(k.trim().to_owned(), v.trim().to_owned());
        }
    }
}

fn cookie_header(jar: &BTreeMap<String, String>) -> String {
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The value of the hidden input `name` in a page.
fn hidden(html: &str, name: &str) -> anyhow::Result<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .with_context(|| format!("no hidden {name} in the page"))?
        + marker.len();
    let end = html[start..].find('"').context("unterminated value")? + start;
    Ok(html[start..end]
        .replace("&amp;", "&")
        .replace("&#x2B;", "+")
        .replace("&#43;", "+"))
}

fn form_encode(fields: &[(&str, &str)]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Signs resident `i` in on `base` and reads the area step's hidden values.
async fn sign_in(
    client: &reqwest::Client,
    base: String,
    w: &World,
    slug: &str,
    p: &Prepared,
) -> anyhow::Result<Signed> {
    let r = &w.residents[p.resident];
    // 10.x.y.z: one address per resident, as nginx would forward it.
    let n = u32::try_from(p.resident)?;
    let forwarded = Ipv4Addr::from(0x0A00_0000 | (n + 1)).to_string();
    let mut jar = BTreeMap::new();
    let page = client
        .get(format!("{base}/masuk"))
        .header("X-Forwarded-For", &forwarded)
        .send()
        .await?;
    merge_cookies(&mut jar, &page);
    let csrf = hidden(&page.text().await?, "csrf")?;
    let res = client
        .post(format!("{base}/masuk"))
        .header("X-Forwarded-For", &forwarded)
        .header(reqwest::header::COOKIE, cookie_header(&jar))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(form_encode(&[
            ("csrf", &csrf),
            ("email", &r.email),
            ("password", &bench_password(&r.email)),
        ]))
        .send()
        .await?;
    ensure!(
        res.status() == reqwest::StatusCode::SEE_OTHER,
        "sign-in of {} answered {}",
        r.email,
        res.status()
    );
    merge_cookies(&mut jar, &res);
    let kec = p.kelurahan.get(..8).unwrap_or(KECAMATAN);
    let page = client
        .get(format!(
            "{base}/seleksi/{slug}/daftar?kecamatan={kec}&kelurahan={}",
            p.kelurahan
        ))
        .header("X-Forwarded-For", &forwarded)
        .header(reqwest::header::COOKIE, cookie_header(&jar))
        .send()
        .await?;
    ensure!(
        page.status().is_success(),
        "area step answered {}",
        page.status()
    );
    merge_cookies(&mut jar, &page);
    let html = page.text().await?;
    Ok(Signed {
        base,
        forwarded,
        cookies: cookie_header(&jar),
        csrf: hidden(&html, "csrf")?,
        key: hidden(&html, "idempotency_key")?,
    })
}

/// The form's multipart body: every field, the declarations, `action=submit`
/// and the two documents under their requirement's input.
fn multipart(p: &Prepared, csrf: &str) -> (String, Vec<u8>) {
    let boundary = "pokmasBenchBoundary7MA4YWxk";
    let mut body = Vec::new();
    let mut field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    field("csrf", csrf);
    for (k, v) in &p.fields.0.0 {
        field(k, v);
    }
    field("action", "submit");
    for (name, file, ty, bytes) in [
        ("doc_KTP", "ktp.pdf", "application/pdf", &p.pdf),
        ("doc_KK", "kk.png", "image/png", &p.png),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: {ty}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// One application over HTTP; returns how long the form POST took.
async fn apply_http(
    client: &reqwest::Client,
    slug: &str,
    p: &Prepared,
    s: &Signed,
) -> anyhow::Result<Duration> {
    let res = client
        .post(format!("{}/seleksi/{slug}/daftar", s.base))
        .header("X-Forwarded-For", &s.forwarded)
        .header(reqwest::header::COOKIE, &s.cookies)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(form_encode(&[
            ("csrf", &s.csrf),
            ("idempotency_key", &s.key),
            ("kelurahan", &p.kelurahan),
            ("rt", &p.rt.to_string()),
        ]))
        .send()
        .await?;
    ensure!(
        res.status() == reqwest::StatusCode::SEE_OTHER,
        "the area step answered {}",
        res.status()
    );
    let form = res
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .context("the area step names the form")?
        .to_owned();
    let started = Instant::now();
    let (content_type, body) = multipart(p, &s.csrf);
    let res = client
        .post(format!("{}{form}", s.base))
        .header("X-Forwarded-For", &s.forwarded)
        .header(reqwest::header::COOKIE, &s.cookies)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await?;
    let status = res.status();
    if status != reqwest::StatusCode::SEE_OTHER {
        let text = res.text().await.unwrap_or_default();
        let hint: String = text
            .split("class=\"error")
            .nth(1)
            .unwrap_or(&text)
            .chars()
            .take(300)
            .collect();
        anyhow::bail!("the form POST answered {status}: {hint}");
    }
    Ok(started.elapsed())
}

pub(crate) async fn p2_http(
    w: &Arc<World>,
    ops: usize,
    runs: usize,
    conc: usize,
    instances: usize,
    year_offset: i32,
) -> anyhow::Result<Vec<Run>> {
    // The client speaks plain HTTP on loopback, but reqwest is built with
    // rustls and needs its provider chosen, as the server's own client does.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(conc)
        .build()?;
    let mut out = Vec::new();
    for run in 0..runs {
        let started = Instant::now();
        // Each round is another year's recruitment: registration numbers
        // are unique across rounds.
        let (round_id, _) = draft_round(
            w,
            &format!("Bench P2 HTTP run {}", run + 1),
            year_offset + i32::try_from(run)?,
        )
        .await?;
        move_round(w, round_id, RoundState::Registration, w.clock.at(-21, 8)).await?;
        let slug = rounds::load(&w.load, round_id).await?.round.slug;
        let mut servers = Vec::new();
        for n in 0..instances {
            let db = if n == 0 {
                w.db.clone()
            } else {
                pokmas::db::connect(&w.url).await?
            };
            servers.push(start_instance(w, db).await?);
        }
        let bases: Vec<String> = servers
            .iter()
            .map(|s| format!("http://{}", s.addr))
            .collect();
        let prepared: Arc<Vec<Prepared>> =
            Arc::new((0..ops).map(|i| prepare(w, 100 + run, i)).collect());
        let signed = Arc::new(std::sync::Mutex::new(Vec::with_capacity(ops)));
        {
            let (w2, p2, s2, c2, b2, slug2) = (
                w.clone(),
                prepared.clone(),
                signed.clone(),
                client.clone(),
                bases.clone(),
                slug.clone(),
            );
            let op: Op = Arc::new(move |i| {
                let (w, prepared, signed, client, bases, slug) = (
                    w2.clone(),
                    p2.clone(),
                    s2.clone(),
                    c2.clone(),
                    b2.clone(),
                    slug2.clone(),
                );
                Box::pin(async move {
                    let base = bases[i % bases.len()].clone();
                    let s = sign_in(&client, base, &w, &slug, &prepared[i]).await?;
                    signed
                        .lock()
                        .map_err(|_| anyhow::anyhow!("poisoned"))?
                        .push((i, s));
                    Ok(None)
                })
            });
            drive(ops, conc, op).await?;
        }
        let mut by_resident =
            std::mem::take(&mut *signed.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
        by_resident.sort_by_key(|(i, _)| *i);
        let signed: Arc<Vec<Signed>> = Arc::new(by_resident.into_iter().map(|(_, s)| s).collect());
        checkpoint(&w.db).await?;
        note(
            started,
            &format!(
                "P2 HTTP run {}: round open, {ops} residents signed in on {instances} instance(s)",
                run + 1
            ),
        );
        let (p2, s2, c2, slug2) = (
            prepared.clone(),
            signed.clone(),
            client.clone(),
            slug.clone(),
        );
        let op: Op = Arc::new(move |i| {
            let (prepared, signed, client, slug) =
                (p2.clone(), s2.clone(), c2.clone(), slug2.clone());
            Box::pin(async move {
                let form = apply_http(&client, &slug, &prepared[i], &signed[i]).await?;
                Ok(Some(form))
            })
        });
        let r = drive(ops, conc, op).await?;
        let submitted = pokmas::db::entities::application::Entity::find()
            .filter(pokmas::db::entities::application::Column::RoundId.eq(round_id))
            .filter(
                pokmas::db::entities::application::Column::State
                    .eq(pokmas::domain::application::ApplicationState::Submitted),
            )
            .count(&w.load)
            .await?;
        ensure!(
            usize::try_from(submitted)? == ops,
            "{submitted} of {ops} applications submitted"
        );
        println!(
            "P2h  run {}: {ops} applications over HTTP (area POST + form POST with 2 documents), {instances} instance(s), {conc} clients: {}",
            run + 1,
            r.line()
        );
        out.push(r);
        for s in servers {
            let _ = s.stop.send(());
            s.served.await??;
        }
    }
    Ok(out)
}
