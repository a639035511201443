//! What the audit workspace's trail browser, overview and application
//! history show: events with their index columns, a page of them, the typed
//! filter, an application's rank steps with their causes, and the rounds
//! with their formations. Plain records, so no page holds a stored model.

use std::collections::HashMap;

use uuid::Uuid;

use super::application::ApplicationState;
use super::round::{FormationHead, Round};

/// An audit event with the columns the trail is indexed by. Its fields are
/// the published export format (see docs/).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrailEvent {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub round_id: String,
    pub payload: String,
    pub reason: String,
    pub prev_hash: String,
    pub hash: String,
    pub registration_no: Option<String>,
    pub kelurahan_code: Option<String>,
}

/// One page of the trail, newest first.
#[derive(Clone, Debug)]
pub struct TrailPage {
    pub events: Vec<TrailEvent>,
    /// The cursor for the next (older) page, when there is one.
    pub next_before: Option<i64>,
    /// Display names of the accounts that acted on this page.
    pub actors: HashMap<String, String>,
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

/// What an auditor sees of an application: no NIK but the masked one.
#[derive(Clone, Debug)]
pub struct ApplicationSummary {
    pub id: Uuid,
    pub registration_no: Option<String>,
    pub full_name: String,
    pub nik_masked: Option<String>,
    pub state: ApplicationState,
    pub round_id: Uuid,
    pub round_name: String,
    pub formation: Option<FormationHead>,
    pub kelurahan: Option<String>,
    pub rt_number: Option<i32>,
}

/// An application's standing now, as the ranking holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentRank {
    pub rank: Option<i32>,
    pub status: Option<String>,
    /// Exact total `p/q`, once complete.
    pub total_exact: Option<String>,
    pub published: bool,
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
    pub cause: Option<TrailEvent>,
}

impl RankStep {
    /// Reads the payload of a `ranking.changed` event.
    #[must_use]
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
    pub event: TrailEvent,
    /// For `ranking.changed`: the move and its cause.
    pub rank: Option<RankStep>,
}

/// Everything that happened to one application, oldest first.
#[derive(Clone, Debug)]
pub struct ApplicationHistory {
    pub application: ApplicationSummary,
    pub current: Option<CurrentRank>,
    pub timeline: Vec<HistoryEntry>,
    /// Display names of the accounts in the timeline and its causes.
    pub actors: HashMap<String, String>,
}

impl ApplicationHistory {
    /// The rank moves only, oldest first.
    pub fn rank_steps(&self) -> impl Iterator<Item = (&TrailEvent, &RankStep)> {
        self.timeline
            .iter()
            .filter_map(|h| h.rank.as_ref().map(|r| (&h.event, r)))
    }
}

/// A formation as listed in the workspace.
#[derive(Clone, Debug)]
pub struct FormationItem {
    pub formation: FormationHead,
    pub kelurahan_name: String,
    pub applications: usize,
}

/// One round in the workspace: its formations and panelists.
#[derive(Clone, Debug)]
pub struct RoundOverview {
    pub round: Round,
    pub formations: Vec<FormationItem>,
    /// (panel name, members (id, name)).
    pub panels: Vec<(String, Vec<(Uuid, String)>)>,
}
