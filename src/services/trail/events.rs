//! One page of the trail: the filter turned into an indexed condition,
//! keyset-paged on `seq`, with the actors' names.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::{TrailFilter, require_reader};
use crate::db::entities::{account, application, audit_event};
use crate::domain::role::Role;
pub use crate::domain::trail_read::TrailPage;
use crate::services::ServiceError;

fn registrations_where(
    which: sea_orm::sea_query::SimpleExpr,
) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(application::Column::RegistrationNo)
        .from(application::Entity)
        .and_where(which)
        .and_where(application::Column::RegistrationNo.is_not_null())
        .to_owned()
}

/// The WHERE clause of a trail query. `exact_action` replaces an action
/// family by one of its actions (see [`events`]); `time_by_seq` keeps SQLite
/// from using the `at` index for a wide time range (it would sort the whole
/// range to find the newest 50) and lets it walk `seq` backwards instead.
fn condition(f: &TrailFilter, exact_action: Option<&str>, time_by_seq: bool) -> Condition {
    use audit_event::Column as C;
    let mut c = Condition::all();
    if let Some(r) = f.round_id {
        c = c.add(C::RoundId.eq(r.to_string()));
    }
    if let Some(k) = &f.kelurahan {
        c = c.add(Condition::any().add(C::KelurahanCode.eq(k.clone())).add(
            C::RegistrationNo.in_subquery(registrations_where(
                application::Column::KelurahanCode.eq(k.clone()),
            )),
        ));
    }
    if let Some(fid) = f.formation_id {
        c = c.add(
            Condition::any()
                .add(C::RegistrationNo.in_subquery(registrations_where(
                    application::Column::FormationId.eq(fid),
                )))
                .add(
                    Condition::all()
                        .add(C::SubjectType.eq("formation"))
                        .add(C::SubjectId.eq(fid.to_string())),
                ),
        );
    }
    if let Some(n) = &f.registration_no {
        c = c.add(C::RegistrationNo.eq(n.clone()));
    }
    if let Some(a) = &f.actor {
        c = c.add(C::Actor.eq(a.clone()));
    }
    // A family (`score.`) never gets here whole: [`events`] passes its members.
    if let Some(a) = exact_action.or(f.action.as_deref()) {
        c = c.add(C::Action.eq(a));
    }
    if let Some((t, i)) = &f.subject {
        c = c
            .add(C::SubjectType.eq(t.clone()))
            .add(C::SubjectId.eq(i.clone()));
    }
    if time_by_seq {
        // `+at` is SQLite's way of saying "same comparison, no index".
        if let Some(from) = &f.from {
            c = c.add(Expr::cust_with_values("+\"at\" >= ?", [from.clone()]));
        }
        if let Some(until) = &f.until {
            c = c.add(Expr::cust_with_values("+\"at\" < ?", [until.clone()]));
        }
    } else {
        if let Some(from) = &f.from {
            c = c.add(C::At.gte(from.clone()));
        }
        if let Some(until) = &f.until {
            c = c.add(C::At.lt(until.clone()));
        }
    }
    c
}

/// A time range spanning more events than this is read in `seq` order on
/// SQLite rather than through the `at` index.
const NARROW_TIME_SPAN: i64 = 20_000;

/// Roughly how many events a time range spans: the seqs of the first event
/// at or after `from` and the last before `until`, each one index lookup.
/// Only chooses a query plan; the exact `at` comparisons still decide.
async fn time_span_hint<C: ConnectionTrait>(db: &C, f: &TrailFilter) -> Result<i64, ServiceError> {
    use audit_event::Column as C;
    let seq_at = |cond: Condition, newest: bool| {
        let q = audit_event::Entity::find()
            .select_only()
            .column(C::Seq)
            .filter(cond);
        let q = if newest {
            q.order_by_desc(C::At)
        } else {
            q.order_by_asc(C::At)
        };
        q.limit(1).into_tuple::<i64>().one(db)
    };
    let lo = match &f.from {
        Some(from) => seq_at(Condition::all().add(C::At.gte(from.clone())), false)
            .await?
            .unwrap_or(i64::MAX),
        None => 0,
    };
    let hi = match &f.until {
        Some(until) => seq_at(Condition::all().add(C::At.lt(until.clone())), true)
            .await?
            .unwrap_or(0),
        None => i64::MAX,
    };
    Ok(hi.saturating_sub(lo))
}

/// The actions of a family (`score.` → `score.amended`, `score.submitted`)
/// present in the trail. SQLite compares text byte by byte, so a skip scan
/// through the action index finds them (`'/'` is the byte after `'.'`);
/// PostgreSQL may compare by a locale's collation, in which that range is
/// not a prefix, so it asks with LIKE instead.
async fn family_actions<C: ConnectionTrait>(
    db: &C,
    family: &str,
) -> Result<Vec<String>, ServiceError> {
    use audit_event::Column as C;
    if db.get_database_backend() != DbBackend::Sqlite {
        let escaped = family
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let mut out: Vec<String> = audit_event::Entity::find()
            .select_only()
            .column(C::Action)
            .distinct()
            .filter(C::Action.like(format!("{escaped}.%")))
            .into_tuple::<String>()
            .all(db)
            .await?;
        out.sort();
        return Ok(out);
    }
    let upper = format!("{family}/");
    let mut out: Vec<String> = Vec::new();
    loop {
        let lower = match out.last() {
            Some(last) => C::Action.gt(last.clone()),
            None => C::Action.gte(format!("{family}.")),
        };
        let next = audit_event::Entity::find()
            .select_only()
            .column(C::Action)
            .filter(lower)
            .filter(C::Action.lt(upper.clone()))
            .order_by_asc(C::Action)
            .limit(1)
            .into_tuple::<String>()
            .one(db)
            .await?;
        match next {
            Some(a) if out.len() < 1_000 => out.push(a),
            _ => return Ok(out),
        }
    }
}

/// Display names of the accounts among `actors` (UUID text → name).
pub(super) async fn actor_names<C: ConnectionTrait>(
    db: &C,
    actors: impl Iterator<Item = &str>,
) -> Result<HashMap<String, String>, ServiceError> {
    let ids: Vec<Uuid> = actors.filter_map(|a| a.parse().ok()).collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        for a in account::Entity::find()
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            out.insert(a.id.to_string(), a.name);
        }
    }
    Ok(out)
}

/// One page of the trail, newest first, matching every filter.
///
/// # Errors
/// `Forbidden` unless auditor or admin; storage failures.
pub async fn events<C: ConnectionTrait>(
    db: &C,
    role: Role,
    filter: &TrailFilter,
    before: Option<i64>,
    limit: u64,
) -> Result<TrailPage, ServiceError> {
    require_reader(role)?;
    let time_by_seq = db.get_database_backend() == DbBackend::Sqlite
        && (filter.from.is_some() || filter.until.is_some())
        && time_span_hint(db, filter).await? > NARROW_TIME_SPAN;
    // An action family is read one action at a time, each from the
    // (action, seq) index in seq order, and the pages merged: exact, and no
    // sort of the whole family (which can be most of the trail).
    let actions: Vec<Option<String>> =
        match filter.action.as_deref().and_then(|a| a.strip_suffix('.')) {
            Some(family) => family_actions(db, family)
                .await?
                .into_iter()
                .map(Some)
                .collect(),
            None => vec![None],
        };
    let mut events = Vec::new();
    for action in &actions {
        let mut q =
            audit_event::Entity::find().filter(condition(filter, action.as_deref(), time_by_seq));
        if let Some(b) = before {
            q = q.filter(audit_event::Column::Seq.lt(b));
        }
        events.extend(
            q.order_by_desc(audit_event::Column::Seq)
                .limit(limit + 1)
                .all(db)
                .await?,
        );
    }
    if actions.len() > 1 {
        events.sort_by_key(|e| std::cmp::Reverse(e.seq));
        events.truncate(usize::try_from(limit + 1).unwrap_or(usize::MAX));
    }
    let next_before = if events.len() as u64 > limit {
        events.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        events.last().map(|e| e.seq)
    } else {
        None
    };
    let actors = actor_names(db, events.iter().map(|e| e.actor.as_str())).await?;
    Ok(TrailPage {
        events: events.into_iter().map(Into::into).collect(),
        next_before,
        actors,
    })
}
