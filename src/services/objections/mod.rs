//! Objections (sanggahan) against published results.
//!
//! The life of an objection, each step one transaction with its event:
//!
//! 1. [`file`]: during the objection window (round state `objection`, before
//!    its scheduled end) an applicant contests their own result, with written
//!    grounds and optionally a document (`objection.filed`). The response
//!    deadline is [`RESPONSE_DAYS`] days after filing. In a staged round, a
//!    published stage shortlist has its own window during the assessment:
//!    a candidate it considered contests it the same way (`objection_stage`,
//!    `stage` in the event), and an accepted objection that changes it
//!    re-publishes it ([`crate::services::shortlists::republish`]).
//! 2. [`assign`]: an admin names a reviewer, an admin or an operator or
//!    panelist covering the kelurahan, who made none of the contested
//!    decisions: neither a verification of this application nor one of its
//!    scorecards (`objection.reviewer_assigned`).
//! 3. [`propose`]: the reviewer proposes `accepted` or `rejected` with reasons
//!    and, when accepting, the step to reopen: the verification (with the new
//!    eligibility) or one named panelist's scorecard. The proposal waits in an
//!    `approval` row (`objection.decision_proposed`).
//! 4. [`decide`]: a second admin, not the reviewer, approves or sends it back.
//!    Approval writes `approval.approved` and `objection.decided` naming both
//!    (the proposer and the approver), e-mails the applicant and lists the
//!    decision publicly. A reopened verification changes the eligibility at
//!    once and re-ranks with `objection.decided` as the cause; a reopened
//!    scorecard lets that panelist amend it (with a reason) until the results
//!    are final, the amendment (`score.amended`, carrying `objection_id`)
//!    being the cause of the rank changes.

mod decision;
mod filing;
mod reads;
mod review;
pub use decision::{decide, propose, reopened_scorecard};
pub use filing::{Attachment, Filer, Filing, file, file_as, window_open};
pub(crate) use reads::objected_application;
pub use reads::{
    assigned_to, for_application, for_application_as, for_assisted, get, list_for_round,
    scoring_panelists,
};
pub use review::{ReviewerOption, assign, reviewer_options};

use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use uuid::Uuid;

use super::{ServiceError, require_admin};
use crate::db::audit::Actor;
use crate::db::entities::{application, objection, round};
use crate::domain::msg::Msg;
use crate::domain::role::Role;
use crate::domain::round::RoundState;

/// The `approval.kind` of a proposed objection decision.
pub const KIND_DECIDE: &str = "objection.decide";
/// Days the city has to answer an objection, counted from filing.
pub const RESPONSE_DAYS: i64 = 7;
/// Longest grounds or reasons text accepted.
const MAX_TEXT: usize = 4000;

fn invalid(id: &str, en: &str) -> ServiceError {
    ServiceError::invalid(crate::domain::msg::Msg::new(id, en))
}

fn account_of(actor: Actor) -> Result<(Uuid, Role), ServiceError> {
    match actor {
        Actor::Account { id, role } => Ok((id, role)),
        Actor::System => Err(ServiceError::Forbidden),
    }
}

/// `what` names the field in both languages.
fn text_between(text: &str, min: usize, what: (&str, &str)) -> Result<String, ServiceError> {
    let t = text.trim();
    let n = t.chars().count();
    let (id, en) = what;
    if n < min || n > MAX_TEXT {
        return Err(ServiceError::Invalid(Msg::new(
            format!("{id} wajib diisi, {min}–{MAX_TEXT} karakter."),
            format!("{en} must be given, {min}–{MAX_TEXT} characters."),
        )));
    }
    if !crate::domain::text::plain_text(t, true) {
        return Err(ServiceError::Invalid(Msg::new(
            format!("{id} berisi karakter yang tidak diizinkan."),
            format!("{en} contains characters that are not allowed."),
        )));
    }
    Ok(t.to_owned())
}

impl Reopen {
    fn code(&self) -> &'static str {
        match self {
            Reopen::None => "none",
            Reopen::Verification { .. } => "verification",
            Reopen::Scorecard { .. } => "scorecard",
        }
    }
}

pub use crate::domain::objection::{Objection, ObjectionFiling, ObjectionView, Proposal, Reopen};

async fn load_app<C: ConnectionTrait>(
    tx: &C,
    application_id: Uuid,
) -> Result<(application::Model, round::Model), ServiceError> {
    let app = application::Entity::find_by_id(application_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let r = round::Entity::find_by_id(app.round_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((app, r))
}

/// Who may read and file objections on `app`: its signed-in applicant, or
/// for an assisted application an operator covering its kelurahan (or an admin).
fn may_object(acting: crate::services::applications::Acting<'_>, app: &application::Model) -> bool {
    match acting.actor {
        Actor::Account { id, .. } if app.account_id == Some(id) => true,
        _ => app.account_id.is_none() && acting.may_edit(app),
    }
}

async fn lock_objection<C: ConnectionTrait>(
    tx: &C,
    id: Uuid,
) -> Result<objection::Model, ServiceError> {
    objection::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)
}

fn still_open(r: &round::Model) -> Result<(), ServiceError> {
    if r.state == RoundState::Final || r.state == RoundState::Cancelled {
        return Err(ServiceError::Conflict(Msg::new(
            "Hasil seleksi sudah ditetapkan; sanggahan tidak dapat diproses lagi.",
            "The results are final; objections can no longer be handled.",
        )));
    }
    Ok(())
}
