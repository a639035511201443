//! The downloads section of a round's results page: the files anyone may
//! take without signing in, with how to check them beside the links.

use maud::{Markup, html};

use super::layout::PageCtx;

/// (file name, what it holds in Indonesian, in English).
const FILES: [(&str, &str, &str); 9] = [
    (
        "rankings.csv",
        "Peringkat per nomor pendaftaran: total pecahan pasti, lulus, peringkat, status (tanpa nama).",
        "Ranks by registration number: exact total, passed, rank, status (no names).",
    ),
    (
        "shortlists.csv",
        "Seleksi bertahap: daftar lolos setiap tahap per nomor pendaftaran (tanpa nama).",
        "Staged rounds: each stage's shortlist by registration number (no names).",
    ),
    (
        "stages.csv",
        "Seleksi bertahap: tahapan, aturan lolos, bobot akhir.",
        "Staged rounds: the stages, who goes on, final weights.",
    ),
    (
        "criteria.csv",
        "Kriteria: bobot, skala, nilai minimum, urutan penentu seri.",
        "Criteria: weight, scale, pass minimum, tie-break order.",
    ),
    (
        "formations.csv",
        "Formasi: wilayah RT, kursi dan cadangan.",
        "Formations: RT area, seats and reserve.",
    ),
    (
        "round.csv",
        "Aturan seleksi: agregasi, nilai lulus, benih undian.",
        "The round's rules: aggregation, passing total, lottery seed.",
    ),
    (
        "audit.csv",
        "Seluruh jejak audit berantai hash.",
        "The whole hash-chained audit trail.",
    ),
    (
        "checkpoint.txt",
        "Titik periksa terakhir yang ditandatangani.",
        "The latest signed checkpoint.",
    ),
    (
        "kunci.txt",
        "Kunci publik untuk memeriksa tanda tangan.",
        "The public key that checks the signature.",
    ),
];

/// Links to the public files of round `slug` and the commands that verify them.
pub fn section(ctx: &PageCtx, slug: &str) -> Markup {
    html! {
        section.downloads id="unduhan" {
            h2 { (ctx.t("Unduh data dan periksa sendiri", "Download the data and check it yourself")) }
            p { (ctx.t(
                "Berkas berikut tidak memuat data pribadi dan dapat diunduh siapa pun tanpa masuk.",
                "These files hold no personal data; anyone can download them without signing in."
            )) }
            ul {
                @for (name, id, en) in FILES {
                    li { a href=(format!("/seleksi/{slug}/unduh/{name}")) download=(name) { (name) } " — " (ctx.t(id, en)) }
                }
            }
            p { (ctx.t(
                "Simpan semua berkas dalam satu folder, lalu periksa bahwa jejak audit tidak berubah sejak titik periksa yang ditandatangani:",
                "Save every file in one folder, then check that the audit trail is unchanged since the signed checkpoint:"
            )) }
            pre { code { "pokmas audit verify audit.csv --checkpoint-file checkpoint.txt --public-key kunci.txt" } }
            p { (ctx.t(
                "Hasilnya harus «valid». Cara memeriksa tanpa perangkat lunak kami dijelaskan di halaman",
                "It must answer «valid». How to check without our software is described on the page"
            )) " " a href="/jejak-audit" { (ctx.t("Jejak audit", "Audit trail")) } "." }
        }
    }
}
