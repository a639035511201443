//! The auditors' workspace pages: the trail browser, application
//! histories, panelist views, conflict matrices and panel analytics. Plain
//! GET forms and links, no JavaScript; small tables that scroll on phones.

mod analytics;
mod browser;
mod events;
mod history;
mod panelist;
pub use analytics::analytics_page;
pub use browser::{trail_href, trail_page};
use events::events_table;
pub use events::subject_href;
pub use history::history_page;
pub use panelist::{matrix_page, panelist_page};

use maud::{Markup, html};

use super::layout::{Page, PageCtx, layout, urlencode};
use crate::domain::round::Round;
use crate::domain::round::format_wita;
use crate::domain::trail_read::RoundOverview;

/// Base path of the workspace.
pub const BASE: &str = "/audit";

fn page(ctx: &PageCtx, title: &str, body: Markup) -> Markup {
    layout(
        ctx,
        Page {
            title: title.to_owned(),
            body,
        },
    )
}

fn workspace_nav(ctx: &PageCtx) -> Markup {
    html! {
        p.muted.noprint {
            a href=(BASE) { (ctx.t("Ruang audit", "Audit workspace")) } " · "
            a href=(format!("{BASE}/jejak")) { (ctx.t("Jejak audit lengkap", "Full audit trail")) } " · "
            a href="/jejak-audit" { (ctx.t("Titik periksa publik", "Public checkpoint")) }
        }
    }
}

/// An audit `at` (UTC) shown in WITA; unreadable text is shown as it is.
fn at_wita(at: &str) -> String {
    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .map_or_else(|_| at.to_owned(), format_wita)
}

// ---------------------------------------------------------------------------
// Workspace home and round page
// ---------------------------------------------------------------------------

/// The workspace home: every round and the ways into the trail.
pub fn home(ctx: &PageCtx, rounds: &[Round]) -> Markup {
    let body = html! {
        h1 { (ctx.t("Ruang audit", "Audit workspace")) }
        (workspace_nav(ctx))
        p.lead { (ctx.t(
            "Semua peristiwa tercatat dalam satu jejak audit berantai-hash. Dari sini Anda dapat menelusuri jejak, riwayat setiap pendaftaran beserta sebab setiap perubahan peringkat, lembar nilai penilai, matriks konflik kepentingan dan analitik panel. Halaman ini hanya untuk membaca.",
            "Every event is recorded in one hash-chained audit trail. From here you can browse the trail, each application's history with the cause of every rank change, panelists' scorecards, conflict matrices and panel analytics. These pages only read."
        )) }
        form method="get" action=(format!("{BASE}/pendaftaran")) {
            label for="nomor" { (ctx.t("Riwayat pendaftaran: nomor pendaftaran", "Application history: registration number")) }
            input #nomor type="text" name="nomor" required placeholder="2026-6472011001-0001";
            button type="submit" { (ctx.t("Buka riwayat", "Open history")) }
        }
        h2 { (ctx.t("Seleksi", "Rounds")) }
        @if rounds.is_empty() {
            p.empty { (ctx.t("Belum ada seleksi.", "No rounds yet.")) }
        } @else {
            table {
                thead { tr { th { (ctx.t("Seleksi", "Round")) } th { (ctx.t("Tahap", "Stage")) } th { (ctx.t("Telusuri", "Browse")) } } }
                tbody {
                    @for r in rounds {
                        tr {
                            td { a href=(format!("{BASE}/seleksi/{}", r.id)) { (r.name) } }
                            td { (super::round_state_label(ctx, r.state)) }
                            td {
                                a href=(format!("{BASE}/jejak?round={}", r.id)) { (ctx.t("Jejak", "Trail")) } " · "
                                a href=(format!("{BASE}/seleksi/{}/analitik", r.id)) { (ctx.t("Analitik panel", "Panel analytics")) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(ctx, ctx.t("Ruang audit", "Audit workspace"), body)
}

/// One round: its formations (trail, conflict matrix, analytics) and panelists.
pub fn round_page(ctx: &PageCtx, o: &RoundOverview) -> Markup {
    let id = o.round.id;
    let body = html! {
        h1 { (o.round.name) }
        (workspace_nav(ctx))
        p {
            (ctx.t("Tahap", "Stage")) ": " strong { (super::round_state_label(ctx, o.round.state)) } " · "
            a href=(format!("{BASE}/jejak?round={id}")) { (ctx.t("Jejak seleksi ini", "This round's trail")) } " · "
            a href=(format!("{BASE}/seleksi/{id}/analitik")) { (ctx.t("Analitik panel", "Panel analytics")) } " · "
            a href=(format!("/seleksi/{}", urlencode(&o.round.slug))) { (ctx.t("Halaman publik", "Public page")) }
        }
        h2 { (ctx.t("Formasi", "Formations")) }
        @if o.formations.is_empty() {
            p.empty { (ctx.t("Seleksi ini belum memiliki formasi.", "This round has no formations yet.")) }
        } @else {
            table {
                thead { tr { th { (ctx.t("Formasi", "Formation")) } th.num { (ctx.t("Pendaftar", "Applicants")) } th { (ctx.t("Telusuri", "Browse")) } } }
                tbody {
                    @for f in &o.formations {
                        tr {
                            td { code { (f.formation.code) } " " (f.formation.name) br; span.muted { (f.kelurahan_name) } }
                            td.num { (f.applications) }
                            td {
                                a href=(format!("{BASE}/jejak?formation={}", f.formation.id)) { (ctx.t("Jejak", "Trail")) } " · "
                                a href=(format!("{BASE}/formasi/{}/konflik", f.formation.id)) { (ctx.t("Matriks konflik", "Conflict matrix")) } " · "
                                a href=(format!("{BASE}/seleksi/{id}/analitik#f-{}", f.formation.id)) { (ctx.t("Analitik", "Analytics")) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (ctx.t("Panel penguji", "Panels")) }
        @if o.panels.is_empty() {
            p.empty { (ctx.t("Belum ada panel.", "No panels yet.")) }
        }
        @for (name, members) in &o.panels {
            h3 { (name) }
            ul {
                @for (pid, pname) in members {
                    li { a href=(format!("{BASE}/penilai/{pid}")) { (pname) } }
                }
            }
        }
    };
    page(ctx, &o.round.name, body)
}
