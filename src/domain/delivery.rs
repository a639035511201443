//! Where a queued message (an e-mail or a text) stands in the outbox, as a
//! type: the worker's claims and retries compare states, not strings.

use std::fmt;
use std::str::FromStr;

use super::application::UnknownState;

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

impl Delivery {
    /// Every state, in the order a message moves through them.
    pub const ALL: [Delivery; 4] = [
        Delivery::Pending,
        Delivery::Sending,
        Delivery::Sent,
        Delivery::Failed,
    ];

    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Sending => "sending",
            Delivery::Sent => "sent",
            Delivery::Failed => "failed",
        }
    }

    /// Still on its way: a worker will (again) try to send it.
    #[must_use]
    pub fn is_waiting(self) -> bool {
        matches!(self, Delivery::Pending | Delivery::Sending)
    }
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Delivery {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| UnknownState(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_from_its_stored_name_and_nothing_else_does() {
        for d in Delivery::ALL {
            assert_eq!(d.as_str().parse::<Delivery>(), Ok(d));
        }
        assert!("queued".parse::<Delivery>().is_err());
        assert!("Sent".parse::<Delivery>().is_err());
    }
}
