//! The admin's scoring progress page: per formation, panelist × application
//! (not declared / recused / draft / submitted), conflict flags, what is
//! missing and why, the live standings, and the recusal form.

use maud::{Markup, html};

use super::layout::{Page, PageCtx, layout};
use crate::domain::progress::{Cell, Missing, Progress};

/// What the page needs besides the service's read model.
pub struct ProgressForm<'a> {
    pub csrf: &'a str,
    /// Whether the viewer may recuse (admins; auditors only read).
    pub can_recuse: bool,
    pub error: Option<String>,
    /// The refused recusal: (application id, panelist id, reason).
    pub typed: Option<(String, String, String)>,
    /// Whether the round has imported criteria (offers the import page).
    pub has_imported: bool,
}

fn cell_text(ctx: &PageCtx, c: Cell) -> String {
    match c {
        Cell::NotDeclared => ctx.t("belum menyatakan", "not declared").to_owned(),
        Cell::Recused => ctx.t("dikecualikan", "recused").to_owned(),
        Cell::Draft => ctx.t("belum dikirim", "not submitted").to_owned(),
        Cell::Submitted(v) => format!("{} (v{v})", ctx.t("terkirim", "submitted")),
    }
}

fn flag_text(ctx: &PageCtx, flag: &str) -> String {
    match flag {
        "same_rt" => ctx.t("RT sama", "same RT"),
        "same_family_card" => ctx.t("KK sama", "same family card"),
        other => other,
    }
    .to_owned()
}

fn missing_text(ctx: &PageCtx, m: &Missing) -> String {
    m.label().pick(ctx.lang).to_owned()
}

fn status_text(ctx: &PageCtx, s: &str) -> String {
    match s {
        "selected" => ctx.t("terpilih", "selected"),
        "reserve" => ctx.t("cadangan", "reserve"),
        "not_selected" => ctx.t("tidak terpilih", "not selected"),
        "not_passed" => ctx.t("tidak lulus", "not passed"),
        other => other,
    }
    .to_owned()
}

/// `GET /admin/seleksi/{id}/progres`.
pub fn page(ctx: &PageCtx, p: &Progress, f: &ProgressForm<'_>) -> Markup {
    let r = &p.round;
    let base = format!("/admin/seleksi/{}", r.id);
    let published = r.state.is_published();
    let body = html! {
        p.muted {
            a href=(base) { (ctx.t("Ringkasan seleksi", "Round overview")) } " · "
            a href=(format!("{base}/dasbor")) { (ctx.t("Dasbor", "Dashboard")) } " · "
            a href=(format!("{base}/saksi")) { (ctx.t("Saksi undian", "Lottery witnesses")) }
            @if f.has_imported { " · " a href=(format!("{base}/impor-nilai")) { (ctx.t("Impor nilai", "Import values")) } }
        }
        h1 { (ctx.t("Progres penilaian", "Scoring progress")) ": " (r.name) }
        p { (ctx.t(
            "Pendaftar lengkap bila sedikitnya",
            "An application is complete when at least"
        )) " " strong { (r.min_panelists) } " " (ctx.t(
            "penilai yang tidak dikecualikan sudah mengirim nilai. Yang belum lengkap tidak diberi peringkat.",
            "non-recused panelists have submitted. Incomplete applications get no rank."
        )) }
        @if !published { p.muted { (ctx.t(
            "Peringkat di bawah adalah klasemen sementara (belum diumumkan), dihitung ulang pada setiap perubahan nilai.",
            "The ranks below are live standings (not yet published), recomputed on every input change."
        )) } }
        @if let Some(e) = &f.error { div.alert role="alert" { (e) } }
        @if p.formations.is_empty() { p { (ctx.t("Belum ada formasi.", "No formations yet.")) } }
        @for fp in &p.formations {
            h2 { (fp.formation.name) " " code { (fp.formation.code) } }
            p {
                (ctx.t("Pendaftar memenuhi syarat", "Eligible applications")) ": " strong { (fp.rows.len()) } " · "
                (ctx.t("lengkap", "complete")) ": " strong { (fp.complete) } " · "
                (ctx.t("belum lengkap", "incomplete")) ": " strong { (fp.incomplete) } " · "
                (ctx.t("kartu nilai terkirim", "scorecards submitted")) ": " strong { (fp.submitted) }
            }
            @if fp.panelists.is_empty() {
                div.alert { (ctx.t("Formasi ini belum memiliki panel penilai.", "This formation has no panel yet.")) }
            }
            @if !fp.rows.is_empty() {
                (super::scroll::hint(ctx))
                div.scroll tabindex="0" role="region" aria-label=(ctx.t("Tabel kemajuan penilaian", "Scoring progress table")) { table {
                    thead { tr {
                        th { (ctx.t("Nomor", "Number")) }
                        @for (_, name) in &fp.panelists { th { (name) } }
                        th { (ctx.t("Kelengkapan", "Completeness")) }
                        th.num { (ctx.t("Total", "Total")) }
                        th.num { (ctx.t("Peringkat", "Rank")) }
                    } }
                    tbody {
                        @for row in &fp.rows {
                            tr {
                                td { (row.registration_no) }
                                @for (i, c) in row.cells.iter().enumerate() {
                                    td {
                                        (cell_text(ctx, *c))
                                        @for fl in row.flags.get(i).map(Vec::as_slice).unwrap_or_default() {
                                            br; strong { "⚑ " (flag_text(ctx, fl)) }
                                        }
                                    }
                                }
                                td {
                                    @if row.complete { (ctx.t("lengkap", "complete")) }
                                    @else {
                                        strong { (ctx.t("belum lengkap", "incomplete")) }
                                        ul { @for m in &row.missing { li { (missing_text(ctx, m)) } } }
                                    }
                                }
                                td.num { (row.total.clone().unwrap_or_else(|| "–".into())) }
                                td.num {
                                    @if let Some(rank) = row.rank { (rank) } @else { "–" }
                                    @if let Some(s) = &row.status { br; span.muted { (status_text(ctx, s)) } }
                                }
                            }
                        }
                    }
                } }
                @if f.can_recuse && !fp.panelists.is_empty() {
                    h3 { (ctx.t("Kecualikan penilai dari seorang pendaftar", "Recuse a panelist from an application")) }
                    form method="post" action=(format!("{base}/progres/kecualikan")) {
                        input type="hidden" name="csrf" value=(f.csrf);
                        @let typed = f.typed.clone().unwrap_or_default();
                        label for=(format!("app-{}", fp.formation.id)) { (ctx.t("Pendaftar", "Application")) }
                        select id=(format!("app-{}", fp.formation.id)) name="application_id" required {
                            @for row in &fp.rows { option value=(row.application_id) selected[typed.0 == row.application_id.to_string()] { (row.registration_no) } }
                        }
                        label for=(format!("pan-{}", fp.formation.id)) { (ctx.t("Penilai", "Panelist")) }
                        select id=(format!("pan-{}", fp.formation.id)) name="panelist_id" required {
                            @for (id, name) in &fp.panelists { option value=(id) selected[typed.1 == id.to_string()] { (name) } }
                        }
                        label for=(format!("reason-{}", fp.formation.id)) { (ctx.t("Alasan (wajib, tercatat di jejak audit)", "Reason (required, recorded in the audit trail)")) }
                        textarea id=(format!("reason-{}", fp.formation.id)) name="reason" rows="2" maxlength="1000" required { (typed.2) }
                        button type="submit" { (ctx.t("Kecualikan penilai", "Recuse panelist")) }
                    }
                }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Progres penilaian", "Scoring progress").into(),
            body,
        },
    )
}
