//! The print button of receipts, slips and announcements.

use maud::{Markup, html};

use super::assets;
use super::layout::PageCtx;

/// A "Cetak" button that opens the browser's print dialog, with the words
/// for the browser's own menu beside it. The button starts hidden and
/// `print.js` reveals it, so without script only the words remain.
pub fn print_button(ctx: &PageCtx, label: (&str, &str)) -> Markup {
    html! {
        span.noprint.print-hint {
            button type="button" data-print hidden { (ctx.t(label.0, label.1)) }
            " "
            span.muted { (ctx.t(
                "Atau pakai menu Cetak/Bagikan di peramban (di komputer: Ctrl+P).",
                "Or use the browser's Print/Share menu (on a computer: Ctrl+P)."
            )) }
        }
        script src=(assets::url("print.js")) defer {}
    }
}
