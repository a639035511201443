//! A panelist's draft of a scorecard, saved as they type and never ranked.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::{Comments, Scope, check_comments, invalid, may_score, not_panel, off_scale, scope};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{criterion, scorecard, scorecard_draft_value};
use crate::domain::role::Role;
use crate::services::ServiceError;

/// A draft value per criterion code (`None` = not chosen yet).
pub use crate::domain::score_sheet::DraftValues;

/// Saves the panelist's private draft of a scorecard ("Simpan draf"):
/// values may be missing, each one given must be on its scale; comments are
/// kept. Drafts are never shown to anyone else and never count; the event
/// `score.draft_saved` records that a draft was saved, without its values.
///
/// # Errors
/// `NotFound` outside the panelist's panel; `Invalid` before the "no
/// conflict" declaration, once recused, for an ineligible application, a
/// value off the scale, an overlong comment or outside scoring.
pub async fn save_draft(
    db: &DatabaseConnection,
    panelist: Uuid,
    application_id: Uuid,
    values: &DraftValues,
    comments: &Comments,
) -> Result<(), ServiceError> {
    check_comments(comments)?;
    let tx = begin_write(db).await?;
    let Scope { app, round, .. } = scope(&tx, panelist, application_id).await?;
    if !round.state.scores_may_change() {
        return Err(invalid(
            "Penilaian belum atau tidak lagi dibuka untuk seleksi ini.",
            "Scoring is not open for this round.",
        ));
    }
    may_score(&tx, panelist, &app).await?;
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round.id))
        .filter(criterion::Column::Kind.eq("panel"))
        .order_by_asc(criterion::Column::Position)
        .all(&tx)
        .await?;
    for (code, v) in values {
        let c = criteria
            .iter()
            .find(|c| &c.code == code)
            .ok_or_else(|| not_panel(code))?;
        if let Some(v) = v
            && (*v < c.scale_min || *v > c.scale_max)
        {
            return Err(off_scale(c));
        }
    }
    let now = time::OffsetDateTime::now_utc();
    let card = scorecard::Entity::find()
        .filter(scorecard::Column::ApplicationId.eq(application_id))
        .filter(scorecard::Column::PanelistId.eq(panelist))
        .one(&tx)
        .await?;
    let card_id = match card {
        Some(c) => c.id,
        None => {
            let id = Uuid::now_v7();
            scorecard::ActiveModel {
                id: Set(id),
                application_id: Set(application_id),
                panelist_id: Set(panelist),
                status: Set("draft".into()),
                current_version: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&tx)
            .await?;
            id
        }
    };
    scorecard_draft_value::Entity::delete_many()
        .filter(scorecard_draft_value::Column::ScorecardId.eq(card_id))
        .exec(&tx)
        .await?;
    let rows: Vec<scorecard_draft_value::ActiveModel> = criteria
        .iter()
        .filter_map(|c| {
            let value = values.get(&c.code).copied().flatten();
            let comment = comments
                .get(&c.code)
                .map(|t| t.trim().to_owned())
                .unwrap_or_default();
            (value.is_some() || !comment.is_empty()).then_some(scorecard_draft_value::ActiveModel {
                scorecard_id: Set(card_id),
                criterion_id: Set(c.id),
                value: Set(value),
                comment: Set(comment),
            })
        })
        .collect();
    let filled = rows.len();
    if !rows.is_empty() {
        scorecard_draft_value::Entity::insert_many(rows)
            .exec_without_returning(&tx)
            .await?;
    }
    let no = app.registration_no.clone().unwrap_or_default();
    append(
        &tx,
        NewEvent::new(
            Actor::Account {
                id: panelist,
                role: Role::Panelist,
            },
            "score.draft_saved",
            "scorecard",
            card_id.to_string(),
        )
        .round(round.id)
        .payload(serde_json::json!({
            "registration_no": no,
            "panelist_id": panelist.to_string(),
            "criteria_filled": filled,
        }))
        .with_registration(no.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
