//! The application form, every field with its label and message.

use maud::{Markup, html};

use super::{error, form_summary, m};
use crate::domain::application::MAX_LONG_TEXT;
use crate::domain::application_view::ApplicationPage;
use crate::domain::form::{FieldErrors, FormData};
use crate::domain::round::Msg;
use crate::views::layout::{Page, PageCtx, layout};

/// The label of an application form field, for the error summary.
fn form_field_label(ctx: &PageCtx, v: &ApplicationPage, name: &str) -> Option<String> {
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

/// The application form of a draft.
#[derive(Clone, Debug)]
pub struct FormPage<'a> {
    pub view: &'a ApplicationPage,
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

pub(super) fn textarea(ctx: &PageCtx, p: &FormPage<'_>, name: &str, label: (&str, &str)) -> Markup {
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
        form method="post" enctype="multipart/form-data" action=(crate::views::error_summary::action(&format!("/pendaftaran/{}/formulir", a.id))) {
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
                @let prog = v.round.programme();
                (textarea(ctx, p, "motivation", (&format!("Motivasi menjadi {}", prog.member_id), &format!("Why you want to become {}", prog.member_en))))
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
