//! The receipt of a submitted application, with its PIN when new.

use maud::{Markup, html};

use crate::domain::application_view::ApplicationPage;
use crate::domain::registration::SHORT_HASH_LEN;
use crate::domain::round::format_wita;
use crate::views::layout::{Page, PageCtx, layout};

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
    pub view: &'a ApplicationPage,
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
            div.qr { (crate::views::qr::svg(&no)) }
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
            p.noprint { (crate::views::print::print_button(ctx, ("Cetak tanda terima", "Print the receipt"))) }
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
