//! Managing the information section (admins, and operators for their
//! kelurahan), the consent form for news by SMS/WhatsApp, and the state of
//! the text messages in the outbox.

use std::collections::BTreeMap;

use maud::{Markup, html};

use super::info::wita;
use super::layout::{Page, PageCtx, layout};
use crate::domain::delivery::{ConsentView, TextOutbox};
use crate::domain::form::FieldErrors;
use crate::domain::information::AnnouncementItem;
use crate::domain::information::SopItem;
use crate::domain::information::{FaqItem, HelpDeskItem};
use crate::domain::round::Msg;

/// Typed values and their errors, for a form shown again.
#[derive(Clone, Debug, Default)]
pub struct FormState {
    pub values: BTreeMap<String, String>,
    pub errors: FieldErrors,
}

impl FormState {
    /// A form filled with `pairs`.
    #[must_use]
    pub fn with(pairs: &[(&str, String)]) -> Self {
        FormState {
            values: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            errors: FieldErrors::new(),
        }
    }

    fn get(&self, k: &str) -> &str {
        self.values.get(k).map_or("", String::as_str)
    }
}

fn error(ctx: &PageCtx, f: &FormState, name: &str) -> Markup {
    html! {
        @if let Some(m) = f.errors.get(name) {
            p.error id=(format!("{name}-error")) role="alert" { (m.pick(ctx.lang)) }
        }
    }
}

fn input(ctx: &PageCtx, f: &FormState, name: &str, label: (&str, &str), kind: &str) -> Markup {
    let invalid = f.errors.contains_key(name);
    html! {
        div {
            label for=(name) { (ctx.t(label.0, label.1)) }
            input id=(name) name=(name) type=(kind) value=(f.get(name))
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then(|| format!("{name}-error"))];
            (error(ctx, f, name))
        }
    }
}

fn textarea(ctx: &PageCtx, f: &FormState, name: &str, label: (&str, &str)) -> Markup {
    html! {
        div {
            label for=(name) { (ctx.t(label.0, label.1)) }
            textarea id=(name) name=(name) rows="8" aria-invalid=[f.errors.contains_key(name).then_some("true")] { (f.get(name)) }
            (error(ctx, f, name))
        }
    }
}

fn select(
    ctx: &PageCtx,
    f: &FormState,
    name: &str,
    label: (&str, &str),
    empty: Option<(&str, &str)>,
    choices: &[(String, String)],
) -> Markup {
    html! {
        div {
            label for=(name) { (ctx.t(label.0, label.1)) }
            select id=(name) name=(name) {
                @if let Some(e) = empty { option value="" { (ctx.t(e.0, e.1)) } }
                @for (v, l) in choices { option value=(v) selected[f.get(name) == v] { (l) } }
            }
            (error(ctx, f, name))
        }
    }
}

fn form_error(ctx: &PageCtx, f: &FormState) -> Markup {
    error(ctx, f, "")
}

/// The announcement form's fields.
fn announcement_fields(
    ctx: &PageCtx,
    f: &FormState,
    is_admin: bool,
    kelurahan: &[(String, String)],
    rounds: &[(String, String)],
) -> Markup {
    let city = is_admin.then_some(("Seluruh kota", "City-wide"));
    html! {
        (input(ctx, f, "title", ("Judul", "Title"), "text"))
        (textarea(ctx, f, "body", ("Isi (Markdown: **tebal**, [tautan](https://…), daftar dengan -)", "Text (Markdown: **bold**, [link](https://…), lists with -)")))
        (input(ctx, f, "publish_at", ("Terbit pada (WITA; kosong: sekarang)", "Publish at (WITA; empty: now)"), "datetime-local"))
        (select(ctx, f, "kelurahan", ("Untuk", "For"), city, kelurahan))
        (select(ctx, f, "round", ("Seleksi (boleh dikosongkan)", "Round (optional)"), Some(("—", "—")), rounds))
    }
}

/// What the management page shows.
#[derive(Clone, Debug, Default)]
pub struct AdminView {
    pub csrf: String,
    pub is_admin: bool,
    /// The kelurahan the caller manages (code, name).
    pub kelurahan: Vec<(String, String)>,
    /// Published rounds (slug, name).
    pub rounds: Vec<(String, String)>,
    pub announcements: Vec<AnnouncementItem>,
    pub sops: Vec<SopItem>,
    pub faq: Vec<FaqItem>,
    /// The help desks the caller manages, with whether one is set.
    pub desks: Vec<(HelpDeskItem, bool)>,
    /// Admins only.
    pub outbox: Option<TextOutbox>,
    pub announcement_form: FormState,
    pub sop_form: FormState,
    pub faq_form: FormState,
    pub notice: Option<Msg>,
}

/// `/admin/informasi`.
pub fn admin(ctx: &PageCtx, v: &AdminView) -> Markup {
    let csrf = html! { input type="hidden" name="csrf" value=(v.csrf); };
    let body = html! {
        h1 { (ctx.t("Kelola informasi", "Manage information")) }
        @if let Some(n) = &v.notice { p.notice role="status" { (n.pick(ctx.lang)) } }
        @if let Some(o) = &v.outbox {
            h2 #pesan { (ctx.t("Pesan SMS/WhatsApp", "SMS/WhatsApp messages")) }
            p {
                (ctx.t("Menunggu", "Waiting")) ": " strong { (o.pending) } " · "
                (ctx.t("Terkirim", "Sent")) ": " strong { (o.sent) } " · "
                (ctx.t("Gagal", "Failed")) ": " strong { (o.failed) }
            }
            @if o.troubled.is_empty() {
                p.muted { (ctx.t("Tidak ada pesan yang gagal atau menunggu dicoba ulang.", "No message failed or waits for another try.")) }
            } @else {
                table {
                    thead { tr { th { (ctx.t("Pesan", "Message")) } th { (ctx.t("Nomor", "Number")) } th { (ctx.t("Percobaan", "Tries")) } th { (ctx.t("Keadaan", "State")) } } }
                    tbody { @for t in &o.troubled { tr {
                        td { (t.channel) " · " (t.template) }
                        td { (t.to_masked) }
                        td { (t.attempts) }
                        td {
                            @if t.failed { span.alert { (ctx.t("gagal", "failed")) } }
                            @else { (ctx.t("dicoba lagi ", "retried ")) (wita(t.next_attempt_at)) }
                            br; span.muted { (t.last_error) }
                        }
                    } } }
                }
            }
        }
        h2 { (ctx.t("Pengumuman baru", "New announcement")) }
        form method="post" action="/admin/informasi/pengumuman" {
            (csrf)
            (form_error(ctx, &v.announcement_form))
            (announcement_fields(ctx, &v.announcement_form, v.is_admin, &v.kelurahan, &v.rounds))
            button type="submit" { (ctx.t("Terbitkan", "Publish")) }
        }
        h2 { (ctx.t("Pengumuman", "Announcements")) }
        @if v.announcements.is_empty() { p.muted { (ctx.t("Belum ada.", "None yet.")) } }
        @for a in &v.announcements {
            div.card {
                strong { (a.title) } br;
                span.muted { (wita(a.publish_at)) " · " (a.kelurahan_name.as_deref().unwrap_or(ctx.t("seluruh kota", "city-wide"))) }
                br;
                a href=(format!("/admin/informasi/pengumuman/{}", a.id)) { (ctx.t("Ubah", "Edit")) }
                " "
                form.inline method="post" action=(format!("/admin/informasi/pengumuman/{}/hapus", a.id)) {
                    (csrf) button.link type="submit" { (ctx.t("Hapus", "Remove")) }
                }
            }
        }
        h2 { (ctx.t("Terbitkan SOP (PDF)", "Publish an SOP (PDF)")) }
        p.muted { (ctx.t("Alamat yang sama dengan SOP lama menerbitkan versi baru; versi lama tetap dapat diunduh.", "The same address as an earlier SOP publishes a new version; older versions stay downloadable.")) }
        form method="post" action="/admin/informasi/sop" enctype="multipart/form-data" {
            (csrf)
            (form_error(ctx, &v.sop_form))
            (input(ctx, &v.sop_form, "title", ("Judul", "Title"), "text"))
            (input(ctx, &v.sop_form, "slug", ("Alamat (kosong: dari judul)", "Address (empty: from the title)"), "text"))
            (input(ctx, &v.sop_form, "effective_from", ("Berlaku sejak", "Effective from"), "date"))
            (select(ctx, &v.sop_form, "kelurahan", ("Untuk", "For"), v.is_admin.then_some(("Seluruh kota", "City-wide")), &v.kelurahan))
            div {
                label for="file" { (ctx.t("Berkas PDF", "PDF file")) }
                input id="file" name="file" type="file" accept="application/pdf";
                (error(ctx, &v.sop_form, "file"))
            }
            button type="submit" { (ctx.t("Terbitkan SOP", "Publish SOP")) }
        }
        ul { @for s in &v.sops { li { a href=(format!("/informasi/sop/{}", s.slug)) { (s.title) } " · v" (s.version) " · " (s.effective_from) } } }
        h2 { (ctx.t("Help desk", "Help desks")) }
        ul {
            @if v.is_admin {
                li { a href="/admin/informasi/help-desk/kota" { (ctx.t("Call center kota", "City call centre")) } }
            }
            @for (d, set) in &v.desks {
                li {
                    a href=(format!("/admin/informasi/help-desk/{}", d.kelurahan_code)) { (d.kelurahan_name) }
                    @if !set { span.muted { " — " (ctx.t("belum diisi", "not set")) } }
                }
            }
        }
        @if v.is_admin {
            h2 { "FAQ" }
            form method="post" action="/admin/informasi/faq" {
                (csrf)
                (form_error(ctx, &v.faq_form))
                (input(ctx, &v.faq_form, "question", ("Pertanyaan", "Question"), "text"))
                (textarea(ctx, &v.faq_form, "answer", ("Jawaban (Markdown)", "Answer (Markdown)")))
                (input(ctx, &v.faq_form, "position", ("Urutan (kosong: di akhir)", "Order (empty: last)"), "number"))
                button type="submit" { (ctx.t("Tambah pertanyaan", "Add question")) }
            }
            ol {
                @for f in &v.faq {
                    li {
                        (f.question) " "
                        a href=(format!("/admin/informasi/faq/{}", f.id)) { (ctx.t("Ubah", "Edit")) }
                        " "
                        form.inline method="post" action=(format!("/admin/informasi/faq/{}/hapus", f.id)) {
                            (csrf) button.link type="submit" { (ctx.t("Hapus", "Remove")) }
                        }
                    }
                }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Kelola informasi", "Manage information").into(),
            body,
        },
    )
}

/// `/admin/informasi/pengumuman/{id}`.
pub fn announcement_edit(
    ctx: &PageCtx,
    csrf: &str,
    id: uuid::Uuid,
    f: &FormState,
    is_admin: bool,
    kelurahan: &[(String, String)],
    rounds: &[(String, String)],
) -> Markup {
    let body = html! {
        p { a href="/admin/informasi" { "← " (ctx.t("Kelola informasi", "Manage information")) } }
        h1 { (ctx.t("Ubah pengumuman", "Edit announcement")) }
        form method="post" action=(format!("/admin/informasi/pengumuman/{id}")) {
            input type="hidden" name="csrf" value=(csrf);
            (form_error(ctx, f))
            (announcement_fields(ctx, f, is_admin, kelurahan, rounds))
            button type="submit" { (ctx.t("Simpan", "Save")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Ubah pengumuman", "Edit announcement").into(),
            body,
        },
    )
}

/// `/admin/informasi/faq/{id}`.
pub fn faq_edit(ctx: &PageCtx, csrf: &str, id: uuid::Uuid, f: &FormState) -> Markup {
    let body = html! {
        p { a href="/admin/informasi" { "← " (ctx.t("Kelola informasi", "Manage information")) } }
        h1 { (ctx.t("Ubah pertanyaan", "Edit question")) }
        form method="post" action=(format!("/admin/informasi/faq/{id}")) {
            input type="hidden" name="csrf" value=(csrf);
            (form_error(ctx, f))
            (input(ctx, f, "question", ("Pertanyaan", "Question"), "text"))
            (textarea(ctx, f, "answer", ("Jawaban (Markdown)", "Answer (Markdown)")))
            (input(ctx, f, "position", ("Urutan", "Order"), "number"))
            button type="submit" { (ctx.t("Simpan", "Save")) }
        }
    };
    layout(
        ctx,
        Page {
            title: "FAQ".into(),
            body,
        },
    )
}

/// `/admin/informasi/help-desk/{code}` (`kota`: the call centre).
pub fn help_desk_edit(ctx: &PageCtx, csrf: &str, code: &str, name: &str, f: &FormState) -> Markup {
    let body = html! {
        p { a href="/admin/informasi" { "← " (ctx.t("Kelola informasi", "Manage information")) } }
        h1 { (name) }
        form method="post" action=(format!("/admin/informasi/help-desk/{code}")) {
            input type="hidden" name="csrf" value=(csrf);
            (form_error(ctx, f))
            (input(ctx, f, "address", ("Alamat", "Address"), "text"))
            (input(ctx, f, "opening_hours", ("Jam buka", "Opening hours"), "text"))
            (input(ctx, f, "phone", ("Telepon", "Phone"), "tel"))
            (input(ctx, f, "whatsapp", ("WhatsApp (boleh dikosongkan)", "WhatsApp (optional)"), "tel"))
            button type="submit" { (ctx.t("Simpan", "Save")) }
        }
    };
    layout(
        ctx,
        Page {
            title: name.to_owned(),
            body,
        },
    )
}

/// `/pendaftaran/{id}/pesan`: consent to news by SMS/WhatsApp.
pub fn consent(ctx: &PageCtx, csrf: &str, v: &ConsentView, f: &FormState) -> Markup {
    let id = v.application_id;
    let body = html! {
        p { a href=(format!("/pendaftaran/{id}")) { "← " (ctx.t("Pendaftaran", "Application")) } }
        h1 { (ctx.t("Kabar lewat SMS atau WhatsApp", "News by SMS or WhatsApp")) }
        p { (ctx.t(
            "Warga yang setuju menerima pesan singkat pada setiap tahap: tanda terima, undangan uji (tanggal, jam, tempat), hasil, dan masa sanggah. Pesan hanya memuat nama depan dan nomor pendaftaran.",
            "A resident who agrees gets a short message at each stage: receipt, test invitation (date, time, place), results and the objection window. Messages carry only the first name and the registration number."
        )) }
        @if let Some((phone, channel)) = &v.current {
            div.notice {
                p { (ctx.t("Persetujuan tercatat untuk", "Consent recorded for")) " " strong { "+" (phone) } " (" (channel.as_str()) ")." }
                form method="post" action=(format!("/pendaftaran/{id}/pesan/cabut")) {
                    input type="hidden" name="csrf" value=(csrf);
                    button.link type="submit" { (ctx.t("Hentikan pesan", "Stop the messages")) }
                }
            }
        }
        form method="post" action=(format!("/pendaftaran/{id}/pesan")) {
            input type="hidden" name="csrf" value=(csrf);
            (form_error(ctx, f))
            (input(ctx, f, "phone", ("Nomor HP", "Mobile number"), "tel"))
            (select(ctx, f, "channel", ("Lewat", "By"), None, &[
                ("sms".to_owned(), "SMS".to_owned()),
                ("whatsapp".to_owned(), "WhatsApp".to_owned()),
            ]))
            div {
                input id="agree" name="agree" type="checkbox" value="1" checked[f.get("agree") == "1"];
                label for="agree" { (ctx.t(
                    " Warga menyetujui pesan ke nomor ini (persetujuan dicatat beserta waktunya).",
                    " The resident agrees to messages at this number (the consent is recorded with its time)."
                )) }
                (error(ctx, f, "agree"))
            }
            button type="submit" { (ctx.t("Catat persetujuan", "Record consent")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx
                .t("Kabar lewat SMS/WhatsApp", "News by SMS/WhatsApp")
                .into(),
            body,
        },
    )
}
