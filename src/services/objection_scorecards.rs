//! The objector's scorecards as the objection's reviewer sees them: each
//! panelist's current version by name, with its values and comments, so the
//! reviewer can judge a claim about "nilai tertentu" without asking for an
//! export. Applicants see the anonymised breakdown instead
//! (`score_breakdown`); this view names panelists and is refused to them.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::ServiceError;
use crate::db::audit::Actor;
use crate::db::entities::{
    account, application, criterion, objection, score_value, score_version, scorecard,
};
use crate::domain::role::Role;
use crate::domain::round::Msg;

pub use crate::domain::objection::{CardValue, ReviewCard};

/// The submitted scorecards of the application an objection is about, by
/// panelist name. Recused panelists never scored, so they have none.
///
/// # Errors
/// `NotFound` unless the actor is an admin, an auditor or the objection's
/// reviewer (the objector is refused too: names stay hidden from
/// applicants); storage failures.
pub async fn for_objection(
    db: &DatabaseConnection,
    actor: Actor,
    objection_id: Uuid,
) -> Result<Vec<ReviewCard>, ServiceError> {
    let Actor::Account { id: who, role } = actor else {
        return Err(ServiceError::Forbidden);
    };
    let o = objection::Entity::find_by_id(objection_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let allowed = matches!(role, Role::Admin | Role::Auditor) || o.reviewer_id == Some(who);
    if !allowed {
        return Err(ServiceError::NotFound);
    }
    let app = application::Entity::find_by_id(o.application_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(app.round_id))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await?;
    let position: HashMap<Uuid, usize> = criteria
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let mut out = Vec::new();
    for card in scorecard::Entity::find()
        .filter(scorecard::Column::ApplicationId.eq(app.id))
        .filter(scorecard::Column::CurrentVersion.gt(0))
        .all(db)
        .await?
    {
        let Some(current) = score_version::Entity::find()
            .filter(score_version::Column::ScorecardId.eq(card.id))
            .filter(score_version::Column::Version.eq(card.current_version))
            .one(db)
            .await?
        else {
            continue;
        };
        let mut values: Vec<(usize, CardValue)> = score_value::Entity::find()
            .filter(score_value::Column::ScoreVersionId.eq(current.id))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|v| {
                let i = *position.get(&v.criterion_id)?;
                let c = criteria.get(i)?;
                Some((
                    i,
                    CardValue {
                        code: c.code.clone(),
                        name: Msg::new(c.name_id.clone(), c.name_en.clone()),
                        value: v.value,
                        comment: v.comment,
                    },
                ))
            })
            .collect();
        values.sort_by_key(|(i, _)| *i);
        let panelist_name = account::Entity::find_by_id(card.panelist_id)
            .one(db)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        out.push(ReviewCard {
            panelist_name,
            version: current.version,
            submitted_at: current.submitted_at,
            reason: current.reason,
            values: values.into_iter().map(|(_, v)| v).collect(),
        });
    }
    out.sort_by(|a, b| a.panelist_name.cmp(&b.panelist_name));
    Ok(out)
}
