//! Writing standings: the one place that stores `ranking` rows and appends
//! `ranking.changed`, with the cheap shapes (a shift of ranks) first.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{AppRow, Inputs, RankChange, internal};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::entities::{application, ranking};
use crate::domain::ranking::{self as rk, RoundRules, format_fraction};
use crate::services::ServiceError;

/// The stored form of [`rk::tiebreak_values`]: `p/q` separated by spaces.
pub(super) fn tiebreak_text(rules: &RoundRules, o: &rk::Outcome) -> Option<String> {
    o.complete.then(|| {
        rk::tiebreak_values(rules, o)
            .iter()
            .map(format_fraction)
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// Outcomes of [`rk::rank_formation`] with their stored tie-break text.
pub(super) fn with_tiebreaks(
    rules: &RoundRules,
    outcomes: Vec<rk::Outcome>,
) -> Vec<(rk::Outcome, Option<String>)> {
    outcomes
        .into_iter()
        .map(|o| {
            let t = tiebreak_text(rules, &o);
            (o, t)
        })
        .collect()
}

pub(super) async fn store(
    tx: &crate::db::WriteTx,
    inputs: &Inputs,
    outcomes: &[(rk::Outcome, Option<String>)],
    existing: Option<HashMap<Uuid, Stored>>,
    published: bool,
    cause_seq: i64,
    first_publication: bool,
) -> Result<Vec<RankChange>, ServiceError> {
    let by_no: HashMap<&str, &AppRow> = inputs
        .apps
        .iter()
        .map(|a| (a.registration_no.as_str(), a))
        .collect();
    let existing = match existing {
        Some(rows) => rows,
        None => existing_rows(tx, inputs).await?,
    };
    let now = time::OffsetDateTime::now_utc();
    let mut inserts = Vec::new();
    // Rows whose rank moved and nothing else: (old rank, new rank, new status, row).
    let mut shifted = Vec::new();
    let mut changes = Vec::new();
    for (o, tiebreak) in outcomes {
        let app = by_no
            .get(o.registration_no.as_str())
            .ok_or_else(|| internal("outcome for an unknown application"))?;
        let rank = o.rank.map(|r| i32::try_from(r).unwrap_or(i32::MAX));
        let status = o.status.map(|s| s.as_str().to_owned());
        let total = o.total.as_ref().map(format_fraction);
        let row = row_model(inputs.round.id, app, o, tiebreak, published, now);
        let (old_rank, old_status) = match existing.get(&app.id) {
            // At the first publication every application starts from rank 0
            // and no status, whatever the live standings were.
            Some(_) if first_publication => (None, None),
            Some(old) => (old.rank, old.status.clone()),
            None => (None, None),
        };
        match existing.get(&app.id) {
            Some(old) if old.same_inputs(o, tiebreak.as_deref(), published) => {
                match (old.rank, rank) {
                    (Some(from), Some(to)) if from != to => {
                        shifted.push((from, to, status.clone(), row));
                    }
                    _ if old.rank == rank && old.status == status => {}
                    _ => inserts.push(row),
                }
            }
            // Changed and new rows are written together below (an upsert),
            // so a shift of every rank costs a few statements, not one each.
            _ => inserts.push(row),
        }
        let moved = old_rank != rank || old_status != status;
        let announce = if first_publication {
            rank.is_some() || status.is_some()
        } else {
            moved
        };
        if published && announce {
            changes.push(RankChange {
                application_id: app.id,
                registration_no: o.registration_no.clone(),
                from_rank: old_rank.and_then(|r| u32::try_from(r).ok()).unwrap_or(0),
                to_rank: o.rank.unwrap_or(0),
                from_status: old_status.unwrap_or_default(),
                to_status: status.unwrap_or_default(),
                total: total.unwrap_or_default(),
            });
        }
    }
    if !shift_in_place(tx, inputs, &existing, &shifted, now).await? {
        inserts.extend(shifted.into_iter().map(|(_, _, _, row)| row));
    }
    upsert(tx, inserts).await?;
    for c in &changes {
        append(
            tx,
            NewEvent::new(
                Actor::System,
                "ranking.changed",
                "application",
                c.application_id.to_string(),
            )
            .round(inputs.round.id)
            .payload(serde_json::json!({
                "registration_no": c.registration_no,
                "from_rank": c.from_rank,
                "to_rank": c.to_rank,
                "from_status": c.from_status,
                "to_status": c.to_status,
                "total": c.total,
                "cause_seq": cause_seq,
            }))
            .with_registration(c.registration_no.clone()),
        )
        .await?;
    }
    Ok(changes)
}

/// A formation's `ranking` row for outcome `o` of `app`.
pub(super) fn row_model(
    round_id: Uuid,
    app: &AppRow,
    o: &rk::Outcome,
    tiebreak: &Option<String>,
    published: bool,
    now: time::OffsetDateTime,
) -> ranking::ActiveModel {
    ranking::ActiveModel {
        application_id: Set(app.id),
        round_id: Set(round_id),
        formation_id: Set(app.formation_id),
        complete: Set(o.complete),
        eligibility: Set(o.eligibility.as_str().to_owned()),
        total_exact: Set(o.total.as_ref().map(format_fraction)),
        tiebreak_exact: Set(tiebreak.clone()),
        passed: Set(o.passed),
        rank: Set(o.rank.map(|r| i32::try_from(r).unwrap_or(i32::MAX))),
        status: Set(o.status.map(|s| s.as_str().to_owned())),
        lottery_key: Set(Some(o.lottery_key.clone())),
        published: Set(published),
        updated_at: Set(now),
    }
}

/// Writes `rows` whole, new or not, a few hundred per statement.
pub(super) async fn upsert<C: ConnectionTrait>(
    tx: &C,
    rows: Vec<ranking::ActiveModel>,
) -> Result<(), ServiceError> {
    for chunk in rows.chunks(200) {
        ranking::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(ranking::Column::ApplicationId)
                    .update_columns([
                        ranking::Column::RoundId,
                        ranking::Column::FormationId,
                        ranking::Column::Complete,
                        ranking::Column::Eligibility,
                        ranking::Column::TotalExact,
                        ranking::Column::TiebreakExact,
                        ranking::Column::Passed,
                        ranking::Column::Rank,
                        ranking::Column::Status,
                        ranking::Column::LotteryKey,
                        ranking::Column::Published,
                        ranking::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

/// Moves the ranks `lo..=hi` of a formation by `d` in one `UPDATE`, each
/// with the status of its new rank, leaving out the row of `except`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn shift_ranks<C: ConnectionTrait>(
    tx: &C,
    formation_id: Uuid,
    formation: &rk::Formation,
    (lo, hi): (i32, i32),
    d: i32,
    except: Option<Uuid>,
    now: time::OffsetDateTime,
) -> Result<(), ServiceError> {
    let seats = i64::from(formation.seats);
    let reserve = i64::from(formation.reserve);
    let moved = || Expr::col(ranking::Column::Rank).add(d);
    let mut q = ranking::Entity::update_many()
        .col_expr(ranking::Column::Rank, moved())
        .col_expr(
            ranking::Column::Status,
            Expr::case(moved().lte(seats), rk::Status::Selected.as_str())
                .case(moved().lte(seats + reserve), rk::Status::Reserve.as_str())
                .finally(rk::Status::NotSelected.as_str())
                .into(),
        )
        .col_expr(ranking::Column::UpdatedAt, Expr::value(now))
        .filter(ranking::Column::FormationId.eq(formation_id))
        .filter(ranking::Column::Rank.between(lo, hi));
    if let Some(id) = except {
        q = q.filter(ranking::Column::ApplicationId.ne(id));
    }
    q.exec(tx).await?;
    Ok(())
}

/// Moves a block of ranks by one step in a single `UPDATE`, when `shifted`
/// is exactly that: the rows holding the consecutive old ranks `lo..=hi` of
/// the formation, each moved by the same `d`, their statuses those of the
/// new ranks. That is what one application moving up or down the table does
/// to the applications it passes (on average half of a 340-applicant
/// formation, after every scorecard); an upsert would bind and rewrite every
/// column of each. Returns `false`, writing nothing, for any other shape.
pub(super) async fn shift_in_place<C: ConnectionTrait>(
    tx: &C,
    inputs: &Inputs,
    existing: &HashMap<Uuid, Stored>,
    shifted: &[(i32, i32, Option<String>, ranking::ActiveModel)],
    now: time::OffsetDateTime,
) -> Result<bool, ServiceError> {
    let Some(&(first_from, first_to, _, _)) = shifted.first() else {
        return Ok(true);
    };
    let Some(formation_id) = inputs.apps.first().map(|a| a.formation_id) else {
        return Ok(false);
    };
    let d = first_to - first_from;
    let (mut lo, mut hi) = (first_from, first_from);
    for (from, to, status, _) in shifted {
        let Ok(new_rank) = u32::try_from(*to) else {
            return Ok(false);
        };
        if to - from != d
            || status.as_deref() != Some(rk::status_at(&inputs.formation, new_rank).as_str())
        {
            return Ok(false);
        }
        lo = Ord::min(lo, *from);
        hi = Ord::max(hi, *from);
    }
    // The range must hold these rows and no other: then the statement below
    // touches exactly them, whatever is written after it.
    let in_range = existing
        .values()
        .filter(|r| r.rank.is_some_and(|k| (lo..=hi).contains(&k)))
        .count();
    let span = usize::try_from(hi - lo + 1).unwrap_or(0);
    if span != shifted.len() || in_range != shifted.len() {
        return Ok(false);
    }
    shift_ranks(tx, formation_id, &inputs.formation, (lo, hi), d, None, now).await?;
    Ok(true)
}

/// The columns of a stored `ranking` row that a re-rank compares with its
/// fresh outcome, with its application (not the other keys, nor
/// `updated_at`: this is read for a whole formation after every scorecard,
/// and every column of every row is copied across SQLite's worker thread).
#[derive(Clone, Debug, sea_orm::FromQueryResult)]
pub(super) struct Stored {
    pub(super) application_id: Uuid,
    pub(super) complete: bool,
    pub(super) eligibility: String,
    pub(super) total_exact: Option<String>,
    pub(super) tiebreak_exact: Option<String>,
    pub(super) passed: Option<bool>,
    pub(super) rank: Option<i32>,
    pub(super) status: Option<String>,
    pub(super) lottery_key: Option<String>,
    pub(super) published: bool,
}

impl Stored {
    /// Whether this row already holds everything of outcome `o` but its
    /// rank and status.
    pub(super) fn same_inputs(
        &self,
        o: &rk::Outcome,
        tiebreak: Option<&str>,
        published: bool,
    ) -> bool {
        self.complete == o.complete
            && self.eligibility == o.eligibility.as_str()
            && self.passed == o.passed
            && self.total_exact == o.total.as_ref().map(format_fraction)
            && self.tiebreak_exact.as_deref() == tiebreak
            && self.lottery_key.as_deref() == Some(o.lottery_key.as_str())
            && self.published == published
    }
}

/// The stored ranking rows of the applications in `inputs`, in one statement.
pub(super) async fn existing_rows<C: ConnectionTrait>(
    tx: &C,
    inputs: &Inputs,
) -> Result<HashMap<Uuid, Stored>, ServiceError> {
    let mut q = ranking::Entity::find().select_only().columns([
        ranking::Column::ApplicationId,
        ranking::Column::Complete,
        ranking::Column::Eligibility,
        ranking::Column::TotalExact,
        ranking::Column::TiebreakExact,
        ranking::Column::Passed,
        ranking::Column::Rank,
        ranking::Column::Status,
        ranking::Column::LotteryKey,
        ranking::Column::Published,
    ]);
    q = match inputs.apps.as_slice() {
        [] => return Ok(HashMap::new()),
        [one] => q.filter(ranking::Column::ApplicationId.eq(one.id)),
        many => q.filter(
            ranking::Column::ApplicationId.in_subquery(
                Query::select()
                    .column(application::Column::Id)
                    .from(application::Entity)
                    .and_where(application::Column::FormationId.eq(many[0].formation_id))
                    .to_owned(),
            ),
        ),
    };
    Ok(q.into_model::<Stored>()
        .all(tx)
        .await?
        .into_iter()
        .map(|r| (r.application_id, r))
        .collect())
}
