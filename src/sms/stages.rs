//! Which text goes out when: called by the use cases of each stage inside
//! their own transaction, for applications whose consent is on record and
//! not withdrawn.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use time::OffsetDateTime;
use uuid::Uuid;

use super::messages::first_name;
use super::{Channel, SmsMessage, enqueue_for_round};
use crate::db::entities::{application, message_consent, ranking, round};
use crate::domain::round::RoundState;

/// The number and channel `application_id` agreed to be told at, if any.
///
/// # Errors
/// Storage failures.
pub async fn consent_of<C: ConnectionTrait>(
    tx: &C,
    application_id: Uuid,
) -> Result<Option<(String, Channel)>, DbErr> {
    Ok(message_consent::Entity::find_by_id(application_id)
        .one(tx)
        .await?
        .filter(|c| c.withdrawn_at.is_none())
        .and_then(|c| Channel::parse(&c.channel).map(|ch| (c.phone, ch))))
}

/// The programme the texts of `app`'s round name.
async fn programme_of<C: ConnectionTrait>(
    tx: &C,
    app: &application::Model,
) -> Result<crate::domain::programme::Programme, DbErr> {
    Ok(round::Entity::find_by_id(app.round_id)
        .one(tx)
        .await?
        .map(|r| r.programme())
        .unwrap_or_default())
}

/// Queues the receipt text of a submitted application.
///
/// # Errors
/// Storage failures.
pub async fn receipt(
    tx: &crate::db::WriteTx,
    app: &application::Model,
    registration_no: &str,
) -> Result<(), DbErr> {
    if let Some((phone, channel)) = consent_of(tx, app.id).await? {
        let msg = SmsMessage::Receipt {
            first_name: first_name(&app.full_name),
            registration_no: registration_no.to_owned(),
        };
        let p = programme_of(tx, app).await?;
        enqueue_for_round(tx, &phone, channel, &msg, &p).await?;
    }
    Ok(())
}

/// Queues the invitation text: date, time and place of the test.
///
/// # Errors
/// Storage failures.
pub async fn invitation(
    tx: &crate::db::WriteTx,
    app: &application::Model,
    when: OffsetDateTime,
    place: &str,
) -> Result<(), DbErr> {
    if let Some((phone, channel)) = consent_of(tx, app.id).await? {
        let msg = SmsMessage::Invitation {
            first_name: first_name(&app.full_name),
            registration_no: app.registration_no.clone().unwrap_or_default(),
            when,
            place: place.to_owned(),
        };
        let p = programme_of(tx, app).await?;
        enqueue_for_round(tx, &phone, channel, &msg, &p).await?;
    }
    Ok(())
}

/// Queues the text telling `app` that the re-published shortlist of the
/// stage named `stage` no longer lets them on, with the invitation to the
/// next stage that was withdrawn (when and where), if any.
///
/// # Errors
/// Storage failures.
pub async fn dropped(
    tx: &crate::db::WriteTx,
    app: &application::Model,
    programme: &crate::domain::programme::Programme,
    stage: &str,
    withdrawn: Option<(OffsetDateTime, String)>,
) -> Result<(), DbErr> {
    if let Some((phone, channel)) = consent_of(tx, app.id).await? {
        let msg = SmsMessage::StageDropped {
            first_name: first_name(&app.full_name),
            registration_no: app.registration_no.clone().unwrap_or_default(),
            stage: stage.to_owned(),
            withdrawn,
        };
        enqueue_for_round(tx, &phone, channel, &msg, programme).await?;
    }
    Ok(())
}

/// Queues the texts a round's step into `to` causes: the result (provisional
/// or final) to every ranked application, the objection window to every
/// ranked application when it opens. Returns how many were queued.
///
/// # Errors
/// Storage failures.
pub async fn on_round_state(
    tx: &crate::db::WriteTx,
    round_id: Uuid,
    to: RoundState,
) -> Result<usize, DbErr> {
    if !matches!(
        to,
        RoundState::Provisional | RoundState::Objection | RoundState::Final
    ) {
        return Ok(0);
    }
    let Some(r) = round::Entity::find_by_id(round_id).one(tx).await? else {
        return Ok(0);
    };
    let consents = message_consent::Entity::find()
        .filter(message_consent::Column::WithdrawnAt.is_null())
        .all(tx)
        .await?;
    if consents.is_empty() {
        return Ok(0);
    }
    let ranks = ranking::Entity::find()
        .filter(ranking::Column::RoundId.eq(round_id))
        .filter(ranking::Column::ApplicationId.is_in(consents.iter().map(|c| c.application_id)))
        .all(tx)
        .await?;
    let mut queued = 0;
    for rank in ranks {
        // Only outcomes: a rank still pending (incomplete scoring) is not one.
        let Some(status) = rank.status.clone().filter(|s| {
            matches!(
                s.as_str(),
                "selected" | "reserve" | "not_passed" | "not_selected"
            )
        }) else {
            continue;
        };
        let Some(consent) = consents
            .iter()
            .find(|c| c.application_id == rank.application_id)
        else {
            continue;
        };
        let Some(channel) = Channel::parse(&consent.channel) else {
            continue;
        };
        let Some(app) = application::Entity::find_by_id(rank.application_id)
            .one(tx)
            .await?
        else {
            continue;
        };
        let registration_no = app.registration_no.clone().unwrap_or_default();
        let msg = match to {
            RoundState::Objection => SmsMessage::ObjectionWindow {
                first_name: first_name(&app.full_name),
                registration_no,
                ends_at: r.objection_ends_at,
            },
            _ => SmsMessage::Result {
                first_name: first_name(&app.full_name),
                registration_no,
                final_result: to == RoundState::Final,
                status,
                rank: rank.rank,
            },
        };
        enqueue_for_round(tx, &consent.phone, channel, &msg, &r.programme()).await?;
        queued += 1;
    }
    Ok(queued)
}
