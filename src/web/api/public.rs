//! Public API: rounds and regions.

use axum::Json;
use axum::extract::State;

use super::{ApiResult, ErrorBody};
use crate::app::AppState;
use crate::domain::round::RoundState;
use crate::error::AppError;
use crate::services;

/// A recruitment round as the public sees it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RoundSummary {
    pub id: uuid::Uuid,
    pub slug: String,
    pub name: String,
    pub year: i32,
    /// `registration`, `verification`, `assessment`, `provisional`, `objection`, `final` or `cancelled`.
    pub state: String,
    /// RFC 3339, when set.
    pub registration_opens_at: Option<String>,
    pub registration_closes_at: Option<String>,
    /// Whether an application can be started and submitted right now: the
    /// round is in `registration` and today lies within its registration
    /// dates.
    pub accepting_applications: bool,
    /// What the round's texts call the programme, the group and a selected
    /// applicant, in Indonesian and English.
    pub programme: RoundProgramme,
    /// Where applicants must live: `rt` (an RT a formation covers; the
    /// formation follows from the RT), `kelurahan` (the formation's
    /// kelurahan) or `city` (anywhere); with `kelurahan` and `city` an
    /// application names its `formation`.
    pub domicile_rule: String,
}

/// A round's programme names.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RoundProgramme {
    /// E.g. `Probebaya`; may be empty.
    pub programme_id: String,
    pub programme_en: String,
    /// E.g. `Pokmas`.
    pub group_id: String,
    pub group_en: String,
    /// E.g. `anggota Pokmas` / `Pokmas member`.
    pub member_id: String,
    pub member_en: String,
}

/// Filter of the round list.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoundFilter {
    /// Only rounds in this state, e.g. `registration` for the ones open to applicants.
    state: Option<String>,
}

fn rfc3339(t: Option<time::OffsetDateTime>) -> Option<String> {
    t.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
}

/// Published rounds (drafts are never listed), newest first.
///
/// With `?state=registration` this lists the rounds in their registration
/// stage; `accepting_applications` says which of them an applicant can
/// apply to now (the stage may outlast the closing date by a few hours).
#[utoipa::path(
    get,
    path = "/rounds",
    tag = "public",
    tags = ["applicant"],
    params(RoundFilter),
    responses(
        (status = 200, body = Vec<RoundSummary>),
        (status = 400, description = "`state` is not a round state", body = ErrorBody),
        (status = 500, body = ErrorBody),
    )
)]
pub async fn rounds(
    State(app): State<AppState>,
    super::ApiQuery(f): super::ApiQuery<RoundFilter>,
) -> ApiResult<Vec<RoundSummary>> {
    // `?state=` with nothing after it filters nothing, like a form left blank.
    // Only a known state can match; anything else is the caller's mistake,
    // said as such rather than sent to the database (where a NUL makes
    // PostgreSQL fail the query).
    let state = match f.state.filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(RoundState::parse(&s).ok_or_else(|| {
            AppError::Refused(crate::domain::msg::Msg::new(
                "state harus salah satu dari: draft, registration, verification, assessment, provisional, objection, final, cancelled.",
                "state must be one of: draft, registration, verification, assessment, provisional, objection, final, cancelled.",
            ))
        })?),
    };
    // Published rounds only, as on the public pages: a round cancelled while
    // still a draft was never published (its page answers 404).
    let rows = services::rounds::published(&app.db, state, time::OffsetDateTime::now_utc()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| RoundSummary {
                accepting_applications: r.accepting_applications,
                id: r.head.id,
                slug: r.head.slug,
                name: r.head.name,
                year: r.head.year,
                state: r.head.state,
                registration_opens_at: rfc3339(r.registration_opens_at),
                registration_closes_at: rfc3339(r.registration_closes_at),
                domicile_rule: r.domicile_rule.as_str().to_owned(),
                programme: RoundProgramme {
                    programme_id: r.programme.programme_id,
                    programme_en: r.programme.programme_en,
                    group_id: r.programme.group_id,
                    group_en: r.programme.group_en,
                    member_id: r.programme.member_id,
                    member_en: r.programme.member_en,
                },
            })
            .collect(),
    ))
}

/// A kelurahan with its official code.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct KelurahanItem {
    pub code: String,
    pub name: String,
    pub rt_count: Option<i32>,
}

/// A kecamatan and its kelurahan.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct KecamatanItem {
    pub code: String,
    pub name: String,
    pub kelurahan: Vec<KelurahanItem>,
}

/// Every kecamatan and kelurahan, ordered by official code.
#[utoipa::path(get, path = "/regions", tag = "public", responses((status = 200, body = Vec<KecamatanItem>)))]
pub async fn regions(State(app): State<AppState>) -> ApiResult<Vec<KecamatanItem>> {
    let list = services::regions::list(&app.db).await?;
    Ok(Json(
        list.into_iter()
            .map(|(k, kels)| KecamatanItem {
                code: k.code,
                name: k.name,
                kelurahan: kels
                    .into_iter()
                    .map(|l| KelurahanItem {
                        code: l.code,
                        name: l.name,
                        rt_count: l.rt_count,
                    })
                    .collect(),
            })
            .collect(),
    ))
}
