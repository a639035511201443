//! The time the server acts on where a decision depends on "now" at
//! sub-day precision (throttle windows). Production reads the system clock;
//! tests hold a manual clock and move it explicitly, so no test result
//! depends on the time of day a run happens to start at.

use std::sync::{Arc, Mutex};

use time::{Duration, OffsetDateTime};

/// A source of "now", cheap to clone (clones share one manual time).
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<Mutex<OffsetDateTime>>>);

impl Clock {
    /// The system clock.
    #[must_use]
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stands still at `at` until [`Clock::advance`] moves it.
    #[must_use]
    pub fn manual(at: OffsetDateTime) -> Clock {
        Clock(Some(Arc::new(Mutex::new(at))))
    }

    /// The current time of this clock.
    #[must_use]
    pub fn now(&self) -> OffsetDateTime {
        match &self.0 {
            None => OffsetDateTime::now_utc(),
            Some(t) => *t.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }

    /// Moves a manual clock forward by `by`; the system clock is not moved.
    pub fn advance(&self, by: Duration) {
        if let Some(t) = &self.0 {
            let mut t = t.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *t += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_stands_still_until_advanced_and_clones_share_it() {
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
        let clock = Clock::manual(at);
        let other = clock.clone();
        assert_eq!(clock.now(), at);
        other.advance(Duration::minutes(7));
        assert_eq!(clock.now(), at + Duration::minutes(7));
    }
}
