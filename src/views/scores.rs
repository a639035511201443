//! The applicant's own score breakdown ("Nilai Anda"), shown on the status
//! page and on `/cek-status` once results are published. One block per
//! criterion rather than a wide table, so it reads on a 360 px phone.

use maud::{Markup, html};

use super::layout::PageCtx;
use crate::domain::ranking::decimal_and_fraction;
use crate::domain::score_breakdown::ScoreView;

/// The breakdown section; `id="nilai"` so the objection form can link here.
pub fn section(ctx: &PageCtx, s: &ScoreView) -> Markup {
    let b = &s.breakdown;
    html! {
        section.scores id="nilai" {
            h2 { (ctx.t("Nilai Anda", "Your scores")) }
            p.muted { (ctx.t(
                "Penilai ditampilkan tanpa nama (Penilai A, B, C… dalam urutan yang sama untuk setiap kriteria). Penilai yang menyatakan konflik kepentingan tidak menilai dan tidak ditampilkan.",
                "Panelists are shown without names (Penilai A, B, C… in the same order for every criterion). A panelist who declared a conflict of interest did not score and is not shown."
            )) }
            @for line in &b.lines {
                div.score-criterion {
                    h3 { (line.code) " " (s.name(&line.code).pick(ctx.lang)) }
                    p.muted {
                        (ctx.t("Bobot", "Weight")) " " (line.weight) " · "
                        (ctx.t("skala", "scale")) " " (line.scale_min) "–" (line.scale_max)
                        @if let Some(min) = line.pass_min { " · " (ctx.t("nilai minimal", "minimum")) " " (min) }
                    }
                    ul.score-values {
                        @if line.imported {
                            li { (ctx.t("Nilai impor", "Imported value")) ": "
                                @match line.values.first().copied().flatten() { Some(v) => { strong { (v) } } None => { "–" } } }
                        } @else {
                            @for (letter, v) in b.panelists.iter().zip(&line.values) {
                                li { (ctx.t("Penilai", "Panelist")) " " (letter) ": "
                                    @match v { Some(v) => { strong { (v) } } None => { "–" } } }
                            }
                        }
                    }
                    @if let Some(a) = &line.aggregate {
                        p {
                            (ctx.t("Nilai gabungan", "Aggregate")) ": " (decimal_and_fraction(a))
                            @if let Some(n) = &line.normalized { " · " (ctx.t("nilai normal", "normalised")) " " (decimal_and_fraction(n)) }
                            @if let Some(c) = &line.contribution { " · " (ctx.t("sumbangan ke total", "share of the total")) " " (decimal_and_fraction(c)) }
                        }
                    }
                }
            }
            @match s.total() {
                Some((dp, exact)) => {
                    p.score-total { (ctx.t("Total", "Total")) ": " strong { (dp) } " " (ctx.t("(pecahan tepat", "(exact fraction")) " " code { (exact) } ")" }
                }
                None => { p { (ctx.t("Total: penilaian belum lengkap.", "Total: scoring is not complete.")) } }
            }
            p {
                (ctx.t("Total kelulusan", "Passing total")) ": "
                @match b.passing_total { Some(t) => { (t) } None => { (ctx.t("tidak ada", "none")) } }
                @match b.passed {
                    Some(true) => { " · " (ctx.t("lulus", "passed")) }
                    Some(false) => { " · " (ctx.t("tidak lulus", "did not pass")) }
                    None => {}
                }
            }
            @let ties = s.tie_lines();
            @if !ties.is_empty() {
                h3 { (ctx.t("Nilai sama (seri)", "Equal totals (ties)")) }
                ul.score-ties { @for t in &ties { li { (t.pick(ctx.lang)) } } }
            }
        }
    }
}
