//! The admin's list of rounds, with the form that creates one.

use maud::{Markup, html};

use super::{FormView, csrf, form_alert, input, state_badge, textarea};
use crate::views::layout::{Page, PageCtx, layout};

/// One round in the admin list.
#[derive(Clone, Debug)]
pub struct RoundRow {
    pub id: uuid::Uuid,
    pub name: String,
    pub year: i32,
    pub state: crate::domain::round::RoundState,
    pub slug: String,
}

/// `GET /admin/seleksi`: every round and the form that creates one.
pub fn admin_list(ctx: &PageCtx, rounds: &[RoundRow], f: &FormView) -> Markup {
    admin_list_with(ctx, rounds, f, html! {})
}

/// [`admin_list`] with reminders shown under the heading (open breach clocks).
pub fn admin_list_with(
    ctx: &PageCtx,
    rounds: &[RoundRow],
    f: &FormView,
    reminders: Markup,
) -> Markup {
    let body = html! {
        h1 { (ctx.t("Kelola seleksi", "Manage rounds")) }
        (reminders)
        @if rounds.is_empty() {
            div.empty { p { (ctx.t("Belum ada seleksi. Buat yang pertama di bawah.", "No round yet. Create the first one below.")) } }
        } @else {
            table {
                thead { tr { th { (ctx.t("Nama", "Name")) } th { (ctx.t("Tahun", "Year")) } th { (ctx.t("Status", "State")) } } }
                tbody {
                    @for r in rounds {
                        tr {
                            td { a href=(format!("/admin/seleksi/{}", r.id)) { (r.name) } br; span.muted { code { (r.slug) } } }
                            td { (r.year) }
                            td { (state_badge(ctx, r.state)) }
                        }
                    }
                }
            }
        }
        h2 { (ctx.t("Buat seleksi baru", "Create a round")) }
        p.muted { (ctx.t("Seleksi baru berstatus «Disiapkan» dan tidak tampil untuk publik sampai pendaftaran dibuka.", "A new round is «In preparation» and stays hidden from the public until registration opens.")) }
        (form_alert(ctx, f))
        form method="post" action="/admin/seleksi" novalidate {
            (csrf(f))
            input type="hidden" name="idempotency_key" value=(f.values.get("idempotency_key"));
            (input(ctx, f, "name", ctx.t("Nama seleksi", "Name of the round"), "text"))
            (input(ctx, f, "year", ctx.t("Tahun", "Year"), "number"))
            (textarea(ctx, f, "description_id", ctx.t("Keterangan (Bahasa Indonesia)", "Description (Indonesian)"), 3))
            (textarea(ctx, f, "description_en", ctx.t("Keterangan (Inggris)", "Description (English)"), 3))
            button type="submit" { (ctx.t("Buat seleksi", "Create round")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Kelola seleksi", "Manage rounds").into(),
            body,
        },
    )
}
