//! The list of an applicant's audit events with a receipt to download for
//! each, and how to check one.

use maud::{Markup, html};

use super::PageCtx;
use super::layout::{Page, layout};
use crate::domain::merkle::receipt::ReceiptRow;

/// How each receipt is fetched: a link for the signed-in owner, a small
/// form (number and PIN again) after a public status check.
pub enum Fetch {
    Link { base: String },
    Form { number: String, pin: String },
}

/// The receipts page.
pub struct ReceiptsPage {
    pub registration_no: String,
    pub rows: Vec<ReceiptRow>,
    pub fetch: Fetch,
}

/// The action of an event in the reader's words (the audit name as a fallback).
fn action_label(ctx: &PageCtx, action: &str) -> String {
    let (id, en) = match action {
        "application.submitted" => ("Pendaftaran dikirim", "Application submitted"),
        a if a.starts_with("verification.") => ("Hasil verifikasi", "Verification outcome"),
        a if a.starts_with("score.") => ("Nilai panel", "Panel score"),
        "ranking.changed" => ("Perubahan peringkat", "Rank change"),
        a if a.starts_with("objection.") => ("Keberatan", "Objection"),
        a if a.starts_with("application.") => ("Pendaftaran", "Application"),
        _ => ("Peristiwa", "Event"),
    };
    format!("{} ({action})", ctx.t(id, en))
}

/// `GET /pendaftaran/{id}/bukti` and `POST /cek-status/bukti`.
#[must_use]
pub fn page(ctx: &PageCtx, p: &ReceiptsPage) -> Markup {
    let body = html! {
        h1 { (ctx.t("Bukti tercatat di jejak audit", "Receipts from the audit trail")) }
        p { strong { (p.registration_no) } }
        p { (ctx.t(
            "Setiap peristiwa tentang pendaftaran Anda tercatat di jejak audit publik. Bukti (berkas .tlog-proof) berisi peristiwa itu, bukti Merkle bahwa ia ada di log, dan checkpoint yang ditandatangani platform dan disaksikan pihak independen. Siapa pun dapat memeriksanya tanpa internet dengan `pokmas audit verify-proof BERKAS --policy KEBIJAKAN`.",
            "Every event about your application is recorded in the public audit trail. A receipt (a .tlog-proof file) holds the event, the Merkle proof that it is in the log, and the checkpoint signed by the platform and witnessed by independent parties. Anyone can check it offline with `pokmas audit verify-proof FILE --policy POLICY`.",
        )) }
        p { a href="/log/policy.txt" { (ctx.t("Kebijakan (kunci log dan saksi)", "Policy (log and witness keys)")) } }
        @if p.rows.is_empty() {
            p { (ctx.t("Belum ada peristiwa tercatat.", "No events recorded yet.")) }
        } @else {
            ul.receipts {
                @for r in &p.rows {
                    li {
                        (action_label(ctx, &r.action)) " · #" (r.seq) " · " (r.at) " "
                        @if !r.covered {
                            em { (ctx.t("(tersedia setelah checkpoint berikutnya)", "(available after the next checkpoint)")) }
                        } @else {
                            @match &p.fetch {
                                Fetch::Link { base } => {
                                    a href={ (base) "/" (r.seq) } download { (ctx.t("Unduh bukti", "Download receipt")) }
                                }
                                Fetch::Form { number, pin } => {
                                    form.inline method="post" action="/cek-status/bukti" {
                                        input type="hidden" name="number" value=(number);
                                        input type="hidden" name="pin" value=(pin);
                                        input type="hidden" name="seq" value=(r.seq);
                                        button type="submit" { (ctx.t("Unduh bukti", "Download receipt")) }
                                    }
                                }
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
            title: ctx.t("Bukti tercatat", "Receipts").to_owned(),
            body,
        },
    )
}
