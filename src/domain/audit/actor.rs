//! Who caused an event: every event in the trail is attributable.

use uuid::Uuid;

use crate::domain::role::Role;

/// Who caused an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The platform itself (migrations, the worker, scheduled checkpoints).
    System,
    /// A signed-in account acting in its role.
    Account { id: Uuid, role: Role },
}

impl Actor {
    /// The `actor_id` and `actor_role` columns of the trail.
    #[must_use]
    pub fn fields(self) -> (String, String) {
        match self {
            Actor::System => ("system".into(), "system".into()),
            Actor::Account { id, role } => (id.to_string(), role.as_str().into()),
        }
    }
}
