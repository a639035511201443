//! The admin's criteria page of a round: the panel's criteria and weights.

use maud::{Markup, html};

use super::{
    FormView, admin_nav, csrf, field_error, form_alert, frozen_notice, input, msg, textarea,
};
use crate::domain::form::FormData;
use crate::domain::round::MAX_ROWS;
use crate::domain::round::RoundDetail;
use crate::domain::round::{Msg, format_scale_labels, scale_labels_from_json};
use crate::views::layout::{Page, PageCtx, layout};

/// Form values for the criteria page from stored criteria.
pub fn criteria_values(d: &RoundDetail) -> FormData {
    let mut v = FormData::default();
    for (i, c) in d.criteria.iter().enumerate() {
        let mut put = |k: &str, val: String| {
            v.0.insert(format!("c{i}_{k}"), val);
        };
        put("code", c.code.clone());
        put("name_id", c.name_id.clone());
        put("name_en", c.name_en.clone());
        put("description_id", c.description_id.clone());
        put("description_en", c.description_en.clone());
        put("kind", c.kind.clone());
        put("scale_min", c.scale_min.to_string());
        put("scale_max", c.scale_max.to_string());
        put("weight", c.weight.to_string());
        put(
            "pass_min",
            c.pass_min.map(|n| n.to_string()).unwrap_or_default(),
        );
        put(
            "tiebreak_order",
            c.tiebreak_order.map(|n| n.to_string()).unwrap_or_default(),
        );
        put(
            "labels",
            format_scale_labels(&scale_labels_from_json(&c.scale_labels)),
        );
        put("stage", c.stage_code.clone().unwrap_or_default());
    }
    v
}

pub(super) fn used_rows(values: &FormData, prefix: char) -> usize {
    (0..MAX_ROWS)
        .rev()
        .find(|i| {
            values
                .0
                .keys()
                .any(|k| k.starts_with(&format!("{prefix}{i}_")) && !values.0[k].trim().is_empty())
        })
        .map_or(0, |i| i + 1)
}

/// `GET /admin/seleksi/{id}/kriteria`.
pub fn admin_criteria(
    ctx: &PageCtx,
    d: &RoundDetail,
    f: &FormView,
    templates: &[(String, Msg)],
) -> Markup {
    let action = format!("/admin/seleksi/{}", d.round.id);
    let rows = (used_rows(&f.values, 'c') + 2).min(MAX_ROWS);
    let typed_sum: i64 = (0..rows)
        .filter_map(|i| f.values.get(&format!("c{i}_weight")).parse::<i64>().ok())
        .sum();
    let body = html! {
        (admin_nav(ctx, d))
        h1 { (ctx.t("Kriteria penilaian", "Scoring criteria")) ": " (d.round.name) }
        (frozen_notice(ctx, d, !f.errors.is_empty()))
        @if ctx.path.ends_with("?templat=1") && f.errors.is_empty() {
            div.notice role="status" { (ctx.t("Templat diterapkan: kriteria dan persyaratan seleksi ini sudah diganti. Periksa lalu sesuaikan di bawah.", "Template applied: this round's criteria and requirements were replaced. Check and adjust them below.")) }
        }
        @if d.state().is_editable() {
            h2 { (ctx.t("Mulai dari templat", "Start from a template")) }
            p.muted { (ctx.t("Mengganti semua kriteria dan persyaratan seleksi ini dengan isi templat, termasuk cara menggabungkan nilai penilai, nilai minimum lulus, jumlah penilai dan batas usia.", "Replaces all criteria and requirements of this round with the template's, including how panelists' scores are combined, the passing score, panel size and age range.")) }
            form method="post" action=(format!("{action}/templat")) {
                (csrf(f))
                label for="template" { (ctx.t("Templat", "Template")) }
                select id="template" name="template" {
                    @for (code, name) in templates { option value=(code) { (msg(ctx, name)) } }
                }
                label.check {
                    input type="checkbox" name="confirm" value="1" required aria-describedby=[f.errors.contains_key("confirm").then_some("confirm-error")];
                    (ctx.t("Saya paham semua kriteria dan persyaratan yang ada akan diganti.", "I understand every existing criterion and requirement will be replaced."))
                }
                (field_error(ctx, f, "confirm"))
                button type="submit" { (ctx.t("Pakai templat", "Use template")) }
            }
            h2 { (ctx.t("Kriteria", "Criteria")) }
            p.muted { (ctx.t(
                "Bobot dijumlah harus 100. Keterangan skala: satu baris per nilai, «nilai = teks Indonesia | teks Inggris». Kosongkan kode, nama dan bobot untuk menghapus baris.",
                "Weights must add up to 100. Scale labels: one line per point, «point = Indonesian text | English text». Empty the code, name and weight to remove a row."
            )) }
            (form_alert(ctx, f))
            form method="post" action=(format!("{action}/kriteria")) novalidate {
                (csrf(f))
                @for i in 0..rows {
                    fieldset {
                        legend { (ctx.t("Kriteria", "Criterion")) " " (i + 1) }
                        div.row {
                            (input(ctx, f, &format!("c{i}_code"), ctx.t("Kode", "Code"), "text"))
                            div {
                                label for=(format!("c{i}_kind")) { (ctx.t("Jenis", "Kind")) }
                                select id=(format!("c{i}_kind")) name=(format!("c{i}_kind")) {
                                    option value="panel" selected[f.values.get(&format!("c{i}_kind")) != "imported"] { (ctx.t("Dinilai tim penilai", "Scored by the panel")) }
                                    option value="imported" selected[f.values.get(&format!("c{i}_kind")) == "imported"] { (ctx.t("Diimpor (mis. tes tertulis)", "Imported (e.g. written test)")) }
                                }
                                (field_error(ctx, f, &format!("c{i}_kind")))
                            }
                        }
                        (input(ctx, f, &format!("c{i}_name_id"), ctx.t("Nama (Indonesia)", "Name (Indonesian)"), "text"))
                        (input(ctx, f, &format!("c{i}_name_en"), ctx.t("Nama (Inggris)", "Name (English)"), "text"))
                        (textarea(ctx, f, &format!("c{i}_description_id"), ctx.t("Uraian (Indonesia)", "Description (Indonesian)"), 2))
                        (textarea(ctx, f, &format!("c{i}_description_en"), ctx.t("Uraian (Inggris)", "Description (English)"), 2))
                        div.row {
                            (input(ctx, f, &format!("c{i}_scale_min"), ctx.t("Skala terendah", "Scale min"), "number"))
                            (input(ctx, f, &format!("c{i}_scale_max"), ctx.t("Skala tertinggi", "Scale max"), "number"))
                            (input(ctx, f, &format!("c{i}_weight"), ctx.t("Bobot", "Weight"), "number"))
                        }
                        div.row {
                            (input(ctx, f, &format!("c{i}_pass_min"), ctx.t("Nilai minimum lulus (boleh kosong)", "Pass minimum (optional)"), "number"))
                            (input(ctx, f, &format!("c{i}_tiebreak_order"), ctx.t("Urutan penentu seri (1, 2, … atau kosong)", "Tie-break order (1, 2, … or empty)"), "number"))
                        }
                        (textarea(ctx, f, &format!("c{i}_labels"), ctx.t("Keterangan tiap nilai skala", "Label of each scale point"), 5))
                        @if !d.stages.is_empty() {
                            div {
                                label for=(format!("c{i}_stage")) { (ctx.t("Tahap", "Stage")) }
                                select id=(format!("c{i}_stage")) name=(format!("c{i}_stage")) {
                                    @for st in &d.stages {
                                        option value=(st.code) selected[f.values.get(&format!("c{i}_stage")) == st.code] { (st.code) " — " (ctx.t(&st.name_id, &st.name_en)) }
                                    }
                                }
                                (field_error(ctx, f, &format!("c{i}_stage")))
                            }
                        }
                    }
                }
                p { strong { (ctx.t("Total bobot", "Weights total")) ": " (typed_sum) } }
                (field_error(ctx, f, "weights"))
                (field_error(ctx, f, "tiebreak"))
                button type="submit" { (ctx.t("Simpan kriteria", "Save criteria")) }
            }
        } @else {
            (criteria_table(ctx, d))
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Kriteria", "Criteria").into(),
            body,
        },
    )
}

pub(super) fn criteria_table(ctx: &PageCtx, d: &RoundDetail) -> Markup {
    html! {
        @for c in &d.criteria {
            div.card {
                h3 { code { (c.code) } " " (ctx.t(&c.name_id, &c.name_en)) " — " (ctx.t("bobot", "weight")) " " (c.weight) }
                @let desc = ctx.t(&c.description_id, &c.description_en);
                @if !desc.is_empty() { p { (desc) } }
                p.muted {
                    (if c.kind == "imported" { ctx.t("Nilai diimpor dari berkas (satu nilai per pendaftar).", "Imported from a file (one value per applicant).") } else { ctx.t("Dinilai setiap anggota tim penilai.", "Scored by every panel member.") })
                    " " (ctx.t("Skala", "Scale")) " " (c.scale_min) "–" (c.scale_max) "."
                    @if let Some(p) = c.pass_min { " " (ctx.t("Nilai minimum lulus", "Pass minimum")) ": " (p) "." }
                    @if let Some(o) = c.tiebreak_order { " " (ctx.t("Penentu seri ke-", "Tie-break no. ")) (o) "." }
                }
                @let labels = scale_labels_from_json(&c.scale_labels);
                @if !labels.is_empty() {
                    ul { @for (p, l) in &labels { li { strong { (p) } " — " (ctx.t(&l.id, &l.en)) } } }
                }
            }
        }
    }
}
