//! `/log`: the signed checkpoints of the audit log, the consistency proof
//! between successive ones, and the witnesses' status.

use maud::{Markup, html};

use super::PageCtx;
use super::layout::{Page, layout};
use crate::domain::checkpoint::CheckpointLink;
use crate::domain::merkle::cosign::WitnessStatus;
use crate::domain::round::format_wita;

/// The page's view model.
pub struct LogPage {
    pub links: Vec<CheckpointLink>,
    pub witnesses: Vec<(String, WitnessStatus)>,
}

/// `GET /log`.
#[must_use]
pub fn page(ctx: &PageCtx, p: &LogPage) -> Markup {
    let body = html! {
        h1 { (ctx.t("Log Merkle jejak audit", "Merkle log of the audit trail")) }
        p { (ctx.t(
            "Setiap checkpoint menandatangani akar pohon Merkle atas semua peristiwa sampai ukurannya. Bukti konsistensi menunjukkan bahwa checkpoint memperluas checkpoint sebelumnya tanpa mengubah isinya.",
            "Each checkpoint signs the Merkle tree root over all events up to its size. A consistency proof shows that a checkpoint extends the one before without changing it.",
        )) }
        ul {
            li { a href="/log/checkpoint" { "checkpoint" } }
            li { a href="/log/policy.txt" { (ctx.t("Kebijakan verifikasi (kunci log dan saksi)", "Verification policy (log and witness keys)")) } }
        }
        h2 { (ctx.t("Saksi", "Witnesses")) }
        @if p.witnesses.is_empty() {
            p { (ctx.t("Belum ada saksi yang dikonfigurasi.", "No witnesses are configured.")) }
        } @else {
            ul {
                @for (name, s) in &p.witnesses {
                    li {
                        strong { (name) } ": "
                        @if let Some(at) = s.cosigned_at { (ctx.t("terakhir menyaksikan ", "last cosigned ")) (format_wita(at)) ", " }
                        (ctx.t("ukuran ", "size ")) (s.size)
                        @if let Some(e) = &s.last_error { " · " span.alert { (ctx.t("gagal: ", "failed: ")) (e) } }
                    }
                }
            }
        }
        h2 { (ctx.t("Checkpoint", "Checkpoints")) }
        @for l in &p.links {
            section {
                h3 { (ctx.t("Ukuran ", "Size ")) (l.size) " · " (l.reason) }
                p { (ctx.t("Akar: ", "Root: ")) code.wrap { (l.root) } }
                p { (ctx.t("Kosignatur saksi: ", "Witness cosignatures: ")) (l.cosignatures) }
                @if let Some((from, proof)) = &l.from_previous {
                    p { (ctx.t("Bukti konsistensi dari ukuran ", "Consistency proof from size ")) (from) ":" }
                    pre.wrap { @for h in proof { (h) "\n" } }
                }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Log Merkle", "Merkle log").to_owned(),
            body,
        },
    )
}
