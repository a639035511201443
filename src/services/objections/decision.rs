//! The reviewer's proposal and the second admin's decision on it; an
//! accepted objection reopens the verification or one scorecard.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    KIND_DECIDE, Proposal, Reopen, account_of, invalid, load_app, lock_objection, require_admin,
    still_open, text_between,
};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{application, approval, objection, scorecard};
use crate::domain::application::ApplicationState;
use crate::domain::approval::ApprovalStatus;
use crate::domain::msg::Msg;
use crate::domain::objection::ObjectionStatus;
use crate::mail::{Template, enqueue_for_round};
use crate::services::ServiceError;
use crate::services::checkpoints::CheckpointKey;
use crate::services::self_service::MailCtx;
use crate::services::standings::recompute_formation;

/// The assigned reviewer proposes a decision; it waits for a second admin.
/// Returns the approval id.
///
/// # Errors
/// `Forbidden` for anyone but the assigned reviewer; `Invalid` for reasons
/// that are too short, a rejection that reopens something, or a scorecard of
/// a panelist who did not submit one; `Conflict` when a proposal is pending
/// or the objection is decided, or when upholding an objection against a
/// stage shortlist that can no longer change (the next stage's is published).
pub async fn propose(
    db: &DatabaseConnection,
    actor: Actor,
    objection_id: Uuid,
    proposal: Proposal,
) -> Result<Uuid, ServiceError> {
    let (who, _) = account_of(actor)?;
    let reasons = text_between(&proposal.reasons, 10, ("Alasan keputusan", "The reasons"))?;
    let proposal = Proposal {
        reasons: reasons.clone(),
        ..proposal
    };
    if proposal.accepted == (proposal.reopen == Reopen::None) {
        return Err(if proposal.accepted {
            invalid(
                "Sanggahan yang diterima harus membuka kembali satu tahap: verifikasi atau lembar nilai seorang penilai.",
                "An upheld objection must reopen one stage: the verification or one panelist's scorecard.",
            )
        } else {
            invalid(
                "Sanggahan yang ditolak tidak membuka kembali tahap apa pun.",
                "A rejected objection reopens no stage.",
            )
        });
    }
    let tx = begin_write(db).await?;
    let o = lock_objection(&tx, objection_id).await?;
    if o.reviewer_id != Some(who) {
        return Err(ServiceError::Forbidden);
    }
    if o.status != ObjectionStatus::InReview {
        return Err(ServiceError::Conflict(Msg::new(
            "Sanggahan ini sudah memiliki usulan keputusan atau sudah diputus.",
            "This objection already has a proposed decision or was decided.",
        )));
    }
    let (app, r) = load_app(&tx, o.application_id).await?;
    still_open(&r)?;
    let against_stage = crate::db::entities::objection_stage::Entity::find_by_id(o.id)
        .one(&tx)
        .await?;
    if let (Some(st), Reopen::Scorecard { .. }) = (&against_stage, &proposal.reopen) {
        return Err(invalid(
            &format!(
                "Sanggahan atas daftar lolos tahap {} hanya dapat membuka kembali verifikasi: nilai tahap yang daftar lolosnya sudah diterbitkan tidak berubah.",
                st.stage_code
            ),
            &format!(
                "An objection against the shortlist of stage {} can reopen only the verification: the values of a stage whose shortlist is published do not change.",
                st.stage_code
            ),
        ));
    }
    // Upholding it could never be approved once the next stage's shortlist
    // is out (`decide` refuses it the same way); a rejection stays possible,
    // as it is the only way this objection can still be closed.
    if let (Some(st), true) = (&against_stage, proposal.accepted) {
        crate::services::shortlists::still_changeable(&tx, r.id, &st.stage_code).await?;
    }
    if let Reopen::Scorecard { panelist_id } = &proposal.reopen {
        let submitted = scorecard::Entity::find()
            .filter(scorecard::Column::ApplicationId.eq(app.id))
            .filter(scorecard::Column::PanelistId.eq(*panelist_id))
            .filter(scorecard::Column::CurrentVersion.gt(0))
            .one(&tx)
            .await?
            .is_some();
        if !submitted {
            return Err(invalid(
                "Penilai itu tidak memiliki lembar nilai terkirim untuk pendaftar ini.",
                "That panelist has no submitted scorecard for this applicant.",
            ));
        }
    }
    let approval_id = crate::services::results::request_approval(
        &tx,
        crate::services::results::ApprovalRequest {
            round_id: r.id,
            kind: KIND_DECIDE,
            subject: ("objection", o.id.to_string()),
            payload: serde_json::to_string(&proposal).map_err(|e| anyhow::anyhow!(e))?,
            reason: &reasons,
            requested_by: who,
            now: OffsetDateTime::now_utc(),
        },
        crate::domain::msg::Msg::new(
            "Usulan keputusan untuk sanggahan ini sudah menunggu persetujuan.",
            "A proposed decision on this objection already awaits approval.",
        ),
    )
    .await?;
    objection::ActiveModel {
        id: Set(o.id),
        status: Set(ObjectionStatus::Proposed),
        approval_id: Set(Some(approval_id)),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let no = app.registration_no.clone().unwrap_or_default();
    append(
        &tx,
        NewEvent::new(
            actor,
            "objection.decision_proposed",
            "objection",
            o.id.to_string(),
        )
        .round(r.id)
        .reason(reasons)
        .payload(proposal_payload(&o, &no, &proposal, approval_id))
        .with_registration(no.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(approval_id)
}

fn proposal_payload(
    o: &objection::Model,
    no: &str,
    p: &Proposal,
    approval_id: Uuid,
) -> serde_json::Value {
    let mut v = serde_json::json!({
        "objection_id": o.id.to_string(),
        "registration_no": no,
        "decision": if p.accepted { "accepted" } else { "rejected" },
        "reopen": p.reopen.code(),
        "approval_id": approval_id.to_string(),
    });
    match &p.reopen {
        Reopen::Scorecard { panelist_id } => v["panelist_id"] = panelist_id.to_string().into(),
        Reopen::Verification { eligible } => {
            v["eligibility"] = if *eligible { "eligible" } else { "ineligible" }.into();
        }
        Reopen::None => {}
    }
    v
}

/// A second admin approves the reviewer's proposal, or sends it back for a
/// new one (`approve = false`: the objection returns to review).
///
/// # Errors
/// `Forbidden` unless an admin other than the proposer (the database refuses
/// it too); `NotFound` without a pending proposal; `Conflict` once final, or
/// when accepting an objection against a stage shortlist that can no longer
/// change (the next stage's is published).
pub async fn decide(
    db: &DatabaseConnection,
    mail: &MailCtx<'_>,
    key: &CheckpointKey,
    actor: Actor,
    objection_id: Uuid,
    approve: bool,
    note: &str,
) -> Result<(), ServiceError> {
    let admin = require_admin(actor)?;
    let tx = begin_write(db).await?;
    let o = lock_objection(&tx, objection_id).await?;
    let a = match o.approval_id {
        Some(aid) if o.status == ObjectionStatus::Proposed => approval::Entity::find_by_id(aid)
            .one(&tx)
            .await?
            .filter(|a| a.status == ApprovalStatus::Pending)
            .ok_or(ServiceError::NotFound)?,
        _ => return Err(ServiceError::NotFound),
    };
    if a.requested_by == admin {
        return Err(ServiceError::Forbidden);
    }
    let (app, r) = load_app(&tx, o.application_id).await?;
    still_open(&r)?;
    let proposal: Proposal = serde_json::from_str(&a.payload).map_err(|e| anyhow::anyhow!(e))?;
    let now = OffsetDateTime::now_utc();
    let no = app.registration_no.clone().unwrap_or_default();
    let approval_event = crate::services::results::settle_approval(
        &tx,
        actor,
        &a,
        approve,
        now,
        note,
        NewEvent::new(actor, "", "approval", a.id.to_string())
            .payload(serde_json::json!({
                "objection_id": o.id.to_string(),
                "registration_no": no,
            }))
            .with_registration(no.clone()),
    )
    .await?;
    if !approve {
        objection::ActiveModel {
            id: Set(o.id),
            status: Set(ObjectionStatus::InReview),
            approval_id: Set(None),
            ..Default::default()
        }
        .update(&tx)
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let status = if proposal.accepted {
        ObjectionStatus::Accepted
    } else {
        ObjectionStatus::Rejected
    };
    objection::ActiveModel {
        id: Set(o.id),
        status: Set(status),
        decision_reason: Set(proposal.reasons.clone()),
        decided_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let mut payload = proposal_payload(&o, &no, &proposal, a.id);
    payload["proposed_by"] = a.requested_by.to_string().into();
    payload["approved_by"] = admin.to_string().into();
    payload["approval_seq"] = approval_event.seq.into();
    if let Reopen::Verification { .. } = &proposal.reopen {
        payload["from"] = app.state.as_str().into();
    }
    let decided = append(
        &tx,
        NewEvent::new(actor, "objection.decided", "objection", o.id.to_string())
            .round(r.id)
            .reason(proposal.reasons.clone())
            .payload(payload)
            .with_registration(no.clone()),
    )
    .await?;
    if let Reopen::Verification { eligible } = proposal.reopen {
        let to = if eligible {
            ApplicationState::Eligible
        } else {
            ApplicationState::Ineligible
        };
        if app.state != to {
            application::ActiveModel {
                id: Set(app.id),
                state: Set(to),
                eligibility_decided_at: Set(Some(now)),
                updated_at: Set(now),
                ..Default::default()
            }
            .update(&tx)
            .await?;
            if let Some(f) = app.formation_id {
                recompute_formation(&tx, f, decided.seq).await?;
            }
        }
    }
    // An accepted objection against a stage shortlist re-publishes it when
    // the decision changed it.
    if proposal.accepted
        && let Some(st) = crate::db::entities::objection_stage::Entity::find_by_id(o.id)
            .one(&tx)
            .await?
    {
        crate::services::shortlists::republish(
            &tx,
            mail,
            key,
            actor,
            r.id,
            &st.stage_code,
            crate::services::shortlists::Cause::Objection {
                id: o.id,
                seq: decided.seq,
            },
        )
        .await?;
    }
    if let Some((to, locale)) = crate::services::results::recipient(&tx, mail.vault, &app).await? {
        let template = Template::ObjectionDecided {
            name: app.full_name.clone(),
            registration_no: no.clone(),
            accepted: proposal.accepted,
            reasons: proposal.reasons.clone(),
            link: format!("{}/pendaftaran/{}", mail.base_url, app.id),
            headline: Some(
                crate::services::applications::timeline(&tx, mail.vault, &(&r).into(), app.id, now)
                    .await?
                    .headline,
            ),
        };
        enqueue_for_round(
            &tx,
            &to,
            &app.full_name,
            locale,
            &template,
            mail.from,
            &r.programme(),
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(objection.id = %o.id, accepted = proposal.accepted, "objection decided");
    Ok(())
}

/// The accepted objection that reopened `panelist`'s scorecard of this
/// application, if any: only then may a submitted scorecard be amended once
/// results are published.
///
/// # Errors
/// Storage failures.
pub async fn reopened_scorecard<C: ConnectionTrait>(
    tx: &C,
    application_id: Uuid,
    panelist: Uuid,
) -> Result<Option<Uuid>, ServiceError> {
    for o in objection::Entity::find()
        .filter(objection::Column::ApplicationId.eq(application_id))
        .filter(objection::Column::Status.eq(ObjectionStatus::Accepted))
        .all(tx)
        .await?
    {
        let Some(aid) = o.approval_id else { continue };
        let Some(a) = approval::Entity::find_by_id(aid).one(tx).await? else {
            continue;
        };
        if let Ok(Proposal {
            reopen: Reopen::Scorecard { panelist_id },
            ..
        }) = serde_json::from_str::<Proposal>(&a.payload)
            && panelist_id == panelist
        {
            return Ok(Some(o.id));
        }
    }
    Ok(None)
}
