//! The public round page `/seleksi/{slug}`.

use maud::{Markup, html};
use time::OffsetDateTime;

use super::{
    criteria_table, kelurahan_of, requirements_list, rt_text, schedule_table, state_badge,
};
use crate::domain::round::{PublicRound, RoundDetail, Stage};
use crate::domain::round::{RoundState, WorkedExample, format_wita};
use crate::views::layout::{Page, PageCtx, layout};

/// `GET /seleksi/{slug}`: everything a resident needs to check the selection.
pub fn public_round(
    ctx: &PageCtx,
    p: &PublicRound,
    example: &WorkedExample,
    now: OffsetDateTime,
) -> Markup {
    let d = &p.detail;
    let r = &d.round;
    let schedule = r.schedule();
    let seats: i64 = d.formations.iter().map(|f| i64::from(f.model.seats)).sum();
    let mut tiebreaks: Vec<(i32, &str)> = d
        .criteria
        .iter()
        .filter_map(|c| Some((c.tiebreak_order?, c.code.as_str())))
        .collect();
    tiebreaks.sort_unstable();
    let short: Vec<_> = d
        .formations
        .iter()
        .filter(|f| {
            p.counts.by_formation.get(&f.model.id).copied().unwrap_or(0)
                < u64::try_from(f.model.seats).unwrap_or(0)
        })
        .collect();
    let mut kecamatan: Vec<(String, String)> = d
        .formations
        .iter()
        .map(|f| (f.kecamatan_code.clone(), f.kecamatan_name.clone()))
        .collect();
    kecamatan.dedup();
    kecamatan.sort();
    kecamatan.dedup();
    let desc = ctx.t(&r.description_id, &r.description_en);
    let body = html! {
        h1 { (r.name) }
        p.sub { (ctx.msg(&r.programme().selection_title())) }
        p { (ctx.t("Status", "State")) ": " strong { (state_badge(ctx, r.state)) } }
        p { (ctx.t("Aturan domisili", "Domicile rule")) ": " (ctx.msg(&r.domicile_rule().label())) "." }
        @if r.state.is_published() {
            p.notice { a href=(format!("/seleksi/{}/hasil", r.slug)) { (ctx.t("Lihat hasil seleksi dan pengumuman", "See the results and the announcement")) } }
        }
        @if !desc.is_empty() { p.lead { (desc) } }
        (crate::views::stages::public_section(ctx, r.final_rule.as_deref(), &d.stages, &p.shortlists))
        @if r.state == RoundState::Registration && schedule.registration_opens_at.is_some_and(|o| now >= o) && schedule.registration_closes_at.is_some_and(|c| now < c) {
            div.notice { (ctx.t("Pendaftaran sedang dibuka.", "Registration is open.")) }
            p { a.button href=(format!("/seleksi/{}/daftar", r.slug)) { (ctx.t("Daftar", "Apply")) } }
        }
        p.info-links {
            a href="/informasi" { (ctx.t("Informasi, SOP dan help desk", "Information, SOPs and help desks")) }
            " · " a href=(format!("/informasi/feed.atom?seleksi={}", r.slug)) { (ctx.t("Pengumuman (Atom)", "Announcements (Atom)")) }
            " · " a href=(format!("/seleksi/{}/statistik", r.slug)) { (ctx.t("Statistik terbuka", "Open statistics")) }
        }

        h2 { (ctx.t("Jadwal", "Schedule")) }
        (schedule_table(ctx, d))

        h2 { (ctx.t("Persyaratan", "Requirements")) }
        (requirements_list(ctx, d))

        h2 { (ctx.t("Kriteria penilaian dan bobot", "Scoring criteria and weights")) }
        (weights_tables(ctx, d))
        (criteria_table(ctx, d))

        h2 { (ctx.t("Cara menghitung nilai dan peringkat", "How scores and ranks are computed")) }
        ol.steps {
            li { (ctx.t(
                "Untuk setiap kriteria yang dinilai tim, nilai m dihitung dari nilai terakhir yang diserahkan setiap penilai yang tidak memiliki konflik kepentingan",
                "For each panel criterion, m is computed from the latest submitted value of every panelist without a conflict of interest"
            ))
                @if r.aggregation == "trimmed_mean" { (ctx.t(
                    ": rata-rata, setelah membuang satu nilai tertinggi dan satu terendah bila ada 5 penilai atau lebih.",
                    ": the mean, after dropping one highest and one lowest value when there are 5 or more panelists."
                )) } @else { (ctx.t(": rata-rata semua nilai.", ": the mean of all values.")) }
                " " (ctx.t("Untuk kriteria impor (mis. tes tertulis), m adalah nilai yang diimpor.", "For an imported criterion (e.g. a written test), m is the imported value."))
                " " (ctx.t("Pendaftar baru dinilai lengkap bila sedikitnya", "An application is complete once at least")) " " strong { (r.min_panelists) } " " (ctx.t("penilai sudah menyerahkan nilai.", "panelists have submitted."))
            }
            li { (ctx.t(
                "Nilai dinormalkan: n = (m − skala terendah) ÷ (skala tertinggi − skala terendah), sehingga 0 ≤ n ≤ 1.",
                "Each value is normalised: n = (m − scale min) ÷ (scale max − scale min), so 0 ≤ n ≤ 1."
            )) }
            li { @if d.stages.is_empty() { (ctx.t(
                "Nilai total = jumlah (bobot × n) untuk semua kriteria, antara 0 dan 100. Semua hitungan memakai pecahan tepat; total ditampilkan dibulatkan dua desimal.",
                "Total = the sum of (weight × n) over all criteria, between 0 and 100. All arithmetic uses exact fractions; totals are shown rounded to two decimals."
            )) } @else { (ctx.t(
                "Nilai total setiap tahap = jumlah (bobot × n) untuk kriteria tahap itu, antara 0 dan 100. Semua hitungan memakai pecahan tepat; total ditampilkan dibulatkan dua desimal.",
                "Each stage's total = the sum of (weight × n) over that stage's criteria, between 0 and 100. All arithmetic uses exact fractions; totals are shown rounded to two decimals."
            )) } }
            li {
                (ctx.t("Lulus bila", "An applicant passes when"))
                @let mins: Vec<String> = d.criteria.iter().filter_map(|c| c.pass_min.map(|p| format!("m {} ≥ {p}", c.code))).collect();
                @if mins.is_empty() && r.passing_total.is_none() { " " (ctx.t("lengkap dinilai (tidak ada nilai minimum).", "fully scored (there is no minimum).")) }
                @else {
                    " " (mins.join(", "))
                    @if let Some(t) = r.passing_total { @if !mins.is_empty() { (ctx.t(" dan", " and")) } " total ≥ " (t) }
                    "."
                }
            }
            li {
                (ctx.t("Peringkat disusun per formasi: yang lulus diurutkan menurut total dari yang terbesar; bila sama, menurut n kriteria penentu seri", "Ranking is per formation: passing applicants by total, highest first; on a tie, by n of the tie-break criteria"))
                " " @if tiebreaks.is_empty() { "(" (ctx.t("tidak ada", "none")) ")" }
                @else { (tiebreaks.iter().map(|(_, code)| *code).collect::<Vec<_>>().join(" → ")) }
                " " (ctx.t(
                    "(masing-masing dari yang terbesar); bila masih sama, undian menentukan: undian yang tidak dapat diatur siapa pun, termasuk admin, dan dapat dihitung ulang oleh siapa saja.",
                    "(each highest first); if still equal, a lottery decides: one nobody can steer, admins included, and anyone can recompute."
                ))
                // The plain sentence above is for residents; the exact rule
                // follows for whoever wants to check it.
                " " span.muted { (ctx.t(
                    "Secara teknis: kunci undian sha256(seed + \":\" + nomor pendaftaran), dari yang terkecil. Seed ditetapkan dengan komit–ungkap (saksi menyerahkan sidik rahasia lebih dulu, lalu membuka rahasianya) setelah pendaftaran ditutup, dan diumumkan.",
                    "Technically: the lottery key sha256(seed + \":\" + registration number), smallest first. The seed is fixed by commit–reveal (witnesses hand in a fingerprint of a secret first, then reveal the secret) after registration closes, and published."
                )) }
                " " a href=(format!("/seleksi/{}/undian", r.slug)) { (ctx.t("Saksi, komitmen, seed dan cara menghitungnya", "Witnesses, commitments, seed and how to recompute them")) }
            }
            li { (ctx.t(
                "Peringkat 1 sampai jumlah kursi terpilih; berikutnya sebanyak jumlah cadangan menjadi cadangan; sisanya tidak terpilih. Yang tidak lulus tidak diberi peringkat.",
                "Ranks 1 up to the number of seats are selected; the next ones, as many as the reserve places, are reserve; the rest are not selected. Applicants who do not pass get no rank."
            )) }
            li #nama-diumumkan {
                @if r.publish_all_names { (ctx.t(
                    "Pengumuman hasil menyebut nama semua pendaftar yang diperingkat (aturan seleksi ini).",
                    "The results name every ranked applicant (a rule of this round)."
                )) } @else { (ctx.t(
                    "Pengumuman hasil hanya menyebut nama pendaftar terpilih dan cadangan; yang lain tampil dengan nomor pendaftaran saja.",
                    "The results name only the selected and the reserve applicants; the others appear by registration number only."
                )) }
            }
        }
        h3 { (ctx.t("Contoh dengan dua pendaftar", "Worked example with two applicants")) }
        p.muted { (ctx.t("Pendaftar A dan B (rekaan) di formasi yang sama; m adalah nilai setelah digabungkan.", "Made-up applicants A and B in the same formation; m is the combined value."))
            @if let Some(s) = d.stages.last() { " " (ctx.t("Contoh ini memakai kriteria tahap terakhir", "This example uses the criteria of the last stage")) " (" code { (s.code) } ")." } }
        (crate::views::scroll::hint(ctx))
        div.scroll tabindex="0" role="region" aria-label=(ctx.t("Tabel contoh perhitungan", "Worked example table")) { table {
            thead { tr { th { (ctx.t("Kriteria", "Criterion")) } th.num { (ctx.t("Bobot", "Weight")) } th.num { "m A" } th.num { (ctx.t("bobot × n A", "weight × n A")) } th.num { "m B" } th.num { (ctx.t("bobot × n B", "weight × n B")) } } }
            tbody {
                @for l in &example.lines {
                    tr {
                        td { code { (l.code) } " (" (l.scale_min) "–" (l.scale_max) ")" }
                        td.num { (l.weight) }
                        td.num { (l.values[0]) } td.num { (l.weight) " × " (l.values[0] - l.scale_min) "/" (l.scale_max - l.scale_min) " = " (l.points_2dp[0]) }
                        td.num { (l.values[1]) } td.num { (l.weight) " × " (l.values[1] - l.scale_min) "/" (l.scale_max - l.scale_min) " = " (l.points_2dp[1]) }
                    }
                }
                tr { th { (ctx.t("Total", "Total")) } th { } th { } th.num { (example.totals_2dp[0]) " (" (example.totals[0]) ")" } th { } th.num { (example.totals_2dp[1]) " (" (example.totals[1]) ")" } }
            }
        } }
        p {
            @match example.first {
                Some(0) => { (ctx.t("A di atas B karena totalnya lebih besar (bila keduanya lulus).", "A ranks above B because its total is higher (if both pass).")) }
                Some(_) => { (ctx.t("B di atas A karena totalnya lebih besar (bila keduanya lulus).", "B ranks above A because its total is higher (if both pass).")) }
                None => { (ctx.t("Total sama; kriteria penentu seri lalu kunci undian menentukan urutan.", "The totals are equal; the tie-break criteria, then the lottery key, decide.")) }
            }
            " " (ctx.t("Bila total sama persis, yang n-nya lebih besar pada kriteria penentu seri pertama didahulukan, dan seterusnya.", "Had the totals been exactly equal, the one with the higher n on the first tie-break criterion would come first, and so on."))
        }

        h2 { (ctx.t("Formasi dan kursi", "Formations and seats")) }
        p { (ctx.t("Jumlah formasi", "Formations")) ": " strong { (d.formations.len()) } " · " (ctx.t("kursi", "seats")) ": " strong { (seats) } " · " (ctx.t("pendaftar", "applications")) ": " strong { (p.counts.total) } }
        (crate::views::scroll::hint(ctx))
        div.scroll tabindex="0" role="region" aria-label=(ctx.t("Tabel formasi dan kursi", "Formations and seats table")) { table {
            thead { tr { th { (ctx.t("Formasi", "Formation")) } th { (ctx.t("Wilayah", "Area")) } th.num { (ctx.t("Kursi", "Seats")) } th.num { (ctx.t("Cadangan", "Reserve")) } th.num { (ctx.t("Pendaftar", "Applicants")) } } }
            tbody {
                @for f in &d.formations {
                    tr {
                        td { (f.model.name) br; code { (f.model.code) } }
                        td { "Kel. " (f.kelurahan_name) ", Kec. " (f.kecamatan_name) br; span.muted { (rt_text(ctx, f.model.all_rts, &f.rts)) } }
                        td.num { (f.model.seats) } td.num { (f.model.reserve) }
                        td.num { (p.counts.by_formation.get(&f.model.id).copied().unwrap_or(0)) }
                    }
                }
            }
        } }
        h3 { (ctx.t("Formasi dengan pendaftar lebih sedikit dari kursi", "Formations with fewer applicants than seats")) }
        @if short.is_empty() { p { (ctx.t("Tidak ada.", "None.")) } }
        @else { ul { @for f in &short {
            li { (f.model.name) ": " (p.counts.by_formation.get(&f.model.id).copied().unwrap_or(0)) " / " (f.model.seats) " " (ctx.t("kursi", "seats")) }
        } } }
        h3 { (ctx.t("Pendaftar per kecamatan dan kelurahan", "Applications per kecamatan and kelurahan")) }
        table {
            thead { tr { th { "Kecamatan / Kelurahan" } th.num { (ctx.t("Pendaftar", "Applications")) } } }
            tbody {
                @for (kc, kn) in &kecamatan {
                    tr { th { "Kec. " (kn) } th.num { (p.counts.by_kecamatan.get(kc).copied().unwrap_or(0)) } }
                    @for (lc, ln) in &kelurahan_of(d, kc) {
                        tr { td { "Kel. " (ln) } td.num { (p.counts.by_kelurahan.get(lc).copied().unwrap_or(0)) } }
                    }
                }
            }
        }

        h2 { (ctx.t("Sidik jari aturan", "Fingerprint of the rules")) }
        @if let Some(h) = &r.frozen_hash {
            p { (ctx.t(
                "Kriteria, bobot, persyaratan, formasi, kursi dan aturan peringkat di atas dikunci saat pendaftaran dibuka. SHA-256 dari bentuk kanoniknya:",
                "The criteria, weights, requirements, formations, seats and ranking rules above were frozen when registration opened. SHA-256 of their canonical form:"
            )) }
            p { code.hash { (h) } }
            @if let Some(at) = r.frozen_at { p.muted { (ctx.t("Dikunci", "Frozen")) " " (format_wita(at)) } }
            p.muted { (ctx.t(
                "Peristiwa «round.registration_opened» di jejak audit memuat objek aturan lengkap (payload.frozen) dan hash ini; hash = sha256 dari teks JSON kanonik RFC 8785 objek tersebut.",
                "The «round.registration_opened» event in the audit trail carries the whole rules object (payload.frozen) and this hash; hash = sha256 of that object's RFC 8785 canonical JSON text."
            )) " " a href="/jejak-audit" { (ctx.t("Jejak audit", "Audit trail")) } }
        }
    };
    layout(
        ctx,
        Page {
            title: r.name.clone(),
            body,
        },
    )
}

/// The criteria and weights: one table for a one-stage round; for a staged
/// round one per stage, each with its own total (the weights sum to 100
/// within a stage, so one table over every stage would add up to a
/// meaningless 100 × stages).
fn weights_tables(ctx: &PageCtx, d: &RoundDetail) -> Markup {
    let groups: Vec<(Option<&Stage>, Vec<_>)> = if d.stages.is_empty() {
        vec![(None, d.criteria.iter().collect())]
    } else {
        let mut groups: Vec<(Option<&Stage>, Vec<_>)> = d
            .stages
            .iter()
            .map(|s| {
                let of_stage = d
                    .criteria
                    .iter()
                    .filter(|c| c.stage_code.as_deref() == Some(s.code.as_str()))
                    .collect();
                (Some(s), of_stage)
            })
            .collect();
        // A draft may still hold criteria of no (or an unknown) stage.
        let stray: Vec<_> = d
            .criteria
            .iter()
            .filter(|c| {
                !d.stages
                    .iter()
                    .any(|s| c.stage_code.as_deref() == Some(s.code.as_str()))
            })
            .collect();
        if !stray.is_empty() {
            groups.push((None, stray));
        }
        groups
    };
    html! {
        @for (stage, criteria) in &groups {
            @if let Some(s) = stage {
                h3 { (ctx.t("Tahap", "Stage")) " " (s.position) ": " (ctx.t(&s.name_id, &s.name_en)) " (" code { (s.code) } ")" }
            } @else if !d.stages.is_empty() {
                h3 { (ctx.t("Kriteria tanpa tahap", "Criteria without a stage")) }
            }
            @let label = match stage {
                Some(s) => format!("{} {}", ctx.t("Tabel kriteria dan bobot tahap", "Criteria and weights table of stage"), s.code),
                None => ctx.t("Tabel kriteria dan bobot", "Criteria and weights table").to_owned(),
            };
            (crate::views::scroll::hint(ctx))
            div.scroll tabindex="0" role="region" aria-label=(label) { table {
                thead { tr { th { (ctx.t("Kode", "Code")) } th { (ctx.t("Kriteria", "Criterion")) } th.num { (ctx.t("Bobot", "Weight")) } th { (ctx.t("Skala", "Scale")) } } }
                tbody {
                    @for c in criteria {
                        tr { td { code { (c.code) } } td { (ctx.t(&c.name_id, &c.name_en)) } td.num { (c.weight) } td { (c.scale_min) "–" (c.scale_max) } }
                    }
                    tr { th { } th { (ctx.t("Jumlah", "Total")) } th.num { (criteria.iter().map(|c| i64::from(c.weight)).sum::<i64>()) } th { } }
                }
            } }
        }
    }
}
