//! The auditor's export pages: the rounds, and one round's files with the
//! commands that check them offline.

use maud::{Markup, html};

use super::layout::{Page, PageCtx, layout};

/// A round on the exports index.
#[derive(Clone, Debug)]
pub struct ExportRound {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub state: crate::domain::round::RoundState,
}

/// `/audit/ekspor`: the rounds whose files can be downloaded.
pub fn rounds_page(ctx: &PageCtx, rounds: &[ExportRound]) -> Markup {
    let body = html! {
        h1 { (ctx.t("Ekspor untuk auditor", "Exports for auditors")) }
        p { (ctx.t(
            "Unduh berkas CSV suatu seleksi untuk memeriksa jejak audit dan menghitung ulang peringkat tanpa mempercayai server. Setiap unduhan dicatat dalam jejak audit.",
            "Download a round's CSV files to check the audit trail and re-derive the ranks without trusting the server. Every download is recorded in the audit trail."
        )) }
        @if rounds.is_empty() {
            div.empty { p { (ctx.t("Belum ada seleksi yang diumumkan.", "No round has been announced yet.")) } }
        } @else {
            table {
                thead { tr {
                    th { (ctx.t("Seleksi", "Round")) }
                    th { (ctx.t("Tahap", "State")) }
                } }
                tbody {
                    @for r in rounds {
                        tr {
                            td { a href=(format!("/audit/ekspor/{}", r.id)) { (r.name) } br; code.muted { (r.slug) } }
                            td { (super::round_state_label(ctx, r.state)) }
                        }
                    }
                }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Ekspor auditor", "Auditor exports").into(),
            body,
        },
    )
}

/// One downloadable file.
#[derive(Clone, Debug)]
pub struct ExportLink {
    pub file_name: String,
    pub key: String,
    pub about: String,
}

/// `/audit/ekspor/{id}`: one round's files.
#[derive(Clone, Debug)]
pub struct RoundExportsView {
    pub round: ExportRound,
    pub files: Vec<ExportLink>,
}

/// The files of one round, each a download, and how to check them.
pub fn round_page(ctx: &PageCtx, v: &RoundExportsView) -> Markup {
    let r = &v.round;
    let body = html! {
        p { a href="/audit/ekspor" { "← " (ctx.t("Semua seleksi", "All rounds")) } }
        h1 { (r.name) }
        p.muted { (ctx.t("Tahap", "State")) ": " (super::round_state_label(ctx, r.state)) }
        table {
            thead { tr {
                th { (ctx.t("Berkas", "File")) }
                th { (ctx.t("Isi", "Contents")) }
            } }
            tbody {
                @for f in &v.files {
                    tr {
                        td { a href=(format!("/audit/ekspor/{}/{}", r.id, f.key)) download=(f.file_name) { (f.file_name) } }
                        td { (f.about) }
                    }
                }
            }
        }
        p { (ctx.t(
            "Kolom setiap berkas dijelaskan di README bagian «Auditing offline». Simpan semua berkas dalam satu folder, lalu jalankan:",
            "Every file's columns are described in the README section “Auditing offline”. Save all files in one folder, then run:"
        )) }
        pre { code {
            "pokmas audit verify audit.csv --checkpoint-file checkpoint.txt --public-key kunci.txt\n"
            "pokmas audit recompute .\n"
        } }
        p { (ctx.t("Catatan checkpoint dan kunci publik ada di", "The checkpoint note and the public key are at")) " "
            a href="/jejak-audit" { "/jejak-audit" } "." }
        p { (ctx.t("Dengan baris perintah di server:", "From the command line on the server:")) }
        pre { code { "pokmas export all --round " (r.slug) " --out ekspor-" (r.slug) } }
    };
    layout(
        ctx,
        Page {
            title: format!("{} · {}", ctx.t("Ekspor", "Exports"), r.name),
            body,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;

    #[test]
    fn round_names_are_escaped_and_every_file_is_a_download() {
        let ctx = PageCtx {
            lang: Lang::Id,
            path: "/audit/ekspor/x".into(),
            signed_in: None,
            csrf: None,
        };
        let v = RoundExportsView {
            round: ExportRound {
                id: "r1".into(),
                name: "<script>".into(),
                slug: "s".into(),
                state: "final".parse().expect("state"),
            },
            files: vec![ExportLink {
                file_name: "rankings.csv".into(),
                key: "rankings".into(),
                about: "x".into(),
            }],
        };
        let html = round_page(&ctx, &v).into_string();
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains(r#"href="/audit/ekspor/r1/rankings" download="rankings.csv""#));
    }
}
