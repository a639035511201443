//! The panelist's pages: their list and one application's score sheet.
//! Works on a tablet without JavaScript: radio buttons, one submit.

use std::collections::BTreeMap;

use maud::{Markup, html};

use super::layout::{Page, PageCtx, layout};
use crate::domain::round::scale_labels_from_json;
use crate::domain::score_sheet::{QueueItem, ScoreSheet};

fn flag_text(ctx: &PageCtx, flag: &str) -> String {
    match flag {
        "same_rt" => ctx.t(
            "Sistem mencatat: Anda tinggal di RT yang sama dengan pendaftar.",
            "The system notes: you live in the same RT as the applicant.",
        ),
        "same_family_card" => ctx.t(
            "Sistem mencatat: nomor KK Anda sama dengan pendaftar.",
            "The system notes: your family card number equals the applicant's.",
        ),
        other => other,
    }
    .to_owned()
}

/// `GET /penilai`.
/// An application waits for this panelist: a declaration is due, or the
/// applicant was present and the sheet is not submitted yet.
fn needs_action(i: &QueueItem) -> bool {
    !i.recused && (i.declared.is_none() || (i.attended && i.my_version == 0))
}

/// `only_needed`: the panelist's choice of filter; `None` opens on "needs
/// action" when anything does, so a long list starts with what is due.
pub fn queue(ctx: &PageCtx, items: &[QueueItem], only_needed: Option<bool>) -> Markup {
    let waiting = items.iter().filter(|i| needs_action(i)).count();
    let only_needed = only_needed.unwrap_or(waiting > 0);
    let shown: Vec<&QueueItem> = items
        .iter()
        .filter(|i| !only_needed || needs_action(i))
        .collect();
    let body = html! {
        h1 { (ctx.t("Penilaian uji kelayakan dan kepatutan", "Fit & proper test scoring")) }
        p { (ctx.t(
            "Sebelum membuka penilaian, nyatakan ada atau tidaknya konflik kepentingan. Nilai yang sudah dikirim terkunci; perubahan wajib disertai alasan tertulis dan tercatat di jejak audit.",
            "Before scoring, declare whether you have a conflict of interest. Submitted scores are locked; a change needs a written reason and is recorded in the audit trail."
        )) }
        @if !items.is_empty() {
            nav.filter aria-label=(ctx.t("Saring daftar", "Filter the list")) {
                @if only_needed {
                    a href="/penilai?perlu=0" { (ctx.t("Semua", "All")) " (" (items.len()) ")" }
                    " · " strong aria-current="page" { (ctx.t("Perlu tindakan", "Needs action")) " (" (waiting) ")" }
                } @else {
                    strong aria-current="page" { (ctx.t("Semua", "All")) " (" (items.len()) ")" }
                    " · " a href="/penilai?perlu=1" { (ctx.t("Perlu tindakan", "Needs action")) " (" (waiting) ")" }
                }
            }
        }
        @if items.is_empty() {
            div.empty { p { (ctx.t("Belum ada pendaftar untuk dinilai oleh panel Anda.", "There are no applicants for your panel to score yet.")) } }
        } @else if shown.is_empty() {
            div.empty { p { (ctx.t("Tidak ada yang perlu Anda kerjakan sekarang.", "Nothing needs your action now.")) } }
        } @else {
            table {
                thead { tr {
                    th { (ctx.t("Nomor", "Number")) }
                    th { (ctx.t("Nama", "Name")) }
                    th { (ctx.t("Status", "Status")) }
                } }
                tbody {
                    @for i in &shown {
                        tr {
                            td { a href=(format!("/penilai/{}", i.application_id)) { (i.registration_no) } }
                            td { bdi { (i.full_name) } br; span.muted { (i.formation) } }
                            td {
                                @if i.recused { (ctx.t("Dikecualikan (konflik)", "Recused (conflict)")) }
                                @else if i.declared.is_none() { (ctx.t("Perlu pernyataan konflik", "Declaration needed")) }
                                @else if !i.attended { (ctx.t("Belum tercatat hadir", "Not marked present")) }
                                @else if i.my_version == 0 { (ctx.t("Belum dinilai", "Not scored")) }
                                @else { (ctx.t("Terkirim", "Submitted")) " (v" (i.my_version) ")" }
                                @if !i.flags.is_empty() { br; strong { (ctx.t("Periksa kemungkinan konflik", "Check possible conflict")) } }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Penilaian", "Scoring").into(),
            body,
        },
    )
}

/// What the sheet needs besides the service's read model.
pub struct SheetForm<'a> {
    pub csrf: &'a str,
    pub error: Option<String>,
    /// Values typed in a refused submission, to show again.
    pub typed: BTreeMap<String, i32>,
    pub reason: String,
    /// Comments typed in a refused submission.
    pub typed_comments: BTreeMap<String, String>,
    /// Set after "Simpan draf" succeeded.
    pub draft_saved: bool,
}

/// `GET /penilai/{id}`.
pub fn sheet(ctx: &PageCtx, s: &ScoreSheet, f: &SheetForm<'_>) -> Markup {
    let a = &s.application;
    let no = a.registration_no.clone().unwrap_or_default();
    let action = format!("/penilai/{}", a.id);
    let body = html! {
        p { a href="/penilai" { "← " (ctx.t("Daftar penilaian", "Scoring list")) } }
        h1 { (no) }
        p { strong { bdi { (a.full_name) } } }
        // Where the applicant lives: what a panelist needs to judge a conflict.
        p.muted.where {
            @if let Some(rt) = a.rt_number { "RT " (format!("{rt:03}")) " · " }
            @if let Some(k) = &s.kelurahan_name { "Kel. " (k) }
            @else if let Some(code) = &a.kelurahan_code { "Kel. " (code) }
        }
        @for flag in &s.flags { div.alert role="status" { (flag_text(ctx, flag)) } }
        @if let Some(e) = &f.error { div.alert role="alert" { (e) } }
        @match &s.declaration {
            Some(d) if d.recused => {
                div.notice { p { (ctx.t(
                    "Anda dikecualikan dari penilaian pendaftar ini karena konflik kepentingan. Nilai pendaftar ini tidak ditampilkan kepada Anda.",
                    "You are recused from this applicant because of a conflict of interest. Their scores are not shown to you."
                )) } }
            }
            Some(d) if d.kind.is_some() => {
                (score_form(ctx, s, f, &action))
            }
            _ => {
                h2 { (ctx.t("Pernyataan konflik kepentingan", "Conflict-of-interest declaration")) }
                form method="post" action=(format!("{action}/pernyataan")) {
                    input type="hidden" name="csrf" value=(f.csrf);
                    label.check { input type="radio" name="kind" value="none" required; " " (ctx.t("Saya tidak memiliki konflik kepentingan dengan pendaftar ini.", "I have no conflict of interest with this applicant.")) }
                    @for (value, id, en) in [
                        ("family", "Hubungan keluarga", "Family relation"),
                        ("household", "Satu rumah tangga", "Same household"),
                        ("employment", "Hubungan kerja (atasan/bawahan)", "Employer or employee"),
                        ("political", "Hubungan politik", "Political ties"),
                        ("other", "Lainnya (jelaskan)", "Other (explain)"),
                    ] {
                        label.check { input type="radio" name="kind" value=(value); " " (ctx.t(id, en)) }
                    }
                    label for="text" { (ctx.t("Keterangan", "Details")) }
                    textarea id="text" name="text" maxlength="500" rows="3" {}
                    p.muted { (ctx.t("Pernyataan bersifat final. Konflik yang dinyatakan mengecualikan Anda dari penilaian pendaftar ini.", "The declaration is final. A declared conflict recuses you from this applicant.")) }
                    button type="submit" { (ctx.t("Simpan pernyataan", "Save declaration")) }
                }
            }
        }
    };
    layout(ctx, Page { title: no, body })
}

fn score_form(ctx: &PageCtx, s: &ScoreSheet, f: &SheetForm<'_>, action: &str) -> Markup {
    let amending = s.my_version > 0;
    if !s.open_for_scores {
        let not_yet = s.round.state.before_assessment();
        return html! {
            div.notice role="status" { p { @if not_yet { (ctx.t(
                "Penilaian belum dibuka: nilai dapat dikirim pada tahap uji kelayakan dan kepatutan.",
                "Scoring is not open yet: scores can be submitted during the fit & proper test stage."
            )) } @else { (ctx.t(
                "Penilaian sudah ditutup. Setelah hasil diumumkan, nilai hanya dapat diubah bila sanggahan yang diterima membuka kembali lembar nilai Anda.",
                "Scoring is closed. Once results are published, scores can only change when an accepted objection reopens your scorecard."
            )) } } }
            @if !s.my_values.is_empty() {
                ul { @for c in &s.criteria {
                    @if let Some(v) = s.my_values.get(&c.code) { li { (ctx.t(&c.name_id, &c.name_en)) ": " strong { (v) } } }
                } }
            }
        };
    }
    html! {
        @if !s.attended {
            div.notice { p { (ctx.t("Pendaftar belum tercatat hadir pada uji kelayakan; penilaian dapat dikirim setelah kehadiran dicatat.", "The applicant is not yet marked present; scores can be submitted once attendance is recorded.")) } }
        }
        @if amending {
            div.notice { p {
                (ctx.t("Nilai Anda sudah terkirim dan terkunci (versi", "Your scores are submitted and locked (version")) " " (s.my_version) "). "
                (ctx.t("Mengirim ulang membuat versi baru dengan alasan tertulis; versi lama tetap tersimpan.", "Sending again creates a new version with a written reason; old versions are kept."))
            } }
        }
        @if f.draft_saved { div.notice role="status" { p { (ctx.t("Draf tersimpan. Draf hanya terlihat oleh Anda dan belum dihitung.", "Draft saved. Only you can see it, and it does not count yet.")) } } }
        @if !s.draft_values.is_empty() || !s.draft_comments.is_empty() {
            p.muted { (ctx.t("Isian di bawah berasal dari draf Anda yang belum dikirim.", "The form below holds your unsent draft.")) }
        }
        form method="post" action=(format!("{action}/nilai")) {
            input type="hidden" name="csrf" value=(f.csrf);
            @for c in &s.criteria {
                @let labels = scale_labels_from_json(&c.scale_labels);
                @let chosen = f.typed.get(&c.code).copied()
                    .or_else(|| s.draft_values.get(&c.code).copied().flatten())
                    .or_else(|| s.my_values.get(&c.code).copied());
                @let comment = f.typed_comments.get(&c.code)
                    .or_else(|| s.draft_comments.get(&c.code))
                    .or_else(|| s.my_comments.get(&c.code))
                    .cloned()
                    .unwrap_or_default();
                fieldset {
                    legend { (ctx.t(&c.name_id, &c.name_en)) " (" (ctx.t("bobot", "weight")) " " (c.weight) ")" }
                    p.muted { (ctx.t(&c.description_id, &c.description_en)) }
                    @for point in c.scale_min..=c.scale_max {
                        @let label = labels.get(&i64::from(point)).map(|l| ctx.t(&l.id, &l.en).to_owned()).unwrap_or_default();
                        label.check {
                            input type="radio" name=(format!("v_{}", c.code)) value=(point) required checked[chosen == Some(point)];
                            " " strong { (point) } @if !label.is_empty() { " — " (label) }
                        }
                    }
                    label for=(format!("c_{}", c.code)) { (ctx.t("Catatan (opsional)", "Comment (optional)")) }
                    textarea id=(format!("c_{}", c.code)) name=(format!("c_{}", c.code)) rows="2" maxlength="1000" { (comment) }
                }
            }
            @if amending {
                label for="reason" { (ctx.t("Alasan perubahan (wajib)", "Reason for the change (required)")) }
                textarea id="reason" name="reason" rows="3" maxlength="1000" required { (f.reason) }
            }
            button type="submit" formaction=(format!("{action}/draf")) formnovalidate { (ctx.t("Simpan draf", "Save draft")) }
            " "
            button type="submit" { @if amending { (ctx.t("Kirim perubahan", "Submit change")) } @else { (ctx.t("Kirim nilai (terkunci setelah dikirim)", "Submit scores (locked once sent)")) } }
        }
        @if s.history.len() > 1 {
            h2 { (ctx.t("Riwayat versi Anda", "Your versions")) }
            ul { @for (v, reason, at) in &s.history { li {
                strong { "v" (v) } " · " (crate::domain::round::format_wita(*at))
                @if !reason.is_empty() { ": " (reason) }
                @if let Some(values) = s.history_values.get(v) {
                    br; span.muted { @for (i, (code, value)) in values.iter().enumerate() { @if i > 0 { " · " } code { (code) } " " (value) } }
                }
            } } }
        }
    }
}
