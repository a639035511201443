//! The panelist's scoring pages: handlers parse, call one service, render.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::Markup;
use uuid::Uuid;

use super::forms::{FormPage, RuleRefusal, Viewer};
use super::posted::{Allowed, Panelist, Posted, TokenField};
use super::{Csrf, CurrentUser};
use crate::app::AppState;
use crate::domain::msg::Msg;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::services::ServiceError;
use crate::services::scoring::{self as svc, ConflictKind};
use crate::views::PageCtx;
use crate::views::scoring::{self as v, SheetForm};

/// `GET /penilai`.
pub async fn queue(
    State(app): State<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<QueueQuery>,
) -> AppResult<Markup> {
    user.require(&[Role::Panelist])?;
    let items = svc::panelist_queue(&app.db, user.id).await?;
    let only_needed = q.perlu.as_deref().map(|p| p != "0");
    Ok(v::queue(&ctx, &items, only_needed))
}

/// `?perlu=1`: only the applications that need the panelist's action;
/// `?perlu=0`: all of them. Without it the list opens filtered whenever
/// something needs action.
#[derive(serde::Deserialize)]
pub struct QueueQuery {
    perlu: Option<String>,
}

/// A panelist's score sheet for one application, with what a refused form
/// had typed.
#[derive(Default)]
struct Sheet {
    id: Uuid,
    typed: BTreeMap<String, i32>,
    reason: String,
    typed_comments: BTreeMap<String, String>,
    draft_saved: bool,
    /// Answering the draft form, whose success comes back with a note that
    /// the draft was saved.
    from_draft: bool,
}

impl Sheet {
    fn at(id: Uuid) -> Sheet {
        Sheet {
            id,
            ..Sheet::default()
        }
    }
}

impl FormPage for Sheet {
    type Refusal = RuleRefusal;

    fn back(&self) -> String {
        let note = if self.from_draft { "?draf=1" } else { "" };
        format!("/penilai/{}{note}", self.id)
    }

    async fn draw(
        self,
        to: Viewer<'_>,
        csrf: String,
        error: Option<RuleRefusal>,
    ) -> AppResult<Markup> {
        let Viewer { app, ctx, user } = to;
        let sheet = svc::score_sheet(&app.db, user.id, self.id).await?;
        Ok(v::sheet(
            ctx,
            &sheet,
            &SheetForm {
                csrf: &csrf,
                error: error.map(|e| e.0),
                typed: self.typed,
                reason: self.reason,
                typed_comments: self.typed_comments,
                draft_saved: self.draft_saved,
            },
        ))
    }
}

/// Query of the sheet page: `?draf=1` after a saved draft.
#[derive(serde::Deserialize, Default)]
pub struct SheetQuery {
    #[serde(default)]
    draf: Option<String>,
}

/// `GET /penilai/{id}`.
pub async fn sheet(
    State(app): State<AppState>,
    a: Allowed<Panelist, Uuid>,
    csrf: Csrf,
    Query(q): Query<SheetQuery>,
) -> AppResult<Response> {
    let page = |id| Sheet {
        draft_saved: q.draf.is_some(),
        ..Sheet::at(id)
    };
    a.show(&app, csrf, page).await
}

/// The `c_<CODE>` comment fields of a scorecard form.
fn comments_of(pairs: &[(String, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("c_")
                .map(|code| (code.to_owned(), v.clone()))
        })
        .collect()
}

/// `POST /penilai/{id}/draf`: saves whatever is filled in, privately.
pub async fn save_draft(
    State(app): State<AppState>,
    p: Posted<Panelist, Uuid>,
) -> AppResult<Response> {
    let comments = comments_of(&p.form);
    let mut values = svc::DraftValues::new();
    let mut typed = BTreeMap::new();
    for (k, v) in &p.form {
        if let Some(code) = k.strip_prefix("v_") {
            let n = v.trim().parse::<i32>().ok();
            if let Some(n) = n {
                typed.insert(code.to_owned(), n);
            }
            values.insert(code.to_owned(), n);
        }
    }
    let res = svc::save_draft(&app.db, p.user.id, p.ids, &values, &comments).await;
    let page = |id| Sheet {
        typed,
        typed_comments: comments,
        from_draft: true,
        ..Sheet::at(id)
    };
    p.answer(&app, page, res).await
}

/// Fields of the declaration form.
#[derive(serde::Deserialize)]
pub struct DeclareInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
}

impl TokenField for DeclareInput {
    fn token(&self) -> &str {
        &self.csrf
    }
}

/// `POST /penilai/{id}/pernyataan`.
pub async fn declare(
    State(app): State<AppState>,
    p: Posted<Panelist, Uuid, DeclareInput>,
) -> AppResult<Response> {
    let kind = match p.form.kind.as_str() {
        "none" => ConflictKind::None,
        "family" => ConflictKind::Family,
        "household" => ConflictKind::Household,
        "employment" => ConflictKind::Employment,
        "political" => ConflictKind::Political,
        "other" => ConflictKind::Other,
        _ => {
            let msg = Msg::new(
                "Pilih salah satu pernyataan.",
                "Choose one of the statements.",
            );
            return p
                .answer(&app, Sheet::at, Err::<(), _>(ServiceError::Invalid(msg)))
                .await;
        }
    };
    match svc::declare(&app.db, p.user.id, p.ids, kind, &p.form.text).await {
        Err(ServiceError::Conflict(msg)) => {
            // Already declared: the page again, with the reason, as a 409.
            let refused = Err::<(), _>(ServiceError::Invalid(msg));
            let mut res = p.answer(&app, Sheet::at, refused).await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        res => p.answer(&app, Sheet::at, res).await,
    }
}

/// `POST /penilai/{id}/nilai`: `v_<CODE>` per criterion, `reason` for an amendment.
pub async fn submit(State(app): State<AppState>, p: Posted<Panelist, Uuid>) -> AppResult<Response> {
    let reason = p
        .form
        .iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let comments = comments_of(&p.form);
    let mut values = BTreeMap::new();
    for (k, v) in &p.form {
        let Some(code) = k.strip_prefix("v_") else {
            continue;
        };
        // An empty field is a missing value: the service names them all.
        if v.trim().is_empty() {
            continue;
        }
        let Ok(n) = v.trim().parse::<i32>() else {
            let refused = Err::<(), _>(ServiceError::Invalid(Msg::new(
                format!("Nilai {code} harus berupa angka pada skala."),
                format!("The score for {code} must be a number on the scale."),
            )));
            let page = |id| Sheet {
                reason,
                typed_comments: comments,
                ..Sheet::at(id)
            };
            return p.answer(&app, page, refused).await;
        };
        values.insert(code.to_owned(), n);
    }
    let sheet = svc::score_sheet(&app.db, p.user.id, p.ids).await?;
    let amendment = (sheet.my_version > 0).then_some(reason.as_str());
    let res =
        svc::submit_with_comments(&app.db, p.user.id, p.ids, &values, &comments, amendment).await;
    let page = |id| Sheet {
        typed: values,
        reason,
        typed_comments: comments,
        ..Sheet::at(id)
    };
    p.answer(&app, page, res).await
}
