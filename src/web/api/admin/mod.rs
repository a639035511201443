//! Admin and operator API: rounds, verification, staff, panels.
//!
//! Every handler authorizes exactly like its HTML twin (same role check, same
//! kelurahan scope) and then calls the SAME service function the HTML handler
//! calls — one use case, one transaction with its audit events. A body is
//! the service's typed input (round settings, programme, criteria, stages,
//! requirements, a formation, seats, a test session) and is checked by the
//! same rules as the HTML form before the transaction begins; no rule is
//! repeated here.

use time::OffsetDateTime;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::AppError;
use crate::web::api::error::AdminError;

mod panels;
mod programme;
mod rounds;
mod staff;
mod stages;
mod verification;

/// Tags of this part of the document.
#[derive(OpenApi)]
#[openapi(tags(
    (name = "admin", description = "City programme officers (role admin); session cookie"),
    (name = "operator", description = "Kelurahan help-desk officers, within their kelurahan; session cookie"),
))]
struct AdminDoc;

/// The admin and operator routes with their descriptions.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(AdminDoc::openapi())
        .routes(routes!(rounds::rounds_list, rounds::round_create))
        .routes(routes!(rounds::round_get, rounds::round_update))
        .routes(routes!(rounds::round_criteria))
        .routes(routes!(stages::round_stages))
        .routes(routes!(programme::round_programme))
        .routes(routes!(rounds::round_transition))
        .routes(routes!(rounds::formations_generate))
        .routes(routes!(rounds::formations_seats))
        .routes(routes!(verification::verification_queue))
        .routes(routes!(verification::verification_application))
        .routes(routes!(verification::verification_document))
        .routes(routes!(verification::verification_record))
        .routes(routes!(verification::change_request))
        .routes(routes!(verification::approvals_list))
        .routes(routes!(verification::approval_decide))
        .routes(routes!(staff::staff_list, staff::staff_invite))
        .routes(routes!(staff::staff_scopes))
        .routes(routes!(staff::staff_deactivate))
        .routes(routes!(staff::staff_reactivate))
        .routes(routes!(panels::panels_list, panels::panel_create))
        .routes(routes!(panels::panel_member_add))
        .routes(routes!(panels::panel_formations))
        .routes(routes!(panels::sessions_list, panels::session_create))
        .routes(routes!(panels::session_fill))
        .routes(routes!(panels::invitation_attendance))
        .routes(routes!(rounds::round_requirements))
        .routes(routes!(rounds::formation_add))
        .routes(routes!(rounds::formation_delete))
        .routes(routes!(rounds::formations_import))
        .routes(routes!(rounds::formations_export))
        .routes(routes!(panels::panel_member_remove))
        .routes(routes!(panels::invitation_move))
        .routes(routes!(panels::absence_decide))
        .routes(routes!(rounds::round_template))
        .routes(routes!(rounds::kelurahan_rts))
        .routes(routes!(panels::round_dashboard))
}

fn rfc3339(t: Option<OffsetDateTime>) -> Option<String> {
    t.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
}

fn parse_id(raw: &str) -> Result<Uuid, AdminError> {
    raw.parse().map_err(|_| AdminError::App(AppError::NotFound))
}

/// The id of a created account.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CreatedId {
    pub id: Uuid,
}

/// An empty answer to a successful action.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Done {
    pub ok: bool,
}
