//! Objections (sanggahan) against published results.
//!
//! The life of an objection, each step one transaction with its event:
//!
//! 1. [`file`]: during the objection window (round state `objection`, before
//!    its scheduled end) an applicant contests their own result, with written
//!    grounds and optionally a document (`objection.filed`). The response
//!    deadline is [`RESPONSE_DAYS`] days after filing.
//! 2. [`assign`]: an admin names a reviewer, an admin or an operator or
//!    panelist covering the kelurahan, who made none of the contested
//!    decisions: neither a verification of this application nor one of its
//!    scorecards (`objection.reviewer_assigned`).
//! 3. [`propose`]: the reviewer proposes `accepted` or `rejected` with reasons
//!    and, when accepting, the step to reopen: the verification (with the new
//!    eligibility) or one named panelist's scorecard. The proposal waits in an
//!    `approval` row (`objection.decision_proposed`).
//! 4. [`decide`]: a second admin, not the reviewer, approves or sends it back.
//!    Approval writes `approval.approved` and `objection.decided` naming both
//!    (the proposer and the approver), e-mails the applicant and lists the
//!    decision publicly. A reopened verification changes the eligibility at
//!    once and re-ranks with `objection.decided` as the cause; a reopened
//!    scorecard lets that panelist amend it (with a reason) until the results
//!    are final, the amendment (`score.amended`, carrying `objection_id`)
//!    being the cause of the rank changes.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::ServiceError;
use super::self_service::MailCtx;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    account, account_scope, application, approval, document, formation, idempotency_key, objection,
    requirement_check, round, scorecard,
};
use crate::domain::application::ApplicationState;
use crate::domain::msg::Msg;
use crate::domain::role::Role;
use crate::domain::round::RoundState;
use crate::mail::{Template, enqueue};
use crate::services::standings::recompute_formation;

/// The `approval.kind` of a proposed objection decision.
pub const KIND_DECIDE: &str = "objection.decide";
/// Days the city has to answer an objection, counted from filing.
pub const RESPONSE_DAYS: i64 = 7;
/// Longest grounds or reasons text accepted.
const MAX_TEXT: usize = 4000;

fn invalid(id: &str, en: &str) -> ServiceError {
    ServiceError::invalid(crate::domain::msg::Msg::new(id, en))
}

fn account_of(actor: Actor) -> Result<(Uuid, Role), ServiceError> {
    match actor {
        Actor::Account { id, role } => Ok((id, role)),
        Actor::System => Err(ServiceError::Forbidden),
    }
}

fn require_admin(actor: Actor) -> Result<Uuid, ServiceError> {
    match account_of(actor)? {
        (id, Role::Admin) => Ok(id),
        _ => Err(ServiceError::Forbidden),
    }
}

/// `what` names the field in both languages.
fn text_between(text: &str, min: usize, what: (&str, &str)) -> Result<String, ServiceError> {
    let t = text.trim();
    let n = t.chars().count();
    let (id, en) = what;
    if n < min || n > MAX_TEXT {
        return Err(ServiceError::Invalid(Msg::new(
            format!("{id} wajib diisi, {min}–{MAX_TEXT} karakter."),
            format!("{en} must be given, {min}–{MAX_TEXT} characters."),
        )));
    }
    if !crate::domain::text::plain_text(t, true) {
        return Err(ServiceError::Invalid(Msg::new(
            format!("{id} berisi karakter yang tidak diizinkan."),
            format!("{en} contains characters that are not allowed."),
        )));
    }
    Ok(t.to_owned())
}

/// Which step an accepted objection reopens.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Reopen {
    /// Nothing: the objection is rejected.
    None,
    /// The verification: eligibility is re-decided to `eligible`.
    Verification { eligible: bool },
    /// One panelist's scorecard: that panelist may amend it.
    Scorecard { panelist_id: Uuid },
}

impl Reopen {
    fn code(&self) -> &'static str {
        match self {
            Reopen::None => "none",
            Reopen::Verification { .. } => "verification",
            Reopen::Scorecard { .. } => "scorecard",
        }
    }
}

/// A reviewer's proposal, stored as the approval's payload.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Proposal {
    pub accepted: bool,
    pub reasons: String,
    pub reopen: Reopen,
}

/// An objection with what the pages show about it.
#[derive(Clone, Debug)]
pub struct ObjectionView {
    pub objection: objection::Model,
    pub registration_no: String,
    pub full_name: String,
    pub formation_code: String,
    pub kelurahan_code: String,
    pub reviewer_name: Option<String>,
    /// The pending or approved proposal, with its proposer and approver.
    pub proposal: Option<(Proposal, approval::Model)>,
    /// Undecided past its response deadline.
    pub overdue: bool,
    /// The channel, the assisting operator and the contested items, for
    /// objections filed since that was recorded.
    pub filing: Option<crate::db::entities::objection_filing::Model>,
}

async fn load_app<C: ConnectionTrait>(
    tx: &C,
    application_id: Uuid,
) -> Result<(application::Model, round::Model), ServiceError> {
    let app = application::Entity::find_by_id(application_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let r = round::Entity::find_by_id(app.round_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((app, r))
}

/// Whether the objection window of `r` is open at `now`.
#[must_use]
pub fn window_open(r: &round::Model, now: OffsetDateTime) -> bool {
    r.state == RoundState::Objection && r.objection_ends_at.is_none_or(|end| now < end)
}

/// A document attached to an objection, already checked by content.
pub struct Attachment<'a> {
    pub store: &'a crate::storage::FileStore,
    pub bytes: Vec<u8>,
    pub original_name: String,
}

/// The applicant files an objection against their own published result.
/// Returns the objection id; a repeated `idempotency_key` returns the first.
///
/// # Errors
/// `NotFound` for someone else's application; `Conflict` outside the window,
/// for an application without a published result, or with an objection
/// already open; `Invalid` for grounds that are too short or too long, or a
/// document that is not PDF/JPEG/PNG or too large.
pub async fn file(
    db: &DatabaseConnection,
    actor: Actor,
    application_id: Uuid,
    grounds: &str,
    attachment: Option<Attachment<'_>>,
    idempotency_key: &str,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    file_as(
        db,
        Filer::Account(actor),
        application_id,
        Filing {
            grounds,
            contested: &[],
            attachment,
            idempotency_key,
        },
        now,
    )
    .await
}

/// Who files an objection.
#[derive(Clone, Copy, Debug)]
pub enum Filer<'a> {
    /// The applicant, signed in to their account.
    Account(Actor),
    /// The resident of an assisted application, with registration number
    /// and status PIN (already checked by the caller).
    StatusPin,
    /// An operator covering the kelurahan of an assisted application, at the
    /// help desk with the resident present (or an admin); recorded as the
    /// assistant.
    Desk(crate::services::applications::Acting<'a>),
}

/// What the objection says.
pub struct Filing<'a> {
    pub grounds: &'a str,
    /// What is contested: `verification`, `tie` or criterion codes.
    pub contested: &'a [String],
    pub attachment: Option<Attachment<'a>>,
    pub idempotency_key: &'a str,
}

/// Who may read and file objections on `app`: its signed-in applicant, or
/// for an assisted application an operator covering its kelurahan (or an admin).
fn may_object(acting: crate::services::applications::Acting<'_>, app: &application::Model) -> bool {
    match acting.actor {
        Actor::Account { id, .. } if app.account_id == Some(id) => true,
        _ => app.account_id.is_none() && acting.may_edit(app),
    }
}

/// Files an objection through any channel ([`file`] is the signed-in
/// applicant's). The row's `filed_by` is an account: the applicant, the desk
/// operator, or for a PIN filing the operator who registered the resident
/// (the account that holds the assisted application); `objection_filing`
/// says which channel it came through and who assisted.
///
/// # Errors
/// As [`file`]; `NotFound` when the filer may not object on the application.
pub async fn file_as(
    db: &DatabaseConnection,
    filer: Filer<'_>,
    application_id: Uuid,
    filing: Filing<'_>,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    let Filing {
        grounds,
        contested,
        attachment,
        idempotency_key,
    } = filing;
    let grounds = text_between(grounds, 20, ("Alasan sanggahan", "The grounds"))?;
    let tx = begin_write(db).await?;
    let (app, r) = load_app(&tx, application_id).await?;
    let (who, actor, channel, assisted_by) = match filer {
        Filer::Account(actor) => {
            let (who, _) = account_of(actor)?;
            if app.account_id != Some(who) {
                return Err(ServiceError::NotFound);
            }
            (who, actor, "account", None)
        }
        Filer::Desk(acting) => {
            let (who, _) = account_of(acting.actor)?;
            if app.account_id.is_some() || !may_object(acting, &app) {
                return Err(ServiceError::NotFound);
            }
            (who, acting.actor, "desk", Some(who))
        }
        Filer::StatusPin => {
            let holder = app
                .assisted_by
                .filter(|_| app.account_id.is_none())
                .ok_or(ServiceError::NotFound)?;
            (holder, Actor::System, "status_pin", None)
        }
    };
    let contested = clean_contested(contested);
    let scope = format!("objection:{who}");
    let key = idempotency_key.trim();
    let key = (!key.is_empty() && key.len() <= 100).then_some(key);
    let request_hash = crate::domain::lottery::sha256_hex(&format!("{}:{grounds}", app.id));
    if let Some(k) = key
        && let Some(found) = idempotency_key::Entity::find_by_id((scope.clone(), k.to_owned()))
            .one(&tx)
            .await?
    {
        return match found.response_location.and_then(|l| l.parse().ok()) {
            Some(id) if found.request_hash == request_hash => Ok(id),
            _ => Err(ServiceError::Conflict(Msg::new(
                "Formulir ini sudah dikirim. Muat ulang halaman lalu coba lagi.",
                "This form was already sent. Reload the page and try again.",
            ))),
        };
    }
    if !window_open(&r, now) {
        return Err(ServiceError::Conflict(Msg::new(
            "Masa sanggah tidak sedang dibuka untuk seleksi ini.",
            "The objection window of this round is not open.",
        )));
    }
    let ranked = crate::db::entities::ranking::Entity::find_by_id(app.id)
        .one(&tx)
        .await?
        .is_some_and(|x| x.published);
    if !ranked {
        return Err(ServiceError::Conflict(Msg::new(
            "Pendaftaran ini tidak memiliki hasil yang diumumkan.",
            "This application has no published result.",
        )));
    }
    let open = objection::Entity::find()
        .filter(objection::Column::ApplicationId.eq(app.id))
        .filter(objection::Column::Status.is_not_in(["accepted", "rejected"]))
        .one(&tx)
        .await?;
    if open.is_some() {
        return Err(ServiceError::Conflict(Msg::new(
            "Sanggahan Anda atas hasil ini masih diproses.",
            "Your objection against this result is still being handled.",
        )));
    }
    let document_id = match attachment {
        Some(a) => {
            let name = crate::services::documents::clean_original_name(&a.original_name);
            let stored = crate::services::documents::store_upload(&tx, a.store, a.bytes, &name)
                .await
                .map_err(|e| {
                    ServiceError::Invalid(crate::domain::msg::Msg::new(
                        e.message(crate::domain::lang::Lang::Id),
                        e.message(crate::domain::lang::Lang::En),
                    ))
                })?;
            let id = Uuid::now_v7();
            document::ActiveModel {
                id: Set(id),
                application_id: Set(app.id),
                requirement_id: Set(None),
                sha256: Set(stored.sha256),
                original_name: Set(name),
                uploaded_by: Set((channel != "status_pin").then_some(who)),
                created_at: Set(now),
            }
            .insert(&tx)
            .await?;
            Some(id)
        }
        None => None,
    };
    let id = Uuid::now_v7();
    let deadline = now + Duration::days(RESPONSE_DAYS);
    objection::ActiveModel {
        id: Set(id),
        round_id: Set(r.id),
        application_id: Set(app.id),
        filed_by: Set(who),
        grounds: Set(grounds),
        document_id: Set(document_id),
        status: Set("filed".into()),
        reviewer_id: Set(None),
        decision_reason: Set(String::new()),
        deadline_at: Set(deadline),
        filed_at: Set(now),
        decided_at: Set(None),
        approval_id: Set(None),
    }
    .insert(&tx)
    .await?;
    crate::db::entities::objection_filing::ActiveModel {
        objection_id: Set(id),
        channel: Set(channel.to_owned()),
        assisted_by: Set(assisted_by),
        contested: Set(contested.clone()),
    }
    .insert(&tx)
    .await?;
    if let Some(k) = key {
        idempotency_key::ActiveModel {
            scope: Set(scope),
            key: Set(k.to_owned()),
            request_hash: Set(request_hash),
            status_code: Set(Some(303)),
            response_location: Set(Some(id.to_string())),
            created_at: Set(now),
        }
        .insert(&tx)
        .await?;
    }
    let no = app.registration_no.clone().unwrap_or_default();
    append(
        &tx,
        NewEvent::new(actor, "objection.filed", "objection", id.to_string())
            .round(r.id)
            .payload(serde_json::json!({
                "objection_id": id.to_string(),
                "registration_no": no,
                "document": if document_id.is_some() { "yes" } else { "no" },
                "deadline_at": crate::domain::audit::format_at(deadline),
                "channel": channel,
                "assisted_by": assisted_by.map(|a| a.to_string()).unwrap_or_default(),
                "contested": contested,
            }))
            .with_registration(no.clone()),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(objection.id = %id, application.registration_no = %no, "objection filed");
    Ok(id)
}

/// The picked contested items, kept only if well-formed (short codes of
/// letters, digits, `_` and `-`), without repeats, space-separated.
fn clean_contested(picked: &[String]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for p in picked {
        let p = p.trim();
        if !p.is_empty()
            && p.len() <= 40
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && !out.contains(&p)
        {
            out.push(p);
        }
    }
    out.join(" ")
}

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
        .filter(approval::Column::Status.eq("approved"))
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

async fn lock_objection<C: ConnectionTrait>(
    tx: &C,
    id: Uuid,
) -> Result<objection::Model, ServiceError> {
    objection::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)
}

fn still_open(r: &round::Model) -> Result<(), ServiceError> {
    if r.state == RoundState::Final || r.state == RoundState::Cancelled {
        return Err(ServiceError::Conflict(Msg::new(
            "Hasil seleksi sudah ditetapkan; sanggahan tidak dapat diproses lagi.",
            "The results are final; objections can no longer be handled.",
        )));
    }
    Ok(())
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
    if !matches!(o.status.as_str(), "filed" | "in_review") {
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
        .filter(|a| a.status == "active")
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
        status: Set("in_review".into()),
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

/// The assigned reviewer proposes a decision; it waits for a second admin.
/// Returns the approval id.
///
/// # Errors
/// `Forbidden` for anyone but the assigned reviewer; `Invalid` for reasons
/// that are too short, a rejection that reopens something, or a scorecard of
/// a panelist who did not submit one; `Conflict` when a proposal is pending
/// or the objection is decided.
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
    if o.status != "in_review" {
        return Err(ServiceError::Conflict(Msg::new(
            "Sanggahan ini sudah memiliki usulan keputusan atau sudah diputus.",
            "This objection already has a proposed decision or was decided.",
        )));
    }
    let (app, r) = load_app(&tx, o.application_id).await?;
    still_open(&r)?;
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
        status: Set("proposed".into()),
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
/// it too); `NotFound` without a pending proposal; `Conflict` once final.
pub async fn decide(
    db: &DatabaseConnection,
    mail: &MailCtx<'_>,
    actor: Actor,
    objection_id: Uuid,
    approve: bool,
    note: &str,
) -> Result<(), ServiceError> {
    let admin = require_admin(actor)?;
    let tx = begin_write(db).await?;
    let o = lock_objection(&tx, objection_id).await?;
    let a = match o.approval_id {
        Some(aid) if o.status == "proposed" => approval::Entity::find_by_id(aid)
            .one(&tx)
            .await?
            .filter(|a| a.status == "pending")
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
            status: Set("in_review".into()),
            approval_id: Set(None),
            ..Default::default()
        }
        .update(&tx)
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let status = if proposal.accepted {
        "accepted"
    } else {
        "rejected"
    };
    objection::ActiveModel {
        id: Set(o.id),
        status: Set(status.into()),
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
    if let Some((to, locale)) = crate::services::results::recipient(&tx, mail.vault, &app).await? {
        let template = Template::ObjectionDecided {
            name: app.full_name.clone(),
            registration_no: no.clone(),
            accepted: proposal.accepted,
            reasons: proposal.reasons.clone(),
            link: format!("{}/pendaftaran/{}", mail.base_url, app.id),
            headline: Some(
                super::applications::timeline(&tx, mail.vault, &r, app.id, now)
                    .await?
                    .headline,
            ),
        };
        enqueue(&tx, &to, &app.full_name, locale, &template, mail.from).await?;
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
        .filter(objection::Column::Status.eq("accepted"))
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

async fn view_of<C: ConnectionTrait>(
    db: &C,
    o: objection::Model,
    now: OffsetDateTime,
) -> Result<ObjectionView, ServiceError> {
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
            .and_then(|a| Some((serde_json::from_str(&a.payload).ok()?, a))),
        None => None,
    };
    let decided = matches!(o.status.as_str(), "accepted" | "rejected");
    let filing = crate::db::entities::objection_filing::Entity::find_by_id(o.id)
        .one(db)
        .await?;
    Ok(ObjectionView {
        filing,
        overdue: !decided && now > o.deadline_at,
        registration_no: app.registration_no.unwrap_or_default(),
        full_name: app.full_name,
        kelurahan_code: app.kelurahan_code.unwrap_or_default(),
        formation_code,
        reviewer_name,
        proposal,
        objection: o,
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
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        out.push(view_of(db, o, now).await?);
    }
    Ok(out)
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
) -> Result<(application::Model, round::Model, Vec<ObjectionView>), ServiceError> {
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
) -> Result<(application::Model, round::Model, Vec<ObjectionView>), ServiceError> {
    account_of(acting.actor)?;
    let (app, r) = load_app(db, application_id).await?;
    if !may_object(acting, &app) {
        return Err(ServiceError::NotFound);
    }
    let views = views_of_application(db, app.id, now).await?;
    Ok((app, r, views))
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
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        out.push(view_of(db, o, now).await?);
    }
    Ok(out)
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
        .filter(objection::Column::Status.eq("in_review"))
        .order_by_asc(objection::Column::DeadlineAt)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        out.push(view_of(db, o, now).await?);
    }
    Ok(out)
}

/// A reviewer an admin may pick: `(account id, name, role)`.
pub type ReviewerOption = (Uuid, String, String);

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
        .filter(account::Column::Status.eq("active"))
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
