//! Application pages: choosing the area, the application form, the receipt,
//! the status page, withdrawal, the help desk and the public status check.
//!
//! Plain forms, no JavaScript, one column that fits a 360 px phone. Every
//! error sits next to its field in the reader's language.

use maud::{Markup, html};

use super::layout::{Page, PageCtx, layout};
use super::results::status_label;
use crate::domain::application::ApplicationState;
use crate::domain::registration::SHORT_HASH_LEN;
use crate::domain::round::RoundState;
use crate::domain::round::{Msg, format_wita};
use crate::services::applications::{ApplicationView, MAX_LONG_TEXT, PublicStatus, Timeline};
use crate::services::rounds::{FieldErrors, FormData};

fn m(ctx: &PageCtx, msg: &Msg) -> String {
    msg.pick(ctx.lang).to_owned()
}

fn error(ctx: &PageCtx, errors: &FieldErrors, name: &str) -> Markup {
    html! {
        @if let Some(e) = errors.get(name) {
            p.field-error id=(format!("{name}-error")) role="alert" { (m(ctx, e)) }
        }
    }
}

/// The summary above a refused form, each field a link to it; `saved` says
/// the valid fields were kept in the draft (true on the application form,
/// where each save stores them).
fn form_alert(ctx: &PageCtx, errors: &FieldErrors, saved: bool) -> Markup {
    form_summary(ctx, errors, saved, |_| None)
}

fn form_summary(
    ctx: &PageCtx,
    errors: &FieldErrors,
    saved: bool,
    label: impl Fn(&str) -> Option<String>,
) -> Markup {
    let note = (saved && errors.keys().any(|k| !k.is_empty())).then(|| {
        ctx.t(
            "Isian lain sudah tersimpan.",
            "The other fields were saved.",
        )
    });
    super::error_summary::of_fields(ctx, errors, label, note)
}

/// The label of an application form field, for the error summary.
fn form_field_label(ctx: &PageCtx, v: &ApplicationView, name: &str) -> Option<String> {
    let (id, en) = match name {
        "full_name" => ("Nama lengkap", "Full name"),
        "nik" => ("NIK", "NIK"),
        "birth_place" => ("Tempat lahir", "Place of birth"),
        "birth_date" => ("Tanggal lahir", "Date of birth"),
        "sex" => ("Jenis kelamin", "Sex"),
        "address" => ("Alamat", "Address"),
        "phone" => ("Nomor HP", "Mobile number"),
        "email" => ("E-mail", "E-mail"),
        "education" => ("Pendidikan terakhir", "Highest education"),
        "occupation" => ("Pekerjaan", "Occupation"),
        "family_card" => ("Nomor KK", "Family card number"),
        "motivation" => ("Motivasi", "Motivation"),
        "experience" => ("Pengalaman", "Experience"),
        other => {
            let req = other
                .strip_prefix("decl_")
                .and_then(|c| {
                    v.declarations
                        .iter()
                        .find(|(q, _)| q.code == c)
                        .map(|(q, _)| q)
                })
                .or_else(|| {
                    other.strip_prefix("doc_").and_then(|c| {
                        v.documents
                            .iter()
                            .find(|(q, _)| q.code == c)
                            .map(|(q, _)| q)
                    })
                })?;
            return Some(
                ctx.t(&req.text_id, &req.text_en)
                    .trim_end_matches('.')
                    .to_owned(),
            );
        }
    };
    Some(ctx.t(id, en).to_owned())
}

/// The state of an application in words.
#[must_use]
pub fn state_label(ctx: &PageCtx, state: crate::domain::application::ApplicationState) -> String {
    let m = state.label();
    ctx.t(&m.id, &m.en).to_owned()
}

/// The area-choice steps before a draft exists.
#[derive(Clone, Debug, Default)]
pub struct AreaStep {
    pub round_name: String,
    /// Where the GET steps and the final POST go.
    pub action: String,
    pub kecamatan: Vec<(String, String)>,
    pub selected_kecamatan: String,
    pub kelurahan: Vec<(String, String)>,
    pub selected_kelurahan: String,
    pub rts: Vec<i32>,
    pub csrf: String,
    pub idempotency_key: String,
    pub errors: FieldErrors,
}

/// `GET /seleksi/{slug}/daftar` and the help desk's start page.
pub fn area_step(ctx: &PageCtx, s: &AreaStep) -> Markup {
    let body = html! {
        h1 { (ctx.t("Daftar", "Apply")) ": " (s.round_name) }
        p { (ctx.t(
            "Langkah 1: pilih wilayah tempat tinggal Anda sesuai KTP. Formasi ditentukan dari RT Anda.",
            "Step 1: choose where you live as on your KTP. The formation follows from your RT."
        )) }
        (form_alert(ctx, &s.errors, false))
        form method="get" action=(s.action) {
            label for="kecamatan" { (ctx.t("Kecamatan", "Kecamatan")) }
            select id="kecamatan" name="kecamatan" required {
                // A list of several starts empty: a resident who skims
                // past it must not land in the first kecamatan unawares.
                @if s.kecamatan.len() != 1 {
                    option value="" disabled selected[s.selected_kecamatan.is_empty()] { (ctx.t("— pilih kecamatan —", "— choose a kecamatan —")) }
                }
                @for (code, name) in &s.kecamatan {
                    option value=(code) selected[*code == s.selected_kecamatan] { (name) }
                }
            }
            button type="submit" { (ctx.t("Pilih kecamatan", "Choose kecamatan")) }
        }
        @if !s.kelurahan.is_empty() {
            form method="get" action=(s.action) {
                input type="hidden" name="kecamatan" value=(s.selected_kecamatan);
                label for="kelurahan" { (ctx.t("Kelurahan", "Kelurahan")) }
                select id="kelurahan" name="kelurahan" required {
                    option value="" disabled selected[s.selected_kelurahan.is_empty()] { (ctx.t("— pilih kelurahan —", "— choose a kelurahan —")) }
                    @for (code, name) in &s.kelurahan {
                        option value=(code) selected[*code == s.selected_kelurahan] { (name) }
                    }
                }
                button type="submit" { (ctx.t("Pilih kelurahan", "Choose kelurahan")) }
            }
        }
        @if !s.rts.is_empty() {
            form method="post" action=(s.action) {
                input type="hidden" name="csrf" value=(s.csrf);
                input type="hidden" name="idempotency_key" value=(s.idempotency_key);
                input type="hidden" name="kelurahan" value=(s.selected_kelurahan);
                label for="rt" { "RT" }
                select id="rt" name="rt" required {
                    option value="" disabled selected { (ctx.t("— pilih RT —", "— choose an RT —")) }
                    @for n in &s.rts { option value=(n) { (format!("RT {n:03}")) } }
                }
                (error(ctx, &s.errors, "rt"))
                button type="submit" { (ctx.t("Lanjut ke formulir", "Continue to the form")) }
            }
        }
        // Only covered areas are offered, so say what a missing one means
        // rather than leave the resident searching.
        p.muted id="not-listed" { (ctx.t(
            "Kelurahan atau RT Anda tidak ada dalam daftar? Berarti wilayah itu tidak termasuk formasi mana pun pada seleksi ini, sehingga belum dapat didaftarkan. Untuk keterangan, hubungi kantor kelurahan Anda (desk Probebaya).",
            "Your kelurahan or RT is not listed? Then it is not in any formation of this round, so no application can be made for it. For details, contact your kelurahan office (the Probebaya desk)."
        )) }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Daftar", "Apply").to_owned(),
            body,
        },
    )
}

/// `GET /seleksi/{slug}/daftar` without a session: sign in or register first.
pub fn sign_in_first(ctx: &PageCtx, round_name: &str, back: &str) -> Markup {
    let body = html! {
        h1 { (ctx.t("Daftar", "Apply")) ": " (round_name) }
        p { (ctx.t(
            "Untuk mendaftar, masuk dengan akun Anda. Belum punya akun? Buat akun lalu konfirmasi e-mail Anda, kemudian buka kembali halaman ini.",
            "To apply, log in with your account. No account yet? Create one and confirm your e-mail, then come back to this page."
        )) }
        p {
            a.button href=(format!("/masuk?lanjut={}", super::layout::urlencode(back))) { (ctx.t("Masuk", "Log in")) }
            " "
            a href="/daftar" { (ctx.t("Buat akun", "Create an account")) }
        }
        p.muted { (ctx.t("Alamat halaman ini", "This page's address")) ": " code { (back) } }
        p.muted { (ctx.t(
            "Tidak punya e-mail atau HP? Datang ke kantor kelurahan: petugas dapat mendaftarkan Anda.",
            "No e-mail or phone? Go to the kelurahan office: an officer can register you."
        )) }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Daftar", "Apply").to_owned(),
            body,
        },
    )
}

/// The application form of a draft.
#[derive(Clone, Debug)]
pub struct FormPage<'a> {
    pub view: &'a ApplicationView,
    /// What to show in each field: what was typed, else what is stored.
    pub values: FormData,
    pub errors: FieldErrors,
    pub warnings: Vec<Msg>,
    pub csrf: String,
    /// A message at the top (e.g. "draft saved").
    pub notice: Option<Msg>,
    /// The size limit of one document, for people (`2 MB`).
    pub max_upload: String,
}

fn text_input(
    ctx: &PageCtx,
    p: &FormPage<'_>,
    name: &str,
    label: (&str, &str),
    kind: &str,
    max: usize,
) -> Markup {
    let invalid = p.errors.contains_key(name);
    html! {
        div {
            label for=(name) { (ctx.t(label.0, label.1)) }
            input id=(name) name=(name) type=(kind) value=(p.values.get(name)) maxlength=(max)
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then(|| format!("{name}-error"))];
            (error(ctx, &p.errors, name))
        }
    }
}

fn textarea(ctx: &PageCtx, p: &FormPage<'_>, name: &str, label: (&str, &str)) -> Markup {
    let invalid = p.errors.contains_key(name);
    html! {
        div {
            label for=(name) { (ctx.t(label.0, label.1)) }
            textarea id=(name) name=(name) rows="5" maxlength=(MAX_LONG_TEXT)
                aria-invalid=[invalid.then_some("true")] { (p.values.get(name)) }
            p.muted { (ctx.t("Paling banyak 2000 karakter.", "At most 2000 characters.")) }
            (error(ctx, &p.errors, name))
        }
    }
}

/// `GET /pendaftaran/{id}/formulir` and a refused save or submission.
pub fn form(ctx: &PageCtx, p: &FormPage<'_>) -> Markup {
    let v = p.view;
    let a = &v.application;
    let body = html! {
        h1 { (v.round.name) }
        p {
            (ctx.t("Kelurahan", "Kelurahan")) ": " (v.kelurahan_name)
            ", RT " (a.rt_number.map(|n| format!("{n:03}")).unwrap_or_default())
            @if let Some(f) = &v.formation { " · " (ctx.t("Formasi", "Formation")) ": " (f.name) }
        }
        @if a.account_id.is_none() {
            p.muted { (ctx.t("Pendaftaran dibantu petugas kelurahan.", "Registration assisted by a kelurahan officer.")) }
        }
        p { a href=(format!("/pendaftaran/{}/pesan", a.id)) { (ctx.t("Kabar lewat SMS/WhatsApp (persetujuan warga)", "News by SMS/WhatsApp (the resident's consent)")) } }
        p.muted { (ctx.t("Cara kami memproses dan menyimpan data Anda:", "How we process and keep your data:")) " " a href="/pelindungan-data" { (ctx.t("Pelindungan Data Pribadi", "Personal Data Protection")) } }
        @if let Some(n) = &p.notice { div.notice role="status" { (m(ctx, n)) } }
        (form_summary(ctx, &p.errors, true, |name| form_field_label(ctx, v, name)))
        @for w in &p.warnings { div.alert.warning role="status" { (m(ctx, w)) } }
        form method="post" enctype="multipart/form-data" action=(super::error_summary::action(&format!("/pendaftaran/{}/formulir", a.id))) {
            input type="hidden" name="csrf" value=(p.csrf);
            fieldset {
                legend { (ctx.t("Data diri", "Personal data")) }
                (text_input(ctx, p, "full_name", ("Nama lengkap (sesuai KTP)", "Full name (as on the KTP)"), "text", 100))
                (text_input(ctx, p, "nik", ("NIK (16 angka)", "NIK (16 digits)"), "text", 16))
                @if let Some(mask) = &a.nik_masked {
                    @if p.values.get("nik").is_empty() {
                        p.muted { (ctx.t("NIK tersimpan", "NIK saved")) ": " (mask) " " (ctx.t("(kosongkan untuk tetap memakainya)", "(leave empty to keep it)")) }
                    }
                }
                (text_input(ctx, p, "birth_place", ("Tempat lahir", "Place of birth"), "text", 60))
                (text_input(ctx, p, "birth_date", ("Tanggal lahir", "Date of birth"), "date", 10))
                div {
                    label for="sex" { (ctx.t("Jenis kelamin", "Sex")) }
                    select id="sex" name="sex" {
                        option value="" { "—" }
                        option value="male" selected[p.values.get("sex") == "male"] { (ctx.t("Laki-laki", "Male")) }
                        option value="female" selected[p.values.get("sex") == "female"] { (ctx.t("Perempuan", "Female")) }
                    }
                    (error(ctx, &p.errors, "sex"))
                }
                (text_input(ctx, p, "address", ("Alamat (sesuai KTP)", "Address (as on the KTP)"), "text", 200))
                @if a.account_id.is_none() {
                    (text_input(ctx, p, "phone", ("Nomor HP (boleh dikosongkan)", "Mobile number (optional)"), "tel", 20))
                    (text_input(ctx, p, "email", ("E-mail (boleh dikosongkan)", "E-mail (optional)"), "email", 254))
                } @else {
                    (text_input(ctx, p, "phone", ("Nomor HP", "Mobile number"), "tel", 20))
                    (text_input(ctx, p, "email", ("E-mail", "E-mail"), "email", 254))
                }
                (text_input(ctx, p, "education", ("Pendidikan terakhir", "Highest education"), "text", 60))
                (text_input(ctx, p, "occupation", ("Pekerjaan", "Occupation"), "text", 60))
                (text_input(ctx, p, "family_card", ("Nomor KK (boleh dikosongkan)", "Family card number (optional)"), "text", 16))
            }
            fieldset {
                legend { (ctx.t("Motivasi dan pengalaman", "Motivation and experience")) }
                (textarea(ctx, p, "motivation", ("Motivasi menjadi anggota Pokmas", "Why you want to join the Pokmas")))
                (textarea(ctx, p, "experience", ("Pengalaman kegiatan kemasyarakatan", "Community experience")))
            }
            fieldset {
                legend { (ctx.t("Pernyataan", "Declarations")) }
                @for (req, accepted) in &v.declarations {
                    @let name = format!("decl_{}", req.code);
                    @let ticked = if p.values.0.contains_key("csrf") { p.values.checked(&name) } else { *accepted };
                    label.check {
                        input id=(name) type="checkbox" name=(name) value="1" checked[ticked];
                        (ctx.t(&req.text_id, &req.text_en))
                    }
                    (error(ctx, &p.errors, &name))
                }
            }
            fieldset {
                legend { (ctx.t(&format!("Dokumen (PDF, JPG atau PNG, paling besar {})", p.max_upload), &format!("Documents (PDF, JPG or PNG, at most {})", p.max_upload))) }
                @for (req, doc) in &v.documents {
                    @let name = format!("doc_{}", req.code);
                    div {
                        label for=(name) {
                            (ctx.t(&req.text_id, &req.text_en)) " "
                            span.muted { @if req.mandatory { (ctx.t("(wajib)", "(required)")) } @else { (ctx.t("(boleh dikosongkan)", "(optional)")) } }
                        }
                        @if let Some(d) = doc {
                            p.muted { (ctx.t("Sudah diunggah", "Already uploaded")) ": "
                                a href=(format!("/dokumen/{}", d.id)) { bdi { (d.original_name) } } }
                        }
                        input id=(name) type="file" name=(name) accept="application/pdf,image/jpeg,image/png";
                        (error(ctx, &p.errors, &name))
                    }
                }
            }
            p {
                button type="submit" name="action" value="save" { (ctx.t("Simpan draf", "Save draft")) }
                " "
                button type="submit" name="action" value="submit" { (ctx.t("Kirim pendaftaran", "Submit application")) }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Formulir pendaftaran", "Application form").to_owned(),
            body,
        },
    )
}

/// A status PIN in clear, shown this once.
#[derive(Clone, Debug)]
pub struct NewPin {
    pub pin: String,
    /// Issued again by an operator: the earlier PIN no longer works.
    pub replaces_old: bool,
}

/// The printable receipt.
#[derive(Clone, Debug)]
pub struct ReceiptPage<'a> {
    pub view: &'a ApplicationView,
    /// The status PIN of an assisted applicant, shown this once.
    pub pin: Option<NewPin>,
    /// The CSRF token of the "issue a new PIN" form, when the reader is an
    /// operator (or admin) who may issue one.
    pub reissue_csrf: Option<String>,
    /// The site's configured address (`https://…`, no trailing slash): a
    /// printed receipt names the full address of the status check.
    pub base_url: &'a str,
}

/// `GET /pendaftaran/{id}/tanda-terima`, and the answer to an assisted submission.
pub fn receipt(ctx: &PageCtx, r: &ReceiptPage<'_>) -> Markup {
    let a = &r.view.application;
    let no = a.registration_no.clone().unwrap_or_default();
    let short: String = a
        .submission_hash
        .as_deref()
        .unwrap_or_default()
        .chars()
        .take(SHORT_HASH_LEN)
        .collect();
    let check_url = format!("{}/cek-status", r.base_url.trim_end_matches('/'));
    // A desk registrant without an address gets no e-mail: the receipt
    // must not send them looking for one.
    let mailed = !r.view.personal.email.trim().is_empty() || a.account_id.is_some();
    let body = html! {
        section.receipt {
            h1 { (ctx.t("Tanda terima pendaftaran", "Application receipt")) }
            dl {
                dt { (ctx.t("Nomor pendaftaran", "Registration number")) }
                dd.regno { strong { (no) } }
                dt { (ctx.t("Seleksi", "Round")) } dd { (r.view.round.name) }
                dt { (ctx.t("Formasi", "Formation")) }
                dd { (r.view.formation.as_ref().map(|f| f.name.clone()).unwrap_or_default()) }
                dt { (ctx.t("Nama", "Name")) } dd { bdi { (a.full_name) } }
                dt { (ctx.t("Waktu kirim", "Submitted")) }
                dd { (a.submitted_at.map(format_wita).unwrap_or_default()) }
                dt { (ctx.t("Kode bukti pengiriman", "Submission code")) } dd { code { (short) } }
            }
            p.muted {
                @if mailed { (ctx.t(
                    "Kode bukti pengiriman adalah sidik digital data yang Anda kirim (juga tercantum di e-mail tanda terima); dengan kode ini Anda dapat memastikan data pendaftaran Anda tidak berubah.",
                    "The submission code is a digital fingerprint of the data you sent (also in the receipt e-mail); with it you can check that your application data has not changed."
                )) } @else { (ctx.t(
                    "Kode bukti pengiriman adalah sidik digital data yang Anda kirim; dengan kode ini Anda dapat memastikan data pendaftaran Anda tidak berubah. Simpan tanda terima ini.",
                    "The submission code is a digital fingerprint of the data you sent; with it you can check that your application data has not changed. Keep this receipt."
                )) }
            }
            div.qr { (super::qr::svg(&no)) }
            @if let Some(pin) = &r.pin {
                div.pin {
                    @if pin.replaces_old {
                        p role="status" { strong { (ctx.t("PIN baru diterbitkan; PIN lama tidak berlaku lagi.", "A new PIN was issued; the old PIN no longer works.")) } }
                    }
                    p { (ctx.t("PIN status (simpan, hanya ditampilkan sekali)", "Status PIN (keep it; shown only once)")) }
                    p.regno { strong { (pin.pin) } }
                    p { (ctx.t("Cek status di", "Check the status at")) " " strong.url { (check_url) } " " (ctx.t("dengan nomor pendaftaran dan PIN ini.", "with this registration number and PIN.")) }
                }
            }
            h2 { (ctx.t("Selanjutnya", "What happens next")) }
            ol {
                li { (ctx.t("Panitia memeriksa persyaratan dan dokumen Anda (verifikasi).", "The committee checks your requirements and documents (verification).")) }
                li { (ctx.t("Jika memenuhi syarat, Anda diundang mengikuti uji kelayakan dan kepatutan.", "If eligible, you are invited to the fit-and-proper test.")) }
                li { (ctx.t("Hasil dan peringkat diumumkan; ada masa sanggah sebelum hasil akhir.", "Results and ranks are published; there is an objection window before the final result.")) }
            }
            p.muted { (ctx.t("Alamat cek status", "Status check address")) ": " (check_url) }
            p.noprint { (super::print::print_button(ctx, ("Cetak tanda terima", "Print the receipt"))) }
            p.noprint {
                a href=(format!("/pendaftaran/{}", a.id)) { (ctx.t("Lihat status pendaftaran", "See the application status")) }
            }
            @if let Some(csrf) = &r.reissue_csrf {
                form.noprint method="post" action=(format!("/pendaftaran/{}/pin", a.id)) {
                    input type="hidden" name="csrf" value=(csrf);
                    p.muted { (ctx.t(
                        "PIN status hanya ditampilkan sekali. Jika warga kehilangan PIN-nya, terbitkan PIN baru: PIN lama langsung tidak berlaku.",
                        "The status PIN is shown only once. If the resident lost it, issue a new one: the old PIN stops working at once."
                    )) }
                    button type="submit" { (ctx.t("Terbitkan PIN baru", "Issue a new PIN")) }
                }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Tanda terima", "Receipt").to_owned(),
            body,
        },
    )
}

/// The steps after submission, as items of the timeline list: each
/// requirement's outcome with its reason, the test invitation, the published
/// result and rank, the objection window. Shared by the status page and the
/// public number + PIN check, so both say the same.
fn steps(ctx: &PageCtx, t: &Timeline) -> Markup {
    html! {
        li {
            (ctx.t("Verifikasi persyaratan", "Requirement verification")) ": "
            @if t.checks.is_empty() { (ctx.t("belum ada hasil.", "no outcome yet.")) }
            @else {
                ul { @for c in &t.checks {
                    li {
                        (m(ctx, &c.requirement)) " — " strong { (m(ctx, &c.outcome_label())) }
                        @if let Some(l) = c.reason_label() { ": " (m(ctx, &l)) }
                        @if let Some(found) = &c.automatic_reason { " — " (m(ctx, found)) }
                        @else if !c.reason.is_empty() { " — " bdi { (c.reason) } }
                    }
                } }
            }
        }
        li {
            (ctx.t("Undangan uji kelayakan", "Test invitation")) ": "
            @match &t.invitation {
                Some((at, place)) => { (format_wita(*at)) ", " (place) }
                None => { (ctx.t("belum ada.", "none yet.")) }
            }
        }
        li {
            (ctx.t("Hasil", "Result")) ": "
            @match &t.result {
                Some((rank, status)) => {
                    strong { (status.as_deref().map(|s| status_label(ctx, s)).unwrap_or_default()) }
                    @if let Some(r) = rank { " · " (ctx.t("peringkat", "rank")) " " (r) }
                }
                None => { (ctx.t("belum diumumkan.", "not published yet.")) }
            }
        }
        @if let Some((from, to)) = t.objection_window {
            li { (ctx.t("Masa sanggah", "Objection window")) ": " (format_wita(from)) " – " (format_wita(to)) }
        }
    }
}

/// The one status headline: the stage reached, the failing requirements with
/// their reasons (or the decision), then what happens next and when.
fn headline(ctx: &PageCtx, h: &crate::domain::status_headline::Headline) -> Markup {
    html! {
        div.headline role="status" {
            p.headline-title { strong { (m(ctx, &h.title)) } }
            @if !h.details.is_empty() {
                ul.headline-details { @for d in &h.details { li { (m(ctx, d)) } } }
            }
            p.headline-next { (ctx.t("Selanjutnya", "Next")) ": " (m(ctx, &h.next)) }
        }
    }
}

/// The status page of one application.
#[derive(Clone, Debug)]
pub struct StatusPage<'a> {
    pub view: &'a ApplicationView,
    pub timeline: &'a Timeline,
    pub can_withdraw: bool,
    pub csrf: String,
    /// Arrived from "Daftar" of a round the resident already applied to.
    pub already_applied: bool,
    /// The viewer may change the application (its owner, or the desk).
    pub can_edit: bool,
    /// The score breakdown once results are published.
    pub scores: Option<&'a crate::services::score_breakdown::ScoreView>,
}

/// `GET /pendaftaran/{id}`.
pub fn status(ctx: &PageCtx, s: &StatusPage<'_>) -> Markup {
    let v = s.view;
    let a = &v.application;
    let warnings = if a.state == ApplicationState::Draft {
        crate::services::applications::warning_messages(&a.nik_warnings)
    } else {
        crate::services::applications::submitted_warning_messages(&a.nik_warnings)
    };
    let body = html! {
        h1 { (ctx.t("Status pendaftaran", "Application status")) }
        p { (v.round.name) @if let Some(no) = &a.registration_no { " · " strong { (no) } } }
        (headline(ctx, &s.timeline.headline))
        @if a.registration_no.is_some() {
            p { a href={ "/pendaftaran/" (a.id) "/bukti" } { (ctx.t("Bukti tercatat di jejak audit (unduh)", "Receipts from the audit trail (download)")) } }
        }
        @if s.already_applied {
            div.notice role="status" { (ctx.t(
                "Anda sudah memiliki pendaftaran pada seleksi ini. Setiap orang hanya dapat mendaftar satu kali per seleksi; ini pendaftaran Anda.",
                "You already have an application in this round. Each person can apply once per round; this is your application."
            )) }
        }
        @if let Some(at) = a.withdrawn_at {
            div.notice { (ctx.t("Dibatalkan pada ", "Withdrawn on ")) (format_wita(at)) ". " (ctx.t(
                "Pendaftaran yang dibatalkan tidak dapat diajukan lagi pada seleksi ini.",
                "A withdrawn application cannot be submitted again in this round."
            )) }
        }
        @for w in &warnings { div.alert.warning { (m(ctx, w)) } }
        @if a.state == ApplicationState::Draft {
            p { a href=(format!("/pendaftaran/{}/formulir", a.id)) { (ctx.t("Lanjutkan mengisi formulir", "Continue the form")) } }
        }
        @if s.can_edit && a.state != ApplicationState::Withdrawn {
            p { a href=(format!("/pendaftaran/{}/pesan", a.id)) { (ctx.t("Kabar lewat SMS/WhatsApp", "News by SMS/WhatsApp")) } }
        }
        ol.timeline {
            @if let Some(at) = a.submitted_at {
                li { (ctx.t("Terkirim", "Submitted")) ": " (format_wita(at)) " · "
                    a href=(format!("/pendaftaran/{}/tanda-terima", a.id)) { (ctx.t("tanda terima", "receipt")) } }
            }
            (steps(ctx, s.timeline))
            @if v.round.state.is_published() {
                li {
                    a href=(format!("/seleksi/{}/hasil", v.round.slug)) { (ctx.t("Hasil seleksi", "Selection results")) }
                    " · "
                    a href=(format!("/pendaftaran/{}/sanggahan", a.id)) {
                        @if v.round.state == RoundState::Objection { (ctx.t("Ajukan sanggahan", "File an objection")) }
                        @else { (ctx.t("Sanggahan Anda", "Your objections")) }
                    }
                }
            }
        }
        @if let Some(sc) = s.scores { (super::scores::section(ctx, sc)) }
        @if s.can_withdraw {
            form method="post" action=(format!("/pendaftaran/{}/batal", a.id)) {
                input type="hidden" name="csrf" value=(s.csrf);
                button type="submit" { (ctx.t("Batalkan pendaftaran…", "Withdraw application…")) }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Status pendaftaran", "Application status").to_owned(),
            body,
        },
    )
}

/// The confirmation step of a withdrawal.
pub fn withdraw_confirm(ctx: &PageCtx, id: uuid::Uuid, csrf: &str) -> Markup {
    let body = html! {
        h1 { (ctx.t("Batalkan pendaftaran?", "Withdraw the application?")) }
        p { (ctx.t(
            "Pendaftaran yang dibatalkan tidak dapat diaktifkan lagi dan tidak ikut dinilai.",
            "A withdrawn application cannot be reactivated and is not assessed."
        )) }
        form method="post" action=(format!("/pendaftaran/{id}/batal")) {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="confirm" value="yes";
            button.danger type="submit" { (ctx.t("Ya, batalkan", "Yes, withdraw")) }
            " "
            a href=(format!("/pendaftaran/{id}")) { (ctx.t("Tidak, kembali", "No, go back")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Batalkan pendaftaran", "Withdraw").to_owned(),
            body,
        },
    )
}

/// The confirmation step of a new status PIN.
pub fn reissue_confirm(ctx: &PageCtx, id: uuid::Uuid, csrf: &str) -> Markup {
    let body = html! {
        h1 { (ctx.t("Terbitkan PIN baru?", "Issue a new PIN?")) }
        p { (ctx.t(
            "PIN lama langsung tidak berlaku lagi. Berikan PIN baru hanya kepada warga pemilik pendaftaran.",
            "The old PIN stops working at once. Give the new PIN only to the resident who owns the application."
        )) }
        form method="post" action=(format!("/pendaftaran/{id}/pin")) {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="confirm" value="yes";
            button.danger type="submit" { (ctx.t("Ya, terbitkan PIN baru", "Yes, issue a new PIN")) }
            " "
            a href=(format!("/pendaftaran/{id}/tanda-terima")) { (ctx.t("Tidak, kembali", "No, go back")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Terbitkan PIN baru", "Issue a new PIN").to_owned(),
            body,
        },
    )
}

/// The public status check.
#[derive(Clone, Debug, Default)]
pub struct CheckPage {
    pub number: String,
    /// The PIN of a successful check, carried into the receipts form.
    pub pin: String,
    pub result: Option<PublicStatus>,
    pub error: Option<Msg>,
    /// The objection form's text and picks, kept on a refusal.
    pub grounds: String,
    pub contested: Vec<String>,
    /// Why the objection was refused.
    pub objection_error: Option<Msg>,
    /// An objection was just filed.
    pub filed: bool,
    pub idempotency_key: String,
}

/// The objections of a number + PIN check, each with its decision, and the
/// form to file one while the window is open.
fn pin_objections(ctx: &PageCtx, c: &CheckPage, r: &PublicStatus) -> Markup {
    html! {
        @if c.filed {
            div.notice role="status" { (ctx.t(
                "Sanggahan Anda sudah masuk. Keputusannya tampil di halaman ini: cek lagi dengan nomor pendaftaran dan PIN.",
                "Your objection was received. The decision shows on this page: check again with the registration number and PIN."
            )) }
        }
        @if !r.objections.is_empty() {
            section.objections id="sanggahan" {
                h2 { (ctx.t("Sanggahan", "Objections")) }
                @for o in &r.objections {
                    div.card {
                        p { strong { @match crate::domain::status_headline::ObjectionStage::parse(&o.objection.status) {
                            Some(st) => { (m(ctx, &st.label())) }
                            None => { (o.objection.status) }
                        } } " · " (ctx.t("diajukan", "filed")) " " (format_wita(o.objection.filed_at)) }
                        p { (ctx.t("Batas jawaban", "Response deadline")) ": " (format_wita(o.objection.deadline_at)) }
                        @if !o.objection.decision_reason.is_empty() {
                            p { (ctx.t("Alasan keputusan", "Reasons for the decision")) ": " (o.objection.decision_reason) }
                        }
                    }
                }
                form.inline method="post" action="/cek-status/sanggahan/cetak" {
                    input type="hidden" name="number" value=(r.registration_no);
                    input type="hidden" name="pin" value=(c.pin);
                    button type="submit" { (ctx.t("Bukti sanggahan untuk dicetak", "Printable objection slip")) }
                }
            }
        }
        @if r.may_object {
            section id="ajukan-sanggahan" {
                h2 { (ctx.t("Ajukan sanggahan", "File an objection")) }
                p { (ctx.t(
                    "Pilih apa yang Anda sanggah (nilai Anda ada di atas) dan tuliskan mengapa, paling sedikit 20 huruf.",
                    "Choose what you contest (your scores are above) and write why, at least 20 characters."
                )) }
                @if let Some(e) = &c.objection_error { div.alert role="alert" { (m(ctx, e)) } }
                form method="post" action="/cek-status/sanggahan" {
                    input type="hidden" name="number" value=(r.registration_no);
                    input type="hidden" name="pin" value=(c.pin);
                    input type="hidden" name="idempotency_key" value=(c.idempotency_key);
                    (super::results::contest_fieldset(ctx, &r.contest_options, &c.contested))
                    label for="grounds" { (ctx.t("Alasan sanggahan", "Grounds")) }
                    textarea #grounds name="grounds" rows="6" required minlength="20" maxlength="4000" { (c.grounds) }
                    button type="submit" { (ctx.t("Kirim sanggahan", "Submit objection")) }
                }
            }
        }
    }
}

/// The printable slip of an assisted applicant's objections and decisions.
pub fn objection_slip(ctx: &PageCtx, r: &PublicStatus) -> Markup {
    let body = html! {
        section.receipt {
            h1 { (ctx.t("Bukti sanggahan", "Objection slip")) }
            dl {
                dt { (ctx.t("Nomor pendaftaran", "Registration number")) } dd.regno { strong { (r.registration_no) } }
                dt { (ctx.t("Seleksi", "Round")) } dd { (r.round_name) }
                dt { (ctx.t("Nama", "Name")) } dd { (r.first_name) }
            }
            @for o in &r.objections {
                h2 { (ctx.t("Sanggahan", "Objection")) " · " (format_wita(o.objection.filed_at)) }
                p { strong { @match crate::domain::status_headline::ObjectionStage::parse(&o.objection.status) {
                    Some(st) => { (m(ctx, &st.label())) }
                    None => { (o.objection.status) }
                } } }
                @if let Some(at) = o.objection.decided_at { p { (ctx.t("Diputus", "Decided")) ": " (format_wita(at)) } }
                @if !o.objection.decision_reason.is_empty() {
                    p { (ctx.t("Alasan keputusan", "Reasons for the decision")) ": " (o.objection.decision_reason) }
                }
            }
            @if r.objections.is_empty() { p { (ctx.t("Belum ada sanggahan.", "No objection yet.")) } }
            p { (ctx.t("Status terkini", "Current status")) ": " strong { (m(ctx, &r.timeline.headline.title)) } }
            p.noprint { (super::print::print_button(ctx, ("Cetak bukti sanggahan", "Print the objection slip"))) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Bukti sanggahan", "Objection slip").to_owned(),
            body,
        },
    )
}

/// `GET/POST /cek-status`.
pub fn check(ctx: &PageCtx, c: &CheckPage) -> Markup {
    let body = html! {
        h1 { (ctx.t("Cek status pendaftaran", "Check an application's status")) }
        @if let Some(r) = &c.result {
            p { (r.first_name) " · " (r.registration_no) " · " (r.round_name) }
            (headline(ctx, &r.timeline.headline))
            div {
                form.inline method="post" action="/cek-status/bukti" {
                    input type="hidden" name="number" value=(r.registration_no);
                    input type="hidden" name="pin" value=(c.pin);
                    button type="submit" { (ctx.t("Bukti tercatat di jejak audit", "Receipts from the audit trail")) }
                }
            }
            ol.timeline {
                @if let Some(at) = r.submitted_at { li { (ctx.t("Terkirim", "Submitted")) ": " (format_wita(at)) } }
                (steps(ctx, &r.timeline))
            }
            @if let Some(sc) = &r.scores { (super::scores::section(ctx, sc)) }
            (pin_objections(ctx, c, r))
        }
        @if let Some(e) = &c.error { div.alert role="alert" { (m(ctx, e)) } }
        form method="post" action="/cek-status" {
            label for="number" { (ctx.t("Nomor pendaftaran", "Registration number")) }
            input id="number" name="number" type="text" value=(c.number) autocomplete="off";
            label for="pin" { (ctx.t("PIN status (6 angka)", "Status PIN (6 digits)")) }
            input id="pin" name="pin" type="text" inputmode="numeric" autocomplete="off";
            button type="submit" { (ctx.t("Cek", "Check")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Cek status", "Check status").to_owned(),
            body,
        },
    )
}

/// The help desk's start page: a round, a kelurahan of the operator, an RT.
#[derive(Clone, Debug, Default)]
pub struct DeskPage {
    /// `(id, name)` of rounds open for registration.
    pub rounds: Vec<(uuid::Uuid, String)>,
    /// `(code, name)` of the operator's kelurahan.
    pub kelurahan: Vec<(String, String)>,
    pub values: FormData,
    pub errors: FieldErrors,
    pub csrf: String,
    pub idempotency_key: String,
}

/// The value typed before, or the one entry of a list of one.
fn only_or(mut entries: impl Iterator<Item = String>, typed: &str) -> String {
    if !typed.is_empty() {
        return typed.to_owned();
    }
    match (entries.next(), entries.next()) {
        (Some(one), None) => one,
        _ => String::new(),
    }
}

/// `GET /meja-bantuan`.
pub fn desk(ctx: &PageCtx, d: &DeskPage) -> Markup {
    let body = html! {
        h1 { (ctx.t("Meja bantuan: pendaftaran dibantu", "Help desk: assisted registration")) }
        p { (ctx.t(
            "Untuk warga tanpa e-mail atau HP. Pendaftaran tercatat sebagai dibantu oleh Anda.",
            "For residents without e-mail or phone. The application is recorded as assisted by you."
        )) }
        p { a href="/meja-bantuan/data-pendaftar" { (ctx.t("Unduh data pendaftar dengan nomor dan PIN (hak akses)", "Download a registrant's data with number and PIN (right of access)")) } }
        p { a href="/meja-bantuan/hapus-data" { (ctx.t("Ajukan penghapusan data pendaftar dengan nomor dan PIN", "Request the erasure of a registrant's data with number and PIN")) } }
        (form_alert(ctx, &d.errors, false))
        @if d.rounds.is_empty() {
            div.notice role="status" { (ctx.t(
                "Saat ini tidak ada seleksi yang membuka pendaftaran. Pendaftaran dibantu dapat dimulai setelah admin kota membuka pendaftaran; lihat jadwal di halaman seleksi.",
                "No round is open for registration now. Assisted registration can start once the city admin opens registration; see the schedule on the round's page."
            )) }
        } @else {
        form method="post" action="/meja-bantuan" {
            input type="hidden" name="csrf" value=(d.csrf);
            input type="hidden" name="idempotency_key" value=(d.idempotency_key);
            // A choice defaults only when there is nothing to choose from;
            // otherwise the list starts at "— pilih —" and the server asks
            // for it, so no resident is filed under the first kelurahan.
            @let round = only_or(d.rounds.iter().map(|(id, _)| id.to_string()), d.values.get("round_id"));
            label for="round_id" { (ctx.t("Seleksi", "Round")) }
            select id="round_id" name="round_id" required {
                @if d.rounds.len() != 1 {
                    option value="" disabled selected[round.is_empty()] { (ctx.t("— pilih seleksi —", "— choose a round —")) }
                }
                @for (id, name) in &d.rounds { option value=(id) selected[round == id.to_string()] { (name) } }
            }
            (error(ctx, &d.errors, "round_id"))
            @let kel = only_or(d.kelurahan.iter().map(|(code, _)| code.clone()), d.values.get("kelurahan"));
            label for="kelurahan" { (ctx.t("Kelurahan", "Kelurahan")) }
            select id="kelurahan" name="kelurahan" required {
                @if d.kelurahan.len() != 1 {
                    option value="" disabled selected[kel.is_empty()] { (ctx.t("— pilih kelurahan —", "— choose a kelurahan —")) }
                }
                @for (code, name) in &d.kelurahan {
                    option value=(code) selected[kel == *code] { (name) }
                }
            }
            (error(ctx, &d.errors, "kelurahan"))
            label for="rt" { "RT" }
            input id="rt" name="rt" type="number" min="1" value=(d.values.get("rt"));
            (error(ctx, &d.errors, "rt"))
            button type="submit" { (ctx.t("Mulai pendaftaran", "Start the application")) }
        }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Meja bantuan", "Help desk").to_owned(),
            body,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;

    #[test]
    fn the_area_lists_start_without_a_chosen_entry() {
        let ctx = PageCtx {
            lang: Lang::Id,
            path: "/seleksi/r/daftar".into(),
            signed_in: None,
            csrf: None,
        };
        let html = area_step(
            &ctx,
            &AreaStep {
                kecamatan: vec![
                    ("64.72.01".into(), "Samarinda Ulu".into()),
                    ("64.72.09".into(), "Samarinda Kota".into()),
                ],
                kelurahan: vec![("64.72.01.1001".into(), "Sidodadi".into())],
                selected_kecamatan: "64.72.01".into(),
                rts: vec![1, 2],
                ..AreaStep::default()
            },
        )
        .into_string();
        assert!(html.contains(r#"<option value="" disabled selected>— pilih RT —</option>"#));
        assert!(
            html.contains(r#"<option value="" disabled selected>— pilih kelurahan —</option>"#)
        );
        assert!(!html.contains(r#"<option value="1" selected"#));
        let fresh = area_step(
            &ctx,
            &AreaStep {
                kecamatan: vec![
                    ("64.72.01".into(), "Samarinda Ulu".into()),
                    ("64.72.09".into(), "Samarinda Kota".into()),
                ],
                ..AreaStep::default()
            },
        )
        .into_string();
        assert!(
            fresh.contains(r#"<option value="" disabled selected>— pilih kecamatan —</option>"#),
            "{fresh}"
        );
        assert!(!fresh.contains(r#"" selected>Samarinda"#), "{fresh}");
    }

    #[test]
    fn typed_text_is_escaped_on_the_status_check() {
        let ctx = PageCtx {
            lang: Lang::Id,
            path: "/cek-status".into(),
            signed_in: None,
            csrf: None,
        };
        let html = check(
            &ctx,
            &CheckPage {
                number: "\"><script>alert(1)</script>".into(),
                pin: String::new(),
                result: Some(PublicStatus {
                    first_name: "<b>Siti</b>".into(),
                    state: "submitted".parse().expect("state"),
                    round_name: "R".into(),
                    registration_no: "2027-6472091001-0001".into(),
                    submitted_at: None,
                    scores: None,
                    application_id: uuid::Uuid::nil(),
                    objections: Vec::new(),
                    may_object: false,
                    contest_options: Vec::new(),
                    timeline: Timeline {
                        headline: crate::domain::status_headline::headline(
                            &Timeline::default().facts(
                                ApplicationState::Submitted,
                                false,
                                time::OffsetDateTime::UNIX_EPOCH,
                            ),
                        ),
                        ..Timeline::default()
                    },
                }),
                error: None,
                ..CheckPage::default()
            },
        )
        .into_string();
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<b>Siti"));
        assert!(html.contains("&lt;b&gt;Siti&lt;/b&gt;"));
        assert!(html.contains("Terkirim, menunggu verifikasi"));
    }
}
