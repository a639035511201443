//! The fast path after one application changed: find its new place in
//! the stored standing instead of re-ranking the whole formation.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use uuid::Uuid;

use super::rows::{Stored, row_model, shift_ranks, store, tiebreak_text, upsert};
use super::{AppRow, Inputs, RankChange, eligibility, internal};
use crate::db::entities::{application, ranking};
use crate::domain::application::ApplicationState;
use crate::domain::ranking::{self as rk, Eligibility};
use crate::services::ServiceError;

/// Ranks read per statement by [`reposition`]'s search.
pub(super) const PROBES: i32 = 7;

/// The keys step 4 orders a stored standing by, read for one rank.
#[derive(Debug, sea_orm::FromQueryResult)]
pub(super) struct RankedKeys {
    rank: Option<i32>,
    registration_no: Option<String>,
    total_exact: Option<String>,
    tiebreak_exact: Option<String>,
    lottery_key: Option<String>,
}

/// Places the one changed application of `one` (outcome `fresh`, stored row
/// `mine`) among the formation's other ranked rows without reading them
/// all: they are in rank order by their stored keys, so its new rank is
/// found by a search over ranks (three reads of seven rows instead of
/// every row of a 340-applicant formation after each scorecard), the rows
/// it passes move one step in one `UPDATE`, and its own row is written.
/// Gives the ranks and statuses [`rk::order_standings`] gives (the domain
/// test `one_standing_placed_among_the_others_gets_its_rank_formation_rank`,
/// and `standings_kept_one_score_at_a_time_equal_a_full_recomputation`
/// through the services); publication re-ranks every formation in full
/// anyway.
///
/// `false`, having written nothing, when the stored ranks are not
/// `1..=n` or a read row lacks its keys or carries another seed's lottery
/// key: the caller then re-orders from every stored row.
pub(super) async fn reposition<C: ConnectionTrait>(
    tx: &C,
    one: &Inputs,
    fresh: &rk::Outcome,
    fresh_tiebreak: Option<&String>,
    mine: Option<&Stored>,
) -> Result<bool, ServiceError> {
    let Some(app) = one.apps.first() else {
        return Ok(false);
    };
    // Ranks must be exactly 1..=n. Every application that can hold a rank
    // has a row: it became complete through scorecards, and each scorecard
    // re-ranks in its own transaction (imports and the lottery seed re-rank
    // whole formations).
    let (ranked, max): (i64, Option<i32>) = ranking::Entity::find()
        .select_only()
        .column_as(ranking::Column::Rank.count(), "ranked")
        .column_as(ranking::Column::Rank.max(), "max_rank")
        .filter(ranking::Column::FormationId.eq(app.formation_id))
        .into_tuple()
        .one(tx)
        .await?
        .unwrap_or((0, None));
    let n = max.unwrap_or(0);
    if i64::from(n) != ranked {
        return Ok(false);
    }
    let old = mine.and_then(|r| r.rank);
    if old.is_some_and(|o| o < 1 || o > n) {
        return Ok(false);
    }
    let rankable_now = rankable(fresh);
    let new = if rankable_now {
        let tiebreak = parse_tiebreak(fresh_tiebreak.map(String::as_str))?;
        let Some(total) = fresh.total.as_ref() else {
            return Ok(false);
        };
        let me = rk::Standing {
            registration_no: &fresh.registration_no,
            total,
            tiebreak: &tiebreak,
            lottery_key: &fresh.lottery_key,
        };
        let lottery = crate::domain::lottery::LotteryKeys::new(&one.rules.seed);
        // The others in rank order, skipping the changed one's old rank.
        let others = n - i32::from(old.is_some());
        let rank_of = |i: i32| match old {
            Some(o) if i + 1 >= o => i + 2,
            _ => i + 1,
        };
        // A search over `PROBES` evenly spaced ranks at a time (one
        // statement each step) rather than one: three statements instead of
        // nine for a 340-applicant formation.
        let (mut lo, mut hi) = (0, others);
        while lo < hi {
            let len = hi - lo;
            let picks: Vec<i32> = if len <= PROBES {
                (lo..hi).collect()
            } else {
                (1..=PROBES).map(|j| lo + len * j / (PROBES + 1)).collect()
            };
            let rows: Vec<(i32, RankedKeys)> = ranking::Entity::find()
                .select_only()
                .column(ranking::Column::Rank)
                .column(application::Column::RegistrationNo)
                .column(ranking::Column::TotalExact)
                .column(ranking::Column::TiebreakExact)
                .column(ranking::Column::LotteryKey)
                .join(JoinType::InnerJoin, ranking::Relation::Application.def())
                .filter(ranking::Column::FormationId.eq(app.formation_id))
                .filter(ranking::Column::Rank.is_in(picks.iter().map(|&i| rank_of(i))))
                .into_model::<RankedKeys>()
                .all(tx)
                .await?
                .into_iter()
                .filter_map(|k| Some((k.rank?, k)))
                .collect();
            let mut next = (lo, hi);
            for &i in &picks {
                let Some((_, keys)) = rows.iter().find(|(rank, _)| *rank == rank_of(i)) else {
                    return Ok(false);
                };
                let (Some(no), Some(total), Some(key), Some(tiebreak)) = (
                    keys.registration_no.as_deref(),
                    keys.total_exact.as_deref(),
                    keys.lottery_key.as_deref(),
                    keys.tiebreak_exact.as_deref(),
                ) else {
                    return Ok(false);
                };
                if key != crate::domain::lottery::lower_hex(&lottery.key_bytes(no)) {
                    return Ok(false);
                }
                let total = rk::parse_fraction(total).map_err(internal)?;
                let tiebreak = parse_tiebreak(Some(tiebreak))?;
                let other = rk::Standing {
                    registration_no: no,
                    total: &total,
                    tiebreak: &tiebreak,
                    lottery_key: key,
                };
                if rk::cmp_standings(&other, &me) == std::cmp::Ordering::Less {
                    next.0 = i + 1;
                } else {
                    next.1 = i;
                    break;
                }
            }
            (lo, hi) = next;
        }
        Some(lo + 1)
    } else {
        None
    };
    let now = time::OffsetDateTime::now_utc();
    let f = &one.formation;
    // The others between the old and the new place move one step.
    let moves = match (old, new) {
        (Some(o), Some(k)) if k < o => Some(((k, o - 1), 1)),
        (Some(o), Some(k)) if k > o => Some(((o + 1, k), -1)),
        (Some(_), Some(_)) => None,
        (None, Some(k)) => Some(((k, n), 1)),
        (Some(o), None) => Some(((o + 1, n), -1)),
        (None, None) => None,
    };
    if let Some((range, d)) = moves
        && range.0 <= range.1
    {
        shift_ranks(tx, app.formation_id, f, range, d, Some(app.id), now).await?;
    }
    let mut placed = fresh.clone();
    if let Some(k) = new {
        let k = u32::try_from(k).map_err(internal)?;
        placed.rank = Some(k);
        placed.status = Some(rk::status_at(f, k));
    } else {
        placed.rank = None;
    }
    let rank = placed.rank.and_then(|k| i32::try_from(k).ok());
    let status = placed.status.map(|s| s.as_str());
    let unchanged = mine.is_some_and(|r| {
        r.same_inputs(&placed, fresh_tiebreak.map(String::as_str), false)
            && r.rank == rank
            && r.status.as_deref() == status
    });
    if !unchanged {
        let row = row_model(
            one.round.id,
            app,
            &placed,
            &fresh_tiebreak.cloned(),
            false,
            now,
        );
        upsert(tx, vec![row]).await?;
    }
    Ok(true)
}

/// Stored tie-break values (`p/q` separated by spaces).
pub(super) fn parse_tiebreak(text: Option<&str>) -> Result<Vec<rk::Ratio>, ServiceError> {
    text.unwrap_or_default()
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(rk::parse_fraction)
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)
}

/// Re-ranks a formation after a change to one application's inputs from the
/// other applications' stored standings (total, tie-break values, lottery
/// key) and the changed one's fresh `outcome`, ordered by
/// [`rk::order_standings`] — the same order [`rk::rank_formation`] gives. Reads
/// one row per application instead of every score of the formation.
///
/// `None` when the stored rows cannot stand in for the inputs (an
/// application without a row, a row from before tie-break values were
/// stored, a changed eligibility or seed): the caller then re-ranks in full.
pub(super) async fn reorder_from_stored(
    tx: &crate::db::WriteTx,
    one: Inputs,
    fresh: rk::Outcome,
    published: bool,
    cause_seq: i64,
) -> Result<Option<Vec<RankChange>>, ServiceError> {
    let Some(changed) = one.apps.first().map(|a| a.id) else {
        return Ok(None);
    };
    let formation_id = one.apps[0].formation_id;
    // Each application of the formation with its stored row, in one
    // statement: this runs after every scorecard, and on SQLite every row
    // crosses a thread boundary. `StandingRow` reads these by position.
    let joined = application::Entity::find()
        .select_only()
        .column(application::Column::Id)
        .column(application::Column::RegistrationNo)
        .column(application::Column::State)
        .column_as(ranking::Column::Complete, "r_complete")
        .column_as(ranking::Column::Eligibility, "r_eligibility")
        .column_as(ranking::Column::TotalExact, "r_total_exact")
        .column_as(ranking::Column::TiebreakExact, "r_tiebreak_exact")
        .column_as(ranking::Column::Passed, "r_passed")
        .column_as(ranking::Column::Rank, "r_rank")
        .column_as(ranking::Column::Status, "r_status")
        .column_as(ranking::Column::LotteryKey, "r_lottery_key")
        .column_as(ranking::Column::Published, "r_published")
        .join(JoinType::LeftJoin, application::Relation::Ranking.def())
        .filter(application::Column::FormationId.eq(formation_id))
        .filter(application::Column::State.ne(ApplicationState::Draft))
        .filter(application::Column::RegistrationNo.is_not_null())
        .order_by_asc(application::Column::RegistrationNo)
        .into_model::<StandingRow>()
        .all(tx)
        .await?;
    let mut app_rows: Vec<(Uuid, Option<String>, ApplicationState)> =
        Vec::with_capacity(joined.len());
    let mut stored: HashMap<Uuid, Stored> = HashMap::with_capacity(joined.len());
    for j in joined {
        if let Some(row) = j.stored() {
            stored.insert(j.id, row);
        }
        app_rows.push((j.id, j.registration_no, j.state));
    }
    if stored.len() + 1 < app_rows.len() {
        return Ok(None);
    }
    let fresh_tiebreak = tiebreak_text(&one.rules, &fresh);
    let mut outcomes: Vec<(rk::Outcome, Option<String>)> = Vec::with_capacity(app_rows.len());
    for (id, no, state) in &app_rows {
        let no = no.clone().unwrap_or_default();
        if *id == changed {
            outcomes.push((fresh.clone(), fresh_tiebreak.clone()));
            continue;
        }
        let Some(row) = stored.get(id) else {
            return Ok(None);
        };
        let el = eligibility(*state);
        if row.eligibility != el.as_str()
            || (row.complete && (row.total_exact.is_none() || row.tiebreak_exact.is_none()))
        {
            return Ok(None);
        }
        let total = match &row.total_exact {
            Some(t) if row.complete => Some(rk::parse_fraction(t).map_err(internal)?),
            _ => None,
        };
        let status = (row.complete && el == Eligibility::Eligible && row.passed == Some(false))
            .then_some(rk::Status::NotPassed);
        outcomes.push((
            rk::Outcome {
                registration_no: no,
                eligibility: el,
                complete: row.complete,
                incomplete: None,
                criteria: Vec::new(),
                total,
                total_rounded_2dp: None,
                passed: row.passed,
                rank: None,
                status,
                lottery_key: row.lottery_key.clone().unwrap_or_default(),
            },
            row.tiebreak_exact.clone(),
        ));
    }
    if !outcomes
        .iter()
        .any(|(o, _)| o.registration_no == fresh.registration_no)
    {
        return Ok(None);
    }
    // The fresh outcome's lottery key is derived from the current seed; a
    // stored key from another seed means the rows are stale. Every writer
    // stores a whole formation's keys under one seed (a full re-rank rewrites
    // each row whose key differs, this path copies the stored keys), so one
    // stored row per formation tells which seed its rows came from; checking
    // all of them would hash 340 keys after every scorecard.
    if let Some((o, _)) = outcomes
        .iter()
        .find(|(o, _)| o.registration_no != fresh.registration_no)
    {
        let lottery = crate::domain::lottery::LotteryKeys::new(&one.rules.seed);
        if o.lottery_key
            != crate::domain::lottery::lower_hex(&lottery.key_bytes(&o.registration_no))
        {
            return Ok(None);
        }
    }
    let tiebreaks: Vec<Vec<rk::Ratio>> = outcomes
        .iter()
        .map(|(o, t)| match (rankable(o), t) {
            (true, Some(t)) => parse_tiebreak(Some(t)),
            _ => Ok(Vec::new()),
        })
        .collect::<Result<_, _>>()?;
    let ranked: Vec<usize> = (0..outcomes.len())
        .filter(|&i| rankable(&outcomes[i].0))
        .collect();
    let order = {
        let standings: Vec<rk::Standing<'_>> = ranked
            .iter()
            .map(|&i| {
                let o = &outcomes[i].0;
                rk::Standing {
                    registration_no: &o.registration_no,
                    total: o.total.as_ref().unwrap_or(&ZERO),
                    tiebreak: &tiebreaks[i],
                    lottery_key: &o.lottery_key,
                }
            })
            .collect();
        rk::order_standings(&one.formation, &standings)
    };
    let mut in_order = Vec::with_capacity(outcomes.len());
    let mut taken = vec![false; outcomes.len()];
    for (k, rank, status) in order {
        let i = ranked[k];
        taken[i] = true;
        let (mut o, t) = outcomes[i].clone();
        o.rank = Some(rank);
        o.status = Some(status);
        in_order.push((o, t));
    }
    // Then everyone else by registration number, as rank_formation lists them.
    in_order.extend(
        outcomes
            .into_iter()
            .zip(taken)
            .filter(|(_, t)| !t)
            .map(|(o, _)| o),
    );
    let inputs = Inputs {
        apps: app_rows
            .into_iter()
            .map(|(id, no, _)| AppRow {
                id,
                registration_no: no.unwrap_or_default(),
                formation_id,
            })
            .collect(),
        domain_apps: Vec::new(),
        ..one
    };
    store(
        tx,
        &inputs,
        &in_order,
        Some(stored),
        published,
        cause_seq,
        false,
    )
    .await
    .map(Some)
}

/// An application of a formation joined with its stored `ranking` row, if any.
pub(super) struct StandingRow {
    id: Uuid,
    registration_no: Option<String>,
    state: crate::domain::application::ApplicationState,
    r_complete: Option<bool>,
    r_eligibility: Option<String>,
    r_total_exact: Option<String>,
    r_tiebreak_exact: Option<String>,
    r_passed: Option<bool>,
    r_rank: Option<i32>,
    r_status: Option<String>,
    r_lottery_key: Option<String>,
    r_published: Option<bool>,
}

/// Read by position, in the order of the select in [`reorder_from_stored`]:
/// by name, every field of 340 rows after each scorecard was a hash lookup.
impl sea_orm::FromQueryResult for StandingRow {
    fn from_query_result(res: &sea_orm::QueryResult, _pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            id: res.try_get_by_index(0)?,
            registration_no: res.try_get_by_index(1)?,
            state: res.try_get_by_index(2)?,
            r_complete: res.try_get_by_index(3)?,
            r_eligibility: res.try_get_by_index(4)?,
            r_total_exact: res.try_get_by_index(5)?,
            r_tiebreak_exact: res.try_get_by_index(6)?,
            r_passed: res.try_get_by_index(7)?,
            r_rank: res.try_get_by_index(8)?,
            r_status: res.try_get_by_index(9)?,
            r_lottery_key: res.try_get_by_index(10)?,
            r_published: res.try_get_by_index(11)?,
        })
    }
}

impl StandingRow {
    /// The stored row, when the application has one (its NOT NULL columns
    /// are NULL only when the join found none).
    fn stored(&self) -> Option<Stored> {
        Some(Stored {
            application_id: self.id,
            complete: self.r_complete?,
            eligibility: self.r_eligibility.clone()?,
            total_exact: self.r_total_exact.clone(),
            tiebreak_exact: self.r_tiebreak_exact.clone(),
            passed: self.r_passed,
            rank: self.r_rank,
            status: self.r_status.clone(),
            lottery_key: self.r_lottery_key.clone(),
            published: self.r_published?,
        })
    }
}

static ZERO: std::sync::LazyLock<rk::Ratio> =
    std::sync::LazyLock::new(|| rk::Ratio::from_integer(0.into()));

/// Whether step 4 orders this outcome: complete, eligible and passing.
pub(super) fn rankable(o: &rk::Outcome) -> bool {
    o.complete && o.eligibility == Eligibility::Eligible && o.passed == Some(true)
}
