//! Where a queued message (an e-mail or a text) stands in the outbox, as a
//! type: the worker's claims and retries compare states, not strings.

use time::OffsetDateTime;
use uuid::Uuid;

use super::stored_name::stored_names;

/// The stored state of an outbox row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Delivery {
    /// Waiting for its next attempt.
    Pending,
    /// Claimed by a worker until the claim runs out.
    Sending,
    /// Handed to the transport; never sent again.
    Sent,
    /// Given up after the last attempt; shown to admins.
    Failed,
}

stored_names!(Delivery {
    Pending => "pending",
    Sending => "sending",
    Sent => "sent",
    Failed => "failed",
});

impl Delivery {
    /// Still on its way: a worker will (again) try to send it.
    #[must_use]
    pub fn is_waiting(self) -> bool {
        matches!(self, Delivery::Pending | Delivery::Sending)
    }
}

/// How a resident wants to be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// A plain SMS.
    Sms,
    /// A WhatsApp message through the gateway.
    WhatsApp,
}

impl Channel {
    /// The stored value (`mail_outbox.channel`, `message_consent.channel`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::WhatsApp => "whatsapp",
        }
    }

    /// Reads a stored or submitted value.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "sms" => Some(Channel::Sms),
            "whatsapp" => Some(Channel::WhatsApp),
            _ => None,
        }
    }

    /// Every channel, in the order the worker drains them.
    pub const ALL: [Channel; 2] = [Channel::Sms, Channel::WhatsApp];
}

/// What the consent page shows.
#[derive(Clone, Debug)]
pub struct ConsentView {
    pub application_id: Uuid,
    pub registration_no: Option<String>,
    /// The number on the application, to prefill.
    pub application_phone: String,
    /// The consent on record and not withdrawn: number and channel.
    pub current: Option<(String, Channel)>,
}

/// A text message that failed or waits for another try.
#[derive(Clone, Debug)]
pub struct TroubledText {
    pub id: Uuid,
    pub channel: String,
    pub template: String,
    /// The number with all but the last three digits hidden.
    pub to_masked: String,
    pub attempts: i32,
    pub last_error: String,
    pub next_attempt_at: OffsetDateTime,
    pub failed: bool,
}

/// The text messages of the outbox at a glance.
#[derive(Clone, Debug, Default)]
pub struct TextOutbox {
    pub pending: u64,
    pub sent: u64,
    pub failed: u64,
    /// Failed ones and those waiting to be retried, newest first (at most 100).
    pub troubled: Vec<TroubledText>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_from_its_stored_name_and_nothing_else_does() {
        for &d in Delivery::ALL {
            assert_eq!(d.as_str().parse::<Delivery>(), Ok(d));
        }
        assert!("queued".parse::<Delivery>().is_err());
        assert!("Sent".parse::<Delivery>().is_err());
    }
}
