//! An application's history, with the cause of every rank change.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{actor_names, require_reader};
use crate::db::entities::{application, audit_event, formation, ranking, round};
use crate::domain::role::Role;
use crate::services::ServiceError;

/// What an auditor sees of an application: no NIK but the masked one.
#[derive(Clone, Debug)]
pub struct ApplicationSummary {
    pub id: Uuid,
    pub registration_no: Option<String>,
    pub full_name: String,
    pub nik_masked: Option<String>,
    pub state: crate::domain::application::ApplicationState,
    pub round_id: Uuid,
    pub round_name: String,
    pub formation: Option<formation::Model>,
    pub kelurahan: Option<String>,
    pub rt_number: Option<i32>,
}

/// A `ranking.changed` event read back, with the event that caused it.
#[derive(Clone, Debug)]
pub struct RankStep {
    pub from_rank: i64,
    pub to_rank: i64,
    pub from_status: String,
    pub to_status: String,
    /// Exact total `p/q` (empty when not complete).
    pub total: String,
    pub cause_seq: i64,
    pub cause: Option<audit_event::Model>,
}

impl RankStep {
    /// Reads the payload of a `ranking.changed` event.
    pub fn from_payload(payload: &str) -> Option<RankStep> {
        let p: serde_json::Value = serde_json::from_str(payload).ok()?;
        Some(RankStep {
            from_rank: p["from_rank"].as_i64()?,
            to_rank: p["to_rank"].as_i64()?,
            from_status: p["from_status"].as_str()?.to_owned(),
            to_status: p["to_status"].as_str()?.to_owned(),
            total: p["total"].as_str().unwrap_or_default().to_owned(),
            cause_seq: p["cause_seq"].as_i64()?,
            cause: None,
        })
    }
}

/// One entry of an application's timeline.
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    pub event: audit_event::Model,
    /// For `ranking.changed`: the move and its cause.
    pub rank: Option<RankStep>,
}

/// Everything that happened to one application, oldest first.
#[derive(Clone, Debug)]
pub struct ApplicationHistory {
    pub application: ApplicationSummary,
    pub current: Option<ranking::Model>,
    pub timeline: Vec<HistoryEntry>,
    /// Display names of the accounts in the timeline and its causes.
    pub actors: HashMap<String, String>,
}

impl ApplicationHistory {
    /// The rank moves only, oldest first.
    pub fn rank_steps(&self) -> impl Iterator<Item = (&audit_event::Model, &RankStep)> {
        self.timeline
            .iter()
            .filter_map(|h| h.rank.as_ref().map(|r| (&h.event, r)))
    }
}

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
            event: e,
        })
        .collect();
    let cause_seqs: Vec<i64> = timeline
        .iter()
        .filter_map(|h| h.rank.as_ref().map(|r| r.cause_seq))
        .collect();
    let mut causes: HashMap<i64, audit_event::Model> = HashMap::new();
    for chunk in cause_seqs.chunks(500) {
        for e in audit_event::Entity::find()
            .filter(audit_event::Column::Seq.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            causes.insert(e.seq, e);
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
    let current = ranking::Entity::find_by_id(app.id).one(db).await?;
    Ok(ApplicationHistory {
        application: ApplicationSummary {
            id: app.id,
            registration_no: app.registration_no,
            full_name: app.full_name,
            nik_masked: app.nik_masked,
            state: app.state,
            round_id: round.id,
            round_name: round.name,
            formation,
            kelurahan: app.kelurahan_code,
            rt_number: app.rt_number,
        },
        current,
        timeline,
        actors,
    })
}
