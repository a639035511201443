//! Staff pages: the verification queue and application check, pending
//! four-eyes approvals, staff accounts, the invitation form and the
//! panelist's conflict data. Plain forms, no JavaScript.

use std::collections::BTreeMap;

use maud::{Markup, html};

use super::applications::state_label;
use super::layout::{Page, PageCtx, layout};
use crate::domain::account::{AccountStatus, ConflictSummary, StaffRow};
use crate::domain::application::ApplicationState;
use crate::domain::eligibility::{RequirementOutcome, Verdict};
use crate::domain::role::{INVITABLE, Role};
use crate::domain::round::format_wita;
use crate::domain::verification::{
    ApplicationView, DocumentView, PendingApproval, QueueRow, REASONS, RoundQueue, reason_label,
};

fn page(ctx: &PageCtx, title: &str, body: Markup) -> Markup {
    layout(
        ctx,
        Page {
            title: title.to_owned(),
            body,
        },
    )
}

fn alert(text: Option<&str>) -> Markup {
    html! { @if let Some(t) = text { div.alert role="alert" { (t) } } }
}

fn notice(text: Option<&str>) -> Markup {
    html! { @if let Some(t) = text { div.notice role="status" { (t) } } }
}

/// `GET /petugas/verifikasi`.
pub fn queue(ctx: &PageCtx, rounds: &[RoundQueue]) -> Markup {
    let title = ctx.t("Verifikasi administrasi", "Administrative verification");
    let body = html! {
        h1 { (title) }
        @if rounds.is_empty() {
            p { (ctx.t("Belum ada pendaftaran yang masuk di wilayah Anda.", "No applications have been submitted in your area yet.")) }
        }
        @for (ri, r) in rounds.iter().enumerate() {
            @let groups = by_kelurahan(&r.rows);
            section {
                h2 { (r.round_name) }
                // One queue per kelurahan: an operator or admin works one
                // kelurahan's desk at a time.
                @if groups.len() > 1 {
                    p { (ctx.t("Per kelurahan:", "By kelurahan:")) " "
                        @for (gi, (name, rows)) in groups.iter().enumerate() {
                            @if gi > 0 { " · " }
                            a href=(format!("#antrean-{ri}-{gi}")) { (name) " (" (rows.len()) ")" }
                        }
                    }
                }
                @for (gi, (name, rows)) in groups.iter().enumerate() {
                h3 id=(format!("antrean-{ri}-{gi}")) {
                    (ctx.t("Kelurahan", "Kelurahan")) " " (name) " · "
                    (rows.iter().filter(|row| row.state == ApplicationState::Submitted).count()) " "
                    (ctx.t("menunggu verifikasi", "awaiting verification"))
                }
                table {
                    thead { tr {
                        th { (ctx.t("Nomor pendaftaran", "Registration no.")) }
                        th { (ctx.t("Nama", "Name")) }
                        th { (ctx.t("Kelurahan", "Kelurahan")) }
                        th { "RT" }
                        th { (ctx.t("Status", "Status")) }
                    } }
                    tbody {
                        @for row in rows {
                            tr {
                                td { a href=(format!("/petugas/verifikasi/{}", row.application_id)) { (row.registration_no) } }
                                td { bdi { (row.full_name) } }
                                td { (row.kelurahan_name) }
                                td { @if let Some(rt) = row.rt_number { (format!("{rt:03}")) } }
                                td { (state_label(ctx, row.state)) }
                            }
                        }
                    }
                }
                }
            }
        }
    };
    page(ctx, title, body)
}

/// An account's status in words.
fn account_status(ctx: &PageCtx, status: AccountStatus) -> String {
    match status {
        AccountStatus::Active => ctx.t("Aktif", "Active"),
        AccountStatus::Deactivated => ctx.t("Nonaktif", "Deactivated"),
        AccountStatus::Invited => {
            ctx.t("Diundang, belum menyetel sandi", "Invited, no password yet")
        }
    }
    .to_owned()
}

/// A check's outcome as operators read it: the official abbreviation, spelt
/// out.
fn outcome_label(ctx: &PageCtx, outcome: RequirementOutcome) -> String {
    match outcome {
        RequirementOutcome::Ms => ctx.t("MS (memenuhi syarat)", "MS (meets the requirement)"),
        RequirementOutcome::Tms => ctx.t(
            "TMS (tidak memenuhi syarat)",
            "TMS (does not meet the requirement)",
        ),
        RequirementOutcome::NotSubmitted => ctx.t("Tidak diserahkan", "Not submitted"),
    }
    .to_owned()
}

/// The queue's rows grouped by kelurahan name, each group in queue order.
fn by_kelurahan(rows: &[QueueRow]) -> Vec<(&str, Vec<&QueueRow>)> {
    let mut groups: BTreeMap<&str, Vec<&QueueRow>> = BTreeMap::new();
    for row in rows {
        groups
            .entry(row.kelurahan_name.as_str())
            .or_default()
            .push(row);
    }
    groups.into_iter().collect()
}

/// The application check page's form state.
#[derive(Clone, Debug, Default)]
pub struct CheckForm {
    pub csrf: String,
    /// Typed values by field name (`outcome_ID`, `reason_ID`, `text_ID`, `change_reason`).
    pub values: BTreeMap<String, String>,
    /// Messages by requirement id, or `reason` for the change reason.
    pub errors: BTreeMap<String, String>,
    /// Whether the viewer is an admin (may ask for a change).
    pub admin: bool,
    pub notice: Option<String>,
}

fn prefill(ctx: &PageCtx, v: &ApplicationView, f: &CheckForm, req_id: &str, field: &str) -> String {
    if let Some(x) = f.values.get(&format!("{field}_{req_id}")) {
        return x.clone();
    }
    let Some(r) = v.requirements.iter().find(|r| r.id.to_string() == req_id) else {
        return String::new();
    };
    match (field, &r.current, &r.automatic) {
        ("outcome", Some(c), _) => c.outcome.to_string(),
        ("outcome", None, Some(a)) => a.verdict.as_str().to_owned(),
        ("reason", Some(c), _) => c.reason_code.clone().unwrap_or_default(),
        ("reason", None, Some(a)) if a.verdict == Verdict::Tms => {
            if r.kind == "age" { "age" } else { "domicile" }.to_owned()
        }
        ("text", Some(c), _) if !c.automatic => c.reason_text.clone(),
        // A TMS found by the platform comes with its explanation, so the
        // operator can accept it as is.
        ("text", None, Some(a)) if a.verdict == Verdict::Tms => a.message(ctx.lang),
        _ => String::new(),
    }
}

/// A document under its requirement: named by the requirement it answers,
/// the uploaded file's own name only beside it.
fn document_link(
    ctx: &PageCtx,
    v: &ApplicationView,
    d: &DocumentView,
    requirement: Option<&str>,
) -> Markup {
    html! {
        a href=(format!("/petugas/verifikasi/{}/dokumen/{}", v.id, d.id)) target="_blank" rel="noopener" {
            (ctx.t("Buka dokumen", "Open the document"))
            @if let Some(r) = requirement { ": " (r) }
        }
        " " span.muted { "(" (ctx.t("berkas", "file")) " " bdi { (d.original_name) } ", " (d.content_type) ", " ((d.size_bytes + 1023) / 1024) " KB)" }
    }
}

/// The summary of a refused check: each requirement with its message,
/// linked to its fieldset.
fn check_summary(ctx: &PageCtx, v: &ApplicationView, f: &CheckForm) -> Markup {
    let entries: Vec<super::error_summary::Entry> = f
        .errors
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, e)| {
            let req = v.requirements.iter().find(|r| r.id.to_string() == *k);
            super::error_summary::Entry {
                target: match req {
                    Some(r) => format!("req-{}", r.id),
                    None => "change_reason".to_owned(),
                },
                label: Some(match req {
                    Some(r) => ctx.t(&r.text_id, &r.text_en).to_owned(),
                    None => ctx
                        .t("Alasan perubahan", "Reason for the change")
                        .to_owned(),
                }),
                message: e.clone(),
            }
        })
        .collect();
    super::error_summary::summary(ctx, &entries, f.errors.get("").map(String::as_str), None)
}

/// `GET /petugas/verifikasi/{id}` and a refused check or change request.
pub fn application(ctx: &PageCtx, v: &ApplicationView, f: &CheckForm) -> Markup {
    let title = format!(
        "{} {}",
        ctx.t("Verifikasi", "Verification"),
        v.registration_no
    );
    let can_verify = v.awaiting_verification() && v.round_open();
    let can_change =
        f.admin && !v.awaiting_verification() && v.round_open() && v.pending_change.is_none();
    let action = if can_verify {
        format!("/petugas/verifikasi/{}", v.id)
    } else {
        format!("/petugas/verifikasi/{}/perubahan", v.id)
    };
    let body = html! {
        h1 { (title) }
        (notice(f.notice.as_deref()))
        p { (v.round_name) " · " strong { (state_label(ctx, v.state)) } }
        dl {
            dt { (ctx.t("Nama", "Name")) } dd { bdi { (v.full_name) } }
            dt { "NIK" } dd { (v.nik_masked) }
            dt { (ctx.t("Tempat, tanggal lahir", "Place and date of birth")) }
            dd { (v.birth_place) ", " @if let Some(d) = v.birth_date { (d.to_string()) } }
            dt { (ctx.t("Jenis kelamin", "Sex")) }
            dd { (match v.sex.as_str() { "female" => ctx.t("Perempuan", "Female"), "male" => ctx.t("Laki-laki", "Male"), s => s }) }
            dt { (ctx.t("Alamat", "Address")) } dd { (v.address) }
            dt { (ctx.t("Kelurahan / RT", "Kelurahan / RT")) }
            dd { (v.kelurahan_code) @if let Some(rt) = v.rt_number { " RT " (format!("{rt:03}")) } }
            @if v.assisted { dt { (ctx.t("Pendaftaran", "Registration")) } dd { (ctx.t("Dibantu operator", "Assisted by an operator")) } }
        }
        @if !v.nik_warnings.is_empty() {
            div.alert role="alert" {
                (ctx.t("Peringatan NIK (periksa dengan KTP):", "NIK warnings (check against the KTP):"))
                ul { @for w in &v.nik_warnings {
                    li { @match crate::domain::nik::warning_message(w) {
                        Some(m) => (ctx.t(&m.id, &m.en)),
                        None => (w),
                    } }
                } }
            }
        }
        (check_summary(ctx, v, f))
        // Each document is shown under the requirement it was uploaded for;
        // only what answers no requirement is listed apart.
        @let loose: Vec<_> = v.documents.iter().filter(|d| d.requirement_id.is_none()).collect();
        @if !loose.is_empty() {
            h2 { (ctx.t("Lampiran lain", "Other attachments")) }
            ul { @for d in loose { li { (document_link(ctx, v, d, None)) } } }
        }
        @if let Some(p) = &v.pending_change {
            div.notice role="status" {
                (ctx.t("Perubahan hasil menunggu persetujuan admin kedua. Alasan: ", "A change of outcome awaits a second admin's approval. Reason: "))
                bdi { (p.reason) }
            }
        }
        h2 { (ctx.t("Persyaratan", "Requirements")) }
        @if !v.round_open() {
            p { (ctx.t("Verifikasi hanya dapat dilakukan saat tahap pendaftaran atau verifikasi.", "Verification happens only while the round is in registration or verification.")) }
        }
        form method="post" action=(super::error_summary::action(&action)) {
            input type="hidden" name="csrf" value=(f.csrf);
            @for r in &v.requirements {
                @let id = r.id.to_string();
                @let outcome = prefill(ctx, v, f, &id, "outcome");
                @let reason = prefill(ctx, v, f, &id, "reason");
                @let requirement = ctx.t(&r.text_id, &r.text_en);
                fieldset id=(format!("req-{id}")) {
                    legend { (requirement) }
                    @for d in v.documents.iter().filter(|d| d.requirement_id == Some(r.id)) {
                        p { (document_link(ctx, v, d, Some(requirement))) }
                    }
                    @if r.not_submitted {
                        p { strong { (ctx.t("Tidak diserahkan", "Not submitted")) } " — " (ctx.t(
                            "dokumen ini tidak wajib dan tidak diunggah; tercatat \"tidak diserahkan\", tanpa MS atau TMS.",
                            "this document is optional and was not uploaded; it is recorded as \"not submitted\", neither MS nor TMS."
                        )) }
                    } @else {
                    @if r.kind == "document" && !v.documents.iter().any(|d| d.requirement_id == Some(r.id)) {
                        p.field-error { (ctx.t("Dokumen wajib ini tidak diunggah.", "This required document was not uploaded.")) }
                    }
                    @if let Some(a) = &r.automatic {
                        p.muted { (ctx.t("Pemeriksaan otomatis: ", "Automatic check: ")) strong { (outcome_label(ctx, a.verdict.into())) } " — " (a.message(ctx.lang)) }
                    }
                    @if let Some(c) = &r.current {
                        p.muted { (ctx.t("Tercatat: ", "Recorded: ")) strong { (outcome_label(ctx, c.outcome)) }
                            @match (&r.automatic, c.automatic) {
                                // The platform's own finding, in the reader's language.
                                (Some(a), true) if RequirementOutcome::from(a.verdict) == c.outcome => { " — " (a.message(ctx.lang)) }
                                _ => {
                                    @if c.outcome == RequirementOutcome::Tms {
                                        @if let Some(code) = &c.reason_code { " — " (reason_label(code, ctx.lang)) }
                                    }
                                    @if !c.reason_text.is_empty() { ": " (c.reason_text) }
                                }
                            }
                        }
                    }
                    label { input type="radio" name=(format!("outcome_{id}")) value="ms" checked[outcome == "ms"]; " " (outcome_label(ctx, RequirementOutcome::Ms)) }
                    " "
                    label { input type="radio" name=(format!("outcome_{id}")) value="tms" checked[outcome == "tms"]; " " (outcome_label(ctx, RequirementOutcome::Tms)) }
                    label for=(format!("reason_{id}")) { (ctx.t("Alasan", "Reason")) }
                    select id=(format!("reason_{id}")) name=(format!("reason_{id}")) {
                        option value="" { "—" }
                        @for (code, rid, ren) in REASONS {
                            option value=(code) selected[reason == code] { (ctx.t(rid, ren)) }
                        }
                    }
                    label for=(format!("text_{id}")) { (ctx.t("Keterangan (wajib untuk TMS)", "Explanation (required for TMS)")) }
                    textarea id=(format!("text_{id}")) name=(format!("text_{id}")) { (prefill(ctx, v, f, &id, "text")) }
                    @if let Some(e) = f.errors.get(&id) { p.field-error role="alert" { (e) } }
                    }
                }
            }
            @if can_verify {
                button type="submit" { (ctx.t("Simpan dan kirim hasil verifikasi", "Save and send the outcome")) }
            } @else if can_change {
                label for="change_reason" { (ctx.t("Alasan perubahan (wajib; perlu persetujuan admin kedua)", "Reason for the change (required; a second admin must approve)")) }
                textarea id="change_reason" name="change_reason" { (f.values.get("change_reason").map_or("", String::as_str)) }
                @if let Some(e) = f.errors.get("reason") { p.field-error role="alert" { (e) } }
                button type="submit" { (ctx.t("Ajukan perubahan hasil", "Request a change of outcome")) }
            }
        }
    };
    page(ctx, &title, body)
}

/// Four-eyes requests decided on their own pages, per round: how many wait
/// for the signed-in admin.
pub struct Waiting<'a> {
    /// Proposed objection decisions.
    pub objections: &'a std::collections::BTreeMap<uuid::Uuid, usize>,
    /// Proposed replacements of a member after the final result.
    pub replacements: &'a std::collections::BTreeMap<uuid::Uuid, usize>,
}

/// `GET /admin/persetujuan`.
pub fn approvals(
    ctx: &PageCtx,
    csrf: &str,
    rows: &[PendingApproval],
    me: uuid::Uuid,
    waiting: &Waiting<'_>,
) -> Markup {
    let objections = waiting.objections;
    let title = ctx.t("Persetujuan yang menunggu", "Pending approvals");
    let body = html! {
        h1 { (title) }
        p { (ctx.t("Perubahan hasil verifikasi, dan setelah hasil diumumkan setiap pengecualian penilai dan berkas nilai impor, berlaku setelah disetujui admin lain (empat mata).", "A change of a verification outcome, and once results are published every recusal and file of imported values, applies once another admin approves it (four eyes).")) }
        @for (round, n) in objections {
            div.notice { p {
                strong { (n) } " " (ctx.t("keputusan sanggahan menunggu persetujuan Anda.", "objection decision(s) wait for your approval.")) " "
                a href=(format!("/admin/seleksi/{round}/sanggahan")) { (ctx.t("Buka daftar sanggahan", "Open the objections")) }
            } }
        }
        @for (round, n) in waiting.replacements {
            div.notice { p {
                strong { (n) } " " (ctx.t("penggantian anggota setelah hasil akhir menunggu persetujuan Anda.", "replacement(s) of a member after the final result wait for your approval.")) " "
                a href=(format!("/admin/seleksi/{round}/pasca-final")) { (ctx.t("Buka halaman setelah hasil akhir", "Open the after-final page")) }
            } }
        }
        @if rows.is_empty() && objections.is_empty() && waiting.replacements.is_empty() { p { (ctx.t("Tidak ada permintaan yang menunggu.", "No pending requests.")) } }
        @for a in rows {
            section {
                h2 {
                    @match (&a.change, a.application_id) {
                        (None, Some(id)) => { a href=(format!("/petugas/verifikasi/{id}")) { (a.registration_no) } }
                        (Some(_), Some(id)) => { a href=(format!("/audit/pendaftaran/{id}")) { (a.registration_no) } }
                        (_, None) => { (ctx.t("Nilai impor ", "Imported values ")) (a.registration_no) }
                    }
                }
                p { (ctx.t("Diajukan oleh ", "Requested by ")) (a.requested_by_name) ", " (format_wita(a.requested_at)) }
                p { (ctx.t("Alasan: ", "Reason: ")) bdi { (a.reason) } }
                @if let Some((id, en)) = &a.change {
                    p { (ctx.t("Perubahan: ", "Change: ")) (ctx.t(id, en)) }
                } @else {
                    p { (ctx.t("Hasil baru: ", "New outcome: "))
                        @if a.tms.is_empty() { "MS" } @else { "TMS (" (a.tms.join(", ")) ")" } }
                }
                @if a.requested_by == me {
                    p.muted { (ctx.t("Anda yang mengajukan; admin lain yang memutuskan.", "You asked for it; another admin decides.")) }
                } @else {
                    form method="post" action=(format!("/admin/persetujuan/{}", a.id)) {
                        input type="hidden" name="csrf" value=(csrf);
                        label for=(format!("note_{}", a.id)) { (ctx.t("Catatan", "Note")) }
                        textarea id=(format!("note_{}", a.id)) name="note" {}
                        button type="submit" name="decision" value="approve" { (ctx.t("Setujui", "Approve")) }
                        " "
                        button type="submit" name="decision" value="reject" { (ctx.t("Tolak", "Reject")) }
                    }
                }
            }
        }
    };
    page(ctx, title, body)
}

/// The staff accounts page's state.
#[derive(Clone, Debug, Default)]
pub struct StaffPage {
    pub csrf: String,
    pub rows: Vec<StaffRow>,
    /// `(code, name)` of every kelurahan.
    pub kelurahan: Vec<(String, String)>,
    pub email: String,
    pub name: String,
    pub role: String,
    pub scopes: Vec<String>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

fn role_name(ctx: &PageCtx, role: Role) -> &'static str {
    match role {
        Role::Applicant => ctx.t("Pendaftar", "Applicant"),
        Role::Operator => ctx.t("Operator kelurahan", "Kelurahan operator"),
        Role::Panelist => ctx.t("Tim penilai", "Panelist"),
        Role::Admin => ctx.t("Admin kota", "City administrator"),
        Role::Auditor => ctx.t("Auditor", "Auditor"),
    }
}

/// `GET /admin/akun`.
pub fn staff(ctx: &PageCtx, p: &StaffPage) -> Markup {
    let title = ctx.t("Akun petugas", "Staff accounts");
    let body = html! {
        h1 { (title) }
        (notice(p.notice.as_deref()))
        h2 { (ctx.t("Undang petugas", "Invite a staff member")) }
        (alert(p.error.as_deref()))
        form method="post" action="/admin/akun" {
            input type="hidden" name="csrf" value=(p.csrf);
            label for="email" { (ctx.t("Alamat e-mail", "E-mail address")) }
            input id="email" type="email" name="email" value=(p.email);
            label for="name" { (ctx.t("Nama", "Name")) }
            input id="name" type="text" name="name" value=(p.name);
            label for="role" { (ctx.t("Peran", "Role")) }
            select id="role" name="role" {
                @for r in INVITABLE { option value=(r.as_str()) selected[p.role == r.as_str()] { (role_name(ctx, r)) } }
            }
            label for="kelurahan" { (ctx.t("Kelurahan (wajib untuk operator dan tim penilai)", "Kelurahan (required for operators and panelists)")) }
            select id="kelurahan" name="kelurahan" multiple size="6" {
                @for (code, name) in &p.kelurahan { option value=(code) selected[p.scopes.contains(code)] { (name) " (" (code) ")" } }
            }
            button type="submit" { (ctx.t("Kirim undangan", "Send invitation")) }
        }
        h2 { (ctx.t("Daftar akun", "Accounts")) }
        table {
            thead { tr {
                th { (ctx.t("Nama", "Name")) } th { "E-mail" } th { (ctx.t("Peran", "Role")) }
                th { (ctx.t("Status", "Status")) } th { (ctx.t("Kelurahan", "Kelurahan")) } th {}
            } }
            tbody {
                @for a in &p.rows {
                    tr {
                        td { (a.name) } td { (a.email) } td { (role_name(ctx, a.role)) } td { (account_status(ctx, a.status)) }
                        td {
                            @if a.role.is_scoped() {
                                form method="post" action=(format!("/admin/akun/{}/kelurahan", a.id)) {
                                    input type="hidden" name="csrf" value=(p.csrf);
                                    select name="kelurahan" multiple size="3" aria-label=(ctx.t("Kelurahan", "Kelurahan")) {
                                        @for (code, name) in &p.kelurahan { option value=(code) selected[a.scopes.contains(code)] { (name) } }
                                    }
                                    button type="submit" { (ctx.t("Simpan", "Save")) }
                                }
                            }
                        }
                        td {
                            @if a.role != Role::Admin {
                                @if a.status == AccountStatus::Deactivated {
                                    form method="post" action=(format!("/admin/akun/{}/aktifkan", a.id)) {
                                        input type="hidden" name="csrf" value=(p.csrf);
                                        button type="submit" { (ctx.t("Aktifkan lagi", "Reactivate")) }
                                    }
                                } @else {
                                    form method="post" action=(format!("/admin/akun/{}/nonaktifkan", a.id)) {
                                        input type="hidden" name="csrf" value=(p.csrf);
                                        // Kept in the audit trail, so an auditor sees why access ended.
                                        input type="text" name="reason" maxlength="500"
                                            placeholder=(ctx.t("Alasan (mis. tugas berakhir)", "Reason (e.g. assignment ended)"))
                                            aria-label=(ctx.t("Alasan menonaktifkan", "Reason for deactivating"));
                                        " "
                                        button type="submit" { (ctx.t("Nonaktifkan", "Deactivate")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(ctx, title, body)
}

/// `GET /undangan?token=…`: the invitee chooses a password.
pub fn accept_invite(
    ctx: &PageCtx,
    csrf: &str,
    token: &str,
    password_error: Option<&str>,
    confirm_error: Option<&str>,
) -> Markup {
    let title = ctx.t("Aktifkan akun", "Activate your account");
    let body = html! {
        h1 { (title) }
        p { (ctx.t("Buat kata sandi untuk akun petugas Anda.", "Choose a password for your staff account.")) }
        form method="post" action="/undangan" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="token" value=(token);
            label for="password" { (ctx.t("Kata sandi", "Password")) }
            input id="password" type="password" name="password" autocomplete="new-password";
            p.muted { (ctx.t("Minimal 10 karakter. Boleh berupa kalimat.", "At least 10 characters. A sentence works well.")) }
            @if let Some(e) = password_error { p.field-error role="alert" { (e) } }
            label for="password_confirm" { (ctx.t("Ulangi kata sandi", "Repeat the password")) }
            input id="password_confirm" type="password" name="password_confirm" autocomplete="new-password";
            @if let Some(e) = confirm_error { p.field-error role="alert" { (e) } }
            button type="submit" { (ctx.t("Aktifkan", "Activate")) }
        }
    };
    page(ctx, title, body)
}

/// The panelist's conflict-data form.
#[derive(Clone, Debug, Default)]
pub struct ConflictForm {
    pub csrf: String,
    pub stored: ConflictSummary,
    pub kelurahan: Vec<(String, String)>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// `GET /akun/konflik`.
pub fn conflict(ctx: &PageCtx, f: &ConflictForm) -> Markup {
    let title = ctx.t("Data benturan kepentingan", "Conflict-of-interest data");
    let chosen = f.stored.kelurahan_code.clone().unwrap_or_default();
    let body = html! {
        h1 { (title) }
        p { (ctx.t(
            "RT tempat tinggal dan nomor Kartu Keluarga Anda dipakai untuk menandai pendaftar yang mungkin berbenturan kepentingan dengan Anda (satu RT atau satu KK). Nomor KK tidak disimpan; hanya sidik kuncinya.",
            "Your RT and family-card number flag applicants you may have a conflict with (same RT or same family card). The card number is not stored, only a keyed fingerprint of it."
        )) }
        (notice(f.notice.as_deref()))
        (alert(f.error.as_deref()))
        form method="post" action="/akun/konflik" {
            input type="hidden" name="csrf" value=(f.csrf);
            label for="kelurahan" { (ctx.t("Kelurahan tempat tinggal", "Kelurahan you live in")) }
            select id="kelurahan" name="kelurahan" {
                option value="" { "—" }
                @for (code, name) in &f.kelurahan { option value=(code) selected[chosen == *code] { (name) } }
            }
            label for="rt" { (ctx.t("Nomor RT", "RT number")) }
            input id="rt" type="number" min="1" name="rt" value=[f.stored.rt_number];
            label for="kk" { (ctx.t("Nomor Kartu Keluarga (16 angka)", "Family-card number (16 digits)")) }
            input id="kk" type="text" inputmode="numeric" name="kk" autocomplete="off";
            @if f.stored.family_card_recorded {
                p.muted { (ctx.t("Nomor KK sudah tercatat; kosongkan untuk tidak mengubahnya.", "A family-card number is recorded; leave empty to keep it.")) }
            }
            button type="submit" { (ctx.t("Simpan", "Save")) }
        }
    };
    page(ctx, title, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;

    #[test]
    fn names_in_the_queue_are_escaped() {
        let ctx = PageCtx {
            lang: Lang::Id,
            path: "/petugas/verifikasi".into(),
            signed_in: None,
            csrf: None,
        };
        let html = queue(
            &ctx,
            &[RoundQueue {
                round_name: "R".into(),
                round_state: "verification".parse().expect("state"),
                rows: vec![QueueRow {
                    application_id: uuid::Uuid::nil(),
                    registration_no: "SKT-1".into(),
                    full_name: "<b>x</b>".into(),
                    kelurahan_name: "K".into(),
                    kelurahan_code: "64.72.09.1001".into(),
                    rt_number: Some(3),
                    state: "submitted".parse().expect("state"),
                }],
            }],
        )
        .into_string();
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(html.contains("RT") && html.contains("003"));
    }
}
