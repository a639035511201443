//! The verification queue: the submitted applications the caller may verify,
//! per round.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Staff, VERIFIABLE};
use crate::db::entities::{application, round};
use crate::domain::role::Role;
use crate::services::ServiceError;

pub use crate::domain::verification::{QueueRow, RoundQueue};

/// The submitted applications the caller may verify, per round (newest round
/// first), oldest registration number first.
///
/// # Errors
/// `Forbidden` for roles that do not verify; storage failures.
pub async fn queue(
    db: &DatabaseConnection,
    staff: &Staff,
) -> Result<Vec<RoundQueue>, ServiceError> {
    if !staff.may_verify() {
        return Err(ServiceError::Forbidden);
    }
    let mut q = application::Entity::find()
        .filter(application::Column::State.is_in(VERIFIABLE))
        .order_by_asc(application::Column::RegistrationNo);
    if staff.role != Role::Admin {
        q = q.filter(application::Column::KelurahanCode.is_in(staff.scopes.clone()));
    }
    let apps = q.all(db).await?;
    let names = crate::services::regions::kelurahan_names(db).await?;
    let rounds = round::Entity::find()
        .order_by_desc(round::Column::CreatedAt)
        .all(db)
        .await?;
    let mut by_round: BTreeMap<Uuid, Vec<QueueRow>> = BTreeMap::new();
    for a in apps {
        if !staff.covers(a.kelurahan_code.as_deref()) {
            continue;
        }
        by_round.entry(a.round_id).or_default().push(QueueRow {
            application_id: a.id,
            registration_no: a.registration_no.unwrap_or_default(),
            full_name: a.full_name,
            kelurahan_code: a.kelurahan_code.clone().unwrap_or_default(),
            kelurahan_name: a
                .kelurahan_code
                .as_ref()
                .and_then(|k| names.get(k).cloned())
                .unwrap_or_default(),
            rt_number: a.rt_number,
            state: a.state,
        });
    }
    Ok(rounds
        .into_iter()
        .filter_map(|r| {
            by_round.remove(&r.id).map(|rows| RoundQueue {
                round_name: r.name,
                round_state: r.state,
                rows,
            })
        })
        .collect())
}
