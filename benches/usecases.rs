//! P2 and P3 of the benchmarks (benches/README.md): `cargo bench --bench usecases`.
//!
//! Drives the same service functions the web handlers call, in-process, with
//! `CONC` (16) concurrent tokio tasks on a real SQLite file opened exactly as
//! the server opens it (`db::connect`: WAL, `synchronous=FULL`, pool of 8,
//! then the migrations). No HTTP/TCP is in the loop: the figures are what the
//! use cases cost in the database and on the disk, which is what the P2/P3
//! targets are about; routing, multipart parsing and rendering are measured
//! separately by P1.
//!
//! The world is built through the services too (accounts, rounds, formations,
//! panels, registration, verification, sessions, attendance, declarations),
//! on a second connection to the same file with `synchronous=NORMAL`
//! (`demo::connect_for_load`) so the setup does not wait for an fsync per use
//! case; only the timed operations go through the production connection.
//! Argon2 (account passwords) is spent in the setup only.
//!
//! - **P2**: one op = a resident's whole application as the browser sends it:
//!   `start_draft` (POST of the area step), then the form POST
//!   (`save_draft`, `attach_document` × 2 — a small PDF and a small PNG —,
//!   `submit`). The form POST alone is reported as well. Each run uses its own
//!   round in registration, so the same residents apply once per run.
//! - **P3**: one op = `scoring::submit` (which re-ranks the formation in its
//!   transaction) by one of 5 panelists for one of `P3_APPS` eligible,
//!   attended applications of one formation, application by application as a
//!   panel scores at a test session. Each run uses its own formation. The
//!   second variant amends every scorecard once (with a reason) after all are
//!   in, so every op re-ranks a complete formation.
//!
//! Sizes (environment, all optional): `P2_OPS` (3000), `P3_APPS` (340),
//! `RUNS` (3, at most 5: P3 uses one formation per kelurahan of Samarinda Kota),
//! `CONC` (16), `ONLY` (`p2` or `p3`). A benchmark, not a test: nothing
//! asserts a time; a refused use case stops it, since that is a bug of the
//! bench or of the service.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use migration::{Migrator, MigratorTrait};
use pokmas::config::Secret;
use pokmas::db::audit::Actor;
use pokmas::db::entities::{formation, test_invitation};
use pokmas::demo::{Clock, NameParts, nik_for, small_pdf};
use pokmas::domain::eligibility::Verdict;
use pokmas::domain::lang::Lang;
use pokmas::domain::nik::Sex;
use pokmas::domain::ranking::Aggregation;
use pokmas::domain::role::Role;
use pokmas::domain::round::RoundState;
use pokmas::mail::Mailbox;
use pokmas::pii::NikVault;
use pokmas::services::applications::{self as apps, Acting, Fields, StartDraft};
use pokmas::services::checkpoints::CheckpointKey;
use pokmas::services::rounds::{self, FormData, RoundSettings};
use pokmas::services::scoring::{self, ConflictKind, Values};
use pokmas::services::verification::{self, Decision, Staff};
use pokmas::services::{accounts, panels, regions};
use pokmas::storage::FileStore;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    Statement,
};
use time::{Date, Duration as Days, OffsetDateTime};
use uuid::Uuid;

/// Samarinda Kota: five kelurahan, so up to five P3 formations.
const KECAMATAN: &str = "64.72.09";
const PANELISTS: usize = 5;
const AMEND_REASON: &str = "Salah ketik saat memasukkan nilai dari lembar penilaian.";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Prints setup progress on standard error, so standard output keeps only figures.
fn note(started: Instant, what: &str) {
    eprintln!("  [{:6.1} s] {what}", started.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------

/// One op's own latency, and optionally the latency of a part of it.
type OpFuture = Pin<Box<dyn Future<Output = anyhow::Result<Option<Duration>>> + Send>>;
type Op = Arc<dyn Fn(usize) -> OpFuture + Send + Sync>;

/// What one timed run measured.
struct Run {
    ops: usize,
    wall: Duration,
    totals: Vec<Duration>,
    parts: Vec<Duration>,
    /// Attempts refused with SQLITE_BUSY after the 10 s busy timeout.
    busy: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl Run {
    fn per_second(&self) -> f64 {
        self.ops as f64 / self.wall.as_secs_f64()
    }

    fn line(&self) -> String {
        let mut s = format!(
            "{:7.1} ops/s, p50 {:6.1} ms, p99 {:6.1} ms",
            self.per_second(),
            ms(percentile(&self.totals, 0.50)),
            ms(percentile(&self.totals, 0.99)),
        );
        if self.busy > 0 {
            s += &format!(", {} attempts refused SQLITE_BUSY and retried", self.busy);
        }
        if !self.parts.is_empty() {
            s += &format!(
                " (form POST alone: p50 {:.1} ms, p99 {:.1} ms)",
                ms(percentile(&self.parts, 0.50)),
                ms(percentile(&self.parts, 0.99)),
            );
        }
        s
    }
}

/// Runs `ops` operations, `conc` at a time: each task takes the next op
/// number until none is left, so a slow op never idles the others.
async fn drive(ops: usize, conc: usize, op: Op) -> anyhow::Result<Run> {
    let next = Arc::new(AtomicUsize::new(0));
    let busy = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let next = next.clone();
        let busy = busy.clone();
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= ops {
                    break;
                }
                let t = Instant::now();
                // A writer that waited out the busy timeout (SQLITE_BUSY) is
                // retried, as a user would press again: its latency includes
                // the failed attempt, and the count is reported.
                let mut tries = 0;
                let part = loop {
                    match op(i).await {
                        Ok(part) => break part,
                        Err(e) if tries < 3 && format!("{e:#}").contains("database is locked") => {
                            tries += 1;
                            busy.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => return Err(e.context(format!("op {i}"))),
                    }
                };
                mine.push((t.elapsed(), part));
            }
            anyhow::Ok(mine)
        }));
    }
    let mut totals = Vec::with_capacity(ops);
    let mut parts = Vec::new();
    for t in tasks {
        for (total, part) in t.await?? {
            totals.push(total);
            parts.extend(part);
        }
    }
    let wall = started.elapsed();
    totals.sort();
    parts.sort();
    Ok(Run {
        ops,
        wall,
        totals,
        parts,
        busy: busy.load(Ordering::Relaxed),
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The summary line of several runs: the median of each figure by itself.
fn summary(runs: &[Run]) -> String {
    let pick = |f: &dyn Fn(&Run) -> f64| median(runs.iter().map(f).collect());
    let mut s = format!(
        "{:.1} ops/s, p50 {:.1} ms, p99 {:.1} ms",
        pick(&Run::per_second),
        pick(&|r| ms(percentile(&r.totals, 0.50))),
        pick(&|r| ms(percentile(&r.totals, 0.99))),
    );
    if runs.iter().all(|r| !r.parts.is_empty()) {
        s += &format!(
            "; form POST alone p50 {:.1} ms, p99 {:.1} ms",
            pick(&|r| ms(percentile(&r.parts, 0.50))),
            pick(&|r| ms(percentile(&r.parts, 0.99))),
        );
    }
    let busy: usize = runs.iter().map(|r| r.busy).sum();
    if busy > 0 {
        s += &format!("; {busy} attempts refused SQLITE_BUSY (retried)");
    }
    s + &format!(" (median of {} runs)", runs.len())
}

/// Starts every timed run from an empty WAL, so a checkpoint left over from
/// the setup (or the previous run) is not charged to this one.
async fn checkpoint(db: &DatabaseConnection) -> anyhow::Result<()> {
    db.execute_raw(Statement::from_string(
        DbBackend::Sqlite,
        "PRAGMA wal_checkpoint(TRUNCATE)",
    ))
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// The world
// ---------------------------------------------------------------------------

/// A resident with an account, and what they type into the form.
struct Resident {
    id: Uuid,
    email: String,
    name: String,
    sex: Sex,
    born: Date,
}

/// Everything the use cases share.
struct World {
    /// Opened as the server opens it; the timed ops use only this.
    db: DatabaseConnection,
    /// Same file, `synchronous=NORMAL`, for building the world.
    load: DatabaseConnection,
    store: FileStore,
    vault: NikVault,
    from: Mailbox,
    key: CheckpointKey,
    clock: Clock,
    admin: Actor,
    /// `(code, operator account)` of each kelurahan of [`KECAMATAN`].
    kelurahan: Vec<(String, Uuid)>,
    residents: Vec<Resident>,
    /// Codes of the `decl_…` checkboxes (the same in every bench round).
    declarations: Vec<String>,
}

async fn new_account(
    db: &DatabaseConnection,
    role: Role,
    email: String,
    name: String,
    kelurahan: Vec<String>,
) -> anyhow::Result<Uuid> {
    accounts::create_account(
        db,
        Actor::System,
        accounts::NewAccount {
            email: email.clone(),
            name,
            role,
            kelurahan,
            password: format!("bench-sandi-{email}"),
        },
    )
    .await
    .with_context(|| format!("account {email}"))
}

/// A fresh SQLite file in `dir`, migrated, as `pokmas serve` opens it, plus
/// the load connection; regions, an admin, one operator per kelurahan and
/// `residents` applicant accounts (argon2 runs `conc` at a time, on every core).
async fn world(dir: &std::path::Path, residents: usize, conc: usize) -> anyhow::Result<World> {
    let started = Instant::now();
    let url = format!("sqlite://{}?mode=rwc", dir.join("pokmas.db").display());
    let db = pokmas::db::connect(&url).await?;
    Migrator::up(&db, None).await?;
    let load = pokmas::demo::connect_for_load(&url).await?;
    regions::seed_if_empty(&load).await?;
    let admin_id = new_account(
        &load,
        Role::Admin,
        "admin@bench.pokmas.id".into(),
        "Admin Bench".into(),
        Vec::new(),
    )
    .await?;
    let admin = Actor::Account {
        id: admin_id,
        role: Role::Admin,
    };
    let mut kelurahan = Vec::new();
    for k in pokmas::db::entities::kelurahan::Entity::find()
        .filter(pokmas::db::entities::kelurahan::Column::KecamatanCode.eq(KECAMATAN))
        .all(&load)
        .await?
    {
        // Every bench applicant lives in RT 1–10; make sure they exist.
        let count = if k.rt_count.unwrap_or(0) >= 10 {
            None
        } else {
            Some(20)
        };
        rounds::create_rts(&load, admin, &k.code, count).await?;
        let short = k.code.replace('.', "");
        let op = new_account(
            &load,
            Role::Operator,
            format!("operator.{short}@bench.pokmas.id"),
            format!("Operator {}", k.name),
            vec![k.code.clone()],
        )
        .await?;
        kelurahan.push((k.code, op));
    }
    kelurahan.sort();
    note(
        started,
        &format!("{} kelurahan, operators", kelurahan.len()),
    );

    let names = NameParts::bundled()?;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let today = OffsetDateTime::now_utc().date();
    let people: Vec<(String, String, Sex, Date)> = (0..residents)
        .map(|i| {
            let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
            // Aged 25–54: inside the round's 21–60, so the age check passes.
            let born = today - Days::days(365 * (25 + (i % 30) as i64) + (i % 300) as i64);
            (
                format!("warga{i}@bench.pokmas.id"),
                names.full_name(&mut rng, sex),
                sex,
                born,
            )
        })
        .collect();
    let load2 = load.clone();
    let people = Arc::new(people);
    let ids = Arc::new(std::sync::Mutex::new(vec![Uuid::nil(); residents]));
    {
        let people = people.clone();
        let ids = ids.clone();
        let op: Op = Arc::new(move |i| {
            let load = load2.clone();
            let people = people.clone();
            let ids = ids.clone();
            Box::pin(async move {
                let (email, name, _, _) = &people[i];
                let id = new_account(&load, Role::Applicant, email.clone(), name.clone(), vec![])
                    .await?;
                ids.lock().map_err(|_| anyhow::anyhow!("poisoned"))?[i] = id;
                Ok(None)
            })
        });
        drive(residents, conc, op).await?;
    }
    let ids = ids.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.clone();
    let residents: Vec<Resident> = people
        .iter()
        .zip(ids)
        .map(|((email, name, sex, born), id)| Resident {
            id,
            email: email.clone(),
            name: name.clone(),
            sex: *sex,
            born: *born,
        })
        .collect();
    note(started, &format!("{} resident accounts", residents.len()));
    let declarations = rounds::default_requirements()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .into_iter()
        .filter(|r| r.kind == "declaration")
        .map(|r| format!("decl_{}", r.code))
        .collect();
    Ok(World {
        db,
        load,
        store: FileStore::new(dir),
        vault: NikVault::new(&Secret::from_hex(&"ab".repeat(32))?),
        from: "Probebaya Samarinda <noreply@bench.pokmas.id>".parse()?,
        key: CheckpointKey::new("http://localhost", &[0xcd; 32])?,
        clock: Clock { today },
        admin,
        kelurahan,
        residents,
        declarations,
    })
}

/// A round in draft with the demo's criteria, KTP and KK as the mandatory
/// documents, and one whole-kelurahan formation per kelurahan of
/// [`KECAMATAN`] (7 seats, 3 reserve). Returns the round and its formations
/// by kelurahan code.
async fn draft_round(
    w: &World,
    name: &str,
    year_offset: i32,
) -> anyhow::Result<(Uuid, Vec<formation::Model>)> {
    let db = &w.load;
    let s = RoundSettings {
        name: name.into(),
        // Registration numbers (year, kelurahan, serial) are unique across
        // rounds, so each bench round is a different year's recruitment.
        year: w.clock.today.year() + year_offset,
        description_id: "Seleksi untuk pengukuran kinerja (benchmark).".into(),
        description_en: "A round for the benchmarks.".into(),
        aggregation: Aggregation::Mean,
        passing_total: Some(60),
        min_panelists: 3,
        age_min: Some(21),
        age_max: Some(60),
        publish_all_names: false,
        schedule: w.clock.schedule(),
    };
    let id = rounds::create_round(db, w.admin, &s, None).await?;
    rounds::apply_template(db, w.admin, id, "panel").await?;
    rounds::update_round(db, w.admin, id, &s).await?;
    rounds::set_criteria(db, w.admin, id, &pokmas::demo::demo_criteria()?).await?;
    let mut reqs = rounds::default_requirements().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    for r in &mut reqs {
        // Two scans are required, as in the demo: the statement and the CV
        // are welcome, not required.
        if r.code == "PERNYATAAN" || r.code == "CV" {
            r.mandatory = false;
        }
    }
    rounds::set_requirements(db, w.admin, id, &reqs).await?;
    rounds::generate_formations(db, w.admin, id, KECAMATAN, 7, 3).await?;
    let mut formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(id))
        .all(db)
        .await?;
    formations.sort_by(|a, b| a.kelurahan_code.cmp(&b.kelurahan_code));
    Ok((id, formations))
}

async fn move_round(w: &World, id: Uuid, to: RoundState, at: OffsetDateTime) -> anyhow::Result<()> {
    rounds::transition(&w.load, &w.key, w.admin, id, to, "", at).await?;
    Ok(())
}

/// A small, valid grayscale PNG (stored deflate blocks, real CRCs), with
/// pixels from `seed` so every upload is a distinct file.
fn small_png(seed: u64, side: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in bytes {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut x = seed | 1;
    let mut raw = Vec::new();
    for _ in 0..side {
        // Each row: filter byte 0 (none), then the row's pixels.
        raw.extend(std::iter::once(0).chain((0..side).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x & 0xFF) as u8
        })));
    }
    // zlib with stored blocks (≤ 65,535 bytes each) and its Adler-32.
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (n, block) in blocks.iter().enumerate() {
        z.push(u8::from(n + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grayscale
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// What resident `i` sends for one application in `round_no`, prepared
/// before the clock starts.
struct Prepared {
    resident: usize,
    kelurahan: String,
    rt: i32,
    key: String,
    fields: Fields,
    pdf: Vec<u8>,
    png: Vec<u8>,
}

fn prepare(w: &World, round_no: usize, i: usize) -> Prepared {
    let r = &w.residents[i];
    let kelurahan = w.kelurahan[i % w.kelurahan.len()].0.clone();
    let kec = kelurahan.get(6..8).unwrap_or("09").to_owned();
    let rt = 1 + i32::try_from(i % 10).unwrap_or(0);
    // Serials 1–9999 within a birth date keep every NIK of a round distinct.
    let serial = u32::try_from(i % 9999 + 1).unwrap_or(1);
    let mut f = BTreeMap::new();
    for (k, v) in [
        ("full_name", r.name.clone()),
        ("nik", nik_for(&kec, r.born, r.sex, serial)),
        ("birth_place", "Samarinda".to_owned()),
        ("birth_date", r.born.to_string()),
        (
            "sex",
            if r.sex == Sex::Male { "male" } else { "female" }.to_owned(),
        ),
        (
            "address",
            format!("Jl. Bench No. {} RT {rt:03}", 1 + i % 200),
        ),
        ("phone", format!("08{:010}", 1_000_000_000 + i)),
        ("email", r.email.clone()),
        ("education", "SMA/SMK".to_owned()),
        ("occupation", "Wiraswasta".to_owned()),
        (
            "motivation",
            "Ingin ikut membangun lingkungan RT secara terbuka.".to_owned(),
        ),
        (
            "experience",
            "Pengurus kegiatan warga dan posyandu.".to_owned(),
        ),
    ] {
        f.insert(k.to_owned(), v);
    }
    for d in &w.declarations {
        f.insert(d.clone(), "on".into());
    }
    // About 2 KB each: a scan-sized file would only add disk bandwidth.
    let filler = "Pindaian dokumen untuk pengukuran. ".repeat(40);
    Prepared {
        resident: i,
        kelurahan,
        rt,
        key: format!("bench-{round_no}-{i}"),
        fields: Fields(FormData(f)),
        pdf: small_pdf("KTP", &format!("{round_no}-{i} {filler}")),
        png: small_png((round_no as u64) << 32 | i as u64, 44),
    }
}

/// One application, as the browser sends it: the area step's POST
/// (`start_draft`), then the form's POST (`save_draft`, the two documents,
/// `submit`), the calls and order of `web::applications::{start, form_submit}`.
/// Returns the application and how long the form POST took.
async fn apply(
    db: &DatabaseConnection,
    w: &World,
    round_id: Uuid,
    p: &Prepared,
) -> anyhow::Result<(Uuid, Duration)> {
    let acting = Acting {
        actor: Actor::Account {
            id: w.residents[p.resident].id,
            role: Role::Applicant,
        },
        scopes: &[],
    };
    let id = apps::start_draft(
        db,
        &w.vault,
        acting,
        &StartDraft {
            round_id,
            kelurahan_code: p.kelurahan.clone(),
            rt: p.rt,
            idempotency_key: p.key.clone(),
        },
    )
    .await?;
    let form = Instant::now();
    let saved = apps::save_draft(db, &w.vault, acting, id, &p.fields).await?;
    ensure!(saved.errors.is_empty(), "draft refused: {:?}", saved.errors);
    apps::attach_document(db, &w.store, acting, id, "KTP", "ktp.pdf", p.pdf.clone()).await?;
    apps::attach_document(db, &w.store, acting, id, "KK", "kk.png", p.png.clone()).await?;
    apps::submit(
        db,
        &w.vault,
        apps::MailCtx {
            base_url: "http://localhost",
            from: &w.from,
            vault: &w.vault,
        },
        acting,
        id,
        Lang::Id,
    )
    .await?;
    Ok((id, form.elapsed()))
}

// ---------------------------------------------------------------------------
// P2
// ---------------------------------------------------------------------------

async fn p2(w: &Arc<World>, ops: usize, runs: usize, conc: usize) -> anyhow::Result<Vec<Run>> {
    let mut out = Vec::new();
    for run in 0..runs {
        let started = Instant::now();
        let (round_id, _) =
            draft_round(w, &format!("Bench P2 run {}", run + 1), i32::try_from(run)?).await?;
        move_round(w, round_id, RoundState::Registration, w.clock.at(-21, 8)).await?;
        let prepared: Arc<Vec<Prepared>> = Arc::new((0..ops).map(|i| prepare(w, run, i)).collect());
        checkpoint(&w.db).await?;
        note(
            started,
            &format!("P2 run {}: round open, forms prepared", run + 1),
        );
        let (w2, p2) = (w.clone(), prepared.clone());
        let op: Op = Arc::new(move |i| {
            let (w, prepared) = (w2.clone(), p2.clone());
            Box::pin(async move {
                let (_, form) = apply(&w.db, &w, round_id, &prepared[i]).await?;
                Ok(Some(form))
            })
        });
        let r = drive(ops, conc, op).await?;
        println!(
            "P2   run {}: {ops} applications (start + form POST with 2 documents), {conc} tasks: {}",
            run + 1,
            r.line()
        );
        out.push(r);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// P3
// ---------------------------------------------------------------------------

/// One formation of the P3 round: its panel and its applications in
/// registration order.
struct Scored {
    panelists: Vec<Uuid>,
    apps: Vec<Uuid>,
}

/// Deterministic values 1–5 for one scorecard: a latent quality per
/// application and criterion, a panelist's leniency, a little noise.
fn values(codes: &[String], app: usize, panelist: usize) -> Values {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ ((app as u64) << 8 | panelist as u64);
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let leniency = [-1i32, 0, 0, 1, 0][panelist % 5];
    codes
        .iter()
        .enumerate()
        .map(|(c, code)| {
            let quality = 2 + i32::try_from((app * 7 + c * 3) % 4).unwrap_or(0);
            let noise = i32::try_from(next() % 3).unwrap_or(1) - 1;
            (code.clone(), (quality + leniency + noise).clamp(1, 5))
        })
        .collect()
}

/// The P3 round: `formations` formations of `per` eligible, attended
/// applications, each assessed by its own panel of five who have declared
/// "no conflict" for every application.
async fn p3_world(
    w: &Arc<World>,
    formations: usize,
    per: usize,
    conc: usize,
) -> anyhow::Result<Vec<Scored>> {
    let started = Instant::now();
    let (round_id, forms) = draft_round(w, "Bench P3", 10).await?;
    ensure!(
        forms.len() >= formations,
        "P3 needs {formations} formations, {KECAMATAN} has {}",
        forms.len()
    );
    let forms: Vec<formation::Model> = forms.into_iter().take(formations).collect();
    let mut panel_members = Vec::new();
    for (n, f) in forms.iter().enumerate() {
        let panel = panels::create_panel(
            &w.load,
            w.admin,
            round_id,
            &format!("Tim Penilai {}", n + 1),
            None,
        )
        .await?;
        let mut members = Vec::new();
        for m in 0..PANELISTS {
            let id = new_account(
                &w.load,
                Role::Panelist,
                format!("penilai{}.{}@bench.pokmas.id", n + 1, m + 1),
                format!("Penilai {} {}", n + 1, m + 1),
                vec![f.kelurahan_code.clone()],
            )
            .await?;
            panels::add_member(&w.load, w.admin, round_id, panel, &id.to_string()).await?;
            members.push(id);
        }
        panels::set_formations(&w.load, w.admin, round_id, panel, &[f.id.to_string()]).await?;
        panel_members.push((panel, members));
    }
    move_round(w, round_id, RoundState::Registration, w.clock.at(-21, 8)).await?;
    note(started, "P3 round: draft, panels, registration open");

    // Registration: resident i applies in formation i / per, through the
    // same calls as P2 (on the load connection; not timed).
    let total = formations * per;
    let kel_of: Vec<String> = forms.iter().map(|f| f.kelurahan_code.clone()).collect();
    let mut prepared = Vec::with_capacity(total);
    for i in 0..total {
        // Same kecamatan, so the NIK prepared for another kelurahan still fits.
        let mut p = prepare(w, 100, i);
        p.kelurahan = kel_of[i / per].clone();
        prepared.push(p);
    }
    let prepared = Arc::new(prepared);
    let ids = Arc::new(std::sync::Mutex::new(vec![Uuid::nil(); total]));
    {
        let (w2, p2, ids2) = (w.clone(), prepared.clone(), ids.clone());
        let op: Op = Arc::new(move |i| {
            let (w, prepared, ids) = (w2.clone(), p2.clone(), ids2.clone());
            Box::pin(async move {
                let (id, _) = apply(&w.load, &w, round_id, &prepared[i]).await?;
                ids.lock().map_err(|_| anyhow::anyhow!("poisoned"))?[i] = id;
                Ok(None)
            })
        });
        drive(total, conc, op).await?;
    }
    let ids = ids.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.clone();
    note(
        started,
        &format!("P3 round: {total} applications submitted"),
    );

    // Verification at the help desk: every requirement met (the automatic
    // age and domicile findings taken as they are).
    move_round(w, round_id, RoundState::Verification, w.clock.at(14, 16)).await?;
    let operators: BTreeMap<String, Uuid> = w.kelurahan.iter().cloned().collect();
    let eligible = Arc::new(AtomicUsize::new(0));
    {
        let (w2, ids2, ops2, el2) = (
            w.clone(),
            Arc::new(ids.clone()),
            Arc::new(operators),
            eligible.clone(),
        );
        let kel_of = Arc::new(kel_of.clone());
        let op: Op = Arc::new(move |i| {
            let (w, ids, operators, eligible, kel_of) = (
                w2.clone(),
                ids2.clone(),
                ops2.clone(),
                el2.clone(),
                kel_of.clone(),
            );
            Box::pin(async move {
                let kel = kel_of[i / per].clone();
                let staff = Staff {
                    id: *operators.get(&kel).context("operator")?,
                    role: Role::Operator,
                    scopes: vec![kel],
                };
                let view = verification::open(&w.load, &w.vault, &staff, ids[i]).await?;
                let decisions: Vec<Decision> = view
                    .requirements
                    .iter()
                    .map(|r| {
                        let tms = r
                            .automatic
                            .as_ref()
                            .is_some_and(|a| a.verdict == Verdict::Tms);
                        Decision {
                            requirement_id: r.id,
                            tms,
                            reason_code: tms.then(|| r.kind.clone()),
                            reason_text: r
                                .automatic
                                .as_ref()
                                .filter(|_| tms)
                                .map(|a| a.message(Lang::Id))
                                .unwrap_or_default(),
                        }
                    })
                    .collect();
                let ok = verification::verify(
                    &w.load,
                    &w.from,
                    &w.vault,
                    &staff,
                    ids[i],
                    &decisions,
                    Lang::Id,
                )
                .await
                .map_err(|e| anyhow::anyhow!("verifying: {e:?}"))?;
                eligible.fetch_add(usize::from(ok), Ordering::Relaxed);
                Ok(None)
            })
        });
        drive(total, conc, op).await?;
    }
    let eligible = eligible.load(Ordering::Relaxed);
    ensure!(
        eligible == total,
        "only {eligible} of {total} applications are eligible"
    );
    note(
        started,
        &format!("P3 round: {total} verified, all eligible"),
    );

    // Assessment: one session per panel (≤ 500 seats each), filled
    // automatically; everyone attends; every panelist declares no conflict.
    move_round(w, round_id, RoundState::Assessment, w.clock.at(22, 8)).await?;
    for (n, (panel, _)) in panel_members.iter().enumerate() {
        for s in 0..per.div_ceil(500) {
            let form = panels::SessionForm {
                starts_at: w.clock.at(23 + i64::try_from(s).unwrap_or(0), 8),
                place: format!("Aula Kecamatan, tim {} sesi {}", n + 1, s + 1),
                capacity: 500,
                panel_id: *panel,
            };
            let session = panels::create_session(
                &w.load,
                w.admin,
                round_id,
                &form,
                Some(&format!("bench-{n}-{s}")),
            )
            .await?;
            panels::auto_fill(&w.load, w.admin, &w.from, &w.vault, round_id, session).await?;
        }
    }
    let wanted: std::collections::BTreeSet<Uuid> = ids.iter().copied().collect();
    let invitations: Vec<Uuid> = test_invitation::Entity::find()
        .all(&w.load)
        .await?
        .into_iter()
        .filter(|inv| wanted.contains(&inv.application_id))
        .map(|inv| inv.id)
        .collect();
    ensure!(
        invitations.len() == total,
        "{} of {total} invited",
        invitations.len()
    );
    {
        let (w2, inv2) = (w.clone(), Arc::new(invitations));
        let op: Op = Arc::new(move |i| {
            let (w, inv) = (w2.clone(), inv2.clone());
            Box::pin(async move {
                panels::record_attendance(&w.load, w.admin, round_id, inv[i], "present", "")
                    .await?;
                Ok(None)
            })
        });
        drive(total, conc, op).await?;
    }
    let scored: Vec<Scored> = panel_members
        .into_iter()
        .enumerate()
        .map(|(n, (_, panelists))| Scored {
            panelists,
            apps: ids[n * per..(n + 1) * per].to_vec(),
        })
        .collect();
    {
        let pairs: Arc<Vec<(Uuid, Uuid)>> = Arc::new(
            scored
                .iter()
                .flat_map(|s| {
                    s.apps
                        .iter()
                        .flat_map(|a| s.panelists.iter().map(move |p| (*p, *a)))
                })
                .collect(),
        );
        let w2 = w.clone();
        let n = pairs.len();
        let op: Op = Arc::new(move |i| {
            let (w, pairs) = (w2.clone(), pairs.clone());
            Box::pin(async move {
                let (p, a) = pairs[i];
                scoring::declare(&w.load, p, a, ConflictKind::None, "").await?;
                Ok(None)
            })
        });
        drive(n, conc, op).await?;
    }
    note(started, "P3 round: sessions, attendance, declarations done");
    Ok(scored)
}

/// Every scorecard of one formation, application by application (the five
/// panelists of a test session score one applicant, then the next), 16 at a
/// time; with `amend`, a second version with one value changed and a reason.
async fn p3_run(w: &Arc<World>, s: &Scored, conc: usize, amend: bool) -> anyhow::Result<Run> {
    let codes: Arc<Vec<String>> = Arc::new(
        pokmas::demo::demo_criteria()?
            .into_iter()
            .map(|c| c.code)
            .collect(),
    );
    let ops = s.apps.len() * s.panelists.len();
    let (apps, panelists) = (Arc::new(s.apps.clone()), Arc::new(s.panelists.clone()));
    checkpoint(&w.db).await?;
    let w2 = w.clone();
    let op: Op = Arc::new(move |i| {
        let (w, apps, panelists, codes) =
            (w2.clone(), apps.clone(), panelists.clone(), codes.clone());
        Box::pin(async move {
            let (a, p) = (i / panelists.len(), i % panelists.len());
            let mut v = values(&codes, a, p);
            if amend {
                let code = &codes[(a + p) % codes.len()];
                let old = v.get(code).copied().unwrap_or(3);
                v.insert(code.clone(), if old < 5 { old + 1 } else { old - 1 });
            }
            let (version, _) = scoring::submit(
                &w.db,
                panelists[p],
                apps[a],
                &v,
                amend.then_some(AMEND_REASON),
            )
            .await?;
            ensure!(
                version == 1 + i32::from(amend),
                "unexpected version {version}"
            );
            Ok(None)
        })
    });
    drive(ops, conc, op).await
}

// ---------------------------------------------------------------------------

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let p2_ops = env_usize("P2_OPS", 3000);
    let p3_apps = env_usize("P3_APPS", 340);
    let runs = env_usize("RUNS", 3).clamp(1, 5);
    let conc = env_usize("CONC", 16).max(1);
    let only = std::env::var("ONLY").unwrap_or_default();
    let (do_p2, do_p3) = (only != "p3", only != "p2");

    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    eprintln!("usecases: setting up in {}", dir.path().display());
    let residents = (if do_p2 { p2_ops } else { 0 }).max(if do_p3 { p3_apps * runs } else { 0 });
    let w = Arc::new(world(dir.path(), residents, conc).await?);

    if do_p2 {
        let r = p2(&w, p2_ops, runs, conc).await?;
        println!(
            "P2   application submit, 2 documents, {conc} tasks, SQLite FULL (target ≥ 300/s, p99 < 100 ms): {}",
            summary(&r)
        );
    }
    if do_p3 {
        let scored = p3_world(&w, runs, p3_apps, conc).await?;
        note(started, "P3 world ready");
        let mut first = Vec::new();
        for (n, s) in scored.iter().enumerate() {
            let r = p3_run(&w, s, conc, false).await?;
            println!(
                "P3   run {}: {} scorecards ({} applications x {PANELISTS} panelists, 6 criteria), {conc} tasks: {}",
                n + 1,
                r.ops,
                s.apps.len(),
                r.line()
            );
            first.push(r);
        }
        println!(
            "P3   scorecard submit incl. re-rank of a {p3_apps}-applicant formation (target ≥ 500/s, p99 < 50 ms): {}",
            summary(&first)
        );
        let mut amended = Vec::new();
        for (n, s) in scored.iter().enumerate() {
            let r = p3_run(&w, s, conc, true).await?;
            println!(
                "P3a  run {}: {} amendments, {conc} tasks: {}",
                n + 1,
                r.ops,
                r.line()
            );
            amended.push(r);
        }
        println!(
            "P3a  scorecard amendment, every op re-ranks a complete {p3_apps}-applicant formation: {}",
            summary(&amended)
        );
    }
    note(started, "done");
    Ok(())
}
