//! Objection decisions a reviewer proposed that wait for a second admin:
//! the approvals page counts them, so an admin never reads "nothing is
//! waiting" while one waits for them.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::ServiceError;
use crate::db::entities::approval;
use crate::domain::approval::ApprovalStatus;

/// Per round, how many proposed objection decisions `admin` may approve
/// (pending, and not proposed by `admin`).
///
/// # Errors
/// Storage failures.
pub async fn objection_decisions_for(
    db: &DatabaseConnection,
    admin: Uuid,
) -> Result<BTreeMap<Uuid, usize>, ServiceError> {
    let pending = approval::Entity::find()
        .filter(approval::Column::Kind.eq(super::objections::KIND_DECIDE))
        .filter(approval::Column::Status.eq(ApprovalStatus::Pending))
        .filter(approval::Column::RequestedBy.ne(admin))
        .all(db)
        .await?;
    let mut out = BTreeMap::new();
    for a in pending {
        if let Some(r) = a.round_id {
            *out.entry(r).or_default() += 1;
        }
    }
    Ok(out)
}

/// The names of the panelists whose scorecards the proposals on `rows`
/// would reopen, so a decision names a person rather than an id.
///
/// # Errors
/// Storage failures.
pub async fn reopened_panelist_names(
    db: &DatabaseConnection,
    rows: &[super::objections::ObjectionView],
) -> Result<BTreeMap<Uuid, String>, ServiceError> {
    let ids: Vec<Uuid> = rows
        .iter()
        .filter_map(|o| match &o.proposal {
            Some((p, _)) => match p.reopen {
                super::objections::Reopen::Scorecard { panelist_id } => Some(panelist_id),
                _ => None,
            },
            None => None,
        })
        .collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    Ok(crate::db::entities::account::Entity::find()
        .filter(crate::db::entities::account::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect())
}
