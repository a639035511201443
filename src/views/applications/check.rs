//! The public status check and its objection slip.

use maud::{Markup, html};

use super::{headline, m, steps};
use crate::domain::application_status::PublicStatus;
use crate::domain::round::{Msg, format_wita};
use crate::views::layout::{Page, PageCtx, layout};

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
    /// The objection form's CSRF token.
    pub csrf: String,
}

/// The objections of a number + PIN check, each with its decision, and the
/// form to file one while the window is open.
fn pin_objections(ctx: &PageCtx, c: &CheckPage, r: &PublicStatus) -> Markup {
    html! {
        // A refusal with no form left to show it by (the window closed
        // meanwhile) is still shown.
        @if !r.may_object { @if let Some(e) = &c.objection_error { div.alert role="alert" { (m(ctx, e)) } } }
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
                        p { strong { (m(ctx, &o.objection.status.label())) } " · " (ctx.t("diajukan", "filed")) " " (format_wita(o.objection.filed_at)) }
                        p { (ctx.t("Batas jawaban", "Response deadline")) ": " (format_wita(o.objection.deadline_at)) }
                        @if let Some(stage) = &o.stage_code { (crate::views::results::against_stage(ctx, stage)) }
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
                @if let Some(w) = &r.stage_window { (crate::views::results::stage_window_notice(ctx, w)) }
                p { (ctx.t(
                    "Pilih apa yang Anda sanggah (nilai Anda ada di atas) dan tuliskan mengapa, paling sedikit 20 huruf.",
                    "Choose what you contest (your scores are above) and write why, at least 20 characters."
                )) }
                @if let Some(e) = &c.objection_error { div.alert role="alert" { (m(ctx, e)) } }
                form method="post" action="/cek-status/sanggahan" {
                    input type="hidden" name="csrf" value=(c.csrf);
                    input type="hidden" name="number" value=(r.registration_no);
                    input type="hidden" name="pin" value=(c.pin);
                    input type="hidden" name="idempotency_key" value=(c.idempotency_key);
                    (crate::views::results::contest_fieldset(ctx, &r.contest_options, &c.contested))
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
                p { strong { (m(ctx, &o.objection.status.label())) } }
                @if let Some(stage) = &o.stage_code { (crate::views::results::against_stage(ctx, stage)) }
                @if let Some(at) = o.objection.decided_at { p { (ctx.t("Diputus", "Decided")) ": " (format_wita(at)) } }
                @if !o.objection.decision_reason.is_empty() {
                    p { (ctx.t("Alasan keputusan", "Reasons for the decision")) ": " (o.objection.decision_reason) }
                }
            }
            @if r.objections.is_empty() { p { (ctx.t("Belum ada sanggahan.", "No objection yet.")) } }
            p { (ctx.t("Status terkini", "Current status")) ": " strong { (m(ctx, &r.timeline.headline.title)) } }
            p.noprint { (crate::views::print::print_button(ctx, ("Cetak bukti sanggahan", "Print the objection slip"))) }
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
            @if let Some(sc) = &r.scores { (crate::views::scores::section(ctx, sc)) }
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
