//! Replacing a selected member after the final result, four-eyes.
//!
//! One admin proposes (`approval.requested`, kind `member.replace`) that a
//! selected member withdrew or is disqualified, with a written reason.
//! Another admin approves; in that one transaction:
//!
//! 1. `approval.approved`;
//! 2. the member's application becomes `withdrawn` or `disqualified`
//!    (`application.withdrawn_after_final` / `application.disqualified`,
//!    naming the approval, both admins and any office the member held,
//!    which is cleared);
//! 3. the formation is re-ranked with that event as cause through the one
//!    door ([`crate::services::standings::recompute_formation`]): the member
//!    loses their rank, the next reserve becomes selected and everyone below
//!    moves up, each with a `ranking.changed` naming the event;
//! 4. a mail to the member and one to the promoted reserve;
//! 5. a signed checkpoint (`promotion`) over all of it.
//!
//! The exports carry the new eligibility (`withdrawn`, `disqualified`) in
//! `rankings.csv`, so `audit recompute` re-derives the new ranks.

use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{require_admin, require_final};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{account, application, approval, formation, group_role, ranking, round};
use crate::domain::approval::ApprovalStatus;
use crate::mail::templates::{MembershipChange, MembershipMail};
use crate::mail::{Template, enqueue_for_round};
use crate::services::ServiceError;
use crate::services::results::{
    ApprovalRequest, for_second_admin, recipient, request_approval_audited, settle_approval,
};
use crate::services::self_service::MailCtx;

/// `approval.kind` of a proposed replacement.
pub const KIND_REPLACE: &str = "member.replace";

/// Checkpoint reason of an approved replacement.
pub const CHECKPOINT_REASON: &str = "promotion";

pub use crate::domain::after_final::Departure;

#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    departure: String,
}

fn require_reason(reason: &str) -> Result<&str, ServiceError> {
    let reason = reason.trim();
    let n = reason.chars().count();
    if !(10..=2000).contains(&n) {
        return Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Tuliskan alasannya (10–2000 karakter).",
            "Give the reason (10–2000 characters).",
        )));
    }
    Ok(reason)
}

/// The application, its round (final) and its formation, if it is a
/// selected member now.
async fn selected_member<C: ConnectionTrait>(
    tx: &C,
    application_id: Uuid,
) -> Result<(application::Model, round::Model, formation::Model), ServiceError> {
    let app = application::Entity::find_by_id(application_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let r = round::Entity::find_by_id(app.round_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    require_final(&r)?;
    let row = ranking::Entity::find_by_id(app.id).one(tx).await?;
    let f = match (row, app.formation_id) {
        (Some(row), Some(f)) if row.status.as_deref() == Some("selected") => {
            formation::Entity::find_by_id(f).one(tx).await?
        }
        _ => None,
    }
    .ok_or_else(|| {
        ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Pendaftar ini bukan anggota terpilih.",
            "This applicant is not a selected member.",
        ))
    })?;
    Ok((app, r, f))
}

/// One admin proposes that a selected member withdrew or is disqualified.
/// Returns the approval id; nothing changes until another admin approves.
///
/// # Errors
/// `Forbidden` unless an admin; `Invalid` without a reason; `Conflict` when
/// the round is not final, the applicant is not selected, or a proposal for
/// them is already pending; `NotFound` for an unknown application or one of
/// another round.
pub async fn request_replacement(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    application_id: Uuid,
    departure: Departure,
    reason: &str,
) -> Result<Uuid, ServiceError> {
    let admin = require_admin(actor)?;
    let reason = require_reason(reason)?;
    let tx = begin_write(db).await?;
    let (app, r, f) = selected_member(&tx, application_id).await?;
    if r.id != round_id {
        return Err(ServiceError::NotFound);
    }
    let payload = serde_json::to_string(&Payload {
        departure: departure.as_str().into(),
    })
    .map_err(|e| ServiceError::Internal(e.into()))?;
    let no = app.registration_no.clone().unwrap_or_default();
    let id = request_approval_audited(
        &tx,
        actor,
        ApprovalRequest {
            round_id: r.id,
            kind: KIND_REPLACE,
            subject: ("application", app.id.to_string()),
            payload,
            reason,
            requested_by: admin,
            now: OffsetDateTime::now_utc(),
        },
        crate::domain::msg::Msg::new(
            "Penggantian anggota ini sudah menunggu persetujuan admin lain.",
            "A replacement of this member already awaits another admin.",
        ),
        serde_json::json!({
            "application_id": app.id.to_string(),
            "registration_no": no,
            "formation_code": f.code,
            "departure": departure.as_str(),
        }),
        Some(no.clone()),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(approval.id = %id, application.registration_no = %no, "replacement requested");
    Ok(id)
}

/// The pending replacements of a round, oldest first.
///
/// # Errors
/// Storage failures.
pub async fn pending<C: ConnectionTrait>(
    db: &C,
    round_id: Uuid,
) -> Result<Vec<super::PendingReplacement>, ServiceError> {
    let rows = approval::Entity::find()
        .filter(approval::Column::Kind.eq(KIND_REPLACE))
        .filter(approval::Column::RoundId.eq(round_id))
        .filter(approval::Column::Status.eq(ApprovalStatus::Pending))
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for a in rows {
        let p: Payload = serde_json::from_str(&a.payload).map_err(|e| anyhow::anyhow!(e))?;
        let app = match a.subject_id.parse::<Uuid>() {
            Ok(id) => application::Entity::find_by_id(id).one(db).await?,
            Err(_) => None,
        };
        let requester = account::Entity::find_by_id(a.requested_by)
            .one(db)
            .await?
            .map(|x| x.name)
            .unwrap_or_default();
        out.push(super::PendingReplacement {
            registration_no: app
                .as_ref()
                .and_then(|x| x.registration_no.clone())
                .unwrap_or_default(),
            full_name: app.map(|x| x.full_name).unwrap_or_default(),
            departure: Departure::parse(&p.departure)
                .ok_or_else(|| anyhow::anyhow!("unknown departure {}", p.departure))?,
            requested_by_name: requester,
            approval: a.into(),
        });
    }
    out.sort_by_key(|p| p.approval.requested_at);
    Ok(out)
}

/// Per round, how many proposed replacements `admin` may decide (pending,
/// not proposed by `admin`), for the approvals page.
///
/// # Errors
/// Storage failures.
pub async fn waiting_for<C: ConnectionTrait>(
    db: &C,
    admin: Uuid,
) -> Result<std::collections::BTreeMap<Uuid, usize>, ServiceError> {
    let rows = approval::Entity::find()
        .filter(approval::Column::Kind.eq(KIND_REPLACE))
        .filter(approval::Column::Status.eq(ApprovalStatus::Pending))
        .filter(approval::Column::RequestedBy.ne(admin))
        .all(db)
        .await?;
    let mut out = std::collections::BTreeMap::new();
    for a in rows {
        if let Some(r) = a.round_id {
            *out.entry(r).or_default() += 1;
        }
    }
    Ok(out)
}

/// What an approved replacement did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replaced {
    /// Seq of the departure event (the cause of every rank change).
    pub cause_seq: i64,
    /// The reserve who became selected, if there was one.
    pub promoted: Option<String>,
    /// Seq of the signed checkpoint.
    pub checkpoint_seq: i64,
}

/// A different admin approves or rejects a proposed replacement (see the
/// module documentation for what approval does, in one transaction).
/// Returns `None` for a rejection.
///
/// # Errors
/// `Forbidden` unless an admin other than the proposer; `NotFound` for an
/// unknown or decided request; `Conflict` when the member is no longer
/// selected or the round no longer final.
pub async fn decide_replacement(
    db: &DatabaseConnection,
    key: &crate::services::checkpoints::CheckpointKey,
    mail: &MailCtx<'_>,
    actor: Actor,
    approval_id: Uuid,
    approve: bool,
    note: &str,
) -> Result<Option<Replaced>, ServiceError> {
    let admin = require_admin(actor)?;
    let tx = begin_write(db).await?;
    let a = for_second_admin(
        approval::Entity::find_by_id(approval_id)
            .one(&tx)
            .await?
            .filter(|a| a.status == ApprovalStatus::Pending && a.kind == KIND_REPLACE),
        admin,
    )?;
    let p: Payload = serde_json::from_str(&a.payload).map_err(|e| anyhow::anyhow!(e))?;
    let departure = Departure::parse(&p.departure)
        .ok_or_else(|| anyhow::anyhow!("unknown departure {}", p.departure))?;
    let app_id: Uuid = a
        .subject_id
        .parse()
        .map_err(|_| anyhow::anyhow!("replacement request without application"))?;
    // Checked again as of now: the member may have been replaced since.
    let checked = if approve {
        Some(selected_member(&tx, app_id).await?)
    } else {
        None
    };
    let decided = settle_approval(
        &tx,
        actor,
        &a,
        approve,
        OffsetDateTime::now_utc(),
        note,
        NewEvent::new(actor, "", "approval", a.id.to_string())
            .payload(serde_json::json!({ "application_id": app_id.to_string() })),
    )
    .await?;
    let Some((app, r, f)) = checked else {
        tx.commit().await?;
        tracing::info!(approval.id = %a.id, "replacement rejected");
        return Ok(None);
    };
    let now = OffsetDateTime::now_utc();
    let no = app.registration_no.clone().unwrap_or_default();
    let mut m: application::ActiveModel = app.clone().into();
    m.state = Set(departure.state());
    if departure == Departure::Withdrawn {
        m.withdrawn_at = Set(Some(now));
    }
    m.updated_at = Set(now);
    m.update(&tx).await?;
    // An office dies with the membership; the admin names a new holder.
    let office = group_role::Entity::find_by_id(app.id).one(&tx).await?;
    if office.is_some() {
        group_role::Entity::delete_by_id(app.id).exec(&tx).await?;
    }
    let event = append(
        &tx,
        NewEvent::new(actor, departure.action(), "application", app.id.to_string())
            .round(r.id)
            .reason(a.reason.clone())
            .payload(serde_json::json!({
                "registration_no": no,
                "formation_code": f.code,
                "approval_id": a.id.to_string(),
                "approval_seq": decided.seq,
                "requested_by": a.requested_by.to_string(),
                "approved_by": admin.to_string(),
                "office_cleared": office.map(|o| o.role).unwrap_or_default(),
            }))
            .with_registration(no.clone()),
    )
    .await?;
    let changes = crate::services::standings::recompute_formation(&tx, f.id, event.seq).await?;
    let promoted = changes
        .iter()
        .find(|c| c.from_status == "reserve" && c.to_status == "selected");
    let link = format!("{}/seleksi/{}/hasil/{}", mail.base_url, r.slug, f.code);
    let mut letters = vec![(
        app.clone(),
        match departure {
            Departure::Withdrawn => MembershipChange::Withdrawn,
            Departure::Disqualified => MembershipChange::Disqualified {
                reason: a.reason.clone(),
            },
        },
    )];
    if let Some(c) = promoted
        && let Some(up) = application::Entity::find_by_id(c.application_id)
            .one(&tx)
            .await?
    {
        letters.push((up, MembershipChange::Promoted { rank: c.to_rank }));
    }
    for (person, change) in letters {
        if let Some((to, locale)) = recipient(&tx, mail.vault, &person).await? {
            let template = Template::MembershipChanged(MembershipMail {
                name: person.full_name.clone(),
                registration_no: person.registration_no.clone().unwrap_or_default(),
                round_name: r.name.clone(),
                change,
                link: link.clone(),
            });
            enqueue_for_round(
                &tx,
                &to,
                &person.full_name,
                locale,
                &template,
                mail.from,
                &r.programme(),
            )
            .await?;
        }
    }
    let checkpoint = crate::services::checkpoints::record(&tx, key, CHECKPOINT_REASON).await?;
    tx.commit().await?;
    let promoted = promoted.map(|c| c.registration_no.clone());
    tracing::info!(approval.id = %a.id, application.registration_no = %no, promoted = ?promoted, "member replaced");
    Ok(Some(Replaced {
        cause_seq: event.seq,
        promoted,
        checkpoint_seq: checkpoint.seq,
    }))
}
