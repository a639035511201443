//! What the after-final pages show: the formed groups with their offices
//! and reserves, pending replacements and the decree's annex, as plain
//! records, so no page holds a stored model.

use uuid::Uuid;

use super::approval::Approval;
use super::group_roles::{GroupRole, RoleProblem};
use super::round::{FormationHead, Round};

/// One person of a formed group (selected) or waiting (reserve).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupMember {
    pub application_id: Uuid,
    pub registration_no: String,
    pub full_name: String,
    pub rank: Option<i32>,
    pub rt: Option<i32>,
    /// The name of the kelurahan the member lives in when it is not the
    /// formation's (a domicile rule wider than `rt`), so the RT is not read
    /// as one of the formation's; `None` otherwise.
    pub home_kelurahan: Option<String>,
    /// The office; `Member` for everyone without one (and every reserve).
    pub role: GroupRole,
}

/// One formation's group after the final result.
#[derive(Clone, Debug)]
pub struct FormationGroup {
    pub formation: FormationHead,
    pub kelurahan_name: String,
    /// Selected members in the decree's order (offices first).
    pub members: Vec<GroupMember>,
    /// Reserves in rank order: the first takes the next free seat.
    pub reserves: Vec<GroupMember>,
    /// What is missing for the offices to follow the rule; empty when complete.
    pub problems: Vec<RoleProblem>,
}

/// A pending replacement for the page.
#[derive(Clone, Debug)]
pub struct PendingReplacement {
    pub approval: Approval,
    pub registration_no: String,
    pub full_name: String,
    pub departure: Departure,
    pub requested_by_name: String,
}

/// What the round's after-final page shows.
#[derive(Clone, Debug)]
pub struct Overview {
    pub round: Round,
    pub groups: Vec<FormationGroup>,
    pub pending: Vec<PendingReplacement>,
}

/// The signed checkpoint the annex cites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnexCheckpoint {
    pub seq: i64,
    pub hash: String,
}

/// What the annex of one formation shows.
#[derive(Clone, Debug)]
pub struct Annex {
    pub round: Round,
    pub group: FormationGroup,
    /// The latest signed checkpoint, if any.
    pub checkpoint: Option<AnnexCheckpoint>,
}

/// Why a selected member leaves the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Departure {
    /// They withdrew.
    Withdrawn,
    /// They were disqualified.
    Disqualified,
}

impl Departure {
    /// The stored name, also the application's new state.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Departure::Withdrawn => "withdrawn",
            Departure::Disqualified => "disqualified",
        }
    }

    /// The application's state after it.
    #[must_use]
    pub fn state(self) -> super::application::ApplicationState {
        match self {
            Departure::Withdrawn => super::application::ApplicationState::Withdrawn,
            Departure::Disqualified => super::application::ApplicationState::Disqualified,
        }
    }

    /// From the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Departure> {
        match s {
            "withdrawn" => Some(Departure::Withdrawn),
            "disqualified" => Some(Departure::Disqualified),
            _ => None,
        }
    }

    /// The audit action of the approved change.
    #[must_use]
    pub fn action(self) -> &'static str {
        match self {
            Departure::Withdrawn => "application.withdrawn_after_final",
            Departure::Disqualified => "application.disqualified",
        }
    }
}
