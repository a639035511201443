//! The admin dashboard of a round: the funnel and the verification backlog.

use crate::domain::application::ApplicationState;
use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::entities::{application, test_invitation, test_session};
use crate::services::ServiceError;

use super::{ABSENT, FormationChoice, PRESENT, RoundHead, kelurahan_names, panels_overview};

/// Application counts from registration to attendance. The steps
/// `registered` ≥ `submitted` ≥ `eligible` ≥ `invited` ≥ `attended` are
/// cumulative (each counts everyone who ever reached it), so the funnel reads
/// as how many got how far; `drafts` and `absent` are side counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Funnel {
    /// Every application started in the round, whatever its state now
    /// (drafts, withdrawals and refusals included).
    pub registered: u64,
    /// Applications still in draft (part of `registered`, not of `submitted`).
    pub drafts: u64,
    /// Applications ever submitted (whatever happened next, withdrawals included).
    pub submitted: u64,
    /// Applications found eligible.
    pub eligible: u64,
    /// Applications with a test invitation.
    pub invited: u64,
    /// Invitations marked present.
    pub attended: u64,
    /// Invitations marked absent.
    pub absent: u64,
    /// Applications withdrawn (still counted in `submitted` when they were
    /// submitted first).
    pub withdrawn: u64,
}

/// Submitted applications not yet decided in one kelurahan.
#[derive(Clone, Debug)]
pub struct Backlog {
    pub kelurahan_code: String,
    pub kelurahan_name: String,
    pub count: u64,
}

/// The admin dashboard of a round.
#[derive(Clone, Debug)]
pub struct Dashboard {
    pub round: RoundHead,
    pub funnel: Funnel,
    pub backlog: Vec<Backlog>,
    /// `(panel name, members)` of panels below `min_panelists`.
    pub short_panels: Vec<(String, usize)>,
    /// Formations no panel assesses.
    pub unassigned: Vec<FormationChoice>,
    /// Formations that need a second admin's look before publication.
    pub second_look: crate::services::second_look::Status,
}

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
