//! What the oversight pages show of one panelist (panels, scorecards with
//! every version, conflict declarations) and of one formation's conflicts
//! (its panelists × its applicants).

use std::collections::BTreeMap;

use time::OffsetDateTime;
use uuid::Uuid;

use super::account::AccountStatus;
use super::round::FormationHead;

/// One cell of the conflict matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Declared {
    /// The panelist has not declared anything for this applicant yet.
    Nothing,
    /// "No conflict of interest".
    NoConflict,
    /// A declared conflict (`family`, `household`, …): recused.
    Conflict(String),
}

/// A panelist × applicant cell: the declaration and the system's own flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatrixCell {
    pub declared: Declared,
    /// `same_rt`, `same_family_card`: flagged now or at the declaration.
    pub flags: Vec<String>,
}

/// The conflict matrix of one formation: panelists of its panel × its applicants.
#[derive(Clone, Debug)]
pub struct ConflictMatrix {
    pub formation: FormationHead,
    pub round_id: Uuid,
    pub round_name: String,
    pub panelists: Vec<(Uuid, String)>,
    /// (application id, registration number, one cell per panelist).
    pub rows: Vec<(Uuid, String, Vec<MatrixCell>)>,
}

/// One submitted version of a scorecard.
#[derive(Clone, Debug)]
pub struct VersionView {
    pub version: i32,
    pub submitted_at: OffsetDateTime,
    /// The amendment reason (empty for version 1).
    pub reason: String,
    /// Criterion code → value.
    pub values: BTreeMap<String, i32>,
    pub audit_seq: Option<i64>,
}

/// A panelist's scorecard for one application, every version kept.
#[derive(Clone, Debug)]
pub struct CardView {
    pub application_id: Uuid,
    pub registration_no: String,
    pub formation_code: String,
    pub current_version: i32,
    pub versions: Vec<VersionView>,
}

/// A conflict declaration as recorded.
#[derive(Clone, Debug)]
pub struct DeclarationView {
    pub application_id: Uuid,
    pub registration_no: String,
    /// `none`, `family`, … (None: opened but not declared).
    pub kind: Option<String>,
    pub text: String,
    pub recused: bool,
    /// System flags at the time of the declaration (`same_rt`, `same_family_card`).
    pub flags: Vec<String>,
    pub declared_at: Option<OffsetDateTime>,
}

/// All scorecards and declarations of one panelist.
#[derive(Clone, Debug)]
pub struct PanelistView {
    pub id: Uuid,
    pub name: String,
    pub status: AccountStatus,
    /// Panels the panelist sits on: (round id, round name, panel name).
    pub panels: Vec<(Uuid, String, String)>,
    pub criteria_codes: Vec<String>,
    pub cards: Vec<CardView>,
    pub declarations: Vec<DeclarationView>,
}
