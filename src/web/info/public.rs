//! Public reading: the hub, a kelurahan's page, announcements, the FAQ,
//! SOP files, the Atom feed and the open statistics.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::Markup;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::services::info_docs as docs;
use crate::services::information::{self as info, AnnouncementFilter};
use crate::services::open_stats;
use crate::views::PageCtx;
use crate::views::info::{self as v, HubView, KelurahanView};
use crate::web::path_id;

/// `GET /informasi`.
pub async fn hub(State(app): State<AppState>, ctx: PageCtx) -> AppResult<Markup> {
    let now = app.clock.now();
    let desks = docs::help_desks(&app.db)
        .await?
        .into_iter()
        .map(|(kec, list)| {
            (
                kec,
                list.into_iter()
                    .map(|(d, set)| (d.kelurahan_code, d.kelurahan_name, set))
                    .collect(),
            )
        })
        .collect();
    let view = HubView {
        call_centre: docs::call_centre(&app.db).await?,
        desks,
        sops: docs::sops(&app.db, None).await?,
        announcements: info::announcements(&app.db, &AnnouncementFilter::default(), now, 10)
            .await?,
        rounds: info::round_choices(&app.db).await?,
    };
    Ok(v::hub(&ctx, &view))
}

/// `GET /informasi/kelurahan/{code}`.
pub async fn kelurahan(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path(code): Path<String>,
) -> AppResult<Markup> {
    let (desk, desk_set) = docs::help_desk(&app.db, &code).await?;
    let filter = AnnouncementFilter {
        kelurahan: Some(code.clone()),
        ..AnnouncementFilter::default()
    };
    let view = KelurahanView {
        desk,
        desk_set,
        call_centre: docs::call_centre(&app.db).await?,
        announcements: info::announcements(&app.db, &filter, app.clock.now(), 20).await?,
        sops: docs::sops(&app.db, Some(&code)).await?,
    };
    Ok(v::kelurahan(&ctx, &view))
}

/// `GET /informasi/pengumuman/{id}`.
pub async fn announcement(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> AppResult<Markup> {
    let a = info::announcement(&app.db, path_id(&id)?, app.clock.now(), false).await?;
    Ok(v::announcement(&ctx, &a))
}

/// `GET /informasi/faq`.
pub async fn faq(State(app): State<AppState>, ctx: PageCtx) -> AppResult<Markup> {
    Ok(v::faq(&ctx, &docs::faq(&app.db).await?))
}

async fn sop_file(app: &AppState, slug: &str, version: Option<i32>) -> AppResult<Response> {
    let (_, sha) = docs::sop_file(&app.db, slug, version).await?;
    let store = app.files();
    let bytes = tokio::task::spawn_blocking(move || store.read(&sha))
        .await
        .map_err(|e| anyhow::anyhow!(e))?
        .map_err(|e| anyhow::anyhow!("SOP file: {e}"))?;
    // An ASCII name made from the slug: no header can be broken by it.
    let v = version.map(|v| format!("-v{v}")).unwrap_or_default();
    let disposition = format!("inline; filename=\"sop-{slug}{v}.pdf\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /informasi/sop/{slug}`: the latest version.
pub async fn sop_latest(
    State(app): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    sop_file(&app, &slug, None).await
}

/// `GET /informasi/sop/{slug}/{version}`.
pub async fn sop_version(
    State(app): State<AppState>,
    Path((slug, version)): Path<(String, String)>,
) -> AppResult<Response> {
    let version = version.parse::<i32>().map_err(|_| AppError::NotFound)?;
    sop_file(&app, &slug, Some(version)).await
}

/// Filters of the feed.
#[derive(serde::Deserialize, Default)]
pub struct FeedQuery {
    #[serde(default)]
    kelurahan: String,
    #[serde(default)]
    seleksi: String,
}

impl FeedQuery {
    fn filter(&self) -> AnnouncementFilter {
        AnnouncementFilter {
            kelurahan: Some(self.kelurahan.trim().to_owned()).filter(|k| !k.is_empty()),
            round_slug: Some(self.seleksi.trim().to_owned()).filter(|s| !s.is_empty()),
            ..AnnouncementFilter::default()
        }
    }
}

/// `GET /informasi/feed.atom[?kelurahan=CODE][&seleksi=SLUG]`: the latest 50
/// announcements (the filters add the city-wide ones).
pub async fn feed(State(app): State<AppState>, Query(q): Query<FeedQuery>) -> AppResult<Response> {
    let filter = q.filter();
    let now = app.clock.now();
    let items = info::announcements(&app.db, &filter, now, 50).await?;
    let mut query = Vec::new();
    if let Some(k) = &filter.kelurahan {
        query.push(format!("kelurahan={}", crate::views::layout::urlencode(k)));
    }
    if let Some(s) = &filter.round_slug {
        query.push(format!("seleksi={}", crate::views::layout::urlencode(s)));
    }
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    let alternate = match &filter.kelurahan {
        Some(k) => format!(
            "/informasi/kelurahan/{}",
            crate::views::layout::urlencode(k)
        ),
        None => "/informasi".to_owned(),
    };
    let meta = crate::views::atom::FeedMeta {
        base_url: app.config.base_url.clone(),
        title: "Pengumuman Pokmas Probebaya Kota Samarinda".to_owned(),
        self_path: format!("/informasi/feed.atom{query}"),
        alternate_path: alternate,
    };
    let xml = crate::views::atom::feed(&meta, &items, now);
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

/// `GET /seleksi/{slug}/statistik`.
pub async fn stats(
    State(app): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Markup> {
    let s = open_stats::round_stats(&app.db, &app.vault, &slug).await?;
    Ok(v::stats(&ctx, &s))
}

/// `GET /seleksi/{slug}/statistik.csv`: no sign-in.
pub async fn stats_csv(
    State(app): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let s = open_stats::round_stats(&app.db, &app.vault, &slug).await?;
    let body = open_stats::to_csv(&s)?;
    let disposition = format!("attachment; filename=\"statistik-{}.csv\"", s.round_slug);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
