//! An objection as its pages show it: the filed objection, how it was
//! filed, the reviewer's proposal and its four-eyes approval. Plain records,
//! so no page holds a stored model.

use time::OffsetDateTime;
use uuid::Uuid;

use super::approval::Approval;
use super::msg::Msg;

/// Where an objection stands, stored as its name in `objection.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionStatus {
    /// Received, no reviewer yet.
    Filed,
    /// A reviewer is looking at it.
    InReview,
    /// A decision waits for a second admin.
    Proposed,
    /// Decided for the applicant.
    Accepted,
    /// Decided against the applicant.
    Rejected,
}

impl ObjectionStatus {
    /// Every status.
    pub const ALL: [ObjectionStatus; 5] = [
        ObjectionStatus::Filed,
        ObjectionStatus::InReview,
        ObjectionStatus::Proposed,
        ObjectionStatus::Accepted,
        ObjectionStatus::Rejected,
    ];

    /// The two decided statuses; an objection in any other is still open
    /// (it holds back finalization and erasure).
    pub const DECIDED: [ObjectionStatus; 2] =
        [ObjectionStatus::Accepted, ObjectionStatus::Rejected];

    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectionStatus::Filed => "filed",
            ObjectionStatus::InReview => "in_review",
            ObjectionStatus::Proposed => "proposed",
            ObjectionStatus::Accepted => "accepted",
            ObjectionStatus::Rejected => "rejected",
        }
    }

    /// The status with the stored name `s`.
    #[must_use]
    pub fn parse(s: &str) -> Option<ObjectionStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Accepted or rejected.
    #[must_use]
    pub fn is_decided(self) -> bool {
        Self::DECIDED.contains(&self)
    }

    /// Filed or in review: a reviewer may still be (re)assigned.
    #[must_use]
    pub fn awaits_review(self) -> bool {
        matches!(self, ObjectionStatus::Filed | ObjectionStatus::InReview)
    }
}

impl std::fmt::Display for ObjectionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ObjectionStatus {
    type Err = crate::domain::application::UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ObjectionStatus::parse(s)
            .ok_or_else(|| crate::domain::application::UnknownState(s.to_owned()))
    }
}

/// An objection to a published result (or a stage's shortlist).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Objection {
    pub id: Uuid,
    pub round_id: Uuid,
    pub application_id: Uuid,
    pub filed_by: Uuid,
    pub grounds: String,
    pub document_id: Option<Uuid>,
    pub status: ObjectionStatus,
    pub reviewer_id: Option<Uuid>,
    pub decision_reason: String,
    pub deadline_at: OffsetDateTime,
    pub filed_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    pub approval_id: Option<Uuid>,
}

/// How an objection was filed: the channel, the assisting operator and the
/// contested items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectionFiling {
    pub objection_id: Uuid,
    pub channel: String,
    pub assisted_by: Option<Uuid>,
    pub contested: String,
}

/// Which step an accepted objection reopens.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Reopen {
    /// Nothing: the objection is rejected.
    None,
    /// The verification: eligibility is re-decided to `eligible`.
    Verification { eligible: bool },
    /// One panelist's scorecard: that panelist may amend it.
    Scorecard { panelist_id: Uuid },
}

/// A reviewer's proposal, stored as the approval's payload.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Proposal {
    pub accepted: bool,
    pub reasons: String,
    pub reopen: Reopen,
}

/// An objection with what the pages show about it.
#[derive(Clone, Debug)]
pub struct ObjectionView {
    pub objection: Objection,
    pub registration_no: String,
    pub full_name: String,
    pub formation_code: String,
    pub kelurahan_code: String,
    pub reviewer_name: Option<String>,
    /// The pending or approved proposal, with its proposer and approver.
    pub proposal: Option<(Proposal, Approval)>,
    /// Undecided past its response deadline.
    pub overdue: bool,
    /// The channel, the assisting operator and the contested items, for
    /// objections filed since that was recorded.
    pub filing: Option<ObjectionFiling>,
    /// The stage whose published shortlist it contests (`None`: the
    /// round's results).
    pub stage_code: Option<String>,
}

/// A reviewer an admin may pick: `(account id, name, role)`.
pub type ReviewerOption = (Uuid, String, String);

/// One value of a scorecard.
#[derive(Clone, Debug)]
pub struct CardValue {
    pub code: String,
    pub name: Msg,
    pub value: i32,
    pub comment: String,
}

/// One panelist's submitted scorecard, its current version.
#[derive(Clone, Debug)]
pub struct ReviewCard {
    pub panelist_name: String,
    pub version: i32,
    pub submitted_at: OffsetDateTime,
    /// The written reason of an amendment (empty for version 1).
    pub reason: String,
    /// In the round's criterion order.
    pub values: Vec<CardValue>,
}

/// A published shortlist open to objections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenWindow {
    pub stage_code: String,
    /// The stage's names.
    pub stage_name: Msg,
    pub ends_at: OffsetDateTime,
}

#[cfg(test)]
mod status_tests {
    use super::ObjectionStatus;

    /// The stored names are the ones the table held before the type.
    #[test]
    fn each_status_round_trips_through_its_stored_name() {
        let names: Vec<&str> = ObjectionStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            ["filed", "in_review", "proposed", "accepted", "rejected"]
        );
        for s in ObjectionStatus::ALL {
            assert_eq!(s.to_string().parse::<ObjectionStatus>(), Ok(s));
            assert_eq!(
                serde_json::to_value(s).expect("json"),
                serde_json::json!(s.as_str())
            );
        }
        assert!("Filed".parse::<ObjectionStatus>().is_err());
        assert!("in-review".parse::<ObjectionStatus>().is_err());
        assert!(ObjectionStatus::parse("").is_none());
    }

    #[test]
    fn only_accepted_and_rejected_are_decided() {
        let decided: Vec<ObjectionStatus> = ObjectionStatus::ALL
            .into_iter()
            .filter(|s| s.is_decided())
            .collect();
        assert_eq!(decided, ObjectionStatus::DECIDED);
    }
}
