//! Signed checkpoints: daily when the trail moved, never over a rewritten trail.

use pokmas::db::audit::{Actor, NewEvent, append};
use pokmas::db::entities::audit_event;
use pokmas::domain::checkpoint::open;
use pokmas::services::checkpoints::{self, daily, record};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use time::{Duration, OffsetDateTime};

use crate::support::TestApp;

/// Appends one event and returns its seq.
async fn event(app: &TestApp, n: u32) -> i64 {
    let tx = pokmas::db::begin_write(&app.db.db).await.expect("tx");
    let seq = append(
        &tx,
        NewEvent::new(Actor::System, "test.happened", "test", n.to_string()),
    )
    .await
    .expect("append")
    .seq;
    tx.commit().await.expect("commit");
    seq
}

async fn checkpoints_are_daily_and_refuse_a_rewritten_trail(app: TestApp) {
    let key = &app.state.checkpoint_key;
    let db = &app.db.db;
    let now = OffsetDateTime::now_utc();

    event(&app, 1).await;
    let second = event(&app, 2).await;
    let first = daily(db, key, now).await.expect("daily").expect("signed");
    assert_eq!(first.seq, second);
    assert_eq!(first.reason, "daily");
    let opened = open(&first.note, &key.verifier()).expect("opens");
    assert_eq!(opened.checkpoint.seq, u64::try_from(second).expect("seq"));

    // Nothing new: no checkpoint. New activity the same day: still none.
    assert!(daily(db, key, now).await.expect("daily").is_none());
    let third = event(&app, 3).await;
    assert!(daily(db, key, now).await.expect("daily").is_none());
    // A day later, the activity gets its checkpoint.
    let next = daily(db, key, now + Duration::hours(25))
        .await
        .expect("daily")
        .expect("signed");
    assert_eq!(next.seq, third);

    // Someone rewrites that event in the database: the key refuses to sign on.
    let ev3 = audit_event::Entity::find_by_id(third)
        .one(db)
        .await
        .expect("read")
        .expect("the third event");
    let mut edited: audit_event::ActiveModel = ev3.into();
    edited.hash = Set("0".repeat(64));
    edited.update(db).await.expect("tamper");
    event(&app, 4).await;
    let refused = record(db, key, "daily").await;
    assert!(refused.is_err(), "signed over a rewritten trail");
    assert_eq!(
        checkpoints::latest(db).await.expect("read").map(|c| c.seq),
        Some(third),
        "nothing new was signed"
    );
}

#[tokio::test]
async fn checkpoints_are_daily_and_refuse_a_rewritten_trail_on_sqlite() {
    checkpoints_are_daily_and_refuse_a_rewritten_trail(TestApp::new().await).await;
}

#[tokio::test]
async fn checkpoints_are_daily_and_refuse_a_rewritten_trail_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    checkpoints_are_daily_and_refuse_a_rewritten_trail(app).await;
}
