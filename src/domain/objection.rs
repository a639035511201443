//! An objection as its pages show it: the filed objection, how it was
//! filed, the reviewer's proposal and its four-eyes approval. Plain records,
//! so no page holds a stored model.

use time::OffsetDateTime;
use uuid::Uuid;

use super::approval::Approval;
use super::msg::Msg;

/// An objection to a published result (or a stage's shortlist).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Objection {
    pub id: Uuid,
    pub round_id: Uuid,
    pub application_id: Uuid,
    pub filed_by: Uuid,
    pub grounds: String,
    pub document_id: Option<Uuid>,
    pub status: String,
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
