//! Putting mail into the outbox, inside the caller's transaction.

use lettre::Address;
use lettre::message::Mailbox;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use super::db_time;
use super::templates::{Locale, Template};
use crate::db::entities::mail_outbox;
use crate::domain::delivery::Delivery;
use crate::domain::programme::Programme;

/// Renders `mail` in `locale` and queues it for `to_address` in the caller's
/// transaction `tx`, so the mail exists if and only if the change that caused it
/// commits. The worker sends it from the next poll on.
///
/// The Message-ID is fixed here (`<outbox-id@domain of from>`) so every retry
/// carries the same one.
///
/// # Errors
/// `DbErr::Custom` when `to_address` is not a valid e-mail address (a form
/// should have refused it earlier); otherwise the insert's error.
pub async fn enqueue(
    tx: &crate::db::WriteTx,
    to_address: &str,
    to_name: &str,
    locale: Locale,
    mail: &Template,
    from: &Mailbox,
) -> Result<Uuid, DbErr> {
    enqueue_for_round(
        tx,
        to_address,
        to_name,
        locale,
        mail,
        from,
        &Programme::default(),
    )
    .await
}

/// [`enqueue`] for a mail of a round, whose texts name the round's
/// programme `programme` (its group, its committee) instead of the defaults.
///
/// # Errors
/// As [`enqueue`].
pub async fn enqueue_for_round(
    tx: &crate::db::WriteTx,
    to_address: &str,
    to_name: &str,
    locale: Locale,
    mail: &Template,
    from: &Mailbox,
    programme: &Programme,
) -> Result<Uuid, DbErr> {
    let to_address = to_address.trim();
    if to_address.parse::<Address>().is_err() {
        return Err(DbErr::Custom(format!(
            "cannot queue {} mail: the recipient address is not a valid e-mail address",
            mail.name()
        )));
    }
    let rendered = mail.render_for(locale, programme);
    // v7 ids are time-ordered, which keeps the primary key index append-only.
    let id = Uuid::now_v7();
    let now = db_time(OffsetDateTime::now_utc());
    mail_outbox::ActiveModel {
        id: Set(id),
        message_id: Set(format!("<{}@{}>", id.simple(), from.email.domain())),
        to_address: Set(to_address.to_owned()),
        to_name: Set(to_name.trim().to_owned()),
        locale: Set(locale.as_str().to_owned()),
        template: Set(mail.name().to_owned()),
        subject: Set(rendered.subject),
        body_text: Set(rendered.text),
        body_html: Set(rendered.html),
        status: Set(Delivery::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        channel: Set("email".to_owned()),
    }
    .insert(tx)
    .await?;
    tracing::info!(outbox.id = %id, mail.template = mail.name(), "mail queued");
    Ok(id)
}
