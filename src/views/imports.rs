//! The admin's upload page for imported criteria (e.g. a written test).

use maud::{Markup, html};

use super::layout::{Page, PageCtx, layout};
use crate::domain::imported::ImportSummary;
use crate::domain::imported::LineError;
use crate::domain::round::{CriterionRow, Round};

/// What the upload page shows.
pub struct ImportPage<'a> {
    pub round: &'a Round,
    pub criteria: &'a [CriterionRow],
    pub csrf: &'a str,
    /// A form-level refusal (state, permission, size).
    pub error: Option<String>,
    /// A refused file, line by line.
    pub lines: Vec<LineError>,
    /// The accepted import just done.
    pub done: Option<ImportSummary>,
    /// What was chosen or pasted in a refused form.
    pub chosen: String,
    pub pasted: String,
    /// Criteria of a stage whose shortlist is published, with that stage:
    /// a file for one is a correction that needs a reason and a second
    /// admin.
    pub corrections: &'a [(String, String)],
}

/// `GET /admin/seleksi/{id}/impor-nilai`.
pub fn page(ctx: &PageCtx, p: &ImportPage<'_>) -> Markup {
    let r = p.round;
    let base = format!("/admin/seleksi/{}", r.id);
    let body = html! {
        p.muted {
            a href=(base) { (ctx.t("Ringkasan seleksi", "Round overview")) } " · "
            a href=(format!("{base}/progres")) { (ctx.t("Progres penilaian", "Scoring progress")) }
        }
        h1 { (ctx.t("Impor nilai kriteria", "Import criterion values")) ": " (r.name) }
        p { (ctx.t(
            "Unggah berkas CSV (UTF-8) dengan baris pertama «registration_no,value» dan satu baris per pendaftar, mis. «2026-6472011001-0001,78». Setiap nilai harus bilangan bulat pada skala kriteria, nomor pendaftaran harus milik pendaftar yang memenuhi syarat di seleksi ini, dan tiap nomor hanya sekali. Berkas dengan satu kesalahan pun ditolak seluruhnya; tidak ada yang disimpan. Setiap nilai yang berubah tercatat di jejak audit (nilai lama dan baru) dan peringkat formasinya dihitung ulang.",
            "Upload a CSV file (UTF-8) whose first line is «registration_no,value», one line per applicant, e.g. «2026-6472011001-0001,78». Every value must be a whole number on the criterion's scale, every number an eligible application of this round, each number once. A file with a single error is refused whole and nothing is stored. Every changed value is recorded in the audit trail (old and new) and its formation re-ranked."
        )) }
        @if let Some(d) = p.done.as_ref().filter(|d| d.approval_id.is_some()) {
            div.notice role="status" { p {
                (ctx.t("Berkas diperiksa dan menunggu persetujuan admin lain (hasil atau daftar lolos tahapnya sudah diumumkan); belum ada nilai yang berubah", "The file was checked and waits for another admin's approval (the results or its stage's shortlist are published); no value has changed yet")) ": " (d.rows) " " (ctx.t("baris", "rows")) "; "
                (ctx.t("baru", "new")) " " (d.added) ", " (ctx.t("berubah", "changed")) " " (d.changed) ". "
                a href="/admin/persetujuan" { (ctx.t("Persetujuan yang menunggu", "Pending approvals")) }
            } }
        } @else if let Some(d) = &p.done {
            div.notice role="status" { p {
                (ctx.t("Impor diterima", "Import accepted")) ": " (d.rows) " " (ctx.t("baris", "rows")) "; "
                (ctx.t("baru", "new")) " " (d.added) ", " (ctx.t("berubah", "changed")) " " (d.changed) ", " (ctx.t("sama", "unchanged")) " " (d.unchanged) "."
            } }
        }
        @if let Some(e) = &p.error { div.alert role="alert" { (e) } }
        @if !p.lines.is_empty() {
            div.alert role="alert" {
                p { strong { (ctx.t("Berkas ditolak seluruhnya; tidak ada nilai yang disimpan.", "The file was refused whole; no value was stored.")) } }
                ul { @for l in &p.lines { li { (l.text(ctx.lang)) } } }
            }
        }
        @if p.criteria.is_empty() {
            p { (ctx.t("Seleksi ini tidak memiliki kriteria impor.", "This round has no imported criteria.")) }
        } @else {
            form method="post" action=(format!("{base}/impor-nilai")) enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(p.csrf);
                label for="criterion" { (ctx.t("Kriteria", "Criterion")) }
                select id="criterion" name="criterion" required {
                    @for c in p.criteria {
                        option value=(c.code) selected[p.chosen == c.code] { (c.code) " — " (ctx.t(&c.name_id, &c.name_en)) " (" (c.scale_min) "–" (c.scale_max) ")" }
                    }
                }
                label for="file" { (ctx.t("Berkas CSV", "CSV file")) }
                input id="file" name="file" type="file" accept=".csv,text/csv";
                label for="csv" { (ctx.t("atau tempel isi CSV di sini", "or paste the CSV here")) }
                textarea id="csv" name="csv" rows="6" { (p.pasted) }
                @if r.state.is_published() {
                    label for="reason" { (ctx.t("Alasan koreksi (wajib setelah hasil diumumkan; berlaku setelah disetujui admin lain)", "Reason for the correction (required once results are published; applies after another admin approves)")) }
                    textarea id="reason" name="reason" rows="3" required minlength="10" {}
                } @else if !p.corrections.is_empty() {
                    label for="reason" { (ctx.t("Alasan koreksi", "Reason for the correction")) }
                    p.muted id="reason-hint" {
                        (ctx.t("Wajib untuk kriteria tahap yang daftar lolosnya sudah diterbitkan", "Required for a criterion of a stage whose shortlist is published")) ": "
                        @for (i, (code, stage)) in p.corrections.iter().enumerate() {
                            @if i > 0 { ", " }
                            (code) " (" (ctx.t("tahap", "stage")) " " (stage) ")"
                        }
                        ". " (ctx.t(
                            "Koreksi berlaku setelah disetujui admin lain; daftar lolos tahap itu lalu dihitung dan diterbitkan ulang, dan yang tidak lolos lagi kehilangan undangannya dan diberi tahu. Setelah daftar lolos tahap berikutnya diterbitkan, koreksi ditolak.",
                            "A correction applies once another admin approves it; that stage's shortlist is then derived and published again, and whoever no longer goes on loses their invitation and is told. Once the next stage's shortlist is published, a correction is refused."
                        ))
                    }
                    textarea id="reason" name="reason" rows="3" minlength="10" aria-describedby="reason-hint" {}
                }
                button type="submit" { (ctx.t("Impor nilai", "Import values")) }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Impor nilai", "Import values").into(),
            body,
        },
    )
}
