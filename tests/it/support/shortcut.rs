//! The few states no service can produce for a test, each written directly
//! in one named place so a fixture's shortcuts are visible and counted.

use pokmas::db::entities::round;
use pokmas::domain::round::RoundState;
use sea_orm::ActiveModelTrait;
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

/// Puts a draft round straight into `assessment` with a fixed lottery seed.
///
/// Why no service: the services reach `assessment` only through registration
/// and verification, which need a published schedule the clock has passed
/// and registered applicants behind every application; the standings
/// fixtures score applications that have no registration behind them and a
/// round without a schedule, and need a known seed for the tie-break draws.
pub async fn round_jumped_to_assessment(db: &sea_orm::DatabaseConnection, round_id: Uuid) {
    round::ActiveModel {
        id: Set(round_id),
        state: Set(RoundState::Assessment),
        lottery_seed: Set(Some("a".repeat(64))),
        ..Default::default()
    }
    .update(db)
    .await
    .expect("round in assessment");
}
