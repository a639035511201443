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
    /// The id of an admin account acting; `None` for any other role and for
    /// the platform itself (a four-eyes step needs a person).
    #[must_use]
    pub fn admin_id(self) -> Option<Uuid> {
        match self {
            Actor::Account {
                id,
                role: Role::Admin,
            } => Some(id),
            _ => None,
        }
    }

    /// Whether the actor may run administration: an admin account, or the
    /// platform itself (the CLI and the demo).
    #[must_use]
    pub fn administers(self) -> bool {
        matches!(
            self,
            Actor::System
                | Actor::Account {
                    role: Role::Admin,
                    ..
                }
        )
    }

    /// The `actor_id` and `actor_role` columns of the trail.
    #[must_use]
    pub fn fields(self) -> (String, String) {
        match self {
            Actor::System => ("system".into(), "system".into()),
            Actor::Account { id, role } => (id.to_string(), role.as_str().into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_admin_account_is_an_admin_and_the_platform_may_administer_but_not_approve() {
        let id = Uuid::nil();
        let admin = Actor::Account {
            id,
            role: Role::Admin,
        };
        let operator = Actor::Account {
            id,
            role: Role::Operator,
        };
        assert_eq!(admin.admin_id(), Some(id));
        assert_eq!(operator.admin_id(), None);
        assert_eq!(Actor::System.admin_id(), None);
        assert!(admin.administers() && Actor::System.administers());
        assert!(!operator.administers());
    }
}
