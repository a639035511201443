//! The workspace overview: the rounds and their formations.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::require_reader;
use crate::db::entities::{account, application, formation, panel, panel_member, round};
use crate::domain::role::Role;
use crate::domain::round::Round;
use crate::services::ServiceError;
use crate::services::regions::kelurahan_names_of;

pub use crate::domain::trail_read::{FormationItem, RoundOverview};

/// Every round, newest first.
///
/// # Errors
/// `Forbidden` unless auditor or admin.
pub async fn rounds<C: ConnectionTrait>(db: &C, role: Role) -> Result<Vec<Round>, ServiceError> {
    require_reader(role)?;
    Ok(round::Entity::find()
        .order_by_desc(round::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// One round's formations and panels, with links into the workspace.
///
/// # Errors
/// `Forbidden` unless auditor or admin; `NotFound` for an unknown round.
pub async fn round_overview<C: ConnectionTrait>(
    db: &C,
    role: Role,
    round_id: Uuid,
) -> Result<RoundOverview, ServiceError> {
    require_reader(role)?;
    let round = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .order_by_asc(formation::Column::Code)
        .all(db)
        .await?;
    let names = kelurahan_names_of(db, formations.iter().map(|f| f.kelurahan_code.clone())).await?;
    let mut counts: HashMap<Uuid, usize> = HashMap::new();
    for a in application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .filter(application::Column::RegistrationNo.is_not_null())
        .all(db)
        .await?
    {
        if let Some(f) = a.formation_id {
            *counts.entry(f).or_default() += 1;
        }
    }
    let panels_of = panel::Entity::find()
        .filter(panel::Column::RoundId.eq(round_id))
        .order_by_asc(panel::Column::Name)
        .all(db)
        .await?;
    let members = panel_member::Entity::find()
        .filter(panel_member::Column::PanelId.is_in(panels_of.iter().map(|p| p.id)))
        .all(db)
        .await?;
    let people: HashMap<Uuid, String> = account::Entity::find()
        .filter(account::Column::Id.is_in(members.iter().map(|m| m.account_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let panels = panels_of
        .iter()
        .map(|p| {
            let mut ms: Vec<(Uuid, String)> = members
                .iter()
                .filter(|m| m.panel_id == p.id)
                .map(|m| {
                    (
                        m.account_id,
                        people.get(&m.account_id).cloned().unwrap_or_default(),
                    )
                })
                .collect();
            ms.sort_by(|a, b| a.1.cmp(&b.1));
            (p.name.clone(), ms)
        })
        .collect();
    Ok(RoundOverview {
        formations: formations
            .into_iter()
            .map(|f| FormationItem {
                kelurahan_name: names.get(&f.kelurahan_code).cloned().unwrap_or_default(),
                applications: counts.get(&f.id).copied().unwrap_or(0),
                formation: f.into(),
            })
            .collect(),
        round: round.into(),
        panels,
    })
}
