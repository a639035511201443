//! The conflict matrix of a formation: who declared what about whom.

use std::collections::HashMap;

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::require_reader;
use crate::db::entities::{account, application, conflict_declaration, formation, round};
use crate::domain::application::ApplicationState;
use crate::domain::role::Role;
use crate::services::ServiceError;

pub use crate::domain::trail::{ConflictMatrix, Declared, MatrixCell};

/// Builds the conflict matrix of a formation.
///
/// # Errors
/// `Forbidden` unless auditor or admin; `NotFound` for an unknown formation.
pub async fn conflict_matrix<C: ConnectionTrait>(
    db: &C,
    role: Role,
    formation_id: Uuid,
) -> Result<ConflictMatrix, ServiceError> {
    require_reader(role)?;
    let f = formation::Entity::find_by_id(formation_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let round = round::Entity::find_by_id(f.round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let member_ids = crate::services::standings::formation_panelists(db, formation_id).await?;
    let mut members = account::Entity::find()
        .filter(account::Column::Id.is_in(member_ids))
        .all(db)
        .await?;
    members.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let apps = application::Entity::find()
        .filter(application::Column::FormationId.eq(formation_id))
        .filter(application::Column::RegistrationNo.is_not_null())
        .filter(application::Column::State.ne(ApplicationState::Draft))
        .order_by_asc(application::Column::RegistrationNo)
        .all(db)
        .await?;
    let declarations: HashMap<(Uuid, Uuid), conflict_declaration::Model> =
        conflict_declaration::Entity::find()
            .filter(
                conflict_declaration::Column::ApplicationId.in_subquery(
                    Query::select()
                        .column(application::Column::Id)
                        .from(application::Entity)
                        .and_where(application::Column::FormationId.eq(formation_id))
                        .to_owned(),
                ),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|d| ((d.application_id, d.panelist_id), d))
            .collect();
    let rows = apps
        .iter()
        .map(|a| {
            let cells = members
                .iter()
                .map(|m| {
                    let d = declarations.get(&(a.id, m.id));
                    let mut flags: Vec<String> = crate::services::scoring::conflict_flags(m, a)
                        .into_iter()
                        .map(str::to_owned)
                        .collect();
                    for f in d
                        .and_then(|d| d.flagged_reasons.as_deref())
                        .unwrap_or_default()
                        .split(',')
                        .filter(|f| !f.is_empty())
                    {
                        if !flags.iter().any(|x| x == f) {
                            flags.push(f.to_owned());
                        }
                    }
                    let declared = match d.and_then(|d| d.kind.as_deref()) {
                        None => Declared::Nothing,
                        Some("none") => Declared::NoConflict,
                        Some(kind) => Declared::Conflict(kind.to_owned()),
                    };
                    MatrixCell { declared, flags }
                })
                .collect();
            (a.id, a.registration_no.clone().unwrap_or_default(), cells)
        })
        .collect();
    Ok(ConflictMatrix {
        formation: f.into(),
        round_id: round.id,
        round_name: round.name,
        panelists: members.into_iter().map(|m| (m.id, m.name)).collect(),
        rows,
    })
}
