//! Administrative verification: operators check the requirements
//! of the submitted applications of their kelurahan, MS or TMS with a reason;
//! the outcome is recorded, audited and mailed in one transaction. Changing an
//! outcome after it was sent needs a second admin (four-eyes).
//!
//! Audit payloads carry registration numbers and requirement codes only,
//! never personal data.

mod change;
mod checks;
mod open;
mod outcome;
mod queue;
pub use change::{PendingApproval, decide, pending, request_change};
pub(crate) use checks::automatic_checks;
use checks::{decided_by_operator, latest_checks, requirements_of, uploaded_slots};
pub use open::{ApplicationView, DocumentFile, DocumentView, RequirementView, document_file, open};
pub use outcome::{Decision, verify};
use outcome::{check_decisions, record_outcome, write_checks};
pub use queue::{QueueRow, RoundQueue, queue};

use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::ServiceError;
use crate::db::audit::Actor;
use crate::db::entities::{application, round};
use crate::domain::application::ApplicationState;
use crate::domain::msg::Msg;
use crate::domain::role::Role;

pub use crate::domain::verification::{REASONS, reason_label};

/// The `approval.kind` of a changed verification outcome.
pub const KIND_OVERRIDE: &str = "eligibility.override";

/// Who is acting, as far as verification needs to know. Built by the web
/// layer from the signed-in account.
#[derive(Clone, Debug)]
pub struct Staff {
    pub id: Uuid,
    pub role: Role,
    /// Kelurahan codes of an operator (empty for admins).
    pub scopes: Vec<String>,
}

impl Staff {
    fn actor(&self) -> Actor {
        Actor::Account {
            id: self.id,
            role: self.role,
        }
    }

    /// Operators act in their kelurahan, admins everywhere; nobody else verifies.
    fn may_verify(&self) -> bool {
        matches!(self.role, Role::Operator | Role::Admin)
    }

    fn covers(&self, kelurahan_code: Option<&str>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Operator => kelurahan_code.is_some_and(|k| self.scopes.iter().any(|s| s == k)),
            _ => false,
        }
    }
}

/// Application states that are past submission and may be verified or shown.
const VERIFIABLE: [ApplicationState; 3] = [
    ApplicationState::Submitted,
    ApplicationState::Eligible,
    ApplicationState::Ineligible,
];

/// Loads an application the caller may verify; `NotFound` for one outside
/// their scope, so its existence is not revealed.
async fn load_in_scope(
    db: &impl ConnectionTrait,
    staff: &Staff,
    application_id: Uuid,
) -> Result<application::Model, ServiceError> {
    if !staff.may_verify() {
        return Err(ServiceError::Forbidden);
    }
    let app = application::Entity::find_by_id(application_id)
        .one(db)
        .await?
        .filter(|a| VERIFIABLE.contains(&a.state))
        .ok_or(ServiceError::NotFound)?;
    if !staff.covers(app.kelurahan_code.as_deref()) {
        return Err(ServiceError::NotFound);
    }
    Ok(app)
}

fn round_open(r: &round::Model) -> Result<(), ServiceError> {
    if r.state.is_verifying() {
        Ok(())
    } else {
        Err(ServiceError::Conflict(Msg::new(
            "Verifikasi hanya dapat dilakukan saat tahap pendaftaran atau verifikasi.",
            "Verification happens only while the round is in registration or verification.",
        )))
    }
}
