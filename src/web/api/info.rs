//! Public API of the information section: announcements (the Atom feed's
//! entries as JSON) and help desks, for the city's website and app.

use axum::Json;
use axum::extract::State;
use time::format_description::well_known::Rfc3339;

use super::{ApiQuery, ApiResult, ErrorBody};
use crate::app::AppState;
use crate::domain::markdown;
use crate::services::info_docs;
use crate::services::information::{self, AnnouncementFilter};

/// An announcement.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Announcement {
    pub id: uuid::Uuid,
    pub title: String,
    /// The text as written, in Markdown.
    pub body_markdown: String,
    /// The text as sanitised HTML (safe to insert into a page).
    pub body_html: String,
    /// RFC 3339.
    pub published_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// `null` for city-wide or round announcements.
    pub kelurahan_code: Option<String>,
    /// The round it is about, if any.
    pub round_slug: Option<String>,
    /// The public page of the announcement.
    pub url: String,
}

/// Filters of the announcement list; each adds the city-wide announcements.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnnouncementQuery {
    /// Only this kelurahan's (official code, e.g. `64.72.01.1001`), plus city-wide ones.
    kelurahan: Option<String>,
    /// Only this round's (slug), plus city-wide ones.
    round: Option<String>,
}

/// Published announcements, newest first (at most 50), as in the Atom feed
/// `/informasi/feed.atom`.
#[utoipa::path(
    get,
    path = "/announcements",
    tag = "public",
    params(AnnouncementQuery),
    responses(
        (status = 200, body = Vec<Announcement>),
        (status = 404, description = "`round` names no published round", body = ErrorBody),
    )
)]
pub async fn announcements(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<AnnouncementQuery>,
) -> ApiResult<Vec<Announcement>> {
    let filter = AnnouncementFilter {
        kelurahan: q.kelurahan.filter(|k| !k.trim().is_empty()),
        round_slug: q.round.filter(|r| !r.trim().is_empty()),
        ..AnnouncementFilter::default()
    };
    let items = information::announcements(&app.db, &filter, app.clock.now(), 50).await?;
    let base = app.config.base_url.trim_end_matches('/');
    let at = |t: time::OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    Ok(Json(
        items
            .into_iter()
            .map(|a| Announcement {
                url: format!("{base}/informasi/pengumuman/{}", a.id),
                id: a.id,
                body_html: markdown::to_safe_html(&a.body_markdown),
                title: a.title,
                body_markdown: a.body_markdown,
                published_at: at(a.publish_at),
                updated_at: at(a.updated_at),
                kelurahan_code: a.kelurahan_code,
                round_slug: a.round_slug,
            })
            .collect(),
    ))
}

/// A help desk (or the city's call centre, with an empty `kelurahan_code`).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct HelpDesk {
    pub kelurahan_code: String,
    pub kelurahan: String,
    pub kecamatan: String,
    pub address: String,
    pub opening_hours: String,
    pub phone: String,
    /// International digits (`62…`), empty when there is none.
    pub whatsapp: String,
}

/// The city's call centre first, then every kelurahan help desk that has its
/// contacts set.
#[utoipa::path(get, path = "/help-desks", tag = "public", responses((status = 200, body = Vec<HelpDesk>)))]
pub async fn help_desks(State(app): State<AppState>) -> ApiResult<Vec<HelpDesk>> {
    let mut out = Vec::new();
    let to = |d: info_docs::HelpDeskItem| HelpDesk {
        kelurahan_code: d.kelurahan_code,
        kelurahan: d.kelurahan_name,
        kecamatan: d.kecamatan_name,
        address: d.address,
        opening_hours: d.opening_hours,
        phone: d.phone,
        whatsapp: d.whatsapp,
    };
    if let Some(c) = info_docs::call_centre(&app.db).await? {
        out.push(to(c));
    }
    for (_, list) in info_docs::help_desks(&app.db).await? {
        out.extend(list.into_iter().filter(|(_, set)| *set).map(|(d, _)| to(d)));
    }
    Ok(Json(out))
}
