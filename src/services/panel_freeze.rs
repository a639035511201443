//! Panel membership is a ranking input: which accounts' scorecards count for
//! a formation is decided by the panels that assess it. So a panel change
//! goes through the same door as every other input (the formations it
//! touches are re-ranked in its transaction, with its event as cause), and it
//! is frozen by stage:
//!
//! - before assessment, members and formations change freely;
//! - from the start of assessment a panel's formations are fixed, and a
//!   member who has submitted a scorecard for one of them cannot be removed
//!   (their values would silently leave the ranking): the admin recuses them
//!   per application instead, which drops their values with a written reason
//!   and a re-rank caused by the recusal (four-eyes once results are out);
//! - once results are published the panels are fixed: a later correction of
//!   a panelist's values is a recusal or an accepted objection, both decided
//!   by two admins.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QuerySelect,
    RelationTrait,
};
use uuid::Uuid;

use crate::db::entities::{application, panel_formation, round, scorecard};
use crate::domain::round::{Msg, RoundState};
use crate::services::ServiceError;

fn state_of(r: &round::Model) -> RoundState {
    r.state
}

fn assessed(r: &round::Model) -> bool {
    !matches!(
        state_of(r),
        RoundState::Draft | RoundState::Registration | RoundState::Verification
    )
}

/// Refuses every panel change once results are published.
///
/// # Errors
/// [`ServiceError::Invalid`] from provisional results on.
pub fn require_unpublished(r: &round::Model) -> Result<(), ServiceError> {
    if r.state.is_published() {
        return Err(ServiceError::form(Msg::new(
            "Hasil sudah diumumkan; susunan panel tidak dapat diubah lagi. Nilai seorang penilai dikoreksi melalui pengecualian penilai atau sanggahan, keduanya diputuskan dua admin.",
            "Results are published; panels can no longer change. A panelist's values are corrected by a recusal or an objection, both decided by two admins.",
        )));
    }
    Ok(())
}

/// Refuses a change of a panel's formations from the start of assessment.
///
/// # Errors
/// [`ServiceError::Invalid`] from assessment on.
pub fn require_formations_open(r: &round::Model) -> Result<(), ServiceError> {
    require_unpublished(r)?;
    if assessed(r) {
        return Err(ServiceError::form(Msg::new(
            "Penilaian sudah dimulai; formasi yang dinilai panel ini tidak dapat diubah lagi.",
            "Assessment has started; the formations this panel assesses can no longer change.",
        )));
    }
    Ok(())
}

/// Refuses removing `account_id` from `panel_id` once results are published,
/// and from the start of assessment when they have submitted a scorecard for
/// an application of a formation the panel assesses.
///
/// # Errors
/// [`ServiceError::Invalid`] naming the rule; storage failures.
pub async fn require_removable<C: ConnectionTrait>(
    tx: &C,
    r: &round::Model,
    panel_id: Uuid,
    account_id: Uuid,
    name: &str,
) -> Result<(), ServiceError> {
    require_unpublished(r)?;
    if !assessed(r) {
        return Ok(());
    }
    let submitted = scorecard::Entity::find()
        .join(JoinType::InnerJoin, scorecard::Relation::Application.def())
        .join(
            JoinType::InnerJoin,
            application::Entity::belongs_to(panel_formation::Entity)
                .from(application::Column::FormationId)
                .to(panel_formation::Column::FormationId)
                .into(),
        )
        .filter(panel_formation::Column::PanelId.eq(panel_id))
        .filter(scorecard::Column::PanelistId.eq(account_id))
        .filter(scorecard::Column::CurrentVersion.gt(0))
        .count(tx)
        .await?;
    if submitted > 0 {
        return Err(ServiceError::form(Msg::new(
            format!(
                "{name} sudah menyerahkan {submitted} lembar nilai dan tidak dapat dikeluarkan dari panel. Kecualikan penilai per pendaftar di halaman progres penilaian: nilainya tidak dihitung lagi, dengan alasan tertulis, dan peringkat dihitung ulang."
            ),
            format!(
                "{name} has submitted {submitted} score sheets and cannot be removed from the panel. Recuse them per applicant on the scoring progress page: their values stop counting, with a written reason, and the ranks are recomputed."
            ),
        )));
    }
    Ok(())
}

/// Re-ranks every formation `panel_id` assesses after a membership change,
/// with that change's event as cause.
///
/// # Errors
/// Storage failures.
pub async fn rerank_panel(
    tx: &crate::db::WriteTx,
    r: &round::Model,
    panel_id: Uuid,
    cause_seq: i64,
) -> Result<(), ServiceError> {
    // Standings exist once the rules are frozen (registration opened).
    if r.frozen_hash.is_none() {
        return Ok(());
    }
    let formations: Vec<Uuid> = panel_formation::Entity::find()
        .select_only()
        .column(panel_formation::Column::FormationId)
        .filter(panel_formation::Column::PanelId.eq(panel_id))
        .into_tuple()
        .all(tx)
        .await?;
    for f in formations {
        crate::services::standings::recompute_formation(tx, f, cause_seq).await?;
    }
    Ok(())
}
