//! Verification: operators decide each application MS or TMS.

// The demo's shared types, imports and helpers live in `mod.rs`.
use super::registration::reveal_witnesses;
use super::*;
use crate::domain::application::ApplicationState;

/// Closes registration and verifies every application at the help desks:
/// most meet every requirement, a few get TMS with a reason.
pub(super) async fn stage_verification(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    move_round(ctx, RoundState::Verification, 14, 16).await?;
    reveal_witnesses(ctx).await?;
    restart_bar(ctx, ctx.apps.len() as u64, "verifikasi");
    let mut checked = 0usize;
    for i in 0..ctx.apps.len() {
        ctx.bar.inc(1);
        if ctx.apps[i].state != ApplicationState::Submitted {
            continue;
        }
        let protected = is_protected(&ctx.apps, i);
        checked += 1;
        // Every nineteenth application checked has a bad scan.
        let tms = !protected && checked % 19 == 7;
        let reason = *[
            ("unreadable", "Pindaian KTP buram, nomor tidak terbaca."),
            ("mismatch", "Nama pada KK berbeda dengan nama pada KTP."),
            ("expired", "KTP yang diunggah sudah tidak berlaku."),
        ]
        .choose(&mut ctx.rng)
        .unwrap_or(&("other", "Dokumen tidak sesuai."));
        let a = &ctx.apps[i];
        let staff = Staff {
            id: *ctx.operators.get(&a.kelurahan).context("operator")?,
            role: Role::Operator,
            scopes: vec![a.kelurahan.clone()],
        };
        // The operator opens the application and takes the platform's own
        // finding for age and domicile, and decides the documents.
        let view = verification::open(ctx.db, &ctx.vault, &staff, a.id).await?;
        let decisions: Vec<Decision> = view
            .requirements
            .iter()
            .map(|r| match &r.automatic {
                Some(auto) => Decision {
                    requirement_id: r.id,
                    tms: auto.verdict == Verdict::Tms,
                    // The list's reason for the automatic finding (the
                    // service stores the finer code itself).
                    reason_code: (auto.verdict == Verdict::Tms).then(|| r.kind.clone()),
                    reason_text: if auto.verdict == Verdict::Tms {
                        auto.message(Lang::Id)
                    } else {
                        String::new()
                    },
                },
                None => {
                    let bad = tms && r.code == "KTP";
                    Decision {
                        requirement_id: r.id,
                        tms: bad,
                        reason_code: bad.then(|| reason.0.to_owned()),
                        reason_text: if bad { reason.1.into() } else { String::new() },
                    }
                }
            })
            .collect();
        let eligible =
            verification::verify(ctx.db, &ctx.from, &ctx.vault, &staff, a.id, &decisions)
                .await
                .map_err(|e| anyhow::anyhow!("verifying: {e:?}"))?;
        ctx.apps[i].state = if eligible {
            ApplicationState::Eligible
        } else {
            ApplicationState::Ineligible
        };
        ctx.summary.ineligible += usize::from(!eligible);
    }
    Ok(())
}
