//! `pokmas demo`: a complete, realistic round built through the same service
//! functions the web uses, so the audit trail, standings, ranks and mail
//! outbox are real. Deterministic for a seed: every choice comes from one
//! ChaCha generator, and the demo keeps its own calendar (`Clock`) instead of
//! reading the wall clock for decisions.
//!
//! The round is driven as a sequence of stages, one function each, in round
//! order; `--state` stops after the stage that reaches that state (see
//! [`STAGES`]).

pub mod bench;
mod info;
mod people;
pub mod sql_stats;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};
use uuid::Uuid;

use crate::db::audit::Actor;
use crate::db::entities::{account, application, formation, kecamatan, kelurahan, test_invitation};
use crate::domain::eligibility::Verdict;
use crate::domain::lang::Lang;
use crate::domain::nik::Sex;
use crate::domain::role::Role;
use crate::domain::round::{RoundState, Schedule};
use crate::mail::Mailbox;
use crate::pii::NikVault;
use crate::services::applications::{self as apps, Acting, Fields, StartDraft};
use crate::services::checkpoints::CheckpointKey;
use crate::services::rounds::{
    self as criteria, self as settings, CriterionDraft, FormData, RoundSettings,
};
use crate::services::scoring::{self, ConflictKind, Values};
use crate::services::verification::{self, Decision, Staff};
use crate::services::{accounts, panels, regions, second_look};
use crate::storage::FileStore;
pub use people::{NameParts, Person, nik_for, small_pdf};

/// How big a demo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// One kecamatan (Samarinda Kota, 4 kelurahan), about 60 applicants.
    Small,
    /// The whole city: 59 formations, about 20,000 applicants.
    City,
}

/// What to build.
#[derive(Clone, Debug)]
pub struct Options {
    pub scale: Scale,
    pub seed: u64,
    /// Stop once the round is in this state.
    pub stop_at: RoundState,
    /// The day the demo round's calendar is anchored on (registration is
    /// open on it). Only dates shown on pages depend on it, never a decision.
    pub today: Date,
    /// Draw a progress bar on standard error.
    pub progress: bool,
}

/// The stages, in order, with the round state each one leaves the round in.
/// Lottery witnesses are named in `draft`, commit in `registration` and
/// reveal as `verification` opens; objections are filed and (mostly)
/// decided in `objection`; `final` answers the last one and finalizes with
/// two admins. A slot for imported criterion values (built elsewhere) is
/// after `assessment` scoring.
pub const STAGES: [(&str, RoundState); 7] = [
    ("draft", RoundState::Draft),
    ("registration", RoundState::Registration),
    ("verification", RoundState::Verification),
    ("assessment", RoundState::Assessment),
    ("provisional", RoundState::Provisional),
    ("objection", RoundState::Objection),
    ("final", RoundState::Final),
];

/// The state `pokmas demo` and `serve --demo` stop at unless told otherwise:
/// provisional results are published and objections exist (accepted,
/// rejected, one under review), so every screen has content.
pub const DEFAULT_STATE: RoundState = RoundState::Objection;

/// One sign-in the demo created.
#[derive(Clone, Debug)]
pub struct Credential {
    pub role: Role,
    pub email: String,
    pub password: String,
    pub note: String,
}

/// What the demo built, for the summary.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub round_id: Option<Uuid>,
    pub round_slug: String,
    pub state: String,
    pub formations: usize,
    pub applications: usize,
    pub assisted: usize,
    pub withdrawn: usize,
    pub ineligible: usize,
    pub nik_warnings: usize,
    pub recusals: usize,
    pub scorecards: usize,
    pub amendments: usize,
    pub absent: usize,
    /// The lottery witnesses, `(e-mail, how far they got)`.
    pub witnesses: Vec<(String, &'static str)>,
    /// The lottery seed once every witness has revealed.
    pub lottery_seed: Option<String>,
    pub objections_filed: usize,
    pub objections_accepted: usize,
    pub objections_rejected: usize,
    /// Filed and not decided yet (under review).
    pub objections_pending: usize,
    /// `ranking.changed` events caused by amendments of reopened scorecards.
    pub objection_rank_changes: usize,
    pub audit_events: u64,
    pub seconds: f64,
    pub database_bytes: u64,
    pub credentials: Vec<Credential>,
    /// Seconds spent in each stage, in order.
    pub stage_seconds: Vec<(&'static str, f64)>,
}

/// The demo's calendar (WITA = UTC+8): registration opened three weeks
/// before `today` and closes two weeks after; every later milestone follows.
/// Transitions are made "at" the milestone, so the schedule check is real.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub today: Date,
}

impl Clock {
    /// `hour`:00 WITA on the day `days` after `today`, in UTC.
    #[must_use]
    pub fn at(self, days: i64, hour: u8) -> OffsetDateTime {
        let wita = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
        (self.today + Duration::days(days))
            .with_time(Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT))
            .assume_offset(wita)
            .to_offset(UtcOffset::UTC)
    }

    /// The round's milestones around `today`.
    #[must_use]
    pub fn schedule(self) -> Schedule {
        Schedule {
            registration_opens_at: Some(self.at(-21, 8)),
            registration_closes_at: Some(self.at(14, 16)),
            verification_ends_at: Some(self.at(21, 16)),
            assessment_starts_at: Some(self.at(22, 8)),
            assessment_ends_at: Some(self.at(35, 16)),
            provisional_at: Some(self.at(36, 10)),
            objection_ends_at: Some(self.at(43, 16)),
            final_at: Some(self.at(45, 10)),
        }
    }
}

/// A demo application as the later stages need it.
#[derive(Clone, Debug)]
struct DemoApp {
    id: Uuid,
    formation: usize,
    kelurahan: String,
    rt: i32,
    /// The operator who registered it at the help desk, or its own account.
    acting: Actor,
    /// The sign-in of its own account (help-desk registrations have none).
    email: Option<String>,
    state: &'static str,
    /// Latent quality per criterion (1–5).
    quality: Vec<i32>,
    /// Scores copied from another application (an exact tie) and how:
    /// `(partner index, swap tie-break criterion)`.
    twin_of: Option<(usize, bool)>,
    /// Another application copies this one's scores.
    has_twin: bool,
}

/// A panelist and how they score.
#[derive(Clone, Debug)]
struct Panelist {
    id: Uuid,
    /// Added to every value (−1 strict, 0, +1 lenient).
    leniency: i32,
    /// The visibly biased one favours applicants from one RT of each formation.
    biased: bool,
}

/// Where the demo writes and with which keys: the installation's own, so the
/// server started afterwards reads its NIKs and extends its checkpoints.
#[derive(Clone, Copy)]
pub struct Installation<'a> {
    /// Documents and mail go under it.
    pub data_dir: &'a Path,
    /// Encrypts NIKs.
    pub secret: &'a crate::config::Secret,
    /// Signs the checkpoints.
    pub checkpoint_seed: &'a crate::config::Secret,
    /// Links in mails; the checkpoint origin.
    pub base_url: &'a str,
}

/// Everything the stages share.
struct Ctx<'a> {
    db: &'a DatabaseConnection,
    store: FileStore,
    vault: NikVault,
    checkpoint_key: CheckpointKey,
    from: Mailbox,
    base_url: String,
    opts: Options,
    rng: ChaCha8Rng,
    clock: Clock,
    names: NameParts,
    bar: ProgressBar,
    admin: Actor,
    /// The second admin: reviews objections and approves what the first
    /// asks (four eyes).
    admin2: Actor,
    witnesses: Vec<Witness>,
    operators: BTreeMap<String, Uuid>,
    panels: Vec<(Uuid, Vec<Panelist>, Vec<usize>)>,
    round_id: Uuid,
    formations: Vec<formation::Model>,
    criteria: Vec<String>,
    apps: Vec<DemoApp>,
    /// The values each panelist last submitted: `(application index,
    /// panelist)`, so a reopened scorecard is amended from what it held.
    given: BTreeMap<(usize, Uuid), Values>,
    /// Objections still under review, `(application index, objection)`,
    /// for the final stage to answer.
    open_objections: Vec<(usize, Uuid)>,
    summary: Summary,
}

/// A lottery witness of the demo round.
#[derive(Clone, Debug)]
struct Witness {
    account: Uuid,
    role: Role,
    email: String,
    label: &'static str,
    /// Set once named in the round.
    id: Option<Uuid>,
    /// Drawn from the demo's generator when committing.
    secret: Option<String>,
}

/// The demo's criteria: the bundled panel template plus a sixth criterion
/// (knowledge of the neighbourhood), weights still summing to 100. The
/// use-case benchmarks score against the same six.
///
/// # Errors
/// When the bundled template is missing or malformed.
pub fn demo_criteria() -> anyhow::Result<Vec<CriterionDraft>> {
    let template = criteria::templates()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .into_iter()
        .find(|t| t.code == "panel")
        .context("the panel template is bundled")?;
    let mut drafts = template.criteria_drafts();
    for d in &mut drafts {
        if d.code == "ADM" || d.code == "KOM" {
            d.weight = 10;
        }
    }
    let mut wil = drafts
        .iter()
        .find(|d| d.code == "KOM")
        .cloned()
        .context("KOM in the template")?;
    wil.code = "WIL".into();
    wil.name_id = "Pengenalan wilayah dan warga".into();
    wil.name_en = "Knowledge of the area and its residents".into();
    wil.description_id =
        "Mengenal RT, warga rentan dan usulan musyawarah di wilayah formasi.".into();
    wil.description_en =
        "Knows the RTs, vulnerable residents and the deliberation proposals of the area.".into();
    wil.pass_min = None;
    wil.tiebreak_order = None;
    drafts.push(wil);
    Ok(drafts)
}

fn sizes(scale: Scale) -> (usize, usize, i32, i32) {
    // (applicants per formation, panelists per panel, seats, reserve)
    match scale {
        Scale::Small => (15, 4, 5, 2),
        Scale::City => (339, 5, 7, 3),
    }
}

/// Builds the demo into `db` (migrated, regions loaded) and returns what it made.
/// The passwords and PINs it creates are hashed at a token argon2id cost
/// ([`crate::services::accounts::with_demo_hashing`]): they are printed in the
/// credentials file anyway, and full-cost hashes would dominate a city load.
///
/// # Errors
/// Any refusal of a service is a bug of the demo and stops it, naming the stage.
pub async fn run(
    db: &DatabaseConnection,
    install: &Installation<'_>,
    opts: Options,
) -> anyhow::Result<Summary> {
    crate::services::accounts::with_demo_hashing(run_stages(db, install, opts)).await
}

async fn run_stages(
    db: &DatabaseConnection,
    install: &Installation<'_>,
    opts: Options,
) -> anyhow::Result<Summary> {
    let Installation {
        data_dir,
        secret,
        checkpoint_seed,
        base_url,
    } = *install;
    let started = Instant::now();
    regions::seed_if_empty(db).await?;
    let bar = if opts.progress {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{spinner} {prefix:>13} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let mut ctx = Ctx {
        db,
        store: FileStore::new(data_dir).without_sync(),
        vault: NikVault::new(secret),
        checkpoint_key: CheckpointKey::new(base_url, checkpoint_seed.bytes())?,
        from: "Probebaya Samarinda <noreply@pokmas.localhost>"
            .parse()
            .context("sender address")?,
        base_url: base_url.trim_end_matches('/').to_owned(),
        rng: ChaCha8Rng::seed_from_u64(opts.seed),
        clock: Clock { today: opts.today },
        names: NameParts::bundled()?,
        bar,
        admin: Actor::System,
        admin2: Actor::System,
        witnesses: Vec::new(),
        operators: BTreeMap::new(),
        panels: Vec::new(),
        round_id: Uuid::nil(),
        formations: Vec::new(),
        criteria: Vec::new(),
        apps: Vec::new(),
        given: BTreeMap::new(),
        open_objections: Vec::new(),
        summary: Summary::default(),
        opts,
    };
    stage_accounts(&mut ctx).await.context("demo: accounts")?;
    for (name, state) in STAGES {
        ctx.bar.set_prefix(name);
        let stage_started = Instant::now();
        match state {
            RoundState::Draft => stage_draft(&mut ctx).await,
            RoundState::Registration => stage_registration(&mut ctx).await,
            RoundState::Verification => stage_verification(&mut ctx).await,
            RoundState::Assessment => stage_assessment(&mut ctx).await,
            RoundState::Provisional => stage_provisional(&mut ctx).await,
            RoundState::Objection => stage_objection(&mut ctx).await,
            RoundState::Final => stage_final(&mut ctx).await,
            RoundState::Cancelled => Ok(()),
        }
        .with_context(|| format!("demo stage {name}"))?;
        if sql_stats::enabled() {
            sql_stats::report(name, ctx.apps.len());
        }
        ctx.summary
            .stage_seconds
            .push((name, stage_started.elapsed().as_secs_f64()));
        ctx.summary.state = state.as_str().into();
        if state == ctx.opts.stop_at {
            break;
        }
    }
    ctx.bar.finish_and_clear();
    info::fill(&ctx)
        .await
        .context("demo: information section")?;
    make_durable(db).await.context("demo: final checkpoint")?;
    let mut s = ctx.summary;
    s.audit_events = crate::db::entities::audit_event::Entity::find()
        .count(db)
        .await?;
    s.seconds = started.elapsed().as_secs_f64();
    s.database_bytes = database_size(data_dir);
    Ok(s)
}

/// Size of the SQLite files in `data_dir` (0 for other databases).
fn database_size(data_dir: &Path) -> u64 {
    ["pokmas.db", "pokmas.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(data_dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

fn password(rng: &mut impl RngCore) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(rng, 16)
}

async fn new_account(
    ctx: &mut Ctx<'_>,
    role: Role,
    email: String,
    name: String,
    kelurahan: Vec<String>,
    note: String,
) -> anyhow::Result<Uuid> {
    // Passwords come from the operating system, not the seed: a served demo
    // must not have guessable sign-ins.
    let pw = password(&mut rand::rng());
    let id = accounts::create_account(
        ctx.db,
        Actor::System,
        accounts::NewAccount {
            email: email.clone(),
            name,
            role,
            kelurahan,
            password: pw.clone(),
        },
    )
    .await
    .with_context(|| format!("account {email}"))?;
    ctx.summary.credentials.push(Credential {
        role,
        email,
        password: pw,
        note,
    });
    Ok(id)
}

/// The kelurahan of the demo: `(kecamatan code, kelurahan code, name)`.
async fn demo_kelurahan(
    db: &DatabaseConnection,
    scale: Scale,
) -> anyhow::Result<Vec<(String, String, String, Option<i32>)>> {
    let kecs = kecamatan::Entity::find().all(db).await?;
    let mut out = Vec::new();
    for k in kelurahan::Entity::find().all(db).await? {
        if scale == Scale::Small && k.kecamatan_code != "64.72.09" {
            continue;
        }
        if kecs.iter().any(|c| c.code == k.kecamatan_code) {
            out.push((
                k.kecamatan_code.clone(),
                k.code.clone(),
                k.name.clone(),
                k.rt_count,
            ));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// Accounts: two admins, an auditor, one help-desk operator per kelurahan.
/// Panelists are created with their panels in [`stage_draft`].
async fn stage_accounts(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    let admin = new_account(
        ctx,
        Role::Admin,
        "admin@demo.pokmas.id".into(),
        "Admin Kota (demo)".into(),
        Vec::new(),
        "membuat dan menjalankan seleksi".into(),
    )
    .await?;
    ctx.admin = Actor::Account {
        id: admin,
        role: Role::Admin,
    };
    let admin2 = new_account(
        ctx,
        Role::Admin,
        "admin2@demo.pokmas.id".into(),
        "Admin Kedua (demo)".into(),
        Vec::new(),
        "meninjau sanggahan; menyetujui perubahan hasil verifikasi dan penetapan hasil akhir"
            .into(),
    )
    .await?;
    ctx.admin2 = Actor::Account {
        id: admin2,
        role: Role::Admin,
    };
    // The lottery witnesses the README suggests: the inspectorate's auditor
    // and a community representative (an independent observer, so the
    // auditor role: reading, never changing).
    for (email, name, note, label) in [
        (
            "auditor@demo.pokmas.id",
            "Auditor Inspektorat (demo)",
            "membaca jejak audit; saksi undian 1 (komitmen dan rahasia)",
            "Inspektorat",
        ),
        (
            "saksi.warga@demo.pokmas.id",
            "Perwakilan Warga (demo)",
            "saksi undian 2 dari warga (komitmen dan rahasia)",
            "Perwakilan warga",
        ),
    ] {
        let id = new_account(
            ctx,
            Role::Auditor,
            email.into(),
            name.into(),
            Vec::new(),
            note.into(),
        )
        .await?;
        ctx.witnesses.push(Witness {
            account: id,
            role: Role::Auditor,
            email: email.into(),
            label,
            id: None,
            secret: None,
        });
    }
    for (_, code, name, _) in demo_kelurahan(ctx.db, ctx.opts.scale).await? {
        let short = code.replace('.', "");
        let id = new_account(
            ctx,
            Role::Operator,
            format!("operator.{short}@demo.pokmas.id"),
            format!("Operator Kelurahan {name}"),
            vec![code.clone()],
            format!("meja bantuan {name}"),
        )
        .await?;
        ctx.operators.insert(code, id);
    }
    Ok(())
}

/// A draft round with criteria, requirements, RTs, formations and panels.
async fn stage_draft(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    let (_, panel_size, seats, reserve) = sizes(ctx.opts.scale);
    let kels = demo_kelurahan(ctx.db, ctx.opts.scale).await?;
    // RTs: the recorded count where the fixture knows it, otherwise a
    // plausible one (Samarinda has about 1,971 RTs in 59 kelurahan).
    for (_, code, _, known) in &kels {
        let count = match known {
            Some(_) => None,
            None => Some(ctx.rng.random_range(18..=48)),
        };
        settings_rts(ctx, code, count).await?;
    }
    let year = ctx.opts.today.year();
    let s = RoundSettings {
        name: format!("Rekrutmen Pokmas {year}"),
        year,
        description_id: "Seleksi terbuka anggota Pokmas Probebaya untuk setiap kelurahan. \
            Data ini adalah data contoh (demo)."
            .into(),
        description_en: "Open recruitment of Probebaya Pokmas members for every kelurahan. \
            This is demo data."
            .into(),
        aggregation: crate::domain::ranking::Aggregation::Mean,
        passing_total: Some(PASSING_TOTAL),
        min_panelists: 3,
        age_min: Some(21),
        age_max: Some(60),
        schedule: ctx.clock.schedule(),
    };
    let round_id = settings::create_round(ctx.db, ctx.admin, &s, None).await?;
    ctx.round_id = round_id;
    ctx.summary.round_id = Some(round_id);
    ctx.summary.round_slug = crate::services::rounds::load(ctx.db, round_id)
        .await?
        .round
        .slug;
    criteria::apply_template(ctx.db, ctx.admin, round_id, "panel").await?;
    // The template adopts its own rules; the demo's schedule stays.
    settings::update_round(ctx.db, ctx.admin, round_id, &s).await?;
    let drafts = demo_criteria()?;
    ctx.criteria = drafts.iter().map(|d| d.code.clone()).collect();
    criteria::set_criteria(ctx.db, ctx.admin, round_id, &drafts).await?;
    let mut reqs = criteria::default_requirements().map_err(|e| anyhow::anyhow!("{e}"))?;
    for r in &mut reqs {
        // Two scans are required; the statement and CV are welcome, not required.
        if r.code == "PERNYATAAN" || r.code == "CV" {
            r.mandatory = false;
        }
    }
    criteria::set_requirements(ctx.db, ctx.admin, round_id, &reqs).await?;
    let mut kec_codes: Vec<&String> = kels.iter().map(|k| &k.0).collect();
    kec_codes.dedup();
    for kec in kec_codes {
        crate::services::rounds::generate_formations(
            ctx.db, ctx.admin, round_id, kec, seats, reserve,
        )
        .await?;
    }
    ctx.formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .all(ctx.db)
        .await?;
    ctx.formations.sort_by(|a, b| a.code.cmp(&b.code));
    // A little variety in seats: bigger kelurahan get two more.
    let mut form = BTreeMap::new();
    for f in ctx.formations.iter().step_by(3) {
        form.insert(format!("seats_{}", f.id), (f.seats + 2).to_string());
        form.insert(format!("reserve_{}", f.id), f.reserve.to_string());
    }
    crate::services::rounds::update_seats(ctx.db, ctx.admin, round_id, &FormData(form)).await?;
    ctx.formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .all(ctx.db)
        .await?;
    ctx.formations.sort_by(|a, b| a.code.cmp(&b.code));
    ctx.summary.formations = ctx.formations.len();

    // One panel per kecamatan (small: one panel), each with its panelists.
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in ctx.formations.iter().enumerate() {
        let kec = f.kelurahan_code.get(..8).unwrap_or_default().to_owned();
        groups.entry(kec).or_default().push(i);
    }
    let names: BTreeMap<String, String> = kecamatan::Entity::find()
        .all(ctx.db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect();
    for (p_no, (kec, members)) in groups.into_iter().enumerate() {
        let kec_name = names.get(&kec).cloned().unwrap_or_default();
        let panel_id = panels::create_panel(
            ctx.db,
            ctx.admin,
            round_id,
            &format!("Tim Penilai {kec_name}"),
            None,
        )
        .await?;
        let mut panelists = Vec::new();
        for n in 0..panel_size {
            let sex = if n % 2 == 0 { Sex::Male } else { Sex::Female };
            let name = ctx.names.full_name(&mut ctx.rng, sex);
            let biased = p_no == 0 && n == panel_size - 1;
            let leniency = if biased { 0 } else { [-1, 0, 0, 1][n % 4] };
            let scope: Vec<String> = members
                .iter()
                .map(|i| ctx.formations[*i].kelurahan_code.clone())
                .collect();
            let id = new_account(
                ctx,
                Role::Panelist,
                format!("penilai{}.{}@demo.pokmas.id", p_no + 1, n + 1),
                name,
                scope,
                format!(
                    "{}{}",
                    kec_name,
                    if biased {
                        " — penilai yang berat sebelah (lihat nilainya)"
                    } else {
                        ""
                    }
                ),
            )
            .await?;
            panels::add_member(ctx.db, ctx.admin, round_id, panel_id, &id.to_string()).await?;
            panelists.push(Panelist {
                id,
                leniency,
                biased,
            });
        }
        let texts: Vec<String> = members
            .iter()
            .map(|i| ctx.formations[*i].id.to_string())
            .collect();
        panels::set_formations(ctx.db, ctx.admin, round_id, panel_id, &texts).await?;
        ctx.panels.push((panel_id, panelists, members));
    }
    // The lottery witnesses are named while the round is a draft, so they
    // can commit as soon as registration opens.
    for w in &mut ctx.witnesses {
        let id =
            crate::services::lottery::name_witness(ctx.db, ctx.admin, round_id, &w.email, w.label)
                .await?;
        w.id = Some(id);
        ctx.summary.witnesses.push((w.email.clone(), "named"));
    }
    Ok(())
}

async fn settings_rts(ctx: &mut Ctx<'_>, code: &str, count: Option<i32>) -> anyhow::Result<()> {
    crate::services::rounds::create_rts(ctx.db, ctx.admin, code, count).await?;
    Ok(())
}

const EDUCATION: [&str; 5] = ["SMP", "SMA/SMK", "SMA/SMK", "D3", "S1"];
const OCCUPATION: [&str; 8] = [
    "Wiraswasta",
    "Pedagang",
    "Ibu rumah tangga",
    "Guru honorer",
    "Karyawan swasta",
    "Nelayan",
    "Pensiunan",
    "Petani",
];

/// Moves the round to `to` "at" day `days`, `hour` o'clock WITA of the demo calendar.
async fn move_round(ctx: &Ctx<'_>, to: RoundState, days: i64, hour: u8) -> anyhow::Result<()> {
    settings::transition_mailing(
        ctx.db,
        &ctx.checkpoint_key,
        Some(&mail_ctx(ctx)),
        ctx.admin,
        ctx.round_id,
        to,
        "",
        ctx.clock.at(days, hour),
    )
    .await?;
    Ok(())
}

fn restart_bar(ctx: &Ctx<'_>, len: u64, message: &'static str) {
    ctx.bar.set_length(len);
    ctx.bar.set_position(0);
    ctx.bar.set_message(message);
}

/// The RT the demo's biased panelist favours in the formation with this index.
fn favoured_rt(formation: usize) -> i32 {
    1 + i32::try_from(formation % 3).unwrap_or(0)
}

/// Applications in an exact tie (either side) are kept eligible, present and
/// unamended, so the ties survive to the ranking.
fn is_protected(apps: &[DemoApp], i: usize) -> bool {
    apps[i].twin_of.is_some() || apps[i].has_twin
}

/// Opens registration (freezing the rules) and registers the applicants:
/// mostly at the kelurahan help desk, some on their own account; a few
/// withdraw again.
async fn stage_registration(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    move_round(ctx, RoundState::Registration, -21, 8).await?;
    let (per_formation, _, _, _) = sizes(ctx.opts.scale);
    restart_bar(
        ctx,
        (per_formation * ctx.formations.len()) as u64,
        "pendaftar",
    );
    let mail = ctx.base_url.clone();
    let declarations: Vec<String> = crate::services::rounds::load(ctx.db, ctx.round_id)
        .await?
        .requirements
        .iter()
        .filter(|r| r.kind == "declaration")
        .map(|r| format!("decl_{}", r.code))
        .collect();
    let mut serial = 0u32;
    let mut per_kecamatan: BTreeMap<String, u32> = BTreeMap::new();
    for fi in 0..ctx.formations.len() {
        let f = ctx.formations[fi].clone();
        let rts: Vec<i32> = crate::db::entities::formation_rt::Entity::find()
            .filter(crate::db::entities::formation_rt::Column::FormationId.eq(f.id))
            .all(ctx.db)
            .await?
            .into_iter()
            .map(|r| r.rt_number)
            .collect();
        let kec = f.kelurahan_code.get(6..8).unwrap_or("01").to_owned();
        let operator = ctx.operators.get(&f.kelurahan_code).copied();
        let first_in_formation = ctx.apps.len();
        for n in 0..per_formation {
            serial += 1;
            // NIK serials count per kecamatan (four digits): a city-wide
            // count would pass 9,999 and repeat NIKs.
            let kec_serial = {
                let n = per_kecamatan.entry(kec.clone()).or_insert(0u32);
                *n += 1;
                *n
            };
            // Every 23rd applicant types a birth date that the NIK contradicts.
            let mismatch = serial % 23 == 5;
            let person = people::person(
                &mut ctx.rng,
                &ctx.names,
                &kec,
                ctx.opts.today,
                kec_serial,
                mismatch,
            );
            let own_account = ctx.rng.random_ratio(1, 5);
            let drawn = *rts.choose(&mut ctx.rng).unwrap_or(&1);
            // The biased panelist's RT is a real neighbourhood: five of the
            // first sixteen applicants of a formation live there, none of
            // them an exact-tie twin or its partner (no extra draw, so the
            // rest of the demo stays as it was for a seed).
            let favoured = favoured_rt(fi);
            let rt = if matches!(n, 1 | 3 | 5 | 9 | 12) && rts.contains(&favoured) {
                favoured
            } else {
                drawn
            };
            // Exact ties: every seventh applicant scores exactly like the one
            // before, every eleventh the same total with the tie-break
            // criterion swapped.
            let twin_of = match n {
                n if n > 0 && n % 7 == 0 => Some((ctx.apps.len() - 1, false)),
                n if n > 0 && n % 11 == 0 => Some((ctx.apps.len() - 1, true)),
                _ => None,
            };
            let quality: Vec<i32> = (0..ctx.criteria.len())
                .map(|_| ctx.rng.random_range(3..=5))
                .collect();
            let acting_actor = if own_account {
                let email = format!("warga{serial}@demo.pokmas.id");
                let id = new_account(
                    ctx,
                    Role::Applicant,
                    email,
                    person.name.clone(),
                    Vec::new(),
                    "pendaftar dengan akun sendiri".into(),
                )
                .await?;
                Actor::Account {
                    id,
                    role: Role::Applicant,
                }
            } else {
                let id = operator.context("an operator for every kelurahan")?;
                Actor::Account {
                    id,
                    role: Role::Operator,
                }
            };
            let scopes = vec![f.kelurahan_code.clone()];
            let acting = Acting {
                actor: acting_actor,
                scopes: if own_account { &[] } else { &scopes },
            };
            let id = apps::start_draft(
                ctx.db,
                acting,
                &StartDraft {
                    round_id: ctx.round_id,
                    kelurahan_code: f.kelurahan_code.clone(),
                    rt,
                    idempotency_key: format!("demo-{serial}"),
                },
            )
            .await?;
            let mut fields = BTreeMap::new();
            let email = if own_account {
                format!("warga{serial}@demo.pokmas.id")
            } else {
                String::new()
            };
            for (k, v) in [
                ("full_name", person.name.clone()),
                ("nik", person.nik.clone()),
                ("birth_place", "Samarinda".to_owned()),
                ("birth_date", person.typed_birth_date.to_string()),
                (
                    "sex",
                    if person.sex == Sex::Male {
                        "male"
                    } else {
                        "female"
                    }
                    .to_owned(),
                ),
                (
                    "address",
                    format!("Jl. Demo No. {} RT {rt:03}", ctx.rng.random_range(1..200)),
                ),
                (
                    "phone",
                    format!(
                        "08{:010}",
                        ctx.rng.random_range(1_000_000_000u64..9_999_999_999)
                    ),
                ),
                ("email", email),
                (
                    "education",
                    (*EDUCATION.choose(&mut ctx.rng).unwrap_or(&"SMA/SMK")).to_owned(),
                ),
                (
                    "occupation",
                    (*OCCUPATION.choose(&mut ctx.rng).unwrap_or(&"Wiraswasta")).to_owned(),
                ),
                (
                    "motivation",
                    "Ingin ikut membangun lingkungan RT secara terbuka.".to_owned(),
                ),
                (
                    "experience",
                    "Pengurus kegiatan warga dan posyandu.".to_owned(),
                ),
            ] {
                fields.insert(k.to_owned(), v);
            }
            for d in &declarations {
                fields.insert(d.clone(), "on".into());
            }
            let phone = fields.get("phone").cloned().unwrap_or_default();
            let saved =
                apps::save_draft(ctx.db, &ctx.vault, acting, id, &Fields(FormData(fields))).await?;
            anyhow::ensure!(saved.errors.is_empty(), "draft refused: {:?}", saved.errors);
            ctx.summary.nik_warnings += usize::from(!saved.warnings.is_empty());
            let mut docs = vec!["KTP", "KK"];
            if ctx.rng.random_ratio(1, 4) {
                docs.push("CV");
            }
            for code in docs {
                apps::attach_document(
                    ctx.db,
                    &ctx.store,
                    acting,
                    id,
                    code,
                    &format!("{}.pdf", code.to_lowercase()),
                    small_pdf(code, &format!("demo {serial}")),
                )
                .await?;
            }
            if !own_account {
                // The desk asks for consent to news by SMS/WhatsApp when it
                // takes the number, so the receipt text goes out on submission.
                let channel = if serial.is_multiple_of(3) {
                    "whatsapp"
                } else {
                    "sms"
                };
                let now = OffsetDateTime::now_utc();
                crate::services::message_consent::give(
                    ctx.db, acting, id, &phone, channel, true, now,
                )
                .await?;
            }
            apps::submit(
                ctx.db,
                &ctx.vault,
                apps::MailCtx {
                    base_url: &mail,
                    from: &ctx.from,
                },
                acting,
                id,
                Lang::Id,
            )
            .await?;
            ctx.summary.applications += 1;
            ctx.summary.assisted += usize::from(!own_account);
            ctx.apps.push(DemoApp {
                id,
                formation: fi,
                kelurahan: f.kelurahan_code.clone(),
                rt,
                acting: acting_actor,
                email: own_account.then(|| format!("warga{serial}@demo.pokmas.id")),
                state: "submitted",
                quality,
                twin_of: twin_of.filter(|(p, _)| *p >= first_in_formation),
                has_twin: false,
            });
            if let Some((p, _)) = ctx.apps.last().and_then(|a| a.twin_of) {
                ctx.apps[p].has_twin = true;
            }
            ctx.bar.inc(1);
        }
    }
    // A few change their minds before registration closes.
    let count = ctx.apps.len() / 30 + 1;
    let mut candidates: Vec<usize> = (0..ctx.apps.len())
        .filter(|i| !is_protected(&ctx.apps, *i))
        .collect();
    candidates.shuffle(&mut ctx.rng);
    for i in candidates.into_iter().take(count) {
        let a = &ctx.apps[i];
        let scopes = vec![a.kelurahan.clone()];
        let acting = Acting {
            actor: a.acting,
            scopes: match a.acting {
                Actor::Account {
                    role: Role::Operator,
                    ..
                } => &scopes,
                _ => &[],
            },
        };
        apps::withdraw(ctx.db, acting, a.id).await?;
        ctx.apps[i].state = "withdrawn";
        ctx.summary.withdrawn += 1;
    }
    commit_witnesses(ctx).await
}

/// Every witness commits `sha256_hex(secret)` before registration closes
/// (closing is refused otherwise). The secrets come from the demo's
/// generator, not from `lottery::suggest_secret`, so a seed repeats its
/// round; they look like the suggestion the witness page offers.
async fn commit_witnesses(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    for n in 0..ctx.witnesses.len() {
        let bytes: [u8; 16] = ctx.rng.random();
        let secret = crate::domain::lottery::lower_hex(&bytes)
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-");
        let w = &mut ctx.witnesses[n];
        let id = w.id.context("the witness was named in the draft stage")?;
        crate::services::lottery::commit(
            ctx.db,
            w.account,
            w.role,
            id,
            &crate::domain::lottery::sha256_hex(&secret),
        )
        .await?;
        w.secret = Some(secret);
        ctx.summary.witnesses[n].1 = "committed";
    }
    Ok(())
}

/// Once registration has closed every witness reveals their secret; the last
/// reveal fixes the lottery seed (the assessment cannot start before).
async fn reveal_witnesses(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    for (n, w) in ctx.witnesses.iter().enumerate() {
        let (Some(id), Some(secret)) = (w.id, w.secret.as_deref()) else {
            anyhow::bail!("witness {} never committed", w.email);
        };
        let revealed =
            crate::services::lottery::reveal(ctx.db, w.account, w.role, id, secret).await?;
        ctx.summary.witnesses[n].1 = "revealed";
        if let crate::services::lottery::Revealed::Seed(seed) = revealed {
            ctx.summary.lottery_seed = Some(seed);
        }
    }
    anyhow::ensure!(
        ctx.summary.lottery_seed.is_some() || ctx.witnesses.is_empty(),
        "every witness revealed but no seed was fixed"
    );
    Ok(())
}

/// Closes registration and verifies every application at the help desks:
/// most meet every requirement, a few get TMS with a reason.
async fn stage_verification(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    move_round(ctx, RoundState::Verification, 14, 16).await?;
    reveal_witnesses(ctx).await?;
    restart_bar(ctx, ctx.apps.len() as u64, "verifikasi");
    let mut checked = 0usize;
    for i in 0..ctx.apps.len() {
        ctx.bar.inc(1);
        if ctx.apps[i].state != "submitted" {
            continue;
        }
        let protected = is_protected(&ctx.apps, i);
        checked += 1;
        // Every nineteenth application checked has a bad scan.
        let tms = !protected && checked % 19 == 7;
        let reason = *[
            ("unreadable", "Pindaian KTP buram, nomor tidak terbaca."),
            ("mismatch", "Nama pada KK berbeda dengan nama pada KTP."),
            ("expired", "KTP yang diunggah sudah tidak berlaku."),
        ]
        .choose(&mut ctx.rng)
        .unwrap_or(&("other", "Dokumen tidak sesuai."));
        let a = &ctx.apps[i];
        let staff = Staff {
            id: *ctx.operators.get(&a.kelurahan).context("operator")?,
            role: Role::Operator,
            scopes: vec![a.kelurahan.clone()],
        };
        // The operator opens the application and takes the platform's own
        // finding for age and domicile, and decides the documents.
        let view = verification::open(ctx.db, &staff, a.id).await?;
        let decisions: Vec<Decision> = view
            .requirements
            .iter()
            .map(|r| match &r.automatic {
                Some(auto) => Decision {
                    requirement_id: r.id,
                    tms: auto.verdict == Verdict::Tms,
                    // The list's reason for the automatic finding (the
                    // service stores the finer code itself).
                    reason_code: (auto.verdict == Verdict::Tms).then(|| r.kind.clone()),
                    reason_text: if auto.verdict == Verdict::Tms {
                        auto.message(Lang::Id)
                    } else {
                        String::new()
                    },
                },
                None => {
                    let bad = tms && r.code == "KTP";
                    Decision {
                        requirement_id: r.id,
                        tms: bad,
                        reason_code: bad.then(|| reason.0.to_owned()),
                        reason_text: if bad { reason.1.into() } else { String::new() },
                    }
                }
            })
            .collect();
        let eligible = verification::verify(ctx.db, &ctx.from, &staff, a.id, &decisions, Lang::Id)
            .await
            .map_err(|e| anyhow::anyhow!("verifying: {e:?}"))?;
        ctx.apps[i].state = if eligible { "eligible" } else { "ineligible" };
        ctx.summary.ineligible += usize::from(!eligible);
    }
    Ok(())
}

/// Assessment: test sessions filled with the eligible applicants, attendance,
/// conflict declarations (some recusals), scores from panelists of different
/// leniency (one visibly biased), and amendments with reasons.
async fn stage_assessment(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    move_round(ctx, RoundState::Assessment, 22, 8).await?;
    let panel_list = ctx.panels.clone();
    for (p_no, (panel_id, _, members)) in panel_list.iter().enumerate() {
        let eligible = ctx
            .apps
            .iter()
            .filter(|a| a.state == "eligible" && members.contains(&a.formation))
            .count();
        let sessions = eligible.div_ceil(400).max(1);
        for s in 0..sessions {
            let starts_at = ctx.clock.at(23 + i64::try_from(s).unwrap_or(0), 8);
            let form = panels::SessionForm {
                starts_at,
                place: format!("Aula Kantor Kecamatan, sesi {}", s + 1),
                capacity: 400,
                panel_id: *panel_id,
            };
            let session = panels::create_session(
                ctx.db,
                ctx.admin,
                ctx.round_id,
                &form,
                Some(&format!("demo-session-{p_no}-{s}")),
            )
            .await?;
            panels::auto_fill(ctx.db, ctx.admin, &ctx.from, ctx.round_id, session).await?;
        }
    }
    // Attendance: nearly everyone comes.
    let index: BTreeMap<Uuid, usize> = ctx
        .apps
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id, i))
        .collect();
    let mut invitations = test_invitation::Entity::find().all(ctx.db).await?;
    invitations.sort_by_key(|inv| index.get(&inv.application_id).copied());
    let mut present = vec![false; ctx.apps.len()];
    restart_bar(ctx, invitations.len() as u64, "kehadiran");
    for inv in invitations {
        ctx.bar.inc(1);
        let Some(&i) = index.get(&inv.application_id) else {
            continue;
        };
        let protected = is_protected(&ctx.apps, i);
        let absent = !protected && i % 29 == 11;
        panels::record_attendance(
            ctx.db,
            ctx.admin,
            ctx.round_id,
            inv.id,
            if absent { "absent" } else { "present" },
            "",
        )
        .await?;
        present[i] = !absent;
        ctx.summary.absent += usize::from(absent);
    }
    // Declarations and scores, panel by panel, application by application.
    let total: usize = present.iter().filter(|p| **p).count();
    restart_bar(ctx, total as u64, "penilaian");
    let mut amend_later = Vec::new();
    for (_, panelists, members) in &panel_list {
        for (i, &came) in present.iter().enumerate() {
            if !came || !members.contains(&ctx.apps[i].formation) {
                continue;
            }
            ctx.bar.inc(1);
            let protected = is_protected(&ctx.apps, i);
            // At most one recusal per application, so three panelists remain.
            let recusing =
                (!protected && i % 17 == 3).then(|| ctx.rng.random_range(0..panelists.len()));
            let favoured_rt = favoured_rt(ctx.apps[i].formation);
            for (n, p) in panelists.iter().enumerate() {
                let app_id = ctx.apps[i].id;
                if recusing == Some(n) {
                    let (kind, text) = *[
                        (ConflictKind::Family, "Pendaftar adalah sepupu saya."),
                        (
                            ConflictKind::Household,
                            "Pendaftar tinggal serumah dengan saya.",
                        ),
                        (ConflictKind::Employment, "Pendaftar bekerja di toko saya."),
                    ]
                    .choose(&mut ctx.rng)
                    .unwrap_or(&(ConflictKind::Other, "Hubungan pribadi."));
                    scoring::declare(ctx.db, p.id, app_id, kind, text).await?;
                    ctx.summary.recusals += 1;
                    continue;
                }
                scoring::declare(ctx.db, p.id, app_id, ConflictKind::None, "").await?;
                // A twin copies its partner (when the partner was scored:
                // it may have failed the automatic age check).
                let copied = ctx.apps[i].twin_of.and_then(|(partner, swap)| {
                    Some((ctx.given.get(&(partner, p.id))?.clone(), swap))
                });
                let values = match copied {
                    Some((mut v, swap)) => {
                        if swap {
                            // Same total, different tie-break criterion: move
                            // one point from ORG to PRB (both weigh 20).
                            let org = v.get("ORG").copied().unwrap_or(3);
                            let prb = v.get("PRB").copied().unwrap_or(3);
                            if org > 1 && prb < 5 {
                                v.insert("ORG".into(), org - 1);
                                v.insert("PRB".into(), prb + 1);
                            } else {
                                v.insert("ORG".into(), prb);
                                v.insert("PRB".into(), org);
                            }
                        }
                        v
                    }
                    None => {
                        let mut v = Values::new();
                        for (c, code) in ctx.criteria.iter().enumerate() {
                            let noise = ctx.rng.random_range(-1..=1)
                                * i32::from(ctx.rng.random_ratio(1, 3));
                            let bias = if p.biased {
                                if ctx.apps[i].rt == favoured_rt { 2 } else { -1 }
                            } else {
                                0
                            };
                            let x = ctx.apps[i].quality[c] + p.leniency + noise + bias;
                            v.insert(code.clone(), x.clamp(1, 5));
                        }
                        v
                    }
                };
                scoring::submit(ctx.db, p.id, app_id, &values, None).await?;
                ctx.summary.scorecards += 1;
                if !protected && ctx.rng.random_ratio(1, 80) {
                    amend_later.push((p.id, i, values.clone()));
                }
                ctx.given.insert((i, p.id), values);
            }
        }
    }
    for (panelist, i, mut values) in amend_later {
        let code = ctx
            .criteria
            .choose(&mut ctx.rng)
            .cloned()
            .unwrap_or_default();
        let v = values.get(&code).copied().unwrap_or(3);
        values.insert(code, if v < 5 { v + 1 } else { v - 1 });
        scoring::submit(
            ctx.db,
            panelist,
            ctx.apps[i].id,
            &values,
            Some("Salah ketik saat memasukkan nilai dari lembar penilaian."),
        )
        .await?;
        ctx.given.insert((i, panelist), values);
        ctx.summary.amendments += 1;
    }
    Ok(())
}

/// Publishes the provisional results: every application gets its first rank.
/// The planted biased panelist is flagged, so publication takes the second
/// look: one admin asks, the second publishes with a written reason.
async fn stage_provisional(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    if second_look::marked(ctx.db, ctx.round_id).await?.is_empty() {
        move_round(ctx, RoundState::Provisional, 36, 10).await?;
        return Ok(());
    }
    second_look::request_publication(
        ctx.db,
        ctx.admin,
        ctx.round_id,
        "Penilaian selesai; mohon tinjauan panel sebelum diumumkan.",
        ctx.clock.at(36, 9),
    )
    .await?;
    second_look::decide_publication(
        ctx.db,
        &ctx.checkpoint_key,
        Some(&mail_ctx(ctx)),
        ctx.admin2,
        ctx.round_id,
        true,
        "Penilai yang ditandai sudah dimintai klarifikasi; inspektorat menerima laporan analitik panel bersama hasil sementara.",
        ctx.clock.at(36, 10),
    )
    .await?;
    Ok(())
}

const GROUNDS: [&str; 4] = [
    "Nilai wawancara saya terlalu rendah; jawaban saya tentang program RT sudah lengkap.",
    "Salah satu penilai memberi nilai yang jauh di bawah penilai lain tanpa alasan.",
    "Pengalaman saya sebagai pengurus posyandu tidak tercermin dalam nilai saya.",
    "Saya merasa nilai saya tertukar dengan pendaftar lain pada sesi yang sama.",
];

/// The mail context of the demo's services.
fn mail_ctx<'c>(ctx: &'c Ctx<'_>) -> crate::services::self_service::MailCtx<'c> {
    crate::services::self_service::MailCtx {
        base_url: &ctx.base_url,
        from: &ctx.from,
    }
}

/// Opens the objection window; applicants with their own account (only they
/// can file) contest results that did not select them. Admin 1 assigns the
/// second admin, who made no contested decision, as reviewer; the reviewer
/// proposes and admin 1 approves (four eyes). Accepted objections reopen the
/// scorecard of the panelist who scored lowest, and that panelist amends it
/// with a reason, so the ranks move with the amendment as their cause.
/// Some are rejected; the last one stays under review for the final stage.
async fn stage_objection(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    use crate::services::objections::{self, Proposal, Reopen};
    move_round(ctx, RoundState::Objection, 37, 8).await?;
    let wanted = match ctx.opts.scale {
        Scale::Small => 4,
        Scale::City => 30,
    };
    let candidates = pick_objectors(ctx, wanted).await?;
    restart_bar(ctx, candidates.len() as u64, "sanggahan");
    let reviewer = match ctx.admin2 {
        Actor::Account { id, .. } => id,
        Actor::System => anyhow::bail!("the second admin exists"),
    };
    let last = candidates.len().saturating_sub(1);
    for (k, &i) in candidates.iter().enumerate() {
        ctx.bar.inc(1);
        let app_id = ctx.apps[i].id;
        let days = 37 + i64::try_from(k % 5).unwrap_or(0);
        let hour = 9 + u8::try_from(k % 8).unwrap_or(0);
        let grounds = *GROUNDS.choose(&mut ctx.rng).unwrap_or(&GROUNDS[0]);
        let objection = objections::file(
            ctx.db,
            ctx.apps[i].acting,
            app_id,
            grounds,
            None,
            &format!("demo-objection-{k}"),
            ctx.clock.at(days, hour),
        )
        .await?;
        ctx.summary.objections_filed += 1;
        objections::assign(ctx.db, ctx.admin, objection, reviewer).await?;
        if k == last && k >= 2 {
            // Left under review: the admin screens show an open objection.
            ctx.open_objections.push((i, objection));
            ctx.summary.objections_pending += 1;
            note_objector(ctx, i, "ditinjau");
            continue;
        }
        let lowest = lowest_scorecard(ctx, i);
        let proposal = match (k % 2 == 0, &lowest) {
            (true, Some((panelist_id, _))) => Proposal {
                accepted: true,
                reasons: "Nilai penilai ini tidak sesuai berita acara uji kelayakan; lembar nilainya dibuka kembali untuk dikoreksi.".into(),
                reopen: Reopen::Scorecard {
                    panelist_id: *panelist_id,
                },
            },
            _ => Proposal {
                accepted: false,
                reasons: "Nilai sudah sesuai berita acara dan lembar penilaian; tidak ada kekeliruan.".into(),
                reopen: Reopen::None,
            },
        };
        let accepted = proposal.accepted;
        objections::propose(ctx.db, ctx.admin2, objection, proposal).await?;
        objections::decide(
            ctx.db,
            &mail_ctx(ctx),
            ctx.admin,
            objection,
            true,
            "Setuju dengan usulan peninjau.",
        )
        .await?;
        note_objector(ctx, i, if accepted { "diterima" } else { "ditolak" });
        if !accepted {
            ctx.summary.objections_rejected += 1;
            continue;
        }
        ctx.summary.objections_accepted += 1;
        if let Some((panelist, mut values)) = lowest {
            for v in values.values_mut() {
                *v = (*v + 1).min(5);
            }
            let (_, moved) = scoring::submit(
                ctx.db,
                panelist,
                app_id,
                &values,
                Some("Koreksi sesuai keputusan sanggahan: nilai disalin ulang dari lembar penilaian."),
            )
            .await?;
            ctx.given.insert((i, panelist), values);
            ctx.summary.amendments += 1;
            ctx.summary.objection_rank_changes += moved.len();
        }
    }
    Ok(())
}

/// The scorecard an accepted objection of application `i` reopens: the
/// panelist who gave the lowest sum (and has a value left to raise), with
/// those values. The amendment raises each by one point.
fn lowest_scorecard(ctx: &Ctx<'_>, i: usize) -> Option<(Uuid, Values)> {
    ctx.given
        .range((i, Uuid::nil())..=(i, Uuid::max()))
        .filter(|(_, v)| v.values().any(|x| *x < 5))
        .min_by_key(|(_, v)| v.values().sum::<i32>())
        .map(|((_, p), v)| (*p, v.clone()))
}

/// The demo round's passing total.
const PASSING_TOTAL: i32 = 60;

/// Application `i`'s `(total, passes)` once its lowest scorecard is raised
/// by one point per value, from the values the demo submitted (mean
/// aggregation, as the demo round uses).
fn raised_result(ctx: &Ctx<'_>, drafts: &[CriterionDraft], i: usize) -> Option<(f64, bool)> {
    let (lowest, _) = lowest_scorecard(ctx, i)?;
    let cards: Vec<(Uuid, &Values)> = ctx
        .given
        .range((i, Uuid::nil())..=(i, Uuid::max()))
        .map(|((_, p), v)| (*p, v))
        .collect();
    let (mut total, mut passes) = (0.0, true);
    for d in drafts {
        let sum: i32 = cards
            .iter()
            .map(|(p, v)| {
                let x = v.get(&d.code).copied().unwrap_or(d.scale_min);
                if *p == lowest { (x + 1).min(5) } else { x }
            })
            .sum();
        let mean = f64::from(sum) / cards.len().max(1) as f64;
        passes &= d.pass_min.is_none_or(|m| mean >= f64::from(m));
        let span = f64::from((d.scale_max - d.scale_min).max(1));
        total += f64::from(d.weight) * (mean - f64::from(d.scale_min)) / span;
    }
    Some((total, passes && total >= f64::from(PASSING_TOTAL)))
}

/// Who objects, in order: applicants with their own account and a complete,
/// published result, those not selected first (shuffled). Tied applications
/// stay untouched so the ties survive. The first objection is accepted and
/// its amendment must visibly move a rank, so it goes to an applicant whose
/// raised scorecard overtakes the one ranked just above.
async fn pick_objectors(ctx: &mut Ctx<'_>, wanted: usize) -> anyhow::Result<Vec<usize>> {
    use crate::db::entities::ranking;
    let ranks: BTreeMap<Uuid, ranking::Model> = ranking::Entity::find()
        .filter(ranking::Column::RoundId.eq(ctx.round_id))
        .all(ctx.db)
        .await?
        .into_iter()
        .map(|r| (r.application_id, r))
        .collect();
    // Totals are exact fractions; a float is enough to choose who objects.
    let total = |r: &ranking::Model| -> Option<f64> {
        let (p, q) = r.total_exact.as_deref()?.split_once('/')?;
        Some(p.parse::<f64>().ok()? / q.parse::<f64>().ok()?)
    };
    let by_rank: BTreeMap<(Uuid, i32), f64> = ranks
        .values()
        .filter_map(|r| Some(((r.formation_id, r.rank?), total(r)?)))
        .collect();
    let drafts = demo_criteria()?;
    let mut candidates: Vec<(usize, bool, bool)> = Vec::new();
    for (i, a) in ctx.apps.iter().enumerate() {
        if a.email.is_none() || a.state != "eligible" || is_protected(&ctx.apps, i) {
            continue;
        }
        let Some(r) = ranks.get(&a.id).filter(|r| r.published && r.complete) else {
            continue;
        };
        let selected = r.status.as_deref() == Some("selected");
        // Its result after the amendment (the ranking rule on the demo's own
        // values): it moves when it starts to pass, or overtakes the rank above.
        let overtakes = match (raised_result(ctx, &drafts, i), r.rank, total(r)) {
            (Some((_, true)), None, _) => true,
            (Some((new, true)), Some(rank), Some(_)) if rank > 1 => by_rank
                .get(&(r.formation_id, rank - 1))
                .is_some_and(|above| new > above + 0.01),
            _ => false,
        };
        candidates.push((i, selected, overtakes));
    }
    candidates.shuffle(&mut ctx.rng);
    // Those not selected object first: it is their rank an amendment can move.
    candidates.sort_by_key(|(_, selected, _)| *selected);
    if let Some(pos) = candidates.iter().position(|(_, _, overtakes)| *overtakes) {
        let mover = candidates.remove(pos);
        candidates.insert(0, mover);
    }
    candidates.truncate(wanted);
    Ok(candidates.into_iter().map(|(i, _, _)| i).collect())
}

/// Marks the objector's sign-in in the credentials, so the objection can be
/// followed from the applicant's side.
fn note_objector(ctx: &mut Ctx<'_>, i: usize, outcome: &str) {
    let Some(email) = ctx.apps[i].email.clone() else {
        return;
    };
    if let Some(c) = ctx
        .summary
        .credentials
        .iter_mut()
        .find(|c| c.email == email)
    {
        c.note = format!("pendaftar yang mengajukan sanggahan ({outcome})");
    }
}

/// Answers the objections still under review (rejected), then finalizes:
/// requested by admin 1 after the objection window, approved by admin 2; the
/// approval signs the final checkpoint.
async fn stage_final(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    use crate::services::objections::{self, Proposal, Reopen};
    for (i, objection) in std::mem::take(&mut ctx.open_objections) {
        objections::propose(
            ctx.db,
            ctx.admin2,
            objection,
            Proposal {
                accepted: false,
                reasons:
                    "Setelah pemeriksaan ulang, hasil penilaian sudah benar dan tetap berlaku."
                        .into(),
                reopen: Reopen::None,
            },
        )
        .await?;
        objections::decide(
            ctx.db,
            &mail_ctx(ctx),
            ctx.admin,
            objection,
            true,
            "Setuju dengan usulan peninjau.",
        )
        .await?;
        ctx.summary.objections_pending -= 1;
        ctx.summary.objections_rejected += 1;
        note_objector(ctx, i, "ditolak");
    }
    let at = ctx.clock.at(45, 10);
    crate::services::results::request_finalization(
        ctx.db,
        ctx.admin,
        ctx.round_id,
        "Masa sanggah berakhir dan semua sanggahan sudah diputus.",
        at,
    )
    .await?;
    crate::services::results::decide_finalization(
        ctx.db,
        &ctx.checkpoint_key,
        &mail_ctx(ctx),
        ctx.admin2,
        ctx.round_id,
        true,
        at,
    )
    .await?;
    Ok(())
}

/// A connection for loading the demo: on SQLite one connection with
/// `synchronous=OFF` while loading, because an fsync per use case, or two
/// per WAL checkpoint, dominates a bulk load on a busy disk (the city demo
/// spent ~13 s of its wall time waiting on checkpoint fsyncs with NORMAL).
/// Nothing is lost when the process dies (the OS holds the writes); an
/// interrupted demo, even by a crash of the machine, is run again into an
/// empty folder. The load ends with one durable checkpoint
/// ([`make_durable`]). The statements are the services' own; the server
/// keeps FULL.
///
/// # Errors
/// When the database cannot be opened.
pub async fn connect_for_load(url: &str) -> anyhow::Result<DatabaseConnection> {
    if !url.starts_with("sqlite:") {
        return Ok(crate::db::connect(url).await?);
    }
    let mut opts = sea_orm::ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .max_connections(1)
        .min_connections(1)
        // As in `db::connect`: no ping (a worker round trip) per acquire.
        .test_before_acquire(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Off)
                .foreign_keys(true)
                .busy_timeout(crate::db::SQLITE_BUSY_TIMEOUT)
                .row_buffer_size(crate::db::SQLITE_ROW_BUFFER)
                // A city round's indexes outgrow SQLite's default 2 MB page
                // cache within minutes; every miss is a read from the OS.
                .pragma("cache_size", "-131072")
                // Each commit appends every page it dirtied to the WAL, and
                // each checkpoint copies them into the database again: with
                // the default 1,000-page WAL a city load wrote 170 KB per use
                // case. A longer WAL lets a page written by many commits
                // reach the database once per checkpoint.
                .pragma("wal_autocheckpoint", "16384")
        });
    let mut db = sea_orm::Database::connect(opts).await?;
    if sql_stats::enabled() {
        sql_stats::install(&mut db);
    }
    Ok(db)
}

/// Ends a load on SQLite: everything written is copied into the database
/// file and synced, and the WAL emptied, so the demo survives a crash of the
/// machine from here on.
///
/// # Errors
/// When SQLite refuses the checkpoint.
pub async fn make_durable(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA synchronous = FULL").await?;
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    Ok(())
}

/// Whether `db` holds anything besides regions (a demo must not mix with real data).
///
/// # Errors
/// Storage failures.
pub async fn database_in_use(db: &DatabaseConnection) -> anyhow::Result<bool> {
    let accounts = account::Entity::find().count(db).await?;
    let applications = application::Entity::find().count(db).await?;
    let rounds = crate::db::entities::round::Entity::find().count(db).await?;
    Ok(accounts + applications + rounds > 0)
}

/// The credentials as text, one account per line.
#[must_use]
pub fn credentials_text(s: &Summary, base_url: &str) -> String {
    let mut out = format!("# Akun demo pokmas — masuk di {base_url}/masuk\n");
    if !s.witnesses.is_empty() {
        out.push_str(&format!(
            "# saksi undian: {}\n",
            witnesses_text(&s.witnesses, "diangkat", "berkomitmen", "sudah mengungkap")
        ));
    }
    out.push_str(&format!(
        "# sanggahan: {} diajukan, {} diterima, {} ditolak, {} belum diputus\n",
        s.objections_filed, s.objections_accepted, s.objections_rejected, s.objections_pending
    ));
    out.push_str("# role\temail\tpassword\tketerangan\n");
    let applicants = s.credentials.iter().filter(|c| c.role == Role::Applicant);
    // Every applicant who objected (to see their objection), then a few others.
    let objectors = applicants.clone().filter(|c| c.note.contains("sanggahan"));
    let others = applicants.filter(|c| !c.note.contains("sanggahan")).take(3);
    for c in s
        .credentials
        .iter()
        .filter(|c| c.role != Role::Applicant)
        .chain(objectors)
        .chain(others)
    {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            c.role.as_str(),
            c.email,
            c.password,
            c.note
        ));
    }
    out
}

/// Writes the credentials to `DATA_DIR/demo-credentials.txt` (mode 0600),
/// replacing an older file.
///
/// # Errors
/// When the file cannot be written.
pub fn write_credentials(data_dir: &Path, text: &str) -> anyhow::Result<PathBuf> {
    let path = data_dir.join("demo-credentials.txt");
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).context("removing the old credentials file"),
    }
    crate::config::write_private(&path, text.as_bytes())?;
    Ok(path)
}

/// The witnesses as `email (state), …`, with the words for each state.
fn witnesses_text(
    ws: &[(String, &'static str)],
    named: &str,
    committed: &str,
    revealed: &str,
) -> String {
    ws.iter()
        .map(|(email, state)| {
            let word = match *state {
                "revealed" => revealed,
                "committed" => committed,
                _ => named,
            };
            format!("{email} ({word})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The summary printed at the end of `pokmas demo`.
#[must_use]
pub fn summary_text(s: &Summary) -> String {
    let round = s.round_id.map(|id| id.to_string()).unwrap_or_default();
    format!(
        "demo ready in {:.1} s: round {round} (/seleksi/{}) in state {}\n\
         {} formations, {} applications ({} at a help desk), {} withdrawn, {} ineligible, \
         {} with a NIK warning, {} absent\n\
         {} scorecards, {} amendments, {} recusals; {} audit events; database {:.1} MB\n",
        s.seconds,
        s.round_slug,
        s.state,
        s.formations,
        s.applications,
        s.assisted,
        s.withdrawn,
        s.ineligible,
        s.nik_warnings,
        s.absent,
        s.scorecards,
        s.amendments,
        s.recusals,
        s.audit_events,
        s.database_bytes as f64 / 1_000_000.0,
    ) + &format!(
        "lottery witnesses: {}; seed {}\n\
         objections: {} filed, {} accepted, {} rejected, {} pending; \
         {} rank changes from reopened scorecards\n",
        if s.witnesses.is_empty() {
            "none".to_owned()
        } else {
            witnesses_text(&s.witnesses, "named", "committed", "revealed")
        },
        s.lottery_seed.as_deref().unwrap_or("not fixed yet"),
        s.objections_filed,
        s.objections_accepted,
        s.objections_rejected,
        s.objections_pending,
        s.objection_rank_changes,
    ) + &format!(
        "stages: {}\n",
        s.stage_seconds
            .iter()
            .map(|(n, t)| format!("{n} {t:.1} s"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// `serve --demo`: loads the small demo (seed 1, up to [`DEFAULT_STATE`])
/// into an empty database and writes the credentials file; leaves a
/// database in use untouched.
///
/// # Errors
/// When the database cannot be opened or the demo fails.
pub async fn load_for_serve(config: &crate::config::Config) -> anyhow::Result<()> {
    use migration::{Migrator, MigratorTrait};
    let db = crate::db::connect(&config.database_url)
        .await
        .context("cannot open the database")?;
    Migrator::up(&db, None).await.context("migration failed")?;
    if database_in_use(&db).await? {
        tracing::info!("--demo: the database already holds data; not loading the demo");
        return Ok(());
    }
    let db = connect_for_load(&config.database_url).await?;
    let summary = run(
        &db,
        &Installation {
            data_dir: &config.data_dir,
            secret: &config.secret,
            checkpoint_seed: &config.checkpoint_seed,
            base_url: &config.base_url,
        },
        Options {
            scale: Scale::Small,
            seed: 1,
            stop_at: DEFAULT_STATE,
            today: OffsetDateTime::now_utc().date(),
            progress: false,
        },
    )
    .await?;
    let text = credentials_text(&summary, &config.base_url);
    let path = write_credentials(&config.data_dir, &text)?;
    tracing::info!(
        round.slug = %summary.round_slug,
        applications = summary.applications,
        seconds = summary.seconds,
        credentials = %path.display(),
        "demo loaded"
    );
    println!("{text}");
    Ok(())
}
