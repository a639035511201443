//! The states an application goes through, as a type: a misspelt state is a
//! compile error, not a row no query finds.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use super::msg::Msg;

/// The stored state of an application.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ApplicationState {
    /// Being filled in.
    Draft,
    /// Submitted, waiting for verification.
    Submitted,
    /// Met every requirement: goes on to the fit & proper test.
    Eligible,
    /// Failed a requirement.
    Ineligible,
    /// Withdrawn by the applicant.
    Withdrawn,
    /// Disqualified after the final result (four-eyes); the next reserve
    /// takes the seat.
    Disqualified,
}

impl ApplicationState {
    /// Every state, in the order an application moves through them.
    pub const ALL: [ApplicationState; 6] = [
        ApplicationState::Draft,
        ApplicationState::Submitted,
        ApplicationState::Eligible,
        ApplicationState::Ineligible,
        ApplicationState::Withdrawn,
        ApplicationState::Disqualified,
    ];

    /// The stored name (also the name in exports and the API).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationState::Draft => "draft",
            ApplicationState::Submitted => "submitted",
            ApplicationState::Eligible => "eligible",
            ApplicationState::Ineligible => "ineligible",
            ApplicationState::Withdrawn => "withdrawn",
            ApplicationState::Disqualified => "disqualified",
        }
    }

    /// The state from its stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<ApplicationState> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the application was handed in and not withdrawn: it counts in
    /// verification and, once eligible, in the ranking.
    #[must_use]
    pub fn is_submitted(self) -> bool {
        matches!(
            self,
            ApplicationState::Submitted | ApplicationState::Eligible | ApplicationState::Ineligible
        )
    }

    /// A short label for pages.
    #[must_use]
    pub fn label(self) -> Msg {
        let (id, en) = match self {
            ApplicationState::Draft => ("Draf (belum dikirim)", "Draft (not submitted)"),
            ApplicationState::Submitted => (
                "Terkirim, menunggu verifikasi",
                "Submitted, awaiting verification",
            ),
            ApplicationState::Eligible => ("Memenuhi syarat (MS)", "Eligible"),
            ApplicationState::Ineligible => ("Tidak memenuhi syarat (TMS)", "Not eligible"),
            ApplicationState::Withdrawn => ("Dibatalkan", "Withdrawn"),
            ApplicationState::Disqualified => ("Didiskualifikasi", "Disqualified"),
        };
        Msg::new(id, en)
    }
}

impl fmt::Display for ApplicationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored name that is not a state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown state {0:?}")]
pub struct UnknownState(pub String);

impl FromStr for ApplicationState {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApplicationState::parse(s).ok_or_else(|| UnknownState(s.to_owned()))
    }
}

/// One of an account's applications as its account page lists it.
#[derive(Clone, Debug)]
pub struct OwnApplication {
    pub id: Uuid,
    pub round_name: String,
    pub registration_no: Option<String>,
    pub state: ApplicationState,
    /// The status headline's title, as the status page shows it.
    pub headline: Msg,
}

/// Longest motivation or experience text, in characters.
pub const MAX_LONG_TEXT: usize = 2000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_from_its_stored_name() {
        for st in ApplicationState::ALL {
            assert_eq!(st.as_str().parse::<ApplicationState>(), Ok(st));
        }
        assert_eq!(
            "scored".parse::<ApplicationState>(),
            Err(UnknownState("scored".into()))
        );
    }
}
