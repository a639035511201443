//! Results, objections and finalization pages.
//!
//! The public results pages are rendered once per (page, language, audit
//! chain head) and kept in memory: every change of anything they show writes
//! an audit event and so moves the head, which makes the old entry
//! unreachable. A request costs one primary-key lookup of the chain head.

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped};
use time::OffsetDateTime;
use uuid::Uuid;

use super::forms::{FormPage, Refusal, Viewer};
use super::multipart;
use super::posted::{Admin, Allowed, Posted, SignedIn};
use super::precompressed::Encoded;
use super::review_cache;
use super::single_flight::SingleFlight;
use super::{Csrf, CurrentUser, path_id};
use crate::app::AppState;
use crate::domain::objection::ObjectionStatus;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::ServiceError;
use crate::services::objections::{self as obj, Proposal, Reopen};
use crate::services::results;
use crate::views::PageCtx;
use crate::views::layout::{Page, layout};
use crate::views::results as v;

// ---------------------------------------------------------------------------
// Public pages and their cache
// ---------------------------------------------------------------------------

/// (page, language, head seq, head hash).
type CacheKey = (String, &'static str, i64, String);

/// Entries beyond this are dropped, keeping the current head's.
const CACHE_LIMIT: usize = 512;

/// Whole documents for anonymous visitors (keyed by the path, which the
/// language switch links back to), compressed once.
fn documents() -> &'static SingleFlight<CacheKey, Arc<Encoded>> {
    static CACHE: OnceLock<SingleFlight<CacheKey, Arc<Encoded>>> = OnceLock::new();
    CACHE.get_or_init(|| SingleFlight::new(CACHE_LIMIT))
}

/// Title and body for signed-in visitors, whose layout differs per person.
fn parts() -> &'static SingleFlight<CacheKey, Arc<(String, String)>> {
    static CACHE: OnceLock<SingleFlight<CacheKey, Arc<(String, String)>>> = OnceLock::new();
    CACHE.get_or_init(|| SingleFlight::new(CACHE_LIMIT))
}

/// Serves `page` from the cache when the audit chain has not moved since it
/// was rendered, else renders it with `build` once, however many ask
/// meanwhile (see [`SingleFlight`]).
async fn cached<F, Fut>(
    app: &AppState,
    ctx: &PageCtx,
    request: &HeaderMap,
    page: String,
    build: F,
) -> AppResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = AppResult<Page>> + Send + 'static,
{
    let (head_seq, head_hash) = app.head.get(&app.db).await?;
    let anonymous = ctx.signed_in.is_none() && ctx.csrf.is_none();
    if anonymous {
        let key: CacheKey = (ctx.path.clone(), ctx.lang.code(), head_seq, head_hash);
        let tag = format!(
            "{}-{}-{}",
            ctx.lang.code(),
            key.2,
            &key.3[..key.3.len().min(16)]
        );
        let doc = documents()
            .get(key, head_seq, || {
                let ctx = ctx.clone();
                let page = build();
                async move {
                    let body = Bytes::from(layout(&ctx, page.await?).into_string());
                    let doc = tokio::task::spawn_blocking(move || Encoded::new(body, &tag))
                        .await
                        .map_err(anyhow::Error::from)?;
                    Ok(Arc::new(doc))
                }
            })
            .await?;
        // Anyone may keep it, but must ask again: the next event changes it.
        return Ok(doc.respond(request, "text/html; charset=utf-8", "public, no-cache"));
    }
    let key: CacheKey = (page, ctx.lang.code(), head_seq, head_hash);
    let entry = parts()
        .get(key, head_seq, || {
            let page = build();
            async move {
                let p = page.await?;
                Ok(Arc::new((p.title, p.body.into_string())))
            }
        })
        .await?;
    Ok(layout(
        ctx,
        Page {
            title: entry.0.clone(),
            body: PreEscaped(entry.1.clone()),
        },
    )
    .into_response())
}

/// `GET /seleksi/{slug}/hasil`.
pub async fn round_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    cached(&app, &ctx, &headers, format!("hasil/{slug}"), || {
        let (app, ctx) = (app.clone(), ctx.clone());
        async move {
            let r = results::round_results(&app.db, &slug, None).await?;
            Ok(v::round_page(&ctx, &r))
        }
    })
    .await
}

/// `GET /seleksi/{slug}/hasil/{code}`.
pub async fn formation_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path((slug, code)): Path<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    cached(&app, &ctx, &headers, format!("hasil/{slug}/{code}"), || {
        let (app, ctx) = (app.clone(), ctx.clone());
        async move {
            let r =
                results::round_results(&app.db, &slug, Some(std::slice::from_ref(&code))).await?;
            let mut page = v::formation_page(&ctx, &r).ok_or(AppError::NotFound)?;
            let review = review_cache::round_review(&app, r.round.id).await?;
            if let Some(f) = review.review.formations.iter().find(|f| f.code == code) {
                let names: Vec<crate::views::panel_review::CriterionName<'_>> = review
                    .criteria
                    .iter()
                    .map(
                        |(code, name_id, name_en)| crate::views::panel_review::CriterionName {
                            code,
                            name_id,
                            name_en,
                        },
                    )
                    .collect();
                let section = crate::views::panel_review::public_section(&ctx, f, &names);
                page.body = maud::html! { (page.body) (section) };
            }
            Ok(page)
        }
    })
    .await
}

/// `GET /seleksi/{slug}/pengumuman/{kelurahan}`: printable, A4.
pub async fn announcement(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path((slug, kelurahan)): Path<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    cached(
        &app,
        &ctx,
        &headers,
        format!("pengumuman/{slug}/{kelurahan}"),
        || {
            let (app, ctx) = (app.clone(), ctx.clone());
            async move {
                let mut r = results::round_results(&app.db, &slug, None).await?;
                r.formations
                    .retain(|f| f.formation.kelurahan_code == kelurahan);
                // The announcement is dated by its publication, so a cached copy
                // never shows a stale "today".
                let dated = r
                    .checkpoints
                    .last()
                    .map_or_else(OffsetDateTime::now_utc, |c| c.created_at);
                v::announcement(&ctx, &r, dated).ok_or(AppError::NotFound)
            }
        },
    )
    .await
}

// ---------------------------------------------------------------------------
// Applicant: filing an objection
// ---------------------------------------------------------------------------

/// `?terkirim=1` after filing.
#[derive(serde::Deserialize)]
pub struct Filed {
    #[serde(default)]
    terkirim: Option<String>,
}

async fn applicant_view(
    app: &AppState,
    user: &CurrentUser,
    csrf: &Csrf,
    id: Uuid,
) -> AppResult<v::ApplicantObjections> {
    let now = app.clock.now();
    let acting = crate::services::applications::Acting {
        actor: user.actor(),
        scopes: &user.scopes,
    };
    let (a, r, objections) = obj::for_application_as(&app.db, acting, id, now).await?;
    let contest_options = crate::services::score_breakdown::contest_options(&app.db, r.id).await?;
    let stage_window = if obj::window_open(&r, now) {
        None
    } else {
        crate::services::shortlists::open_window(&app.db, &r, a.id, now).await?
    };
    Ok(v::ApplicantObjections {
        window_open: obj::window_open(&r, now) || stage_window.is_some(),
        stage_window,
        contest_options,
        contested: Vec::new(),
        assisted: a.account_id.is_none(),
        application_id: a.id,
        registration_no: a.registration_no.unwrap_or_default(),
        round: r,
        objections,
        csrf: csrf.token()?,
        idempotency_key: Uuid::new_v4().to_string(),
        grounds: String::new(),
        error: None,
        notice: false,
    })
}

/// `GET /pendaftaran/{id}/sanggahan`: the applicant's objections and the form.
pub async fn applicant_page(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    Path(id): Path<String>,
    Query(q): Query<Filed>,
) -> AppResult<Response> {
    let mut view = applicant_view(&app, &user, &csrf, path_id(&id)?).await?;
    view.notice = q.terkirim.is_some();
    Ok((csrf.0, v::applicant_page(&ctx, &view)).into_response())
}

/// `POST /pendaftaran/{id}/sanggahan` (multipart): files the objection.
#[expect(
    clippy::too_many_arguments,
    reason = "an axum handler: each argument is one extractor"
)]
pub async fn applicant_file(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    csrf: Csrf,
    ip: crate::web::account::ClientIp,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    let id = path_id(&id)?;
    let too_large = match &body {
        Err(e) => Some(e.status()),
        Ok(_) => None,
    };
    let body = body.unwrap_or_default();
    let parts = multipart::parts_of(&headers, &body).unwrap_or_default();
    let text = |name: &str| multipart::text(&parts, name).trim().to_owned();
    if too_large.is_none() {
        csrf.verify(&text("csrf"))?;
    }
    let grounds = text("grounds");
    let contested: Vec<String> = parts
        .iter()
        .filter(|p| p.name == "contested" && p.filename.is_none())
        .map(|p| String::from_utf8_lossy(&p.data).trim().to_owned())
        .collect();
    let store = app.files();
    let attachment = parts
        .iter()
        .find(|p| p.name == "document" && p.filename.is_some() && !p.data.is_empty())
        .map(|p| obj::Attachment {
            store: &store,
            bytes: p.data.to_vec(),
            original_name: p.filename.clone().unwrap_or_default(),
        });
    // An attachment counts against the same upload throttle as the
    // application form's documents; over it, nothing is filed and the typed
    // grounds come back with the reason.
    if attachment.is_some()
        && too_large.is_none()
        && !crate::web::applications::upload_allowed(&app, user.id, &ip).await?
    {
        let mut view = applicant_view(&app, &user, &csrf, id).await?;
        view.grounds = grounds;
        view.error = Some(
            ctx.t(
                &crate::web::applications::too_many_uploads().id,
                &crate::web::applications::too_many_uploads().en,
            )
            .to_owned(),
        );
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            csrf.0,
            v::applicant_page(&ctx, &view),
        )
            .into_response());
    }
    let outcome = match too_large {
        Some(_) => {
            let max = crate::storage::size_label(app.config.max_upload_bytes);
            Err(ServiceError::invalid(crate::domain::msg::Msg::new(
                format!("Lampiran terlalu besar; maksimal {max}."),
                format!("The attachment is too large; at most {max}."),
            )))
        }
        None => {
            let acting = crate::services::applications::Acting {
                actor: user.actor(),
                scopes: &user.scopes,
            };
            // Staff file only for a resident present at the help desk.
            let filer = if user.role == Role::Applicant {
                obj::Filer::Account(user.actor())
            } else {
                obj::Filer::Desk(acting)
            };
            let key = text("idempotency_key");
            obj::file_as(
                &app.db,
                filer,
                id,
                obj::Filing {
                    grounds: &grounds,
                    contested: &contested,
                    attachment,
                    idempotency_key: &key,
                },
                app.clock.now(),
            )
            .await
        }
    };
    match outcome {
        Ok(_) => {
            Ok(Redirect::to(&format!("/pendaftaran/{id}/sanggahan?terkirim=1")).into_response())
        }
        Err(e) => {
            let message = String::of(e, ctx.lang)?;
            let mut view = applicant_view(&app, &user, &csrf, id).await?;
            view.grounds = grounds;
            view.contested = contested;
            view.error = Some(message);
            let status = too_large.unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            Ok((status, csrf.0, v::applicant_page(&ctx, &view)).into_response())
        }
    }
}

// ---------------------------------------------------------------------------
// Admin: results overview, finalization, objection list
// ---------------------------------------------------------------------------

/// The pages of this file whose forms are answered with the page again.
enum Shown {
    /// A round's results, with the finalization forms.
    Results(Uuid),
    /// A round's objections, with the reviewer and decision forms.
    Objections(Uuid),
    /// One objection, with the reviewer's proposal form.
    Detail(Uuid),
}

impl FormPage for Shown {
    type Refusal = String;

    fn back(&self) -> String {
        match self {
            Shown::Results(round) => format!("/admin/seleksi/{round}/hasil"),
            Shown::Objections(round) => format!("/admin/seleksi/{round}/sanggahan"),
            Shown::Detail(id) => format!("/sanggahan/{id}"),
        }
    }

    async fn draw(self, to: Viewer<'_>, csrf: String, error: Option<String>) -> AppResult<Markup> {
        let Viewer { app, ctx, user } = to;
        match self {
            Shown::Results(round) => admin_results_page(app, ctx, user, csrf, round, error).await,
            Shown::Objections(round) => objections_page(app, ctx, user, csrf, round, error).await,
            Shown::Detail(id) => detail_page(app, ctx, user, csrf, id, error).await,
        }
    }
}

async fn admin_results_page(
    app: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    csrf: String,
    round_id: Uuid,
    error: Option<String>,
) -> AppResult<Markup> {
    let overview =
        results::overview(&app.db, user.actor(), round_id, OffsetDateTime::now_utc()).await?;
    let view = v::AdminResults {
        overview,
        me: user.id,
        csrf,
        error,
    };
    Ok(v::admin_results(ctx, &view))
}

/// `GET /admin/seleksi/{id}/hasil`.
pub async fn admin_page(
    State(app): State<AppState>,
    a: Allowed<Admin, Uuid>,
    csrf: Csrf,
) -> AppResult<Response> {
    a.show(&app, csrf, Shown::Results).await
}

/// `POST /admin/seleksi/{id}/hasil/final`: one admin asks to finalize.
pub async fn finalize_request(
    State(app): State<AppState>,
    p: Posted<Admin, Uuid>,
) -> AppResult<Response> {
    let res = results::request_finalization(
        &app.db,
        p.user.actor(),
        p.ids,
        p.field("reason"),
        OffsetDateTime::now_utc(),
    )
    .await;
    p.answer(&app, Shown::Results, res).await
}

/// `POST /admin/seleksi/{id}/hasil/final/keputusan`: another admin decides.
pub async fn finalize_decide(
    State(app): State<AppState>,
    p: Posted<Admin, Uuid>,
) -> AppResult<Response> {
    let approve = super::four_eyes_decision(&p.form)?;
    let res = results::decide_finalization(
        &app.db,
        &app.checkpoint_key,
        &app.mail(),
        p.user.actor(),
        p.ids,
        approve,
        OffsetDateTime::now_utc(),
    )
    .await;
    p.answer(&app, Shown::Results, res).await
}

async fn objections_page(
    app: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    csrf: String,
    round_id: Uuid,
    error: Option<String>,
) -> AppResult<Markup> {
    let overview =
        results::overview(&app.db, user.actor(), round_id, OffsetDateTime::now_utc()).await?;
    let rows =
        obj::list_for_round(&app.db, user.actor(), round_id, OffsetDateTime::now_utc()).await?;
    let mut reviewers = Vec::new();
    for o in rows.iter().filter(|o| o.objection.status.awaits_review()) {
        reviewers.push((
            o.objection.id,
            obj::reviewer_options(&app.db, user.actor(), o.objection.id).await?,
        ));
    }
    let panelist_names =
        crate::services::waiting_decisions::reopened_panelist_names(&app.db, &rows)
            .await?
            .into_iter()
            .collect();
    let view = v::AdminObjections {
        round: overview.round,
        rows,
        reviewers,
        panelist_names,
        me: user.id,
        csrf,
        error,
    };
    Ok(v::admin_objections(ctx, &view))
}

/// `GET /admin/seleksi/{id}/sanggahan`: every objection, overdue ones marked.
pub async fn admin_objections(
    State(app): State<AppState>,
    a: Allowed<Admin, Uuid>,
    csrf: Csrf,
) -> AppResult<Response> {
    a.show(&app, csrf, Shown::Objections).await
}

/// `POST /admin/sanggahan/{id}/peninjau`: assigns the reviewer.
pub async fn assign(State(app): State<AppState>, p: Posted<Admin, Uuid>) -> AppResult<Response> {
    let o = obj::get(&app.db, p.user.actor(), p.ids, OffsetDateTime::now_utc()).await?;
    let res = match p.field("reviewer_id").parse::<Uuid>() {
        Ok(r) => obj::assign(&app.db, p.user.actor(), p.ids, r).await,
        Err(_) => Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Pilih peninjau.",
            "Choose a reviewer.",
        ))),
    };
    p.answer(&app, |_| Shown::Objections(o.objection.round_id), res)
        .await
}

/// `POST /admin/sanggahan/{id}/keputusan`: a second admin approves the
/// reviewer's proposal or sends it back.
pub async fn decide(State(app): State<AppState>, p: Posted<Admin, Uuid>) -> AppResult<Response> {
    let approve = super::four_eyes_decision(&p.form)?;
    let o = obj::get(&app.db, p.user.actor(), p.ids, OffsetDateTime::now_utc()).await?;
    let res = obj::decide(
        &app.db,
        &app.mail(),
        &app.checkpoint_key,
        p.user.actor(),
        p.ids,
        approve,
        p.field("note"),
    )
    .await;
    p.answer(&app, |_| Shown::Objections(o.objection.round_id), res)
        .await
}

// ---------------------------------------------------------------------------
// Reviewer
// ---------------------------------------------------------------------------

/// `GET /sanggahan`: the objections waiting for the signed-in reviewer.
pub async fn reviewer_queue(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<Markup> {
    user.require(&[Role::Admin, Role::Operator, Role::Panelist])?;
    let rows = obj::assigned_to(&app.db, user.actor(), OffsetDateTime::now_utc()).await?;
    Ok(v::reviewer_queue(&ctx, &rows))
}

async fn detail_page(
    app: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    csrf: String,
    id: Uuid,
    error: Option<String>,
) -> AppResult<Markup> {
    let view = obj::get(&app.db, user.actor(), id, OffsetDateTime::now_utc()).await?;
    let can_propose = view.objection.reviewer_id == Some(user.id)
        && view.objection.status == ObjectionStatus::InReview;
    let panelists = if can_propose {
        obj::scoring_panelists(&app.db, view.objection.application_id).await?
    } else {
        Vec::new()
    };
    // The reviewer (and admins, auditors) judge the objection beside the
    // scorecards it is about; the objector sees the anonymised breakdown on
    // the status page instead.
    let reads_cards = view.objection.filed_by != user.id
        && (view.objection.reviewer_id == Some(user.id)
            || matches!(user.role, Role::Admin | Role::Auditor));
    let scorecards = if reads_cards {
        crate::services::objection_scorecards::for_objection(&app.db, user.actor(), id).await?
    } else {
        Vec::new()
    };
    let detail = v::ObjectionDetail {
        view,
        can_propose,
        panelists,
        scorecards,
        csrf,
        error,
    };
    Ok(v::objection_detail(ctx, &detail))
}

/// `GET /sanggahan/{id}`: one objection (its reviewer, admins, auditors, the applicant).
pub async fn detail(
    State(app): State<AppState>,
    a: Allowed<SignedIn, Uuid>,
    csrf: Csrf,
) -> AppResult<Response> {
    a.show(&app, csrf, Shown::Detail).await
}

/// The reviewer's choice (`outcome` radio) as a proposal.
///
/// # Errors
/// A message for an unknown choice.
pub fn parse_outcome(outcome: &str, reasons: &str) -> Result<Proposal, ServiceError> {
    let reopen = match outcome {
        "rejected" => Reopen::None,
        "verification_eligible" => Reopen::Verification { eligible: true },
        "verification_ineligible" => Reopen::Verification { eligible: false },
        other => match other.strip_prefix("scorecard:").map(str::parse::<Uuid>) {
            Some(Ok(panelist_id)) => Reopen::Scorecard { panelist_id },
            _ => {
                return Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
                    "Pilih keputusan.",
                    "Choose a decision.",
                )));
            }
        },
    };
    Ok(Proposal {
        accepted: reopen != Reopen::None,
        reasons: reasons.to_owned(),
        reopen,
    })
}

/// `POST /sanggahan/{id}/usulan`: the reviewer proposes the decision.
pub async fn propose(
    State(app): State<AppState>,
    p: Posted<SignedIn, Uuid>,
) -> AppResult<Response> {
    let res = match parse_outcome(p.field("outcome"), p.field("reasons")) {
        Ok(proposal) => obj::propose(&app.db, p.user.actor(), p.ids, proposal)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    p.answer(&app, Shown::Detail, res).await
}
