//! Who may do what is decided per role.

use std::fmt;
use std::str::FromStr;

/// The role of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// A resident applying for a Pokmas seat.
    Applicant,
    /// A kelurahan help-desk officer, scoped to kelurahan.
    Operator,
    /// An evaluation panel member.
    Panelist,
    /// A city programme officer.
    Admin,
    /// Inspectorate, DPRD member or independent observer: reads everything.
    Auditor,
}

impl Role {
    /// Every role, in the order forms list them.
    pub const ALL: [Role; 5] = [
        Role::Applicant,
        Role::Operator,
        Role::Panelist,
        Role::Admin,
        Role::Auditor,
    ];

    /// The stored and audited name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Operator => "operator",
            Role::Panelist => "panelist",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    /// Whether accounts of this role act only within their kelurahan scopes.
    pub fn is_scoped(self) -> bool {
        matches!(self, Role::Operator | Role::Panelist)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of ours.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}` (expected applicant, operator, panelist, admin or auditor)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Roles an admin may invite.
pub const INVITABLE: [Role; 3] = [Role::Operator, Role::Panelist, Role::Auditor];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("superuser".parse::<Role>().is_err());
    }
}
