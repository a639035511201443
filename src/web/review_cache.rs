//! The panel review of a round, computed once per audit chain head.
//!
//! Its bias statistics (permutation tests over every scorecard of the round)
//! cost seconds on a city's round, and every formation's public results page
//! shows its part of them: computed per page, the first visitors of a
//! city's results would each pay for the whole round. Scores only change by
//! events that move the chain head, so the head is the key.

use std::sync::{Arc, OnceLock};

use uuid::Uuid;

use super::single_flight::SingleFlight;
use crate::app::AppState;
use crate::error::AppResult;
use crate::services::panel_review::{self, RoundReview};

/// (round, head seq, head hash).
type Key = (Uuid, i64, String);

/// A few rounds' reviews; a city runs few rounds at once.
const LIMIT: usize = 16;

fn reviews() -> &'static SingleFlight<Key, Arc<RoundReview>> {
    static CACHE: OnceLock<SingleFlight<Key, Arc<RoundReview>>> = OnceLock::new();
    CACHE.get_or_init(|| SingleFlight::new(LIMIT))
}

/// The review of `round_id` as of the current chain head.
///
/// # Errors
/// `NotFound` for an unknown round; storage failures.
pub async fn round_review(app: &AppState, round_id: Uuid) -> AppResult<Arc<RoundReview>> {
    let (seq, hash) = app.head.get(&app.db).await?;
    let db = app.db.clone();
    reviews()
        .get((round_id, seq, hash), seq, || async move {
            Ok(Arc::new(panel_review::round_review(&db, round_id).await?))
        })
        .await
}
