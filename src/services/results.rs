//! Published results: the public
//! results of a round read from the stored `ranking` rows (never recomputed
//! for display), the result e-mails of a publication, and finalization behind
//! a four-eyes approval.
//!
//! Publication itself is the round's transition to `provisional`
//! ([`crate::services::rounds::transition_mailing`]), which calls
//! [`mail_results`] in its transaction; finalization is
//! [`request_finalization`] by one admin and [`approve_finalization`] by
//! another, whose transaction moves the round to `final`, mails the final
//! results and signs the final checkpoint.

/// A four-eyes approval as stored.
pub use crate::db::entities::approval::Model as Approval;
use std::collections::{BTreeMap, HashMap};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ServiceError;
use super::self_service::MailCtx;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    account, application, approval, audit_checkpoint, audit_event, formation, kelurahan, objection,
    ranking, round,
};
use crate::domain::ranking::{format_rounded_2dp, parse_fraction};
use crate::domain::round::RoundState;
use crate::mail::templates::ResultStatus;
use crate::mail::{Locale, Template, enqueue};

/// The `approval.kind` of a finalization request.
pub const KIND_FINALIZE: &str = "round.finalize";

fn invalid(id: &str, en: &str) -> ServiceError {
    ServiceError::invalid(crate::domain::msg::Msg::new(id, en))
}

pub(crate) fn require_admin(actor: Actor) -> Result<Uuid, ServiceError> {
    actor.admin_id().ok_or(ServiceError::Forbidden)
}

/// One line of a formation's public results.
#[derive(Clone, Debug)]
pub struct ResultRow {
    pub application_id: Uuid,
    pub registration_no: String,
    /// Empty unless the applicant is selected or reserve: the others are
    /// shown by registration number only.
    pub full_name: String,
    /// Rounded to two decimals, empty while pending.
    pub total_2dp: String,
    /// Exact total `p/q`, empty while pending.
    pub total_exact: String,
    pub rank: Option<i32>,
    /// `selected`, `reserve`, `not_selected`, `not_passed`, or `pending`.
    pub status: String,
}

/// The public results of one formation.
#[derive(Clone, Debug)]
pub struct FormationResults {
    pub formation: formation::Model,
    pub kelurahan_name: String,
    /// Ranked first (by rank), then not passed, then pending, each by number.
    pub rows: Vec<ResultRow>,
}

/// A signed checkpoint of a publication.
#[derive(Clone, Debug)]
pub struct PublishedCheckpoint {
    pub seq: i64,
    pub hash: String,
    /// `provisional` or `final`.
    pub reason: String,
    pub note: String,
    pub created_at: OffsetDateTime,
}

/// A decided objection as the public sees it: no name, no grounds.
#[derive(Clone, Debug)]
pub struct PublicDecision {
    pub registration_no: String,
    pub formation_code: String,
    pub accepted: bool,
    pub reasons: String,
    pub decided_at: Option<OffsetDateTime>,
}

/// The public results of a round.
#[derive(Clone, Debug)]
pub struct RoundResults {
    pub round: round::Model,
    pub formations: Vec<FormationResults>,
    pub checkpoints: Vec<PublishedCheckpoint>,
    pub decisions: Vec<PublicDecision>,
}

/// The published round with this slug.
///
/// # Errors
/// `NotFound` when there is none or its results are not published.
pub async fn published_round<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<round::Model, ServiceError> {
    super::rounds::round_by_slug(db, slug)
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
    let names: BTreeMap<String, String> = kelurahan::Entity::find()
        .filter(kelurahan::Column::Code.is_in(formations.iter().map(|f| f.kelurahan_code.clone())))
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect();
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
            formation: f,
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
        .filter(objection::Column::Status.is_in(["accepted", "rejected"]))
        .order_by_asc(objection::Column::DecidedAt)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        let app = application::Entity::find_by_id(o.application_id)
            .one(db)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let code = match app.formation_id {
            Some(f) => formation::Entity::find_by_id(f)
                .one(db)
                .await?
                .map(|f| f.code)
                .unwrap_or_default(),
            None => String::new(),
        };
        out.push(PublicDecision {
            registration_no: app.registration_no.unwrap_or_default(),
            formation_code: code,
            accepted: o.status == "accepted",
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
    Ok(RoundResults {
        round: r,
        formations,
        checkpoints,
        decisions,
    })
}

fn result_status(s: &str) -> Option<ResultStatus> {
    match s {
        "selected" => Some(ResultStatus::Selected),
        "reserve" => Some(ResultStatus::Reserve),
        "not_passed" => Some(ResultStatus::NotPassed),
        "not_selected" => Some(ResultStatus::NotSelected),
        _ => None,
    }
}

/// Where to mail an applicant, in which language: the address on the
/// application, else the account's; `None` for an assisted application
/// without any address.
///
/// # Errors
/// Storage failures.
pub async fn recipient<C: ConnectionTrait>(
    tx: &C,
    vault: &crate::pii::NikVault,
    app: &application::Model,
) -> Result<Option<(String, Locale)>, anyhow::Error> {
    let acc = match app.account_id {
        Some(id) => account::Entity::find_by_id(id).one(tx).await?,
        None => None,
    };
    let email = super::data_keys::personal_of(tx, vault, app).await?.email;
    let to = if email.trim().is_empty() {
        acc.as_ref().map(|a| a.email.clone()).unwrap_or_default()
    } else {
        email.trim().to_owned()
    };
    let locale = acc.map_or(Locale::Id, |a| Locale::parse(&a.locale));
    Ok((!to.is_empty()).then_some((to, locale)))
}

/// [`recipient`] of many applications, with their accounts and data keys
/// read in one query each.
///
/// # Errors
/// As [`recipient`].
pub async fn recipients<C: ConnectionTrait>(
    tx: &C,
    vault: &crate::pii::NikVault,
    apps: &[application::Model],
) -> Result<HashMap<Uuid, (String, Locale)>, anyhow::Error> {
    let personal = super::data_keys::personal_of_many(tx, vault, apps).await?;
    let account_ids: Vec<Uuid> = apps.iter().filter_map(|a| a.account_id).collect();
    let mut accounts: HashMap<Uuid, account::Model> = HashMap::new();
    for chunk in account_ids.chunks(500) {
        for acc in account::Entity::find()
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .all(tx)
            .await?
        {
            accounts.insert(acc.id, acc);
        }
    }
    let mut out = HashMap::with_capacity(apps.len());
    for a in apps {
        let acc = a.account_id.and_then(|id| accounts.get(&id));
        let email = personal.get(&a.id).map_or("", |p| p.email.trim());
        let to = if email.is_empty() {
            acc.map(|acc| acc.email.clone()).unwrap_or_default()
        } else {
            email.to_owned()
        };
        if !to.is_empty() {
            let locale = acc.map_or(Locale::Id, |acc| Locale::parse(&acc.locale));
            out.insert(a.id, (to, locale));
        }
    }
    Ok(out)
}

/// Queues a result e-mail (provisional or final, by `final_result`) to every
/// ranked applicant of the round with an address, in the caller's
/// (publishing) transaction. Returns how many were queued.
///
/// # Errors
/// Storage failures.
pub async fn mail_results(
    tx: &crate::db::WriteTx,
    mail: &MailCtx<'_>,
    round_id: Uuid,
    final_result: bool,
) -> Result<usize, ServiceError> {
    let r = round::Entity::find_by_id(round_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut sent = 0;
    // One query for the applications and one for their data keys, not one
    // each per ranked applicant.
    let apps = application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .all(tx)
        .await?;
    let to_of = recipients(tx, mail.vault, &apps).await?;
    let apps: HashMap<Uuid, application::Model> = apps.into_iter().map(|a| (a.id, a)).collect();
    for fr in formation_results(tx, &r, None).await? {
        for row in &fr.rows {
            let Some(status) = result_status(&row.status) else {
                continue;
            };
            let Some(app) = apps.get(&row.application_id) else {
                continue;
            };
            let Some((to, locale)) = to_of.get(&app.id).cloned() else {
                continue;
            };
            let link = format!(
                "{}/seleksi/{}/hasil/{}",
                mail.base_url, r.slug, fr.formation.code
            );
            let rank = row.rank.and_then(|x| u32::try_from(x).ok());
            // The status page's headline for this result, word for word.
            let headline = crate::domain::status_headline::headline(
                &super::applications::Timeline {
                    result: Some((row.rank, Some(row.status.clone()))),
                    objection_window: r.provisional_at.zip(r.objection_ends_at),
                    ..Default::default()
                }
                .facts(app.state, final_result, time::OffsetDateTime::now_utc()),
            );
            let template = if final_result {
                Template::FinalResultNotice {
                    name: app.full_name.clone(),
                    registration_no: row.registration_no.clone(),
                    status,
                    rank,
                    link,
                    headline: Some(headline.clone()),
                }
            } else {
                Template::ResultNotice {
                    name: app.full_name.clone(),
                    registration_no: row.registration_no.clone(),
                    status,
                    rank,
                    link,
                    headline: Some(headline.clone()),
                }
            };
            enqueue(tx, &to, &app.full_name, locale, &template, mail.from).await?;
            sent += 1;
        }
    }
    Ok(sent)
}

/// The pending finalization request of a round, if any.
///
/// # Errors
/// Storage failures.
pub async fn pending_finalization<C: ConnectionTrait>(
    db: &C,
    round_id: Uuid,
) -> Result<Option<approval::Model>, ServiceError> {
    Ok(approval::Entity::find()
        .filter(approval::Column::Kind.eq(KIND_FINALIZE))
        .filter(approval::Column::SubjectId.eq(round_id.to_string()))
        .filter(approval::Column::Status.eq("pending"))
        .one(db)
        .await?)
}

/// Refuses finalization while the round is not in its objection period, an
/// objection is undecided or the schedule does not allow it yet.
async fn check_finalizable<C: ConnectionTrait>(
    tx: &C,
    r: &round::Model,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let from = Some(r.state)
        .ok_or_else(|| anyhow::anyhow!("round {} has unknown state {}", r.id, r.state))?;
    crate::domain::round::check_transition(from, RoundState::Final, &r.schedule(), now)
        .map_err(ServiceError::Conflict)?;
    let open = objection::Entity::find()
        .filter(objection::Column::RoundId.eq(r.id))
        .filter(objection::Column::Status.is_not_in(["accepted", "rejected"]))
        .count(tx)
        .await?;
    if open > 0 {
        return Err(ServiceError::conflict(crate::domain::msg::Msg::new(
            format!("Masih ada {open} sanggahan yang belum diputus; hasil belum dapat ditetapkan."),
            format!(
                "{open} objection(s) are still undecided; the results cannot be made final yet."
            ),
        )));
    }
    Ok(())
}

pub(crate) fn from_round(e: crate::services::rounds::RoundError) -> ServiceError {
    use crate::services::rounds::RoundError;
    match e {
        RoundError::Invalid(m) => {
            use crate::domain::msg::Msg;
            let join = |pick: fn(&Msg) -> &str| m.values().map(pick).collect::<Vec<_>>().join(" ");
            ServiceError::Conflict(Msg::new(join(|x| &x.id), join(|x| &x.en)))
        }
        RoundError::NotFound => ServiceError::NotFound,
        RoundError::Forbidden => ServiceError::Forbidden,
        RoundError::Db(e) => ServiceError::Db(e),
        RoundError::Internal(e) => ServiceError::Internal(e),
    }
}

/// A four-eyes request to store.
pub(crate) struct ApprovalRequest<'a> {
    pub round_id: Uuid,
    pub kind: &'static str,
    /// `(subject_type, subject_id)`.
    pub subject: (&'static str, String),
    /// JSON text of what approval will apply.
    pub payload: String,
    pub reason: &'a str,
    pub requested_by: Uuid,
    pub now: OffsetDateTime,
}

/// Stores a pending four-eyes request and returns its id.
///
/// # Errors
/// `Conflict` with `pending_msg` when one is already pending for the same
/// kind and subject; storage failures.
pub(crate) async fn request_approval<C: ConnectionTrait>(
    tx: &C,
    req: ApprovalRequest<'_>,
    pending_msg: crate::domain::msg::Msg,
) -> Result<Uuid, ServiceError> {
    let id = Uuid::now_v7();
    let inserted = approval::ActiveModel {
        id: Set(id),
        round_id: Set(Some(req.round_id)),
        kind: Set(req.kind.into()),
        subject_type: Set(req.subject.0.into()),
        subject_id: Set(req.subject.1),
        payload: Set(req.payload),
        reason: Set(req.reason.to_owned()),
        requested_by: Set(req.requested_by),
        requested_at: Set(req.now),
        status: Set("pending".into()),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(String::new()),
    }
    .insert(tx)
    .await;
    match inserted {
        Ok(_) => Ok(id),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(ServiceError::conflict(pending_msg))
        }
        Err(e) => Err(e.into()),
    }
}

/// Decides a pending four-eyes request `a` by `actor`, only if it is still
/// pending (two admins deciding at once: the second finds nothing to
/// decide), and appends `approval.approved` or `approval.rejected`: `event`
/// with its action, round, reason and the names set here (`kind`,
/// `requested_by`, `decided_by`) added to its payload.
///
/// # Errors
/// `NotFound` when the request is no longer pending; storage failures.
pub(crate) async fn settle_approval(
    tx: &crate::db::WriteTx,
    actor: Actor,
    a: &approval::Model,
    approve: bool,
    now: OffsetDateTime,
    note: &str,
    mut event: NewEvent,
) -> Result<audit_event::Model, ServiceError> {
    use sea_orm::sea_query::Expr;
    let decided_by = require_admin(actor)?;
    let updated = approval::Entity::update_many()
        .col_expr(
            approval::Column::Status,
            Expr::value(if approve { "approved" } else { "rejected" }),
        )
        .col_expr(approval::Column::DecidedBy, Expr::value(decided_by))
        .col_expr(approval::Column::DecidedAt, Expr::value(now))
        .col_expr(
            approval::Column::DecisionReason,
            Expr::value(note.trim().to_owned()),
        )
        .filter(approval::Column::Id.eq(a.id))
        .filter(approval::Column::Status.eq("pending"))
        .exec(tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ServiceError::NotFound);
    }
    event.action = if approve {
        "approval.approved"
    } else {
        "approval.rejected"
    };
    event.round_id = a.round_id;
    event.reason = note.trim().to_owned();
    event.payload["kind"] = a.kind.clone().into();
    event.payload["requested_by"] = a.requested_by.to_string().into();
    event.payload["decided_by"] = decided_by.to_string().into();
    Ok(append(tx, event).await?)
}

/// One admin asks to finalize a round's results; another must approve
/// ([`approve_finalization`]). Returns the approval id.
///
/// # Errors
/// `Forbidden` unless an admin; `Invalid` without a reason; `Conflict` when
/// the round cannot be finalized yet or a request is already pending.
pub async fn request_finalization(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    reason: &str,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    let admin = require_admin(actor)?;
    let reason = reason.trim();
    if reason.chars().count() < 5 {
        return Err(invalid(
            "Tuliskan dasar penetapan hasil akhir (minimal 5 karakter).",
            "Write the grounds for the final results (at least 5 characters).",
        ));
    }
    let tx = begin_write(db).await?;
    let r = round::Entity::find_by_id(round_id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    check_finalizable(&tx, &r, now).await?;
    let id = request_approval(
        &tx,
        ApprovalRequest {
            round_id: r.id,
            kind: KIND_FINALIZE,
            subject: ("round", r.id.to_string()),
            payload: "{}".into(),
            reason,
            requested_by: admin,
            now,
        },
        crate::domain::msg::Msg::new(
            "Permintaan penetapan hasil akhir sudah menunggu persetujuan.",
            "A request to make the results final already awaits approval.",
        ),
    )
    .await?;
    append(
        &tx,
        NewEvent::new(actor, "approval.requested", "approval", id.to_string())
            .round(r.id)
            .reason(reason)
            .payload(serde_json::json!({
                "kind": KIND_FINALIZE,
                "round_id": r.id.to_string(),
                "requested_by": admin.to_string(),
            })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(round.id = %r.id, approval.id = %id, "finalization requested");
    Ok(id)
}

/// A second admin approves (or rejects) the pending finalization request.
/// Approval, in one transaction: `approval.approved`, the round moves to
/// `final` (`round.finalized`, naming both admins), the final result
/// e-mails are queued and the final checkpoint is signed over all of it.
/// From then on no score, eligibility or objection can change.
///
/// # Errors
/// `Forbidden` unless an admin other than the requester; `NotFound` without
/// a pending request; `Conflict` when the round can no longer be finalized.
pub async fn decide_finalization(
    db: &DatabaseConnection,
    key: &crate::services::checkpoints::CheckpointKey,
    mail: &MailCtx<'_>,
    actor: Actor,
    round_id: Uuid,
    approve: bool,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let admin = require_admin(actor)?;
    let tx = begin_write(db).await?;
    let a = pending_finalization(&tx, round_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if a.requested_by == admin {
        return Err(ServiceError::Forbidden);
    }
    let r = round::Entity::find_by_id(round_id)
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if approve {
        check_finalizable(&tx, &r, now).await?;
    }
    let decided = settle_approval(
        &tx,
        actor,
        &a,
        approve,
        now,
        "",
        NewEvent::new(actor, "", "approval", a.id.to_string())
            .payload(serde_json::json!({ "round_id": r.id.to_string() })),
    )
    .await?;
    if approve {
        let extra = serde_json::json!({
            "approval_id": a.id.to_string(),
            "approval_seq": decided.seq,
            "requested_by": a.requested_by.to_string(),
            "approved_by": admin.to_string(),
        });
        crate::services::rounds::apply_transition(
            &tx,
            key,
            Some(mail),
            actor,
            r,
            RoundState::Final,
            &a.reason,
            now,
            Some(extra),
        )
        .await
        .map_err(from_round)?;
    }
    tx.commit().await?;
    tracing::info!(round.id = %round_id, approved = approve, "finalization decided");
    Ok(())
}

/// What the admin's results page of a round shows.
#[derive(Clone, Debug)]
pub struct Overview {
    pub round: round::Model,
    pub checkpoints: Vec<PublishedCheckpoint>,
    pub open_objections: usize,
    pub overdue_objections: usize,
    /// The pending finalization request and its requester's name.
    pub pending: Option<(approval::Model, String)>,
}

/// The admin's overview of a round's results, objections and finalization.
///
/// # Errors
/// `Forbidden` unless an admin; `NotFound` for an unknown round.
pub async fn overview(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    now: OffsetDateTime,
) -> Result<Overview, ServiceError> {
    require_admin(actor)?;
    let r = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let open: Vec<objection::Model> = objection::Entity::find()
        .filter(objection::Column::RoundId.eq(r.id))
        .filter(objection::Column::Status.is_not_in(["accepted", "rejected"]))
        .all(db)
        .await?;
    let pending = match pending_finalization(db, r.id).await? {
        Some(a) => {
            let name = account::Entity::find_by_id(a.requested_by)
                .one(db)
                .await?
                .map(|x| x.name)
                .unwrap_or_default();
            Some((a, name))
        }
        None => None,
    };
    Ok(Overview {
        checkpoints: round_checkpoints(db, r.id).await?,
        open_objections: open.len(),
        overdue_objections: open.iter().filter(|o| now > o.deadline_at).count(),
        pending,
        round: r,
    })
}
