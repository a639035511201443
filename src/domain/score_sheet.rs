//! What a panelist reads: their queue and one application's score sheet,
//! as plain records (never another panelist's score).

use std::collections::BTreeMap;

use time::OffsetDateTime;
use uuid::Uuid;

use super::round::{CriterionRow, Round};

/// A private draft: a value per criterion code (`None` = not chosen yet).
pub type DraftValues = BTreeMap<String, Option<i32>>;

/// One application on a panelist's list.
#[derive(Clone, Debug)]
pub struct QueueItem {
    pub application_id: Uuid,
    pub registration_no: String,
    pub full_name: String,
    pub formation: String,
    pub eligible: bool,
    pub attended: bool,
    /// The declared kind (`none`, `family`, …) once declared.
    pub declared: Option<String>,
    pub recused: bool,
    pub flags: Vec<&'static str>,
    /// The panelist's own latest submitted version (0 = not yet).
    pub my_version: i32,
}

/// What a panelist sees of the applicant: who and where, nothing more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetApplicant {
    pub id: Uuid,
    pub registration_no: Option<String>,
    pub full_name: String,
    pub kelurahan_code: Option<String>,
    pub rt_number: Option<i32>,
}

/// The panelist's conflict-of-interest declaration on the application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetDeclaration {
    /// The declared kind (`none`, `family`, …) once declared.
    pub kind: Option<String>,
    pub recused: bool,
}

/// What a panelist sees of one application: never another panelist's score.
#[derive(Clone, Debug)]
pub struct ScoreSheet {
    pub application: SheetApplicant,
    pub round: Round,
    pub criteria: Vec<CriterionRow>,
    pub declaration: Option<SheetDeclaration>,
    pub flags: Vec<&'static str>,
    pub attended: bool,
    /// The panelist's own current version and values (empty before submitting;
    /// also empty once recused, so nothing about scores shows).
    pub my_version: i32,
    pub my_values: BTreeMap<String, i32>,
    /// The panelist's own versions: (version, reason, submitted at).
    pub history: Vec<(i32, String, OffsetDateTime)>,
    /// The panelist's values per version, by criterion code.
    pub history_values: BTreeMap<i32, BTreeMap<String, i32>>,
    /// Comments of the current version, by criterion code.
    pub my_comments: BTreeMap<String, String>,
    /// The private draft, by criterion code (empty when none).
    pub draft_values: DraftValues,
    pub draft_comments: BTreeMap<String, String>,
    /// Whether a submission can still be taken: during assessment, or after
    /// publication when an accepted objection reopened this scorecard (the
    /// same rule `submit` applies), so the page does not offer a form that
    /// would only be refused.
    pub open_for_scores: bool,
    /// The applicant's kelurahan by name, so a panelist can judge a conflict
    /// of interest before declaring.
    pub kelurahan_name: Option<String>,
}
