//! The panel analytics page of a round.

use maud::{Markup, html};

use super::{BASE, page, workspace_nav};
use crate::domain::analytics::RoundAnalytics;
use crate::domain::analytics::{FLAG_MIN_COMPARISONS, FLAG_THRESHOLD_PP, format_1dp};
use crate::views::charts::{self, Bar, ChartText};
use crate::views::layout::{PageCtx, urlencode};

#[expect(clippy::cast_precision_loss, reason = "counts of scores are small")]
fn count_f64(n: usize) -> f64 {
    n as f64
}

fn opt_1dp(r: Option<&crate::domain::analytics::Ratio>) -> String {
    r.map_or_else(|| "—".to_owned(), format_1dp)
}

/// The analytics of a round, one section per formation, with SVG charts.
pub fn analytics_page(ctx: &PageCtx, a: &RoundAnalytics) -> Markup {
    let body = html! {
        h1 { (ctx.t("Analitik panel", "Panel analytics")) ": " (a.round.name) }
        (workspace_nav(ctx))
        p { a href=(format!("/audit/seleksi/{}/tinjauan-panel", a.round.id)) { (ctx.t(
            "Tinjauan panel: keberpihakan kepada RT, kelurahan atau pendaftar yang berkonflik; α dan ICC per formasi",
            "Panel review: favouritism towards an RT, kelurahan or conflicted applicants; α and ICC per formation"
        )) } }
        div.notice {
            p { (ctx.t(
                "Angka ini menggambarkan panel; tidak ada nilai atau peringkat yang diubah karenanya. Nilai diubah ke skala 0–100 (poin persentase skala kriteria). Deviasi = nilai penilai dikurangi median nilai semua penilai untuk pendaftar dan kriteria yang sama. Sebaran = rata-rata selisih mutlak nilai penilai dari rata-ratanya sendiri. Kesepakatan = bagian pasangan nilai dua penilai (pendaftar dan kriteria sama) yang berselisih paling banyak satu langkah skala atau 10% skala.",
                "These figures describe the panel; no score or rank is changed because of them. Values are put on a 0–100 scale (percentage points of the criterion's scale). Deviation = the panelist's value minus the median of all panelists' values for the same applicant and criterion. Spread = the mean absolute difference of the panelist's values from their own mean. Agreement = the share of pairs of two panelists' values (same applicant and criterion) that differ by at most one scale step or 10% of the scale."
            )) }
            p { (ctx.t("Ditandai", "Flagged")) " ⚑: "
                (ctx.t("deviasi mutlak rata-rata", "mean absolute deviation")) " ≥ " (FLAG_THRESHOLD_PP) " "
                (ctx.t("poin dari sedikitnya", "points over at least")) " " (FLAG_MIN_COMPARISONS) " "
                (ctx.t("nilai yang dibandingkan. Tanda hanya untuk ditelaah auditor, tidak pernah mengoreksi apa pun.", "compared values. A flag is for the auditor to look into; it never corrects anything.")) }
        }
        @if a.formations.is_empty() {
            p.empty { (ctx.t("Seleksi ini belum memiliki formasi.", "This round has no formations yet.")) }
        }
        @for f in &a.formations {
            section.formation id=(format!("f-{}", f.formation.id)) {
                h2 { code { (f.formation.code) } " " (f.formation.name) }
                p {
                    (ctx.t("Kesepakatan panel", "Panel agreement")) ": "
                    @match f.agreement.rate() {
                        Some(r) => {
                            strong { (format_1dp(&(r * crate::domain::analytics::Ratio::from_integer(100.into())))) " %" }
                            " (" (f.agreement.agreeing) " / " (f.agreement.pairs) " " (ctx.t("pasangan", "pairs")) ")"
                        }
                        None => { (ctx.t("belum ada dua penilai yang menilai pendaftar yang sama", "no two panelists scored the same applicant yet")) }
                    }
                    " · " a href=(format!("{BASE}/formasi/{}/konflik", f.formation.id)) { (ctx.t("matriks konflik", "conflict matrix")) }
                }
                @if f.panelists.is_empty() {
                    p.empty { (ctx.t("Belum ada nilai yang dikirim.", "No scores submitted yet.")) }
                } @else {
                    table.analytics {
                        thead { tr {
                            th { (ctx.t("Penilai", "Panelist")) }
                            th.num { (ctx.t("Nilai", "Values")) }
                            th.num { (ctx.t("Deviasi rata-rata", "Mean deviation")) }
                            th.num { (ctx.t("Deviasi mutlak", "Mean abs. deviation")) }
                            th.num { (ctx.t("Sebaran", "Spread")) }
                            th.num { (ctx.t("Perubahan nilai", "Amendments")) }
                            th.num { (ctx.t("…yang mengubah keterpilihan", "…that changed selection")) }
                        } }
                        tbody {
                            @for p in &f.panelists {
                                tr.flagged[p.stats.flagged] {
                                    td {
                                        a href=(format!("{BASE}/penilai/{}", urlencode(&p.id))) { (if p.name.is_empty() { p.id.as_str() } else { p.name.as_str() }) }
                                        @if p.stats.flagged { " " strong.flag { "⚑ " (ctx.t("ditandai", "flagged")) } }
                                    }
                                    td.num { (p.stats.scored) " (" (p.stats.compared) ")" }
                                    td.num { (opt_1dp(p.stats.mean_deviation.as_ref())) }
                                    td.num { (opt_1dp(p.stats.mean_abs_deviation.as_ref())) }
                                    td.num { (opt_1dp(p.stats.spread.as_ref())) }
                                    td.num { (p.amendments.amendments) }
                                    td.num { (p.amendments.changed_selection) }
                                }
                            }
                        }
                    }
                    @let bars: Vec<Bar> = f.panelists.iter().map(|p| {
                        let text = opt_1dp(p.stats.mean_deviation.as_ref());
                        Bar {
                            label: if p.name.is_empty() { p.id.clone() } else { p.name.clone() },
                            value: text.parse().unwrap_or(0.0),
                            text,
                            marked: p.stats.flagged,
                        }
                    }).collect();
                    @let dev_id = format!("dev-{}", f.formation.id.simple());
                    @let dev_title = format!("{} — {}", ctx.t("Deviasi rata-rata per penilai (poin)", "Mean deviation per panelist (points)"), f.formation.code);
                    figure {
                        (charts::diverging(&ChartText {
                            id: &dev_id,
                            title: &dev_title,
                            desc: ctx.t("Batang ke kiri: lebih ketat dari median panel; ke kanan: lebih longgar. Batang berarsir: ditandai.", "Bars to the left: harsher than the panel median; to the right: more lenient. Hatched bars: flagged."),
                            mark: ctx.t("ditandai", "flagged"),
                        }, &bars))
                        figcaption { (dev_title) }
                    }
                }
                @for d in &f.distributions {
                    @let id = format!("dist-{}-{}", f.formation.id.simple(), d.code);
                    @let title = format!("{} {} ({})", ctx.t("Sebaran nilai", "Score distribution"), d.code, ctx.t(&d.name_id, &d.name_en));
                    @let bars: Vec<Bar> = d.bins.iter().map(|b| Bar {
                        label: b.label(),
                        value: count_f64(b.count),
                        text: b.count.to_string(),
                        marked: false,
                    }).collect();
                    figure {
                        (charts::columns(&ChartText {
                            id: &id,
                            title: &title,
                            desc: ctx.t("Jumlah nilai terakhir yang dikirim untuk setiap nilai skala.", "Number of latest submitted values for each point of the scale."),
                            mark: "",
                        }, &bars))
                        figcaption { (title) }
                    }
                }
            }
        }
    };
    page(ctx, ctx.t("Analitik panel", "Panel analytics"), body)
}
