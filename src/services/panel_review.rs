//! Loads what the panel review of a round is computed from — the values that
//! count for the ranking (latest submitted versions of panelists who still
//! sit on the formation's panel and are not recused), where each applicant
//! lives, and the system's conflict flags — and hands it to the pure
//! [`crate::domain::panel_review`]. Reads only; a flag is never acted upon
//! except that publication then needs a second admin (see
//! [`crate::services::second_look`]).

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use uuid::Uuid;

use super::ServiceError;
use crate::db::entities::{
    account, application, conflict_declaration, criterion, formation, round, scorecard,
};
use crate::domain::analytics::Scale;
use crate::domain::group_bias::{Applicant, Tie};
use crate::domain::panel_review::{self, ReviewInput};

/// (id, registration number, formation, kelurahan, RT) of an application.
type AppRow = (
    Uuid,
    Option<String>,
    Option<Uuid>,
    Option<String>,
    Option<i32>,
);

pub use crate::domain::panel_review::RoundReview;

/// Reads the review's inputs for round `round_id`, ordered by formation code.
///
/// # Errors
/// `NotFound` for an unknown round; storage failures.
pub async fn load_input<C: ConnectionTrait>(
    db: &C,
    round_id: Uuid,
) -> Result<(round::Model, Vec<formation::Model>, ReviewInput), ServiceError> {
    let r = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .order_by_asc(formation::Column::Code)
        .all(db)
        .await?;
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round_id))
        .filter(criterion::Column::Kind.eq("panel"))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await?;
    let code_of: HashMap<Uuid, &str> = criteria.iter().map(|c| (c.id, c.code.as_str())).collect();
    let scales: Vec<Scale> = criteria
        .iter()
        .map(|c| Scale {
            code: c.code.clone(),
            min: i64::from(c.scale_min),
            max: i64::from(c.scale_max),
        })
        .collect();

    let apps: Vec<AppRow> = application::Entity::find()
        .select_only()
        .column(application::Column::Id)
        .column(application::Column::RegistrationNo)
        .column(application::Column::FormationId)
        .column(application::Column::KelurahanCode)
        .column(application::Column::RtNumber)
        .filter(application::Column::RoundId.eq(round_id))
        .filter(application::Column::RegistrationNo.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let number: HashMap<Uuid, (String, Option<Uuid>)> = apps
        .iter()
        .filter_map(|(id, no, f, _, _)| Some((*id, (no.clone()?, *f))))
        .collect();
    let applicants: Vec<Applicant> = apps
        .iter()
        .filter_map(|(_, no, _, kel, rt)| {
            Some(Applicant {
                application: no.clone()?,
                kelurahan: kel.clone()?,
                rt: (*rt)?,
            })
        })
        .collect();

    // Declarations that recuse (their values do not count) or carry a
    // system flag (a group of its own), in one statement.
    let declarations: Vec<(Uuid, Uuid, bool, Option<String>)> =
        conflict_declaration::Entity::find()
            .select_only()
            .column(conflict_declaration::Column::ApplicationId)
            .column(conflict_declaration::Column::PanelistId)
            .column(conflict_declaration::Column::Recused)
            .column(conflict_declaration::Column::FlaggedReasons)
            .join(
                JoinType::InnerJoin,
                conflict_declaration::Relation::Application.def(),
            )
            .filter(application::Column::RoundId.eq(round_id))
            .filter(
                conflict_declaration::Column::Recused
                    .eq(true)
                    .or(conflict_declaration::Column::FlaggedReasons.is_not_null()),
            )
            .into_tuple()
            .all(db)
            .await?;
    let recused: HashSet<(Uuid, Uuid)> = declarations
        .iter()
        .filter(|d| d.2)
        .map(|d| (d.0, d.1))
        .collect();
    let ties: Vec<Tie> = declarations
        .iter()
        .filter(|d| !d.2)
        .filter_map(|(app, panelist, _, reasons)| {
            let reasons = reasons.as_deref()?;
            Some(Tie {
                panelist: panelist.to_string(),
                application: number.get(app)?.0.clone(),
                same_rt: reasons.contains("same_rt"),
                same_family_card: reasons.contains("same_family_card"),
            })
        })
        .collect();

    // One formation's values at a time: a city round holds more than half a
    // million of them, and reading them in one statement kept every row
    // three times over (the driver's copy, sea-orm's and the tuples) at the
    // moment the first results page asked for the review (P8).
    let mut builder = ReviewInput::builder(scales);
    for f in &formations {
        // Panelist ids as text once per member, not once per value.
        let members: HashMap<Uuid, String> = super::standings::formation_panelists(db, f.id)
            .await?
            .into_iter()
            .map(|p| (p, p.to_string()))
            .collect();
        let values = super::standings::current_values(
            db,
            Expr::col((scorecard::Entity, scorecard::Column::ApplicationId)).in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(application::Column::Id)
                    .from(application::Entity)
                    .and_where(application::Column::FormationId.eq(f.id))
                    .to_owned(),
            ),
        )
        .await?;
        builder.formation(f.code.clone());
        for (app, panelist, criterion_id, value) in values {
            let (Some((no, _)), Some(code)) = (number.get(&app), code_of.get(&criterion_id)) else {
                continue;
            };
            // Exactly what the ranking reads: a removed member's or a recused
            // panelist's values do not count, so they are not judged either.
            let Some(member) = members.get(&panelist) else {
                continue;
            };
            if recused.contains(&(app, panelist)) {
                continue;
            }
            builder.score(member, no, code, i64::from(value));
        }
    }
    let input = builder.finish(applicants, ties);
    Ok((r, formations, input))
}

/// Computes the panel review of a round, with panelists' names and the
/// criteria's names. Callers check who may see it: staff see names, the
/// public pages show only counts.
///
/// # Errors
/// `NotFound` for an unknown round; storage failures.
pub async fn round_review<C: ConnectionTrait>(
    db: &C,
    round_id: Uuid,
) -> Result<RoundReview, ServiceError> {
    let (round, formations, input) = load_input(db, round_id).await?;
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round_id))
        .filter(criterion::Column::Kind.eq("panel"))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.code, c.name_id, c.name_en))
        .collect();
    // The statistics are CPU work (Monte-Carlo permutations): keep them
    // off the async workers.
    let review = tokio::task::spawn_blocking(move || panel_review::review(&input))
        .await
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("panel review: {e}")))?;
    let ids: Vec<Uuid> = review
        .panelists
        .iter()
        .filter_map(|p| p.panelist.parse().ok())
        .collect();
    let names = account::Entity::find()
        .filter(account::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), a.name))
        .collect();
    Ok(RoundReview {
        round: (&round).into(),
        formations: formations.into_iter().map(Into::into).collect(),
        criteria,
        review,
        names,
    })
}
