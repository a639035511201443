//! `pokmas demo`: a complete, realistic round built through the same service
//! functions the web uses, so the audit trail, standings, ranks and mail
//! outbox are real. Deterministic for a seed: every choice comes from one
//! ChaCha generator, and the demo keeps its own calendar (`Clock`) instead of
//! reading the wall clock for decisions.
//!
//! The round is driven as a sequence of stages, one function each, in round
//! order; `--state` stops after the stage that reaches that state (see
//! [`STAGES`]). Each stage has its file: `setup` (accounts and the draft
//! round), `registration`, `verify`, `assessment`, `results` (provisional,
//! objections, final); `load` and `report` hold the loading and the printed
//! summary. This file holds the shared types and helpers.

mod assessment;
pub mod bench;
mod info;
mod load;
mod people;
mod registration;
mod report;
mod results;
mod setup;
pub mod sql_stats;
mod tpp;
mod verify;

use crate::domain::application::ApplicationState;
use assessment::stage_assessment;
pub use load::{connect_for_load, database_in_use, load_for_serve, make_durable};
use registration::stage_registration;
pub use report::{credentials_text, summary_text, write_credentials};
use results::{stage_final, stage_objection, stage_provisional};
use setup::{stage_accounts, stage_draft};
use verify::stage_verification;

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
use crate::domain::form::FormData;
use crate::domain::lang::Lang;
use crate::domain::nik::Sex;
use crate::domain::role::Role;
use crate::domain::round::{RoundState, Schedule};
use crate::mail::Mailbox;
use crate::pii::NikVault;
use crate::services::applications::{self as apps, Acting, Fields, StartDraft};
use crate::services::checkpoints::CheckpointKey;
use crate::services::rounds::{
    self as criteria, self as settings, CriterionDraft, RoundSettings, SeatsItem,
};
use crate::services::scoring::{self, ConflictKind, Values};
use crate::services::verification::{self, Decision, Staff};
use crate::services::{accounts, panels, regions, second_look};
use crate::storage::FileStore;
pub use people::{NameParts, Person, nik_for, small_pdf};
pub use tpp::TppSummary;

/// The demo round's passing total.
const PASSING_TOTAL: i32 = 60;

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
    /// Present applications no panelist has scored yet (only when the demo
    /// stops in assessment: one per panel).
    pub waiting_for_panel: usize,
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
    /// Seconds spent in each stage, in order (`tpp`: the whole second round).
    pub stage_seconds: Vec<(&'static str, f64)>,
    /// The second, two-stage round.
    pub tpp: Option<tpp::TppSummary>,
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
    state: ApplicationState,
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

impl<'a> Ctx<'a> {
    /// A context for one round: the installation's keys and the demo's
    /// calendar, a generator seeded with `seed`, no round yet.
    fn new(
        db: &'a DatabaseConnection,
        install: &Installation<'_>,
        opts: Options,
        seed: u64,
        bar: ProgressBar,
    ) -> anyhow::Result<Self> {
        Ok(Ctx {
            db,
            store: FileStore::new(install.data_dir).without_sync(),
            vault: NikVault::new(install.secret),
            checkpoint_key: CheckpointKey::new(install.base_url, install.checkpoint_seed.bytes())?,
            from: "Probebaya Samarinda <noreply@pokmas.localhost>"
                .parse()
                .context("sender address")?,
            base_url: install.base_url.trim_end_matches('/').to_owned(),
            rng: ChaCha8Rng::seed_from_u64(seed),
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
        })
    }
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
    let data_dir = install.data_dir;
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
    let mut ctx = Ctx::new(db, install, opts.clone(), opts.seed, bar)?;
    stage_accounts(&mut ctx).await.context("demo: accounts")?;
    for (name, state) in STAGES {
        ctx.bar.set_prefix(name);
        let stage_started = Instant::now();
        // Each stage's future on the heap (see `tpp::run`).
        let step: std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + '_>> =
            match state {
                RoundState::Draft => Box::pin(stage_draft(&mut ctx)),
                RoundState::Registration => Box::pin(stage_registration(&mut ctx)),
                RoundState::Verification => Box::pin(stage_verification(&mut ctx)),
                RoundState::Assessment => Box::pin(stage_assessment(&mut ctx)),
                RoundState::Provisional => Box::pin(stage_provisional(&mut ctx)),
                RoundState::Objection => Box::pin(stage_objection(&mut ctx)),
                RoundState::Final => Box::pin(stage_final(&mut ctx)),
                RoundState::Cancelled => Box::pin(std::future::ready(Ok(()))),
            };
        step.await.with_context(|| format!("demo stage {name}"))?;
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
    // The second round, a two-stage facilitator recruitment, runs through
    // the same states up to the same stop, with its own generator so the
    // first round stays what it was for a seed.
    let tpp_started = Instant::now();
    let tpp = Box::pin(tpp::run(&ctx, install))
        .await
        .context("demo: the two-stage round")?;
    ctx.summary
        .stage_seconds
        .push(("tpp", tpp_started.elapsed().as_secs_f64()));
    ctx.summary
        .credentials
        .extend(tpp.credentials.iter().cloned());
    ctx.summary.tpp = Some(tpp);
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

/// The mail context of the demo's services.
fn mail_ctx<'c>(ctx: &'c Ctx<'_>) -> crate::services::self_service::MailCtx<'c> {
    crate::services::self_service::MailCtx {
        base_url: &ctx.base_url,
        from: &ctx.from,
        vault: &ctx.vault,
    }
}
