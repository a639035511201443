//! The admin's requirements page of a round: the documents and conditions
//! an application must meet.

use maud::{Markup, html};

use super::{
    FormView, admin_nav, choice, csrf, form_alert, frozen_notice, input, textarea, used_rows,
};
use crate::domain::form::FormData;
use crate::domain::round::RoundDetail;
use crate::domain::round::{MAX_ROWS, REQUIREMENT_KINDS};
use crate::views::layout::{Page, PageCtx, layout};

/// Form values for the requirements page from stored requirements.
pub fn requirement_values(d: &RoundDetail) -> FormData {
    let mut v = FormData::default();
    for (i, r) in d.requirements.iter().enumerate() {
        v.0.insert(format!("r{i}_code"), r.code.clone());
        v.0.insert(format!("r{i}_kind"), r.kind.clone());
        v.0.insert(format!("r{i}_text_id"), r.text_id.clone());
        v.0.insert(format!("r{i}_text_en"), r.text_en.clone());
        if r.mandatory {
            v.0.insert(format!("r{i}_mandatory"), "on".into());
        }
    }
    v
}

fn kind_label(ctx: &PageCtx, kind: &str) -> String {
    REQUIREMENT_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or_else(|| kind.to_owned(), |(_, id, en)| ctx.t(id, en).to_owned())
}

/// `GET /admin/seleksi/{id}/persyaratan`.
pub fn admin_requirements(ctx: &PageCtx, d: &RoundDetail, f: &FormView) -> Markup {
    let action = format!("/admin/seleksi/{}/persyaratan", d.round.id);
    let rows = (used_rows(&f.values, 'r') + 2).min(MAX_ROWS);
    let body = html! {
        (admin_nav(ctx, d))
        h1 { (ctx.t("Persyaratan", "Requirements")) ": " (d.round.name) }
        (frozen_notice(ctx, d, !f.errors.is_empty()))
        @if d.state().is_editable() {
            p.muted { (ctx.t(
                "Dokumen diunggah dan diperiksa petugas (MS/TMS); pernyataan dicentang pendaftar; usia (pada tanggal pendaftaran ditutup, dari batas usia seleksi) dan domisili di wilayah formasi diperiksa sistem. Kosongkan kode dan teks untuk menghapus baris.",
                "Documents are uploaded and checked by officers (eligible/ineligible); declarations are ticked by the applicant; age (on the registration closing date, from the round's age range) and domicile in the formation's area are checked by the system. Empty code and text to remove a row."
            )) }
            (form_alert(ctx, f))
            form method="post" action=(action) novalidate {
                (csrf(f))
                @for i in 0..rows {
                    fieldset {
                        legend { (ctx.t("Persyaratan", "Requirement")) " " (i + 1) }
                        div.row {
                            (input(ctx, f, &format!("r{i}_code"), ctx.t("Kode", "Code"), "text"))
                            (choice(ctx, f, &format!("r{i}_kind"), ctx.t("Jenis", "Kind"), &REQUIREMENT_KINDS))
                        }
                        (textarea(ctx, f, &format!("r{i}_text_id"), ctx.t("Teks (Indonesia)", "Text (Indonesian)"), 2))
                        (textarea(ctx, f, &format!("r{i}_text_en"), ctx.t("Teks (Inggris)", "Text (English)"), 2))
                        label.check {
                            input type="checkbox" name=(format!("r{i}_mandatory")) value="on" checked[f.values.checked(&format!("r{i}_mandatory"))];
                            (ctx.t("Wajib", "Mandatory"))
                        }
                    }
                }
                button type="submit" { (ctx.t("Simpan persyaratan", "Save requirements")) }
            }
        } @else {
            (requirements_list(ctx, d))
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Persyaratan", "Requirements").into(),
            body,
        },
    )
}

pub(super) fn requirements_list(ctx: &PageCtx, d: &RoundDetail) -> Markup {
    html! {
        ul {
            @for r in &d.requirements {
                li {
                    (ctx.t(&r.text_id, &r.text_en))
                    " " span.muted { "(" (kind_label(ctx, &r.kind))
                        @if !r.mandatory { "; " (ctx.t("tidak wajib", "optional")) } ")" }
                    @if r.kind == "age" && (d.round.age_min.is_some() || d.round.age_max.is_some()) {
                        " " strong { (age_text(ctx, d.round.age_min, d.round.age_max)) }
                    }
                }
            }
        }
    }
}

fn age_text(ctx: &PageCtx, lo: Option<i32>, hi: Option<i32>) -> String {
    match (lo, hi) {
        (Some(a), Some(b)) => format!("{a}–{b} {}", ctx.t("tahun", "years")),
        (Some(a), None) => format!("≥ {a} {}", ctx.t("tahun", "years")),
        (None, Some(b)) => format!("≤ {b} {}", ctx.t("tahun", "years")),
        (None, None) => String::new(),
    }
}
