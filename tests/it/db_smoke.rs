use migration::{Migrator, MigratorTrait};

use crate::support::TestDb;

#[tokio::test]
async fn sqlite_opens_with_durable_settings_and_migrates_down_and_up() {
    let t = TestDb::sqlite().await;
    pokmas::db::check_sqlite_pragmas(&t.db)
        .await
        .expect("pragmas hold");
    Migrator::down(&t.db, None).await.expect("down");
    Migrator::up(&t.db, None).await.expect("up again");
}

#[tokio::test]
async fn postgres_migrates_down_and_up() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    Migrator::down(&t.db, None).await.expect("down");
    Migrator::up(&t.db, None).await.expect("up again");
}

/// `.cargo/config.toml` builds SQLite with a fixed query plan per statement
/// (else every `.one()`, bound with `LIMIT ?`, is compiled again on each
/// use) and without allocation statistics; losing that setting loses no
/// result, only time, so only this test would notice.
#[tokio::test]
async fn sqlite_is_built_with_our_options() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let t = TestDb::sqlite().await;
    let rows =
        t.db.query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA compile_options",
        ))
        .await
        .expect("compile options");
    let options: Vec<String> = rows
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("text"))
        .collect();
    for want in ["ENABLE_QPSG", "DEFAULT_MEMSTATUS=0"] {
        assert!(
            options.iter().any(|o| o == want),
            "SQLite lacks {want}: {options:?}"
        );
    }
}
