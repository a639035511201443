//! Panels, the fit & proper test schedule and the round dashboard.
//!
//! Every function that changes state is one use case in one
//! [`begin_write`](crate::db::begin_write) transaction: it checks that the actor is an admin, loads and checks, writes,
//! appends its audit event(s), queues its mail and commits. A refusal leaves
//! nothing changed and says why per field ([`ServiceError::Invalid`]).
//!
//! One file per concern: `composition` (panels, their members and the
//! formations they assess), `schedule` (test sessions and who is invited to
//! which), `attendance` (who came, decisions on absences) and `dashboard`
//! (the round's funnel). This file holds what they share; callers use the
//! re-exports below.

mod attendance;
mod composition;
mod dashboard;
mod schedule;
mod session_input;

pub use attendance::{decide_absence, record_attendance};
pub use composition::{add_member, create_panel, panels_overview, remove_member, set_formations};
pub use dashboard::dashboard;
pub use schedule::{auto_fill, create_session, move_invitation, schedule_overview};
pub use session_input::{SessionForm, SessionInput};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::entities::{
    application, formation, idempotency_key, panel_formation, round, test_invitation,
};
use crate::domain::form::FieldErrors;
use crate::domain::round::{Msg, RoundState};
use crate::services::regions::kelurahan_names;
use crate::services::{ServiceError, require_admin};

pub use crate::domain::panels::{
    ABSENT, Backlog, Dashboard, FormationChoice, Funnel, InvitationRow, MemberView, PRESENT, Panel,
    PanelView, PanelsOverview, ScheduleOverview, Session, SessionView,
};

/// The application state that may be invited to the test. It stays the
/// state through scoring and ranking (those live in their own tables), so no
/// later state needs to be listed beside it.
pub(crate) const ELIGIBLE: crate::domain::application::ApplicationState =
    crate::domain::application::ApplicationState::Eligible;

pub use crate::domain::round::RoundHead;

fn state_of(r: &round::Model) -> RoundState {
    r.state
}

/// Loads the round for writing and refuses once it is over (final or
/// cancelled): panels and the schedule are history from then on.
async fn lock_open_round(tx: &DatabaseTransaction, id: Uuid) -> Result<round::Model, ServiceError> {
    let r = round::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if matches!(state_of(&r), RoundState::Final | RoundState::Cancelled) {
        return Err(ServiceError::form(Msg::new(
            "Seleksi ini sudah selesai atau dibatalkan; tidak ada lagi yang dapat diubah.",
            "This round is finished or cancelled; nothing can change any more.",
        )));
    }
    Ok(r)
}

/// Invitations are only sent before results are published: after that the
/// test is over.
fn require_before_results(r: &round::Model) -> Result<(), ServiceError> {
    match state_of(r) {
        RoundState::Draft
        | RoundState::Registration
        | RoundState::Verification
        | RoundState::Assessment => Ok(()),
        _ => Err(ServiceError::form(Msg::new(
            "Hasil sudah diumumkan; jadwal uji tidak dapat diubah lagi.",
            "Results are published; the test schedule can no longer change.",
        ))),
    }
}

/// Looks up a replayed form submission: `Ok(Some(id))` when this key already
/// created something for the same request.
async fn replayed(
    tx: &DatabaseTransaction,
    admin: Uuid,
    key: Option<&str>,
    request_hash: &str,
) -> Result<Option<Uuid>, ServiceError> {
    let Some(key) = key else { return Ok(None) };
    let found = idempotency_key::Entity::find_by_id((admin.to_string(), key.to_owned()))
        .one(tx)
        .await?;
    match found {
        None => Ok(None),
        Some(f) => match f.response_location.and_then(|l| l.parse().ok()) {
            Some(id) if f.request_hash == request_hash => Ok(Some(id)),
            _ => Err(ServiceError::form(Msg::new(
                "Formulir ini sudah dikirim. Muat ulang halaman untuk membuat yang lain.",
                "This form was already submitted. Reload the page to create another.",
            ))),
        },
    }
}

async fn remember(
    tx: &DatabaseTransaction,
    admin: Uuid,
    key: Option<&str>,
    request_hash: String,
    id: Uuid,
) -> Result<(), ServiceError> {
    if let Some(key) = key {
        idempotency_key::ActiveModel {
            scope: Set(admin.to_string()),
            key: Set(key.to_owned()),
            request_hash: Set(request_hash),
            status_code: Set(Some(303)),
            response_location: Set(Some(id.to_string())),
            created_at: Set(OffsetDateTime::now_utc()),
        }
        .insert(tx)
        .await?;
    }
    Ok(())
}

/// Another admin changed the same rows at the same moment (PostgreSQL lets
/// both transactions read before either writes): the unique constraints decide
/// and the loser is asked to reload instead of seeing an error page.
fn raced(e: sea_orm::DbErr) -> ServiceError {
    if matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        ServiceError::form(Msg::new(
            "Data ini baru saja diubah orang lain. Muat ulang halaman dan coba lagi.",
            "Someone else just changed this. Reload the page and try again.",
        ))
    } else {
        e.into()
    }
}

fn usable_key(key: Option<&str>) -> Option<&str> {
    key.filter(|k| !k.is_empty() && k.len() <= 100)
}

fn parse_id(errs: &mut FieldErrors, field: &str, text: &str, what: Msg) -> Option<Uuid> {
    match text.trim().parse::<Uuid>() {
        Ok(id) => Some(id),
        Err(_) => {
            errs.insert(field.to_owned(), what);
            None
        }
    }
}

async fn formations_of(
    tx: &DatabaseTransaction,
    panel_id: Uuid,
) -> Result<Vec<formation::Model>, ServiceError> {
    let ids: Vec<Uuid> = panel_formation::Entity::find()
        .filter(panel_formation::Column::PanelId.eq(panel_id))
        .all(tx)
        .await?
        .into_iter()
        .map(|l| l.formation_id)
        .collect();
    Ok(formation::Entity::find()
        .filter(formation::Column::Id.is_in(ids))
        .order_by_asc(formation::Column::Code)
        .all(tx)
        .await?)
}
async fn invitation_in_round(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    invitation_id: Uuid,
) -> Result<(test_invitation::Model, application::Model), ServiceError> {
    let inv = test_invitation::Entity::find_by_id(invitation_id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let app = application::Entity::find_by_id(inv.application_id)
        .one(tx)
        .await?
        .filter(|a| a.round_id == round_id)
        .ok_or(ServiceError::NotFound)?;
    Ok((inv, app))
}
