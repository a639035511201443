//! Withdrawing an application before assessment starts.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Acting, ServiceError, load_for_edit, refuse_form};
use crate::db::audit::{NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{application, round};
use crate::domain::application::ApplicationState;
use crate::domain::application_view::Application;
use crate::domain::round::{Round, RoundState};

/// Whether an application can still be withdrawn: not yet withdrawn and the
/// round not yet in assessment.
#[must_use]
pub fn can_withdraw(a: &Application, r: &Round, now: OffsetDateTime) -> bool {
    let before_assessment = matches!(
        Some(r.state),
        Some(RoundState::Registration | RoundState::Verification)
    ) && r.assessment_starts_at.is_none_or(|s| now < s);
    before_assessment
        && matches!(
            a.state,
            ApplicationState::Draft
                | ApplicationState::Submitted
                | ApplicationState::Eligible
                | ApplicationState::Ineligible
        )
}

/// Withdraws an application (`application.withdrawn`).
///
/// # Errors
/// `NotFound`; `Fields` once assessment has started or when already
/// withdrawn; storage failures.
pub async fn withdraw(
    db: &DatabaseConnection,
    acting: Acting<'_>,
    id: Uuid,
) -> Result<(), ServiceError> {
    let tx = begin_write(db).await?;
    let a = load_for_edit(&tx, &acting, id).await?;
    let r = round::Entity::find_by_id(a.round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let now = OffsetDateTime::now_utc();
    if !can_withdraw(&a.clone().into(), &(&r).into(), now) {
        return Err(refuse_form(
            "Pendaftaran ini tidak dapat dibatalkan lagi (penilaian sudah dimulai atau sudah dibatalkan).",
            "This application can no longer be withdrawn (assessment has started or it was already withdrawn).",
        ));
    }
    let mut m: application::ActiveModel = a.clone().into();
    m.state = Set(ApplicationState::Withdrawn);
    m.withdrawn_at = Set(Some(now));
    m.updated_at = Set(now);
    m.update(&tx).await?;
    let mut event = NewEvent::new(
        acting.actor,
        "application.withdrawn",
        "application",
        id.to_string(),
    )
    .round(a.round_id)
    .payload(serde_json::json!({
        "registration_no": a.registration_no.clone().unwrap_or_default(),
        "from": a.state,
    }));
    event.registration_no = a.registration_no.clone();
    event.kelurahan_code = a.kelurahan_code.clone();
    let withdrawn = append(&tx, event).await?;
    crate::services::standings::recompute_after_input(&tx, &r, a.formation_id, a.id, withdrawn.seq)
        .await?;
    tx.commit().await?;
    tracing::info!(application.id = %id, "application withdrawn");
    Ok(())
}
