//! A panelist's scorecards and declarations, and a formation's conflict
//! matrix.

use maud::{Markup, html};

use super::{BASE, page, workspace_nav};
use crate::domain::account::AccountStatus;
use crate::domain::round::format_wita;
use crate::domain::trail::{ConflictMatrix, Declared, PanelistView};
use crate::views::layout::{PageCtx, urlencode};

fn kind_label(ctx: &PageCtx, kind: &str) -> String {
    match kind {
        "none" => ctx.t("tidak ada konflik", "no conflict").to_owned(),
        "family" => ctx.t("keluarga", "family").to_owned(),
        "household" => ctx.t("serumah", "household").to_owned(),
        "employment" => ctx.t("hubungan kerja", "employment").to_owned(),
        "political" => ctx.t("politik", "political").to_owned(),
        "other" => ctx.t("lainnya", "other").to_owned(),
        k => k.to_owned(),
    }
}

fn flag_label(ctx: &PageCtx, flag: &str) -> String {
    match flag {
        "same_rt" => ctx.t("RT sama", "same RT").to_owned(),
        "same_family_card" => ctx.t("KK sama", "same family card").to_owned(),
        f => f.to_owned(),
    }
}

/// A panelist's scorecards (every version) and declarations.
pub fn panelist_page(ctx: &PageCtx, p: &PanelistView) -> Markup {
    let body = html! {
        h1 { (ctx.t("Penilai", "Panelist")) ": " (p.name) }
        (workspace_nav(ctx))
        p {
            a href=(format!("{BASE}/jejak?actor={}", p.id)) { (ctx.t("Semua tindakan penilai ini di jejak audit", "Everything this panelist did, in the trail")) }
            @if p.status != AccountStatus::Active { " · " strong { (ctx.t("akun nonaktif", "account deactivated")) } }
        }
        @if !p.panels.is_empty() {
            ul { @for (rid, rname, pname) in &p.panels { li { (pname) " — " a href=(format!("{BASE}/seleksi/{rid}")) { (rname) } } } }
        }
        h2 { (ctx.t("Lembar nilai", "Scorecards")) }
        @if p.cards.is_empty() {
            p.empty { (ctx.t("Belum ada nilai yang dikirim.", "No scores submitted yet.")) }
        } @else {
            table.cards {
                thead { tr {
                    th { (ctx.t("Pendaftar", "Applicant")) } th.num { (ctx.t("Versi", "Version")) }
                    th { (ctx.t("Dikirim (WITA)", "Submitted (WITA)")) }
                    @for c in &p.criteria_codes { th.num { (c) } }
                    th { (ctx.t("Alasan perubahan", "Amendment reason")) }
                } }
                tbody {
                    @for card in &p.cards {
                        @for v in &card.versions {
                            tr.amended[v.version > 1] {
                                td { a href=(format!("{BASE}/pendaftaran/{}", urlencode(&card.registration_no))) { (card.registration_no) } br; span.muted { (card.formation_code) } }
                                td.num { (v.version) @if v.version == card.current_version { " ✓" } }
                                td { (format_wita(v.submitted_at)) @if let Some(s) = v.audit_seq { br; a href=(format!("{BASE}/jejak?registration_no={}#e{s}", urlencode(&card.registration_no))) { "seq " (s) } } }
                                @for c in &p.criteria_codes { td.num { (v.values.get(c).map_or_else(|| "—".to_owned(), ToString::to_string)) } }
                                td { bdi { (v.reason) } }
                            }
                        }
                    }
                }
            }
            p.muted { "✓ " (ctx.t("= versi yang berlaku", "= the version that counts")) }
        }
        h2 { (ctx.t("Pernyataan konflik kepentingan", "Conflict-of-interest declarations")) }
        @if p.declarations.is_empty() {
            p.empty { (ctx.t("Belum ada pernyataan.", "No declarations yet.")) }
        } @else {
            table {
                thead { tr { th { (ctx.t("Pendaftar", "Applicant")) } th { (ctx.t("Pernyataan", "Declaration")) } th { (ctx.t("Tanda sistem", "System flags")) } th { (ctx.t("Waktu (WITA)", "Time (WITA)")) } } }
                tbody {
                    @for d in &p.declarations {
                        tr {
                            td { a href=(format!("{BASE}/pendaftaran/{}", urlencode(&d.registration_no))) { (d.registration_no) } }
                            td {
                                @match &d.kind { Some(k) => { (kind_label(ctx, k)) }, None => { (ctx.t("belum menyatakan", "not declared")) } }
                                @if d.recused { " — " strong { (ctx.t("dikecualikan", "recused")) } }
                                @if !d.text.is_empty() { br; (d.text) }
                            }
                            td { @for f in &d.flags { (flag_label(ctx, f)) " " } }
                            td { @if let Some(t) = d.declared_at { (format_wita(t)) } }
                        }
                    }
                }
            }
        }
    };
    page(
        ctx,
        &format!("{} {}", ctx.t("Penilai", "Panelist"), p.name),
        body,
    )
}

/// Panelists × applicants of a formation: declaration and system flags per cell.
pub fn matrix_page(ctx: &PageCtx, m: &ConflictMatrix) -> Markup {
    let body = html! {
        h1 { (ctx.t("Matriks konflik kepentingan", "Conflict-of-interest matrix")) }
        (workspace_nav(ctx))
        p { code { (m.formation.code) } " " (m.formation.name) " — " a href=(format!("{BASE}/seleksi/{}", m.round_id)) { (m.round_name) } }
        p.muted { (ctx.t(
            "Setiap sel: pernyataan penilai (— belum menyatakan, ✓ tidak ada konflik, ✗ konflik dengan jenisnya, penilai dikecualikan) dan tanda sistem (⚠ RT sama / KK sama).",
            "Each cell: the panelist's declaration (— not declared, ✓ no conflict, ✗ conflict with its kind, panelist recused) and the system's flags (⚠ same RT / same family card)."
        )) }
        @if m.panelists.is_empty() || m.rows.is_empty() {
            p.empty { (ctx.t("Belum ada penilai atau pendaftar pada formasi ini.", "This formation has no panelists or applicants yet.")) }
        } @else {
            table.matrix {
                thead { tr {
                    th { (ctx.t("Pendaftar", "Applicant")) }
                    @for (pid, name) in &m.panelists { th { a href=(format!("{BASE}/penilai/{pid}")) { (name) } } }
                } }
                tbody {
                    @for (_, no, cells) in &m.rows {
                        tr {
                            th scope="row" { a href=(format!("{BASE}/pendaftaran/{}", urlencode(no))) { (no) } }
                            @for c in cells {
                                td data-declared=(match &c.declared { Declared::Nothing => "nothing", Declared::NoConflict => "none", Declared::Conflict(_) => "conflict" }) {
                                    @match &c.declared {
                                        Declared::Nothing => { "— " span.muted { (ctx.t("belum", "not yet")) } }
                                        Declared::NoConflict => { "✓ " (ctx.t("tidak ada", "none")) }
                                        Declared::Conflict(k) => { "✗ " strong { (kind_label(ctx, k)) } }
                                    }
                                    @for f in &c.flags { br; "⚠ " (flag_label(ctx, f)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(ctx, ctx.t("Matriks konflik", "Conflict matrix"), body)
}
