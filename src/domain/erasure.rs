//! An applicant's request to erase the personal data of one application:
//! its states, what its pages show, and a refusal's reason in either
//! language.

use time::OffsetDateTime;
use uuid::Uuid;

use super::lang::Lang;
use super::msg::Msg;
use super::privacy::LegalHold;

/// Where an erasure request stands, stored as its lowercase name in
/// `erasure_request.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErasureStatus {
    /// Waiting for the admin's decision.
    Requested,
    /// Refused while a legal hold applied.
    Refused,
    /// Executed: the data are erased.
    Executed,
}

impl ErasureStatus {
    /// Every status.
    pub const ALL: [ErasureStatus; 3] = [
        ErasureStatus::Requested,
        ErasureStatus::Refused,
        ErasureStatus::Executed,
    ];

    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErasureStatus::Requested => "requested",
            ErasureStatus::Refused => "refused",
            ErasureStatus::Executed => "executed",
        }
    }

    /// The status with the stored name `s`.
    #[must_use]
    pub fn parse(s: &str) -> Option<ErasureStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl std::fmt::Display for ErasureStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ErasureStatus {
    type Err = crate::domain::application::UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErasureStatus::parse(s)
            .ok_or_else(|| crate::domain::application::UnknownState(s.to_owned()))
    }
}

/// One stored erasure request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErasureRequest {
    pub id: Uuid,
    pub application_id: Uuid,
    /// The applicant's account; `None` when an operator recorded it for a
    /// desk registrant.
    pub requested_by: Option<Uuid>,
    pub reason: String,
    pub status: ErasureStatus,
    pub decided_by: Option<Uuid>,
    /// The legal hold when refused.
    pub decision_reason: String,
    pub requested_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
}

/// An erasure request with what its pages show.
#[derive(Clone, Debug)]
pub struct RequestView {
    pub request: ErasureRequest,
    /// Empty for a draft.
    pub registration_no: String,
    pub round_name: String,
    /// The hold that applies now (for an open request).
    pub hold: Option<LegalHold>,
}

impl RequestView {
    /// The status in words.
    #[must_use]
    pub fn status_label(&self) -> Msg {
        match self.request.status {
            ErasureStatus::Requested => {
                Msg::new("Menunggu keputusan admin", "Waiting for the decision")
            }
            ErasureStatus::Refused => Msg::new("Ditolak sementara", "Refused for now"),
            ErasureStatus::Executed => Msg::new("Data telah dihapus", "Data erased"),
        }
    }
}

/// A refusal's reason in `lang` (stored in Indonesian).
#[must_use]
pub fn reason_in(stored: &str, lang: Lang) -> String {
    [LegalHold::OpenObjection, LegalHold::RoundNotFinal]
        .into_iter()
        .map(LegalHold::message)
        .find(|m| m.id == stored)
        .map_or_else(|| stored.to_owned(), |m| m.pick(lang).to_owned())
}

#[cfg(test)]
mod status_tests {
    use super::ErasureStatus;

    /// The stored names are the ones the table held before the type.
    #[test]
    fn each_status_round_trips_through_its_stored_name() {
        let names: Vec<&str> = ErasureStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["requested", "refused", "executed"]);
        for s in ErasureStatus::ALL {
            assert_eq!(s.to_string().parse::<ErasureStatus>(), Ok(s));
            assert_eq!(
                serde_json::to_value(s).expect("json"),
                serde_json::json!(s.as_str())
            );
        }
        assert!("Requested".parse::<ErasureStatus>().is_err());
        assert!(ErasureStatus::parse("").is_none());
    }
}
