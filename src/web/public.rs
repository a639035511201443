//! Public pages: home, regions, the audit head, health and the language switch.

use axum::extract::{Path, Query, State};

use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use maud::Markup;

use super::LANG_COOKIE;
use crate::app::AppState;
use crate::domain::lang::Lang;
use crate::domain::return_path::return_path;
use crate::error::{AppError, AppResult};
use crate::services;
use crate::views::PageCtx;
use crate::views::public::{
    self as pv, AuditHeadView, CheckpointRow, HomeView, KecamatanRow, KelurahanRow, RoundCard,
};

/// `GET /`.
pub async fn home(State(app): State<AppState>, ctx: PageCtx) -> AppResult<Markup> {
    let rounds = services::rounds::public_list(&app.db, None)
        .await?
        .into_iter()
        .map(|r| RoundCard {
            name: r.name,
            year: r.year,
            state: r.state,
            slug: r.slug,
        })
        .collect();
    let (kecamatan_count, kelurahan_count) = services::regions::counts(&app.db).await?;
    let view = HomeView {
        rounds,
        kecamatan_count,
        kelurahan_count,
    };
    Ok(pv::home(&ctx, &view))
}

/// `GET /wilayah`.
pub async fn regions(State(app): State<AppState>, ctx: PageCtx) -> AppResult<Markup> {
    let rows = services::regions::list(&app.db)
        .await?
        .into_iter()
        .map(|(k, kels)| KecamatanRow {
            code: k.code,
            name: k.name,
            kelurahan: kels
                .into_iter()
                .map(|l| KelurahanRow {
                    code: l.code,
                    name: l.name,
                    rt_count: l.rt_count,
                })
                .collect(),
        })
        .collect::<Vec<_>>();
    Ok(pv::regions(&ctx, &rows))
}

/// `GET /jejak-audit`.
pub async fn audit_head(State(app): State<AppState>, ctx: PageCtx) -> AppResult<Markup> {
    let head = services::checkpoints::chain_head(&app.db).await?;
    let at = head.at.map(|at| {
        crate::domain::audit::parse_at(&at).map_or(at, crate::domain::round::format_wita)
    });
    let checkpoints = services::checkpoints::list(&app.db, 10)
        .await?
        .into_iter()
        .map(|c| CheckpointRow {
            seq: c.seq,
            hash: c.hash,
            reason: c.reason,
            at: crate::domain::round::format_wita(c.created_at),
            note: c.note,
        })
        .collect();
    Ok(pv::audit_head(
        &ctx,
        &AuditHeadView {
            seq: head.seq,
            hash: head.hash,
            at,
            checkpoints,
            public_key: app.checkpoint_key.verifier().to_string(),
            site: app.config.base_url.clone(),
        },
    ))
}

/// `GET /jejak-audit/checkpoint.txt`: the latest signed checkpoint note, as
/// `pokmas audit verify --checkpoint-file` reads it; 404 before the first.
pub async fn checkpoint_text(State(app): State<AppState>) -> AppResult<Response> {
    let cp = services::checkpoints::latest(&app.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(plain_text(cp.note))
}

/// `GET /jejak-audit/kunci.txt`: the public verifier key of the checkpoints.
pub async fn public_key_text(State(app): State<AppState>) -> Response {
    plain_text(format!("{}\n", app.checkpoint_key.verifier()))
}

fn plain_text(body: String) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// Query of the language switch.
#[derive(serde::Deserialize)]
pub struct SwitchQuery {
    kembali: Option<String>,
}

/// `GET /bahasa/{code}?kembali=/path`: remembers the language for a year and goes back.
pub async fn switch_language(
    State(app): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<SwitchQuery>,
    jar: CookieJar,
) -> AppResult<(CookieJar, Redirect)> {
    let lang = Lang::from_code(&code).ok_or(AppError::NotFound)?;
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .max_age(time::Duration::days(365))
        .same_site(SameSite::Lax)
        .secure(app.config.https())
        .http_only(true)
        .build();
    Ok((
        jar.add(cookie),
        Redirect::to(&safe_back(q.kembali.as_deref())),
    ))
}

/// Only same-site paths are followed (see [`return_path`]), so the switch
/// cannot be used as an open redirect; anything else goes home.
pub(crate) fn safe_back(back: Option<&str>) -> String {
    back.and_then(return_path).unwrap_or_else(|| "/".to_owned())
}

/// A known path asked with the wrong method (e.g. a bookmarked form action):
/// a page that says what to do, never an empty body.
pub async fn method_not_allowed(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    use axum::response::IntoResponse;
    let status = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    if uri.path().starts_with("/api/") {
        // Outside the API's own routes: the language is read here.
        let lang = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(super::api::lang::from_accept_language)
            .unwrap_or_default();
        let body = super::api::ErrorBody::new(
            "method_not_allowed",
            lang.pick(
                "Metode HTTP ini tidak didukung untuk alamat ini.",
                "This HTTP method is not supported at this address.",
            ),
        );
        (status, axum::Json(body)).into_response()
    } else {
        (status, crate::views::errors::error_page(status, None)).into_response()
    }
}

/// The fallback for unknown paths: JSON under `/api/`, a page elsewhere.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        super::api::ApiError(AppError::NotFound).into_response()
    } else {
        AppError::NotFound.into_response()
    }
}
