//! Reading the ranking inputs of a formation (or of one stage of it) in
//! the caller's transaction.

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use uuid::Uuid;

use super::{AppRow, Inputs, Known, eligibility, internal};
use crate::db::entities::{
    application, conflict_declaration, criterion, formation, imported_value, panel_formation,
    panel_member, round, round_stage, score_value, score_version, scorecard,
};
use crate::domain::application::ApplicationState;
use crate::domain::ranking::{self as rk, Aggregation, PanelScore, RoundRules};
use crate::domain::stage::stage_rules;
use crate::services::ServiceError;
use crate::services::rounds::ranking_criterion;

/// The accounts on the panels that assess a formation, sorted, once each.
///
/// # Errors
/// Storage failures.
pub async fn formation_panelists<C: ConnectionTrait>(
    tx: &C,
    formation_id: Uuid,
) -> Result<Vec<Uuid>, ServiceError> {
    // A join, not `panel_id IN (SELECT ..)`: SQLite answers an IN over a
    // subquery with a temporary b-tree, whose page buffers (allocated and
    // freed for every statement) were 5% of the city demo's scoring.
    let mut panelists: Vec<Uuid> = panel_member::Entity::find()
        .select_only()
        .column(panel_member::Column::AccountId)
        .join(
            JoinType::InnerJoin,
            panel_member::Entity::belongs_to(panel_formation::Entity)
                .from(panel_member::Column::PanelId)
                .to(panel_formation::Column::PanelId)
                .into(),
        )
        .filter(panel_formation::Column::FormationId.eq(formation_id))
        .into_tuple()
        .all(tx)
        .await?;
    panelists.sort();
    panelists.dedup();
    Ok(panelists)
}

/// The ranking rules of a round and one application's ranking inputs (the
/// panelists in the formation's sorted order), as the ranking read them:
/// what the applicant's score breakdown is computed from.
///
/// # Errors
/// `NotFound` for an application outside the formation; storage failures.
pub async fn application_inputs<C: ConnectionTrait>(
    tx: &C,
    formation_id: Uuid,
    application_id: Uuid,
) -> Result<(RoundRules, rk::Application), ServiceError> {
    let inputs = load(tx, formation_id, Some(application_id), Known::default()).await?;
    let app = inputs
        .domain_apps
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    Ok((inputs.rules, app))
}

/// The one-stage ranking inputs of one stage of a staged round in one
/// formation: the stage's rules (no passing total of its own), the
/// formation, and every submitted application with its id.
///
/// # Errors
/// `NotFound` for an unknown formation; storage failures.
pub async fn stage_inputs<C: ConnectionTrait>(
    tx: &C,
    formation_id: Uuid,
    stage_code: &str,
) -> Result<(RoundRules, rk::Formation, Vec<(Uuid, rk::Application)>), ServiceError> {
    let known = Known {
        stage: Some(stage_code.to_owned()),
        ..Known::default()
    };
    let inputs = load(tx, formation_id, None, known).await?;
    let apps = inputs
        .apps
        .iter()
        .map(|a| a.id)
        .zip(inputs.domain_apps)
        .collect();
    Ok((inputs.rules, inputs.formation, apps))
}

/// Reads the ranking inputs of a formation, or of one application of it
/// (`only`), in a few statements that select only the columns ranking needs:
/// this runs after every score, so it must not decode whole rows.
pub(super) async fn load<C: ConnectionTrait>(
    tx: &C,
    formation_id: Uuid,
    only: Option<Uuid>,
    known: Known,
) -> Result<Inputs, ServiceError> {
    let f = formation::Entity::find_by_id(formation_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let round = match known.round {
        Some(r) if r.id == f.round_id => r,
        _ => round::Entity::find_by_id(f.round_id)
            .one(tx)
            .await?
            .ok_or(ServiceError::NotFound)?,
    };
    let criteria = match known.criteria {
        Some(c) if c.iter().all(|c| c.round_id == round.id) => c,
        _ => {
            criterion::Entity::find()
                .filter(criterion::Column::RoundId.eq(round.id))
                .order_by_asc(criterion::Column::Position)
                .all(tx)
                .await?
        }
    };
    let code_of: HashMap<Uuid, String> = criteria.iter().map(|c| (c.id, c.code.clone())).collect();
    // A staged round ranks one stage's criteria at a time (each stage's
    // weights sum to 100); values of the other stages are left out below.
    let stage = match known.stage {
        Some(code) => Some(code),
        None if round.final_rule.is_some() => round_stage::Entity::find()
            .filter(round_stage::Column::RoundId.eq(round.id))
            .order_by_desc(round_stage::Column::Position)
            .one(tx)
            .await?
            .map(|s| s.code),
        None => None,
    };
    let criteria: Vec<criterion::Model> = match &stage {
        Some(code) => criteria
            .into_iter()
            .filter(|c| c.stage_code.as_deref() == Some(code.as_str()))
            .collect(),
        None => criteria,
    };
    let ranked_codes: std::collections::HashSet<&str> =
        criteria.iter().map(|c| c.code.as_str()).collect();
    let rules = RoundRules {
        aggregation: if round.aggregation == "trimmed_mean" {
            Aggregation::TrimmedMean
        } else {
            Aggregation::Mean
        },
        passing_total: round.passing_total.map(|p| u32::try_from(p).unwrap_or(0)),
        min_panelists: u32::try_from(round.min_panelists).unwrap_or(0),
        criteria: criteria
            .iter()
            .map(|c| ranking_criterion(&c.into()))
            .collect(),
        // Until the commit–reveal seed exists (registration still open), live
        // standings use an empty seed; ranks are only published after it is set.
        seed: round.lottery_seed.clone().unwrap_or_default(),
    };
    // The criteria are already the stage's; the stage rule drops the
    // round-wide passing total and, for a written test, the panel.
    let rules = if stage.is_some() {
        stage_rules(&rules, |_| true)
    } else {
        rules
    };
    let formation = rk::Formation {
        code: f.code.clone(),
        seats: u32::try_from(f.seats).unwrap_or(0),
        reserve: u32::try_from(f.reserve).unwrap_or(0),
    };

    let app_rows: Vec<(Uuid, Option<String>, ApplicationState)> = match (only, known.application) {
        // The row the caller read in this transaction, through the filters
        // of the query below.
        (Some(id), Some(a)) if a.id == id => {
            if a.formation_id == Some(formation_id)
                && a.state != ApplicationState::Draft
                && a.registration_no.is_some()
            {
                vec![(a.id, a.registration_no, a.state)]
            } else {
                Vec::new()
            }
        }
        _ => {
            let mut apps_query = application::Entity::find()
                .select_only()
                .column(application::Column::Id)
                .column(application::Column::RegistrationNo)
                .column(application::Column::State)
                .filter(application::Column::FormationId.eq(formation_id))
                .filter(application::Column::State.ne(ApplicationState::Draft))
                .filter(application::Column::RegistrationNo.is_not_null())
                .order_by_asc(application::Column::RegistrationNo);
            if let Some(id) = only {
                apps_query = apps_query.filter(application::Column::Id.eq(id));
            }
            apps_query.into_tuple().all(tx).await?
        }
    };
    // The applications whose inputs are read: the formation's, or just one
    // (`app_rows` above holds it only when it is in the formation; inputs read
    // for anything else are dropped below). One application is compared by
    // id: an IN over a subquery costs SQLite a temporary b-tree per statement.
    let in_scope = |column: sea_orm::sea_query::SimpleExpr| match only {
        Some(id) => column.eq(id),
        None => column.in_subquery(
            Query::select()
                .column(application::Column::Id)
                .from(application::Entity)
                .and_where(application::Column::FormationId.eq(formation_id))
                .to_owned(),
        ),
    };

    let panelists = match known.panelists {
        Some(p) => p,
        None => formation_panelists(tx, formation_id).await?,
    };

    let recused: std::collections::HashSet<(Uuid, Uuid)> = conflict_declaration::Entity::find()
        .select_only()
        .column(conflict_declaration::Column::ApplicationId)
        .column(conflict_declaration::Column::PanelistId)
        .filter(in_scope(Expr::col((
            conflict_declaration::Entity,
            conflict_declaration::Column::ApplicationId,
        ))))
        .filter(conflict_declaration::Column::Recused.eq(true))
        .into_tuple()
        .all(tx)
        .await?
        .into_iter()
        .collect();
    let values = current_values(
        tx,
        in_scope(Expr::col((
            scorecard::Entity,
            scorecard::Column::ApplicationId,
        ))),
    )
    .await?;
    let mut submitted: HashMap<(Uuid, Uuid), BTreeMap<String, i64>> = HashMap::new();
    for (app, panelist, criterion_id, value) in values {
        let code = code_of
            .get(&criterion_id)
            .cloned()
            .ok_or_else(|| internal("score for an unknown criterion"))?;
        if !ranked_codes.contains(code.as_str()) {
            continue;
        }
        submitted
            .entry((app, panelist))
            .or_default()
            .insert(code, i64::from(value));
    }
    let mut imported: HashMap<Uuid, BTreeMap<String, i64>> = HashMap::new();
    // Values are imported only for imported criteria (the import refuses
    // any other): a round without one has none to read.
    let imported_rows: Vec<(Uuid, Uuid, i32)> = if criteria.iter().any(|c| c.kind == "imported") {
        imported_value::Entity::find()
            .select_only()
            .column(imported_value::Column::ApplicationId)
            .column(imported_value::Column::CriterionId)
            .column(imported_value::Column::Value)
            .filter(in_scope(Expr::col((
                imported_value::Entity,
                imported_value::Column::ApplicationId,
            ))))
            .into_tuple()
            .all(tx)
            .await?
    } else {
        Vec::new()
    };
    for (app, criterion_id, value) in imported_rows {
        let code = code_of
            .get(&criterion_id)
            .cloned()
            .ok_or_else(|| internal("imported value for an unknown criterion"))?;
        if !ranked_codes.contains(code.as_str()) {
            continue;
        }
        imported
            .entry(app)
            .or_default()
            .insert(code, i64::from(value));
    }

    let domain_apps = app_rows
        .iter()
        .map(|(id, no, state)| rk::Application {
            registration_no: no.clone().unwrap_or_default(),
            eligibility: eligibility(*state),
            panel_scores: panelists
                .iter()
                .map(|p| PanelScore {
                    panelist_id: p.to_string(),
                    recused: recused.contains(&(*id, *p)),
                    submitted: submitted.remove(&(*id, *p)),
                })
                .collect(),
            imported: imported.remove(id).unwrap_or_default(),
        })
        .collect();
    let apps = app_rows
        .into_iter()
        .map(|(id, no, _)| AppRow {
            id,
            registration_no: no.unwrap_or_default(),
            formation_id,
        })
        .collect();
    Ok(Inputs {
        round,
        rules,
        formation,
        apps,
        domain_apps,
    })
}

/// The current version's values of every submitted scorecard of the
/// applications `scope` admits (a condition on `scorecard.application_id`),
/// in one statement: (application, panelist, criterion, value). What the
/// ranking counts and the panel review judges are read here alike.
///
/// # Errors
/// Storage failures.
pub async fn current_values<C: ConnectionTrait>(
    conn: &C,
    scope: sea_orm::sea_query::SimpleExpr,
) -> Result<Vec<(Uuid, Uuid, Uuid, i32)>, sea_orm::DbErr> {
    score_value::Entity::find()
        .select_only()
        .column(scorecard::Column::ApplicationId)
        .column(scorecard::Column::PanelistId)
        .column(score_value::Column::CriterionId)
        .column(score_value::Column::Value)
        .join(
            JoinType::InnerJoin,
            score_value::Relation::ScoreVersion.def(),
        )
        .join(
            JoinType::InnerJoin,
            score_version::Relation::Scorecard.def(),
        )
        .filter(scope)
        .filter(scorecard::Column::CurrentVersion.gt(0))
        .filter(
            Expr::col((score_version::Entity, score_version::Column::Version))
                .equals((scorecard::Entity, scorecard::Column::CurrentVersion)),
        )
        .into_tuple()
        .all(conn)
        .await
}
