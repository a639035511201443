//! The world the use cases share, built through the services: accounts,
//! rounds and what residents type.

use super::*;

pub(crate) const KECAMATAN: &str = "64.72.09";
pub(crate) const PANELISTS: usize = 5;

/// A resident with an account, and what they type into the form.
pub(crate) struct Resident {
    pub(crate) id: Uuid,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) sex: Sex,
    pub(crate) born: Date,
}

/// Everything the use cases share.
pub(crate) struct World {
    /// The data folder (database, documents).
    pub(crate) dir: std::path::PathBuf,
    /// The database URL, for a second server instance.
    pub(crate) url: String,
    /// Opened as the server opens it; the timed ops use only this.
    pub(crate) db: DatabaseConnection,
    /// Same file, `synchronous=NORMAL`, for building the world.
    pub(crate) load: DatabaseConnection,
    pub(crate) store: FileStore,
    pub(crate) vault: NikVault,
    pub(crate) from: Mailbox,
    pub(crate) key: CheckpointKey,
    pub(crate) clock: Clock,
    pub(crate) admin: Actor,
    /// `(code, operator account)` of each kelurahan of [`KECAMATAN`].
    pub(crate) kelurahan: Vec<(String, Uuid)>,
    pub(crate) residents: Vec<Resident>,
    /// Codes of the `decl_…` checkboxes (the same in every bench round).
    pub(crate) declarations: Vec<String>,
}

/// The password of the bench account `email`.
pub(crate) fn bench_password(email: &str) -> String {
    format!("bench-sandi-{email}")
}

pub(crate) async fn new_account(
    db: &DatabaseConnection,
    role: Role,
    email: String,
    name: String,
    kelurahan: Vec<String>,
) -> anyhow::Result<Uuid> {
    // The demo's token argon2 cost: P2 over HTTP signs every resident in
    // before its clock starts, and full-cost hashes would only make that wait.
    accounts::with_demo_hashing(accounts::create_account(
        db,
        Actor::System,
        accounts::NewAccount {
            email: email.clone(),
            name,
            role,
            kelurahan,
            password: bench_password(&email),
        },
    ))
    .await
    .with_context(|| format!("account {email}"))
}

/// A fresh database, migrated, as `pokmas serve` opens it, plus the load
/// connection; regions, an admin, one operator per kelurahan and `residents`
/// applicant accounts (argon2 runs `conc` at a time, on every core). The
/// database is a SQLite file in `dir`, or, with `BENCH_DATABASE_URL`
/// (`postgres://…/db`), a new database `pokmas_bench_PID` on that server
/// (dropped by [`drop_postgres`]); documents stay in `dir` either way.
pub(crate) async fn world(
    dir: &std::path::Path,
    residents: usize,
    conc: usize,
) -> anyhow::Result<World> {
    let started = Instant::now();
    let url = match std::env::var("BENCH_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => fresh_postgres(&base).await?,
        _ => format!("sqlite://{}?mode=rwc", dir.join("pokmas.db").display()),
    };
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
        dir: dir.to_path_buf(),
        url,
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
pub(crate) async fn draft_round(
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

pub(crate) async fn move_round(
    w: &World,
    id: Uuid,
    to: RoundState,
    at: OffsetDateTime,
) -> anyhow::Result<()> {
    rounds::transition(&w.load, &w.key, w.admin, id, to, "", at).await?;
    Ok(())
}

/// A small, valid grayscale PNG (stored deflate blocks, real CRCs), with
/// pixels from `seed` so every upload is a distinct file.
pub(crate) fn small_png(seed: u64, side: u32) -> Vec<u8> {
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
pub(crate) struct Prepared {
    pub(crate) resident: usize,
    pub(crate) kelurahan: String,
    pub(crate) rt: i32,
    pub(crate) key: String,
    pub(crate) fields: Fields,
    pub(crate) pdf: Vec<u8>,
    pub(crate) png: Vec<u8>,
}

pub(crate) fn prepare(w: &World, round_no: usize, i: usize) -> Prepared {
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

/// The bench's own PostgreSQL database next to `base`'s.
fn postgres_name() -> String {
    format!("pokmas_bench_{}", std::process::id())
}

/// Creates (again) the bench's database on `base`'s server; returns its URL.
async fn fresh_postgres(base: &str) -> anyhow::Result<String> {
    let admin = pokmas::db::connect(base).await?;
    let name = postgres_name();
    for sql in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin
            .execute_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await?;
    }
    admin.close().await?;
    let (server, _) = base.rsplit_once('/').context("postgres://host/db")?;
    Ok(format!("{server}/{name}"))
}

/// Drops the bench's PostgreSQL database once every connection is closed.
pub(crate) async fn drop_postgres(w: World) -> anyhow::Result<()> {
    let Ok(base) = std::env::var("BENCH_DATABASE_URL") else {
        return Ok(());
    };
    if !w.url.starts_with("postgres") {
        return Ok(());
    }
    w.db.close().await?;
    w.load.close().await?;
    let admin = pokmas::db::connect(&base).await?;
    admin
        .execute_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", postgres_name()),
        ))
        .await?;
    Ok(())
}
