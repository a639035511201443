//! The applicant's own score breakdown once results are published: the view
//! model of the "Nilai Anda" section of the status page and `/cek-status`.
//! The caller has already been allowed to read the application.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::ServiceError;
use crate::db::entities::{application, criterion, ranking};
use crate::domain::ranking::parse_fraction;
use crate::domain::round::Msg;
use crate::domain::score_breakdown::{self as sb, TieEntry};

pub use crate::domain::score_breakdown::{CriterionName, ScoreView};

pub use crate::domain::ranking::decimal_and_fraction;

/// The breakdown of an application whose result is published in round `r`;
/// `None` before publication (or for an application without a standing).
///
/// # Errors
/// Storage failures; inputs the ranking rules reject (a bug upstream).
pub async fn for_application<C: ConnectionTrait>(
    db: &C,
    r: &crate::domain::round::Round,
    application_id: Uuid,
) -> Result<Option<ScoreView>, ServiceError> {
    if !r.state.is_published() {
        return Ok(None);
    }
    let Some(mine) = ranking::Entity::find_by_id(application_id)
        .one(db)
        .await?
        .filter(|x| x.published)
    else {
        return Ok(None);
    };
    let (rules, app) =
        super::standings::application_inputs(db, mine.formation_id, application_id).await?;
    let breakdown = sb::breakdown(&rules, &app)
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("score breakdown: {e}")))?;
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(r.id))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await?;
    let mut tiebreak: Vec<(i32, String)> = criteria
        .iter()
        .filter_map(|c| c.tiebreak_order.map(|o| (o, c.code.clone())))
        .collect();
    tiebreak.sort();
    let tiebreak_codes: Vec<String> = tiebreak.into_iter().map(|(_, c)| c).collect();
    let names = criteria
        .into_iter()
        .map(|c| CriterionName {
            code: c.code,
            name: Msg::new(c.name_id, c.name_en),
        })
        .collect();
    let ties = match (&mine.total_exact, mine.rank) {
        (Some(total), Some(_)) => {
            let same: Vec<ranking::Model> = ranking::Entity::find()
                .filter(ranking::Column::FormationId.eq(mine.formation_id))
                .filter(ranking::Column::Published.eq(true))
                .filter(ranking::Column::TotalExact.eq(total.clone()))
                .filter(ranking::Column::Rank.is_not_null())
                .all(db)
                .await?;
            let ids: Vec<Uuid> = same.iter().map(|x| x.application_id).collect();
            let numbers: std::collections::HashMap<Uuid, String> = application::Entity::find()
                .filter(application::Column::Id.is_in(ids))
                .all(db)
                .await?
                .into_iter()
                .map(|a| (a.id, a.registration_no.unwrap_or_default()))
                .collect();
            let entries: Vec<TieEntry> = same
                .iter()
                .filter_map(|x| {
                    Some(TieEntry {
                        registration_no: numbers.get(&x.application_id)?.clone(),
                        rank: u32::try_from(x.rank?).ok()?,
                        total: parse_fraction(x.total_exact.as_deref()?).ok()?,
                        tiebreak: x
                            .tiebreak_exact
                            .as_deref()
                            .unwrap_or_default()
                            .split_whitespace()
                            .filter_map(|t| parse_fraction(t).ok())
                            .collect(),
                        lottery_key: x.lottery_key.clone().unwrap_or_default(),
                    })
                })
                .collect();
            let me = numbers
                .get(&application_id)
                .and_then(|no| entries.iter().find(|e| &e.registration_no == no).cloned());
            me.map(|me| sb::ties(&me, &entries, &tiebreak_codes))
                .unwrap_or_default()
        }
        _ => Vec::new(),
    };
    Ok(Some(ScoreView {
        breakdown,
        names,
        rank: mine.rank,
        status: mine.status,
        lottery_key: mine.lottery_key.unwrap_or_default(),
        ties,
    }))
}

/// What an objection may contest, as `(code, label)`: the verification, each
/// criterion of the round (in order) and the ordering of equal totals.
///
/// # Errors
/// Storage failures.
pub async fn contest_options<C: ConnectionTrait>(
    db: &C,
    round_id: Uuid,
) -> Result<Vec<(String, Msg)>, ServiceError> {
    let mut out = vec![(
        "verification".to_owned(),
        Msg::new(
            "Hasil verifikasi persyaratan",
            "The requirement verification",
        ),
    )];
    for c in criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round_id))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await?
    {
        out.push((
            c.code.clone(),
            Msg::new(
                format!("Nilai {} {}", c.code, c.name_id),
                format!("Score {} {}", c.code, c.name_en),
            ),
        ));
    }
    out.push((
        "tie".to_owned(),
        Msg::new(
            "Urutan pada nilai total yang sama (seri)",
            "The order among equal totals (tie)",
        ),
    ));
    Ok(out)
}
