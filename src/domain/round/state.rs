//! The round state machine.

use super::*;

/// The state of a round.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum RoundState {
    /// Being prepared; nothing is public and everything may change.
    Draft,
    /// Registration opened: the rules are frozen and public.
    Registration,
    /// Registration closed; documents are being checked.
    Verification,
    /// The panel scores (fit & proper test).
    Assessment,
    /// Provisional results are published.
    Provisional,
    /// The objection window is open.
    Objection,
    /// Final results; nothing changes any more.
    Final,
    /// Stopped before the final result.
    Cancelled,
}

impl RoundState {
    /// The main line of states, in order (without `cancelled`).
    pub const LINE: [RoundState; 7] = [
        RoundState::Draft,
        RoundState::Registration,
        RoundState::Verification,
        RoundState::Assessment,
        RoundState::Provisional,
        RoundState::Objection,
        RoundState::Final,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::Draft => "draft",
            RoundState::Registration => "registration",
            RoundState::Verification => "verification",
            RoundState::Assessment => "assessment",
            RoundState::Provisional => "provisional",
            RoundState::Objection => "objection",
            RoundState::Final => "final",
            RoundState::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<RoundState> {
        Self::LINE
            .into_iter()
            .chain([RoundState::Cancelled])
            .find(|st| st.as_str() == s)
    }

    /// A short label for pages.
    pub fn label(self) -> Msg {
        let (id, en) = match self {
            RoundState::Draft => ("Disiapkan", "In preparation"),
            RoundState::Registration => ("Pendaftaran dibuka", "Registration open"),
            RoundState::Verification => ("Verifikasi administrasi", "Document verification"),
            RoundState::Assessment => ("Uji kelayakan dan kepatutan", "Fit & proper test"),
            RoundState::Provisional => ("Hasil sementara", "Provisional results"),
            RoundState::Objection => ("Masa sanggahan", "Objection period"),
            RoundState::Final => ("Hasil akhir", "Final results"),
            RoundState::Cancelled => ("Dibatalkan", "Cancelled"),
        };
        Msg::new(id, en)
    }

    /// The next state on the main line, if any (none after `final` or `cancelled`).
    pub fn next(self) -> Option<RoundState> {
        let i = Self::LINE.iter().position(|s| *s == self)?;
        Self::LINE.get(i + 1).copied()
    }

    /// Whether results are out: provisional or final ranks are public from
    /// provisional publication on.
    pub fn is_published(self) -> bool {
        matches!(
            self,
            RoundState::Provisional | RoundState::Objection | RoundState::Final
        )
    }

    /// Whether criteria, requirements, formations and rules may still change.
    pub fn is_editable(self) -> bool {
        self == RoundState::Draft
    }

    /// Whether registration has yet to close: lottery witnesses are named,
    /// removed and commit their secrets only until then.
    pub fn before_registration_closes(self) -> bool {
        matches!(self, RoundState::Draft | RoundState::Registration)
    }

    /// Whether documents are checked now: verification outcomes are recorded
    /// or changed while registration is open and after it closes, until the
    /// assessment starts.
    pub fn is_verifying(self) -> bool {
        matches!(self, RoundState::Registration | RoundState::Verification)
    }

    /// Whether the assessment has yet to start (a scorecard cannot be opened).
    pub fn before_assessment(self) -> bool {
        matches!(
            self,
            RoundState::Draft | RoundState::Registration | RoundState::Verification
        )
    }

    /// Whether panel and imported values may still be written: during the
    /// assessment, and after publication while objections can reopen them.
    pub fn scores_may_change(self) -> bool {
        matches!(
            self,
            RoundState::Assessment | RoundState::Provisional | RoundState::Objection
        )
    }

    /// Whether a panelist can be recused: from verification (conflicts
    /// surface once applicants are known) until the objection period ends.
    pub fn recusal_open(self) -> bool {
        self == RoundState::Verification || self.scores_may_change()
    }

    /// The audit action recorded when a round enters this state.
    pub fn entered_action(self) -> &'static str {
        match self {
            RoundState::Draft => "round.created",
            RoundState::Registration => "round.registration_opened",
            RoundState::Verification => "round.registration_closed",
            RoundState::Assessment => "round.assessment_started",
            RoundState::Provisional => "round.provisional_published",
            RoundState::Objection => "round.objection_opened",
            RoundState::Final => "round.finalized",
            RoundState::Cancelled => "round.cancelled",
        }
    }
}

impl fmt::Display for RoundState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RoundState {
    type Err = crate::domain::application::UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RoundState::parse(s).ok_or_else(|| crate::domain::application::UnknownState(s.to_owned()))
    }
}

/// The message every edit of a frozen round gets.
pub fn frozen_msg() -> Msg {
    Msg::new(
        "Aturan seleksi ini sudah dikunci sejak pendaftaran dibuka; nama, keterangan, kriteria, persyaratan, formasi dan jadwal tidak dapat diubah lagi.",
        "This round's rules were frozen when registration opened; its name, description, criteria, requirements, formations and schedule can no longer be changed.",
    )
}
