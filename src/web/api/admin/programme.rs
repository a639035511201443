//! A round's programme names and domicile rule (admin): the same form
//! parser and service call as the settings page.

use axum::extract::{Path, State};

use super::parse_id;
use super::rounds::{RoundDetailBody, detail_body};
use crate::app::AppState;
use crate::services::rounds::{self as svc, ProgrammeSettings};
use crate::web::api::error::{AdminError, AdminResult, ErrorBody, service_err};
use crate::web::api::extract::{AdminUser, ApiJson};

/// What a round's pages, mails and announcements call the programme, the
/// group and a selected applicant, and where its applicants must live. The
/// defaults are `Probebaya`, `Pokmas`, `anggota Pokmas` / `Pokmas member`
/// and `rt`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ProgrammeBody {
    /// The programme, e.g. `Probebaya`; 0–120 characters, may be empty.
    #[schema(
        pattern = r"^(|[^\s\u0000-\u001F\u007F-\u009F]([^\u0000-\u001F\u007F-\u009F]{0,118}[^\s\u0000-\u001F\u007F-\u009F])?)$"
    )]
    pub programme_id: String,
    /// As `programme_id`, in English.
    #[schema(
        pattern = r"^(|[^\s\u0000-\u001F\u007F-\u009F]([^\u0000-\u001F\u007F-\u009F]{0,118}[^\s\u0000-\u001F\u007F-\u009F])?)$"
    )]
    pub programme_en: String,
    /// The group the selected join, e.g. `Pokmas`; 1–60 characters.
    #[schema(
        pattern = r"^[^\s\u0000-\u001F\u007F-\u009F]([^\u0000-\u001F\u007F-\u009F]{0,58}[^\s\u0000-\u001F\u007F-\u009F])?$"
    )]
    pub group_id: String,
    /// As `group_id`, in English.
    #[schema(
        pattern = r"^[^\s\u0000-\u001F\u007F-\u009F]([^\u0000-\u001F\u007F-\u009F]{0,58}[^\s\u0000-\u001F\u007F-\u009F])?$"
    )]
    pub group_en: String,
    /// What a selected applicant becomes, e.g. `anggota Pokmas`; 2–120
    /// characters.
    #[schema(
        pattern = r"^[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]{0,118}[^\s\u0000-\u001F\u007F-\u009F]$"
    )]
    pub member_id: String,
    /// As `member_id`, in English, e.g. `Pokmas member`.
    #[schema(
        pattern = r"^[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]{0,118}[^\s\u0000-\u001F\u007F-\u009F]$"
    )]
    pub member_en: String,
    /// `rt` (an RT the formation covers; the formation follows from the
    /// RT), `kelurahan` (the formation's kelurahan) or `city` (anywhere);
    /// with `kelurahan` and `city` the applicant names the formation.
    #[schema(pattern = "^(rt|kelurahan|city)$")]
    pub domicile_rule: String,
}

impl ProgrammeBody {
    /// The member named like the settings form's field `name` (empty for
    /// any other name).
    fn field(&self, name: &str) -> &str {
        match name {
            "programme_id" => &self.programme_id,
            "programme_en" => &self.programme_en,
            "group_id" => &self.group_id,
            "group_en" => &self.group_en,
            "member_id" => &self.member_id,
            "member_en" => &self.member_en,
            "domicile_rule" => &self.domicile_rule,
            _ => "",
        }
    }
}

impl From<&ProgrammeSettings> for ProgrammeBody {
    fn from(s: &ProgrammeSettings) -> Self {
        let p = &s.programme;
        ProgrammeBody {
            programme_id: p.programme_id.clone(),
            programme_en: p.programme_en.clone(),
            group_id: p.group_id.clone(),
            group_en: p.group_en.clone(),
            member_id: p.member_id.clone(),
            member_en: p.member_en.clone(),
            domicile_rule: s.domicile_rule.as_str().to_owned(),
        }
    }
}

/// Replaces the programme names and domicile rule of a draft round
/// (`round.updated`). Invalid values are 422; after the freeze
/// (registration opened) 409.
#[utoipa::path(put, path = "/admin/rounds/{id}/programme", tag = "admin", params(("id" = uuid::Uuid, Path)),
    request_body = ProgrammeBody,
    responses((status = 200, body = RoundDetailBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn round_programme(
    State(app): State<AppState>,
    user: AdminUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ProgrammeBody>,
) -> AdminResult<RoundDetailBody> {
    let id = parse_id(&id)?;
    let s = ProgrammeSettings::from_fields(|name| body.field(name)).map_err(AdminError::Invalid)?;
    svc::set_programme(&app.db, user.0.actor(), id, &s)
        .await
        .map_err(service_err)?;
    let d = svc::load(&app.db, id).await.map_err(service_err)?;
    Ok(axum::Json(detail_body(d)))
}
