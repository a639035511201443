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

/// An event as stored in the trail.
use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use uuid::Uuid;

use super::ServiceError;
use crate::db::entities::{
    account, application, audit_event, conflict_declaration, criterion, formation, kelurahan,
    panel, panel_member, ranking, round, score_value, score_version, scorecard,
};
use crate::domain::application::ApplicationState;
use crate::domain::audit::format_at;
use crate::domain::msg::Msg;
use crate::domain::role::Role;

/// An audit event as the trail returns it. Its fields are the published
/// export format (see docs/), so callers outside the service layer use this
/// name instead of the stored model's.
pub type Event = audit_event::Model;

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

/// Events per page unless asked otherwise, and the most a page may hold.
pub const PAGE_DEFAULT: u64 = 50;
pub const PAGE_MAX: u64 = 500;

/// The filters of the trail browser; every one is optional and they combine
/// with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrailFilter {
    pub round_id: Option<Uuid>,
    /// Events indexed under the kelurahan, or about one of its applications.
    pub kelurahan: Option<String>,
    /// Events about the formation itself or one of its applications.
    pub formation_id: Option<Uuid>,
    pub registration_no: Option<String>,
    /// Account UUID or `system`.
    pub actor: Option<String>,
    /// An exact action (`score.amended`) or a family ending in a dot (`score.`).
    pub action: Option<String>,
    /// `subject_type` and `subject_id`.
    pub subject: Option<(String, String)>,
    /// Lower bound on `at` (inclusive), in the stored form.
    pub from: Option<String>,
    /// Upper bound on `at` (exclusive), in the stored form.
    pub until: Option<String>,
}

/// The raw text of the filters, as typed in the form or the query string.
#[derive(Clone, Debug, Default, serde::Deserialize, PartialEq, Eq)]
pub struct TrailQuery {
    #[serde(default)]
    pub round: String,
    #[serde(default)]
    pub kelurahan: String,
    #[serde(default)]
    pub formation: String,
    #[serde(default)]
    pub registration_no: String,
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub subject_type: String,
    #[serde(default)]
    pub subject_id: String,
    /// `YYYY-MM-DD` (a WITA day), `YYYY-MM-DDTHH:MM` (WITA) or RFC 3339.
    #[serde(default)]
    pub from: String,
    /// As `from`; a day includes the whole day, a time is exclusive.
    #[serde(default)]
    pub to: String,
    /// Keyset cursor: only events with `seq` below this.
    #[serde(default)]
    pub before: Option<i64>,
    #[serde(default)]
    pub limit: Option<u64>,
}

const WITA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// Parses a time bound: a WITA day, a WITA `datetime-local` value or an
/// RFC 3339 time. For an upper bound a day means "up to the end of that day".
///
/// # Errors
/// A message in Bahasa Indonesia for anything else.
pub fn parse_time_bound(input: &str, upper: bool) -> Result<Option<String>, Msg> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let day = time::macros::format_description!("[year]-[month]-[day]");
    let minute = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let at = if let Ok(d) = Date::parse(s, day) {
        let d = if upper { d.next_day().unwrap_or(d) } else { d };
        PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_offset(WITA)
    } else if let Ok(t) = PrimitiveDateTime::parse(s, minute) {
        t.assume_offset(WITA)
    } else {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map_err(|_| {
            Msg::new(
                format!(
                    "Waktu \"{s}\" tidak dikenali; tulis tanggal seperti 2026-12-01 atau 2026-12-01T08:00 (WITA)."
                ),
                format!(
                    "The time \"{s}\" is not understood; write a date like 2026-12-01 or 2026-12-01T08:00 (WITA)."
                ),
            )
        })?
    };
    Ok(Some(format_at(at)))
}

impl TrailQuery {
    /// Checks and converts the typed filters.
    ///
    /// # Errors
    /// `Invalid` naming the first filter that cannot be understood.
    pub fn parse(&self) -> Result<TrailFilter, ServiceError> {
        let text = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_owned())
        };
        let id = |s: &str, what: (&str, &str)| -> Result<Option<Uuid>, ServiceError> {
            match text(s) {
                None => Ok(None),
                Some(t) => t.parse().map(Some).map_err(|_| {
                    ServiceError::invalid(Msg::new(
                        format!("{} \"{t}\" bukan pengenal yang valid.", what.0),
                        format!("{} \"{t}\" is not a valid identifier.", what.1),
                    ))
                }),
            }
        };
        let actor = text(&self.actor);
        if let Some(a) = &actor
            && a != "system"
            && a.parse::<Uuid>().is_err()
        {
            return Err(ServiceError::invalid(Msg::new(
                format!("Pelaku \"{a}\" harus berupa ID akun atau \"system\"."),
                format!("The actor \"{a}\" must be an account ID or \"system\"."),
            )));
        }
        let subject = match (text(&self.subject_type), text(&self.subject_id)) {
            (Some(t), Some(i)) => Some((t, i)),
            (None, None) => None,
            _ => {
                return Err(ServiceError::Invalid(Msg::new(
                    "Isi jenis dan ID subjek bersama-sama.",
                    "Give the subject type and ID together.",
                )));
            }
        };
        Ok(TrailFilter {
            round_id: id(&self.round, ("Seleksi", "Round"))?,
            kelurahan: text(&self.kelurahan),
            formation_id: id(&self.formation, ("Formasi", "Formation"))?,
            registration_no: text(&self.registration_no),
            actor,
            action: text(&self.action),
            subject,
            from: parse_time_bound(&self.from, false).map_err(ServiceError::invalid)?,
            until: parse_time_bound(&self.to, true).map_err(ServiceError::invalid)?,
        })
    }

    /// Events per page: the asked number within 1…[`PAGE_MAX`].
    pub fn page_size(&self) -> u64 {
        self.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX)
    }
}

/// One page of the trail, newest first.
#[derive(Clone, Debug)]
pub struct TrailPage {
    pub events: Vec<audit_event::Model>,
    /// The cursor for the next (older) page, when there is one.
    pub next_before: Option<i64>,
    /// Display names of the accounts that acted on this page.
    pub actors: HashMap<String, String>,
}

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
async fn actor_names<C: ConnectionTrait>(
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
        events,
        next_before,
        actors,
    })
}

// ---------------------------------------------------------------------------
// Application history
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Panelist view and conflict matrix
// ---------------------------------------------------------------------------

/// One submitted version of a scorecard.
#[derive(Clone, Debug)]
pub struct VersionView {
    pub version: i32,
    pub submitted_at: OffsetDateTime,
    /// The amendment reason (empty for version 1).
    pub reason: String,
    /// Criterion code → value.
    pub values: BTreeMap<String, i32>,
    pub audit_seq: Option<i64>,
}

/// A panelist's scorecard for one application, every version kept.
#[derive(Clone, Debug)]
pub struct CardView {
    pub application_id: Uuid,
    pub registration_no: String,
    pub formation_code: String,
    pub current_version: i32,
    pub versions: Vec<VersionView>,
}

/// A conflict declaration as recorded.
#[derive(Clone, Debug)]
pub struct DeclarationView {
    pub application_id: Uuid,
    pub registration_no: String,
    /// `none`, `family`, … (None: opened but not declared).
    pub kind: Option<String>,
    pub text: String,
    pub recused: bool,
    /// System flags at the time of the declaration (`same_rt`, `same_family_card`).
    pub flags: Vec<String>,
    pub declared_at: Option<OffsetDateTime>,
}

/// All scorecards and declarations of one panelist.
#[derive(Clone, Debug)]
pub struct PanelistView {
    pub id: Uuid,
    pub name: String,
    pub status: String,
    /// Panels the panelist sits on: (round id, round name, panel name).
    pub panels: Vec<(Uuid, String, String)>,
    pub criteria_codes: Vec<String>,
    pub cards: Vec<CardView>,
    pub declarations: Vec<DeclarationView>,
}

/// The panelist's scorecards (every version, amendments with their reasons)
/// and conflict declarations.
///
/// # Errors
/// `Forbidden` unless auditor or admin; `NotFound` unless `panelist` is a
/// panelist account.
pub async fn panelist_view<C: ConnectionTrait>(
    db: &C,
    role: Role,
    panelist: Uuid,
) -> Result<PanelistView, ServiceError> {
    require_reader(role)?;
    let acc = account::Entity::find_by_id(panelist)
        .one(db)
        .await?
        .filter(|a| a.role == "panelist")
        .ok_or(ServiceError::NotFound)?;
    let memberships = panel_member::Entity::find()
        .filter(panel_member::Column::AccountId.eq(panelist))
        .all(db)
        .await?;
    let panels_of = panel::Entity::find()
        .filter(panel::Column::Id.is_in(memberships.iter().map(|m| m.panel_id)))
        .all(db)
        .await?;
    let round_names: HashMap<Uuid, String> = round::Entity::find()
        .filter(round::Column::Id.is_in(panels_of.iter().map(|p| p.round_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let panels = panels_of
        .iter()
        .map(|p| {
            (
                p.round_id,
                round_names.get(&p.round_id).cloned().unwrap_or_default(),
                p.name.clone(),
            )
        })
        .collect();

    let cards = scorecard::Entity::find()
        .filter(scorecard::Column::PanelistId.eq(panelist))
        .all(db)
        .await?;
    let declarations = conflict_declaration::Entity::find()
        .filter(conflict_declaration::Column::PanelistId.eq(panelist))
        .all(db)
        .await?;
    let app_ids: Vec<Uuid> = cards
        .iter()
        .map(|c| c.application_id)
        .chain(declarations.iter().map(|d| d.application_id))
        .collect();
    let mut apps: HashMap<Uuid, application::Model> = HashMap::new();
    for chunk in app_ids.chunks(500) {
        for a in application::Entity::find()
            .filter(application::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            apps.insert(a.id, a);
        }
    }
    let formation_codes: HashMap<Uuid, String> = formation::Entity::find()
        .filter(formation::Column::Id.is_in(apps.values().filter_map(|a| a.formation_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f.code))
        .collect();
    let mut versions: HashMap<Uuid, Vec<score_version::Model>> = HashMap::new();
    for chunk in cards.chunks(500) {
        for v in score_version::Entity::find()
            .filter(score_version::Column::ScorecardId.is_in(chunk.iter().map(|c| c.id)))
            .order_by_asc(score_version::Column::Version)
            .all(db)
            .await?
        {
            versions.entry(v.scorecard_id).or_default().push(v);
        }
    }
    let version_ids: Vec<Uuid> = versions.values().flatten().map(|v| v.id).collect();
    let mut values: HashMap<Uuid, Vec<score_value::Model>> = HashMap::new();
    for chunk in version_ids.chunks(500) {
        for v in score_value::Entity::find()
            .filter(score_value::Column::ScoreVersionId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            values.entry(v.score_version_id).or_default().push(v);
        }
    }
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.is_in(apps.values().map(|a| a.round_id)))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await?;
    let code_of: HashMap<Uuid, String> = criteria.iter().map(|c| (c.id, c.code.clone())).collect();
    let mut criteria_codes: Vec<String> = Vec::new();
    for c in criteria.iter().filter(|c| c.kind == "panel") {
        if !criteria_codes.contains(&c.code) {
            criteria_codes.push(c.code.clone());
        }
    }
    let regno = |id: &Uuid| {
        apps.get(id)
            .and_then(|a| a.registration_no.clone())
            .unwrap_or_default()
    };
    let mut card_views: Vec<CardView> = cards
        .iter()
        .map(|c| CardView {
            application_id: c.application_id,
            registration_no: regno(&c.application_id),
            formation_code: apps
                .get(&c.application_id)
                .and_then(|a| a.formation_id)
                .and_then(|f| formation_codes.get(&f).cloned())
                .unwrap_or_default(),
            current_version: c.current_version,
            versions: versions
                .remove(&c.id)
                .unwrap_or_default()
                .into_iter()
                .map(|v| VersionView {
                    version: v.version,
                    submitted_at: v.submitted_at,
                    reason: v.reason,
                    values: values
                        .get(&v.id)
                        .into_iter()
                        .flatten()
                        .filter_map(|x| code_of.get(&x.criterion_id).map(|c| (c.clone(), x.value)))
                        .collect(),
                    audit_seq: v.audit_seq,
                })
                .collect(),
        })
        .collect();
    card_views.sort_by(|a, b| a.registration_no.cmp(&b.registration_no));
    let mut decl_views: Vec<DeclarationView> = declarations
        .into_iter()
        .map(|d| DeclarationView {
            registration_no: regno(&d.application_id),
            application_id: d.application_id,
            kind: d.kind,
            text: d.text,
            recused: d.recused,
            flags: d
                .flagged_reasons
                .map(|f| f.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            declared_at: d.declared_at,
        })
        .collect();
    decl_views.sort_by(|a, b| a.registration_no.cmp(&b.registration_no));
    Ok(PanelistView {
        id: acc.id,
        name: acc.name,
        status: acc.status,
        panels,
        criteria_codes,
        cards: card_views,
        declarations: decl_views,
    })
}

/// One cell of the conflict matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Declared {
    /// The panelist has not declared anything for this applicant yet.
    Nothing,
    /// "No conflict of interest".
    NoConflict,
    /// A declared conflict (`family`, `household`, …): recused.
    Conflict(String),
}

/// A panelist × applicant cell: the declaration and the system's own flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatrixCell {
    pub declared: Declared,
    /// `same_rt`, `same_family_card`: flagged now or at the declaration.
    pub flags: Vec<String>,
}

/// The conflict matrix of one formation: panelists of its panel × its applicants.
#[derive(Clone, Debug)]
pub struct ConflictMatrix {
    pub formation: formation::Model,
    pub round_id: Uuid,
    pub round_name: String,
    pub panelists: Vec<(Uuid, String)>,
    /// (application id, registration number, one cell per panelist).
    pub rows: Vec<(Uuid, String, Vec<MatrixCell>)>,
}

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
    let member_ids = super::standings::formation_panelists(db, formation_id).await?;
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
                    let mut flags: Vec<String> = super::scoring::conflict_flags(m, a)
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
        formation: f,
        round_id: round.id,
        round_name: round.name,
        panelists: members.into_iter().map(|m| (m.id, m.name)).collect(),
        rows,
    })
}

// ---------------------------------------------------------------------------
// Workspace overview
// ---------------------------------------------------------------------------

/// A formation as listed in the workspace.
#[derive(Clone, Debug)]
pub struct FormationItem {
    pub formation: formation::Model,
    pub kelurahan_name: String,
    pub applications: usize,
}

/// One round in the workspace: its formations and panelists.
#[derive(Clone, Debug)]
pub struct RoundOverview {
    pub round: round::Model,
    pub formations: Vec<FormationItem>,
    /// (panel name, members (id, name)).
    pub panels: Vec<(String, Vec<(Uuid, String)>)>,
}

/// Every round, newest first.
///
/// # Errors
/// `Forbidden` unless auditor or admin.
pub async fn rounds<C: ConnectionTrait>(
    db: &C,
    role: Role,
) -> Result<Vec<round::Model>, ServiceError> {
    require_reader(role)?;
    Ok(round::Entity::find()
        .order_by_desc(round::Column::CreatedAt)
        .all(db)
        .await?)
}

/// One round's formations and panels, with links into the workspace.
///
/// # Errors
/// `Forbidden` unless auditor or admin; `NotFound` for an unknown round.
pub async fn round_overview<C: ConnectionTrait>(
    db: &C,
    role: Role,
    round_id: Uuid,
) -> Result<RoundOverview, ServiceError> {
    require_reader(role)?;
    let round = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .order_by_asc(formation::Column::Code)
        .all(db)
        .await?;
    let names: HashMap<String, String> = kelurahan::Entity::find()
        .filter(kelurahan::Column::Code.is_in(formations.iter().map(|f| f.kelurahan_code.clone())))
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect();
    let mut counts: HashMap<Uuid, usize> = HashMap::new();
    for a in application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .filter(application::Column::RegistrationNo.is_not_null())
        .all(db)
        .await?
    {
        if let Some(f) = a.formation_id {
            *counts.entry(f).or_default() += 1;
        }
    }
    let panels_of = panel::Entity::find()
        .filter(panel::Column::RoundId.eq(round_id))
        .order_by_asc(panel::Column::Name)
        .all(db)
        .await?;
    let members = panel_member::Entity::find()
        .filter(panel_member::Column::PanelId.is_in(panels_of.iter().map(|p| p.id)))
        .all(db)
        .await?;
    let people: HashMap<Uuid, String> = account::Entity::find()
        .filter(account::Column::Id.is_in(members.iter().map(|m| m.account_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let panels = panels_of
        .iter()
        .map(|p| {
            let mut ms: Vec<(Uuid, String)> = members
                .iter()
                .filter(|m| m.panel_id == p.id)
                .map(|m| {
                    (
                        m.account_id,
                        people.get(&m.account_id).cloned().unwrap_or_default(),
                    )
                })
                .collect();
            ms.sort_by(|a, b| a.1.cmp(&b.1));
            (p.name.clone(), ms)
        })
        .collect();
    Ok(RoundOverview {
        formations: formations
            .into_iter()
            .map(|f| FormationItem {
                kelurahan_name: names.get(&f.kelurahan_code).cloned().unwrap_or_default(),
                applications: counts.get(&f.id).copied().unwrap_or(0),
                formation: f,
            })
            .collect(),
        round,
        panels,
    })
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
