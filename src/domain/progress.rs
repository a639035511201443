//! Scoring progress as the admin reads it: who has scored what in every
//! formation of a round, what is missing and why, and the live standings.

use uuid::Uuid;

use super::round::{FormationHead, RoundHead};

/// Where one panelist stands with one application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// No conflict declaration yet.
    NotDeclared,
    /// Recused (declared conflict or by an admin).
    Recused,
    /// Declared no conflict; nothing submitted (maybe a private draft).
    Draft,
    /// Submitted; the latest version.
    Submitted(i32),
}

/// Why an application is not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    /// Fewer non-recused panelists than the round's minimum.
    TooFewPanelists { available: usize, needed: usize },
    /// Non-recused panelists who have not submitted.
    Scorecards(Vec<String>),
    /// Not recorded present at the test.
    NotAttended,
    /// Imported criteria without a value (codes).
    Imported(Vec<String>),
}

impl Missing {
    /// What is missing, in words: the progress page and the API say the same.
    #[must_use]
    pub fn label(&self) -> crate::domain::msg::Msg {
        use crate::domain::msg::Msg;
        match self {
            Missing::TooFewPanelists { available, needed } => Msg::new(
                format!(
                    "penilai yang tidak dikecualikan kurang dari minimum ({available} / {needed})"
                ),
                format!("fewer non-recused panelists than the minimum ({available} / {needed})"),
            ),
            Missing::Scorecards(names) => Msg::new(
                format!("nilai belum dikirim oleh: {}", names.join(", ")),
                format!("scores not yet submitted by: {}", names.join(", ")),
            ),
            Missing::NotAttended => Msg::new(
                "belum tercatat hadir pada uji",
                "not recorded present at the test",
            ),
            Missing::Imported(codes) => Msg::new(
                format!("nilai impor belum ada: {}", codes.join(", ")),
                format!("imported value missing: {}", codes.join(", ")),
            ),
        }
    }
}

/// One application's row on the progress page.
#[derive(Clone, Debug)]
pub struct ProgressRow {
    pub application_id: Uuid,
    pub registration_no: String,
    pub state: crate::domain::application::ApplicationState,
    /// One per panelist, in the order of [`FormationProgress::panelists`].
    pub cells: Vec<Cell>,
    /// Conflict flags per panelist (same order).
    pub flags: Vec<Vec<&'static str>>,
    pub complete: bool,
    pub missing: Vec<Missing>,
    /// Live standing: rank, status, total rounded to 2 decimals.
    pub rank: Option<i32>,
    pub status: Option<String>,
    pub total: Option<String>,
}

/// Progress of one formation.
#[derive(Clone, Debug)]
pub struct FormationProgress {
    pub formation: FormationHead,
    /// (account id, name).
    pub panelists: Vec<(Uuid, String)>,
    pub rows: Vec<ProgressRow>,
    pub complete: usize,
    pub incomplete: usize,
    pub submitted: usize,
}

/// The progress page of a round.
#[derive(Clone, Debug)]
pub struct Progress {
    pub round: RoundHead,
    pub formations: Vec<FormationProgress>,
}
