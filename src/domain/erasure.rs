//! An applicant's request to erase the personal data of one application:
//! its states, what its pages show, and a refusal's reason in either
//! language.

use time::OffsetDateTime;
use uuid::Uuid;

use super::lang::Lang;
use super::msg::Msg;
use super::privacy::LegalHold;

/// The values of `erasure_request.status`.
pub mod status {
    /// Waiting for the admin's decision.
    pub const REQUESTED: &str = "requested";
    /// Refused while a legal hold applied.
    pub const REFUSED: &str = "refused";
    /// Executed: the data are erased.
    pub const EXECUTED: &str = "executed";
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
    /// One of [`status`].
    pub status: String,
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
        match self.request.status.as_str() {
            status::REQUESTED => Msg::new("Menunggu keputusan admin", "Waiting for the decision"),
            status::REFUSED => Msg::new("Ditolak sementara", "Refused for now"),
            status::EXECUTED => Msg::new("Data telah dihapus", "Data erased"),
            other => Msg::new(other, other),
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
