//! Objections as their readers see them: per round, one by one, per
//! application, per reviewer, and the panelists a reopening may name.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ObjectionView, account_of, load_app, may_object, require_admin};
use crate::db::audit::Actor;
use crate::db::entities::{account, application, approval, formation, objection, scorecard};
use crate::domain::application_view::Application;
use crate::domain::objection::ObjectionStatus;
use crate::domain::role::Role;
use crate::domain::round::Round;
use crate::services::ServiceError;

/// Each objection of `rows` as its readers see it, in the order given.
async fn views_of<C: ConnectionTrait>(
    db: &C,
    rows: Vec<objection::Model>,
    now: OffsetDateTime,
) -> Result<Vec<ObjectionView>, ServiceError> {
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        out.push(view_of(db, o, now).await?);
    }
    Ok(out)
}

/// The application objection `o` is about, with its formation's code (empty
/// when it has none).
///
/// # Errors
/// `NotFound` when the application is gone; storage failures.
pub(crate) async fn objected_application<C: ConnectionTrait>(
    db: &C,
    o: &objection::Model,
) -> Result<(application::Model, String), ServiceError> {
    let app = application::Entity::find_by_id(o.application_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let formation_code = match app.formation_id {
        Some(f) => formation::Entity::find_by_id(f)
            .one(db)
            .await?
            .map(|f| f.code)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok((app, formation_code))
}

async fn view_of<C: ConnectionTrait>(
    db: &C,
    o: objection::Model,
    now: OffsetDateTime,
) -> Result<ObjectionView, ServiceError> {
    let (app, formation_code) = objected_application(db, &o).await?;
    let reviewer_name = match o.reviewer_id {
        Some(id) => account::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|a| a.name),
        None => None,
    };
    let proposal = match o.approval_id {
        Some(aid) => approval::Entity::find_by_id(aid)
            .one(db)
            .await?
            .and_then(|a| Some((serde_json::from_str(&a.payload).ok()?, a.into()))),
        None => None,
    };
    let decided = o.status.is_decided();
    let filing = crate::db::entities::objection_filing::Entity::find_by_id(o.id)
        .one(db)
        .await?;
    let stage_code = crate::db::entities::objection_stage::Entity::find_by_id(o.id)
        .one(db)
        .await?
        .map(|s| s.stage_code);
    Ok(ObjectionView {
        filing: filing.map(Into::into),
        stage_code,
        overdue: !decided && now > o.deadline_at,
        registration_no: app.registration_no.unwrap_or_default(),
        full_name: app.full_name,
        kelurahan_code: app.kelurahan_code.unwrap_or_default(),
        formation_code,
        reviewer_name,
        proposal,
        objection: o.into(),
    })
}

/// The objections of a round for the admin list, oldest deadline first.
///
/// # Errors
/// `Forbidden` unless an admin; storage failures.
pub async fn list_for_round(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    now: OffsetDateTime,
) -> Result<Vec<ObjectionView>, ServiceError> {
    require_admin(actor)?;
    let rows = objection::Entity::find()
        .filter(objection::Column::RoundId.eq(round_id))
        .order_by_asc(objection::Column::DeadlineAt)
        .all(db)
        .await?;
    views_of(db, rows, now).await
}

/// One objection for its admin, its reviewer or the applicant who filed it.
///
/// # Errors
/// `NotFound` for anyone else (so nobody learns that it exists).
pub async fn get(
    db: &DatabaseConnection,
    actor: Actor,
    objection_id: Uuid,
    now: OffsetDateTime,
) -> Result<ObjectionView, ServiceError> {
    let (who, role) = account_of(actor)?;
    let o = objection::Entity::find_by_id(objection_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let allowed = role == Role::Admin
        || role == Role::Auditor
        || o.reviewer_id == Some(who)
        || o.filed_by == who;
    if !allowed {
        return Err(ServiceError::NotFound);
    }
    view_of(db, o, now).await
}

/// The objections the applicant filed on one of their applications.
///
/// # Errors
/// `NotFound` for someone else's application.
pub async fn for_application(
    db: &DatabaseConnection,
    actor: Actor,
    application_id: Uuid,
    now: OffsetDateTime,
) -> Result<(Application, Round, Vec<ObjectionView>), ServiceError> {
    let acting = crate::services::applications::Acting { actor, scopes: &[] };
    for_application_as(db, acting, application_id, now).await
}

/// The objections on one application, for its applicant or, for an assisted
/// application, an operator covering its kelurahan (or an admin) at the desk.
///
/// # Errors
/// `NotFound` for anyone else.
pub async fn for_application_as(
    db: &DatabaseConnection,
    acting: crate::services::applications::Acting<'_>,
    application_id: Uuid,
    now: OffsetDateTime,
) -> Result<(Application, Round, Vec<ObjectionView>), ServiceError> {
    account_of(acting.actor)?;
    let (app, r) = load_app(db, application_id).await?;
    if !may_object(acting, &app) {
        return Err(ServiceError::NotFound);
    }
    let views = views_of_application(db, app.id, now).await?;
    Ok((app.into(), r.into(), views))
}

/// The objections on an assisted application whose number and status PIN
/// the caller has checked.
///
/// # Errors
/// Storage failures.
pub async fn for_assisted(
    db: &DatabaseConnection,
    application_id: Uuid,
    now: OffsetDateTime,
) -> Result<Vec<ObjectionView>, ServiceError> {
    views_of_application(db, application_id, now).await
}

async fn views_of_application(
    db: &DatabaseConnection,
    application_id: Uuid,
    now: OffsetDateTime,
) -> Result<Vec<ObjectionView>, ServiceError> {
    let app_id = application_id;
    let rows = objection::Entity::find()
        .filter(objection::Column::ApplicationId.eq(app_id))
        .order_by_asc(objection::Column::FiledAt)
        .all(db)
        .await?;
    views_of(db, rows, now).await
}

/// The objections assigned to a reviewer that still await a proposal.
///
/// # Errors
/// Storage failures.
pub async fn assigned_to(
    db: &DatabaseConnection,
    actor: Actor,
    now: OffsetDateTime,
) -> Result<Vec<ObjectionView>, ServiceError> {
    let (who, _) = account_of(actor)?;
    let rows = objection::Entity::find()
        .filter(objection::Column::ReviewerId.eq(who))
        .filter(objection::Column::Status.eq(ObjectionStatus::InReview))
        .order_by_asc(objection::Column::DeadlineAt)
        .all(db)
        .await?;
    views_of(db, rows, now).await
}

/// The panelists who submitted a scorecard for the objection's application,
/// for the reviewer's "reopen a scorecard" choice.
///
/// # Errors
/// Storage failures.
pub async fn scoring_panelists<C: ConnectionTrait>(
    db: &C,
    application_id: Uuid,
) -> Result<Vec<(Uuid, String)>, ServiceError> {
    let mut out = Vec::new();
    for c in scorecard::Entity::find()
        .filter(scorecard::Column::ApplicationId.eq(application_id))
        .filter(scorecard::Column::CurrentVersion.gt(0))
        .all(db)
        .await?
    {
        let name = account::Entity::find_by_id(c.panelist_id)
            .one(db)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        out.push((c.panelist_id, name));
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}
