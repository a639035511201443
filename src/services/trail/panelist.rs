//! A panelist's scorecards, their submitted versions and declarations.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::require_reader;
use crate::db::entities::{
    account, application, conflict_declaration, criterion, formation, panel, panel_member, round,
    score_value, score_version, scorecard,
};
use crate::domain::role::Role;
use crate::services::ServiceError;

pub use crate::domain::trail::{CardView, DeclarationView, PanelistView, VersionView};

/// The panelist's scorecards (every version, amendments with their reasons)
/// and conflict declarations.
///
/// # Errors
/// `Forbidden` unless auditor or admin; `NotFound` unless `panelist` is a
/// panelist account.
pub async fn panelist_view<C: ConnectionTrait>(
    db: &C,
    role: Role,
    panelist: Uuid,
) -> Result<PanelistView, ServiceError> {
    require_reader(role)?;
    let acc = account::Entity::find_by_id(panelist)
        .one(db)
        .await?
        .filter(|a| a.role == "panelist")
        .ok_or(ServiceError::NotFound)?;
    let memberships = panel_member::Entity::find()
        .filter(panel_member::Column::AccountId.eq(panelist))
        .all(db)
        .await?;
    let panels_of = panel::Entity::find()
        .filter(panel::Column::Id.is_in(memberships.iter().map(|m| m.panel_id)))
        .all(db)
        .await?;
    let round_names: HashMap<Uuid, String> = round::Entity::find()
        .filter(round::Column::Id.is_in(panels_of.iter().map(|p| p.round_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let panels = panels_of
        .iter()
        .map(|p| {
            (
                p.round_id,
                round_names.get(&p.round_id).cloned().unwrap_or_default(),
                p.name.clone(),
            )
        })
        .collect();

    let cards = scorecard::Entity::find()
        .filter(scorecard::Column::PanelistId.eq(panelist))
        .all(db)
        .await?;
    let declarations = conflict_declaration::Entity::find()
        .filter(conflict_declaration::Column::PanelistId.eq(panelist))
        .all(db)
        .await?;
    let app_ids: Vec<Uuid> = cards
        .iter()
        .map(|c| c.application_id)
        .chain(declarations.iter().map(|d| d.application_id))
        .collect();
    let mut apps: HashMap<Uuid, application::Model> = HashMap::new();
    for chunk in app_ids.chunks(500) {
        for a in application::Entity::find()
            .filter(application::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            apps.insert(a.id, a);
        }
    }
    let formation_codes: HashMap<Uuid, String> = formation::Entity::find()
        .filter(formation::Column::Id.is_in(apps.values().filter_map(|a| a.formation_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f.code))
        .collect();
    let mut versions: HashMap<Uuid, Vec<score_version::Model>> = HashMap::new();
    for chunk in cards.chunks(500) {
        for v in score_version::Entity::find()
            .filter(score_version::Column::ScorecardId.is_in(chunk.iter().map(|c| c.id)))
            .order_by_asc(score_version::Column::Version)
            .all(db)
            .await?
        {
            versions.entry(v.scorecard_id).or_default().push(v);
        }
    }
    let version_ids: Vec<Uuid> = versions.values().flatten().map(|v| v.id).collect();
    let mut values: HashMap<Uuid, Vec<score_value::Model>> = HashMap::new();
    for chunk in version_ids.chunks(500) {
        for v in score_value::Entity::find()
            .filter(score_value::Column::ScoreVersionId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            values.entry(v.score_version_id).or_default().push(v);
        }
    }
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.is_in(apps.values().map(|a| a.round_id)))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await?;
    let code_of: HashMap<Uuid, String> = criteria.iter().map(|c| (c.id, c.code.clone())).collect();
    let mut criteria_codes: Vec<String> = Vec::new();
    for c in criteria.iter().filter(|c| c.kind == "panel") {
        if !criteria_codes.contains(&c.code) {
            criteria_codes.push(c.code.clone());
        }
    }
    let regno = |id: &Uuid| {
        apps.get(id)
            .and_then(|a| a.registration_no.clone())
            .unwrap_or_default()
    };
    let mut card_views: Vec<CardView> = cards
        .iter()
        .map(|c| CardView {
            application_id: c.application_id,
            registration_no: regno(&c.application_id),
            formation_code: apps
                .get(&c.application_id)
                .and_then(|a| a.formation_id)
                .and_then(|f| formation_codes.get(&f).cloned())
                .unwrap_or_default(),
            current_version: c.current_version,
            versions: versions
                .remove(&c.id)
                .unwrap_or_default()
                .into_iter()
                .map(|v| VersionView {
                    version: v.version,
                    submitted_at: v.submitted_at,
                    reason: v.reason,
                    values: values
                        .get(&v.id)
                        .into_iter()
                        .flatten()
                        .filter_map(|x| code_of.get(&x.criterion_id).map(|c| (c.clone(), x.value)))
                        .collect(),
                    audit_seq: v.audit_seq,
                })
                .collect(),
        })
        .collect();
    card_views.sort_by(|a, b| a.registration_no.cmp(&b.registration_no));
    let mut decl_views: Vec<DeclarationView> = declarations
        .into_iter()
        .map(|d| DeclarationView {
            registration_no: regno(&d.application_id),
            application_id: d.application_id,
            kind: d.kind,
            text: d.text,
            recused: d.recused,
            flags: d
                .flagged_reasons
                .map(|f| f.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            declared_at: d.declared_at,
        })
        .collect();
    decl_views.sort_by(|a, b| a.registration_no.cmp(&b.registration_no));
    Ok(PanelistView {
        id: acc.id,
        name: acc.name,
        status: acc.status,
        panels,
        criteria_codes,
        cards: card_views,
        declarations: decl_views,
    })
}
