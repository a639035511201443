//! The `pokmas` command line: one binary for the server and every tool.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use rand::distr::{Alphanumeric, SampleString};

use crate::config::{Config, InstallationArgs, ServeArgs};
use crate::db::audit::Actor;
use crate::domain::role::Role;
use crate::services;

/// Open recruitment and fit-and-proper test of Samarinda's Probebaya Pokmas.
#[derive(Debug, Parser)]
#[command(name = "pokmas", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub installation: InstallationArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve the web site and API until SIGTERM/SIGINT.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import regions (`kode_kecamatan,nama_kecamatan,kode_kelurahan,nama_kelurahan`)
    /// or an RT list (`kode_kelurahan,rt`). All or nothing; safe to repeat.
    ImportRegions {
        /// The CSV file.
        file: PathBuf,
    },
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Export data as CSV (the columns of README "The files", formula-escaped).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Check an exported audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent bundle of the installation to DIR: the SQLite
    /// database (for PostgreSQL run pg_dump first, see the README), the
    /// documents, the checkpoint key and a SHA-256 manifest.
    Backup {
        /// A new or empty folder.
        dir: PathBuf,
        /// Also bundle `secret.key`. Whoever holds the bundle can then read
        /// every NIK: keep it apart from ordinary backups.
        #[arg(long)]
        include_secret_key: bool,
    },
    /// Restore a bundle written by `pokmas backup` into the (new or empty)
    /// data folder, after checking its manifest.
    Restore {
        /// The bundle folder.
        dir: PathBuf,
    },
    /// Build a complete demo round through the real services into an empty
    /// database (deterministic for a seed); credentials go to
    /// `DATA_DIR/demo-credentials.txt`.
    Demo(DemoArgs),
    /// Benchmark helper: append N synthetic events through the audit append
    /// path (for `benches/run.sh`, P4/P5).
    #[command(hide = true)]
    BenchTrail {
        /// How many events.
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
    },
    /// Personal data past its retention period (see the privacy settings).
    #[command(subcommand)]
    Retention(RetentionCommand),
}

/// `pokmas retention …`.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// List what the retention schedule makes due (a dry run, changing
    /// nothing), or erase it with `--execute`: delete the documents, blank
    /// the contact and birth data and destroy the data keys, with one audit
    /// event per round holding counts only.
    Run {
        /// Erase what is listed instead of only listing it.
        #[arg(long)]
        execute: bool,
        /// The clock of the run (RFC 3339, e.g. 2028-01-01T00:00:00Z)
        /// instead of now, for a dry run and `--execute` alike: what is
        /// due at that time is listed, or erased. A time ahead of now
        /// erases data before their period ends (a demo, a test).
        #[arg(long, value_parser = parse_rfc3339)]
        as_of: Option<time::OffsetDateTime>,
    },
}

fn parse_rfc3339(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time ({e}), e.g. 2028-01-01T00:00:00Z"))
}

/// `pokmas demo …`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// `small`: one kecamatan, about 60 applicants (seconds); `city`: 59
    /// formations, about 20,000 applicants.
    #[arg(long, value_enum, default_value = "small")]
    pub scale: crate::demo::Scale,
    /// Seed of every choice the demo makes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Stop once the round reaches this state: draft, registration,
    /// verification, assessment, provisional, objection (results published,
    /// objections filed and mostly decided) or final.
    #[arg(long, default_value_t = crate::demo::DEFAULT_STATE, value_parser = parse_demo_state)]
    pub state: crate::domain::round::RoundState,
    /// Do not draw the progress bar.
    #[arg(long)]
    pub quiet: bool,
}

fn parse_demo_state(s: &str) -> Result<crate::domain::round::RoundState, String> {
    crate::demo::STAGES
        .iter()
        .find(|(name, _)| *name == s)
        .map(|(_, state)| *state)
        .ok_or_else(|| {
            let names: Vec<&str> = crate::demo::STAGES.iter().map(|(n, _)| *n).collect();
            format!("one of: {}", names.join(", "))
        })
}

/// `pokmas user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an active account. The password is read from standard input when
    /// it is not a terminal, otherwise generated and printed once.
    Add {
        /// E-mail address (the login).
        #[arg(long)]
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Role: admin, operator, panelist, auditor (or applicant).
        #[arg(long)]
        role: Role,
        /// Kelurahan code the account acts in, e.g. 64.72.01.1001 (repeatable;
        /// required for operators and panelists).
        #[arg(long = "kelurahan")]
        kelurahan: Vec<String>,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
}

/// `pokmas export …`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The whole audit trail as `audit.csv`.
    Audit {
        /// Output file, or `-` for standard output.
        #[arg(long)]
        out: PathBuf,
        /// Round id or slug the export is made for (recorded in the trail;
        /// the file is always the whole trail, since a chain cannot be split).
        #[arg(long)]
        round: Option<String>,
    },
    /// `applications.csv`: registration numbers, formation, eligibility and
    /// reasons, masked NIK.
    Applications(RoundExport),
    /// `scores.csv`: every submitted scorecard version per criterion, and
    /// imported values.
    Scores(RoundExport),
    /// `rankings.csv`: one row per application, exact totals, ranks, status.
    Rankings(RoundExport),
    /// `criteria.csv`.
    Criteria(RoundExport),
    /// `stages.csv`: a staged round's stages, rules and shortlist publications.
    Stages(RoundExport),
    /// `shortlists.csv`: every entry of every published stage shortlist.
    Shortlists(RoundExport),
    /// `formations.csv`.
    Formations(RoundExport),
    /// `round.csv`: the ranking rules and the lottery seed.
    Round(RoundExport),
    /// `analytics.csv`: panel reliability, group bias, second-look marks
    /// and the conflict flags they were computed from.
    Analytics(RoundExport),
    /// Every file of the round, and `audit.csv`, into the folder `--out`.
    All(RoundExport),
}

/// Which round to export, and where to.
#[derive(Debug, clap::Args)]
pub struct RoundExport {
    /// Round id or slug.
    #[arg(long)]
    pub round: String,
    /// Output file (`-` for standard output); a folder for `all`.
    #[arg(long)]
    pub out: PathBuf,
}

/// `pokmas audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify an exported `audit.csv`. Exit 0 valid, 1 tampered (row and reason
    /// printed), 2 malformed.
    Verify {
        /// The exported file.
        file: PathBuf,
        /// Require that the trail contains exactly this event, e.g. `1200:ab12…`.
        #[arg(long, value_name = "SEQ:HASH", conflicts_with = "checkpoint_file")]
        checkpoint: Option<String>,
        /// A signed checkpoint note (as served at `/jejak-audit/checkpoint.txt`);
        /// its signature is checked with `--public-key` first.
        #[arg(long, value_name = "FILE", requires = "public_key")]
        checkpoint_file: Option<PathBuf>,
        /// The verifier key `NAME+KEYID+BASE64`, or a file holding it.
        #[arg(long, value_name = "KEY", requires = "checkpoint_file")]
        public_key: Option<String>,
    },
    /// Print the latest signed checkpoint note of this installation's trail.
    Checkpoint {
        /// Print the public verifier key (`NAME+KEYID+BASE64`) first.
        #[arg(long)]
        public_key: bool,
        /// Public address of the site, naming the key before any checkpoint exists.
        #[arg(long, env = "POKMAS_BASE_URL", default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// Check a receipt (`.tlog-proof` file) offline against a trust policy
    /// (C2SP tlog-policy: the log key, the witnesses and the quorum). Exit 0
    /// valid, 1 not valid, 2 malformed input.
    VerifyProof {
        /// The receipt file.
        file: PathBuf,
        /// The policy file (as served at `/log/policy.txt`).
        #[arg(long)]
        policy: PathBuf,
    },
    /// Write the Merkle log as C2SP tlog-tiles static files under DIR
    /// (`DIR/checkpoint`, `DIR/tile/…`), for any web server to serve.
    Tiles {
        /// The folder to write (created if missing; existing tiles are kept).
        dir: PathBuf,
    },
    /// Re-rank every formation from an `export all` folder (and re-derive a
    /// staged round's published shortlists) and report every disagreement
    /// with its `rankings.csv` and `shortlists.csv`. Exit 0 all agree, 1
    /// disagreements, 2 malformed files. No database needed.
    Recompute {
        /// The folder written by `pokmas export all`.
        dir: PathBuf,
    },
    /// Recompute the panel analytics (reliability, group bias, second-look
    /// marks) of an `export all` folder and list every row that disagrees
    /// with its `analytics.csv`. Exit 0 all agree, 1 disagreements, 2
    /// malformed files. No database needed.
    Analytics {
        /// The folder written by `pokmas export all`.
        dir: PathBuf,
    },
}

/// Runs the parsed command; returns the process exit code.
///
/// # Errors
/// Any failure, printed by `main` with its causes.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    let inst = cli.installation;
    match cli.command {
        Command::Serve(args) => {
            let config = Config::resolve(&inst, &args)?;
            if args.demo {
                crate::demo::load_for_serve(&config).await?;
            }
            crate::server::serve(config, &args.ops).await?;
            Ok(0)
        }
        Command::Migrate => {
            let db = open(&inst).await?;
            Migrator::up(&db, None).await.context("migration failed")?;
            println!("database is up to date");
            Ok(0)
        }
        Command::ImportRegions { file } => {
            let db = open_migrated(&inst).await?;
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let parsed = match crate::export::regions_csv::parse(std::io::BufReader::new(f)) {
                Ok(p) => p,
                Err(errors) => {
                    eprintln!(
                        "{} ditolak, tidak ada yang diimpor:\n{errors}",
                        file.display()
                    );
                    return Ok(2);
                }
            };
            let r = services::regions::import(&db, Actor::System, &parsed).await?;
            println!(
                "imported: {} kecamatan, {} kelurahan, {} RT added; {} renamed",
                r.kecamatan_added, r.kelurahan_added, r.rt_added, r.renamed
            );
            Ok(0)
        }
        Command::User(UserCommand::Add {
            email,
            name,
            role,
            kelurahan,
            password_stdin,
        }) => {
            let db = open_migrated(&inst).await?;
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (Alphanumeric.sample_string(&mut rand::rng(), 20), true)
            };
            let new = services::accounts::NewAccount {
                email: email.clone(),
                name,
                role,
                kelurahan,
                password: password.clone(),
            };
            let id = services::accounts::create_account(&db, Actor::System, new).await?;
            println!("account {id} created for {email} ({role})");
            if generated {
                println!("password (shown once): {password}");
            }
            Ok(0)
        }
        Command::Export(cmd) => {
            let db = open_migrated(&inst).await?;
            crate::export_cmd::run(&db, cmd).await
        }
        Command::Audit(AuditCommand::Verify {
            file,
            checkpoint,
            checkpoint_file,
            public_key,
        }) => Ok(match (checkpoint_file, public_key) {
            (Some(note), Some(key)) => crate::verify_cmd::verify_signed(&file, &note, &key),
            _ => crate::verify_cmd::verify(&file, checkpoint.as_deref()),
        }),
        Command::Audit(AuditCommand::Checkpoint {
            public_key,
            base_url,
        }) => {
            let db = open_migrated(&inst).await?;
            crate::verify_cmd::print_checkpoint(&db, &inst.data_dir, &base_url, public_key).await
        }
        Command::Audit(AuditCommand::VerifyProof { file, policy }) => {
            Ok(crate::tlog_cmd::verify_proof(&file, &policy))
        }
        Command::Audit(AuditCommand::Tiles { dir }) => {
            let db = open_migrated(&inst).await?;
            crate::tlog_cmd::write_tiles(&db, &dir).await
        }
        Command::Audit(AuditCommand::Recompute { dir }) => Ok(crate::verify_cmd::recompute(&dir)),
        Command::Audit(AuditCommand::Analytics { dir }) => Ok(crate::verify_cmd::analytics(&dir)),
        Command::Backup {
            dir,
            include_secret_key,
        } => crate::ops::backup::run_backup(&inst, &dir, include_secret_key).await,
        Command::Restore { dir } => crate::ops::backup::run_restore(&inst, &dir),
        Command::Demo(args) => demo(&inst, &args).await,
        Command::BenchTrail { events } => {
            let db = open_migrated(&inst).await?;
            let n = crate::demo::bench::append_events(&db, events, true).await?;
            eprintln!("appended {n} audit events");
            Ok(0)
        }
        Command::Retention(RetentionCommand::Run { execute, as_of }) => {
            let db = open_migrated(&inst).await?;
            let now = as_of.unwrap_or_else(time::OffsetDateTime::now_utc);
            // The contact and birth fields are under each application's
            // data key, wrapped by a key derived from the secret.
            let given = std::env::var("POKMAS_SECRET").ok();
            let secret = crate::config::Secret::load_or_create(given.as_deref(), &inst.data_dir)?;
            let vault = crate::pii::NikVault::new(&secret);
            if execute {
                let store = crate::storage::FileStore::new(&inst.data_dir);
                let done = services::retention::execute(&db, &vault, &store, now).await?;
                print!("{}", done.plan.describe());
                println!("erased; {} document files removed", done.files_removed);
            } else {
                let plan = services::retention::plan(&db, &vault, now).await?;
                print!("{}", plan.describe());
                println!("dry run: nothing was changed (add --execute to erase)");
            }
            Ok(0)
        }
    }
}

/// `pokmas demo`: refuses a database that already holds accounts or rounds.
///
/// # Errors
/// When the database cannot be opened or a demo stage fails.
pub async fn demo(inst: &InstallationArgs, args: &DemoArgs) -> anyhow::Result<i32> {
    let db = open_migrated(inst).await?;
    if crate::demo::database_in_use(&db).await? {
        eprintln!(
            "{} sudah berisi akun atau seleksi; demo hanya dimuat ke basis data kosong \
             (pakai --data-dir lain).",
            inst.data_dir.display()
        );
        return Ok(2);
    }
    std::fs::create_dir_all(&inst.data_dir)?;
    drop(db);
    let db = crate::demo::connect_for_load(&inst.database_url()?).await?;
    let given = std::env::var("POKMAS_SECRET").ok();
    let secret = crate::config::Secret::load_or_create(given.as_deref(), &inst.data_dir)?;
    let checkpoint_seed = crate::config::Secret::in_file(&inst.data_dir, "checkpoint.key")?;
    let base_url =
        std::env::var("POKMAS_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let summary = crate::demo::run(
        &db,
        &crate::demo::Installation {
            data_dir: &inst.data_dir,
            secret: &secret,
            checkpoint_seed: &checkpoint_seed,
            base_url: &base_url,
        },
        crate::demo::Options {
            scale: args.scale,
            seed: args.seed,
            stop_at: args.state,
            today: time::OffsetDateTime::now_utc().date(),
            progress: !args.quiet,
        },
    )
    .await?;
    let text = crate::demo::credentials_text(&summary, &base_url);
    let path = crate::demo::write_credentials(&inst.data_dir, &text)?;
    print!("{}", crate::demo::summary_text(&summary));
    println!("\n{text}");
    println!("credentials written to {}", path.display());
    Ok(0)
}

async fn open(inst: &InstallationArgs) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let url = inst.database_url()?;
    crate::db::connect(&url)
        .await
        .context("cannot open the database")
}

async fn open_migrated(inst: &InstallationArgs) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = open(inst).await?;
    Migrator::up(&db, None).await.context("migration failed")?;
    Ok(db)
}
