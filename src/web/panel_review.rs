//! `GET /audit/seleksi/{id}/tinjauan-panel`: the panel review for auditors.

use axum::extract::{Path, State};
use maud::Markup;

use super::{CurrentUser, path_id};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::views::PageCtx;
use crate::views::layout::layout;

/// `GET /audit/seleksi/{id}/tinjauan-panel` (auditors and admins).
pub async fn page(
    State(app): State<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> AppResult<Markup> {
    user.require(&[Role::Auditor, Role::Admin])?;
    let r = super::review_cache::round_review(&app, path_id(&id)?).await?;
    Ok(layout(
        &ctx,
        crate::views::panel_review::audit_page(&ctx, &r),
    ))
}
