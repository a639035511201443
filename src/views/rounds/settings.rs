//! One round's admin page: its settings, schedule and state transitions.

use maud::{Markup, html};

use super::{
    FormView, admin_nav, csrf, field_error, form_alert, frozen_notice, input, msg, textarea,
};
use crate::domain::form::{FieldErrors, FormData};
use crate::domain::round::RoundDetail;
use crate::domain::round::{Milestone, RoundState, format_wita, weight_shortfall};
use crate::views::layout::{Page, PageCtx, layout};

/// `GET /admin/seleksi/{id}`.
pub fn admin_round(
    ctx: &PageCtx,
    d: &RoundDetail,
    f: &FormView,
    transition_errors: &FieldErrors,
) -> Markup {
    let stages = FormView::new(crate::views::stages::stage_values(d), &f.csrf);
    admin_round_with_stages(ctx, d, f, transition_errors, &stages)
}

/// `GET /admin/seleksi/{id}` with the stages form `stages` (after a refused
/// stages form: what was typed and its messages).
pub fn admin_round_with_stages(
    ctx: &PageCtx,
    d: &RoundDetail,
    f: &FormView,
    transition_errors: &FieldErrors,
    stages: &FormView,
) -> Markup {
    let programme = super::programme_values(d, &f.csrf);
    admin_round_forms(ctx, d, f, transition_errors, stages, &programme)
}

/// `GET /admin/seleksi/{id}` with the programme form `programme` (after a
/// refused programme form: what was typed and its messages).
pub fn admin_round_with_programme(
    ctx: &PageCtx,
    d: &RoundDetail,
    f: &FormView,
    programme: &FormView,
) -> Markup {
    let stages = FormView::new(crate::views::stages::stage_values(d), &programme.csrf);
    admin_round_forms(ctx, d, f, &FieldErrors::new(), &stages, programme)
}

fn admin_round_forms(
    ctx: &PageCtx,
    d: &RoundDetail,
    f: &FormView,
    transition_errors: &FieldErrors,
    stages: &FormView,
    programme: &FormView,
) -> Markup {
    let r = &d.round;
    let state = d.state();
    let editable = state.is_editable();
    let seats: i64 = d.formations.iter().map(|f| i64::from(f.model.seats)).sum();
    let action = format!("/admin/seleksi/{}", r.id);
    let tv = FormView {
        values: FormData::default(),
        errors: transition_errors.clone(),
        csrf: f.csrf.clone(),
    };
    let body = html! {
        (admin_nav(ctx, d))
        h1 { (r.name) " " span.muted { "(" (r.year) ")" } }
        p { (ctx.t("Status", "State")) ": " strong { (msg(ctx, &state.label())) } " · " code { (r.slug) } }
        (frozen_notice(ctx, d, !f.errors.is_empty()))
        div.card {
            p { a href=(format!("{action}/kriteria")) { (ctx.t("Kriteria", "Criteria")) } ": " (d.criteria.len())
                " · " (ctx.t("total bobot", "weights total")) " " (d.weight_sum())
                @if let Some(m) = weight_shortfall(d.weight_sum()) { " — " span.field-error { (msg(ctx, &m)) } } }
            p { a href=(format!("{action}/persyaratan")) { (ctx.t("Persyaratan", "Requirements")) } ": " (d.requirements.len()) }
            p { a href=(format!("{action}/formasi")) { (ctx.t("Formasi", "Formations")) } ": " (d.formations.len()) " · " (ctx.t("kursi", "seats")) " " (seats) }
        }
        h2 { (ctx.t("Tahap seleksi", "Round stage")) }
        (form_alert(ctx, &tv))
        @if matches!(state, RoundState::Provisional | RoundState::Objection | RoundState::Final) {
            p { a href=(format!("{action}/hasil")) { (ctx.t("Hasil, sanggahan dan penetapan hasil akhir", "Results, objections and finalization")) } }
        }
        @if state == RoundState::Final {
            p { a href=(format!("{action}/pasca-final")) { (ctx.t("Setelah hasil akhir: penggantian anggota, jabatan dan lampiran SK Lurah", "After the final result: replacing members, offices and the Lurah's decree annex")) } }
        }
        div.actions {
            @if let Some(next) = state.next().filter(|n| *n != RoundState::Final) {
                form method="post" action=(format!("{action}/status")) {
                    (csrf(f))
                    input type="hidden" name="to" value=(next.as_str());
                    button type="submit" { (ctx.t("Lanjut ke", "Move to")) ": " (msg(ctx, &next.label())) }
                }
            }
        }
        @if next_is_registration(state) {
            p.muted { (ctx.t(
                "Membuka pendaftaran mengunci kriteria, bobot, persyaratan, formasi, kursi dan aturan peringkat, lalu menerbitkannya di halaman publik bersama hash SHA-256-nya.",
                "Opening registration freezes criteria, weights, requirements, formations, seats and ranking rules, and publishes them with their SHA-256 hash."
            )) }
        }
        @if !matches!(state, RoundState::Final | RoundState::Cancelled) {
            details {
                summary { (ctx.t("Batalkan seleksi", "Cancel the round")) }
                form method="post" action=(format!("{action}/status")) {
                    (csrf(f))
                    input type="hidden" name="to" value="cancelled";
                    (textarea(ctx, &tv, "reason", ctx.t("Alasan pembatalan (tercatat di jejak audit)", "Reason (recorded in the audit trail)"), 2))
                    button type="submit" { (ctx.t("Batalkan seleksi", "Cancel the round")) }
                }
            }
        }
        h2 { (ctx.t("Pengaturan dan jadwal", "Settings and schedule")) }
        @if editable {
            (form_alert(ctx, f))
            form method="post" action=(crate::views::error_summary::action(&action)) novalidate {
                (csrf(f))
                (settings_fields(ctx, f))
                button type="submit" { (ctx.t("Simpan", "Save")) }
            }
        } @else {
            (schedule_table(ctx, d))
        }
        (super::programme_section(ctx, d, programme))
        (crate::views::stages::stages_section(ctx, d, stages))
    };
    layout(
        ctx,
        Page {
            title: r.name.clone(),
            body,
        },
    )
}

fn next_is_registration(s: RoundState) -> bool {
    s.next() == Some(RoundState::Registration)
}

fn settings_fields(ctx: &PageCtx, f: &FormView) -> Markup {
    html! {
        (input(ctx, f, "name", ctx.t("Nama seleksi", "Name of the round"), "text"))
        (input(ctx, f, "year", ctx.t("Tahun", "Year"), "number"))
        (textarea(ctx, f, "description_id", ctx.t("Keterangan (Bahasa Indonesia)", "Description (Indonesian)"), 3))
        (textarea(ctx, f, "description_en", ctx.t("Keterangan (Inggris)", "Description (English)"), 3))
        fieldset {
            legend { (ctx.t("Aturan penilaian", "Scoring rules")) }
            div {
                label for="aggregation" { (ctx.t("Cara menggabungkan nilai penilai", "How panel values are combined")) }
                select id="aggregation" name="aggregation" {
                    option value="mean" selected[f.values.get("aggregation") != "trimmed_mean"] { (ctx.t("Rata-rata", "Mean")) }
                    option value="trimmed_mean" selected[f.values.get("aggregation") == "trimmed_mean"] {
                        (ctx.t("Rata-rata terpangkas (buang 1 tertinggi dan 1 terendah bila ≥ 5 penilai)", "Trimmed mean (drop 1 highest and 1 lowest with ≥ 5 panelists)"))
                    }
                }
                (field_error(ctx, f, "aggregation"))
            }
            div.row {
                (input(ctx, f, "passing_total", ctx.t("Nilai total minimum (0–100, kosong = tanpa batas)", "Passing total (0–100, empty = none)"), "number"))
                (input(ctx, f, "min_panelists", ctx.t("Jumlah penilai minimum", "Minimum panelists"), "number"))
            }
            div.row {
                (input(ctx, f, "age_min", ctx.t("Usia minimum", "Minimum age"), "number"))
                (input(ctx, f, "age_max", ctx.t("Usia maksimum", "Maximum age"), "number"))
            }
            label {
                input type="checkbox" name="publish_all_names" value="on" checked[f.values.checked("publish_all_names")];
                " " (ctx.t(
                    "Umumkan nama semua pendaftar yang diperingkat (bawaan: hanya yang terpilih dan cadangan disebut namanya, yang lain hanya nomor pendaftaran)",
                    "Publish the names of every ranked applicant (default: only the selected and the reserve are named, the others by registration number only)"
                ))
            }
        }
        fieldset {
            legend { (ctx.t("Jadwal (WITA)", "Schedule (WITA)")) }
            @for m in Milestone::ALL {
                (input(ctx, f, m.field(), &msg(ctx, &m.label()), "datetime-local"))
            }
        }
    }
}

pub(super) fn schedule_table(ctx: &PageCtx, d: &RoundDetail) -> Markup {
    let s = d.round.schedule();
    html! {
        (crate::views::scroll::hint(ctx))
        div.scroll tabindex="0" role="region" aria-label=(ctx.t("Tabel jadwal", "Schedule table")) { table {
            tbody {
                @for m in Milestone::ALL {
                    tr { th { (msg(ctx, &m.label())) } td { @if let Some(at) = s.get(m) { (format_wita(at)) } @else { "–" } } }
                }
            }
        } }
    }
}
