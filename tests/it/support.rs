//! Test fixtures: a fresh database per test, on SQLite or PostgreSQL.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tempfile::TempDir;

/// A migrated database that lives as long as the value.
pub struct TestDb {
    pub db: DatabaseConnection,
    #[allow(dead_code, reason = "read only by tests that open a second connection")]
    pub url: String,
    /// Keeps the SQLite file (and any data dir) alive for the test.
    #[allow(dead_code, reason = "held for its Drop, which removes the directory")]
    pub dir: TempDir,
}

impl TestDb {
    /// A fresh SQLite file in a temporary directory, migrated.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("pokmas.db").display()
        );
        let db = pokmas::db::connect(&url).await.expect("open sqlite");
        Migrator::up(&db, None).await.expect("migrate sqlite");
        TestDb { db, url, dir }
    }

    /// A fresh PostgreSQL database created next to `TEST_DATABASE_URL`, migrated.
    ///
    /// Returns `None` (and says so) when `TEST_DATABASE_URL` is unset, unless `CI`
    /// is set: there the PostgreSQL suite must run, so its absence fails the test.
    pub async fn postgres() -> Option<TestDb> {
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
        Migrator::up(&db, None).await.expect("migrate postgres");
        let dir = tempfile::tempdir().expect("temp dir");
        Some(TestDb { db, url, dir })
    }
}
