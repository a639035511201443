//! The admin dashboard of a round: the funnel and the verification backlog.

use crate::domain::application::ApplicationState;
use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::entities::{application, test_invitation, test_session};
use crate::services::ServiceError;

use super::{ABSENT, Backlog, Dashboard, Funnel, PRESENT, kelurahan_names, panels_overview};

/// The dashboard of a round.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn dashboard(db: &DatabaseConnection, round_id: Uuid) -> Result<Dashboard, ServiceError> {
    let overview = panels_overview(db, round_id).await?;
    let apps: Vec<(
        Uuid,
        ApplicationState,
        Option<String>,
        Option<OffsetDateTime>,
    )> = application::Entity::find()
        .select_only()
        .column(application::Column::Id)
        .column(application::Column::State)
        .column(application::Column::KelurahanCode)
        .column(application::Column::SubmittedAt)
        .filter(application::Column::RoundId.eq(round_id))
        .into_tuple()
        .all(db)
        .await?;
    let ids: BTreeSet<Uuid> = apps.iter().map(|a| a.0).collect();
    let mut funnel = Funnel {
        registered: u64::try_from(apps.len()).unwrap_or(u64::MAX),
        ..Funnel::default()
    };
    let mut backlog: BTreeMap<String, u64> = BTreeMap::new();
    for (_, state, kel, submitted_at) in &apps {
        match state {
            ApplicationState::Draft => funnel.drafts += 1,
            ApplicationState::Withdrawn => funnel.withdrawn += 1,
            ApplicationState::Submitted => {
                *backlog.entry(kel.clone().unwrap_or_default()).or_default() += 1;
            }
            _ => {}
        }
        if submitted_at.is_some()
            || !matches!(state, ApplicationState::Draft | ApplicationState::Withdrawn)
        {
            funnel.submitted += 1;
        }
        if *state == ApplicationState::Eligible {
            funnel.eligible += 1;
        }
    }
    let sessions: Vec<Uuid> = test_session::Entity::find()
        .filter(test_session::Column::RoundId.eq(round_id))
        .select_only()
        .column(test_session::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for inv in test_invitation::Entity::find()
        .filter(test_invitation::Column::TestSessionId.is_in(sessions))
        .all(db)
        .await?
        .into_iter()
        .filter(|i| ids.contains(&i.application_id))
    {
        funnel.invited += 1;
        match inv.attendance.as_deref() {
            Some(PRESENT) => funnel.attended += 1,
            Some(ABSENT) => funnel.absent += 1,
            _ => {}
        }
    }
    let names = kelurahan_names(db).await?;
    let second_look = crate::services::second_look::status(db, round_id).await?;
    Ok(Dashboard {
        second_look,
        funnel,
        backlog: backlog
            .into_iter()
            .map(|(code, count)| Backlog {
                kelurahan_name: names.get(&code).cloned().unwrap_or_default(),
                kelurahan_code: code,
                count,
            })
            .collect(),
        short_panels: overview
            .panels
            .iter()
            .filter(|p| p.short)
            .map(|p| (p.model.name.clone(), p.members.len()))
            .collect(),
        unassigned: overview
            .formations
            .into_iter()
            .filter(|f| f.panel.is_none())
            .collect(),
        round: overview.round,
    })
}
