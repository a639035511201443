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
