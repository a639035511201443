//! An application's history page, with the cause of every rank change.

use maud::{Markup, html};

use super::{BASE, at_wita, events_table, page, workspace_nav};
use crate::domain::ranking::{format_rounded_2dp, parse_fraction};
use crate::domain::trail_read::ApplicationHistory;
use crate::domain::trail_read::TrailEvent;
use crate::views::layout::{PageCtx, urlencode};

fn status_label(ctx: &PageCtx, s: &str) -> String {
    match s {
        "" => "—".to_owned(),
        "selected" => ctx.t("terpilih", "selected").to_owned(),
        "reserve" => ctx.t("cadangan", "reserve").to_owned(),
        "not_selected" => ctx.t("tidak terpilih", "not selected").to_owned(),
        "not_passed" => ctx.t("tidak lulus", "not passed").to_owned(),
        other => other.to_owned(),
    }
}

fn rank_text(r: i64) -> String {
    if r == 0 {
        "—".to_owned()
    } else {
        r.to_string()
    }
}

fn total_text(exact: &str) -> String {
    parse_fraction(exact).map_or_else(|_| exact.to_owned(), |r| format_rounded_2dp(&r))
}

/// The timeline of one application with its ranks and their causes.
pub fn history_page(ctx: &PageCtx, h: &ApplicationHistory) -> Markup {
    let a = &h.application;
    let title = a
        .registration_no
        .clone()
        .unwrap_or_else(|| a.id.to_string());
    let who = |actor: &str| {
        h.actors
            .get(actor)
            .cloned()
            .unwrap_or_else(|| actor.to_owned())
    };
    let body = html! {
        h1 { (ctx.t("Riwayat pendaftaran", "Application history")) " " (title) }
        (workspace_nav(ctx))
        dl.summary {
            dt { (ctx.t("Nama", "Name")) } dd { bdi { (a.full_name) } }
            dt { "NIK" } dd { code { (a.nik_masked.as_deref().unwrap_or("—")) } }
            dt { (ctx.t("Seleksi", "Round")) } dd { a href=(format!("{BASE}/seleksi/{}", a.round_id)) { (a.round_name) } }
            dt { (ctx.t("Formasi", "Formation")) }
            dd {
                @if let Some(f) = &a.formation {
                    code { (f.code) } " " (f.name) " · "
                    a href=(format!("{BASE}/formasi/{}/konflik", f.id)) { (ctx.t("matriks konflik", "conflict matrix")) }
                } @else { "—" }
            }
            dt { (ctx.t("Wilayah", "Area")) } dd { (a.kelurahan.as_deref().unwrap_or("—")) @if let Some(rt) = a.rt_number { " RT " (format!("{rt:03}")) } }
            dt { (ctx.t("Status pendaftaran", "Application state")) } dd { (crate::views::applications::state_label(ctx, a.state)) }
            @if let Some(r) = &h.current {
                dt { (ctx.t("Peringkat sekarang", "Current rank")) }
                dd {
                    (r.rank.map_or_else(|| "—".to_owned(), |x| x.to_string())) " · "
                    (status_label(ctx, r.status.as_deref().unwrap_or_default()))
                    @if let Some(t) = &r.total_exact { " · " (ctx.t("total", "total")) " " (total_text(t)) " (" code { (t) } ")" }
                    @if !r.published { " " span.muted { (ctx.t("(belum diumumkan)", "(not yet published)")) } }
                }
            }
        }
        h2 { (ctx.t("Peringkat dari waktu ke waktu", "Rank over time")) }
        @if h.rank_steps().next().is_none() {
            p.empty { (ctx.t("Belum ada perubahan peringkat yang diumumkan.", "No published rank change yet.")) }
        } @else {
            table.ranks {
                thead { tr {
                    th.num { "seq" } th { (ctx.t("Waktu (WITA)", "Time (WITA)")) }
                    th { (ctx.t("Peringkat", "Rank")) } th { "Status" } th.num { "Total" }
                    th { (ctx.t("Sebab", "Cause")) }
                } }
                tbody {
                    @for (e, r) in h.rank_steps() {
                        tr.rank-change {
                            td.num { a href=(format!("#e{}", e.seq)) { (e.seq) } }
                            td { (at_wita(&e.at)) }
                            td { (rank_text(r.from_rank)) " → " strong { (rank_text(r.to_rank)) } }
                            td { (status_label(ctx, &r.from_status)) " → " strong { (status_label(ctx, &r.to_status)) } }
                            td.num { @if !r.total.is_empty() { (total_text(&r.total)) } }
                            td.cause {
                                @if let Some(c) = &r.cause {
                                    a href=(format!("{BASE}/jejak?subject_type={}&subject_id={}#e{}", urlencode(&c.subject_type), urlencode(&c.subject_id), c.seq)) { code { (c.action) } }
                                    " (seq " (c.seq) ") " (ctx.t("oleh", "by")) " "
                                    strong.cause-actor { (who(&c.actor)) } " (" (c.actor_role) ")"
                                    @if !c.reason.is_empty() { br; (ctx.t("Alasan", "Reason")) ": " span.cause-reason { bdi { (c.reason) } } }
                                } @else {
                                    "seq " (r.cause_seq)
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (ctx.t("Semua peristiwa", "Every event")) }
        @if h.timeline.is_empty() {
            p.empty { (ctx.t("Belum ada peristiwa.", "No events yet.")) }
        } @else {
            @let events: Vec<TrailEvent> = h.timeline.iter().map(|x| x.event.clone()).collect();
            (events_table(ctx, &events, &h.actors))
        }
    };
    page(
        ctx,
        &format!("{} {title}", ctx.t("Riwayat", "History")),
        body,
    )
}
