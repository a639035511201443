//! Where a queued message (an e-mail or a text) stands in the outbox, as a
//! type: the worker's claims and retries compare states, not strings.

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
