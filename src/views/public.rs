//! Pages anyone can read without logging in.

use maud::{Markup, html};

use super::layout::{Page, PageCtx, layout};

/// A recruitment round as listed on the home page.
#[derive(Clone, Debug)]
pub struct RoundCard {
    pub name: String,
    pub year: i32,
    pub state: crate::domain::round::RoundState,
    /// The round's public page is `/seleksi/{slug}`.
    pub slug: String,
}

/// The home page's content.
#[derive(Clone, Debug)]
pub struct HomeView {
    pub rounds: Vec<RoundCard>,
    pub kecamatan_count: u64,
    pub kelurahan_count: u64,
}

/// The public home page: what the programme is, how selection works, the rounds.
pub fn home(ctx: &PageCtx, v: &HomeView) -> Markup {
    let body = html! {
        h1 { (ctx.t("Rekrutmen terbuka anggota Pokmas Probebaya", "Open recruitment of Probebaya Pokmas members")) }
        p.lead { (ctx.t(
            "Setiap RT di Kota Samarinda menerima dana Probebaya Rp100–300 juta per tahun. Dana itu dikelola dan diawasi oleh Kelompok Masyarakat (Pokmas). Anggota Pokmas dipilih secara terbuka melalui uji kelayakan dan kepatutan.",
            "Every RT (neighbourhood) in Samarinda receives Rp100–300 million of Probebaya funds a year, spent and overseen by a community group (Pokmas). Pokmas members are chosen openly through a fit & proper test."
        )) }
        p.notice {
            a href="/informasi" { (ctx.t("Informasi, SOP dan help desk kelurahan", "Information, SOPs and kelurahan help desks")) }
        }
        h2 { (ctx.t("Bagaimana seleksi berjalan", "How selection works")) }
        ol.steps {
            li { (ctx.t("Kriteria, bobot, persyaratan dan jumlah kursi diumumkan sebelum pendaftaran dibuka, lalu dikunci.", "Criteria, weights, requirements and seats are published before registration opens, then frozen.")) }
            li { (ctx.t("Warga mendaftar ke formasi Pokmas untuk RT tempat tinggalnya — sendiri lewat ponsel atau dibantu help desk kelurahan.", "Residents apply to the Pokmas formation of the RT they live in — on their phone, or helped by the kelurahan help desk.")) }
            li { (ctx.t("Petugas kelurahan memeriksa persyaratan administrasi (MS/TMS) dengan alasan tertulis.", "Kelurahan officers check the administrative requirements (eligible/ineligible) with written reasons.")) }
            li { (ctx.t("Tim penilai menilai secara mandiri setelah menyatakan bebas konflik kepentingan.", "The panel scores independently after declaring they have no conflict of interest.")) }
            li { (ctx.t("Aturan peringkat yang pasti dan terbuka menentukan urutan; hasil dapat disanggah.", "An exact, published ranking rule decides the order; results can be contested.")) }
            li { (ctx.t("Setiap perubahan tercatat dalam jejak audit berantai hash yang dapat diperiksa siapa pun.", "Every change is recorded in a hash-chained audit trail anyone can check.")) }
        }
        h2 { (ctx.t("Seleksi", "Rounds")) }
        @if v.rounds.is_empty() {
            div.empty {
                p { (ctx.t("Belum ada seleksi yang diumumkan.", "No recruitment round has been announced yet.")) }
                p.muted { (ctx.t(
                    "Jadwal pendaftaran akan tampil di sini begitu Pemerintah Kota mengumumkannya. Tanyakan juga ke help desk Probebaya di kantor kelurahan Anda.",
                    "Registration dates will appear here as soon as the city announces them. You can also ask at the Probebaya help desk in your kelurahan office."
                )) }
            }
        } @else {
            @for r in &v.rounds {
                div.card {
                    strong { a href=(format!("/seleksi/{}", r.slug)) { (r.name) } }
                    " "
                    span.muted { "(" (r.year) ")" }
                    br;
                    span { (super::round_state_label(ctx, r.state)) }
                    @if r.state.is_published() {
                        " · " a href=(format!("/seleksi/{}/hasil", r.slug)) { (ctx.t("Lihat hasil", "See the results")) }
                    }
                }
            }
        }
        h2 { (ctx.t("Wilayah", "Regions")) }
        p {
            (ctx.t("Terdaftar", "Registered")) ": "
            strong { (v.kecamatan_count) } " kecamatan, "
            strong { (v.kelurahan_count) } " kelurahan. "
            a href="/wilayah" { (ctx.t("Lihat daftar wilayah", "See the list of regions")) }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Beranda", "Home").into(),
            body,
        },
    )
}

/// One kecamatan with its kelurahan, for the regions page.
#[derive(Clone, Debug)]
pub struct KecamatanRow {
    pub code: String,
    pub name: String,
    pub kelurahan: Vec<KelurahanRow>,
}

/// One kelurahan on the regions page.
#[derive(Clone, Debug)]
pub struct KelurahanRow {
    pub code: String,
    pub name: String,
    pub rt_count: Option<i32>,
}

/// The regions page: every kecamatan and kelurahan with its official code.
pub fn regions(ctx: &PageCtx, rows: &[KecamatanRow]) -> Markup {
    let body = html! {
        h1 { (ctx.t("Wilayah Kota Samarinda", "Regions of Samarinda")) }
        p { (ctx.t(
            "Kode wilayah mengikuti Kepmendagri. Formasi Pokmas dibentuk per kelurahan atau per kelompok RT.",
            "Region codes follow the Ministry of Home Affairs. Pokmas formations are per kelurahan or per group of RTs."
        )) }
        @if rows.is_empty() {
            div.empty { p { (ctx.t("Data wilayah belum dimuat.", "No region data has been loaded yet.")) } }
        }
        @for k in rows {
            h2 { "Kecamatan " (k.name) " " span.muted { code { (k.code) } } }
            table {
                thead { tr {
                    th { (ctx.t("Kode", "Code")) }
                    th { "Kelurahan" }
                    th.num { (ctx.t("Jumlah RT", "RTs")) }
                } }
                tbody {
                    @for l in &k.kelurahan {
                        tr {
                            td { code { (l.code) } }
                            td { (l.name) }
                            td.num { @if let Some(n) = l.rt_count { (n) } @else { "–" } }
                        }
                    }
                }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Wilayah", "Regions").into(),
            body,
        },
    )
}

/// The public view of the audit chain's head.
#[derive(Clone, Debug)]
pub struct AuditHeadView {
    pub seq: i64,
    pub hash: String,
    pub at: Option<String>,
    /// The latest signed checkpoints, newest first.
    pub checkpoints: Vec<CheckpointRow>,
    /// The verifier key `NAME+KEYID+BASE64` that checks their signatures.
    pub public_key: String,
    /// The site's public address, for copy-paste commands.
    pub site: String,
}

/// One signed checkpoint on the public audit page.
#[derive(Clone, Debug)]
pub struct CheckpointRow {
    pub seq: i64,
    pub hash: String,
    /// `provisional`, `final` or `daily`.
    pub reason: String,
    /// When it was signed (UTC).
    pub at: String,
    /// The signed note, exactly as signed.
    pub note: String,
}

/// Why a checkpoint was signed, in words.
fn checkpoint_reason(ctx: &PageCtx, reason: &str) -> String {
    let (id, en) = match reason {
        "provisional" => ("Hasil sementara diumumkan", "Provisional results announced"),
        "final" => ("Hasil akhir ditetapkan", "Final results fixed"),
        "daily" => ("Harian", "Daily"),
        other => (other, other),
    };
    ctx.t(id, en).to_owned()
}

/// The public audit page: the current head and how to check the trail yourself.
pub fn audit_head(ctx: &PageCtx, v: &AuditHeadView) -> Markup {
    let body = html! {
        h1 { (ctx.t("Jejak audit", "Audit trail")) }
        p.lead { (ctx.t(
            "Singkatnya: semua yang dilakukan panitia, penilai dan admin tercatat di sini dan tidak dapat diubah diam-diam. Siapa pun dapat mengunduh catatan ini dari halaman hasil seleksi dan memeriksanya sendiri.",
            "In short: everything the committee, the panelists and the admins do is recorded here and cannot be changed unnoticed. Anyone can download this record from a round's results page and check it themselves."
        )) }
        p { (ctx.t(
            "Setiap perubahan data seleksi dicatat sebagai peristiwa bernomor urut. Setiap peristiwa memuat hash SHA-256 dari peristiwa sebelumnya, sehingga satu perubahan diam-diam akan memutus rantai dan terdeteksi.",
            "Every change to selection data is recorded as a numbered event. Each event carries the SHA-256 hash of the one before it, so a single silent change breaks the chain and is detected."
        )) }
        div.card {
            p { (ctx.t("Jumlah peristiwa", "Number of events")) ": " strong { (v.seq) } }
            p { (ctx.t("Hash terakhir", "Latest hash")) ": " br; code.hash { (v.hash) } }
            @if let Some(at) = &v.at { p.muted { (ctx.t("Dicatat", "Recorded")) " " (at) } }
        }
        h2 { (ctx.t("Memeriksa sendiri", "Check it yourself")) }
        p { (ctx.t(
            "Siapa pun dapat mengunduh jejak audit (audit.csv) dari halaman hasil seleksi lalu memeriksanya dengan perintah berikut. Hasil 0 berarti utuh; 1 menyebut baris pertama yang diubah; 2 berarti berkas rusak. Aturan hash dijelaskan lengkap di README proyek sehingga dapat diperiksa dengan program buatan sendiri.",
            "Anyone can download the audit trail (audit.csv) from a round's results page and check it with the command below. Exit 0 means intact; 1 names the first altered row; 2 means a malformed file. The README gives the full hash rule so you can check with a program of your own."
        )) }
        pre { code { "pokmas audit verify audit.csv --checkpoint " (v.seq) ":" (v.hash) } }
        h2 { (ctx.t("Checkpoint bertanda tangan", "Signed checkpoints")) }
        p { (ctx.t(
            "Saat hasil diumumkan, dan setiap hari bila ada kegiatan, server menandatangani kepala rantai (nomor urut dan hash) dengan kunci Ed25519 instalasi ini dalam format C2SP tlog-checkpoint. Simpan catatan dan kunci publiknya: jejak yang diekspor kemudian harus tetap memuat persis peristiwa itu.",
            "When results are announced, and daily when there was activity, the server signs the chain head (sequence number and hash) with this installation's Ed25519 key in the C2SP tlog-checkpoint format. Keep the note and the public key: any later export must still contain exactly that event."
        )) }
        p { (ctx.t("Kunci publik pemeriksa", "Public verifier key")) ": " br; code.hash { (v.public_key) } " "
            a href="/jejak-audit/kunci.txt" { "kunci.txt" } }
        @if v.checkpoints.is_empty() {
            p.muted { (ctx.t("Belum ada checkpoint yang ditandatangani.", "No checkpoint has been signed yet.")) }
        } @else {
            p { a href="/jejak-audit/checkpoint.txt" { (ctx.t("Unduh checkpoint terbaru (checkpoint.txt)", "Download the latest checkpoint (checkpoint.txt)")) } }
            pre { code {
                "curl -o checkpoint.txt " (v.site) "/jejak-audit/checkpoint.txt\n"
                "curl -o kunci.txt " (v.site) "/jejak-audit/kunci.txt\n"
                "pokmas audit verify audit.csv --checkpoint-file checkpoint.txt --public-key kunci.txt"
            } }
            @for c in &v.checkpoints {
                div.card {
                    p {
                        strong { (ctx.t("Peristiwa", "Event")) " " (c.seq) } " · " (checkpoint_reason(ctx, &c.reason)) " · " (c.at)
                    }
                    p { code.hash { (c.hash) } }
                    pre { code { (c.note) } }
                    pre { code { "pokmas audit verify audit.csv --checkpoint " (c.seq) ":" (c.hash) } }
                }
            }
        }
    };
    layout(
        ctx,
        Page {
            title: ctx.t("Jejak audit", "Audit trail").into(),
            body,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;

    fn ctx() -> PageCtx {
        PageCtx {
            lang: Lang::Id,
            path: "/".into(),
            signed_in: None,
            csrf: None,
        }
    }

    #[test]
    fn home_without_rounds_explains_what_to_expect() {
        let v = HomeView {
            rounds: vec![],
            kecamatan_count: 10,
            kelurahan_count: 59,
        };
        let html = home(&ctx(), &v).into_string();
        assert!(html.contains("Belum ada seleksi yang diumumkan."));
        assert!(html.contains("<strong>59</strong> kelurahan"));
    }

    #[test]
    fn round_names_are_escaped() {
        let v = HomeView {
            rounds: vec![RoundCard {
                name: "<b>x</b>".into(),
                year: 2026,
                state: "registration".parse().expect("state"),
                slug: "rekrutmen-2026".into(),
            }],
            kecamatan_count: 0,
            kelurahan_count: 0,
        };
        let html = home(&ctx(), &v).into_string();
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(html.contains("Pendaftaran dibuka"));
        assert!(html.contains(r#"href="/seleksi/rekrutmen-2026""#));
    }
}
