//! After the final result: the formed group.
//!
//! - [`replacement`]: a selected member who withdraws or is disqualified is
//!   replaced by the next reserve, four-eyes (one admin proposes with a
//!   reason, another approves); the approval changes the member's status,
//!   re-ranks the formation with that event as cause (so the reserve moves
//!   up with a `ranking.changed` naming it), mails both people and signs a
//!   checkpoint, in one transaction.
//! - [`group`]: the offices of the formed group (chair, secretary,
//!   treasurer; everyone else a member), chosen by an admin among the
//!   selected members (`domain::group_roles`), audited.
//! - [`annex`]: the member list as the annex of the Lurah's decree (a
//!   printable page and a CSV, whose download is an `export.created`).

pub mod annex;
pub mod group;
pub mod replacement;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::regions::kelurahan_names_of;
use super::{ServiceError, require_admin};
use crate::db::audit::Actor;
use crate::db::entities::{application, formation, group_role, ranking, round};
pub use crate::domain::after_final::{FormationGroup, GroupMember, Overview, PendingReplacement};
use crate::domain::group_roles::{GroupRole, check_roles, member_list};

/// The round must be final for anything here.
fn require_final(r: &round::Model) -> Result<(), ServiceError> {
    if r.state == crate::domain::round::RoundState::Final {
        Ok(())
    } else {
        Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Hasil seleksi ini belum final.",
            "The results of this round are not final yet.",
        )))
    }
}

/// Every formation's group of a round, by formation code.
///
/// # Errors
/// Storage failures.
pub(crate) async fn groups<C: ConnectionTrait>(
    db: &C,
    r: &round::Model,
    only: Option<Uuid>,
) -> Result<Vec<FormationGroup>, ServiceError> {
    let mut fq = formation::Entity::find().filter(formation::Column::RoundId.eq(r.id));
    if let Some(f) = only {
        fq = fq.filter(formation::Column::Id.eq(f));
    }
    let formations = fq.order_by_asc(formation::Column::Code).all(db).await?;
    let rows = ranking::Entity::find()
        .filter(ranking::Column::RoundId.eq(r.id))
        .filter(ranking::Column::Status.is_in(["selected", "reserve"]))
        .order_by_asc(ranking::Column::Rank)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|x| x.application_id).collect();
    let apps: HashMap<Uuid, application::Model> = application::Entity::find()
        .filter(application::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let offices: HashMap<Uuid, GroupRole> = group_role::Entity::find()
        .filter(group_role::Column::RoundId.eq(r.id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|g| GroupRole::parse(&g.role).map(|role| (g.application_id, role)))
        .collect();
    let names = kelurahan_names_of(
        db,
        formations
            .iter()
            .map(|f| f.kelurahan_code.clone())
            .chain(apps.values().filter_map(|a| a.kelurahan_code.clone()))
            .collect::<Vec<_>>(),
    )
    .await?;
    let mut out = Vec::with_capacity(formations.len());
    for f in formations {
        let person = |row: &ranking::Model| {
            let a = apps.get(&row.application_id)?;
            Some(GroupMember {
                application_id: a.id,
                registration_no: a.registration_no.clone().unwrap_or_default(),
                full_name: a.full_name.clone(),
                rank: row.rank,
                rt: a.rt_number,
                home_kelurahan: a
                    .kelurahan_code
                    .as_ref()
                    .filter(|k| **k != f.kelurahan_code)
                    .map(|k| names.get(k).cloned().unwrap_or_else(|| k.clone())),
                role: offices.get(&a.id).copied().unwrap_or(GroupRole::Member),
            })
        };
        let selected: Vec<GroupMember> = rows
            .iter()
            .filter(|x| x.formation_id == f.id && x.status.as_deref() == Some("selected"))
            .filter_map(person)
            .collect();
        let reserves: Vec<GroupMember> = rows
            .iter()
            .filter(|x| x.formation_id == f.id && x.status.as_deref() == Some("reserve"))
            .filter_map(person)
            .collect();
        let numbers: BTreeSet<String> =
            selected.iter().map(|m| m.registration_no.clone()).collect();
        let roles: BTreeMap<String, GroupRole> = selected
            .iter()
            .filter(|m| m.role != GroupRole::Member)
            .map(|m| (m.registration_no.clone(), m.role))
            .collect();
        let problems = check_roles(&numbers, &roles).err().unwrap_or_default();
        let order = member_list(&numbers, &roles);
        let mut members = Vec::with_capacity(selected.len());
        for (no, _) in order {
            if let Some(m) = selected.iter().find(|m| m.registration_no == no) {
                members.push(m.clone());
            }
        }
        out.push(FormationGroup {
            kelurahan_name: names.get(&f.kelurahan_code).cloned().unwrap_or_default(),
            formation: f.into(),
            members,
            reserves,
            problems,
        });
    }
    Ok(out)
}

/// The admin's after-final page of a round.
///
/// # Errors
/// `Forbidden` unless an admin; `NotFound` for an unknown round.
pub async fn overview<C: ConnectionTrait>(
    db: &C,
    actor: Actor,
    round_id: Uuid,
) -> Result<Overview, ServiceError> {
    require_admin(actor)?;
    let r = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let groups = if r.state == crate::domain::round::RoundState::Final {
        groups(db, &r, None).await?
    } else {
        Vec::new()
    };
    let pending = replacement::pending(db, r.id).await?;
    Ok(Overview {
        round: r.into(),
        groups,
        pending,
    })
}
