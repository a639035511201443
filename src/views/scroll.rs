//! Tables too wide for a 360 px phone: they scroll inside a region that says
//! so and that a keyboard can reach, instead of widening the page.

use maud::{Markup, html};

use super::layout::PageCtx;

/// `table` inside a focusable, labelled scroll region with a hint above it.
pub fn scroll_table(ctx: &PageCtx, label: &str, table: Markup) -> Markup {
    html! {
        p.scroll-hint aria-hidden="true" { (ctx.t("Geser tabel ke samping untuk melihat semua kolom →", "Swipe the table sideways to see every column →")) }
        div.scroll tabindex="0" role="region" aria-label=(label) { (table) }
    }
}

/// The hint above a scroll region written inline (`div.scroll tabindex="0"
/// role="region" aria-label=…`), for tables built in place.
pub fn hint(ctx: &PageCtx) -> Markup {
    html! {
        p.scroll-hint aria-hidden="true" { (ctx.t("Geser tabel ke samping untuk melihat semua kolom →", "Swipe the table sideways to see every column →")) }
    }
}
