//! The fit & proper test: attendance, conflict declarations and scores.

// The demo's shared types, imports and helpers live in `mod.rs`.
use super::*;
use crate::domain::application::ApplicationState;

/// A test session of `form`, filled with whoever the round invites to it
/// (in a staged round: those who went on from the stage before).
pub(super) async fn invite_to_session(
    ctx: &Ctx<'_>,
    form: &panels::SessionForm,
    key: &str,
) -> anyhow::Result<()> {
    let session = panels::create_session(ctx.db, ctx.admin, ctx.round_id, form, Some(key)).await?;
    panels::auto_fill(
        ctx.db,
        ctx.admin,
        &ctx.from,
        &ctx.vault,
        ctx.round_id,
        session,
    )
    .await?;
    Ok(())
}

/// Assessment: test sessions filled with the eligible applicants, attendance,
/// conflict declarations (some recusals), scores from panelists of different
/// leniency (one visibly biased), and amendments with reasons. Stopping here
/// leaves one application per panel unscored.
pub(super) async fn stage_assessment(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    move_round(ctx, RoundState::Assessment, 22, 8).await?;
    let panel_list = ctx.panels.clone();
    for (p_no, (panel_id, _, members)) in panel_list.iter().enumerate() {
        let eligible = ctx
            .apps
            .iter()
            .filter(|a| a.state == ApplicationState::Eligible && members.contains(&a.formation))
            .count();
        let sessions = eligible.div_ceil(400).max(1);
        for s in 0..sessions {
            let form = panels::SessionForm {
                starts_at: ctx.clock.at(23 + i64::try_from(s).unwrap_or(0), 8),
                place: format!("Aula Kantor Kecamatan, sesi {}", s + 1),
                capacity: 400,
                panel_id: *panel_id,
            };
            invite_to_session(ctx, &form, &format!("demo-session-{p_no}-{s}")).await?;
        }
    }
    // Attendance: nearly everyone comes.
    let index: BTreeMap<Uuid, usize> = ctx
        .apps
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id, i))
        .collect();
    let mut invitations = test_invitation::Entity::find().all(ctx.db).await?;
    invitations.sort_by_key(|inv| index.get(&inv.application_id).copied());
    let mut present = vec![false; ctx.apps.len()];
    restart_bar(ctx, invitations.len() as u64, "kehadiran");
    for inv in invitations {
        ctx.bar.inc(1);
        let Some(&i) = index.get(&inv.application_id) else {
            continue;
        };
        let protected = is_protected(&ctx.apps, i);
        let absent = !protected && i % 29 == 11;
        panels::record_attendance(
            ctx.db,
            ctx.admin,
            ctx.round_id,
            inv.id,
            if absent { "absent" } else { "present" },
            "",
        )
        .await?;
        present[i] = !absent;
        ctx.summary.absent += usize::from(absent);
    }
    // Declarations and scores, panel by panel, application by application.
    let total: usize = present.iter().filter(|p| **p).count();
    restart_bar(ctx, total as u64, "penilaian");
    let mut amend_later = Vec::new();
    for (_, panelists, members) in &panel_list {
        // A demo that stops in assessment shows panels at work: the last
        // present application of each panel waits for every panelist (the
        // README's API session scores it).
        let waiting = (ctx.opts.stop_at == RoundState::Assessment)
            .then(|| {
                (0..present.len()).rev().find(|&i| {
                    present[i]
                        && members.contains(&ctx.apps[i].formation)
                        && !is_protected(&ctx.apps, i)
                })
            })
            .flatten();
        for (i, &came) in present.iter().enumerate() {
            if !came || !members.contains(&ctx.apps[i].formation) {
                continue;
            }
            ctx.bar.inc(1);
            if waiting == Some(i) {
                ctx.summary.waiting_for_panel += 1;
                continue;
            }
            let protected = is_protected(&ctx.apps, i);
            // At most one recusal per application, so three panelists remain.
            let recusing =
                (!protected && i % 17 == 3).then(|| ctx.rng.random_range(0..panelists.len()));
            let favoured_rt = favoured_rt(ctx.apps[i].formation);
            for (n, p) in panelists.iter().enumerate() {
                let app_id = ctx.apps[i].id;
                if recusing == Some(n) {
                    let (kind, text) = *[
                        (ConflictKind::Family, "Pendaftar adalah sepupu saya."),
                        (
                            ConflictKind::Household,
                            "Pendaftar tinggal serumah dengan saya.",
                        ),
                        (ConflictKind::Employment, "Pendaftar bekerja di toko saya."),
                    ]
                    .choose(&mut ctx.rng)
                    .unwrap_or(&(ConflictKind::Other, "Hubungan pribadi."));
                    scoring::declare(ctx.db, p.id, app_id, kind, text).await?;
                    ctx.summary.recusals += 1;
                    continue;
                }
                scoring::declare(ctx.db, p.id, app_id, ConflictKind::None, "").await?;
                // A twin copies its partner (when the partner was scored:
                // it may have failed the automatic age check).
                let copied = ctx.apps[i].twin_of.and_then(|(partner, swap)| {
                    Some((ctx.given.get(&(partner, p.id))?.clone(), swap))
                });
                let values = match copied {
                    Some((mut v, swap)) => {
                        if swap {
                            // Same total, different tie-break criterion: move
                            // one point from ORG to PRB (both weigh 20).
                            let org = v.get("ORG").copied().unwrap_or(3);
                            let prb = v.get("PRB").copied().unwrap_or(3);
                            if org > 1 && prb < 5 {
                                v.insert("ORG".into(), org - 1);
                                v.insert("PRB".into(), prb + 1);
                            } else {
                                v.insert("ORG".into(), prb);
                                v.insert("PRB".into(), org);
                            }
                        }
                        v
                    }
                    None => {
                        let mut v = Values::new();
                        for (c, code) in ctx.criteria.iter().enumerate() {
                            let noise = ctx.rng.random_range(-1..=1)
                                * i32::from(ctx.rng.random_ratio(1, 3));
                            let bias = if p.biased {
                                if ctx.apps[i].rt == favoured_rt { 2 } else { -1 }
                            } else {
                                0
                            };
                            let x = ctx.apps[i].quality[c] + p.leniency + noise + bias;
                            v.insert(code.clone(), x.clamp(1, 5));
                        }
                        v
                    }
                };
                scoring::submit(ctx.db, p.id, app_id, &values, None).await?;
                ctx.summary.scorecards += 1;
                if !protected && ctx.rng.random_ratio(1, 80) {
                    amend_later.push((p.id, i, values.clone()));
                }
                ctx.given.insert((i, p.id), values);
            }
        }
    }
    for (panelist, i, mut values) in amend_later {
        let code = ctx
            .criteria
            .choose(&mut ctx.rng)
            .cloned()
            .unwrap_or_default();
        let v = values.get(&code).copied().unwrap_or(3);
        values.insert(code, if v < 5 { v + 1 } else { v - 1 });
        scoring::submit(
            ctx.db,
            panelist,
            ctx.apps[i].id,
            &values,
            Some("Salah ketik saat memasukkan nilai dari lembar penilaian."),
        )
        .await?;
        ctx.given.insert((i, panelist), values);
        ctx.summary.amendments += 1;
    }
    Ok(())
}
