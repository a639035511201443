//! A round's public results as its pages show them: per formation the
//! ranked rows, the signed checkpoints of each publication and the public
//! objection decisions. Plain records, so no page holds a stored model.

use time::OffsetDateTime;
use uuid::Uuid;

use super::approval::Approval;
use super::round::{FormationHead, Round, Stage};
use super::stage::Published;

/// One line of a formation's public results.
#[derive(Clone, Debug)]
pub struct ResultRow {
    pub application_id: Uuid,
    pub registration_no: String,
    /// Empty unless the applicant is selected or reserve: the others are
    /// shown by registration number only.
    pub full_name: String,
    /// Rounded to two decimals, empty while pending.
    pub total_2dp: String,
    /// Exact total `p/q`, empty while pending.
    pub total_exact: String,
    pub rank: Option<i32>,
    /// `selected`, `reserve`, `not_selected`, `not_passed`, or `pending`.
    pub status: String,
}

/// The public results of one formation.
#[derive(Clone, Debug)]
pub struct FormationResults {
    pub formation: FormationHead,
    pub kelurahan_name: String,
    /// Ranked first (by rank), then not passed, then pending, each by number.
    pub rows: Vec<ResultRow>,
}

/// A signed checkpoint of a publication.
#[derive(Clone, Debug)]
pub struct PublishedCheckpoint {
    pub seq: i64,
    pub hash: String,
    /// `provisional` or `final`.
    pub reason: String,
    pub note: String,
    pub created_at: OffsetDateTime,
}

/// A decided objection as the public sees it: no name, no grounds.
#[derive(Clone, Debug)]
pub struct PublicDecision {
    pub registration_no: String,
    pub formation_code: String,
    pub accepted: bool,
    pub reasons: String,
    pub decided_at: Option<OffsetDateTime>,
}

/// The public results of a round.
#[derive(Clone, Debug)]
pub struct RoundResults {
    pub round: Round,
    pub formations: Vec<FormationResults>,
    pub checkpoints: Vec<PublishedCheckpoint>,
    pub decisions: Vec<PublicDecision>,
    /// A staged round's stages, in order (empty for a one-stage round).
    pub stages: Vec<Stage>,
    /// Its published shortlists.
    pub shortlists: Vec<Published>,
}

/// What the admin's results page of a round shows.
#[derive(Clone, Debug)]
pub struct Overview {
    pub round: Round,
    pub checkpoints: Vec<PublishedCheckpoint>,
    pub open_objections: usize,
    pub overdue_objections: usize,
    /// The pending finalization request and its requester's name.
    pub pending: Option<(Approval, String)>,
}
