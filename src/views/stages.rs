//! The stages section of a round's settings page: the ordered stages of a
//! multi-stage round (scoring, who goes on) and its final ranking rule, a
//! form while the round is a draft and a table once frozen.

use maud::{Markup, html};

use super::layout::PageCtx;
use super::rounds::{FormView, choice, csrf, field_error, form_alert, input, msg};
use crate::domain::form::FormData;
use crate::domain::round::RoundDetail;
use crate::domain::round::Stage;
use crate::domain::round::{MAX_STAGES, STAGE_SCORINGS};
use crate::domain::round::{Msg, format_wita};
use crate::domain::stage::Published;

/// The form values of the stored stages.
pub fn stage_values(d: &RoundDetail) -> FormData {
    let mut v = FormData::default();
    v.0.insert(
        "final_rule".into(),
        d.round
            .final_rule
            .clone()
            .unwrap_or_else(|| "last_stage".into()),
    );
    let num = |n: Option<i32>| n.map(|n| n.to_string()).unwrap_or_default();
    for (i, s) in d.stages.iter().enumerate() {
        let mut put = |k: &str, val: String| {
            v.0.insert(format!("s{i}_{k}"), val);
        };
        put("code", s.code.clone());
        put("name_id", s.name_id.clone());
        put("name_en", s.name_en.clone());
        put("scoring", s.scoring.clone());
        put("top_k", num(s.advance_top_k));
        put("passing_total", num(s.advance_passing_total));
        put("weight", num(s.final_weight));
    }
    v
}

fn scoring_label(ctx: &PageCtx, code: &str) -> String {
    STAGE_SCORINGS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, id, en)| ctx.t(id, en).to_owned())
}

fn advance_text(ctx: &PageCtx, top_k: Option<i32>, passing_total: Option<i32>) -> String {
    let k = top_k.map(|k| {
        msg(
            ctx,
            &Msg::new(
                format!("{k} × kursi terbaik (seri di batas ikut lolos)"),
                format!("best {k} × seats (ties at the cut go on)"),
            ),
        )
    });
    let t = passing_total.map(|t| {
        msg(
            ctx,
            &Msg::new(format!("nilai ≥ {t}"), format!("total ≥ {t}")),
        )
    });
    match (t, k) {
        (Some(t), Some(k)) => format!("{t}, {k}"),
        (Some(t), None) => t,
        (None, Some(k)) => k,
        (None, None) => ctx.t("tahap terakhir", "last stage").to_owned(),
    }
}

fn final_rule_text(ctx: &PageCtx, d: &RoundDetail) -> String {
    rule_text(ctx, d.round.final_rule.as_deref())
}

fn rule_text(ctx: &PageCtx, final_rule: Option<&str>) -> String {
    if final_rule == Some("weighted") {
        ctx.t(
            "peringkat akhir = rata-rata berbobot nilai semua tahap (pecahan eksak)",
            "final rank = weighted mean of every stage's total (exact fractions)",
        )
        .to_owned()
    } else {
        ctx.t(
            "peringkat akhir = nilai tahap terakhir; tahap sebelumnya hanya menyaring",
            "final rank = the last stage's total; earlier stages only filter",
        )
        .to_owned()
    }
}

fn stages_table(ctx: &PageCtx, d: &RoundDetail) -> Markup {
    let table = html! {
        table {
            thead { tr {
                th { "#" } th { (ctx.t("Kode", "Code")) } th { (ctx.t("Nama", "Name")) }
                th { (ctx.t("Penilaian", "Scoring")) } th { (ctx.t("Yang lolos", "Who goes on")) }
                @if d.round.final_rule.as_deref() == Some("weighted") { th.num { (ctx.t("Bobot", "Weight")) } }
            } }
            tbody {
                @for s in &d.stages {
                    tr {
                        td { (s.position) } td { code { (s.code) } }
                        td { (ctx.t(&s.name_id, &s.name_en)) }
                        td { (scoring_label(ctx, &s.scoring)) }
                        td { (advance_text(ctx, s.advance_top_k, s.advance_passing_total)) }
                        @if d.round.final_rule.as_deref() == Some("weighted") {
                            td.num { (s.final_weight.unwrap_or(0)) }
                        }
                    }
                }
            }
        }
    };
    html! {
        (crate::views::scroll::scroll_table(ctx, ctx.t("Tabel tahap seleksi", "Stages table"), table))
        p { (final_rule_text(ctx, d)) }
    }
}

/// The section on `/admin/seleksi/{id}`; `f` holds the stages form.
pub fn stages_section(ctx: &PageCtx, d: &RoundDetail, f: &FormView) -> Markup {
    let action = format!("/admin/seleksi/{}/tahap", d.round.id);
    let rows = (d.stages.len().max(
        (0..MAX_STAGES)
            .rev()
            .find(|i| !f.values.get(&format!("s{i}_code")).is_empty())
            .map_or(0, |i| i + 1),
    ) + 1)
        .clamp(2, MAX_STAGES);
    html! {
        h2 id="tahapan" { (ctx.t("Tahapan seleksi", "Selection stages")) }
        @if d.state().is_editable() {
            p.muted { (ctx.t(
                "Kosongkan semua baris untuk seleksi satu tahap. Seleksi bertahap: setiap tahap dinilai dengan kriterianya sendiri (bobot per tahap berjumlah 100; pilih tahap tiap kriteria di halaman kriteria). Setiap tahap kecuali yang terakhir menetapkan siapa yang lolos: top-k (k × kursi formasi terbaik, seri di batas ikut lolos) dan/atau nilai minimum. Hanya yang lolos yang dapat diundang dan dinilai di tahap berikutnya.",
                "Leave every row empty for a one-stage round. In a staged round each stage is scored with its own criteria (weights sum to 100 per stage; choose each criterion's stage on the criteria page). Every stage but the last sets who goes on: top-k (the best k × the formation's seats, ties at the cut go on) and/or a minimum total. Only those who go on can be invited and scored in the next stage."
            )) }
            (form_alert(ctx, f))
            form method="post" action=(action) novalidate {
                (csrf(f))
                @for i in 0..rows {
                    fieldset {
                        legend { (ctx.t("Tahap", "Stage")) " " (i + 1) }
                        div.row {
                            (input(ctx, f, &format!("s{i}_code"), ctx.t("Kode", "Code"), "text"))
                            (choice(ctx, f, &format!("s{i}_scoring"), ctx.t("Penilaian", "Scoring"), &STAGE_SCORINGS))
                        }
                        (input(ctx, f, &format!("s{i}_name_id"), ctx.t("Nama (Indonesia)", "Name (Indonesian)"), "text"))
                        (input(ctx, f, &format!("s{i}_name_en"), ctx.t("Nama (Inggris)", "Name (English)"), "text"))
                        div.row {
                            (input(ctx, f, &format!("s{i}_top_k"), ctx.t("Top-k (× kursi; kosong di tahap terakhir)", "Top-k (× seats; empty in the last stage)"), "number"))
                            (input(ctx, f, &format!("s{i}_passing_total"), ctx.t("Nilai minimum lolos (boleh kosong)", "Minimum total to go on (optional)"), "number"))
                            (input(ctx, f, &format!("s{i}_weight"), ctx.t("Bobot akhir (aturan berbobot)", "Final weight (weighted rule)"), "number"))
                        }
                    }
                }
                div {
                    label for="final_rule" { (ctx.t("Peringkat akhir", "Final ranking")) }
                    select id="final_rule" name="final_rule" {
                        option value="last_stage" selected[f.values.get("final_rule") != "weighted"] { (ctx.t("Nilai tahap terakhir saja", "The last stage's total alone")) }
                        option value="weighted" selected[f.values.get("final_rule") == "weighted"] { (ctx.t("Rata-rata berbobot semua tahap", "Weighted mean of every stage")) }
                    }
                    (field_error(ctx, f, "final_rule"))
                }
                button type="submit" { (ctx.t("Simpan tahapan", "Save stages")) }
            }
        } @else if d.stages.is_empty() {
            p { (ctx.t("Seleksi satu tahap.", "A one-stage round.")) }
        } @else {
            (stages_table(ctx, d))
            @if d.state() == crate::domain::round::RoundState::Assessment {
                @for s in d.stages.iter().filter(|s| s.advance_top_k.is_some() || s.advance_passing_total.is_some()) {
                    form method="post" action=(format!("/admin/seleksi/{}/tahap/{}/terbitkan", d.round.id, s.code)) {
                        (csrf(f))
                        button type="submit" { (ctx.t("Terbitkan daftar lolos tahap", "Publish the shortlist of stage")) " " (s.code) }
                    }
                }
            }
        }
    }
}

/// The stages of a staged round on its public pages (`/seleksi/{slug}` and
/// its results): each stage with its scoring and who goes on, its
/// shortlist's publication and objection window once published, and the
/// final rule. Nothing for a one-stage round.
pub fn public_section(
    ctx: &PageCtx,
    final_rule: Option<&str>,
    stages: &[Stage],
    shortlists: &[Published],
) -> Markup {
    let weighted = final_rule == Some("weighted");
    html! {
        @if !stages.is_empty() {
            h2 id="tahapan" { (ctx.t("Tahapan seleksi", "Selection stages")) }
            ol.stages {
                @for s in stages {
                    li {
                        strong { (ctx.t(&s.name_id, &s.name_en)) } " (" code { (s.code) } "): "
                        (scoring_label(ctx, &s.scoring)) "; "
                        (ctx.t("yang lolos", "who goes on")) ": " (advance_text(ctx, s.advance_top_k, s.advance_passing_total))
                        @if weighted { "; " (ctx.t("bobot akhir", "final weight")) " " (s.final_weight.unwrap_or(0)) }
                        "."
                        @if let Some(p) = shortlists.iter().find(|p| p.stage_code == s.code) {
                            br;
                            (ctx.t("Daftar lolos diterbitkan", "Shortlist published")) " " (format_wita(p.published_at)) ": "
                            (p.went_on) " " (ctx.t("dari", "of")) " " (p.considered) " " (ctx.t("lolos", "go on")) ". "
                            (ctx.t("Masa sanggah daftar lolos sampai", "Objections to the shortlist until")) " " (format_wita(p.objection_ends_at)) "."
                        } @else if s.advance_top_k.is_some() || s.advance_passing_total.is_some() {
                            br;
                            span.muted { (ctx.t("Daftar lolos belum diterbitkan.", "The shortlist is not published yet.")) }
                        }
                    }
                }
            }
            p { (rule_text(ctx, final_rule)) "." }
        }
    }
}
