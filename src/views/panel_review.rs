//! The panel review as people see it: the reliability section of a
//! formation's public results (panelists anonymised: only counts) and the
//! second-look notice on the admin dashboard.

use maud::{Markup, html};

use super::layout::{Page, PageCtx};
use crate::domain::analytics::format_1dp;
use crate::domain::group_bias::Group;
use crate::domain::panel_review::{
    FormationFigures, MIN_REASON_CHARS, RoundReview, SecondLookStatus,
};
use crate::domain::reliability::{AlphaReading, Icc, IccReading, to_f64};

/// A criterion's names, by code.
pub struct CriterionName<'a> {
    pub code: &'a str,
    pub name_id: &'a str,
    pub name_en: &'a str,
}

fn alpha_word(ctx: &PageCtx, r: AlphaReading) -> &'static str {
    match r {
        AlphaReading::Reliable => ctx.t("andal", "reliable"),
        AlphaReading::Tentative => ctx.t("cukup (sementara)", "tentative"),
        AlphaReading::Unreliable => ctx.t("kurang andal", "unreliable"),
    }
}

fn icc_word(ctx: &PageCtx, r: IccReading) -> &'static str {
    match r {
        IccReading::Poor => ctx.t("lemah", "poor"),
        IccReading::Moderate => ctx.t("sedang", "moderate"),
        IccReading::Good => ctx.t("baik", "good"),
        IccReading::Excellent => ctx.t("sangat baik", "excellent"),
    }
}

fn icc_cell(ctx: &PageCtx, i: &Icc) -> Markup {
    html! {
        (format!("{:.2}", i.value))
        @if i.lower.is_finite() && i.upper.is_finite() {
            " [" (format!("{:.2}", i.lower)) "–" (format!("{:.2}", i.upper)) "]"
        }
        " " span.muted { (icc_word(ctx, i.reading())) }
    }
}

/// The "Panel reliability" section of a formation's public results page.
#[must_use]
pub fn public_section(ctx: &PageCtx, f: &FormationFigures, names: &[CriterionName<'_>]) -> Markup {
    let concerns = f.concerns();
    html! {
        section.panel-review id="keandalan-panel" {
            h2 { (ctx.t("Keandalan panel penilai", "Panel reliability")) }
            p {
                @if f.panelists.is_empty() {
                    (ctx.t("Belum ada nilai yang dapat dibandingkan.", "No values to compare yet."))
                } @else if !concerns.any() {
                    (ctx.t(
                        "Para penilai formasi ini memberi nilai yang cukup seragam, dan tidak ada penilai yang terlihat memihak kelompok pendaftar tertentu.",
                        "The panelists of this formation scored consistently enough, and none appears to favour a group of applicants."
                    ))
                } @else {
                    @if concerns.unreliable {
                        (ctx.t(
                            "Para penilai formasi ini sering berbeda pendapat tentang pendaftar yang sama (α di bawah 0,667). ",
                            "The panelists of this formation often disagreed about the same applicant (α below .667). "
                        ))
                    }
                    @if concerns.flagged_members > 0 {
                        (concerns.flagged_members) " " (ctx.t("dari", "of")) " " (f.panelists.len()) " "
                        (ctx.t(
                            "penilai ditandai karena memberi nilai yang jauh lebih tinggi kepada satu kelompok pendaftar (misalnya satu RT) dibanding rekan-rekannya. ",
                            "panelists are flagged for scoring one group of applicants (such as one RT) much higher than their colleagues did. "
                        ))
                    }
                    (ctx.t(
                        "Formasi seperti ini hanya dapat diumumkan setelah ditinjau admin kedua. Tanda ini adalah pertanyaan bagi pemeriksa, bukan koreksi: tidak ada nilai yang diubah.",
                        "Such a formation can only be published after a second admin's review. A flag is a question for inspectors, not a correction: no score was changed."
                    ))
                }
            }
            @if !f.panelists.is_empty() {
                p {
                    (ctx.t("Penilai", "Panelists")) ": " (f.panelists.len())
                    " · " (ctx.t("ditandai", "flagged")) ": " strong { (f.flagged.len()) }
                }
                (super::scroll::hint(ctx))
                div.scroll tabindex="0" role="region" aria-label=(ctx.t("Tabel keandalan panel", "Panel reliability table")) {
                    table.reliability {
                        thead { tr {
                            th scope="col" { (ctx.t("Kriteria", "Criterion")) }
                            th scope="col" { "α " (ctx.t("(ordinal)", "(ordinal)")) }
                            th scope="col" { "ICC(2,1) [95%]" }
                            th scope="col" { "ICC(2,k) [95%]" }
                            th scope="col" { (ctx.t("Pendaftar", "Applicants")) }
                        } }
                        tbody {
                            @for c in &f.criteria {
                                tr {
                                    th scope="row" {
                                        @match names.iter().find(|n| n.code == c.criterion) {
                                            Some(n) => { (ctx.t(n.name_id, n.name_en)) }
                                            None => { (c.criterion) }
                                        }
                                    }
                                    td {
                                        @match &c.alpha {
                                            Some(a) => {
                                                (format!("{:.3}", to_f64(a))) " "
                                                span.muted { (alpha_word(ctx, AlphaReading::of(a))) }
                                            }
                                            None => { "—" }
                                        }
                                    }
                                    td { @match &c.icc { Some(i) => { (icc_cell(ctx, &i.single)) } None => { "—" } } }
                                    td { @match &c.icc { Some(i) => { (icc_cell(ctx, &i.average)) } None => { "—" } } }
                                    td { (c.pairable) }
                                }
                            }
                        }
                    }
                }
                p.muted { (ctx.t(
                    "α ≥ 0,800 andal; 0,667–0,800 cukup untuk kesimpulan sementara. ICC(2,1) mengukur kesepakatan satu penilai, ICC(2,k) rata-rata seluruh panel: < 0,5 lemah, 0,5–0,75 sedang, 0,75–0,9 baik, > 0,9 sangat baik.",
                    "α ≥ .800 reliable; .667–.800 tentative. ICC(2,1) measures the agreement of one panelist, ICC(2,k) that of the panel's mean: < .5 poor, .5–.75 moderate, .75–.9 good, > .9 excellent."
                )) }
            }
        }
    }
}

/// The second-look notice of the admin dashboard, with the request and
/// decision forms.
#[must_use]
pub fn dashboard_section(ctx: &PageCtx, s: &SecondLookStatus) -> Markup {
    let base = format!("/admin/seleksi/{}/tinjauan-kedua", s.round_id);
    html! {
        @if s.before_publication && !s.marked.is_empty() {
            section.second-look id="tinjauan-kedua" {
                h2 { (ctx.t("Perlu tinjauan admin kedua sebelum diumumkan", "Needs a second admin's look before publication")) }
                ul {
                    @for m in &s.marked {
                        li {
                            (m.code) " — " (m.name) ": "
                            @if m.concerns.unreliable {
                                (ctx.t("keandalan panel rendah (α < 0,667)", "low panel reliability (α < .667)"))
                                @if m.concerns.flagged_members > 0 { "; " }
                            }
                            @if m.concerns.flagged_members > 0 {
                                (m.concerns.flagged_members) " " (ctx.t("penilai ditandai memihak kelompok", "panelist(s) flagged for favouring a group"))
                            }
                        }
                    }
                }
                p { a href=(format!("/audit/seleksi/{}/tinjauan-panel", s.round_id)) { (ctx.t("Lihat tinjauan panel", "See the panel review")) } }
                @match &s.pending {
                    None => {
                        form method="post" action=(format!("{base}/minta")) {
                            @if let Some(t) = &ctx.csrf { input type="hidden" name="csrf" value=(t); }
                            label for="reason-request" { (ctx.t("Alasan meminta pengumuman", "Why you ask to publish")) }
                            textarea id="reason-request" name="reason" required minlength="5" {}
                            button type="submit" { (ctx.t("Minta admin kedua meninjau dan mengumumkan", "Ask a second admin to review and publish")) }
                        }
                    }
                    Some((a, name)) => {
                        p { (ctx.t("Diminta oleh", "Requested by")) " " strong { (name) } ": " bdi { (a.reason) } }
                        form method="post" action=(format!("{base}/putus")) {
                            @if let Some(t) = &ctx.csrf { input type="hidden" name="csrf" value=(t); }
                            label for="reason-decide" {
                                (ctx.t("Alasan tertulis Anda setelah meninjau panel", "Your written reason after reviewing the panel"))
                                " (" (ctx.t("minimal", "at least")) " " (MIN_REASON_CHARS) " " (ctx.t("karakter", "characters")) ")"
                            }
                            textarea id="reason-decide" name="reason" required minlength=(MIN_REASON_CHARS) {}
                            button type="submit" name="decision" value="approve" { (ctx.t("Umumkan hasil sementara", "Publish the provisional results")) }
                            " "
                            button type="submit" name="decision" value="reject" { (ctx.t("Tolak", "Refuse")) }
                        }
                    }
                }
            }
        }
    }
}

fn group_label(ctx: &PageCtx, g: &Group) -> String {
    match g {
        Group::Rt { kelurahan, rt } => format!("RT {rt:03} · Kel. {kelurahan}"),
        Group::Kelurahan(k) => format!("Kel. {k}"),
        Group::FlaggedConflict => ctx
            .t(
                "pendaftar yang ditandai sistem sebagai kemungkinan konflik",
                "applicants the system flagged as a possible conflict",
            )
            .to_owned(),
        Group::SameRtDeclaredNone => ctx
            .t(
                "pendaftar se-RT yang dinyatakan tanpa konflik",
                "same-RT applicants declared without conflict",
            )
            .to_owned(),
    }
}

/// The auditors' page of a round's panel review: reliability per formation
/// and criterion, and each panelist's groups (flagged ones first).
#[must_use]
pub fn audit_page(ctx: &PageCtx, r: &RoundReview) -> Page {
    let names: Vec<CriterionName<'_>> = r
        .criteria
        .iter()
        .map(|(code, name_id, name_en)| CriterionName {
            code,
            name_id,
            name_en,
        })
        .collect();
    let mut panelists: Vec<_> = r.review.panelists.iter().collect();
    panelists.sort_by_key(|p| (!p.flagged(), r.names.get(&p.panelist).cloned()));
    let body = html! {
        h1 { (ctx.t("Tinjauan panel", "Panel review")) ": " (r.round.name) }
        p { a href=(format!("/audit/seleksi/{}/analitik", r.round.id)) { "← " (ctx.t("Analitik panel", "Panel analytics")) } }
        div.notice {
            p { (ctx.t(
                "Deviasi = nilai penilai dikurangi median nilai penilai lain untuk pendaftar yang sama (skala 0–100). Selisih = deviasi rata-rata pada kelompok dikurangi deviasi rata-rata pada pendaftar lain. Ditandai bila selisih ≥ 20 poin dan nilai p (uji permutasi satu sisi, berbenih) ≤ 0,05 dibagi jumlah kelompok yang diuji untuk penilai itu. Tidak ada nilai yang diubah.",
                "Deviation = the panelist's value minus the median of the other panelists' values for the same applicant (0–100 scale). Difference = mean deviation on the group minus mean deviation on everyone else. Flagged when the difference is ≥ 20 points and the p-value (seeded one-sided permutation test) is ≤ 0.05 divided by the number of groups tested for that panelist. No score is changed."
            )) }
        }
        h2 { (ctx.t("Penilai dan kelompok", "Panelists and groups")) }
        @for p in &panelists {
            section.panelist {
                h3 {
                    a href=(format!("/audit/penilai/{}", p.panelist)) { (r.names.get(&p.panelist).cloned().unwrap_or_else(|| p.panelist.clone())) }
                    @if p.flagged() { " " strong.flag { "⚑ " (ctx.t("ditandai", "flagged")) } }
                }
                p.muted { (p.applications) " " (ctx.t("pendaftar dibandingkan", "applications compared")) ", " (p.groups.len()) " " (ctx.t("kelompok diuji", "groups tested")) }
                @let shown: Vec<_> = p.groups.iter().filter(|g| g.flagged).chain(p.groups.iter().filter(|g| !g.flagged).take(3)).collect();
                @if !shown.is_empty() {
                    (super::scroll::hint(ctx))
                    div.scroll tabindex="0" role="region" aria-label=(ctx.t("Tabel kecenderungan penilai", "Panelist bias table")) { table {
                        thead { tr {
                            th scope="col" { (ctx.t("Kelompok", "Group")) }
                            th scope="col" { (ctx.t("Pendaftar (nilai) di dalam / di luar", "Applications (values) in / out")) }
                            th scope="col" { (ctx.t("Deviasi di dalam / di luar", "Deviation in / out")) }
                            th scope="col" { (ctx.t("Selisih", "Difference")) }
                            th scope="col" { "p" }
                        } }
                        tbody {
                            @for g in shown {
                                tr {
                                    th scope="row" { (group_label(ctx, &g.group)) @if g.flagged { " ⚑" } }
                                    td { (g.applications_in) " (" (g.values_in) ") / " (g.applications_out) " (" (g.values_out) ")" }
                                    td { (format_1dp(&g.mean_in)) " / " (format_1dp(&g.mean_out)) }
                                    td { strong { (format_1dp(&g.difference)) } }
                                    td { (format!("{:.4}", g.p_value)) " ≤ " (format!("{:.4}", g.p_threshold)) "?" }
                                }
                            }
                        }
                    } }
                }
            }
        }
        h2 { (ctx.t("Keandalan per formasi", "Reliability per formation")) }
        @for f in r.review.formations.iter().filter(|f| !f.panelists.is_empty()) {
            section.formation {
                h3 { code { (f.code) } " " (r.formation(&f.code).map(|m| m.name.clone()).unwrap_or_default())
                    @if f.concerns().any() { " " strong.flag { (ctx.t("perlu tinjauan kedua", "needs a second look")) } } }
                (public_section(ctx, f, &names))
            }
        }
    };
    Page {
        title: format!(
            "{} · {}",
            ctx.t("Tinjauan panel", "Panel review"),
            r.round.name
        ),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lang::Lang;
    use crate::domain::panel_review::CriterionFigures;

    fn ctx(lang: Lang) -> PageCtx {
        PageCtx {
            lang,
            path: "/".into(),
            signed_in: None,
            csrf: None,
        }
    }

    fn figures(flagged: usize) -> FormationFigures {
        let panelists: Vec<String> = (0..4).map(|i| format!("p{i}")).collect();
        FormationFigures {
            code: "F1".into(),
            criteria: vec![CriterionFigures {
                criterion: "K1".into(),
                pairable: 12,
                values: 48,
                alpha: Some(crate::domain::reliability::Ratio::new(9.into(), 10.into())),
                icc: None,
            }],
            flagged: panelists[..flagged].to_vec(),
            panelists,
        }
    }

    #[test]
    fn criterion_names_are_escaped_and_panelists_are_only_counted() {
        let names = [CriterionName {
            code: "K1",
            name_id: "<script>x</script>",
            name_en: "<b>",
        }];
        let html = public_section(&ctx(Lang::Id), &figures(1), &names).into_string();
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("p0"), "no panelist id on the public page");
        assert!(html.contains("1 dari 4 penilai ditandai"));
        assert!(html.contains("0.900"));
    }

    #[test]
    fn a_clean_panel_gets_the_reassuring_line_in_both_languages() {
        let names = [];
        let id = public_section(&ctx(Lang::Id), &figures(0), &names).into_string();
        assert!(id.contains("cukup seragam"));
        let en = public_section(&ctx(Lang::En), &figures(0), &names).into_string();
        assert!(en.contains("scored consistently enough"));
    }
}
