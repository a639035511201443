//! JSON API for what a resident does in the portal and an operator at the
//! help desk: start an application (or an assisted one), fill the draft,
//! upload a document to it, submit it. Every call goes through the same
//! service function as the HTML form, with the same roles and scopes; the
//! status is then read at `GET /me/applications/{id}` (or by an operator at
//! `GET /operator/applications/{id}`).

use crate::domain::msg::Msg;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::ErrorBody;
use super::applicant::Text;
use super::error::AdminError;
use super::extract::{ApiJson, ApiUser};
use crate::app::AppState;
use crate::domain::form::FormData;
use crate::domain::lang::Lang;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::pii::NikVault;
use crate::services::applications::{self as svc, Acting, FIELD_NAMES, Fields, StartDraft};
use crate::web::account::ClientIp;
use crate::web::applications::{may_apply, too_many_uploads, upload_allowed};
use crate::web::{Csrf, CurrentUser, multipart, path_id};

/// Tags of this part of the document.
#[derive(OpenApi)]
#[openapi(tags(
    (name = "resident", description = "Applying: start, fill, upload to and submit an application (residents for themselves, operators at the help desk)"),
))]
struct ResidentDoc;

/// The application routes of residents and the help desk.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ResidentDoc::openapi())
        .routes(routes!(start))
        .routes(routes!(desk_start))
        .routes(routes!(save_draft))
        .routes(routes!(upload))
        .routes(routes!(submit))
}

fn acting(user: &CurrentUser) -> Acting<'_> {
    Acting {
        actor: user.actor(),
        scopes: &user.scopes,
    }
}

/// Where an application starts: the kelurahan and RT decide the formation.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct StartBody {
    /// Kelurahan code, e.g. `64.72.09.1001` (see `GET /regions`).
    pub kelurahan: String,
    /// RT number.
    pub rt: i32,
    /// Any text up to 100 characters: a retried request with the same key
    /// returns the first draft instead of making a second.
    #[serde(default)]
    pub idempotency_key: String,
    /// The formation applied to, by code, where the round's
    /// `domicile_rule` is `kelurahan` or `city`; left out, the formation
    /// covering the RT.
    #[serde(default)]
    pub formation: Option<String>,
}

/// An assisted registration at the help desk.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct DeskStartBody {
    pub round_id: Uuid,
    /// Kelurahan code; operators only within their kelurahan.
    pub kelurahan: String,
    pub rt: i32,
    #[serde(default)]
    pub idempotency_key: String,
    /// The formation applied to, by code (see [`StartBody::formation`]).
    #[serde(default)]
    pub formation: Option<String>,
}

/// A draft that exists now.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DraftStarted {
    /// The application's id.
    pub id: Uuid,
}

fn key_or_new(key: &str) -> String {
    if key.trim().is_empty() {
        Uuid::new_v4().to_string()
    } else {
        key.to_owned()
    }
}

/// Starts the caller's application in an open round (one per account and
/// round: the existing draft is returned). An applicant needs a confirmed
/// e-mail address; an operator or admin calling this starts an assisted one.
#[utoipa::path(post, path = "/rounds/{slug}/applications", tag = "resident",
    params(("slug" = String, Path, description = "The round's slug")), request_body = StartBody,
    responses((status = 201, body = DraftStarted),
        (status = 403, description = "Not an applicant with a confirmed e-mail, operator or admin", body = ErrorBody),
        (status = 404, description = "No open round of that slug", body = ErrorBody),
        (status = 409, description = "Registration is not open", body = ErrorBody),
        (status = 422, description = "The RT lies in no formation, or the domicile rule refuses the formation chosen", body = ErrorBody)))]
pub async fn start(
    State(app): State<AppState>,
    user: ApiUser,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<StartBody>,
) -> Result<(StatusCode, Json<DraftStarted>), AdminError> {
    let user = user.0;
    may_apply(&user)?;
    let r = svc::published_round(&app.db, &slug).await?;
    let id = svc::start_draft(
        &app.db,
        &app.vault,
        acting(&user),
        &StartDraft {
            round_id: r.id,
            kelurahan_code: body.kelurahan,
            rt: body.rt,
            idempotency_key: key_or_new(&body.idempotency_key),
            formation_code: body.formation,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(DraftStarted { id })))
}

/// Help desk: an operator (within their kelurahan) or an admin registers a
/// resident without an account (`application.assisted_registered`). The
/// draft is then filled, given documents and submitted like any other; the
/// submission answers the status PIN once.
#[utoipa::path(post, path = "/operator/applications", tag = "operator", tags = ["resident"],
    request_body = DeskStartBody,
    responses((status = 201, body = DraftStarted),
        (status = 403, description = "Not an operator of that kelurahan or an admin", body = ErrorBody),
        (status = 404, description = "No such round or kelurahan", body = ErrorBody),
        (status = 409, description = "Registration is not open", body = ErrorBody),
        (status = 422, description = "The RT lies in no formation, or the domicile rule refuses the formation chosen", body = ErrorBody)))]
pub async fn desk_start(
    State(app): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<DeskStartBody>,
) -> Result<(StatusCode, Json<DraftStarted>), AdminError> {
    let user = user.0;
    user.require(&[Role::Operator, Role::Admin])?;
    let id = svc::start_draft(
        &app.db,
        &app.vault,
        acting(&user),
        &StartDraft {
            round_id: body.round_id,
            kelurahan_code: body.kelurahan,
            rt: body.rt,
            idempotency_key: key_or_new(&body.idempotency_key),
            formation_code: body.formation,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(DraftStarted { id })))
}

/// The draft's fields. A field left out or empty keeps what is stored;
/// `declarations` replaces the ticked declarations (send all you agree to).
#[derive(serde::Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ApplicationDraft {
    pub full_name: Option<String>,
    /// 16 digits.
    pub nik: Option<String>,
    pub birth_place: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// `male` or `female`.
    pub sex: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
    /// The 16-digit family-card number (only its keyed hash is kept).
    pub family_card: Option<String>,
    pub motivation: Option<String>,
    pub experience: Option<String>,
    /// Codes of the round's declarations the applicant agrees to, e.g. `BENAR`.
    #[serde(default)]
    pub declarations: Vec<String>,
}

impl ApplicationDraft {
    fn fields(self) -> Fields {
        let mut f = FormData::default();
        let values = [
            self.full_name,
            self.nik,
            self.birth_place,
            self.birth_date,
            self.sex,
            self.address,
            self.phone,
            self.email,
            self.education,
            self.occupation,
            self.family_card,
            self.motivation,
            self.experience,
        ];
        for (name, v) in FIELD_NAMES.iter().zip(values) {
            if let Some(v) = v {
                f.0.insert((*name).to_owned(), v);
            }
        }
        for code in self.declarations {
            f.0.insert(format!("decl_{code}"), "1".to_owned());
        }
        Fields(f)
    }
}

/// What a save kept.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DraftSaved {
    /// NIK warnings (the NIK disagrees with the birth date or sex): stored
    /// and shown, never a refusal.
    pub warnings: Vec<Text>,
}

/// Saves the draft's valid fields (as the form's "Simpan draf"). When some
/// field breaks a rule the answer is 422 naming it, and every other valid
/// field was stored all the same.
#[utoipa::path(put, path = "/applications/{id}/draft", tag = "resident",
    params(("id" = Uuid, Path, description = "The application's id")), request_body = ApplicationDraft,
    responses((status = 200, body = DraftSaved),
        (status = 404, description = "Not the caller's draft (or out of the operator's kelurahan)", body = ErrorBody),
        (status = 409, description = "Already submitted or withdrawn", body = ErrorBody),
        (status = 422, description = "Fields that were not stored, each with its message", body = ErrorBody)))]
pub async fn save_draft(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ApplicationDraft>,
) -> Result<Json<DraftSaved>, AdminError> {
    let user = user.0;
    let id = path_id(&id)?;
    let vault = NikVault::from_app(&app);
    let outcome = svc::save_draft(&app.db, &vault, acting(&user), id, &body.fields()).await?;
    if !outcome.errors.is_empty() {
        return Err(AdminError::Invalid(outcome.errors));
    }
    Ok(Json(DraftSaved {
        warnings: outcome.warnings.into_iter().map(Into::into).collect(),
    }))
}

/// A stored document.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DocumentAdded {
    /// The document's id.
    pub id: Uuid,
}

/// The multipart body of an upload (one file part called `file`).
#[derive(utoipa::ToSchema)]
#[allow(
    dead_code,
    reason = "describes the multipart body in the OpenAPI document only"
)]
pub struct UploadForm {
    /// PDF, JPEG or PNG, judged by content.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Only with the session cookie: the CSRF token of the site's forms (a
    /// bearer request needs none).
    pub csrf: Option<String>,
}

/// Uploads the document for requirement `code` (e.g. `KTP`) of a draft,
/// replacing an earlier one (`multipart/form-data`, the file in the part
/// `file`). Throttled per account and per client like the form.
#[utoipa::path(post, path = "/applications/{id}/documents/{code}", tag = "resident",
    params(("id" = Uuid, Path, description = "The application's id"), ("code" = String, Path, description = "The document requirement's code")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentAdded),
        (status = 400, description = "Not a multipart body with a `file` part", body = ErrorBody),
        (status = 403, description = "A cookie request without the form's CSRF token", body = ErrorBody),
        (status = 404, description = "Not the caller's draft, or no such document requirement", body = ErrorBody),
        (status = 409, description = "Already submitted or withdrawn", body = ErrorBody),
        (status = 413, description = "The file is larger than allowed", body = ErrorBody),
        (status = 415, description = "Not `multipart/form-data`", body = ErrorBody),
        (status = 422, description = "Not a PDF, JPEG or PNG, or it holds markup", body = ErrorBody),
        (status = 429, description = "Too many uploads in a short time", body = ErrorBody)))]
pub async fn upload(
    State(app): State<AppState>,
    user: ApiUser,
    csrf: Csrf,
    ip: ClientIp,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<DocumentAdded>), AdminError> {
    let user = user.0;
    let id = path_id(&id)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(boundary) = multipart::boundary(content_type) else {
        return Err(AdminError::Body(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            Msg::new(
                "Kirim berkas sebagai multipart/form-data.",
                "Send the file as multipart/form-data.",
            ),
        ));
    };
    let limit = app.config.max_upload_bytes.saturating_add(64 * 1024);
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return Err(AdminError::Body(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            Msg::new("Berkas terlalu besar.", "The file is too large."),
        ));
    };
    let Ok(parts) = multipart::parse(&bytes, &boundary) else {
        return Err(AdminError::App(AppError::Refused(Msg::new(
            "Isi multipart tidak terbaca.",
            "The multipart body cannot be read.",
        ))));
    };
    let token = parts
        .iter()
        .find(|p| p.name == "csrf" && p.filename.is_none())
        .map(|p| String::from_utf8_lossy(&p.data).trim().to_owned())
        .unwrap_or_default();
    csrf.verify(&token)?;
    let Some(file) = parts.into_iter().find(|p| p.name == "file") else {
        return Err(AdminError::App(AppError::Refused(Msg::new(
            "Bagian `file` tidak ada.",
            "The `file` part is missing.",
        ))));
    };
    if !upload_allowed(&app, user.id, &ip).await? {
        return Err(AdminError::Body(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            too_many_uploads(),
        ));
    }
    let name = file.filename.clone().unwrap_or_default();
    let doc = svc::attach_document(
        &app.db,
        &app.files(),
        acting(&user),
        id,
        &code,
        &name,
        file.data.to_vec(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(DocumentAdded { id: doc })))
}

/// A submitted application.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SubmittedBody {
    pub id: Uuid,
    /// E.g. `2027-6472091001-0001`.
    pub registration_no: String,
    /// Assisted applications only, and only in this answer: the 6-digit
    /// status PIN for `POST /status-check`. `null` on a repeated submission.
    pub status_pin: Option<String>,
}

/// Submits the draft ("Kirim pendaftaran"): every rule is checked again on
/// the server; the receipt mail is queued. Submitting again answers the same
/// number.
#[utoipa::path(post, path = "/applications/{id}/submission", tag = "resident",
    params(("id" = Uuid, Path, description = "The application's id")),
    responses((status = 200, body = SubmittedBody),
        (status = 404, description = "Not the caller's application", body = ErrorBody),
        (status = 409, description = "Registration is closed, or the application was withdrawn", body = ErrorBody),
        (status = 422, description = "Missing or wrong fields, documents or declarations, each named", body = ErrorBody)))]
pub async fn submit(
    State(app): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<SubmittedBody>, AdminError> {
    let user = user.0;
    let id = path_id(&id)?;
    let vault = NikVault::from_app(&app);
    let mail = app.mail();
    let done = svc::submit(&app.db, &vault, mail, acting(&user), id, Lang::Id).await?;
    Ok(Json(SubmittedBody {
        id: done.id,
        registration_no: done.registration_no,
        status_pin: done.status_pin.map(|p| p.as_str().to_owned()),
    }))
}
