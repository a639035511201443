//! The admin's formations page of a round: seats, kelurahan and RTs per
//! formation, generated, imported or added by hand.

use maud::{Markup, html};

use super::{FormView, admin_nav, csrf, field_error, form_alert, frozen_notice, input, msg};
use crate::domain::round::GenerateReport;
use crate::domain::round::Msg;
use crate::domain::round::RoundDetail;
use crate::views::layout::{Page, PageCtx, layout};

/// What the formations page needs besides the round.
#[derive(Clone, Debug, Default)]
pub struct FormationsPage {
    /// `(code, name)` of every kecamatan.
    pub kecamatan: Vec<(String, String)>,
    /// `(code, name)` of every kelurahan.
    pub kelurahan: Vec<(String, String)>,
    /// Kelurahan without RT rows: `(code, name, rt_count)`.
    pub without_rts: Vec<(String, String, Option<i32>)>,
    /// The outcome of a generation just done.
    pub report: Option<GenerateReport>,
    /// A short confirmation to show at the top.
    pub notice: Option<Msg>,
    pub generate: FormView,
    pub rt_count: FormView,
    pub group: FormView,
    pub seats: FormView,
    pub csv: FormView,
}

/// `GET /admin/seleksi/{id}/formasi`.
pub fn admin_formations(ctx: &PageCtx, d: &RoundDetail, p: &FormationsPage) -> Markup {
    let base = format!("/admin/seleksi/{}/formasi", d.round.id);
    let editable = d.state().is_editable();
    let body = html! {
        (admin_nav(ctx, d))
        h1 { (ctx.t("Formasi", "Formations")) ": " (d.round.name) }
        (frozen_notice(ctx, d, [&p.generate, &p.rt_count, &p.group, &p.seats, &p.csv].iter().any(|f| !f.errors.is_empty())))
        @if let Some(n) = &p.notice { div.notice role="status" { (msg(ctx, n)) } }
        @if let Some(rep) = &p.report { (report_box(ctx, rep)) }
        p { a href=(format!("/admin/seleksi/{}/formasi.csv", d.round.id)) { (ctx.t("Unduh formations.csv", "Download formations.csv")) } }
        @if editable {
            h2 { (ctx.t("Kursi dan cadangan", "Seats and reserve")) }
            (form_alert(ctx, &p.seats))
        }
        @if d.formations.is_empty() {
            div.empty { p { (ctx.t("Belum ada formasi.", "No formations yet.")) } }
        } @else {
            form method="post" action=(format!("{base}/kursi")) novalidate {
                (csrf(&p.seats))
                table {
                    thead { tr {
                        th { (ctx.t("Kode", "Code")) } th { (ctx.t("Nama / wilayah", "Name / area")) }
                        th.num { (ctx.t("Kursi", "Seats")) } th.num { (ctx.t("Cadangan", "Reserve")) }
                    } }
                    tbody {
                        @for fm in &d.formations {
                            @let sk = format!("seats_{}", fm.model.id);
                            @let rk = format!("reserve_{}", fm.model.id);
                            tr {
                                td { code { (fm.model.code) } }
                                td { (fm.model.name) br; span.muted { "Kel. " (fm.kelurahan_name) ", Kec. " (fm.kecamatan_name) " · " (rt_text(ctx, fm.model.all_rts, &fm.rts)) } }
                                @if editable {
                                    td.num { input type="number" name=(sk) value=(value_or(&p.seats, &sk, fm.model.seats)) aria-label=(ctx.t("Kursi", "Seats")); (field_error(ctx, &p.seats, &sk)) }
                                    td.num { input type="number" name=(rk) value=(value_or(&p.seats, &rk, fm.model.reserve)) aria-label=(ctx.t("Cadangan", "Reserve")); (field_error(ctx, &p.seats, &rk)) }
                                } @else {
                                    td.num { (fm.model.seats) } td.num { (fm.model.reserve) }
                                }
                            }
                        }
                    }
                }
                @if editable { button type="submit" { (ctx.t("Simpan kursi", "Save seats")) } }
            }
            @if editable {
                details {
                    summary { (ctx.t("Hapus formasi", "Delete a formation")) }
                    @for fm in &d.formations {
                        form.inline method="post" action=(format!("{base}/{}/hapus", fm.model.id)) {
                            (csrf(&p.seats))
                            button.link type="submit" { (ctx.t("Hapus", "Delete")) " " (fm.model.code) }
                        }
                        " "
                    }
                }
            }
        }
        @if editable {
            h2 { (ctx.t("Buat satu formasi per kelurahan", "One formation per kelurahan")) }
            p.muted { (ctx.t("Kelurahan yang sudah punya formasi dilewati. Setiap formasi mencakup semua RT kelurahan yang terdaftar.", "Kelurahan that already have a formation are skipped. Each formation covers every registered RT of its kelurahan.")) }
            (form_alert(ctx, &p.generate))
            form method="post" action=(format!("{base}/buat")) novalidate {
                (csrf(&p.generate))
                label for="kecamatan" { "Kecamatan" }
                select id="kecamatan" name="kecamatan" {
                    option value="" { (ctx.t("Seluruh kota", "Whole city")) }
                    @for (code, name) in &p.kecamatan {
                        option value=(code) selected[p.generate.values.get("kecamatan") == code] { (name) " (" (code) ")" }
                    }
                }
                (field_error(ctx, &p.generate, "kecamatan"))
                div.row {
                    (input(ctx, &p.generate, "seats", ctx.t("Kursi per formasi", "Seats per formation"), "number"))
                    (input(ctx, &p.generate, "reserve", ctx.t("Cadangan per formasi", "Reserve per formation"), "number"))
                }
                button type="submit" { (ctx.t("Buat formasi", "Create formations")) }
            }
            h2 { (ctx.t("Kelompok RT dalam satu kelurahan", "A group of RTs within a kelurahan")) }
            (form_alert(ctx, &p.group))
            form method="post" action=(format!("{base}/tambah")) novalidate {
                (csrf(&p.group))
                div.row {
                    (input(ctx, &p.group, "code", ctx.t("Kode formasi", "Formation code"), "text"))
                    (input(ctx, &p.group, "name", ctx.t("Nama formasi", "Formation name"), "text"))
                }
                (kelurahan_select(ctx, &p.group, &p.kelurahan))
                (input(ctx, &p.group, "rts", ctx.t("RT (mis. 1;2;3, atau «all» untuk seluruh kelurahan)", "RTs (e.g. 1;2;3, or «all» for the whole kelurahan)"), "text"))
                div.row {
                    (input(ctx, &p.group, "seats", ctx.t("Kursi", "Seats"), "number"))
                    (input(ctx, &p.group, "reserve", ctx.t("Cadangan", "Reserve"), "number"))
                }
                button type="submit" { (ctx.t("Tambah formasi", "Add formation")) }
            }
            h2 { (ctx.t("Data RT", "RT data")) }
            @if p.without_rts.is_empty() {
                p.muted { (ctx.t("Semua kelurahan sudah memiliki data RT.", "Every kelurahan has RT data.")) }
            } @else {
                p { (ctx.t("Kelurahan tanpa data RT tidak dapat dibuat formasinya:", "Kelurahan without RT data cannot get a formation:")) " "
                    (p.without_rts.iter().map(|(_, n, c)| match c { Some(c) => format!("{n} ({c} RT)"), None => n.clone() }).collect::<Vec<_>>().join(", ")) }
                p.muted { (ctx.t("Impor daftar RT dengan «pokmas import-regions», atau isi jumlah RT di sini: RT 1 sampai jumlah itu dibuat (tercatat di jejak audit). Bila jumlah RT kelurahan sudah tercatat, kosongkan isian untuk memakainya.", "Import the RT list with «pokmas import-regions», or enter the RT count here: RT 1 up to that number are created (recorded in the audit trail). When the kelurahan's RT count is recorded, leave the field empty to use it.")) }
                (form_alert(ctx, &p.rt_count))
                form method="post" action=(format!("{base}/rt")) novalidate {
                    (csrf(&p.rt_count))
                    label for="rt_kelurahan" { "Kelurahan" }
                    select id="rt_kelurahan" name="kelurahan" {
                        @for (code, name, count) in &p.without_rts {
                            option value=(code) selected[p.rt_count.values.get("kelurahan") == code] {
                                (name) " (" (code) ")" @if let Some(c) = count { " — " (c) " RT" }
                            }
                        }
                    }
                    (field_error(ctx, &p.rt_count, "kelurahan"))
                    (input(ctx, &p.rt_count, "rt_count", ctx.t("Jumlah RT", "Number of RTs"), "number"))
                    button type="submit" { (ctx.t("Buat RT", "Create RTs")) }
                }
            }
            h2 { (ctx.t("Impor formations.csv", "Import formations.csv")) }
            p.muted { (ctx.t(
                "Kolom: round_id, formation_code, name, kelurahan_code, rts, seats, reserve (rts = all atau 1;2;3). Impor mengganti semua formasi seleksi ini; satu baris salah membatalkan seluruh impor.",
                "Columns: round_id, formation_code, name, kelurahan_code, rts, seats, reserve (rts = all or 1;2;3). An import replaces every formation of this round; one bad line rejects the whole file."
            )) }
            (form_alert(ctx, &p.csv))
            form method="post" action=(format!("{base}/impor")) novalidate {
                (csrf(&p.csv))
                label for="csv" { (ctx.t("Isi berkas CSV", "CSV content")) }
                textarea id="csv" name="csv" rows="8" { (p.csv.values.get("csv")) }
                @if let Some(m) = p.csv.errors.get("csv") {
                    pre.field-error role="alert" { (msg(ctx, m)) }
                }
                button type="submit" { (ctx.t("Impor", "Import")) }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Formasi", "Formations").into(),
            body,
        },
    )
}

fn value_or(f: &FormView, key: &str, stored: i32) -> String {
    match f.values.0.get(key) {
        Some(v) => v.clone(),
        None => stored.to_string(),
    }
}

fn kelurahan_select(ctx: &PageCtx, f: &FormView, kels: &[(String, String)]) -> Markup {
    html! {
        div {
            label for="kelurahan_code" { "Kelurahan" }
            select id="kelurahan_code" name="kelurahan_code" {
                option value="" { (ctx.t("— pilih —", "— choose —")) }
                @for (code, name) in kels {
                    option value=(code) selected[f.values.get("kelurahan_code") == code] { (name) " (" (code) ")" }
                }
            }
            (field_error(ctx, f, "kelurahan_code"))
        }
    }
}

fn report_box(ctx: &PageCtx, r: &GenerateReport) -> Markup {
    html! {
        div.notice role="status" {
            p { (ctx.t("Formasi dibuat", "Formations created")) ": " strong { (r.created.len()) } }
            @if !r.already_covered.is_empty() {
                p { (ctx.t("Dilewati karena sudah ada formasinya", "Skipped, already covered")) ": " (r.already_covered.join(", ")) }
            }
        }
        @if !r.without_rts.is_empty() {
            div.alert role="alert" {
                p { (ctx.t(
                    "Kelurahan berikut belum memiliki data RT sehingga belum dibuat formasinya. Impor daftar RT-nya, atau isi jumlah RT pada formulir «Data RT» di bawah:",
                    "These kelurahan have no RT data, so no formation was created. Import their RT list, or enter the RT count in the «RT data» form below:"
                )) }
                ul { @for (code, name, count) in &r.without_rts {
                    li { (name) " (" code { (code) } ")"
                        @if let Some(c) = count { " — " (ctx.t("jumlah RT tercatat", "recorded RT count")) " " (c) } }
                } }
            }
        }
    }
}

/// The kelurahan of a kecamatan that have formations, by code.
pub(super) fn kelurahan_of(d: &RoundDetail, kecamatan_code: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = d
        .formations
        .iter()
        .filter(|f| f.kecamatan_code == kecamatan_code)
        .map(|f| (f.model.kelurahan_code.clone(), f.kelurahan_name.clone()))
        .collect();
    v.sort();
    v.dedup();
    v
}

pub(super) fn rt_text(ctx: &PageCtx, all: bool, rts: &[i32]) -> String {
    let list = rts
        .iter()
        .map(|n| format!("{n:03}"))
        .collect::<Vec<_>>()
        .join(", ");
    if all {
        format!(
            "{} ({} RT)",
            ctx.t("seluruh kelurahan", "whole kelurahan"),
            rts.len()
        )
    } else {
        format!("RT {list}")
    }
}
