//! Round pages: the admin's round list, round detail, criteria, requirements
//! and formations pages, and the public round page `/seleksi/{slug}`.
//!
//! Forms are plain HTML (no JavaScript). Every form page takes a [`FormView`]:
//! the values to show (what was typed, on an error) and one message per field.

use maud::{Markup, html};
use time::OffsetDateTime;

use super::layout::{Page, PageCtx, layout};
use crate::domain::round::{
    Milestone, Msg, RoundState, WorkedExample, format_scale_labels, format_wita,
    scale_labels_from_json, weight_shortfall,
};
use crate::services::rounds::{
    FieldErrors, FormData, GenerateReport, MAX_ROWS, PublicRound, REQUIREMENT_KINDS, RoundDetail,
};

/// A form's values, errors and CSRF token.
#[derive(Clone, Debug, Default)]
pub struct FormView {
    pub values: FormData,
    pub errors: FieldErrors,
    pub csrf: String,
}

impl FormView {
    /// A form showing `values` with no errors.
    pub fn new(values: FormData, csrf: &str) -> FormView {
        FormView {
            values,
            errors: FieldErrors::new(),
            csrf: csrf.to_owned(),
        }
    }
}

pub(super) fn msg(ctx: &PageCtx, m: &Msg) -> String {
    m.pick(ctx.lang).to_owned()
}

/// The message of one field, if any, right under it.
pub(super) fn field_error(ctx: &PageCtx, f: &FormView, name: &str) -> Markup {
    html! {
        @if let Some(m) = f.errors.get(name) {
            p.field-error id=(format!("{name}-error")) role="alert" { (msg(ctx, m)) }
        }
    }
}

/// A labelled input with its error.
pub(super) fn input(ctx: &PageCtx, f: &FormView, name: &str, label: &str, kind: &str) -> Markup {
    let invalid = f.errors.contains_key(name);
    html! {
        div {
            label for=(name) { (label) }
            input id=(name) name=(name) type=(kind) value=(f.values.get(name))
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then(|| format!("{name}-error"))];
            (field_error(ctx, f, name))
        }
    }
}

fn textarea(ctx: &PageCtx, f: &FormView, name: &str, label: &str, rows: u32) -> Markup {
    html! {
        div {
            label for=(name) { (label) }
            textarea id=(name) name=(name) rows=(rows) { (f.values.get(name)) }
            (field_error(ctx, f, name))
        }
    }
}

/// The error summary at the top of a refused round form, each field a link.
pub(super) fn form_alert(ctx: &PageCtx, f: &FormView) -> Markup {
    let note = f
        .errors
        .keys()
        .any(|k| !k.is_empty())
        .then(|| ctx.t("Belum ada yang disimpan.", "Nothing was saved."));
    super::error_summary::of_fields(ctx, &f.errors, |_| None, note)
}

pub(super) fn csrf(f: &FormView) -> Markup {
    html! { input type="hidden" name="csrf" value=(f.csrf); }
}

fn state_badge(ctx: &PageCtx, state: RoundState) -> String {
    msg(ctx, &state.label())
}

fn admin_nav(ctx: &PageCtx, d: &RoundDetail) -> Markup {
    let base = format!("/admin/seleksi/{}", d.round.id);
    html! {
        p.muted {
            a href="/admin/seleksi" { (ctx.t("Semua seleksi", "All rounds")) } " · "
            a href=(base) { (ctx.t("Ringkasan & jadwal", "Overview & schedule")) } " · "
            a href=(format!("{base}/kriteria")) { (ctx.t("Kriteria", "Criteria")) } " · "
            a href=(format!("{base}/persyaratan")) { (ctx.t("Persyaratan", "Requirements")) } " · "
            a href=(format!("{base}/formasi")) { (ctx.t("Formasi", "Formations")) }
            " · " a href=(format!("{base}/panel")) { (ctx.t("Panel penguji", "Panels")) }
            " · " a href=(format!("{base}/uji")) { (ctx.t("Jadwal uji", "Test schedule")) }
            " · " a href=(format!("{base}/dasbor")) { (ctx.t("Dasbor", "Dashboard")) }
            " · " a href=(format!("{base}/hasil")) { (ctx.t("Hasil", "Results")) }
            " · " a href=(format!("{base}/sanggahan")) { (ctx.t("Sanggahan", "Objections")) }
            @if d.round.state == crate::domain::round::RoundState::Final {
                " · " a href=(format!("{base}/pasca-final")) { (ctx.t("Setelah hasil akhir", "After the final result")) }
            }
            " · " a href=(format!("/audit/seleksi/{}", d.round.id)) { (ctx.t("Ruang audit", "Audit workspace")) }
            " · " a href=(format!("{base}/saksi")) { (ctx.t("Saksi undian", "Lottery witnesses")) }
            " · " a href=(format!("{base}/progres")) { (ctx.t("Progres penilaian", "Scoring progress")) }
            @if d.criteria.iter().any(|c| c.kind == "imported") {
                " · " a href=(format!("{base}/impor-nilai")) { (ctx.t("Impor nilai", "Import values")) }
            }
            @if d.round.is_public() {
                " · " a href=(format!("/seleksi/{}", d.round.slug)) { (ctx.t("Halaman publik", "Public page")) }
            }
        }
    }
}

/// The frozen banner; `refused` says an edit was just refused, which on a
/// frozen page has no form to show its message next to.
pub(super) fn frozen_notice(ctx: &PageCtx, d: &RoundDetail, refused: bool) -> Markup {
    html! {
        @if !d.state().is_editable() {
            @if refused {
                div.alert role="alert" { (ctx.t("Perubahan tidak disimpan.", "The change was not saved.")) }
            }
            div.notice {
                (msg(ctx, &crate::domain::round::frozen_msg()))
                @if let Some(h) = &d.round.frozen_hash { br; (ctx.t("Hash aturan", "Rules hash")) ": " code.hash { (h) } }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// List and create
// ---------------------------------------------------------------------------

/// One round in the admin list.
#[derive(Clone, Debug)]
pub struct RoundRow {
    pub id: uuid::Uuid,
    pub name: String,
    pub year: i32,
    pub state: crate::domain::round::RoundState,
    pub slug: String,
}

/// `GET /admin/seleksi`: every round and the form that creates one.
pub fn admin_list(ctx: &PageCtx, rounds: &[RoundRow], f: &FormView) -> Markup {
    admin_list_with(ctx, rounds, f, html! {})
}

/// [`admin_list`] with reminders shown under the heading (open breach clocks).
pub fn admin_list_with(
    ctx: &PageCtx,
    rounds: &[RoundRow],
    f: &FormView,
    reminders: Markup,
) -> Markup {
    let body = html! {
        h1 { (ctx.t("Kelola seleksi", "Manage rounds")) }
        (reminders)
        @if rounds.is_empty() {
            div.empty { p { (ctx.t("Belum ada seleksi. Buat yang pertama di bawah.", "No round yet. Create the first one below.")) } }
        } @else {
            table {
                thead { tr { th { (ctx.t("Nama", "Name")) } th { (ctx.t("Tahun", "Year")) } th { (ctx.t("Status", "State")) } } }
                tbody {
                    @for r in rounds {
                        tr {
                            td { a href=(format!("/admin/seleksi/{}", r.id)) { (r.name) } br; span.muted { code { (r.slug) } } }
                            td { (r.year) }
                            td { (state_badge(ctx, r.state)) }
                        }
                    }
                }
            }
        }
        h2 { (ctx.t("Buat seleksi baru", "Create a round")) }
        p.muted { (ctx.t("Seleksi baru berstatus «Disiapkan» dan tidak tampil untuk publik sampai pendaftaran dibuka.", "A new round is «In preparation» and stays hidden from the public until registration opens.")) }
        (form_alert(ctx, f))
        form method="post" action="/admin/seleksi" novalidate {
            (csrf(f))
            input type="hidden" name="idempotency_key" value=(f.values.get("idempotency_key"));
            (input(ctx, f, "name", ctx.t("Nama seleksi", "Name of the round"), "text"))
            (input(ctx, f, "year", ctx.t("Tahun", "Year"), "number"))
            (textarea(ctx, f, "description_id", ctx.t("Keterangan (Bahasa Indonesia)", "Description (Indonesian)"), 3))
            (textarea(ctx, f, "description_en", ctx.t("Keterangan (Inggris)", "Description (English)"), 3))
            button type="submit" { (ctx.t("Buat seleksi", "Create round")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Kelola seleksi", "Manage rounds").into(),
            body,
        },
    )
}

// ---------------------------------------------------------------------------
// Round detail: settings, schedule, transitions
// ---------------------------------------------------------------------------

/// `GET /admin/seleksi/{id}`.
pub fn admin_round(
    ctx: &PageCtx,
    d: &RoundDetail,
    f: &FormView,
    transition_errors: &FieldErrors,
) -> Markup {
    let stages = FormView::new(super::stages::stage_values(d), &f.csrf);
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
            form method="post" action=(super::error_summary::action(&action)) novalidate {
                (csrf(f))
                (settings_fields(ctx, f))
                button type="submit" { (ctx.t("Simpan", "Save")) }
            }
        } @else {
            (schedule_table(ctx, d))
        }
        (super::stages::stages_section(ctx, d, stages))
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

fn schedule_table(ctx: &PageCtx, d: &RoundDetail) -> Markup {
    let s = d.round.schedule();
    html! {
        (super::scroll::hint(ctx))
        div.scroll tabindex="0" role="region" aria-label=(ctx.t("Tabel jadwal", "Schedule table")) { table {
            tbody {
                @for m in Milestone::ALL {
                    tr { th { (msg(ctx, &m.label())) } td { @if let Some(at) = s.get(m) { (format_wita(at)) } @else { "–" } } }
                }
            }
        } }
    }
}

// ---------------------------------------------------------------------------
// Criteria
// ---------------------------------------------------------------------------

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

fn used_rows(values: &FormData, prefix: char) -> usize {
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

fn criteria_table(ctx: &PageCtx, d: &RoundDetail) -> Markup {
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

// ---------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------

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
                            div {
                                label for=(format!("r{i}_kind")) { (ctx.t("Jenis", "Kind")) }
                                select id=(format!("r{i}_kind")) name=(format!("r{i}_kind")) {
                                    @for (k, id, en) in REQUIREMENT_KINDS {
                                        option value=(k) selected[f.values.get(&format!("r{i}_kind")) == k] { (ctx.t(id, en)) }
                                    }
                                }
                                (field_error(ctx, f, &format!("r{i}_kind")))
                            }
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

fn requirements_list(ctx: &PageCtx, d: &RoundDetail) -> Markup {
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

// ---------------------------------------------------------------------------
// Formations
// ---------------------------------------------------------------------------

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
fn kelurahan_of(d: &RoundDetail, kecamatan_code: &str) -> Vec<(String, String)> {
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

fn rt_text(ctx: &PageCtx, all: bool, rts: &[i32]) -> String {
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

// ---------------------------------------------------------------------------
// Public round page
// ---------------------------------------------------------------------------

/// `GET /seleksi/{slug}`: everything a resident needs to check the selection.
pub fn public_round(
    ctx: &PageCtx,
    p: &PublicRound,
    example: &WorkedExample,
    now: OffsetDateTime,
) -> Markup {
    let d = &p.detail;
    let r = &d.round;
    let schedule = r.schedule();
    let seats: i64 = d.formations.iter().map(|f| i64::from(f.model.seats)).sum();
    let mut tiebreaks: Vec<(i32, &str)> = d
        .criteria
        .iter()
        .filter_map(|c| Some((c.tiebreak_order?, c.code.as_str())))
        .collect();
    tiebreaks.sort_unstable();
    let short: Vec<_> = d
        .formations
        .iter()
        .filter(|f| {
            p.counts.by_formation.get(&f.model.id).copied().unwrap_or(0)
                < u64::try_from(f.model.seats).unwrap_or(0)
        })
        .collect();
    let mut kecamatan: Vec<(String, String)> = d
        .formations
        .iter()
        .map(|f| (f.kecamatan_code.clone(), f.kecamatan_name.clone()))
        .collect();
    kecamatan.dedup();
    kecamatan.sort();
    kecamatan.dedup();
    let desc = ctx.t(&r.description_id, &r.description_en);
    let body = html! {
        h1 { (r.name) }
        p { (ctx.t("Status", "State")) ": " strong { (state_badge(ctx, r.state)) } }
        @if r.state.is_published() {
            p.notice { a href=(format!("/seleksi/{}/hasil", r.slug)) { (ctx.t("Lihat hasil seleksi dan pengumuman", "See the results and the announcement")) } }
        }
        @if !desc.is_empty() { p.lead { (desc) } }
        @if r.state == RoundState::Registration && schedule.registration_opens_at.is_some_and(|o| now >= o) && schedule.registration_closes_at.is_some_and(|c| now < c) {
            div.notice { (ctx.t("Pendaftaran sedang dibuka.", "Registration is open.")) }
            p { a.button href=(format!("/seleksi/{}/daftar", r.slug)) { (ctx.t("Daftar", "Apply")) } }
        }
        p.info-links {
            a href="/informasi" { (ctx.t("Informasi, SOP dan help desk", "Information, SOPs and help desks")) }
            " · " a href=(format!("/informasi/feed.atom?seleksi={}", r.slug)) { (ctx.t("Pengumuman (Atom)", "Announcements (Atom)")) }
            " · " a href=(format!("/seleksi/{}/statistik", r.slug)) { (ctx.t("Statistik terbuka", "Open statistics")) }
        }

        h2 { (ctx.t("Jadwal", "Schedule")) }
        (schedule_table(ctx, d))

        h2 { (ctx.t("Persyaratan", "Requirements")) }
        (requirements_list(ctx, d))

        h2 { (ctx.t("Kriteria penilaian dan bobot", "Scoring criteria and weights")) }
        (super::scroll::hint(ctx))
        div.scroll tabindex="0" role="region" aria-label=(ctx.t("Tabel kriteria dan bobot", "Criteria and weights table")) { table {
            thead { tr { th { (ctx.t("Kode", "Code")) } th { (ctx.t("Kriteria", "Criterion")) } th.num { (ctx.t("Bobot", "Weight")) } th { (ctx.t("Skala", "Scale")) } } }
            tbody {
                @for c in &d.criteria {
                    tr { td { code { (c.code) } } td { (ctx.t(&c.name_id, &c.name_en)) } td.num { (c.weight) } td { (c.scale_min) "–" (c.scale_max) } }
                }
                tr { th { } th { (ctx.t("Jumlah", "Total")) } th.num { (d.weight_sum()) } th { } }
            }
        } }
        (criteria_table(ctx, d))

        h2 { (ctx.t("Cara menghitung nilai dan peringkat", "How scores and ranks are computed")) }
        ol.steps {
            li { (ctx.t(
                "Untuk setiap kriteria yang dinilai tim, nilai m dihitung dari nilai terakhir yang diserahkan setiap penilai yang tidak memiliki konflik kepentingan",
                "For each panel criterion, m is computed from the latest submitted value of every panelist without a conflict of interest"
            ))
                @if r.aggregation == "trimmed_mean" { (ctx.t(
                    ": rata-rata, setelah membuang satu nilai tertinggi dan satu terendah bila ada 5 penilai atau lebih.",
                    ": the mean, after dropping one highest and one lowest value when there are 5 or more panelists."
                )) } @else { (ctx.t(": rata-rata semua nilai.", ": the mean of all values.")) }
                " " (ctx.t("Untuk kriteria impor (mis. tes tertulis), m adalah nilai yang diimpor.", "For an imported criterion (e.g. a written test), m is the imported value."))
                " " (ctx.t("Pendaftar baru dinilai lengkap bila sedikitnya", "An application is complete once at least")) " " strong { (r.min_panelists) } " " (ctx.t("penilai sudah menyerahkan nilai.", "panelists have submitted."))
            }
            li { (ctx.t(
                "Nilai dinormalkan: n = (m − skala terendah) ÷ (skala tertinggi − skala terendah), sehingga 0 ≤ n ≤ 1.",
                "Each value is normalised: n = (m − scale min) ÷ (scale max − scale min), so 0 ≤ n ≤ 1."
            )) }
            li { (ctx.t(
                "Nilai total = jumlah (bobot × n) untuk semua kriteria, antara 0 dan 100. Semua hitungan memakai pecahan tepat; total ditampilkan dibulatkan dua desimal.",
                "Total = the sum of (weight × n) over all criteria, between 0 and 100. All arithmetic uses exact fractions; totals are shown rounded to two decimals."
            )) }
            li {
                (ctx.t("Lulus bila", "An applicant passes when"))
                @let mins: Vec<String> = d.criteria.iter().filter_map(|c| c.pass_min.map(|p| format!("m {} ≥ {p}", c.code))).collect();
                @if mins.is_empty() && r.passing_total.is_none() { " " (ctx.t("lengkap dinilai (tidak ada nilai minimum).", "fully scored (there is no minimum).")) }
                @else {
                    " " (mins.join(", "))
                    @if let Some(t) = r.passing_total { @if !mins.is_empty() { (ctx.t(" dan", " and")) } " total ≥ " (t) }
                    "."
                }
            }
            li {
                (ctx.t("Peringkat disusun per formasi: yang lulus diurutkan menurut total dari yang terbesar; bila sama, menurut n kriteria penentu seri", "Ranking is per formation: passing applicants by total, highest first; on a tie, by n of the tie-break criteria"))
                " " @if tiebreaks.is_empty() { "(" (ctx.t("tidak ada", "none")) ")" }
                @else { (tiebreaks.iter().map(|(_, code)| *code).collect::<Vec<_>>().join(" → ")) }
                " " (ctx.t(
                    "(masing-masing dari yang terbesar); bila masih sama, undian menentukan: undian yang tidak dapat diatur siapa pun, termasuk admin, dan dapat dihitung ulang oleh siapa saja.",
                    "(each highest first); if still equal, a lottery decides: one nobody can steer, admins included, and anyone can recompute."
                ))
                // The plain sentence above is for residents; the exact rule
                // follows for whoever wants to check it.
                " " span.muted { (ctx.t(
                    "Secara teknis: kunci undian sha256(seed + \":\" + nomor pendaftaran), dari yang terkecil. Seed ditetapkan dengan komit–ungkap (saksi menyerahkan sidik rahasia lebih dulu, lalu membuka rahasianya) setelah pendaftaran ditutup, dan diumumkan.",
                    "Technically: the lottery key sha256(seed + \":\" + registration number), smallest first. The seed is fixed by commit–reveal (witnesses hand in a fingerprint of a secret first, then reveal the secret) after registration closes, and published."
                )) }
                " " a href=(format!("/seleksi/{}/undian", r.slug)) { (ctx.t("Saksi, komitmen, seed dan cara menghitungnya", "Witnesses, commitments, seed and how to recompute them")) }
            }
            li { (ctx.t(
                "Peringkat 1 sampai jumlah kursi terpilih; berikutnya sebanyak jumlah cadangan menjadi cadangan; sisanya tidak terpilih. Yang tidak lulus tidak diberi peringkat.",
                "Ranks 1 up to the number of seats are selected; the next ones, as many as the reserve places, are reserve; the rest are not selected. Applicants who do not pass get no rank."
            )) }
            li #nama-diumumkan {
                @if r.publish_all_names { (ctx.t(
                    "Pengumuman hasil menyebut nama semua pendaftar yang diperingkat (aturan seleksi ini).",
                    "The results name every ranked applicant (a rule of this round)."
                )) } @else { (ctx.t(
                    "Pengumuman hasil hanya menyebut nama pendaftar terpilih dan cadangan; yang lain tampil dengan nomor pendaftaran saja.",
                    "The results name only the selected and the reserve applicants; the others appear by registration number only."
                )) }
            }
        }
        h3 { (ctx.t("Contoh dengan dua pendaftar", "Worked example with two applicants")) }
        p.muted { (ctx.t("Pendaftar A dan B (rekaan) di formasi yang sama; m adalah nilai setelah digabungkan.", "Made-up applicants A and B in the same formation; m is the combined value.")) }
        (super::scroll::hint(ctx))
        div.scroll tabindex="0" role="region" aria-label=(ctx.t("Tabel contoh perhitungan", "Worked example table")) { table {
            thead { tr { th { (ctx.t("Kriteria", "Criterion")) } th.num { (ctx.t("Bobot", "Weight")) } th.num { "m A" } th.num { (ctx.t("bobot × n A", "weight × n A")) } th.num { "m B" } th.num { (ctx.t("bobot × n B", "weight × n B")) } } }
            tbody {
                @for l in &example.lines {
                    tr {
                        td { code { (l.code) } " (" (l.scale_min) "–" (l.scale_max) ")" }
                        td.num { (l.weight) }
                        td.num { (l.values[0]) } td.num { (l.weight) " × " (l.values[0] - l.scale_min) "/" (l.scale_max - l.scale_min) " = " (l.points_2dp[0]) }
                        td.num { (l.values[1]) } td.num { (l.weight) " × " (l.values[1] - l.scale_min) "/" (l.scale_max - l.scale_min) " = " (l.points_2dp[1]) }
                    }
                }
                tr { th { (ctx.t("Total", "Total")) } th { } th { } th.num { (example.totals_2dp[0]) " (" (example.totals[0]) ")" } th { } th.num { (example.totals_2dp[1]) " (" (example.totals[1]) ")" } }
            }
        } }
        p {
            @match example.first {
                Some(0) => { (ctx.t("A di atas B karena totalnya lebih besar (bila keduanya lulus).", "A ranks above B because its total is higher (if both pass).")) }
                Some(_) => { (ctx.t("B di atas A karena totalnya lebih besar (bila keduanya lulus).", "B ranks above A because its total is higher (if both pass).")) }
                None => { (ctx.t("Total sama; kriteria penentu seri lalu kunci undian menentukan urutan.", "The totals are equal; the tie-break criteria, then the lottery key, decide.")) }
            }
            " " (ctx.t("Bila total sama persis, yang n-nya lebih besar pada kriteria penentu seri pertama didahulukan, dan seterusnya.", "Had the totals been exactly equal, the one with the higher n on the first tie-break criterion would come first, and so on."))
        }

        h2 { (ctx.t("Formasi dan kursi", "Formations and seats")) }
        p { (ctx.t("Jumlah formasi", "Formations")) ": " strong { (d.formations.len()) } " · " (ctx.t("kursi", "seats")) ": " strong { (seats) } " · " (ctx.t("pendaftar", "applications")) ": " strong { (p.counts.total) } }
        (super::scroll::hint(ctx))
        div.scroll tabindex="0" role="region" aria-label=(ctx.t("Tabel formasi dan kursi", "Formations and seats table")) { table {
            thead { tr { th { (ctx.t("Formasi", "Formation")) } th { (ctx.t("Wilayah", "Area")) } th.num { (ctx.t("Kursi", "Seats")) } th.num { (ctx.t("Cadangan", "Reserve")) } th.num { (ctx.t("Pendaftar", "Applicants")) } } }
            tbody {
                @for f in &d.formations {
                    tr {
                        td { (f.model.name) br; code { (f.model.code) } }
                        td { "Kel. " (f.kelurahan_name) ", Kec. " (f.kecamatan_name) br; span.muted { (rt_text(ctx, f.model.all_rts, &f.rts)) } }
                        td.num { (f.model.seats) } td.num { (f.model.reserve) }
                        td.num { (p.counts.by_formation.get(&f.model.id).copied().unwrap_or(0)) }
                    }
                }
            }
        } }
        h3 { (ctx.t("Formasi dengan pendaftar lebih sedikit dari kursi", "Formations with fewer applicants than seats")) }
        @if short.is_empty() { p { (ctx.t("Tidak ada.", "None.")) } }
        @else { ul { @for f in &short {
            li { (f.model.name) ": " (p.counts.by_formation.get(&f.model.id).copied().unwrap_or(0)) " / " (f.model.seats) " " (ctx.t("kursi", "seats")) }
        } } }
        h3 { (ctx.t("Pendaftar per kecamatan dan kelurahan", "Applications per kecamatan and kelurahan")) }
        table {
            thead { tr { th { "Kecamatan / Kelurahan" } th.num { (ctx.t("Pendaftar", "Applications")) } } }
            tbody {
                @for (kc, kn) in &kecamatan {
                    tr { th { "Kec. " (kn) } th.num { (p.counts.by_kecamatan.get(kc).copied().unwrap_or(0)) } }
                    @for (lc, ln) in &kelurahan_of(d, kc) {
                        tr { td { "Kel. " (ln) } td.num { (p.counts.by_kelurahan.get(lc).copied().unwrap_or(0)) } }
                    }
                }
            }
        }

        h2 { (ctx.t("Sidik jari aturan", "Fingerprint of the rules")) }
        @if let Some(h) = &r.frozen_hash {
            p { (ctx.t(
                "Kriteria, bobot, persyaratan, formasi, kursi dan aturan peringkat di atas dikunci saat pendaftaran dibuka. SHA-256 dari bentuk kanoniknya:",
                "The criteria, weights, requirements, formations, seats and ranking rules above were frozen when registration opened. SHA-256 of their canonical form:"
            )) }
            p { code.hash { (h) } }
            @if let Some(at) = r.frozen_at { p.muted { (ctx.t("Dikunci", "Frozen")) " " (format_wita(at)) } }
            p.muted { (ctx.t(
                "Peristiwa «round.registration_opened» di jejak audit memuat objek aturan lengkap (payload.frozen) dan hash ini; hash = sha256 dari teks JSON kanonik RFC 8785 objek tersebut.",
                "The «round.registration_opened» event in the audit trail carries the whole rules object (payload.frozen) and this hash; hash = sha256 of that object's RFC 8785 canonical JSON text."
            )) " " a href="/jejak-audit" { (ctx.t("Jejak audit", "Audit trail")) } }
        }
    };
    layout(
        ctx,
        Page {
            title: r.name.clone(),
            body,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;

    #[test]
    fn typed_values_and_errors_are_escaped_and_kept() {
        let ctx = PageCtx {
            lang: Lang::Id,
            path: "/".into(),
            signed_in: None,
            csrf: None,
        };
        let mut f = FormView::new(
            FormData::from_pairs(vec![("name".into(), "<script>x</script>".into())]),
            "tok",
        );
        f.errors
            .insert("name".into(), Msg::new("Nama <salah>", "Name <bad>"));
        let html = admin_list(&ctx, &[], &f).into_string();
        assert!(html.contains("value=\"&lt;script&gt;x&lt;/script&gt;\""));
        assert!(html.contains("Nama &lt;salah&gt;"));
        assert!(!html.contains("<script>x"));
    }
}
