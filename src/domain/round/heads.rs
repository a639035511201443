//! What pages show of a round and of its formations: plain copies of the
//! stored rows' fields, so a page never holds a stored model.

use uuid::Uuid;

use super::RoundState;

/// What the panels, schedule, dashboard and progress pages show of the
/// round itself.
#[derive(Clone, Debug)]
pub struct RoundHead {
    pub id: Uuid,
    pub name: String,
    pub state: RoundState,
    pub min_panelists: i32,
}

impl RoundHead {
    /// The round's state.
    #[must_use]
    pub fn state(&self) -> RoundState {
        self.state
    }
}

/// One formation of a round: a kelurahan's seats and reserve list, and
/// whether it covers all of the kelurahan's RTs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormationHead {
    pub id: Uuid,
    pub round_id: Uuid,
    pub code: String,
    pub name: String,
    pub kelurahan_code: String,
    pub all_rts: bool,
    pub seats: i32,
    pub reserve: i32,
}
