//! Results: provisional publication, objections and the final results.

// The demo's shared types, imports and helpers live in `mod.rs`.
use super::*;
use crate::domain::application::ApplicationState;

/// Publishes the provisional results: every application gets its first rank.
/// The planted biased panelist is flagged, so publication takes the second
/// look: one admin asks, the second publishes with a written reason.
pub(super) async fn stage_provisional(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    if second_look::marked(ctx.db, ctx.round_id).await?.is_empty() {
        move_round(ctx, RoundState::Provisional, 36, 10).await?;
        return Ok(());
    }
    second_look::request_publication(
        ctx.db,
        ctx.admin,
        ctx.round_id,
        "Penilaian selesai; mohon tinjauan panel sebelum diumumkan.",
        ctx.clock.at(36, 9),
    )
    .await?;
    second_look::decide_publication(
        ctx.db,
        &ctx.checkpoint_key,
        Some(&mail_ctx(ctx)),
        ctx.admin2,
        ctx.round_id,
        true,
        "Penilai yang ditandai sudah dimintai klarifikasi; inspektorat menerima laporan analitik panel bersama hasil sementara.",
        ctx.clock.at(36, 10),
    )
    .await?;
    Ok(())
}

const GROUNDS: [&str; 4] = [
    "Nilai wawancara saya terlalu rendah; jawaban saya tentang program RT sudah lengkap.",
    "Salah satu penilai memberi nilai yang jauh di bawah penilai lain tanpa alasan.",
    "Pengalaman saya sebagai pengurus posyandu tidak tercermin dalam nilai saya.",
    "Saya merasa nilai saya tertukar dengan pendaftar lain pada sesi yang sama.",
];

/// Opens the objection window; applicants with their own account (only they
/// can file) contest results that did not select them. Admin 1 assigns the
/// second admin, who made no contested decision, as reviewer; the reviewer
/// proposes and admin 1 approves (four eyes). Accepted objections reopen the
/// scorecard of the panelist who scored lowest, and that panelist amends it
/// with a reason, so the ranks move with the amendment as their cause.
/// Some are rejected; the last one stays under review for the final stage.
pub(super) async fn stage_objection(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    use crate::services::objections::{self, Proposal, Reopen};
    move_round(ctx, RoundState::Objection, 37, 8).await?;
    let wanted = match ctx.opts.scale {
        Scale::Small => 4,
        Scale::City => 30,
    };
    let candidates = pick_objectors(ctx, wanted).await?;
    restart_bar(ctx, candidates.len() as u64, "sanggahan");
    let reviewer = match ctx.admin2 {
        Actor::Account { id, .. } => id,
        Actor::System => anyhow::bail!("the second admin exists"),
    };
    let last = candidates.len().saturating_sub(1);
    for (k, &i) in candidates.iter().enumerate() {
        ctx.bar.inc(1);
        let app_id = ctx.apps[i].id;
        let days = 37 + i64::try_from(k % 5).unwrap_or(0);
        let hour = 9 + u8::try_from(k % 8).unwrap_or(0);
        let grounds = *GROUNDS.choose(&mut ctx.rng).unwrap_or(&GROUNDS[0]);
        let objection = objections::file(
            ctx.db,
            ctx.apps[i].acting,
            app_id,
            grounds,
            None,
            &format!("demo-objection-{k}"),
            ctx.clock.at(days, hour),
        )
        .await?;
        ctx.summary.objections_filed += 1;
        objections::assign(ctx.db, ctx.admin, objection, reviewer).await?;
        if k == last && k >= 2 {
            // Left under review: the admin screens show an open objection.
            ctx.open_objections.push((i, objection));
            ctx.summary.objections_pending += 1;
            note_objector(ctx, i, "ditinjau");
            continue;
        }
        let lowest = lowest_scorecard(ctx, i);
        let proposal = match (k % 2 == 0, &lowest) {
            (true, Some((panelist_id, _))) => Proposal {
                accepted: true,
                reasons: "Nilai penilai ini tidak sesuai berita acara uji kelayakan; lembar nilainya dibuka kembali untuk dikoreksi.".into(),
                reopen: Reopen::Scorecard {
                    panelist_id: *panelist_id,
                },
            },
            _ => Proposal {
                accepted: false,
                reasons: "Nilai sudah sesuai berita acara dan lembar penilaian; tidak ada kekeliruan.".into(),
                reopen: Reopen::None,
            },
        };
        let accepted = proposal.accepted;
        objections::propose(ctx.db, ctx.admin2, objection, proposal).await?;
        objections::decide(
            ctx.db,
            &mail_ctx(ctx),
            &ctx.checkpoint_key,
            ctx.admin,
            objection,
            true,
            "Setuju dengan usulan peninjau.",
        )
        .await?;
        note_objector(ctx, i, if accepted { "diterima" } else { "ditolak" });
        if !accepted {
            ctx.summary.objections_rejected += 1;
            continue;
        }
        ctx.summary.objections_accepted += 1;
        if let Some((panelist, mut values)) = lowest {
            for v in values.values_mut() {
                *v = (*v + 1).min(5);
            }
            let (_, moved) = scoring::submit(
                ctx.db,
                panelist,
                app_id,
                &values,
                Some("Koreksi sesuai keputusan sanggahan: nilai disalin ulang dari lembar penilaian."),
            )
            .await?;
            ctx.given.insert((i, panelist), values);
            ctx.summary.amendments += 1;
            ctx.summary.objection_rank_changes += moved.len();
        }
    }
    Ok(())
}

/// The scorecard an accepted objection of application `i` reopens: the
/// panelist who gave the lowest sum (and has a value left to raise), with
/// those values. The amendment raises each by one point.
fn lowest_scorecard(ctx: &Ctx<'_>, i: usize) -> Option<(Uuid, Values)> {
    ctx.given
        .range((i, Uuid::nil())..=(i, Uuid::max()))
        .filter(|(_, v)| v.values().any(|x| *x < 5))
        .min_by_key(|(_, v)| v.values().sum::<i32>())
        .map(|((_, p), v)| (*p, v.clone()))
}

/// Application `i`'s `(total, passes)` once its lowest scorecard is raised
/// by one point per value, from the values the demo submitted (mean
/// aggregation, as the demo round uses).
fn raised_result(ctx: &Ctx<'_>, drafts: &[CriterionDraft], i: usize) -> Option<(f64, bool)> {
    let (lowest, _) = lowest_scorecard(ctx, i)?;
    let cards: Vec<(Uuid, &Values)> = ctx
        .given
        .range((i, Uuid::nil())..=(i, Uuid::max()))
        .map(|((_, p), v)| (*p, v))
        .collect();
    let (mut total, mut passes) = (0.0, true);
    for d in drafts {
        let sum: i32 = cards
            .iter()
            .map(|(p, v)| {
                let x = v.get(&d.code).copied().unwrap_or(d.scale_min);
                if *p == lowest { (x + 1).min(5) } else { x }
            })
            .sum();
        let mean = f64::from(sum) / cards.len().max(1) as f64;
        passes &= d.pass_min.is_none_or(|m| mean >= f64::from(m));
        let span = f64::from((d.scale_max - d.scale_min).max(1));
        total += f64::from(d.weight) * (mean - f64::from(d.scale_min)) / span;
    }
    Some((total, passes && total >= f64::from(PASSING_TOTAL)))
}

/// Who objects, in order: applicants with their own account and a complete,
/// published result, those not selected first (shuffled). Tied applications
/// stay untouched so the ties survive. The first objection is accepted and
/// its amendment must visibly move a rank, so it goes to an applicant whose
/// raised scorecard overtakes the one ranked just above.
async fn pick_objectors(ctx: &mut Ctx<'_>, wanted: usize) -> anyhow::Result<Vec<usize>> {
    use crate::db::entities::ranking;
    let ranks: BTreeMap<Uuid, ranking::Model> = ranking::Entity::find()
        .filter(ranking::Column::RoundId.eq(ctx.round_id))
        .all(ctx.db)
        .await?
        .into_iter()
        .map(|r| (r.application_id, r))
        .collect();
    // Totals are exact fractions; a float is enough to choose who objects.
    let total = |r: &ranking::Model| -> Option<f64> {
        let (p, q) = r.total_exact.as_deref()?.split_once('/')?;
        Some(p.parse::<f64>().ok()? / q.parse::<f64>().ok()?)
    };
    let by_rank: BTreeMap<(Uuid, i32), f64> = ranks
        .values()
        .filter_map(|r| Some(((r.formation_id, r.rank?), total(r)?)))
        .collect();
    let drafts = demo_criteria()?;
    let mut candidates: Vec<(usize, bool, bool)> = Vec::new();
    for (i, a) in ctx.apps.iter().enumerate() {
        if a.email.is_none() || a.state != ApplicationState::Eligible || is_protected(&ctx.apps, i)
        {
            continue;
        }
        let Some(r) = ranks.get(&a.id).filter(|r| r.published && r.complete) else {
            continue;
        };
        let selected = r.status.as_deref() == Some("selected");
        // Its result after the amendment (the ranking rule on the demo's own
        // values): it moves when it starts to pass, or overtakes the rank above.
        let overtakes = match (raised_result(ctx, &drafts, i), r.rank, total(r)) {
            (Some((_, true)), None, _) => true,
            (Some((new, true)), Some(rank), Some(_)) if rank > 1 => by_rank
                .get(&(r.formation_id, rank - 1))
                .is_some_and(|above| new > above + 0.01),
            _ => false,
        };
        candidates.push((i, selected, overtakes));
    }
    candidates.shuffle(&mut ctx.rng);
    // Those not selected object first: it is their rank an amendment can move.
    candidates.sort_by_key(|(_, selected, _)| *selected);
    if let Some(pos) = candidates.iter().position(|(_, _, overtakes)| *overtakes) {
        let mover = candidates.remove(pos);
        candidates.insert(0, mover);
    }
    candidates.truncate(wanted);
    Ok(candidates.into_iter().map(|(i, _, _)| i).collect())
}

/// Marks the objector's sign-in in the credentials, so the objection can be
/// followed from the applicant's side.
fn note_objector(ctx: &mut Ctx<'_>, i: usize, outcome: &str) {
    let Some(email) = ctx.apps[i].email.clone() else {
        return;
    };
    if let Some(c) = ctx
        .summary
        .credentials
        .iter_mut()
        .find(|c| c.email == email)
    {
        c.note = format!("pendaftar yang mengajukan sanggahan ({outcome})");
    }
}

/// Answers the objections still under review (rejected), then finalizes:
/// requested by admin 1 after the objection window, approved by admin 2; the
/// approval signs the final checkpoint.
pub(super) async fn stage_final(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    use crate::services::objections::{self, Proposal, Reopen};
    for (i, objection) in std::mem::take(&mut ctx.open_objections) {
        objections::propose(
            ctx.db,
            ctx.admin2,
            objection,
            Proposal {
                accepted: false,
                reasons:
                    "Setelah pemeriksaan ulang, hasil penilaian sudah benar dan tetap berlaku."
                        .into(),
                reopen: Reopen::None,
            },
        )
        .await?;
        objections::decide(
            ctx.db,
            &mail_ctx(ctx),
            &ctx.checkpoint_key,
            ctx.admin,
            objection,
            true,
            "Setuju dengan usulan peninjau.",
        )
        .await?;
        ctx.summary.objections_pending -= 1;
        ctx.summary.objections_rejected += 1;
        note_objector(ctx, i, "ditolak");
    }
    let at = ctx.clock.at(45, 10);
    crate::services::results::request_finalization(
        ctx.db,
        ctx.admin,
        ctx.round_id,
        "Masa sanggah berakhir dan semua sanggahan sudah diputus.",
        at,
    )
    .await?;
    crate::services::results::decide_finalization(
        ctx.db,
        &ctx.checkpoint_key,
        &mail_ctx(ctx),
        ctx.admin2,
        ctx.round_id,
        true,
        at,
    )
    .await?;
    Ok(())
}
