//! The offices of a formed group, chosen by an admin among its selected
//! members (`domain::group_roles`): one transaction that replaces the
//! formation's offices and appends `group.roles_set`.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{groups, require_admin, require_final};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{group_role, round};
use crate::domain::group_roles::{GroupRole, check_roles};
use crate::services::ServiceError;

/// Sets the offices of formation `formation_id` of round `round_id`:
/// `roles` maps application ids of selected members to their role (anyone
/// left out is a member). Refused whole, with every problem in both
/// languages, unless the offices follow the rule.
///
/// # Errors
/// `Forbidden` unless an admin; `NotFound` for an unknown round or
/// formation; `Conflict` unless the round is final; `Invalid` with the
/// problems.
pub async fn set_roles(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    formation_id: Uuid,
    roles: &BTreeMap<Uuid, GroupRole>,
) -> Result<(), ServiceError> {
    let admin = require_admin(actor)?;
    let tx = begin_write(db).await?;
    let r = round::Entity::find_by_id(round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    require_final(&r)?;
    let group = groups(&tx, &r, Some(formation_id))
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    let selected: BTreeSet<String> = group
        .members
        .iter()
        .map(|m| m.registration_no.clone())
        .collect();
    let mut by_no: BTreeMap<String, GroupRole> = BTreeMap::new();
    for (app, role) in roles {
        if *role == GroupRole::Member {
            continue;
        }
        let no = group
            .members
            .iter()
            .find(|m| m.application_id == *app)
            .map_or_else(|| app.to_string(), |m| m.registration_no.clone());
        by_no.insert(no, *role);
    }
    check_roles(&selected, &by_no).map_err(|problems| {
        let (id, en): (Vec<_>, Vec<_>) = problems.iter().map(|p| p.message()).unzip();
        ServiceError::Invalid(crate::domain::msg::Msg::new(id.join(" "), en.join(" ")))
    })?;
    let holder = |list: &BTreeMap<String, GroupRole>, office: GroupRole| {
        list.iter()
            .find(|(_, r)| **r == office)
            .map(|(no, _)| no.clone())
            .unwrap_or_default()
    };
    let before: BTreeMap<String, GroupRole> = group
        .members
        .iter()
        .filter(|m| m.role != GroupRole::Member)
        .map(|m| (m.registration_no.clone(), m.role))
        .collect();
    if before == by_no {
        // Nothing changes: no event, no write.
        tx.commit().await?;
        return Ok(());
    }
    group_role::Entity::delete_many()
        .filter(group_role::Column::FormationId.eq(formation_id))
        .exec(&tx)
        .await?;
    let now = OffsetDateTime::now_utc();
    let rows: Vec<group_role::ActiveModel> = group
        .members
        .iter()
        .filter_map(|m| {
            by_no
                .get(&m.registration_no)
                .map(|role| group_role::ActiveModel {
                    application_id: Set(m.application_id),
                    round_id: Set(r.id),
                    formation_id: Set(formation_id),
                    role: Set(role.as_str().into()),
                    assigned_by: Set(admin),
                    assigned_at: Set(now),
                })
        })
        .collect();
    if !rows.is_empty() {
        group_role::Entity::insert_many(rows).exec(&tx).await?;
    }
    let mut payload = serde_json::json!({ "formation_code": group.formation.code });
    for office in GroupRole::OFFICES {
        payload[office.as_str()] = holder(&by_no, office).into();
        payload[format!("previous_{}", office.as_str())] = holder(&before, office).into();
    }
    append(
        &tx,
        NewEvent::new(
            actor,
            "group.roles_set",
            "formation",
            formation_id.to_string(),
        )
        .round(r.id)
        .payload(payload),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(formation.id = %formation_id, "group offices set");
    Ok(())
}
