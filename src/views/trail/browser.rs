//! The trail browser: its filter form and one page of events.

use maud::{Markup, html};

use super::{BASE, events_table, page, workspace_nav};
use crate::domain::trail_read::{TrailPage, TrailQuery};
use crate::views::layout::{PageCtx, urlencode};

/// The query string of `q` with another cursor.
pub fn trail_href(q: &TrailQuery, before: Option<i64>) -> String {
    let mut parts: Vec<String> = [
        ("round", &q.round),
        ("kelurahan", &q.kelurahan),
        ("formation", &q.formation),
        ("registration_no", &q.registration_no),
        ("actor", &q.actor),
        ("action", &q.action),
        ("subject_type", &q.subject_type),
        ("subject_id", &q.subject_id),
        ("from", &q.from),
        ("to", &q.to),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| format!("{k}={}", urlencode(v.trim())))
    .collect();
    if let Some(l) = q.limit {
        parts.push(format!("limit={l}"));
    }
    if let Some(b) = before {
        parts.push(format!("before={b}"));
    }
    if parts.is_empty() {
        format!("{BASE}/jejak")
    } else {
        format!("{BASE}/jejak?{}", parts.join("&"))
    }
}

/// Known actions offered as suggestions in the action filter.
const ACTIONS: [&str; 22] = [
    "application.",
    "application.submitted",
    "application.verified",
    "application.verification_changed",
    "application.withdrawn",
    "approval.",
    "conflict.",
    "conflict.declared",
    "conflict.none_declared",
    "score.",
    "score.submitted",
    "score.amended",
    "ranking.changed",
    "round.",
    "panel.",
    "test.",
    "account.",
    "formation.",
    "formations.",
    "criteria.updated",
    "requirements.updated",
    "objection.",
];

/// The trail browser: the filter form, a page of events and the way to the next page.
pub fn trail_page(ctx: &PageCtx, q: &TrailQuery, result: Result<&TrailPage, &str>) -> Markup {
    let field = |name: &'static str,
                 id: &'static str,
                 en: &'static str,
                 value: &str,
                 hint: &'static str| {
        html! {
            div {
                label for=(format!("f-{name}")) { (ctx.t(id, en)) }
                input id=(format!("f-{name}")) type="text" name=(name) value=(value) placeholder=(hint);
            }
        }
    };
    let body = html! {
        h1 { (ctx.t("Jejak audit", "Audit trail")) }
        (workspace_nav(ctx))
        form.filters method="get" action=(format!("{BASE}/jejak")) {
            div.row {
                (field("round", "ID seleksi", "Round id", &q.round, ""))
                (field("kelurahan", "Kode kelurahan", "Kelurahan code", &q.kelurahan, "64.72.01.1001"))
                (field("formation", "ID formasi", "Formation id", &q.formation, ""))
            }
            div.row {
                (field("registration_no", "Nomor pendaftaran", "Registration number", &q.registration_no, "2026-6472011001-0001"))
                (field("actor", "Pelaku (ID akun atau system)", "Actor (account id or system)", &q.actor, "system"))
                div {
                    label for="f-action" { (ctx.t("Aksi (akhiri dengan titik untuk satu keluarga)", "Action (end with a dot for a family)")) }
                    input #f-action type="text" name="action" value=(q.action) list="actions" placeholder="score.";
                    datalist #actions { @for a in ACTIONS { option value=(a) {} } }
                }
            }
            div.row {
                (field("subject_type", "Jenis subjek", "Subject type", &q.subject_type, "application"))
                (field("subject_id", "ID subjek", "Subject id", &q.subject_id, ""))
            }
            div.row {
                div {
                    label for="f-from" { (ctx.t("Dari (WITA)", "From (WITA)")) }
                    input #f-from type="text" name="from" value=(q.from) placeholder="2026-12-01";
                }
                div {
                    label for="f-to" { (ctx.t("Sampai (WITA)", "Until (WITA)")) }
                    input #f-to type="text" name="to" value=(q.to) placeholder="2026-12-31";
                }
            }
            button type="submit" { (ctx.t("Saring", "Filter")) }
            " " a href=(format!("{BASE}/jejak")) { (ctx.t("Hapus saringan", "Clear filters")) }
        }
        @match result {
            Err(message) => { div.alert role="alert" { (message) } }
            Ok(p) => {
                @if p.events.is_empty() {
                    p.empty { (ctx.t("Tidak ada peristiwa yang cocok dengan saringan ini.", "No event matches these filters.")) }
                } @else {
                    p.muted { (ctx.t("Terbaru lebih dulu.", "Newest first.")) " " (p.events.len()) " " (ctx.t("peristiwa di halaman ini.", "events on this page.")) }
                    (events_table(ctx, &p.events, &p.actors))
                }
                p.pager {
                    @if q.before.is_some() {
                        a href=(trail_href(q, None)) { (ctx.t("« Terbaru", "« Newest")) } " "
                    }
                    @if let Some(b) = p.next_before {
                        a rel="next" href=(trail_href(q, Some(b))) { (ctx.t("Lebih lama »", "Older »")) }
                    }
                }
            }
        }
    };
    page(ctx, ctx.t("Jejak audit", "Audit trail"), body)
}
