//! What an applicant's status page and the public status check show after
//! submission: the verification outcomes, the test invitation, the
//! published result and the objections, as plain records.

use time::OffsetDateTime;
use uuid::Uuid;

use super::application::ApplicationState;
use super::eligibility::{RequirementOutcome, outcome_label};
use super::lang::Lang;
use super::msg::Msg;
use super::objection::ObjectionStatus;
use super::objection::ObjectionView;
use super::score_breakdown::ScoreView;
use super::status_headline::Headline;
use super::verification::reason_label;

/// One requirement's latest verification outcome.
#[derive(Clone, Debug)]
pub struct CheckLine {
    /// The requirement's text in Indonesian and English.
    pub requirement: Msg,
    /// MS, TMS or not submitted.
    pub outcome: RequirementOutcome,
    /// The reason code ([`super::verification::REASONS`], or an automatic
    /// check's finer code).
    pub reason_code: Option<String>,
    /// The written reason (may be empty).
    pub reason: String,
    /// For a check the platform made itself (age, domicile), its finding in
    /// both languages; the stored `reason` is the Indonesian sentence only.
    pub automatic_reason: Option<Msg>,
}

impl CheckLine {
    /// The outcome in words.
    #[must_use]
    pub fn outcome_label(&self) -> Msg {
        outcome_label(self.outcome)
    }

    /// The listed reason of a TMS in words. An MS may carry an automatic
    /// check's code ("age within limits"), which its written reason says better.
    #[must_use]
    pub fn reason_label(&self) -> Option<Msg> {
        let code = self
            .reason_code
            .as_deref()
            .filter(|_| self.outcome == RequirementOutcome::Tms)?;
        Some(Msg::new(
            reason_label(code, Lang::Id),
            reason_label(code, Lang::En),
        ))
    }
}

/// What the status page shows after submission; each part may be empty.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    pub checks: Vec<CheckLine>,
    /// Test start and place.
    pub invitation: Option<(OffsetDateTime, String)>,
    /// Published rank and status.
    pub result: Option<(Option<i32>, Option<String>)>,
    /// In a staged round, the stage the published result belongs to (the
    /// stage reached); `None` without a result or in a one-stage round.
    pub result_stage: Option<String>,
    /// The round's objection window: from the provisional results to the
    /// last moment to object, once scheduled.
    pub objection_window: Option<(OffsetDateTime, OffsetDateTime)>,
    /// The latest objection's stage and its decision's reasons.
    pub objection: Option<(ObjectionStatus, String)>,
    /// The one status headline, derived from the latest stage.
    pub headline: Headline,
}

/// What the public status check shows.
#[derive(Clone, Debug)]
pub struct PublicStatus {
    pub first_name: String,
    pub state: ApplicationState,
    pub round_name: String,
    pub registration_no: String,
    pub submitted_at: Option<OffsetDateTime>,
    pub timeline: Timeline,
    /// The score breakdown once results are published.
    pub scores: Option<ScoreView>,
    /// The application, for an objection filed with the same number + PIN.
    pub application_id: Uuid,
    /// Objections on the application, with their decisions.
    pub objections: Vec<ObjectionView>,
    /// Whether an objection may be filed now: the round's window is open
    /// and the result published, or a stage shortlist's window is open.
    pub may_object: bool,
    /// A published stage shortlist that considered the application and is
    /// open to objections (outside the round's own window).
    pub stage_window: Option<crate::domain::objection::OpenWindow>,
    /// What may be contested, `(code, label)`.
    pub contest_options: Vec<(String, Msg)>,
}
