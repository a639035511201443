//! Attendance at the test and the admin's decision on an absence.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{round, test_invitation};
use crate::domain::round::{Msg, RoundState};
use crate::domain::text::plain_text;
use crate::services::ServiceError;

use super::{ABSENT, PRESENT, invitation_in_round, lock_open_round, require_admin, state_of};

/// Longest reason for turning an absence into a presence, in characters.
const MAX_REASON: usize = 500;

/// Records `present` or `absent` for an invitation while the round is in
/// `assessment` (`test.attendance_recorded`). Turning a recorded absence
/// into a presence needs a written `reason`, kept as the event's reason: it
/// lets someone be scored who was once recorded as not there, so the trail
/// must say why. Any other change may leave `reason` empty.
///
/// # Errors
/// `Invalid` outside assessment, for another value, or absent → present
/// without a reason (1–500 characters); `NotFound`; `Forbidden`; storage
/// failures.
pub async fn record_attendance(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    invitation_id: Uuid,
    value: &str,
    reason: &str,
) -> Result<(), ServiceError> {
    require_admin(actor)?;
    if value != PRESENT && value != ABSENT {
        return Err(ServiceError::field(
            "attendance",
            Msg::new("Pilih hadir atau tidak hadir.", "Choose present or absent."),
        ));
    }
    // The length is the typed text's, as the API schema states it.
    if reason.chars().count() > MAX_REASON || !plain_text(reason, true) {
        return Err(ServiceError::field(
            "reason",
            Msg::new(
                "Alasan paling banyak 500 karakter teks biasa.",
                "The reason may be at most 500 characters of plain text.",
            ),
        ));
    }
    let reason = reason.trim();
    let tx = begin_write(db).await?;
    let r = lock_open_round(&tx, round_id).await?;
    require_assessment(&r)?;
    let (inv, app) = invitation_in_round(&tx, round_id, invitation_id).await?;
    // Checked under the invitation's row lock, so two admins cannot both
    // skip it.
    if inv.attendance.as_deref() == Some(ABSENT) && value == PRESENT && reason.is_empty() {
        return Err(reason_needed());
    }
    test_invitation::ActiveModel {
        id: Set(inv.id),
        attendance: Set(Some(value.to_owned())),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let mut ev = NewEvent::new(
        actor,
        "test.attendance_recorded",
        "application",
        app.id.to_string(),
    )
    .round(round_id)
    .payload(serde_json::json!({
        "registration_no": app.registration_no.clone().unwrap_or_default(),
        "session_id": inv.test_session_id.to_string(),
        "attendance": value,
    }))
    .reason(reason);
    ev.registration_no.clone_from(&app.registration_no);
    ev.kelurahan_code.clone_from(&app.kelurahan_code);
    append(&tx, ev).await?;
    tx.commit().await?;
    Ok(())
}

fn reason_needed() -> ServiceError {
    ServiceError::field(
        "reason",
        Msg::new(
            "Pendaftar ini tercatat tidak hadir. Tulis alasan mengubahnya menjadi hadir (1–500 karakter); alasan itu tercatat di jejak audit.",
            "This applicant is recorded as absent. Write why you change it to present (1–500 characters); the reason is recorded in the audit trail.",
        ),
    )
}

fn require_assessment(r: &round::Model) -> Result<(), ServiceError> {
    if state_of(r) == RoundState::Assessment {
        Ok(())
    } else {
        Err(ServiceError::form(Msg::new(
            "Kehadiran dan keputusan ketidakhadiran hanya dicatat saat tahap uji kelayakan dan kepatutan.",
            "Attendance and absence decisions are recorded only during the fit & proper test stage.",
        )))
    }
}

/// Records the admin's written decision on an absence (`test.absence_decided`,
/// the text as the event's reason).
///
/// # Errors
/// `Invalid` outside assessment, when the invitation is not marked absent,
/// or for an empty or too long text; `NotFound`; `Forbidden`; storage failures.
pub async fn decide_absence(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    invitation_id: Uuid,
    text: &str,
) -> Result<(), ServiceError> {
    let admin = require_admin(actor)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 2000 || !plain_text(text, true) {
        return Err(ServiceError::field(
            "decision",
            Msg::new(
                "Tulis keputusan (1–2000 karakter).",
                "Write the decision (1–2000 characters).",
            ),
        ));
    }
    let tx = begin_write(db).await?;
    let r = lock_open_round(&tx, round_id).await?;
    require_assessment(&r)?;
    let (inv, app) = invitation_in_round(&tx, round_id, invitation_id).await?;
    if inv.attendance.as_deref() != Some(ABSENT) {
        return Err(ServiceError::field(
            "decision",
            Msg::new(
                "Keputusan hanya untuk pendaftar yang tercatat tidak hadir.",
                "A decision is only for an applicant recorded as absent.",
            ),
        ));
    }
    test_invitation::ActiveModel {
        id: Set(inv.id),
        decision: Set(Some(text.to_owned())),
        decided_by: Set(Some(admin)),
        decided_at: Set(Some(OffsetDateTime::now_utc())),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let mut ev = NewEvent::new(
        actor,
        "test.absence_decided",
        "application",
        app.id.to_string(),
    )
    .round(round_id)
    .payload(serde_json::json!({
        "registration_no": app.registration_no.clone().unwrap_or_default(),
        "session_id": inv.test_session_id.to_string(),
    }))
    .reason(text);
    ev.registration_no.clone_from(&app.registration_no);
    ev.kelurahan_code.clone_from(&app.kelurahan_code);
    append(&tx, ev).await?;
    tx.commit().await?;
    Ok(())
}
