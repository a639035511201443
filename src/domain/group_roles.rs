//! The formed group's offices: who of the selected members chairs the
//! Pokmas, keeps its minutes and its money.
//!
//! The rule (the same for every round, as the Lurah's decree lists it): the
//! offices are, in order, chair (ketua), secretary (sekretaris) and
//! treasurer (bendahara); every other selected member is a member
//! (anggota). With `n` selected members, the first `min(n, 3)` offices are
//! each held by exactly one of them, nobody holds two, and only selected
//! members hold an office. A member without an office is an `anggota`.

use std::collections::{BTreeMap, BTreeSet};

/// An office in the formed group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupRole {
    /// Ketua.
    Chair,
    /// Sekretaris.
    Secretary,
    /// Bendahara.
    Treasurer,
    /// Anggota.
    Member,
}

impl GroupRole {
    /// The offices that must be filled, in order.
    pub const OFFICES: [GroupRole; 3] =
        [GroupRole::Chair, GroupRole::Secretary, GroupRole::Treasurer];

    /// Every role, in the order of the decree's list.
    pub const ALL: [GroupRole; 4] = [
        GroupRole::Chair,
        GroupRole::Secretary,
        GroupRole::Treasurer,
        GroupRole::Member,
    ];

    /// The stored and exported name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            GroupRole::Chair => "chair",
            GroupRole::Secretary => "secretary",
            GroupRole::Treasurer => "treasurer",
            GroupRole::Member => "member",
        }
    }

    /// The role from its stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<GroupRole> {
        GroupRole::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The title in Bahasa Indonesia and in English.
    #[must_use]
    pub fn title(self) -> (&'static str, &'static str) {
        match self {
            GroupRole::Chair => ("Ketua", "Chair"),
            GroupRole::Secretary => ("Sekretaris", "Secretary"),
            GroupRole::Treasurer => ("Bendahara", "Treasurer"),
            GroupRole::Member => ("Anggota", "Member"),
        }
    }
}

/// What is wrong with a set of offices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleProblem {
    /// An office is given to someone who is not a selected member.
    NotSelected(String),
    /// A required office is held by nobody.
    Vacant(GroupRole),
    /// An office is held by more than one member.
    Shared(GroupRole),
}

impl RoleProblem {
    /// The problem in Bahasa Indonesia and in English.
    #[must_use]
    pub fn message(&self) -> (String, String) {
        match self {
            RoleProblem::NotSelected(no) => (
                format!("{no} bukan anggota terpilih."),
                format!("{no} is not a selected member."),
            ),
            RoleProblem::Vacant(r) => (
                format!("Jabatan {} belum diisi.", r.title().0),
                format!("Nobody holds the office of {}.", r.title().1.to_lowercase()),
            ),
            RoleProblem::Shared(r) => (
                format!("Jabatan {} hanya untuk satu orang.", r.title().0),
                format!("Only one member can be {}.", r.title().1.to_lowercase()),
            ),
        }
    }
}

/// The offices required when `selected` members were selected.
#[must_use]
pub fn required_offices(selected: usize) -> &'static [GroupRole] {
    &GroupRole::OFFICES[..selected.min(GroupRole::OFFICES.len())]
}

/// Checks `roles` (registration number → role) against the rule for the
/// `selected` members; members left out of `roles` are `anggota`.
///
/// # Errors
/// Every [`RoleProblem`] found, in a stable order.
pub fn check_roles(
    selected: &BTreeSet<String>,
    roles: &BTreeMap<String, GroupRole>,
) -> Result<(), Vec<RoleProblem>> {
    let mut problems = Vec::new();
    for no in roles.keys() {
        if !selected.contains(no) {
            problems.push(RoleProblem::NotSelected(no.clone()));
        }
    }
    for office in GroupRole::OFFICES {
        let holders = roles
            .iter()
            .filter(|(no, r)| **r == office && selected.contains(*no))
            .count();
        if holders > 1 {
            problems.push(RoleProblem::Shared(office));
        } else if holders == 0 && required_offices(selected.len()).contains(&office) {
            problems.push(RoleProblem::Vacant(office));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The role of each selected member (registration numbers), `anggota` where
/// none is recorded, in the decree's order: offices first, then members by
/// registration number.
#[must_use]
pub fn member_list(
    selected: &BTreeSet<String>,
    roles: &BTreeMap<String, GroupRole>,
) -> Vec<(String, GroupRole)> {
    let mut list: Vec<(String, GroupRole)> = selected
        .iter()
        .map(|no| {
            (
                no.clone(),
                roles.get(no).copied().unwrap_or(GroupRole::Member),
            )
        })
        .collect();
    list.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(nos: &[&str]) -> BTreeSet<String> {
        nos.iter().map(|s| (*s).to_owned()).collect()
    }

    fn roles(pairs: &[(&str, GroupRole)]) -> BTreeMap<String, GroupRole> {
        pairs.iter().map(|(n, r)| ((*n).to_owned(), *r)).collect()
    }

    #[test]
    fn five_members_need_a_chair_a_secretary_and_a_treasurer_once_each() {
        let sel = set(&["A", "B", "C", "D", "E"]);
        let ok = roles(&[
            ("A", GroupRole::Chair),
            ("B", GroupRole::Secretary),
            ("C", GroupRole::Treasurer),
        ]);
        assert_eq!(check_roles(&sel, &ok), Ok(()));
        assert_eq!(
            member_list(&sel, &ok),
            [
                ("A".into(), GroupRole::Chair),
                ("B".into(), GroupRole::Secretary),
                ("C".into(), GroupRole::Treasurer),
                ("D".into(), GroupRole::Member),
                ("E".into(), GroupRole::Member),
            ]
        );
        let bad = roles(&[
            ("A", GroupRole::Chair),
            ("B", GroupRole::Chair),
            ("X", GroupRole::Secretary),
        ]);
        assert_eq!(
            check_roles(&sel, &bad),
            Err(vec![
                RoleProblem::NotSelected("X".into()),
                RoleProblem::Shared(GroupRole::Chair),
                RoleProblem::Vacant(GroupRole::Secretary),
                RoleProblem::Vacant(GroupRole::Treasurer),
            ])
        );
    }

    #[test]
    fn a_one_seat_group_needs_only_a_chair() {
        let sel = set(&["A"]);
        assert_eq!(
            check_roles(&sel, &roles(&[])),
            Err(vec![RoleProblem::Vacant(GroupRole::Chair)])
        );
        assert_eq!(
            check_roles(&sel, &roles(&[("A", GroupRole::Chair)])),
            Ok(())
        );
    }

    #[test]
    fn every_role_reads_back_and_has_both_titles() {
        for r in GroupRole::ALL {
            assert_eq!(GroupRole::parse(r.as_str()), Some(r));
            assert_ne!(r.title().0, r.title().1);
        }
        assert_eq!(GroupRole::parse("ketua"), None);
    }
}
