//! Messages without e-mail: short texts by SMS or WhatsApp for residents who
//! gave a phone number and agreed to be told (most help-desk registrants have
//! no e-mail address).
//!
//! A text waits in the same durable outbox as an e-mail (`mail_outbox` with
//! `channel` `sms` or `whatsapp`), queued in the transaction of the change it
//! reports, and its own worker ([`crate::workers::sms`]) sends it through a
//! [`SmsTransport`]: files in `DATA_DIR/sms/` by default, or an HTTP gateway.
//! Retries, backoff and giving up are the e-mail worker's. A text carries the
//! first name and the registration number and nothing else personal.

pub mod messages;
pub mod stages;
pub mod transport;
pub mod worker;

pub use messages::SmsMessage;
pub use transport::{GatewayFormat, GatewaySettings, SmsArgs, SmsTransport};

use sea_orm::{ActiveModelTrait, ActiveValue::Set, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::entities::mail_outbox;
use crate::domain::delivery::Delivery;

pub use crate::domain::delivery::Channel;

/// Normalises an Indonesian mobile number to international digits
/// (`0812…`, `+62812…`, `62812…` → `62812…`), or `None` when it cannot be one.
#[must_use]
pub fn normalise_phone(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = digits.strip_prefix('+').unwrap_or(&digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let national = match digits.strip_prefix("62") {
        Some(rest) => rest,
        None => digits.strip_prefix('0')?,
    };
    // Indonesian mobile numbers start with 8 and have 9 to 12 digits after
    // the country code.
    (national.starts_with('8') && (9..=12).contains(&national.len()))
        .then(|| format!("62{national}"))
}

/// Queues `message` for `phone` on `channel` in the caller's transaction `tx`.
///
/// # Errors
/// The insert's database error.
pub async fn enqueue(
    tx: &crate::db::WriteTx,
    phone: &str,
    channel: Channel,
    message: &SmsMessage,
) -> Result<Uuid, DbErr> {
    enqueue_for_round(tx, phone, channel, message, &Default::default()).await
}

/// [`enqueue`] for a text of a round whose texts name the programme
/// `programme`.
///
/// # Errors
/// The insert's database error.
pub async fn enqueue_for_round(
    tx: &crate::db::WriteTx,
    phone: &str,
    channel: Channel,
    message: &SmsMessage,
    programme: &crate::domain::programme::Programme,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    let now = crate::mail::db_time(OffsetDateTime::now_utc());
    let text = message.text_for(programme);
    mail_outbox::ActiveModel {
        id: Set(id),
        message_id: Set(format!("<{}@sms>", id.simple())),
        to_address: Set(phone.to_owned()),
        to_name: Set(message.first_name().to_owned()),
        locale: Set("id".to_owned()),
        template: Set(message.name().to_owned()),
        subject: Set(String::new()),
        body_text: Set(text),
        body_html: Set(String::new()),
        status: Set(Delivery::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        channel: Set(channel.as_str().to_owned()),
    }
    .insert(tx)
    .await?;
    tracing::info!(outbox.id = %id, sms.template = message.name(), "text message queued");
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_international_numbers_become_the_same_digits() {
        assert_eq!(
            normalise_phone("0812-3456-7890").as_deref(),
            Some("6281234567890")
        );
        assert_eq!(
            normalise_phone("+62 812 3456 7890").as_deref(),
            Some("6281234567890")
        );
        assert_eq!(
            normalise_phone("6281234567890").as_deref(),
            Some("6281234567890")
        );
    }

    #[test]
    fn landlines_letters_and_short_numbers_are_refused() {
        assert_eq!(normalise_phone("0541 123456"), None);
        assert_eq!(normalise_phone("08123"), None);
        assert_eq!(normalise_phone("0812abc4567"), None);
        assert_eq!(normalise_phone(""), None);
        assert_eq!(normalise_phone("44 7700 900123"), None);
    }
}
