//! Round administration up to the freeze: rounds and their
//! schedule, criteria, requirements and formations; the state machine; and
//! the freeze that opening registration performs.
//!
//! Every function that changes state is one use case: it checks that the
//! actor is an admin (or the system), opens one [`begin_write`] transaction,
//! refuses any edit of a round that is no longer a draft, writes, appends its
//! audit event(s) and commits. A refusal leaves nothing changed.
//!
//! - `settings`: creating a round, its settings and schedule, transitions
//!   and the freeze;
//! - `criteria`: criteria, requirements and templates;
//! - `formations`: formations, RT rows and `formations.csv`;
//! - here: errors and the read side (admin and public pages).

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::form::{FieldErrors, FormData};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ServiceError, require_admin_or_platform};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    application, criterion, formation, formation_rt, idempotency_key, kecamatan, kelurahan,
    requirement, round, round_stage, rt,
};
use crate::domain::application::ApplicationState;
use crate::domain::ranking::{Aggregation, Criterion, CriterionKind, RoundRules};
use crate::domain::role::Role;
use crate::domain::round::{
    Milestone, Msg, PointLabel, RoundState, RtSet, Schedule, check_transition, frozen_msg,
    parse_scale_labels, parse_wita, scale_labels_json, slugify, weight_shortfall,
};
use crate::export::formations_csv::{self, FormationRec};

fn created_by(actor: Actor) -> Option<Uuid> {
    match actor {
        Actor::Account { id, .. } => Some(id),
        Actor::System => None,
    }
}

/// Loads a round for writing (row-locked on PostgreSQL) and refuses unless it
/// is still a draft.
async fn lock_draft(tx: &DatabaseTransaction, id: Uuid) -> Result<round::Model, ServiceError> {
    let r = round::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if Some(r.state).is_none_or(|s| !s.is_editable()) {
        return Err(ServiceError::form(frozen_msg()));
    }
    Ok(r)
}

async fn touch(tx: &DatabaseTransaction, id: Uuid) -> Result<(), DbErr> {
    round::ActiveModel {
        id: Set(id),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    }
    .update(tx)
    .await
    .map(|_| ())
}

mod criteria;
mod criteria_input;
mod form;
#[cfg(test)]
pub(crate) use form::form;
mod formation_input;
mod formations;
mod programme;
mod settings;
mod settings_input;
mod stage_input;
mod stages;
mod templates;

/// The rounds the public may see, in one state or all, newest year first.
///
/// # Errors
/// Storage failures.
pub async fn public_list(
    db: &DatabaseConnection,
    state: Option<RoundState>,
) -> Result<Vec<Round>, ServiceError> {
    Ok(crate::db::rounds::public_list(db, state)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// A round and its rows as read models hold them (plain records, never the
/// stored models).
pub use crate::domain::round::{
    Counts, CriterionRow, FormationView, PublicRound, RequirementRow, Round, RoundDetail, Stage,
};
pub use criteria::*;
pub use criteria_input::{CriteriaDraft, CriterionInput};
use form::text_len;
pub use formation_input::*;
pub use formations::*;
pub use programme::*;
pub use settings::*;
pub use settings_input::RoundSettingsInput;
pub use stage_input::{StageInput, StagesInput};
pub use stages::*;
pub use templates::*;

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

async fn load_in(db: &impl ConnectionTrait, r: round::Model) -> Result<RoundDetail, DbErr> {
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(r.id))
        .order_by_asc(criterion::Column::Position)
        .order_by_asc(criterion::Column::Code)
        .all(db)
        .await?;
    let requirements = requirement::Entity::find()
        .filter(requirement::Column::RoundId.eq(r.id))
        .order_by_asc(requirement::Column::Position)
        .order_by_asc(requirement::Column::Code)
        .all(db)
        .await?;
    let formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(r.id))
        .order_by_asc(formation::Column::Code)
        .all(db)
        .await?;
    let rts = formation_rt::Entity::find()
        .filter(formation_rt::Column::RoundId.eq(r.id))
        .order_by_asc(formation_rt::Column::RtNumber)
        .all(db)
        .await?;
    let (kels, kecs) = crate::services::regions::kelurahan_and_kecamatan_by_code(db).await?;
    let mut by_formation: BTreeMap<Uuid, Vec<i32>> = BTreeMap::new();
    for row in rts {
        by_formation
            .entry(row.formation_id)
            .or_default()
            .push(row.rt_number);
    }
    let formations = formations
        .into_iter()
        .map(|m| {
            let kel = kels.get(&m.kelurahan_code);
            let kec_code = kel.map(|k| k.kecamatan_code.clone()).unwrap_or_default();
            FormationView {
                rts: by_formation.remove(&m.id).unwrap_or_default(),
                kelurahan_name: kel.map(|k| k.name.clone()).unwrap_or_default(),
                kecamatan_name: kecs.get(&kec_code).cloned().unwrap_or_default(),
                kecamatan_code: kec_code,
                model: m.into(),
            }
        })
        .collect();
    let stages = round_stage::Entity::find()
        .filter(round_stage::Column::RoundId.eq(r.id))
        .order_by_asc(round_stage::Column::Position)
        .all(db)
        .await?;
    Ok(RoundDetail {
        round: r.into(),
        criteria: criteria.into_iter().map(Into::into).collect(),
        requirements: requirements.into_iter().map(Into::into).collect(),
        formations,
        stages: stages.into_iter().map(Into::into).collect(),
    })
}

/// A round with its criteria, requirements and formations.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn load(db: &DatabaseConnection, id: Uuid) -> Result<RoundDetail, ServiceError> {
    let r = round::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(load_in(db, r).await?)
}

/// What a list shows of a round, for callers outside the service layer
/// (the JSON API) that must not depend on the stored model.
#[derive(Clone, Debug)]
pub struct RoundHead {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub year: i32,
    pub state: String,
}

impl From<&round::Model> for RoundHead {
    fn from(r: &round::Model) -> Self {
        RoundHead {
            id: r.id,
            slug: r.slug.clone(),
            name: r.name.clone(),
            year: r.year,
            state: r.state.to_string(),
        }
    }
}

impl From<&Round> for RoundHead {
    fn from(r: &Round) -> Self {
        RoundHead {
            id: r.id,
            slug: r.slug.clone(),
            name: r.name.clone(),
            year: r.year,
            state: r.state.to_string(),
        }
    }
}

/// A published round as the public API lists it.
#[derive(Clone, Debug)]
pub struct PublishedRound {
    pub head: RoundHead,
    pub registration_opens_at: Option<OffsetDateTime>,
    pub registration_closes_at: Option<OffsetDateTime>,
    /// Whether an application can be started and submitted at `now`.
    pub accepting_applications: bool,
    /// What the round's texts call the programme, the group and a member.
    pub programme: crate::domain::programme::Programme,
    /// Where its applicants must live.
    pub domicile_rule: crate::domain::programme::DomicileRule,
}

/// Published rounds (a round cancelled while still a draft never was), in
/// `state` when given, newest year first and then by name.
///
/// # Errors
/// Storage failures.
pub async fn published(
    db: &DatabaseConnection,
    state: Option<RoundState>,
    now: OffsetDateTime,
) -> Result<Vec<PublishedRound>, DbErr> {
    let rows = crate::db::rounds::public_list(db, state).await?;
    Ok(rows
        .iter()
        .map(|r| PublishedRound {
            head: RoundHead::from(r),
            registration_opens_at: r.registration_opens_at,
            registration_closes_at: r.registration_closes_at,
            accepting_applications: crate::services::applications::accepts_applications(r, now),
            programme: r.programme(),
            domicile_rule: r.domicile_rule(),
        })
        .collect())
}

/// Every round, newest year first.
///
/// # Errors
/// Storage failures.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<Round>, ServiceError> {
    Ok(round::Entity::find()
        .order_by_desc(round::Column::Year)
        .order_by_desc(round::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The round with this slug, whatever its state. A slug with control
/// characters names no round: it is answered without asking the database,
/// which (PostgreSQL) would refuse a NUL with an error instead of finding
/// nothing.
///
/// # Errors
/// Storage failures.
pub async fn round_by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<round::Model>, DbErr> {
    if !crate::domain::text::plain_text(slug, false) {
        return Ok(None);
    }
    round::Entity::find()
        .filter(round::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// The public view of a round: only once registration has opened (a round
/// that never left draft, even if cancelled, stays unpublished).
///
/// Applications count once submitted, whatever their later eligibility;
/// drafts and withdrawals do not count.
///
/// # Errors
/// `NotFound` for an unknown or unpublished slug; storage failures.
pub async fn public_round(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<PublicRound, ServiceError> {
    let r = round_by_slug(db, slug)
        .await?
        .filter(|r| r.is_public())
        .ok_or(ServiceError::NotFound)?;
    let detail = load_in(db, r).await?;
    let rows: Vec<(Option<Uuid>, Option<String>)> = application::Entity::find()
        .select_only()
        .column(application::Column::FormationId)
        .column(application::Column::KelurahanCode)
        .filter(application::Column::RoundId.eq(detail.round.id))
        .filter(application::Column::State.is_in([
            ApplicationState::Submitted,
            ApplicationState::Eligible,
            ApplicationState::Ineligible,
        ]))
        .into_tuple()
        .all(db)
        .await?;
    let kec_of: BTreeMap<String, String> = kelurahan::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.kecamatan_code))
        .collect();
    let mut counts = Counts::default();
    for (fid, kel) in rows {
        counts.total += 1;
        if let Some(fid) = fid {
            *counts.by_formation.entry(fid).or_default() += 1;
        }
        if let Some(kel) = kel {
            if let Some(kec) = kec_of.get(&kel) {
                *counts.by_kecamatan.entry(kec.clone()).or_default() += 1;
            }
            *counts.by_kelurahan.entry(kel).or_default() += 1;
        }
    }
    let shortlists = crate::services::shortlists::published(db, detail.round.id).await?;
    Ok(PublicRound {
        detail,
        counts,
        shortlists,
    })
}

/// Kelurahan without RT rows, for the RT-count form: `(code, name, rt_count)`.
///
/// # Errors
/// Storage failures.
pub async fn kelurahan_without_rts(
    db: &DatabaseConnection,
) -> Result<Vec<(String, String, Option<i32>)>, ServiceError> {
    let with: BTreeSet<String> = rt::Entity::find()
        .select_only()
        .column(rt::Column::KelurahanCode)
        .distinct()
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(kelurahan::Entity::find()
        .order_by_asc(kelurahan::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .filter(|k| !with.contains(&k.code))
        .map(|k| (k.code, k.name, k.rt_count))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_templates_are_valid_rule_sets() {
        let ts = templates().expect("templates");
        assert_eq!(ts.len(), 2);
        for t in &ts {
            let all = t.criteria_drafts();
            // A staged template is a rule set per stage.
            let mut stages: Vec<Option<String>> =
                t.stages.iter().map(|s| Some(s.code.clone())).collect();
            if stages.is_empty() {
                stages.push(None);
            }
            assert_eq!(
                t.stages_draft().plan().map(|p| p.validate()),
                (!t.stages.is_empty()).then_some(Ok(()))
            );
            for stage in stages {
                let drafts: Vec<_> = all.iter().filter(|c| c.stage == stage).cloned().collect();
                let rules = RoundRules {
                    aggregation: Aggregation::Mean,
                    passing_total: t.settings.passing_total.and_then(|p| u32::try_from(p).ok()),
                    min_panelists: 3,
                    criteria: drafts
                        .iter()
                        .map(|c| Criterion {
                            code: c.code.clone(),
                            kind: c.kind,
                            scale_min: c.scale_min.into(),
                            scale_max: c.scale_max.into(),
                            weight: u32::try_from(c.weight).unwrap_or(0),
                            pass_min: c.pass_min.map(i64::from),
                            tiebreak_order: c.tiebreak_order.and_then(|o| u32::try_from(o).ok()),
                        })
                        .collect(),
                    seed: String::new(),
                };
                assert_eq!(rules.validate(), Ok(()), "{} {stage:?}", t.code);
            }
            let p = t.programme_settings();
            let reqs = t.requirement_drafts().expect("requirements");
            assert_eq!(
                reqs.iter().filter(|r| r.kind == "domicile").count(),
                1,
                "{}",
                t.code
            );
            if t.code == "tpp2023" {
                // A facilitator round names neither Pokmas nor Probebaya.
                let texts = format!("{p:?} {reqs:?} {:?}", t.criteria);
                assert!(
                    !texts.contains("Pokmas") && !texts.contains("Probebaya"),
                    "{texts}"
                );
                assert_eq!(
                    p.domicile_rule,
                    crate::domain::programme::DomicileRule::City
                );
                assert_eq!(t.stages.len(), 2);
            }
            for c in &all {
                let text = crate::domain::round::format_scale_labels(&c.labels);
                assert!(
                    parse_scale_labels(&text, c.scale_min.into(), c.scale_max.into()).is_ok(),
                    "{} {}",
                    t.code,
                    c.code
                );
            }
        }
        assert!(ts.iter().any(|t| {
            t.criteria
                .iter()
                .any(|c| c.kind == "imported" && c.scale_max == 100)
        }));
        let reqs = default_requirements().expect("requirements");
        assert!(reqs.iter().any(|r| r.kind == "age"));
        assert!(reqs.iter().any(|r| r.kind == "domicile"));
    }

    #[test]
    fn the_criteria_form_says_what_weight_is_missing() {
        let f = form(&[
            ("c0_code", "k1"),
            ("c0_name_id", "Integritas"),
            ("c0_scale_min", "1"),
            ("c0_scale_max", "2"),
            ("c0_weight", "85"),
            ("c0_labels", "1 = Kurang\n2 = Baik"),
        ]);
        let errs = CriteriaDraft::try_from(&f).expect_err("85");
        assert_eq!(errs["weights"].id, "Total bobot 85; kurang 15.");
        let f = form(&[
            ("c0_code", "k1"),
            ("c0_name_id", "Integritas"),
            ("c0_scale_min", "1"),
            ("c0_scale_max", "2"),
            ("c0_weight", "100"),
            ("c0_labels", "1 = Kurang\n2 = Baik"),
            ("c0_tiebreak_order", "2"),
        ]);
        let errs = CriteriaDraft::try_from(&f).expect_err("tiebreak 2 without 1");
        assert!(errs.contains_key("tiebreak"));
    }

    #[test]
    fn settings_with_dates_out_of_order_name_the_later_date() {
        let f = form(&[
            ("name", "Rekrutmen Pokmas"),
            ("year", "2027"),
            ("registration_opens_at", "2027-01-10T08:00"),
            ("registration_closes_at", "2027-01-05T08:00"),
        ]);
        let errs = RoundSettings::parse(&f).expect_err("order");
        assert!(errs.contains_key("registration_closes_at"), "{errs:?}");
        let ok = RoundSettings::parse(&form(&[("name", "Rekrutmen Pokmas"), ("year", "2027")]))
            .expect("ok");
        assert_eq!(ok.min_panelists, 3);
    }
}
