//! Four-eyes requests: a decision that can remove someone waits for a
//! second admin, who approves or rejects it; the one who asked may cancel.

use super::stored_name::stored_names;

/// Where a four-eyes request stands. At most one request per subject and
/// kind is pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApprovalStatus {
    /// Waiting for a second admin.
    Pending,
    /// Applied by a second admin.
    Approved,
    /// Refused by a second admin, with a reason.
    Rejected,
    /// Withdrawn by the one who asked, or made moot.
    Cancelled,
}

stored_names!(ApprovalStatus {
    Pending => "pending",
    Approved => "approved",
    Rejected => "rejected",
    Cancelled => "cancelled",
});

/// One stored four-eyes request: what it would decide (`kind` on
/// `subject_type` / `subject_id`, with `payload` as JSON text of what will
/// be applied), who asked and why, and how it was decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    pub id: uuid::Uuid,
    pub round_id: Option<uuid::Uuid>,
    pub kind: String,
    pub subject_type: String,
    pub subject_id: String,
    pub payload: String,
    pub reason: String,
    pub requested_by: uuid::Uuid,
    pub requested_at: time::OffsetDateTime,
    pub status: ApprovalStatus,
    pub decided_by: Option<uuid::Uuid>,
    pub decided_at: Option<time::OffsetDateTime>,
    pub decision_reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::AccountStatus;
    use crate::domain::eligibility::RequirementOutcome;

    #[test]
    fn every_stored_state_reads_back_from_its_name_and_nothing_else_does() {
        for s in ApprovalStatus::ALL {
            assert_eq!(s.as_str().parse::<ApprovalStatus>(), Ok(*s));
        }
        for s in AccountStatus::ALL {
            assert_eq!(s.as_str().parse::<AccountStatus>(), Ok(*s));
        }
        for s in RequirementOutcome::ALL {
            assert_eq!(s.as_str().parse::<RequirementOutcome>(), Ok(*s));
        }
        assert!("Pending".parse::<ApprovalStatus>().is_err());
        assert!("disabled".parse::<AccountStatus>().is_err());
        assert!("MS".parse::<RequirementOutcome>().is_err());
    }
}
