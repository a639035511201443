//! What a re-published shortlist does to those it pushes below the cut
//! (on the list before, not on the new one), in the re-publication's own
//! transaction: an invitation to a later stage's test session is withdrawn
//! (it was given because they went on, and must not stay valid), one
//! `stage.dropped` event per applicant names the re-publication as its
//! cause (and the objection or the approved correction behind it), and a
//! mail tells them, as does a text when they agreed to texts (most desk
//! registrants have no e-mail address).
//!
//! No mail or text goes to those the new list lets on anew: a first publication
//! sends none either; their invitation is the test session's own mail.

use sea_orm::{ColumnTrait, EntityTrait, ModelTrait, QueryFilter};
use uuid::Uuid;

use crate::db::WriteTx;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::entities::{application, round, round_stage, test_invitation, test_session};
use crate::mail::templates::StageDroppedMail;
use crate::mail::{Template, enqueue_for_round};
use crate::services::ServiceError;
use crate::services::self_service::MailCtx;

/// The re-publication that pushed applications below the cut.
pub(super) struct Cause<'a> {
    pub actor: Actor,
    pub round: &'a round::Model,
    pub stage: &'a round_stage::Model,
    /// Whether the stage comes before the first panel-scored stage, whose
    /// test sessions invite only those who went on.
    pub gates_invitations: bool,
    /// The `stage.shortlist_republished` event.
    pub seq: i64,
    /// What caused the re-publication.
    pub why: super::republish::Cause,
}

/// Withdraws the invitations of `ids` (when the stage gates them), records
/// one `stage.dropped` event each and queues their mail and text.
///
/// # Errors
/// Storage failures.
pub(super) async fn below_the_cut(
    tx: &WriteTx,
    mail: &MailCtx<'_>,
    cause: &Cause<'_>,
    ids: &[Uuid],
) -> Result<(), ServiceError> {
    let apps = application::Entity::find()
        .filter(application::Column::Id.is_in(ids.iter().copied()))
        .filter(application::Column::RoundId.eq(cause.round.id))
        .all(tx)
        .await?;
    let programme = cause.round.programme();
    for app in apps {
        let no = app.registration_no.clone().unwrap_or_default();
        let mut withdrawn = None;
        if cause.gates_invitations
            && let Some(inv) = test_invitation::Entity::find()
                .filter(test_invitation::Column::ApplicationId.eq(app.id))
                .one(tx)
                .await?
        {
            let session = test_session::Entity::find_by_id(inv.test_session_id)
                .one(tx)
                .await?;
            inv.clone().delete(tx).await?;
            withdrawn = Some((inv, session));
        }
        let (session_id, attendance) = withdrawn.as_ref().map_or_else(
            || (String::new(), String::new()),
            |(inv, _)| {
                (
                    inv.test_session_id.to_string(),
                    inv.attendance.clone().unwrap_or_default(),
                )
            },
        );
        let mut ev = NewEvent::new(
            cause.actor,
            "stage.dropped",
            "application",
            app.id.to_string(),
        )
        .round(cause.round.id)
        .payload({
            let mut p = serde_json::json!({
                "registration_no": no,
                "stage": cause.stage.code,
                "cause_seq": cause.seq,
                "withdrawn_session_id": session_id,
                "withdrawn_attendance": attendance,
            });
            cause.why.name_in(&mut p);
            p
        });
        ev.registration_no.clone_from(&app.registration_no);
        ev.kelurahan_code.clone_from(&app.kelurahan_code);
        append(tx, ev).await?;
        let withdrawn = withdrawn
            .and_then(|(_, s)| s)
            .map(|s| (s.starts_at, s.place));
        crate::sms::stages::dropped(
            tx,
            &app,
            &programme,
            &cause.stage.name_id,
            withdrawn.clone(),
        )
        .await?;
        let Some((to, locale)) = crate::services::results::recipient(tx, mail.vault, &app).await?
        else {
            continue;
        };
        let template = Template::StageDropped(StageDroppedMail {
            name: app.full_name.clone(),
            registration_no: no,
            stage: (cause.stage.name_id.clone(), cause.stage.name_en.clone()),
            withdrawn,
            link: format!("{}/pendaftaran/{}", mail.base_url, app.id),
            correction: matches!(cause.why, super::republish::Cause::Correction { .. }),
        });
        enqueue_for_round(
            tx,
            &to,
            &app.full_name,
            locale,
            &template,
            mail.from,
            &programme,
        )
        .await?;
    }
    Ok(())
}
