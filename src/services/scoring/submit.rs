//! Submitting a scorecard or amending it: a new version, its event with the
//! old and new values, and the formation re-ranked with that event as cause.

use std::collections::BTreeMap;

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::{Comments, Values, check_comments, check_may_score, check_values, invalid, scope};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    application, conflict_declaration, criterion, score_value, score_version, scorecard,
    scorecard_draft_value, test_invitation,
};
use crate::domain::role::Role;
use crate::domain::round::RoundState;
use crate::services::ServiceError;
use crate::services::standings::{RankChange, recompute_after_change};

/// Submits (version 1) or amends (version n+1, with a written reason) the
/// panelist's scorecard for one application; submitted versions are locked
/// and kept. Re-ranks the formation with the score event as cause.
///
/// # Errors
/// `NotFound` outside the panelist's panel; `Invalid` when the panelist has
/// not declared "no conflict", is recused, the application is not eligible
/// or did not attend, scoring is closed, a value is missing or off-scale, or
/// an amendment has no reason.
pub async fn submit(
    db: &DatabaseConnection,
    panelist: Uuid,
    application_id: Uuid,
    values: &Values,
    amendment_reason: Option<&str>,
) -> Result<(i32, Vec<RankChange>), ServiceError> {
    submit_with_comments(
        db,
        panelist,
        application_id,
        values,
        &Comments::new(),
        amendment_reason,
    )
    .await
}

/// What a submission checks before it writes: the panelist's declaration
/// for the application, the applicant's attendance and the panelist's
/// scorecard, if any.
struct Sheet {
    /// Kind and recusal of the declaration.
    declaration: Option<(Option<String>, bool)>,
    /// Attendance recorded on the test invitation.
    attendance: Option<String>,
    /// Id and current version of the scorecard.
    card: Option<(Uuid, i32)>,
}

/// Reads the [`Sheet`] in one statement (three lookups joined to the
/// application): each statement is a round trip to SQLite's worker thread,
/// and this runs for every scorecard.
async fn sheet<C: ConnectionTrait>(
    tx: &C,
    panelist: Uuid,
    application_id: Uuid,
) -> Result<Sheet, ServiceError> {
    use conflict_declaration::Column as D;
    use scorecard::Column as S;
    use test_invitation::Column as T;
    let app_id = || Expr::col((application::Entity, application::Column::Id));
    let q = Query::select()
        .column((conflict_declaration::Entity, D::Id))
        .column((conflict_declaration::Entity, D::Kind))
        .column((conflict_declaration::Entity, D::Recused))
        .column((test_invitation::Entity, T::Attendance))
        .column((scorecard::Entity, S::Id))
        .column((scorecard::Entity, S::CurrentVersion))
        .from(application::Entity)
        .left_join(
            conflict_declaration::Entity,
            Expr::col((conflict_declaration::Entity, D::ApplicationId))
                .equals((application::Entity, application::Column::Id))
                .and(Expr::col((conflict_declaration::Entity, D::PanelistId)).eq(panelist)),
        )
        .left_join(
            test_invitation::Entity,
            Expr::col((test_invitation::Entity, T::ApplicationId))
                .equals((application::Entity, application::Column::Id)),
        )
        .left_join(
            scorecard::Entity,
            Expr::col((scorecard::Entity, S::ApplicationId))
                .equals((application::Entity, application::Column::Id))
                .and(Expr::col((scorecard::Entity, S::PanelistId)).eq(panelist)),
        )
        .and_where(app_id().eq(application_id))
        .limit(1)
        .to_owned();
    let row = tx.query_one(&q).await?.ok_or(ServiceError::NotFound)?;
    let declaration_id: Option<Uuid> = row.try_get_by_index(0)?;
    let kind: Option<String> = row.try_get_by_index(1)?;
    let recused: Option<bool> = row.try_get_by_index(2)?;
    let attendance: Option<String> = row.try_get_by_index(3)?;
    let card_id: Option<Uuid> = row.try_get_by_index(4)?;
    let version: Option<i32> = row.try_get_by_index(5)?;
    Ok(Sheet {
        declaration: declaration_id.map(|_| (kind, recused.unwrap_or(false))),
        attendance,
        card: card_id.zip(version),
    })
}

/// [`submit`] with an optional comment per criterion, stored with the
/// version. A successful submission clears the panelist's private draft.
///
/// # Errors
/// As [`submit`]; `Invalid` for an overlong comment.
pub async fn submit_with_comments(
    db: &DatabaseConnection,
    panelist: Uuid,
    application_id: Uuid,
    values: &Values,
    comments: &Comments,
    amendment_reason: Option<&str>,
) -> Result<(i32, Vec<RankChange>), ServiceError> {
    check_comments(comments)?;
    let tx = begin_write(db).await?;
    let scope = scope(&tx, panelist, application_id).await?;
    let (app, round) = (&scope.app, &scope.round);
    let sheet = sheet(&tx, panelist, application_id).await?;
    check_may_score(sheet.declaration, app)?;
    if sheet.attendance.as_deref() != Some("present") {
        return Err(invalid(
            "Pendaftar belum tercatat hadir pada uji kelayakan.",
            "The applicant is not recorded as present at the test.",
        ));
    }
    // Every criterion of the round, as the re-rank below needs them too.
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round.id))
        .order_by_asc(criterion::Column::Position)
        .all(&tx)
        .await?;
    let values = check_values(&criteria, values)?;
    // In a staged round only those who went on from the stage before may be
    // scored in a later stage.
    let mut stages_checked: Vec<&str> = Vec::new();
    for c in criteria.iter().filter(|c| c.kind == "panel") {
        if let Some(stage) = c.stage_code.as_deref()
            && !stages_checked.contains(&stage)
        {
            stages_checked.push(stage);
            crate::services::shortlists::require_shortlisted(&tx, round.id, app.id, c).await?;
        }
    }
    let card = sheet.card;
    let previous = card.map_or(0, |(_, version)| version);
    let reason = amendment_reason.map(str::trim).unwrap_or_default();
    let mut reopened_by: Option<Uuid> = None;
    if previous == 0 {
        if round.state != RoundState::Assessment {
            return Err(invalid(
                "Penilaian hanya dapat dikirim pada tahap uji kelayakan.",
                "Scores can only be submitted during assessment.",
            ));
        }
    } else {
        if !round.state.scores_may_change() {
            return Err(invalid(
                "Nilai tidak dapat diubah lagi.",
                "Scores can no longer be changed.",
            ));
        }
        // Once results are published, only an accepted objection reopens a
        // scorecard: the amendment then names that objection.
        if round.state != RoundState::Assessment {
            reopened_by =
                crate::services::objections::reopened_scorecard(&tx, application_id, panelist)
                    .await?;
            if reopened_by.is_none() {
                return Err(invalid(
                    "Hasil sudah diumumkan: nilai hanya dapat diubah bila sanggahan yang diterima membuka kembali lembar nilai Anda.",
                    "Results are published: scores can only change when an accepted objection reopens your scorecard.",
                ));
            }
        }
        if reason.chars().count() < 10 {
            return Err(invalid(
                "Perubahan nilai yang sudah dikirim wajib disertai alasan tertulis (minimal 10 karakter).",
                "Changing submitted scores needs a written reason (at least 10 characters).",
            ));
        }
    }
    let old_values: BTreeMap<String, i64> = match card {
        Some((card_id, _)) if previous > 0 => {
            let v = score_version::Entity::find()
                .filter(score_version::Column::ScorecardId.eq(card_id))
                .filter(score_version::Column::Version.eq(previous))
                .one(&tx)
                .await?
                .ok_or_else(|| {
                    ServiceError::Internal(anyhow::anyhow!("scorecard without its current version"))
                })?;
            let vals = score_value::Entity::find()
                .filter(score_value::Column::ScoreVersionId.eq(v.id))
                .all(&tx)
                .await?;
            values
                .iter()
                .filter_map(|(cid, code, _)| {
                    vals.iter()
                        .find(|x| x.criterion_id == *cid)
                        .map(|x| (code.clone(), i64::from(x.value)))
                })
                .collect()
        }
        _ => BTreeMap::new(),
    };
    let now = time::OffsetDateTime::now_utc();
    let version = previous + 1;
    // Draft values hang off a scorecard: without one there are none to clear.
    let had_card = card.is_some();
    let card_id = match card {
        Some((card_id, _)) => {
            scorecard::ActiveModel {
                id: Set(card_id),
                status: Set("submitted".into()),
                current_version: Set(version),
                updated_at: Set(now),
                ..Default::default()
            }
            .update(&tx)
            .await?;
            card_id
        }
        None => {
            let id = Uuid::now_v7();
            scorecard::ActiveModel {
                id: Set(id),
                application_id: Set(application_id),
                panelist_id: Set(panelist),
                status: Set("submitted".into()),
                current_version: Set(version),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&tx)
            .await?;
            id
        }
    };
    let no = app.registration_no.clone().unwrap_or_default();
    let new_values: BTreeMap<String, i64> = values
        .iter()
        .map(|(_, code, v)| (code.clone(), i64::from(*v)))
        .collect();
    let event = append(
        &tx,
        NewEvent::new(
            Actor::Account {
                id: panelist,
                role: Role::Panelist,
            },
            if version == 1 {
                "score.submitted"
            } else {
                "score.amended"
            },
            "scorecard",
            card_id.to_string(),
        )
        .round(round.id)
        .payload({
            let mut p = serde_json::json!({
                "registration_no": no,
                "panelist_id": panelist.to_string(),
                "version": version,
                "old": old_values,
                "new": new_values,
            });
            if let Some(o) = reopened_by {
                p["objection_id"] = o.to_string().into();
            }
            p
        })
        .reason(reason)
        .with_registration(no.clone()),
    )
    .await?;
    let version_id = Uuid::now_v7();
    score_version::ActiveModel {
        id: Set(version_id),
        scorecard_id: Set(card_id),
        version: Set(version),
        submitted_at: Set(now),
        reason: Set(reason.to_owned()),
        audit_seq: Set(Some(event.seq)),
    }
    .insert(&tx)
    .await?;
    score_value::Entity::insert_many(values.iter().map(|(cid, _, v)| {
        score_value::ActiveModel {
            score_version_id: Set(version_id),
            criterion_id: Set(*cid),
            value: Set(*v),
            comment: Set(comments
                .get(code_of_id(&values, *cid))
                .map(|c| c.trim().to_owned())
                .unwrap_or_default()),
        }
    }))
    .exec_without_returning(&tx)
    .await?;
    if had_card {
        scorecard_draft_value::Entity::delete_many()
            .filter(scorecard_draft_value::Column::ScorecardId.eq(card_id))
            .exec(&tx)
            .await?;
    }
    let changes = match app.formation_id {
        Some(f) => {
            let app_id = app.id;
            recompute_after_change(&tx, f, app_id, event.seq, scope.known(Some(criteria))).await?
        }
        None => Vec::new(),
    };
    tx.commit().await?;
    tracing::info!(scorecard.id = %card_id, version, "scorecard submitted");
    Ok((version, changes))
}

fn code_of_id(values: &[(Uuid, String, i32)], id: Uuid) -> &str {
    values
        .iter()
        .find(|(cid, _, _)| *cid == id)
        .map_or("", |(_, code, _)| code.as_str())
}
