//! The first outcome of an application: the operator's MS/TMS decisions
//! checked, written, audited and mailed in one transaction.

use std::collections::HashSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    REASONS, Staff, automatic_checks, decided_by_operator, latest_checks, load_in_scope,
    reason_label, requirements_of, round_open, uploaded_slots,
};
use crate::db::audit::{NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{application, requirement, requirement_check, round};
use crate::domain::application::ApplicationState;
use crate::domain::eligibility::{RequirementOutcome, Verdict};
use crate::domain::form::FieldErrors;
use crate::domain::lang::Lang;
use crate::domain::msg::Msg;
use crate::mail::{Locale, Mailbox, Template, enqueue_for_round};
use crate::pii::NikVault;
use crate::services::ServiceError;

/// One operator decision on one requirement.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    pub requirement_id: Uuid,
    /// MS or TMS.
    pub tms: bool,
    /// One of [`REASONS`]; required for TMS.
    pub reason_code: Option<String>,
    /// Free text; required for TMS.
    pub reason_text: String,
}

/// Checks that every requirement has a valid decision.
pub(super) fn check_decisions(
    requirements: &[requirement::Model],
    uploaded: &HashSet<Uuid>,
    decisions: &[Decision],
) -> Result<(), ServiceError> {
    let mut errors = FieldErrors::new();
    // An optional document that was not uploaded is recorded as not
    // submitted; a decision sent for it is ignored, none is asked for.
    for q in requirements
        .iter()
        .filter(|q| decided_by_operator(q, uploaded))
    {
        let Some(d) = decisions.iter().find(|d| d.requirement_id == q.id) else {
            errors.insert(
                q.id.to_string(),
                Msg::new("Pilih MS atau TMS.", "Choose MS or TMS."),
            );
            continue;
        };
        if let Some(code) = &d.reason_code
            && !REASONS.iter().any(|(c, _, _)| c == code)
        {
            errors.insert(
                q.id.to_string(),
                Msg::new("Alasan tidak dikenal.", "Unknown reason."),
            );
        } else if !d.tms && d.reason_code.is_some() {
            // A reason from the list explains a TMS; kept on an MS it would
            // record a check that contradicts itself.
            errors.insert(
                q.id.to_string(),
                Msg::new(
                    "Alasan dari daftar hanya untuk TMS: kosongkan alasannya atau pilih TMS.",
                    "A reason from the list goes with TMS only: clear the reason or choose TMS.",
                ),
            );
        } else if d.tms && (d.reason_code.is_none() || d.reason_text.trim().is_empty()) {
            errors.insert(
                q.id.to_string(),
                Msg::new(
                    "TMS wajib disertai alasan dan keterangan.",
                    "TMS needs a reason and an explanation.",
                ),
            );
        } else if d.reason_text.chars().count() > 1000 {
            errors.insert(
                q.id.to_string(),
                Msg::new("Keterangan terlalu panjang.", "Explanation too long."),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Fields(errors))
    }
}

/// The result of writing checks: the outcome and the TMS requirement codes.
pub(super) struct Written {
    pub(super) eligible: bool,
    pub(super) tms_codes: Vec<String>,
    reasons_id: Vec<String>,
    reasons_en: Vec<String>,
}

/// Writes one new revision of every requirement's check and sets the
/// application's state, in the caller's transaction.
pub(super) async fn write_checks(
    tx: &impl ConnectionTrait,
    vault: &NikVault,
    app: &application::Model,
    r: &round::Model,
    requirements: &[requirement::Model],
    decisions: &[Decision],
    checked_by: Uuid,
) -> Result<Written, ServiceError> {
    let auto = automatic_checks(tx, vault, app, &r.into()).await?;
    let latest = latest_checks(tx, app.id).await?;
    let uploaded = uploaded_slots(tx, app.id).await?;
    let now = OffsetDateTime::now_utc();
    let mut w = Written {
        eligible: true,
        tms_codes: Vec::new(),
        reasons_id: Vec::new(),
        reasons_en: Vec::new(),
    };
    let mut checks = Vec::with_capacity(requirements.len());
    for q in requirements {
        let revision = latest.get(&q.id).map_or(1, |c| c.revision + 1);
        if !decided_by_operator(q, &uploaded) {
            checks.push(requirement_check::ActiveModel {
                id: Set(Uuid::now_v7()),
                application_id: Set(app.id),
                requirement_id: Set(q.id),
                revision: Set(revision),
                outcome: Set(RequirementOutcome::NotSubmitted),
                reason_code: Set(None),
                reason_text: Set(String::new()),
                automatic: Set(true),
                checked_by: Set(None),
                checked_at: Set(now),
            });
            continue;
        }
        let Some(d) = decisions.iter().find(|d| d.requirement_id == q.id) else {
            continue;
        };
        let verdict = if d.tms { Verdict::Tms } else { Verdict::Ms };
        // An automatic outcome the operator accepts as is stays marked
        // automatic (no checked_by): the rule decided, not a person.
        let typed = d.reason_text.trim();
        let auto_hit = auto.get(q.kind.as_str()).filter(|a| {
            a.verdict == verdict
                && (typed.is_empty()
                    || typed == a.message(Lang::Id)
                    || typed == a.message(Lang::En))
        });
        let (reason_code, reason_text, automatic, by) = match auto_hit {
            Some(a) => (
                Some(a.reason_code().to_owned()),
                a.message(Lang::Id),
                true,
                None,
            ),
            None => (
                d.reason_code.clone(),
                d.reason_text.trim().to_owned(),
                false,
                Some(checked_by),
            ),
        };
        if d.tms {
            w.eligible = false;
            w.tms_codes.push(q.code.clone());
            let label_id = reason_code
                .as_deref()
                .map(|c| reason_label(c, Lang::Id))
                .unwrap_or_default();
            let label_en = reason_code
                .as_deref()
                .map(|c| reason_label(c, Lang::En))
                .unwrap_or_default();
            // A requirement's text may end with a full stop; before the
            // colon it would read "Pindaian Kartu Keluarga.: …".
            w.reasons_id.push(format!(
                "{}: {label_id} — {reason_text}",
                q.text_id.trim_end_matches('.')
            ));
            w.reasons_en.push(format!(
                "{}: {label_en} — {reason_text}",
                q.text_en.trim_end_matches('.')
            ));
        }
        checks.push(requirement_check::ActiveModel {
            id: Set(Uuid::now_v7()),
            application_id: Set(app.id),
            requirement_id: Set(q.id),
            revision: Set(revision),
            outcome: Set(verdict.into()),
            reason_code: Set(reason_code),
            reason_text: Set(reason_text),
            automatic: Set(automatic),
            checked_by: Set(by),
            checked_at: Set(now),
        });
    }
    // One statement for all of them: a round has about ten requirements.
    if !checks.is_empty() {
        requirement_check::Entity::insert_many(checks)
            .exec_without_returning(tx)
            .await?;
    }
    application::ActiveModel {
        id: Set(app.id),
        state: Set(if w.eligible {
            ApplicationState::Eligible
        } else {
            ApplicationState::Ineligible
        }),
        eligibility_decided_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx)
    .await?;
    Ok(w)
}

/// Records a verification outcome: `event`, stamped with the application's
/// registration number and kelurahan, then the formation re-ranked with it
/// as cause, then the outcome mailed to the applicant.
pub(super) async fn record_outcome(
    tx: &crate::db::WriteTx,
    mut event: NewEvent,
    from: &Mailbox,
    vault: &NikVault,
    app: &application::Model,
    r: &round::Model,
    w: &Written,
) -> Result<(), ServiceError> {
    event.registration_no = app.registration_no.clone();
    event.kelurahan_code = app.kelurahan_code.clone();
    let recorded = append(tx, event).await?;
    crate::services::standings::recompute_after_input(
        tx,
        r,
        app.formation_id,
        app.id,
        recorded.seq,
    )
    .await?;
    mail_outcome(tx, from, vault, app, r, w).await
}

/// Mails the outcome to the applicant, when there is an address to mail
/// (an assisted application without e-mail gets none).
async fn mail_outcome(
    tx: &crate::db::WriteTx,
    from: &Mailbox,
    vault: &NikVault,
    app: &application::Model,
    r: &round::Model,
    w: &Written,
) -> Result<(), ServiceError> {
    let Some((to, locale)) = crate::services::results::recipient(tx, vault, app).await? else {
        return Ok(());
    };
    let reasons = match locale {
        Locale::En => w.reasons_en.clone(),
        Locale::Id => w.reasons_id.clone(),
    };
    let template = Template::VerificationOutcome {
        name: app.full_name.clone(),
        registration_no: app.registration_no.clone().unwrap_or_default(),
        eligible: w.eligible,
        reasons,
        // The status page's headline after this outcome, word for word.
        headline: Some(
            crate::services::applications::timeline(
                tx,
                vault,
                &r.into(),
                app.id,
                OffsetDateTime::now_utc(),
            )
            .await?
            .headline,
        ),
    };
    enqueue_for_round(
        tx,
        &to,
        &app.full_name,
        locale,
        &template,
        from,
        &r.programme(),
    )
    .await?;
    Ok(())
}

/// Records the first verification of a submitted application: a check per
/// requirement, the outcome (eligible when all MS), an `application.verified`
/// event and the mail to the applicant, in one transaction. Returns whether
/// the application is eligible.
///
/// # Errors
/// `Fields` (by requirement id) for missing decisions or a TMS without a
/// reason; `Conflict` when
/// the round is not in registration or verification, or the application was
/// already verified (a change goes through [`request_change`]); `Forbidden` /
/// `NotFound` outside the caller's role or scope.
pub async fn verify(
    db: &DatabaseConnection,
    from: &Mailbox,
    vault: &NikVault,
    staff: &Staff,
    application_id: Uuid,
    decisions: &[Decision],
) -> Result<bool, ServiceError> {
    let tx = begin_write(db).await?;
    let app = load_in_scope(&tx, staff, application_id).await?;
    let r = round::Entity::find_by_id(app.round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    round_open(&r)?;
    if app.state != ApplicationState::Submitted {
        return Err(ServiceError::Conflict(Msg::new(
            "Hasil verifikasi sudah dikirim; perubahan memerlukan persetujuan admin kedua.",
            "The verification outcome was already sent; a change needs a second admin's approval.",
        )));
    }
    let requirements = requirements_of(&tx, r.id).await?;
    let uploaded = uploaded_slots(&tx, app.id).await?;
    check_decisions(&requirements, &uploaded, decisions)?;
    let w = write_checks(&tx, vault, &app, &r, &requirements, decisions, staff.id).await?;
    let registration_no = app.registration_no.clone().unwrap_or_default();
    let event = NewEvent::new(
        staff.actor(),
        "application.verified",
        "application",
        app.id.to_string(),
    )
    .round(r.id)
    .payload(serde_json::json!({
        "registration_no": registration_no,
        "outcome": if w.eligible { "eligible" } else { "ineligible" },
        "tms": w.tms_codes,
    }));
    record_outcome(&tx, event, from, vault, &app, &r, &w).await?;
    tx.commit().await?;
    tracing::info!(application.registration_no = %registration_no, eligible = w.eligible, "application verified");
    Ok(w.eligible)
}
