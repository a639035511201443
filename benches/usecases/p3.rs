//! P3: scorecards, each re-ranking its formation.

use super::*;

pub(crate) const AMEND_REASON: &str = "Salah ketik saat memasukkan nilai dari lembar penilaian.";

/// One formation of the P3 round: its panel and its applications in
/// registration order.
pub(crate) struct Scored {
    pub(crate) panelists: Vec<Uuid>,
    pub(crate) apps: Vec<Uuid>,
}

/// Deterministic values 1–5 for one scorecard: a latent quality per
/// application and criterion, a panelist's leniency, a little noise.
pub(crate) fn values(codes: &[String], app: usize, panelist: usize) -> Values {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ ((app as u64) << 8 | panelist as u64);
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let leniency = [-1i32, 0, 0, 1, 0][panelist % 5];
    codes
        .iter()
        .enumerate()
        .map(|(c, code)| {
            let quality = 2 + i32::try_from((app * 7 + c * 3) % 4).unwrap_or(0);
            let noise = i32::try_from(next() % 3).unwrap_or(1) - 1;
            (code.clone(), (quality + leniency + noise).clamp(1, 5))
        })
        .collect()
}

/// The P3 round: `formations` formations of `per` eligible, attended
/// applications, each assessed by its own panel of five who have declared
/// "no conflict" for every application.
pub(crate) async fn p3_world(
    w: &Arc<World>,
    formations: usize,
    per: usize,
    conc: usize,
) -> anyhow::Result<Vec<Scored>> {
    let started = Instant::now();
    let (round_id, forms) = draft_round(w, "Bench P3", 10).await?;
    ensure!(
        forms.len() >= formations,
        "P3 needs {formations} formations, {KECAMATAN} has {}",
        forms.len()
    );
    let forms: Vec<formation::Model> = forms.into_iter().take(formations).collect();
    let mut panel_members = Vec::new();
    for (n, f) in forms.iter().enumerate() {
        let panel = panels::create_panel(
            &w.load,
            w.admin,
            round_id,
            &format!("Tim Penilai {}", n + 1),
            None,
        )
        .await?;
        let mut members = Vec::new();
        for m in 0..PANELISTS {
            let id = new_account(
                &w.load,
                Role::Panelist,
                format!("penilai{}.{}@bench.pokmas.id", n + 1, m + 1),
                format!("Penilai {} {}", n + 1, m + 1),
                vec![f.kelurahan_code.clone()],
            )
            .await?;
            panels::add_member(&w.load, w.admin, round_id, panel, &id.to_string()).await?;
            members.push(id);
        }
        panels::set_formations(&w.load, w.admin, round_id, panel, &[f.id.to_string()]).await?;
        panel_members.push((panel, members));
    }
    move_round(w, round_id, RoundState::Registration, w.clock.at(-21, 8)).await?;
    note(started, "P3 round: draft, panels, registration open");

    // Registration: resident i applies in formation i / per, through the
    // same calls as P2 (on the load connection; not timed).
    let total = formations * per;
    let kel_of: Vec<String> = forms.iter().map(|f| f.kelurahan_code.clone()).collect();
    let mut prepared = Vec::with_capacity(total);
    for i in 0..total {
        // Same kecamatan, so the NIK prepared for another kelurahan still fits.
        let mut p = prepare(w, 100, i);
        p.kelurahan = kel_of[i / per].clone();
        prepared.push(p);
    }
    let prepared = Arc::new(prepared);
    let ids = Arc::new(std::sync::Mutex::new(vec![Uuid::nil(); total]));
    {
        let (w2, p2, ids2) = (w.clone(), prepared.clone(), ids.clone());
        let op: Op = Arc::new(move |i| {
            let (w, prepared, ids) = (w2.clone(), p2.clone(), ids2.clone());
            Box::pin(async move {
                let (id, _) = apply(&w.load, &w, round_id, &prepared[i]).await?;
                ids.lock().map_err(|_| anyhow::anyhow!("poisoned"))?[i] = id;
                Ok(None)
            })
        });
        drive(total, conc, op).await?;
    }
    let ids = ids.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.clone();
    note(
        started,
        &format!("P3 round: {total} applications submitted"),
    );

    // Verification at the help desk: every requirement met (the automatic
    // age and domicile findings taken as they are).
    move_round(w, round_id, RoundState::Verification, w.clock.at(14, 16)).await?;
    let operators: BTreeMap<String, Uuid> = w.kelurahan.iter().cloned().collect();
    let eligible = Arc::new(AtomicUsize::new(0));
    {
        let (w2, ids2, ops2, el2) = (
            w.clone(),
            Arc::new(ids.clone()),
            Arc::new(operators),
            eligible.clone(),
        );
        let kel_of = Arc::new(kel_of.clone());
        let op: Op = Arc::new(move |i| {
            let (w, ids, operators, eligible, kel_of) = (
                w2.clone(),
                ids2.clone(),
                ops2.clone(),
                el2.clone(),
                kel_of.clone(),
            );
            Box::pin(async move {
                let kel = kel_of[i / per].clone();
                let staff = Staff {
                    id: *operators.get(&kel).context("operator")?,
                    role: Role::Operator,
                    scopes: vec![kel],
                };
                let view = verification::open(&w.load, &w.vault, &staff, ids[i]).await?;
                let decisions: Vec<Decision> = view
                    .requirements
                    .iter()
                    .map(|r| {
                        let tms = r
                            .automatic
                            .as_ref()
                            .is_some_and(|a| a.verdict == Verdict::Tms);
                        Decision {
                            requirement_id: r.id,
                            tms,
                            reason_code: tms.then(|| r.kind.clone()),
                            reason_text: r
                                .automatic
                                .as_ref()
                                .filter(|_| tms)
                                .map(|a| a.message(Lang::Id))
                                .unwrap_or_default(),
                        }
                    })
                    .collect();
                let ok =
                    verification::verify(&w.load, &w.from, &w.vault, &staff, ids[i], &decisions)
                        .await
                        .map_err(|e| anyhow::anyhow!("verifying: {e:?}"))?;
                eligible.fetch_add(usize::from(ok), Ordering::Relaxed);
                Ok(None)
            })
        });
        drive(total, conc, op).await?;
    }
    let eligible = eligible.load(Ordering::Relaxed);
    ensure!(
        eligible == total,
        "only {eligible} of {total} applications are eligible"
    );
    note(
        started,
        &format!("P3 round: {total} verified, all eligible"),
    );

    // Assessment: one session per panel (≤ 500 seats each), filled
    // automatically; everyone attends; every panelist declares no conflict.
    move_round(w, round_id, RoundState::Assessment, w.clock.at(22, 8)).await?;
    for (n, (panel, _)) in panel_members.iter().enumerate() {
        for s in 0..per.div_ceil(500) {
            let form = panels::SessionForm {
                starts_at: w.clock.at(23 + i64::try_from(s).unwrap_or(0), 8),
                place: format!("Aula Kecamatan, tim {} sesi {}", n + 1, s + 1),
                capacity: 500,
                panel_id: *panel,
            };
            let session = panels::create_session(
                &w.load,
                w.admin,
                round_id,
                &form,
                Some(&format!("bench-{n}-{s}")),
            )
            .await?;
            panels::auto_fill(&w.load, w.admin, &w.from, &w.vault, round_id, session).await?;
        }
    }
    let wanted: std::collections::BTreeSet<Uuid> = ids.iter().copied().collect();
    let invitations: Vec<Uuid> = test_invitation::Entity::find()
        .all(&w.load)
        .await?
        .into_iter()
        .filter(|inv| wanted.contains(&inv.application_id))
        .map(|inv| inv.id)
        .collect();
    ensure!(
        invitations.len() == total,
        "{} of {total} invited",
        invitations.len()
    );
    {
        let (w2, inv2) = (w.clone(), Arc::new(invitations));
        let op: Op = Arc::new(move |i| {
            let (w, inv) = (w2.clone(), inv2.clone());
            Box::pin(async move {
                panels::record_attendance(&w.load, w.admin, round_id, inv[i], "present", "")
                    .await?;
                Ok(None)
            })
        });
        drive(total, conc, op).await?;
    }
    let scored: Vec<Scored> = panel_members
        .into_iter()
        .enumerate()
        .map(|(n, (_, panelists))| Scored {
            panelists,
            apps: ids[n * per..(n + 1) * per].to_vec(),
        })
        .collect();
    {
        let pairs: Arc<Vec<(Uuid, Uuid)>> = Arc::new(
            scored
                .iter()
                .flat_map(|s| {
                    s.apps
                        .iter()
                        .flat_map(|a| s.panelists.iter().map(move |p| (*p, *a)))
                })
                .collect(),
        );
        let w2 = w.clone();
        let n = pairs.len();
        let op: Op = Arc::new(move |i| {
            let (w, pairs) = (w2.clone(), pairs.clone());
            Box::pin(async move {
                let (p, a) = pairs[i];
                scoring::declare(&w.load, p, a, ConflictKind::None, "").await?;
                Ok(None)
            })
        });
        drive(n, conc, op).await?;
    }
    note(started, "P3 round: sessions, attendance, declarations done");
    Ok(scored)
}

/// Every scorecard of one formation, application by application (the five
/// panelists of a test session score one applicant, then the next), 16 at a
/// time; with `amend`, a second version with one value changed and a reason.
pub(crate) async fn p3_run(
    w: &Arc<World>,
    s: &Scored,
    conc: usize,
    amend: bool,
) -> anyhow::Result<Run> {
    let codes: Arc<Vec<String>> = Arc::new(
        pokmas::demo::demo_criteria()?
            .into_iter()
            .map(|c| c.code)
            .collect(),
    );
    let ops = s.apps.len() * s.panelists.len();
    let (apps, panelists) = (Arc::new(s.apps.clone()), Arc::new(s.panelists.clone()));
    checkpoint(&w.db).await?;
    let w2 = w.clone();
    let op: Op = Arc::new(move |i| {
        let (w, apps, panelists, codes) =
            (w2.clone(), apps.clone(), panelists.clone(), codes.clone());
        Box::pin(async move {
            let (a, p) = (i / panelists.len(), i % panelists.len());
            let mut v = values(&codes, a, p);
            if amend {
                let code = &codes[(a + p) % codes.len()];
                let old = v.get(code).copied().unwrap_or(3);
                v.insert(code.clone(), if old < 5 { old + 1 } else { old - 1 });
            }
            let (version, _) = scoring::submit(
                &w.db,
                panelists[p],
                apps[a],
                &v,
                amend.then_some(AMEND_REASON),
            )
            .await?;
            ensure!(
                version == 1 + i32::from(amend),
                "unexpected version {version}"
            );
            Ok(None)
        })
    });
    drive(ops, conc, op).await
}
