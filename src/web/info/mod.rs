//! The information section's pages: public reading (announcements, SOPs,
//! FAQ, help desks, the Atom feed, open statistics), management by admins and
//! operators, and the consent to news by SMS/WhatsApp.

mod consent;
mod desks;
mod faq;
mod manage;
mod public;
pub use consent::{consent_give, consent_page, consent_withdraw};
pub use desks::{desk_edit, desk_update};
pub use faq::{faq_create, faq_edit, faq_remove, faq_update};
pub use manage::{
    admin, announcement_create, announcement_edit, announcement_remove, announcement_update,
    sop_upload,
};
pub use public::{
    FeedQuery, announcement, faq, feed, hub, kelurahan, sop_latest, sop_version, stats, stats_csv,
};

use axum::Form;
use axum::Router;
use axum::routing::{get, post};

use super::{CurrentUser, form_field};
use crate::app::AppState;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::services::information::Editor;
use crate::views::info_admin::FormState;

type Pairs = Form<Vec<(String, String)>>;

/// Every route of the information section.
pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/informasi", get(hub))
        .route("/informasi/faq", get(faq))
        .route("/informasi/feed.atom", get(feed))
        .route("/informasi/kelurahan/{code}", get(kelurahan))
        .route("/informasi/pengumuman/{id}", get(announcement))
        .route("/informasi/sop/{slug}", get(sop_latest))
        .route("/informasi/sop/{slug}/{version}", get(sop_version))
        .route("/seleksi/{slug}/statistik", get(stats))
        .route("/seleksi/{slug}/statistik.csv", get(stats_csv))
        .route("/admin/informasi", get(admin))
        .route("/admin/informasi/pengumuman", post(announcement_create))
        .route(
            "/admin/informasi/pengumuman/{id}",
            get(announcement_edit).post(announcement_update),
        )
        .route(
            "/admin/informasi/pengumuman/{id}/hapus",
            post(announcement_remove),
        )
        .route(
            "/admin/informasi/sop",
            post(sop_upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route("/admin/informasi/faq", post(faq_create))
        .route("/admin/informasi/faq/{id}", get(faq_edit).post(faq_update))
        .route("/admin/informasi/faq/{id}/hapus", post(faq_remove))
        .route(
            "/admin/informasi/help-desk/{code}",
            get(desk_edit).post(desk_update),
        )
        .route(
            "/pendaftaran/{id}/pesan",
            get(consent_page).post(consent_give),
        )
        .route("/pendaftaran/{id}/pesan/cabut", post(consent_withdraw))
}

fn editor(user: &CurrentUser) -> Editor<'_> {
    Editor {
        actor: user.actor(),
        role: user.role,
        scopes: &user.scopes,
    }
}

fn staff_only(user: &CurrentUser) -> AppResult<()> {
    user.require(&[Role::Admin, Role::Operator])
}

fn typed(pairs: &[(String, String)], names: &[&str]) -> FormState {
    FormState::with(
        &names
            .iter()
            .map(|n| (*n, form_field(pairs, n).to_owned()))
            .collect::<Vec<_>>(),
    )
}
