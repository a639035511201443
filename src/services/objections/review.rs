//! Naming a reviewer: an admin picks someone who made none of the
//! contested decisions.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::{invalid, load_app, lock_objection, require_admin, still_open};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    account, account_scope, approval, objection, requirement_check, scorecard,
};
use crate::domain::account::AccountStatus;
use crate::domain::approval::ApprovalStatus;
use crate::domain::msg::Msg;
use crate::domain::objection::ObjectionStatus;
use crate::services::ServiceError;

/// Everyone who made a decision the objection may contest: the operators and
/// admins who checked the application's requirements or approved a change of
/// them, and the panelists who submitted a scorecard for it.
async fn contested_deciders<C: ConnectionTrait>(
    tx: &C,
    application_id: Uuid,
) -> Result<Vec<Uuid>, ServiceError> {
    let mut out: Vec<Uuid> = requirement_check::Entity::find()
        .filter(requirement_check::Column::ApplicationId.eq(application_id))
        .all(tx)
        .await?
        .into_iter()
        .filter_map(|c| c.checked_by)
        .collect();
    for a in approval::Entity::find()
        .filter(approval::Column::SubjectType.eq("application"))
        .filter(approval::Column::SubjectId.eq(application_id.to_string()))
        .filter(approval::Column::Status.eq(ApprovalStatus::Approved))
        .all(tx)
        .await?
    {
        out.push(a.requested_by);
        out.extend(a.decided_by);
    }
    out.extend(
        scorecard::Entity::find()
            .filter(scorecard::Column::ApplicationId.eq(application_id))
            .filter(scorecard::Column::CurrentVersion.gt(0))
            .all(tx)
            .await?
            .into_iter()
            .map(|c| c.panelist_id),
    );
    out.sort();
    out.dedup();
    Ok(out)
}

/// An admin assigns (or re-assigns, before a proposal) the reviewer.
///
/// # Errors
/// `Forbidden` unless an admin; `NotFound` for an unknown objection;
/// `Invalid` for a reviewer who is not an active admin, or an operator or
/// panelist of the kelurahan, who made a contested decision, or who filed the objection;
/// `Conflict` once a decision is proposed or taken.
pub async fn assign(
    db: &DatabaseConnection,
    actor: Actor,
    objection_id: Uuid,
    reviewer_id: Uuid,
) -> Result<(), ServiceError> {
    require_admin(actor)?;
    let tx = begin_write(db).await?;
    let o = lock_objection(&tx, objection_id).await?;
    if !o.status.awaits_review() {
        return Err(ServiceError::Conflict(Msg::new(
            "Keputusan atas sanggahan ini sudah diusulkan atau diambil.",
            "A decision on this objection was already proposed or taken.",
        )));
    }
    let (app, r) = load_app(&tx, o.application_id).await?;
    still_open(&r)?;
    let reviewer = account::Entity::find_by_id(reviewer_id)
        .one(&tx)
        .await?
        .filter(|a| a.status == AccountStatus::Active)
        .ok_or_else(|| {
            invalid(
                "Peninjau tidak ditemukan atau tidak aktif.",
                "The reviewer was not found or is not active.",
            )
        })?;
    let covers = match reviewer.role.as_str() {
        "admin" => true,
        "operator" | "panelist" => account_scope::Entity::find()
            .filter(account_scope::Column::AccountId.eq(reviewer.id))
            .all(&tx)
            .await?
            .iter()
            .any(|s| Some(&s.kelurahan_code) == app.kelurahan_code.as_ref()),
        _ => false,
    };
    if !covers {
        return Err(invalid(
            "Peninjau harus admin, atau operator atau penilai yang membawahi kelurahan pendaftar.",
            "The reviewer must be an admin, or an operator or panelist responsible for the applicant's kelurahan.",
        ));
    }
    if reviewer.id == o.filed_by || app.account_id == Some(reviewer.id) {
        return Err(invalid(
            "Pengaju sanggahan tidak dapat meninjau sanggahannya sendiri.",
            "Whoever filed an objection cannot review it.",
        ));
    }
    if contested_deciders(&tx, app.id)
        .await?
        .contains(&reviewer.id)
    {
        return Err(invalid(
            "Peninjau tidak boleh orang yang membuat keputusan yang disanggah (pemeriksa persyaratan atau penilai pendaftar ini).",
            "The reviewer may not be someone who made the contested decision (the verifier or a panelist of this applicant).",
        ));
    }
    objection::ActiveModel {
        id: Set(o.id),
        reviewer_id: Set(Some(reviewer.id)),
        status: Set(ObjectionStatus::InReview),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let no = app.registration_no.clone().unwrap_or_default();
    append(
        &tx,
        NewEvent::new(
            actor,
            "objection.reviewer_assigned",
            "objection",
            o.id.to_string(),
        )
        .round(r.id)
        .payload(serde_json::json!({
            "objection_id": o.id.to_string(),
            "registration_no": no,
            "reviewer_id": reviewer.id.to_string(),
        }))
        .with_registration(no.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub use crate::domain::objection::ReviewerOption;

/// Accounts an admin may pick as reviewer for an objection (active admins and
/// the kelurahan's operators and panelists, minus whoever made a contested
/// decision).
///
/// # Errors
/// `Forbidden` unless an admin; storage failures.
pub async fn reviewer_options(
    db: &DatabaseConnection,
    actor: Actor,
    objection_id: Uuid,
) -> Result<Vec<ReviewerOption>, ServiceError> {
    require_admin(actor)?;
    let o = objection::Entity::find_by_id(objection_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let (app, _) = load_app(db, o.application_id).await?;
    let excluded = contested_deciders(db, app.id).await?;
    let mut out = Vec::new();
    for a in account::Entity::find()
        .filter(account::Column::Status.eq(AccountStatus::Active))
        .filter(account::Column::Role.is_in(["admin", "operator", "panelist"]))
        .order_by_asc(account::Column::Name)
        .all(db)
        .await?
    {
        if excluded.contains(&a.id) {
            continue;
        }
        if a.role != "admin" {
            let covers = account_scope::Entity::find()
                .filter(account_scope::Column::AccountId.eq(a.id))
                .all(db)
                .await?
                .iter()
                .any(|s| Some(&s.kelurahan_code) == app.kelurahan_code.as_ref());
            if !covers {
                continue;
            }
        }
        out.push((a.id, a.name, a.role));
    }
    Ok(out)
}
