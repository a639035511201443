//! Loading the demo into a database: a fast connection for the load, making
//! it durable afterwards, and loading it for `serve`.

// The demo's shared types, imports and helpers live in `mod.rs`.
use super::*;

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
