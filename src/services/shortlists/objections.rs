//! Objections against a published shortlist: whose window is open.
//!
//! A published shortlist may be contested by the candidates it considered,
//! in its own objection window (while the round is in its assessment). The
//! objection then follows the round's objection steps (reviewer, proposal,
//! a second admin's approval); an accepted one reopens the verification,
//! and the list is published again when that changes it
//! ([`super::republish`]).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::stages_of;
use crate::db::entities::{stage_shortlist, stage_shortlist_entry};
use crate::domain::msg::Msg;
use crate::domain::round::RoundState;
use crate::services::ServiceError;

pub use crate::domain::objection::OpenWindow;

/// The published shortlist that `application_id` may object to at `now`:
/// one that considered the application and whose objection window is still
/// open, while the round is in its assessment (the latest if several are).
///
/// # Errors
/// Storage failures.
pub async fn open_window<C: ConnectionTrait>(
    conn: &C,
    r: &crate::domain::round::Round,
    application_id: Uuid,
    now: time::OffsetDateTime,
) -> Result<Option<OpenWindow>, ServiceError> {
    if r.state != RoundState::Assessment {
        return Ok(None);
    }
    let mut open: Vec<stage_shortlist::Model> = stage_shortlist::Entity::find()
        .filter(stage_shortlist::Column::RoundId.eq(r.id))
        .all(conn)
        .await?
        .into_iter()
        .filter(|s| now < s.objection_ends_at)
        .collect();
    open.sort_by_key(|s| std::cmp::Reverse(s.event_seq));
    for s in open {
        let considered =
            stage_shortlist_entry::Entity::find_by_id((r.id, s.stage_code.clone(), application_id))
                .one(conn)
                .await?
                .is_some();
        if !considered {
            continue;
        }
        let stage_name = stages_of(conn, r.id)
            .await?
            .into_iter()
            .find(|st| st.code == s.stage_code)
            .map_or_else(
                || Msg::new(s.stage_code.clone(), s.stage_code.clone()),
                |st| Msg::new(st.name_id, st.name_en),
            );
        return Ok(Some(OpenWindow {
            stage_code: s.stage_code,
            stage_name,
            ends_at: s.objection_ends_at,
        }));
    }
    Ok(None)
}
