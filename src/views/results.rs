//! Results pages: the public results of a round and of one formation, the
//! printable announcement (pengumuman) per kelurahan, objections for the
//! applicant, the reviewer and the admins, and finalization.

use maud::{Markup, html};
use time::OffsetDateTime;
use uuid::Uuid;

use super::layout::{Page, PageCtx, layout};
use crate::domain::approval::Approval;
use crate::domain::lang::Lang;
use crate::domain::objection::{ObjectionStatus, ObjectionView, Reopen};
use crate::domain::results::{FormationResults, PublishedCheckpoint, RoundResults};
use crate::domain::round::Round;
use crate::domain::round::RoundState;
use crate::domain::round::format_wita;

/// The label of a result status (`pending` included).
pub fn status_label(ctx: &PageCtx, status: &str) -> String {
    let (id, en) = match status {
        "selected" => ("Terpilih", "Selected"),
        "reserve" => ("Cadangan", "Reserve"),
        "not_selected" => ("Tidak terpilih", "Not selected"),
        "not_passed" => ("Tidak lulus", "Did not pass"),
        "pending" => ("Menunggu penilaian lengkap", "Pending (scoring incomplete)"),
        other => (other, other),
    };
    ctx.t(id, en).to_owned()
}

fn objection_status(ctx: &PageCtx, status: ObjectionStatus) -> String {
    let (id, en) = match status {
        ObjectionStatus::Filed => ("Masuk, menunggu peninjau", "Received, awaiting a reviewer"),
        ObjectionStatus::InReview => ("Sedang ditinjau", "Under review"),
        ObjectionStatus::Proposed => (
            "Usulan keputusan menunggu persetujuan",
            "Proposed decision awaiting approval",
        ),
        ObjectionStatus::Accepted => ("Diterima", "Accepted"),
        ObjectionStatus::Rejected => ("Ditolak", "Rejected"),
    };
    ctx.t(id, en).to_owned()
}

fn is_final(r: &Round) -> bool {
    r.state == RoundState::Final
}

/// The ranking rule in one paragraph, as the announcement prints it.
fn rule_paragraph(ctx: &PageCtx) -> Markup {
    html! {
        p { (ctx.t(
            "Singkatnya: nilai tertinggi mendapat peringkat teratas; nilai yang sama diputus dulu oleh kriteria penentu seri, lalu oleh undian yang tidak dapat diatur siapa pun.",
            "In short: the highest total ranks first; equal totals are settled first by the tie-break criteria, then by a lottery nobody can steer."
        )) }
        p { (ctx.t(
            "Aturan: untuk setiap kriteria, nilai para penilai tanpa konflik kepentingan dirata-ratakan dan dinormalkan ke 0–1; total = jumlah bobot × nilai normal (0–100), dihitung dengan pecahan tepat dan ditampilkan dua desimal. Pendaftar yang lulus diurutkan per formasi menurut total dari yang terbesar, lalu menurut kriteria penentu seri, lalu menurut kunci undian sha256(seed + \":\" + nomor pendaftaran) dari yang terkecil. Peringkat 1 sampai jumlah kursi terpilih, berikutnya sebanyak jumlah cadangan menjadi cadangan, sisanya tidak terpilih; yang tidak lulus tidak diberi peringkat.",
            "Rule: for each criterion, the values of the panelists without a conflict of interest are averaged and normalised to 0–1; total = the sum of weight × normalised value (0–100), computed with exact fractions and shown with two decimals. Passing applicants are ordered per formation by total, highest first, then by the tie-break criteria, then by the lottery key sha256(seed + \":\" + registration number), smallest first. Ranks 1 up to the seats are selected, the next ones up to the reserve places are reserve, the rest are not selected; applicants who do not pass get no rank."
        )) }
    }
}

/// The publication checkpoints and how to verify the trail against them.
fn checkpoints(ctx: &PageCtx, cps: &[PublishedCheckpoint]) -> Markup {
    html! {
        section.checkpoints {
            h2 { (ctx.t("Titik periksa jejak audit", "Audit trail checkpoints")) }
            @if cps.is_empty() {
                p.muted { (ctx.t("Belum ada titik periksa untuk seleksi ini.", "No checkpoint for this round yet.")) }
            }
            @for cp in cps {
                p {
                    strong { @if cp.reason == "final" { (ctx.t("Hasil akhir", "Final results")) } @else { (ctx.t("Hasil sementara", "Provisional results")) } }
                    " · " (format_wita(cp.created_at)) br;
                    code.checkpoint { (cp.seq) ":" (cp.hash) }
                }
                details { summary { (ctx.t("Catatan bertanda tangan (Ed25519)", "Signed note (Ed25519)")) } pre { (cp.note) } }
            }
            p { (ctx.t(
                "Cara memeriksa: unduh jejak audit (audit.csv) dan jalankan",
                "How to verify: download the audit trail (audit.csv) and run"
            )) " " code { "pokmas audit verify audit.csv --checkpoint SEQ:HASH" } ". "
            (ctx.t(
                "Hasilnya harus «valid»: setiap peristiwa sampai titik periksa tidak berubah sejak pengumuman. Aturannya ada di halaman",
                "It must answer «valid»: every event up to the checkpoint is unchanged since the announcement. The rule is on the page"
            )) " " a href="/jejak-audit" { (ctx.t("Jejak audit", "Audit trail")) } "." }
        }
    }
}

fn results_table(ctx: &PageCtx, fr: &FormationResults) -> Markup {
    html! {
        table.results {
            thead { tr {
                th.num { (ctx.t("Peringkat", "Rank")) }
                th { (ctx.t("Nomor pendaftaran", "Registration number")) }
                th { (ctx.t("Nama", "Name")) }
                th.num { (ctx.t("Total", "Total")) }
                th { (ctx.t("Status", "Status")) }
            } }
            tbody {
                @for r in &fr.rows {
                    tr class=(r.status) {
                        td.num.rank { @if let Some(k) = r.rank { (k) } @else { "–" } }
                        td.regno { code { (r.registration_no) } }
                        td.name { @if r.full_name.is_empty() { span.muted { "–" } } @else { bdi { (r.full_name) } } }
                        td.num.total data-label=(ctx.t("Total", "Total")) { @if r.total_2dp.is_empty() { "–" } @else { span title=(r.total_exact) { (r.total_2dp) } } }
                        td.status { (status_label(ctx, &r.status)) }
                    }
                }
            }
        }
        @if fr.rows.is_empty() { p.muted { (ctx.t("Tidak ada pendaftar yang memenuhi syarat di formasi ini.", "No eligible applicant in this formation.")) } }
    }
}

fn heading(ctx: &PageCtx, r: &Round) -> &'static str {
    if is_final(r) {
        ctx.t("Hasil akhir", "Final results")
    } else {
        ctx.t("Hasil sementara", "Provisional results")
    }
}

/// `GET /seleksi/{slug}/hasil`: formations by kelurahan, checkpoints, decided objections.
pub fn round_page(ctx: &PageCtx, v: &RoundResults) -> Page {
    let r = &v.round;
    let mut kelurahan: Vec<(&str, &str)> = v
        .formations
        .iter()
        .map(|f| {
            (
                f.formation.kelurahan_code.as_str(),
                f.kelurahan_name.as_str(),
            )
        })
        .collect();
    kelurahan.dedup();
    let body = html! {
        p { a href=(format!("/seleksi/{}", r.slug)) { "← " (r.name) } }
        h1 { (heading(ctx, r)) " · " (r.name) }
        @if r.state == RoundState::Objection {
            div.notice { (ctx.t("Masa sanggah sedang berjalan", "The objection period is open"))
                @if let Some(end) = r.objection_ends_at { " " (ctx.t("sampai", "until")) " " (format_wita(end)) }
                ". " (ctx.t("Pendaftar dapat menyanggah hasilnya sendiri dari halaman status pendaftaran.", "Applicants can contest their own result from their application status page.")) }
        }
        @if is_final(r) {
            div.notice { (ctx.t("Hasil ini final dan menjadi dasar Surat Keputusan Lurah.", "These results are final and are the basis of the Lurah's decree.")) }
        }
        (checkpoints(ctx, &v.checkpoints))
        (super::stages::public_section(ctx, r.final_rule.as_deref(), &v.stages, &v.shortlists))
        (super::public_downloads::section(ctx, &r.slug))
        h2 { (ctx.t("Formasi", "Formations")) }
        @for (code, name) in &kelurahan {
            h3 { "Kel. " (name) " " a.noprint href=(format!("/seleksi/{}/pengumuman/{}", r.slug, code)) { "(" (ctx.t("pengumuman untuk dicetak", "printable announcement")) ")" } }
            ul {
                @for f in v.formations.iter().filter(|f| f.formation.kelurahan_code == *code) {
                    li {
                        a href=(format!("/seleksi/{}/hasil/{}", r.slug, f.formation.code)) { (f.formation.name) }
                        " " span.muted { "(" code { (f.formation.code) } ", " (f.formation.seats) " " (ctx.t("kursi", "seats")) ", " (f.rows.len()) " " (ctx.t("pendaftar", "applicants")) ")" }
                    }
                }
            }
        }
        h2 { (ctx.t("Keputusan sanggahan", "Objection decisions")) }
        @if v.decisions.is_empty() {
            p.muted { (ctx.t("Belum ada sanggahan yang diputus.", "No objection has been decided yet.")) }
        } @else {
            // One card per decision: a table squeezed the reasons to one letter a line on a phone.
            ul.decisions {
                @for d in &v.decisions { li.card {
                    p.decision-head {
                        code { (d.registration_no) } " · " (ctx.t("formasi", "formation")) " " code { (d.formation_code) } " · "
                        strong { @if d.accepted { (ctx.t("Diterima", "Accepted")) } @else { (ctx.t("Ditolak", "Rejected")) } }
                    }
                    p.reasons { span.muted { (ctx.t("Alasan", "Reasons")) ": " } (d.reasons) }
                } }
            }
        }
    };
    Page {
        title: format!("{} · {}", heading(ctx, r), r.name),
        body,
    }
}

/// `GET /seleksi/{slug}/hasil/{code}`: one formation's ranks.
pub fn formation_page(ctx: &PageCtx, v: &RoundResults) -> Option<Page> {
    let r = &v.round;
    let fr = v.formations.first()?;
    let body = html! {
        p { a href=(format!("/seleksi/{}/hasil", r.slug)) { "← " (heading(ctx, r)) " · " (r.name) } }
        h1 { (fr.formation.name) }
        p { code { (fr.formation.code) } " · Kel. " (fr.kelurahan_name) " · "
            (fr.formation.seats) " " (ctx.t("kursi", "seats")) ", " (fr.formation.reserve) " " (ctx.t("cadangan", "reserve")) }
        p { strong { (heading(ctx, r)) } }
        (results_table(ctx, fr))
        p.muted { (ctx.t(
            "Total ditampilkan dua desimal; arahkan ke angka untuk melihat pecahan tepatnya. Pendaftar yang penilaiannya belum lengkap tercantum sebagai menunggu dan tidak diberi peringkat.",
            "Totals are shown with two decimals; hover a number for its exact fraction. Applicants whose scoring is incomplete are listed as pending and get no rank."
        )) }
        (rule_paragraph(ctx))
        (checkpoints(ctx, &v.checkpoints))
    };
    Some(Page {
        title: format!("{} · {}", fr.formation.name, heading(ctx, r)),
        body,
    })
}

/// `GET /seleksi/{slug}/pengumuman/{kelurahan}`: the printable announcement
/// of one kelurahan (A4), provisional or final.
pub fn announcement(ctx: &PageCtx, v: &RoundResults, today: OffsetDateTime) -> Option<Page> {
    let r = &v.round;
    let first = v.formations.first()?;
    let p = r.programme();
    let title = match (is_final(r), ctx.lang) {
        (true, Lang::Id) => format!("Pengumuman hasil akhir seleksi {}", p.member_id),
        (false, Lang::Id) => format!("Pengumuman hasil sementara seleksi {}", p.member_id),
        (true, Lang::En) => format!(
            "Announcement of the final result: {}",
            p.selection_title().en
        ),
        (false, Lang::En) => format!(
            "Announcement of the provisional result: {}",
            p.selection_title().en
        ),
    };
    let body = html! {
        div.pengumuman {
            p.noprint { a href=(format!("/seleksi/{}/hasil", r.slug)) { "← " (r.name) } }
            p.noprint { (super::print::print_button(ctx, ("Cetak pengumuman (A4)", "Print the announcement (A4)"))) }
            h1 { (title) }
            p.sub { (r.name) br; "Kelurahan " (first.kelurahan_name) " (" (first.formation.kelurahan_code) ")" }
            p { (ctx.t("Tanggal", "Date")) ": " (format_wita(today)) }
            @if is_final(r) {
                p { (ctx.t(
                    "Setelah masa sanggah berakhir dan setiap sanggahan diputus, hasil berikut ditetapkan sebagai hasil akhir dan menjadi dasar surat keputusan (SK) penetapan",
                    "Now that the objection period has ended and every objection is decided, the following results are final and are the basis of the decree (SK) appointing the"
                )) " " (ctx.msg(&p.group())) "." }
            } @else {
                p { (ctx.t(
                    "Berikut hasil sementara uji kelayakan dan kepatutan. Pendaftar dapat mengajukan sanggahan atas hasilnya sendiri selama masa sanggah",
                    "These are the provisional results of the fit and proper test. Applicants may contest their own result during the objection period"
                ))
                @if let (Some(a), Some(b)) = (r.provisional_at, r.objection_ends_at) { " (" (format_wita(a)) " – " (format_wita(b)) ")" }
                "." }
            }
            @for fr in &v.formations {
                h2 { (fr.formation.name) " " span.muted { "(" (fr.formation.code) ", " (fr.formation.seats) " " (ctx.t("kursi", "seats")) ", " (fr.formation.reserve) " " (ctx.t("cadangan", "reserve")) ")" } }
                (results_table(ctx, fr))
            }
            (rule_paragraph(ctx))
            h2 { (ctx.t("Bukti dan cara memeriksa", "Proof and how to verify")) }
            @for cp in &v.checkpoints {
                p { (ctx.t("Titik periksa", "Checkpoint")) " " (cp.reason) ": " code { (cp.seq) ":" (cp.hash) } }
            }
            p { (ctx.t(
                "Siapa pun dapat mengunduh jejak audit dan menjalankan «pokmas audit verify audit.csv --checkpoint SEQ:HASH» dengan titik periksa di atas; aturan lengkapnya dipublikasikan di halaman Jejak audit. Setiap perubahan peringkat tercatat dengan penyebabnya.",
                "Anyone can download the audit trail and run «pokmas audit verify audit.csv --checkpoint SEQ:HASH» with the checkpoint above; the full rule is published on the Audit trail page. Every rank change is recorded with its cause."
            )) }
            div.sign {
                p { "Samarinda, " (format_wita(today)) }
                @if is_final(r) { p { (ctx.t("Lurah", "Lurah")) " " (first.kelurahan_name) } }
                @else { p { (ctx.msg(&p.committee())) } }
                br; br; br;
                p { "( ............................................ )" }
            }
        }
    };
    Some(Page { title, body })
}

fn deadline_cell(ctx: &PageCtx, o: &ObjectionView) -> Markup {
    html! {
        (format_wita(o.objection.deadline_at))
        @if o.overdue { " " strong.overdue { (ctx.t("TERLAMBAT", "OVERDUE")) } }
    }
}

fn reopen_text(ctx: &PageCtx, reopen: &Reopen, names: &[(Uuid, String)]) -> String {
    match reopen {
        Reopen::None => ctx.t("tidak ada", "nothing").to_owned(),
        Reopen::Verification { eligible } => format!(
            "{} → {}",
            ctx.t("verifikasi", "verification"),
            if *eligible { "MS" } else { "TMS" }
        ),
        // The panelist by name: an id tells an admin nothing.
        Reopen::Scorecard { panelist_id } => format!(
            "{} {}",
            ctx.t("lembar nilai penilai", "scorecard of panelist"),
            names
                .iter()
                .find(|(id, _)| id == panelist_id)
                .map_or_else(|| panelist_id.to_string(), |(_, n)| n.clone())
        ),
    }
}

/// The applicant's objection page: their objections and, during the window,
/// the form.
#[derive(Clone, Debug)]
pub struct ApplicantObjections {
    pub application_id: Uuid,
    pub registration_no: String,
    pub round: Round,
    /// The round's objection window or a stage shortlist's is open.
    pub window_open: bool,
    /// A published stage shortlist that considered the application and is
    /// open to objections (outside the round's own window).
    pub stage_window: Option<crate::domain::objection::OpenWindow>,
    pub objections: Vec<ObjectionView>,
    pub csrf: String,
    pub idempotency_key: String,
    pub grounds: String,
    pub error: Option<String>,
    pub notice: bool,
    /// What may be contested, `(code, label)`.
    pub contest_options: Vec<(String, crate::domain::round::Msg)>,
    /// The codes ticked (kept on a refused form).
    pub contested: Vec<String>,
    /// An assisted application: staff file at the help desk with the
    /// resident present.
    pub assisted: bool,
}

/// What an objection contests, in words, from its stored codes.
fn contested_line(
    ctx: &PageCtx,
    o: &ObjectionView,
    options: &[(String, crate::domain::round::Msg)],
) -> Option<String> {
    let codes = o
        .filing
        .as_ref()
        .map(|f| f.contested.clone())
        .unwrap_or_default();
    if codes.trim().is_empty() {
        return None;
    }
    Some(
        codes
            .split_whitespace()
            .map(|c| {
                options
                    .iter()
                    .find(|(code, _)| code == c)
                    .map_or_else(|| c.to_owned(), |(_, m)| m.pick(ctx.lang).to_owned())
            })
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// What an objection form against a stage shortlist is about: the stage
/// and the end of its window (the signed-in form and `/cek-status`).
pub fn stage_window_notice(ctx: &PageCtx, w: &crate::domain::objection::OpenWindow) -> Markup {
    html! {
        p.notice { (ctx.t("Daftar lolos tahap", "The shortlist of stage")) " " strong { (w.stage_name.pick(ctx.lang)) } " "
            (ctx.t("sudah diterbitkan. Anda dapat menyanggahnya sampai", "is published. You may object to it until")) " " (format_wita(w.ends_at)) ". "
            (ctx.t("Sanggahan yang diterima dapat mengubah daftar lolos; daftar itu lalu diterbitkan ulang.", "An upheld objection may change the shortlist; it is then published again.")) }
    }
}

/// The line naming the stage shortlist an objection is against.
pub fn against_stage(ctx: &PageCtx, stage_code: &str) -> Markup {
    html! {
        p { (ctx.t("Atas daftar lolos tahap", "Against the shortlist of stage")) " " code { (stage_code) } }
    }
}

/// The contest checkboxes of an objection form.
pub fn contest_fieldset(
    ctx: &PageCtx,
    options: &[(String, crate::domain::round::Msg)],
    ticked: &[String],
) -> Markup {
    html! {
        fieldset.contest {
            legend { (ctx.t("Yang Anda sanggah (pilih satu atau lebih)", "What you contest (choose one or more)")) }
            @for (i, (code, label)) in options.iter().enumerate() {
                div.check {
                    input type="checkbox" id=(format!("contested-{i}")) name="contested" value=(code) checked[ticked.contains(code)];
                    label for=(format!("contested-{i}")) { (label.pick(ctx.lang)) }
                }
            }
        }
    }
}

/// `GET /pendaftaran/{id}/sanggahan`.
pub fn applicant_page(ctx: &PageCtx, v: &ApplicantObjections) -> Markup {
    let body = html! {
        p { a href=(format!("/pendaftaran/{}", v.application_id)) { "← " (ctx.t("Status pendaftaran", "Application status")) } }
        h1 { (ctx.t("Sanggahan", "Objections")) " · " (v.registration_no) }
        @if v.notice { div.notice role="status" { (ctx.t("Sanggahan Anda sudah masuk. Keputusannya tampil di halaman ini dan di halaman status.", "Your objection was received. The decision shows on this page and on the status page.")) } }
        @for o in &v.objections {
            div.card {
                p { strong { (objection_status(ctx, o.objection.status)) } " · " (ctx.t("diajukan", "filed")) " " (format_wita(o.objection.filed_at)) }
                p { (ctx.t("Batas jawaban", "Response deadline")) ": " (deadline_cell(ctx, o)) }
                @if let Some(stage) = &o.stage_code { (against_stage(ctx, stage)) }
                @if let Some(c) = contested_line(ctx, o, &v.contest_options) { p { (ctx.t("Yang disanggah", "Contested")) ": " (c) } }
                p.muted { (o.objection.grounds) }
                @if !o.objection.decision_reason.is_empty() { p { (ctx.t("Alasan keputusan", "Reasons")) ": " (o.objection.decision_reason) } }
            }
        }
        @if v.window_open {
            h2 { (ctx.t("Ajukan sanggahan", "File an objection")) }
            @if let Some(w) = &v.stage_window { (stage_window_notice(ctx, w)) }
            p { (ctx.t("Pilih apa yang Anda sanggah dan tuliskan mengapa. Nilai Anda per kriteria ada di", "Choose what you contest and write why. Your scores per criterion are on the")) " "
                a href=(format!("/pendaftaran/{}#nilai", v.application_id)) { (ctx.t("halaman status", "status page")) } ". "
                (ctx.t("Lampiran boleh berupa PDF, JPEG atau PNG, maksimal 2 MB.", "You may attach a PDF, JPEG or PNG of at most 2 MB.")) }
            @if v.assisted {
                p.notice { (ctx.t(
                    "Pendaftaran dibantu: isi sanggahan bersama warga yang hadir di meja bantuan. Anda tercatat sebagai pendamping di jejak audit.",
                    "Assisted application: fill in the objection with the resident present at the help desk. You are recorded as the assistant in the audit trail."
                )) }
            }
            @if let Some(e) = &v.error { div.alert role="alert" { (e) } }
            form method="post" enctype="multipart/form-data" action=(format!("/pendaftaran/{}/sanggahan", v.application_id)) {
                input type="hidden" name="csrf" value=(v.csrf);
                input type="hidden" name="idempotency_key" value=(v.idempotency_key);
                (contest_fieldset(ctx, &v.contest_options, &v.contested))
                label for="grounds" { (ctx.t("Alasan sanggahan", "Grounds")) }
                textarea #grounds name="grounds" rows="6" required minlength="20" maxlength="4000" { (v.grounds) }
                label for="document" { (ctx.t("Lampiran (opsional)", "Attachment (optional)")) }
                input #document type="file" name="document" accept="application/pdf,image/jpeg,image/png";
                button type="submit" { (ctx.t("Kirim sanggahan", "Submit objection")) }
            }
        } @else {
            p.muted { (ctx.t("Masa sanggah tidak sedang dibuka.", "The objection period is not open.")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Sanggahan", "Objections").to_owned(),
            body,
        },
    )
}

/// The admin's objections page of a round.
#[derive(Clone, Debug)]
pub struct AdminObjections {
    pub round: Round,
    pub rows: Vec<ObjectionView>,
    /// Per objection id: `(account id, name, role)` a reviewer may be picked from.
    pub reviewers: Vec<(Uuid, Vec<crate::domain::objection::ReviewerOption>)>,
    /// `(panelist id, name)` of the scorecards proposals would reopen.
    pub panelist_names: Vec<(Uuid, String)>,
    pub me: Uuid,
    pub csrf: String,
    pub error: Option<String>,
}

/// `GET /admin/seleksi/{id}/sanggahan`.
pub fn admin_objections(ctx: &PageCtx, v: &AdminObjections) -> Markup {
    let body = html! {
        p { a href=(format!("/admin/seleksi/{}/hasil", v.round.id)) { "← " (ctx.t("Hasil seleksi", "Results")) } }
        h1 { (ctx.t("Sanggahan", "Objections")) " · " (v.round.name) }
        @if let Some(e) = &v.error { div.alert role="alert" { (e) } }
        @if v.rows.is_empty() { p { (ctx.t("Belum ada sanggahan.", "No objections yet.")) } }
        @for o in &v.rows {
            div.card.overdue[o.overdue] {
                h2 { a href=(format!("/sanggahan/{}", o.objection.id)) { (o.registration_no) } " · " (objection_status(ctx, o.objection.status)) }
                p { (ctx.t("Formasi", "Formation")) " " code { (o.formation_code) } " · " (ctx.t("Batas jawaban", "Response deadline")) ": " (deadline_cell(ctx, o)) }
                @if let Some(stage) = &o.stage_code { p { strong { (ctx.t("Atas daftar lolos tahap", "Against the shortlist of stage")) " " code { (stage) } } } }
                @if let Some(name) = &o.reviewer_name { p { (ctx.t("Peninjau", "Reviewer")) ": " (name) } }
                @if o.objection.status.awaits_review() {
                    @let options = v.reviewers.iter().find(|(id, _)| *id == o.objection.id).map(|(_, r)| r.as_slice()).unwrap_or_default();
                    form method="post" action=(format!("/admin/sanggahan/{}/peninjau", o.objection.id)) {
                        input type="hidden" name="csrf" value=(v.csrf);
                        label for=(format!("rev_{}", o.objection.id)) { (ctx.t("Tunjuk peninjau (bukan pemeriksa atau penilai pendaftar ini)", "Assign a reviewer (not one who verified or scored this applicant)")) }
                        select id=(format!("rev_{}", o.objection.id)) name="reviewer_id" {
                            @for (id, name, role) in options { option value=(id) selected[o.objection.reviewer_id == Some(*id)] { (name) " (" (role) ")" } }
                        }
                        button type="submit" { (ctx.t("Tunjuk", "Assign")) }
                    }
                }
                @if let Some((p, a)) = &o.proposal {
                    (proposal_block(ctx, p, a, &v.panelist_names))
                    @if o.objection.status == ObjectionStatus::Proposed {
                        @if a.requested_by == v.me {
                            p.muted { (ctx.t("Anda yang mengusulkan; admin lain yang menyetujui.", "You proposed it; another admin approves.")) }
                        } @else {
                            form method="post" action=(format!("/admin/sanggahan/{}/keputusan", o.objection.id)) {
                                input type="hidden" name="csrf" value=(v.csrf);
                                label for=(format!("note_{}", o.objection.id)) { (ctx.t("Catatan", "Note")) }
                                textarea id=(format!("note_{}", o.objection.id)) name="note" {}
                                button type="submit" name="decision" value="approve" { (ctx.t("Setujui keputusan", "Approve decision")) }
                                " "
                                button type="submit" name="decision" value="reject" { (ctx.t("Kembalikan ke peninjau", "Send back to the reviewer")) }
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
            title: ctx.t("Sanggahan", "Objections").to_owned(),
            body,
        },
    )
}

fn proposal_block(
    ctx: &PageCtx,
    p: &crate::domain::objection::Proposal,
    a: &Approval,
    names: &[(Uuid, String)],
) -> Markup {
    html! {
        p { (ctx.t("Usulan", "Proposal")) ": " strong { @if p.accepted { (ctx.t("diterima", "accept")) } @else { (ctx.t("ditolak", "reject")) } }
            " · " (ctx.t("membuka kembali", "reopens")) ": " (reopen_text(ctx, &p.reopen, names)) }
        p { (ctx.t("Alasan", "Reasons")) ": " (p.reasons) }
        p.muted { (ctx.t("Diusulkan", "Proposed")) " " (format_wita(a.requested_at))
            @if let Some(at) = a.decided_at { " · " (ctx.t("diputus", "decided")) " " (format_wita(at)) } }
    }
}

/// One objection for its reviewer (with the proposal form), an admin, an
/// auditor or the applicant.
#[derive(Clone, Debug)]
pub struct ObjectionDetail {
    pub view: ObjectionView,
    pub can_propose: bool,
    /// `(panelist id, name)` whose scorecard may be reopened.
    pub panelists: Vec<(Uuid, String)>,
    /// The applicant's submitted scorecards by panelist name (empty for the
    /// objector).
    pub scorecards: Vec<crate::domain::objection::ReviewCard>,
    pub csrf: String,
    pub error: Option<String>,
}

/// The objector's scorecards beside the objection, one block per panelist
/// (a block rather than a wide table, so it reads on a phone).
fn review_cards(ctx: &PageCtx, cards: &[crate::domain::objection::ReviewCard]) -> Markup {
    html! {
        section.review-cards id="lembar-nilai" {
            h2 { (ctx.t("Lembar nilai pendaftar", "The applicant's scorecards")) }
            @if cards.is_empty() {
                p.muted { (ctx.t("Belum ada lembar nilai yang dikirim.", "No scorecard has been submitted.")) }
            }
            @for c in cards {
                div.card {
                    h3 { bdi { (c.panelist_name) } " · v" (c.version) }
                    p.muted { (ctx.t("Dikirim", "Submitted")) " " (format_wita(c.submitted_at))
                        @if !c.reason.is_empty() { " · " (ctx.t("alasan perubahan", "reason for the change")) ": " bdi { (c.reason) } } }
                    ul { @for v in &c.values { li {
                        code { (v.code) } " " (v.name.pick(ctx.lang)) ": " strong { (v.value) }
                        @if !v.comment.is_empty() { br; span.muted { bdi { (v.comment) } } }
                    } } }
                }
            }
        }
    }
}

/// `GET /sanggahan/{id}`.
pub fn objection_detail(ctx: &PageCtx, v: &ObjectionDetail) -> Markup {
    let o = &v.view;
    let body = html! {
        h1 { (ctx.t("Sanggahan", "Objection")) " · " (o.registration_no) }
        p { (objection_status(ctx, o.objection.status)) " · " (ctx.t("Batas jawaban", "Response deadline")) ": " (deadline_cell(ctx, o)) }
        p { (ctx.t("Pendaftar", "Applicant")) ": " bdi { (o.full_name) } " · " (ctx.t("Formasi", "Formation")) " " code { (o.formation_code) } }
        @if let Some(stage) = &o.stage_code {
            p.notice { (ctx.t("Atas daftar lolos tahap", "Against the shortlist of stage")) " " code { (stage) } ". "
                (ctx.t("Yang dapat dibuka kembali hanya verifikasi; bila keputusan mengubah daftar lolos, daftar itu diterbitkan ulang.", "Only the verification can be reopened; if the decision changes the shortlist, it is published again.")) }
        }
        h2 { (ctx.t("Alasan sanggahan", "Grounds")) }
        p { (o.objection.grounds) }
        @if let Some(doc) = o.objection.document_id { p { a href=(format!("/dokumen/{doc}")) { (ctx.t("Lampiran", "Attachment")) } } }
        @if v.can_propose || !v.scorecards.is_empty() {
            (review_cards(ctx, &v.scorecards))
        }
        @if let Some((p, a)) = &o.proposal { (proposal_block(ctx, p, a, &v.panelists)) }
        @if v.can_propose {
            h2 { (ctx.t("Usulkan keputusan", "Propose a decision")) }
            @if let Some(e) = &v.error { div.alert role="alert" { (e) } }
            form method="post" action=(format!("/sanggahan/{}/usulan", o.objection.id)) {
                input type="hidden" name="csrf" value=(v.csrf);
                fieldset {
                    legend { (ctx.t("Keputusan dan tahap yang dibuka kembali", "Decision and the step to reopen")) }
                    label { input type="radio" name="outcome" value="rejected" required; " " (ctx.t("Tolak sanggahan", "Reject the objection")) }
                    label { input type="radio" name="outcome" value="verification_eligible"; " " (ctx.t("Terima: verifikasi diulang, pendaftar MS", "Accept: verification redone, applicant eligible")) }
                    label { input type="radio" name="outcome" value="verification_ineligible"; " " (ctx.t("Terima: verifikasi diulang, pendaftar TMS", "Accept: verification redone, applicant ineligible")) }
                    @for (id, name) in &v.panelists {
                        label { input type="radio" name="outcome" value=(format!("scorecard:{id}")); " " (ctx.t("Terima: buka kembali lembar nilai", "Accept: reopen the scorecard of")) " " (name) }
                    }
                }
                label for="reasons" { (ctx.t("Alasan keputusan (akan diumumkan)", "Reasons (published)")) }
                textarea #reasons name="reasons" rows="4" required minlength="10" maxlength="4000" {}
                button type="submit" { (ctx.t("Kirim usulan ke admin kedua", "Send the proposal to a second admin")) }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Sanggahan", "Objection").to_owned(),
            body,
        },
    )
}

/// `GET /sanggahan`: the objections waiting for the signed-in reviewer.
pub fn reviewer_queue(ctx: &PageCtx, rows: &[ObjectionView]) -> Markup {
    let body = html! {
        h1 { (ctx.t("Sanggahan untuk ditinjau", "Objections to review")) }
        @if rows.is_empty() { p { (ctx.t("Tidak ada sanggahan yang menunggu Anda.", "No objection is waiting for you.")) } }
        ul { @for o in rows { li {
            a href=(format!("/sanggahan/{}", o.objection.id)) { (o.registration_no) }
            " · " (ctx.t("batas", "deadline")) " " (deadline_cell(ctx, o))
        } } }
    };
    layout(
        ctx,
        Page {
            title: ctx
                .t("Sanggahan untuk ditinjau", "Objections to review")
                .to_owned(),
            body,
        },
    )
}

/// The admin's results page of a round.
#[derive(Clone, Debug)]
pub struct AdminResults {
    pub overview: crate::domain::results::Overview,
    pub me: Uuid,
    pub csrf: String,
    pub error: Option<String>,
}

/// `GET /admin/seleksi/{id}/hasil`.
pub fn admin_results(ctx: &PageCtx, v: &AdminResults) -> Markup {
    let o = &v.overview;
    let r = &o.round;
    let published = r.state.is_published();
    let body = html! {
        p { a href=(format!("/admin/seleksi/{}", r.id)) { "← " (r.name) } }
        h1 { (ctx.t("Hasil seleksi", "Results")) " · " (r.name) }
        @if let Some(e) = &v.error { div.alert role="alert" { (e) } }
        @if !published {
            p { (ctx.t("Hasil belum diumumkan. Umumkan hasil sementara dengan langkah «Hasil sementara» di halaman seleksi; setiap pendaftar berperingkat menerima e-mail dan titik periksa bertanda tangan dicatat.", "Results are not published yet. Publish the provisional results with the «Provisional results» step on the round page; every ranked applicant is e-mailed and a signed checkpoint is recorded.")) }
        } @else {
            p { a href=(format!("/seleksi/{}/hasil", r.slug)) { (ctx.t("Halaman hasil publik", "Public results page")) } }
            (checkpoints(ctx, &o.checkpoints))
            h2 { (ctx.t("Sanggahan", "Objections")) }
            p { a href=(format!("/admin/seleksi/{}/sanggahan", r.id)) { (ctx.t("Daftar sanggahan", "Objection list")) } " · "
                (o.open_objections) " " (ctx.t("belum diputus", "undecided"))
                @if o.overdue_objections > 0 { ", " strong.overdue { (o.overdue_objections) " " (ctx.t("terlambat", "overdue")) } } }
            h2 { (ctx.t("Penetapan hasil akhir", "Finalization")) }
            @if r.state == RoundState::Final {
                p { (ctx.t("Hasil sudah final: nilai, verifikasi dan sanggahan terkunci.", "The results are final: scores, verification and objections are locked.")) }
                p { a href=(format!("/admin/seleksi/{}/pasca-final", r.id)) { (ctx.t("Penggantian anggota, jabatan dan lampiran SK Lurah", "Replacing members, offices and the Lurah's decree annex")) } }
            } @else if let Some((a, name)) = &o.pending {
                p { (ctx.t("Diminta oleh", "Requested by")) " " (name) ", " (format_wita(a.requested_at)) ": " bdi { (a.reason) } }
                @if a.requested_by == v.me {
                    p.muted { (ctx.t("Anda yang meminta; admin lain yang menyetujui.", "You asked for it; another admin approves.")) }
                } @else {
                    form method="post" action=(format!("/admin/seleksi/{}/hasil/final/keputusan", r.id)) {
                        input type="hidden" name="csrf" value=(v.csrf);
                        button type="submit" name="decision" value="approve" { (ctx.t("Setujui dan tetapkan hasil akhir", "Approve and finalize")) }
                        " "
                        button type="submit" name="decision" value="reject" { (ctx.t("Tolak", "Reject")) }
                    }
                }
            } @else {
                p { (ctx.t("Setelah masa sanggah berakhir dan semua sanggahan diputus, seorang admin meminta penetapan dan admin lain menyetujuinya. Hasil lalu terkunci, titik periksa akhir ditandatangani dan e-mail hasil akhir dikirim.", "Once the objection period has ended and every objection is decided, one admin requests finalization and another approves it. The results are then locked, the final checkpoint is signed and the final e-mails are sent.")) }
                form method="post" action=(format!("/admin/seleksi/{}/hasil/final", r.id)) {
                    input type="hidden" name="csrf" value=(v.csrf);
                    label for="reason" { (ctx.t("Dasar penetapan", "Grounds for finalizing")) }
                    textarea #reason name="reason" required minlength="5" {}
                    button type="submit" { (ctx.t("Minta penetapan hasil akhir", "Request finalization")) }
                }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Hasil seleksi", "Results").to_owned(),
            body,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;

    #[test]
    fn every_result_status_has_a_label_in_both_languages() {
        for lang in [Lang::Id, Lang::En] {
            let ctx = PageCtx {
                lang,
                path: "/".into(),
                signed_in: None,
                csrf: None,
            };
            for s in [
                "selected",
                "reserve",
                "not_selected",
                "not_passed",
                "pending",
            ] {
                assert_ne!(status_label(&ctx, s), s, "{s} in {lang:?}");
            }
        }
    }
}
