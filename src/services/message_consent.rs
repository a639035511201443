//! Consent to news by SMS/WhatsApp, and the state of the text messages in the
//! outbox for the admin dashboard.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ServiceError;
use super::applications::Acting;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{application, mail_outbox, message_consent};
use crate::domain::application::ApplicationState;
use crate::domain::delivery::Delivery;
use crate::domain::form::FieldErrors;
use crate::domain::round::Msg;
use crate::sms::Channel;

pub use crate::domain::delivery::{ConsentView, TextOutbox, TroubledText};

async fn editable(
    db: &impl sea_orm::ConnectionTrait,
    acting: Acting<'_>,
    id: Uuid,
) -> Result<application::Model, ServiceError> {
    application::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|a| acting.may_edit(a) && a.state != ApplicationState::Withdrawn)
        .ok_or(ServiceError::NotFound)
}

/// The consent page of an application its owner (or the desk) may change.
///
/// # Errors
/// `NotFound` when the caller may not change the application.
pub async fn view(
    db: &DatabaseConnection,
    vault: &crate::pii::NikVault,
    acting: Acting<'_>,
    id: Uuid,
) -> Result<ConsentView, ServiceError> {
    let a = editable(db, acting, id).await?;
    Ok(ConsentView {
        application_id: a.id,
        registration_no: a.registration_no.clone(),
        application_phone: crate::services::data_keys::personal_of(db, vault, &a)
            .await
            .map_err(ServiceError::Internal)?
            .phone,
        current: crate::sms::stages::consent_of(db, a.id).await?,
    })
}

/// Records that the resident agreed to news at `phone` on `channel`
/// (`application.message_consent_given`; the number is not in the trail).
/// When the application is already submitted and had no consent before, its
/// receipt text is queued now, so a resident asked at the end of the visit
/// still gets one.
///
/// # Errors
/// `Invalid` when the number is not an Indonesian mobile number, no channel
/// is chosen or the resident's agreement is not confirmed.
pub async fn give(
    db: &DatabaseConnection,
    acting: Acting<'_>,
    id: Uuid,
    phone: &str,
    channel: &str,
    agreed: bool,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let mut errs = FieldErrors::new();
    let normalised = crate::sms::normalise_phone(phone);
    if normalised.is_none() {
        errs.insert(
            "phone".into(),
            Msg::new(
                "Tulis nomor HP Indonesia, misalnya 081234567890.",
                "Write an Indonesian mobile number, e.g. 081234567890.",
            ),
        );
    }
    let channel = Channel::parse(channel);
    if channel.is_none() {
        errs.insert(
            "channel".into(),
            Msg::new("Pilih SMS atau WhatsApp.", "Choose SMS or WhatsApp."),
        );
    }
    if !agreed {
        errs.insert(
            "agree".into(),
            Msg::new(
                "Centang persetujuan warga; tanpa persetujuan tidak ada pesan yang dikirim.",
                "Tick the resident's agreement; without it no message is sent.",
            ),
        );
    }
    let (Some(phone), Some(channel), true) = (normalised, channel, errs.is_empty()) else {
        return Err(ServiceError::Fields(errs));
    };
    let tx = begin_write(db).await?;
    let a = editable(&*tx, acting, id).await?;
    let before = crate::sms::stages::consent_of(&*tx, id).await?;
    let at = crate::mail::db_time(now);
    let m = message_consent::ActiveModel {
        application_id: Set(id),
        phone: Set(phone.clone()),
        channel: Set(channel.as_str().to_owned()),
        recorded_by: Set(match acting.actor {
            Actor::Account { id, .. } => Some(id),
            Actor::System => None,
        }),
        given_at: Set(at),
        withdrawn_at: Set(None),
    };
    if message_consent::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .is_some()
    {
        m.update(&*tx).await?;
    } else {
        m.insert(&*tx).await?;
    }
    let mut e = NewEvent::new(
        acting.actor,
        "application.message_consent_given",
        "application",
        id.to_string(),
    )
    .round(a.round_id)
    .payload(serde_json::json!({ "channel": channel.as_str() }));
    e.registration_no.clone_from(&a.registration_no);
    e.kelurahan_code.clone_from(&a.kelurahan_code);
    append(&tx, e).await?;
    if let (None, Some(no)) = (before, &a.registration_no) {
        crate::sms::stages::receipt(&tx, &a, no).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Stops further texts: `application.message_consent_withdrawn`.
///
/// # Errors
/// `NotFound` when the caller may not change the application or there is no
/// consent to withdraw.
pub async fn withdraw(
    db: &DatabaseConnection,
    acting: Acting<'_>,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let tx = begin_write(db).await?;
    let a = editable(&*tx, acting, id).await?;
    let c = message_consent::Entity::find_by_id(id)
        .one(&*tx)
        .await?
        .filter(|c| c.withdrawn_at.is_none())
        .ok_or(ServiceError::NotFound)?;
    let mut m: message_consent::ActiveModel = c.into();
    m.withdrawn_at = Set(Some(crate::mail::db_time(now)));
    m.update(&*tx).await?;
    let mut e = NewEvent::new(
        acting.actor,
        "application.message_consent_withdrawn",
        "application",
        id.to_string(),
    )
    .round(a.round_id);
    e.registration_no.clone_from(&a.registration_no);
    e.kelurahan_code.clone_from(&a.kelurahan_code);
    append(&tx, e).await?;
    tx.commit().await?;
    Ok(())
}

fn mask(phone: &str) -> String {
    let n = phone.chars().count();
    phone
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 3 < n { '•' } else { c })
        .collect()
}

/// Counts and the troubled texts, for the admin dashboard.
///
/// # Errors
/// Storage failures.
pub async fn text_outbox(db: &DatabaseConnection) -> Result<TextOutbox, ServiceError> {
    let texts = || {
        mail_outbox::Entity::find()
            .filter(mail_outbox::Column::Channel.is_in(Channel::ALL.iter().map(|c| c.as_str())))
    };
    let count = |s: Delivery| texts().filter(mail_outbox::Column::Status.eq(s)).count(db);
    let pending = count(Delivery::Pending).await? + count(Delivery::Sending).await?;
    let sent = count(Delivery::Sent).await?;
    let failed = count(Delivery::Failed).await?;
    let troubled = texts()
        .filter(
            sea_orm::Condition::any()
                .add(mail_outbox::Column::Status.eq(Delivery::Failed))
                .add(
                    sea_orm::Condition::all()
                        .add(mail_outbox::Column::LastError.is_not_null())
                        .add(mail_outbox::Column::Status.ne(Delivery::Sent)),
                ),
        )
        .order_by_desc(mail_outbox::Column::CreatedAt)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(|r| TroubledText {
            id: r.id,
            failed: r.status == Delivery::Failed,
            channel: r.channel,
            template: r.template,
            to_masked: mask(&r.to_address),
            attempts: r.attempts,
            last_error: r.last_error.unwrap_or_default(),
            next_attempt_at: r.next_attempt_at,
        })
        .collect();
    Ok(TextOutbox {
        pending,
        sent,
        failed,
        troubled,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_last_three_digits_show() {
        assert_eq!(super::mask("6281234567890"), "••••••••••890");
        assert_eq!(super::mask("12"), "12");
    }
}
