//! The JSON API under `/api/v1` for the city's mobile app and help desk,
//! described by the OpenAPI document at `/api/openapi.json` (generated from
//! these handlers, so the document cannot drift from the code).

pub mod admin;
// error bodies and the extractors every part uses
pub mod applicant;
pub mod error;
pub mod extract;
// the finishing pass over the generated document
pub mod doc;
// lottery witnesses, imports, progress (panel/admin input side)
pub mod panel;
pub mod public;
// auditor exports
pub mod audit_exports;
// auditors' workspace (read only)
pub mod trail;
// results, objections and finalization
pub mod results;
// objections without an account: number + PIN, or the operator at the desk
pub mod desk_objections;
// information section
pub mod info;
// personal data: the access download
pub mod privacy;
// applying and scoring through the API (same services as the forms)
pub mod resident;
pub mod scorecards;
// the answer's language (Accept-Language)
pub mod lang;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub use error::{ApiError, ApiResult, ErrorBody};
pub use extract::ApiQuery;

/// The document's fixed parts; paths are collected from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "pokmas API",
        description = "Rekrutmen terbuka Pokmas Probebaya Kota Samarinda — JSON API. \
                       Errors are `{\"error\": code, \"message\": text}`; messages are in Bahasa Indonesia, or in English with `Accept-Language: en`.",
    ),
    tags(
        (name = "public", description = "Readable without logging in"),
        (name = "applicant", description = "An applicant's own applications (session cookie) and the number + PIN status check"),
        (name = "admin", description = "City programme officers: rounds, approvals, staff, panels and the test schedule"),
        (name = "operator", description = "Kelurahan help-desk officers, within their kelurahan: administrative verification"),
        (name = "audit", description = "Auditors and admins, read only: trail queries (keyset cursor), application histories, panelists, conflict matrices, panel analytics"),
    )
)]
pub struct ApiDoc;

/// The `/api/v1` routes by the module that describes them (merged into one
/// router by [`routes`]; kept apart so a test can tell two modules' schemas
/// of one name apart, which the merged document would silently overwrite).
pub fn parts() -> Vec<(&'static str, OpenApiRouter<AppState>)> {
    vec![
        (
            "public+applicant",
            OpenApiRouter::new()
                .routes(routes!(public::rounds))
                .routes(routes!(public::regions))
                .routes(routes!(applicant::my_applications))
                .routes(routes!(applicant::my_application))
                .routes(routes!(applicant::status_check_api)),
        ),
        ("admin", admin::routes()),
        ("audit_exports", audit_exports::routes()),
        ("trail", trail::routes()),
        ("panel", panel::routes()),
        ("results", results::routes()),
        ("desk_objections", desk_objections::routes()),
        ("resident", resident::routes()),
        ("scorecards", scorecards::routes()),
        (
            "info",
            OpenApiRouter::new()
                .routes(routes!(info::announcements))
                .routes(routes!(info::help_desks)),
        ),
        (
            "privacy",
            OpenApiRouter::new()
                .routes(routes!(privacy::my_data))
                .routes(routes!(
                    privacy::my_erasure_requests,
                    privacy::file_erasure_request
                )),
        ),
    ]
}

/// Every `/api/v1` route with its OpenAPI description.
pub fn routes() -> OpenApiRouter<AppState> {
    parts()
        .into_iter()
        .fold(OpenApiRouter::new(), |all, (_, part)| all.merge(part))
        .layer(axum::middleware::from_fn(lang::scope))
}
