//! The public results of a round, read from the stored `ranking` rows:
//! per formation, the signed checkpoints and the public objection decisions.

use std::collections::BTreeMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::db::entities::{
    application, audit_checkpoint, audit_event, formation, objection, ranking, round,
};
use crate::domain::objection::ObjectionStatus;
use crate::domain::ranking::{format_rounded_2dp, parse_fraction};
use crate::domain::round::RoundState;
use crate::services::ServiceError;
use crate::services::regions::kelurahan_names_of;

pub use crate::domain::results::{
    FormationResults, PublicDecision, PublishedCheckpoint, ResultRow, RoundResults,
};

/// The published round with this slug.
///
/// # Errors
/// `NotFound` when there is none or its results are not published.
pub async fn published_round<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<round::Model, ServiceError> {
    crate::services::rounds::round_by_slug(db, slug)
        .await?
        .filter(|r| r.state.is_published())
        .ok_or(ServiceError::NotFound)
}

/// The name a public result row may carry (see
/// [`crate::domain::privacy::name_is_public`]).
fn public_name(full_name: String, status: Option<&str>, publish_all_names: bool) -> String {
    if crate::domain::privacy::name_is_public(status.unwrap_or(""), publish_all_names) {
        full_name
    } else {
        String::new()
    }
}

fn sort_key(r: &ResultRow) -> (u8, i32, String) {
    let group = match r.status.as_str() {
        "selected" | "reserve" | "not_selected" => 0,
        "not_passed" => 1,
        _ => 2,
    };
    (group, r.rank.unwrap_or(0), r.registration_no.clone())
}

/// The results of the round's formations (all when `only` is `None`, else
/// only those whose code is listed), straight from the stored ranking.
/// Eligible applications are listed; ineligible and withdrawn ones are not.
///
/// # Errors
/// Storage failures; `Internal` for a stored total that is not a fraction.
pub async fn formation_results<C: ConnectionTrait>(
    db: &C,
    r: &round::Model,
    only: Option<&[String]>,
) -> Result<Vec<FormationResults>, ServiceError> {
    let mut q = formation::Entity::find().filter(formation::Column::RoundId.eq(r.id));
    if let Some(codes) = only {
        // A code from the URL with a NUL would make PostgreSQL fail the query;
        // no formation code has control characters, so it simply matches none.
        let codes = codes
            .iter()
            .filter(|c| crate::domain::text::plain_text(c, false))
            .cloned();
        q = q.filter(formation::Column::Code.is_in(codes));
    }
    let formations = q
        .order_by_asc(formation::Column::KelurahanCode)
        .order_by_asc(formation::Column::Code)
        .all(db)
        .await?;
    let names = kelurahan_names_of(db, formations.iter().map(|f| f.kelurahan_code.clone())).await?;
    let mut out = Vec::with_capacity(formations.len());
    for f in formations {
        let ranks: BTreeMap<Uuid, ranking::Model> = ranking::Entity::find()
            .filter(ranking::Column::FormationId.eq(f.id))
            .filter(ranking::Column::Eligibility.eq("eligible"))
            .all(db)
            .await?
            .into_iter()
            .map(|x| (x.application_id, x))
            .collect();
        let apps = application::Entity::find()
            .filter(application::Column::FormationId.eq(f.id))
            .filter(application::Column::Id.is_in(ranks.keys().copied()))
            .all(db)
            .await?;
        let mut rows = Vec::with_capacity(apps.len());
        for a in apps {
            let Some(x) = ranks.get(&a.id) else { continue };
            let total_2dp = match &x.total_exact {
                Some(t) => format_rounded_2dp(
                    &parse_fraction(t).map_err(|e| anyhow::anyhow!("stored total {t}: {e}"))?,
                ),
                None => String::new(),
            };
            rows.push(ResultRow {
                application_id: a.id,
                registration_no: a.registration_no.unwrap_or_default(),
                full_name: public_name(a.full_name, x.status.as_deref(), r.publish_all_names),
                total_2dp,
                total_exact: x.total_exact.clone().unwrap_or_default(),
                rank: x.rank,
                status: x.status.clone().unwrap_or_else(|| "pending".into()),
            });
        }
        rows.sort_by_key(sort_key);
        out.push(FormationResults {
            kelurahan_name: names.get(&f.kelurahan_code).cloned().unwrap_or_default(),
            formation: f.into(),
            rows,
        });
    }
    Ok(out)
}

/// The signed checkpoints taken when this round's results were published
/// (provisional, then final): the first checkpoint with that reason at or
/// after the round's publication event.
///
/// # Errors
/// Storage failures.
pub async fn round_checkpoints<C: ConnectionTrait>(
    db: &C,
    round_id: Uuid,
) -> Result<Vec<PublishedCheckpoint>, ServiceError> {
    let mut out = Vec::new();
    for (action, reason) in [
        (RoundState::Provisional.entered_action(), "provisional"),
        (RoundState::Final.entered_action(), "final"),
    ] {
        let Some(ev) = audit_event::Entity::find()
            .filter(audit_event::Column::RoundId.eq(round_id.to_string()))
            .filter(audit_event::Column::Action.eq(action))
            .order_by_desc(audit_event::Column::Seq)
            .one(db)
            .await?
        else {
            continue;
        };
        if let Some(cp) = audit_checkpoint::Entity::find()
            .filter(audit_checkpoint::Column::Seq.gte(ev.seq))
            .filter(audit_checkpoint::Column::Reason.eq(reason))
            .order_by_asc(audit_checkpoint::Column::Seq)
            .one(db)
            .await?
        {
            out.push(PublishedCheckpoint {
                seq: cp.seq,
                hash: cp.hash,
                reason: cp.reason,
                note: cp.note,
                created_at: cp.created_at,
            });
        }
    }
    Ok(out)
}

/// The decided objections of a round, for the public list (registration
/// number, decision, reasons; never the applicant's name or grounds).
///
/// # Errors
/// Storage failures.
pub async fn public_decisions<C: ConnectionTrait>(
    db: &C,
    round_id: Uuid,
) -> Result<Vec<PublicDecision>, ServiceError> {
    let rows = objection::Entity::find()
        .filter(objection::Column::RoundId.eq(round_id))
        .filter(objection::Column::Status.is_in(ObjectionStatus::DECIDED))
        .order_by_asc(objection::Column::DecidedAt)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        let (app, code) = crate::services::objections::objected_application(db, &o).await?;
        out.push(PublicDecision {
            registration_no: app.registration_no.unwrap_or_default(),
            formation_code: code,
            accepted: o.status == ObjectionStatus::Accepted,
            reasons: o.decision_reason,
            decided_at: o.decided_at,
        });
    }
    Ok(out)
}

/// Everything the public results pages of a round show.
///
/// # Errors
/// `NotFound` for an unknown or unpublished round; storage failures.
pub async fn round_results(
    db: &DatabaseConnection,
    slug: &str,
    only: Option<&[String]>,
) -> Result<RoundResults, ServiceError> {
    let r = published_round(db, slug).await?;
    let formations = formation_results(db, &r, only).await?;
    let checkpoints = round_checkpoints(db, r.id).await?;
    let decisions = public_decisions(db, r.id).await?;
    let stages = crate::db::entities::round_stage::Entity::find()
        .filter(crate::db::entities::round_stage::Column::RoundId.eq(r.id))
        .order_by_asc(crate::db::entities::round_stage::Column::Position)
        .all(db)
        .await?;
    let shortlists = crate::services::shortlists::published(db, r.id).await?;
    Ok(RoundResults {
        round: r.into(),
        formations,
        checkpoints,
        decisions,
        stages: stages.into_iter().map(Into::into).collect(),
        shortlists,
    })
}
