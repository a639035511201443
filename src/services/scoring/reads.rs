//! What a panelist reads: their queue and one application's score sheet.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{DraftValues, Scope, conflict_flags, scope};
use crate::db::entities::{
    account, application, conflict_declaration, criterion, panel_formation, panel_member,
    score_value, score_version, scorecard, scorecard_draft_value, test_invitation,
};
use crate::domain::application::ApplicationState;
use crate::domain::round::RoundState;
pub use crate::domain::score_sheet::{QueueItem, ScoreSheet, SheetApplicant, SheetDeclaration};
use crate::services::ServiceError;

/// The applications of the formations the panelist's panels assess.
///
/// # Errors
/// Storage failures.
pub async fn panelist_queue(
    db: &DatabaseConnection,
    panelist: Uuid,
) -> Result<Vec<QueueItem>, ServiceError> {
    use crate::db::entities::formation;
    let me = account::Entity::find_by_id(panelist)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let panels: Vec<Uuid> = panel_member::Entity::find()
        .filter(panel_member::Column::AccountId.eq(panelist))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.panel_id)
        .collect();
    let formations: Vec<Uuid> = panel_formation::Entity::find()
        .filter(panel_formation::Column::PanelId.is_in(panels))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.formation_id)
        .collect();
    let names: std::collections::HashMap<Uuid, String> = formation::Entity::find()
        .filter(formation::Column::Id.is_in(formations.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f.name))
        .collect();
    let apps = application::Entity::find()
        .filter(application::Column::FormationId.is_in(formations))
        .filter(application::Column::State.is_in([
            ApplicationState::Eligible,
            ApplicationState::Ineligible,
            ApplicationState::Submitted,
            ApplicationState::Withdrawn,
        ]))
        .filter(application::Column::RegistrationNo.is_not_null())
        .order_by_asc(application::Column::RegistrationNo)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = apps.iter().map(|a| a.id).collect();
    let declarations: std::collections::HashMap<Uuid, conflict_declaration::Model> =
        conflict_declaration::Entity::find()
            .filter(conflict_declaration::Column::PanelistId.eq(panelist))
            .filter(conflict_declaration::Column::ApplicationId.is_in(ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.application_id, d))
            .collect();
    let cards: std::collections::HashMap<Uuid, i32> = scorecard::Entity::find()
        .filter(scorecard::Column::PanelistId.eq(panelist))
        .filter(scorecard::Column::ApplicationId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.application_id, c.current_version))
        .collect();
    let present: std::collections::HashSet<Uuid> = test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.is_in(ids))
        .filter(test_invitation::Column::Attendance.eq("present"))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.application_id)
        .collect();
    Ok(apps
        .into_iter()
        .filter(|a| a.state == ApplicationState::Eligible)
        .map(|a| {
            let d = declarations.get(&a.id);
            QueueItem {
                application_id: a.id,
                registration_no: a.registration_no.clone().unwrap_or_default(),
                full_name: a.full_name.clone(),
                formation: a
                    .formation_id
                    .and_then(|f| names.get(&f).cloned())
                    .unwrap_or_default(),
                eligible: a.state == ApplicationState::Eligible,
                attended: present.contains(&a.id),
                declared: d.and_then(|d| d.kind.clone()),
                recused: d.is_some_and(|d| d.recused),
                flags: conflict_flags(&me, &a),
                my_version: cards.get(&a.id).copied().unwrap_or(0),
            }
        })
        .collect())
}

/// Loads the score sheet of one application for a panelist of its panel.
///
/// # Errors
/// `NotFound` outside the panelist's panel.
pub async fn score_sheet(
    db: &DatabaseConnection,
    panelist: Uuid,
    application_id: Uuid,
) -> Result<ScoreSheet, ServiceError> {
    let Scope { app, round, .. } = scope(db, panelist, application_id).await?;
    let me = account::Entity::find_by_id(panelist)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round.id))
        .filter(criterion::Column::Kind.eq("panel"))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await?;
    let declaration = conflict_declaration::Entity::find()
        .filter(conflict_declaration::Column::ApplicationId.eq(application_id))
        .filter(conflict_declaration::Column::PanelistId.eq(panelist))
        .one(db)
        .await?;
    let attended = test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.eq(application_id))
        .one(db)
        .await?
        .is_some_and(|i| i.attendance.as_deref() == Some("present"));
    let kelurahan_name = match &app.kelurahan_code {
        Some(code) => crate::db::entities::kelurahan::Entity::find_by_id(code.clone())
            .one(db)
            .await?
            .map(|k| k.name),
        None => None,
    };
    let mut sheet = ScoreSheet {
        kelurahan_name,
        flags: conflict_flags(&me, &app),
        application: SheetApplicant {
            id: app.id,
            registration_no: app.registration_no,
            full_name: app.full_name,
            kelurahan_code: app.kelurahan_code,
            rt_number: app.rt_number,
        },
        round: round.into(),
        criteria: criteria.into_iter().map(Into::into).collect(),
        declaration: declaration.map(|d| SheetDeclaration {
            kind: d.kind,
            recused: d.recused,
        }),
        attended,
        my_version: 0,
        my_values: BTreeMap::new(),
        history: Vec::new(),
        history_values: BTreeMap::new(),
        my_comments: BTreeMap::new(),
        draft_values: DraftValues::new(),
        draft_comments: BTreeMap::new(),
        open_for_scores: false,
    };
    sheet.open_for_scores = match sheet.round.state {
        RoundState::Assessment => true,
        s if s.scores_may_change() => {
            crate::services::objections::reopened_scorecard(db, sheet.application.id, panelist)
                .await?
                .is_some()
        }
        _ => false,
    };
    if sheet.declaration.as_ref().is_some_and(|d| d.recused) {
        return Ok(sheet);
    }
    let card = scorecard::Entity::find()
        .filter(scorecard::Column::ApplicationId.eq(application_id))
        .filter(scorecard::Column::PanelistId.eq(panelist))
        .one(db)
        .await?;
    if let Some(card) = card {
        let versions = score_version::Entity::find()
            .filter(score_version::Column::ScorecardId.eq(card.id))
            .order_by_asc(score_version::Column::Version)
            .all(db)
            .await?;
        if let Some(current) = versions.iter().find(|v| v.version == card.current_version) {
            let code_of: std::collections::HashMap<Uuid, String> = sheet
                .criteria
                .iter()
                .map(|c| (c.id, c.code.clone()))
                .collect();
            for v in score_value::Entity::find()
                .filter(score_value::Column::ScoreVersionId.eq(current.id))
                .all(db)
                .await?
            {
                if let Some(code) = code_of.get(&v.criterion_id) {
                    sheet.my_values.insert(code.clone(), v.value);
                    if !v.comment.is_empty() {
                        sheet.my_comments.insert(code.clone(), v.comment);
                    }
                }
            }
            sheet.my_version = card.current_version;
        }
        for d in scorecard_draft_value::Entity::find()
            .filter(scorecard_draft_value::Column::ScorecardId.eq(card.id))
            .all(db)
            .await?
        {
            if let Some(code) = sheet
                .criteria
                .iter()
                .find(|c| c.id == d.criterion_id)
                .map(|c| c.code.clone())
            {
                sheet.draft_values.insert(code.clone(), d.value);
                if !d.comment.is_empty() {
                    sheet.draft_comments.insert(code, d.comment);
                }
            }
        }
        // Every version's values, so a panelist can see what they sent before.
        let code_of: std::collections::HashMap<Uuid, String> = sheet
            .criteria
            .iter()
            .map(|c| (c.id, c.code.clone()))
            .collect();
        let version_of: std::collections::HashMap<Uuid, i32> =
            versions.iter().map(|v| (v.id, v.version)).collect();
        for v in score_value::Entity::find()
            .filter(score_value::Column::ScoreVersionId.is_in(version_of.keys().copied()))
            .all(db)
            .await?
        {
            if let (Some(version), Some(code)) = (
                version_of.get(&v.score_version_id),
                code_of.get(&v.criterion_id),
            ) {
                sheet
                    .history_values
                    .entry(*version)
                    .or_default()
                    .insert(code.clone(), v.value);
            }
        }
        sheet.history = versions
            .into_iter()
            .map(|v| (v.version, v.reason, v.submitted_at))
            .collect();
    }
    Ok(sheet)
}
