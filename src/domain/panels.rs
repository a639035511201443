//! What the panels, schedule and dashboard pages of a round show: panels
//! with their members and formations, test sessions with their invitations,
//! the funnel and the verification backlog. Plain records, so no page holds
//! a stored model.

use time::OffsetDateTime;
use uuid::Uuid;

use super::panel_review::SecondLookStatus;
use super::round::{FormationHead, RoundHead, RoundState};

/// Attendance values stored in `test_invitation.attendance`.
pub const PRESENT: &str = "present";
/// See [`PRESENT`].
pub const ABSENT: &str = "absent";

/// A panel of a round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panel {
    pub id: Uuid,
    pub round_id: Uuid,
    pub name: String,
}

/// A test session: when and where a panel meets the invited applicants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    pub round_id: Uuid,
    pub panel_id: Uuid,
    pub starts_at: OffsetDateTime,
    pub place: String,
    pub capacity: i32,
}

/// A panelist on a panel, for pages.
#[derive(Clone, Debug)]
pub struct MemberView {
    pub account_id: Uuid,
    pub name: String,
    pub email: String,
    /// Kelurahan codes the panelist acts in.
    pub scopes: Vec<String>,
}

/// A panel with its members and formations.
#[derive(Clone, Debug)]
pub struct PanelView {
    pub model: Panel,
    pub members: Vec<MemberView>,
    pub formations: Vec<FormationHead>,
    /// Fewer members than the round's `min_panelists`.
    pub short: bool,
    /// `(panelist name, kelurahan code)` for each member lacking the scope of a
    /// formation the panel assesses.
    pub scope_gaps: Vec<(String, String)>,
}

/// A formation and the panel assessing it, if any.
#[derive(Clone, Debug)]
pub struct FormationChoice {
    pub model: FormationHead,
    pub kelurahan_name: String,
    pub panel: Option<(Uuid, String)>,
}

/// Everything the panels page shows.
#[derive(Clone, Debug)]
pub struct PanelsOverview {
    pub round: RoundHead,
    pub panels: Vec<PanelView>,
    pub formations: Vec<FormationChoice>,
    /// Active panelist accounts that may be added: `(id, name, scopes)`.
    pub panelists: Vec<MemberView>,
}

/// One invited applicant, for the schedule page.
#[derive(Clone, Debug)]
pub struct InvitationRow {
    pub id: Uuid,
    pub application_id: Uuid,
    pub registration_no: String,
    pub full_name: String,
    pub formation_code: String,
    pub attendance: Option<String>,
    pub decision: Option<String>,
    pub decided_by: Option<String>,
}

/// A session with its invitations.
#[derive(Clone, Debug)]
pub struct SessionView {
    pub model: Session,
    pub panel_name: String,
    pub invitations: Vec<InvitationRow>,
}

/// Everything the schedule page shows.
#[derive(Clone, Debug)]
pub struct ScheduleOverview {
    pub round: RoundHead,
    pub panels: Vec<(Uuid, String)>,
    pub sessions: Vec<SessionView>,
    /// Eligible applications without an invitation.
    pub waiting: u64,
}

impl ScheduleOverview {
    /// The round's state.
    pub fn state(&self) -> RoundState {
        self.round.state()
    }
}

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
    pub second_look: SecondLookStatus,
}
