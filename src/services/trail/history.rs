//! An application's history, with the cause of every rank change.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{actor_names, require_reader};
use crate::db::entities::{application, audit_event, formation, ranking, round};
use crate::domain::role::Role;
use crate::domain::trail_read::TrailEvent;
use crate::services::ServiceError;

pub use crate::domain::trail_read::{
    ApplicationHistory, ApplicationSummary, CurrentRank, HistoryEntry, RankStep,
};

/// Most events a timeline shows (an application has tens, not thousands).
const HISTORY_MAX: u64 = 5_000;

/// The history of the application with id or registration number `key`.
///
/// # Errors
/// `Forbidden` unless auditor or admin; `NotFound` for an unknown key.
pub async fn application_history<C: ConnectionTrait>(
    db: &C,
    role: Role,
    key: &str,
) -> Result<ApplicationHistory, ServiceError> {
    require_reader(role)?;
    let key = key.trim();
    let found = match key.parse::<Uuid>() {
        Ok(id) => application::Entity::find_by_id(id).one(db).await?,
        Err(_) => {
            application::Entity::find()
                .filter(application::Column::RegistrationNo.eq(key))
                .one(db)
                .await?
        }
    };
    let app = found.ok_or(ServiceError::NotFound)?;
    let round = round::Entity::find_by_id(app.round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let formation = match app.formation_id {
        Some(f) => formation::Entity::find_by_id(f).one(db).await?,
        None => None,
    };
    let mut about = Condition::any().add(
        Condition::all()
            .add(audit_event::Column::SubjectType.eq("application"))
            .add(audit_event::Column::SubjectId.eq(app.id.to_string())),
    );
    if let Some(no) = &app.registration_no {
        about = about.add(audit_event::Column::RegistrationNo.eq(no.clone()));
    }
    let events = audit_event::Entity::find()
        .filter(about)
        .order_by_asc(audit_event::Column::Seq)
        .limit(HISTORY_MAX)
        .all(db)
        .await?;
    let mut timeline: Vec<HistoryEntry> = events
        .into_iter()
        .map(|e| HistoryEntry {
            rank: (e.action == "ranking.changed")
                .then(|| RankStep::from_payload(&e.payload))
                .flatten(),
            event: e.into(),
        })
        .collect();
    let cause_seqs: Vec<i64> = timeline
        .iter()
        .filter_map(|h| h.rank.as_ref().map(|r| r.cause_seq))
        .collect();
    let mut causes: HashMap<i64, TrailEvent> = HashMap::new();
    for chunk in cause_seqs.chunks(500) {
        for e in audit_event::Entity::find()
            .filter(audit_event::Column::Seq.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            causes.insert(e.seq, e.into());
        }
    }
    for h in &mut timeline {
        if let Some(r) = &mut h.rank {
            r.cause = causes.get(&r.cause_seq).cloned();
        }
    }
    let actors = actor_names(
        db,
        timeline
            .iter()
            .map(|h| h.event.actor.as_str())
            .chain(causes.values().map(|e| e.actor.as_str())),
    )
    .await?;
    let current = ranking::Entity::find_by_id(app.id)
        .one(db)
        .await?
        .map(|r| CurrentRank {
            rank: r.rank,
            status: r.status,
            total_exact: r.total_exact,
            published: r.published,
        });
    Ok(ApplicationHistory {
        application: ApplicationSummary {
            id: app.id,
            registration_no: app.registration_no,
            full_name: app.full_name,
            nik_masked: app.nik_masked,
            state: app.state,
            round_id: round.id,
            round_name: round.name,
            formation: formation.map(Into::into),
            kelurahan: app.kelurahan_code,
            rt_number: app.rt_number,
        },
        current,
        timeline,
        actors,
    })
}
