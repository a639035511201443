//! The auditors' workspace: the trail browser, an application's
//! history with the cause of every rank change, a panelist's scorecards and
//! declarations, and the conflict matrix of a formation.
//!
//! Everything here only reads. Auditors and admins may call it (auditors read everything, NIK masked); every other role is refused here,
//! whatever page or API call asked.
//!
//! The trail is paged by keyset on `seq` (newest first, `seq < before`),
//! never by OFFSET, so page 10,000 costs what page 1 costs; each filter is
//! served by an index (`migrations/…_audit.rs`, `…_trail.rs`).

mod conflicts;
mod events;
mod filter;
mod history;
mod overview;
mod panelist;
pub use conflicts::{ConflictMatrix, Declared, MatrixCell, conflict_matrix};
use events::actor_names;
pub use events::{TrailPage, events};
pub use filter::{PAGE_DEFAULT, PAGE_MAX, TrailFilter, TrailQuery, parse_time_bound};
pub use history::{
    ApplicationHistory, ApplicationSummary, HistoryEntry, RankStep, application_history,
};
pub use overview::{FormationItem, RoundOverview, round_overview, rounds};
pub use panelist::{CardView, DeclarationView, PanelistView, VersionView, panelist_view};

use super::ServiceError;
use crate::domain::role::Role;

/// An audit event as the trail returns it. Its fields are the published
/// export format (see docs/).
pub use crate::domain::trail_read::TrailEvent as Event;

/// Refuses every role but auditor and admin.
///
/// # Errors
/// `Forbidden` for applicants, operators and panelists.
pub fn require_reader(role: Role) -> Result<(), ServiceError> {
    match role {
        Role::Auditor | Role::Admin => Ok(()),
        _ => Err(ServiceError::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_bounds_read_wita_days_and_times_and_rfc3339() {
        assert_eq!(
            parse_time_bound("2026-12-01", false).expect("day"),
            Some("2026-11-30T16:00:00.000000Z".into())
        );
        assert_eq!(
            parse_time_bound("2026-12-01", true).expect("day"),
            Some("2026-12-01T16:00:00.000000Z".into()),
            "an upper day bound includes the whole day"
        );
        assert_eq!(
            parse_time_bound("2026-12-01T08:30", false).expect("minute"),
            Some("2026-12-01T00:30:00.000000Z".into())
        );
        assert_eq!(
            parse_time_bound("2026-12-01T00:30:00Z", true).expect("rfc3339"),
            Some("2026-12-01T00:30:00.000000Z".into())
        );
        assert_eq!(parse_time_bound("  ", false).expect("empty"), None);
        assert!(parse_time_bound("kemarin", false).is_err());
    }

    #[test]
    fn filters_are_checked_before_any_query() {
        let q = TrailQuery {
            actor: "admin@contoh.id".into(),
            ..Default::default()
        };
        assert!(matches!(q.parse(), Err(ServiceError::Invalid(_))));
        let q = TrailQuery {
            subject_type: "application".into(),
            ..Default::default()
        };
        assert!(matches!(q.parse(), Err(ServiceError::Invalid(_))));
        let q = TrailQuery {
            actor: "system".into(),
            action: "score.".into(),
            limit: Some(10_000),
            ..Default::default()
        };
        assert_eq!(q.page_size(), PAGE_MAX);
        let f = q.parse().expect("valid");
        assert_eq!(f.actor.as_deref(), Some("system"));
    }

    #[test]
    fn only_auditors_and_admins_read_the_workspace() {
        for role in [Role::Applicant, Role::Operator, Role::Panelist] {
            assert!(require_reader(role).is_err());
        }
        assert!(require_reader(Role::Auditor).is_ok() && require_reader(Role::Admin).is_ok());
    }
}
