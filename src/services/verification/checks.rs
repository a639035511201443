//! How the requirements of one application stand: the platform's own
//! checks, the latest recorded ones and the uploaded documents.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::db::entities::{application, document, formation_rt, requirement, requirement_check};
use crate::domain::eligibility::{
    AgeLimits, CheckOutcome, check_age, check_domicile_rule, needs_decision,
};
use crate::domain::round::WITA;
use crate::pii::NikVault;
use crate::services::ServiceError;

/// The age and domicile checks the platform makes by itself: age on the
/// registration closing date (a calendar date in WITA), domicile by the
/// round's rule (RT among the formation's RTs, the formation's kelurahan, or
/// the city).
pub(crate) async fn automatic_checks(
    db: &impl ConnectionTrait,
    vault: &NikVault,
    app: &application::Model,
    r: &crate::domain::round::Round,
) -> Result<HashMap<&'static str, CheckOutcome>, ServiceError> {
    let mut out = HashMap::new();
    let birth_date = crate::services::data_keys::personal_of(db, vault, app)
        .await?
        .birth_date;
    if let (Some(birth), Some(closes)) = (birth_date, r.registration_closes_at) {
        let limits = AgeLimits {
            min: r.age_min.and_then(|v| u16::try_from(v).ok()),
            max: r.age_max.and_then(|v| u16::try_from(v).ok()),
        };
        out.insert(
            "age",
            check_age(birth, closes.to_offset(WITA).date(), limits),
        );
    }
    if let (Some(k), Some(rt), Some(f)) = (&app.kelurahan_code, app.rt_number, app.formation_id) {
        let rts = formation_rt::Entity::find()
            .filter(formation_rt::Column::FormationId.eq(f))
            .all(db)
            .await?;
        let formation_kelurahan = crate::db::entities::formation::Entity::find_by_id(f)
            .one(db)
            .await?
            .map(|f| f.kelurahan_code)
            .unwrap_or_default();
        out.insert(
            "domicile",
            check_domicile_rule(
                r.domicile_rule(),
                k,
                rt,
                &formation_kelurahan,
                rts.iter().map(|x| (x.kelurahan_code.as_str(), x.rt_number)),
            ),
        );
    }
    Ok(out)
}

/// The latest check of every requirement of an application.
pub(super) async fn latest_checks(
    db: &impl ConnectionTrait,
    application_id: Uuid,
) -> Result<HashMap<Uuid, requirement_check::Model>, ServiceError> {
    let mut latest: HashMap<Uuid, requirement_check::Model> = HashMap::new();
    for c in requirement_check::Entity::find()
        .filter(requirement_check::Column::ApplicationId.eq(application_id))
        .all(db)
        .await?
    {
        if latest
            .get(&c.requirement_id)
            .is_none_or(|old| old.revision < c.revision)
        {
            latest.insert(c.requirement_id, c);
        }
    }
    Ok(latest)
}

/// The requirements an application uploaded a document for.
pub(super) async fn uploaded_slots(
    db: &impl ConnectionTrait,
    application_id: Uuid,
) -> Result<HashSet<Uuid>, ServiceError> {
    Ok(document::Entity::find()
        .filter(document::Column::ApplicationId.eq(application_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|d| d.requirement_id)
        .collect())
}

/// Whether requirement `q` waits for an MS/TMS decision (see [`needs_decision`]).
pub(super) fn decided_by_operator(q: &requirement::Model, uploaded: &HashSet<Uuid>) -> bool {
    needs_decision(&q.kind, q.mandatory, uploaded.contains(&q.id))
}

pub(super) async fn requirements_of(
    db: &impl ConnectionTrait,
    round_id: Uuid,
) -> Result<Vec<requirement::Model>, ServiceError> {
    Ok(requirement::Entity::find()
        .filter(requirement::Column::RoundId.eq(round_id))
        .order_by_asc(requirement::Column::Position)
        .all(db)
        .await?)
}
