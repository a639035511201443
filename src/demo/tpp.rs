//! The demo's second round: a two-stage facilitator (TPP) recruitment like
//! Samarinda's 2023 one, built through the same services as the first. A
//! computer-based written test is imported for every eligible applicant;
//! its shortlist (the best 3 × seats with at least 50, ties at the cut all
//! pass) is published with a signed checkpoint; only those on it are
//! invited to the interview, which panels of three score; the final ranks
//! weigh the written test 40 and the interview 60. After the final result a
//! selected facilitator withdraws and the first reserve is promoted, four
//! eyes. The round runs through the same states as the first, up to the
//! same stop, with a generator of its own (the first round stays what it
//! was for a seed).

// The demo's shared types, imports and helpers live in `mod.rs`.
use super::assessment::invite_to_session;
use super::registration::{Registrant, register};
use super::results::{stage_final, stage_provisional};
use super::setup::formations_by_kecamatan;
use super::verify::stage_verification;
use super::*;
use crate::domain::application::ApplicationState;
use crate::services::rounds::{SeatsItem, StageDraft, StagesDraft};

/// The written test's stage and criterion, and the interview's stage.
pub const WRITTEN: &str = "TERTULIS";
const WRITTEN_CRITERION: &str = "TES";
pub const INTERVIEW: &str = "WAWANCARA";

/// Panelists per interview panel (one panel per kecamatan).
const PANELISTS: usize = 3;

/// What the second round holds, for the summary.
#[derive(Clone, Debug, Default)]
pub struct TppSummary {
    pub round_id: Option<Uuid>,
    pub round_slug: String,
    pub state: String,
    pub formations: usize,
    pub seats: i32,
    pub applications: usize,
    pub ineligible: usize,
    /// Imported written-test values.
    pub written_test: usize,
    /// Applications that went on from the written test.
    pub shortlisted: usize,
    /// Present at the interview.
    pub interviewed: usize,
    pub scorecards: usize,
    /// The reserve promoted after the final result, by registration number.
    pub promoted: Option<String>,
    /// `ranking.changed` events caused by that promotion.
    pub promotion_rank_changes: usize,
    /// The sign-ins the round added (its interview panelists).
    pub credentials: Vec<Credential>,
}

/// Applicants per formation: about 1,200 in the city (59 formations), a
/// few dozen in the small demo.
fn per_formation(scale: Scale) -> usize {
    match scale {
        Scale::Small => 9,
        Scale::City => 21,
    }
}

/// Formation `i` of 59 has two seats in 26 of every 59 formations (85 seats
/// in the city, as in 2023), else one.
fn seats_of(i: usize) -> i32 {
    if i * 26 % 59 < 26 { 2 } else { 1 }
}

/// Builds the second round up to `first`'s stop, sharing its admins and
/// help-desk operators.
pub(super) async fn run(first: &Ctx<'_>, install: &Installation<'_>) -> anyhow::Result<TppSummary> {
    let mut ctx = Ctx::new(
        first.db,
        install,
        first.opts.clone(),
        first.opts.seed ^ 0x7470_7032_3032_3300,
        first.bar.clone(),
    )?;
    ctx.admin = first.admin;
    ctx.admin2 = first.admin2;
    ctx.operators = first.operators.clone();
    let mut s = TppSummary::default();
    for (name, state) in STAGES {
        ctx.bar.set_prefix(format!("tpp {name}"));
        // Each stage's future on the heap: the two rounds' stages inlined
        // in one future overflow a 2 MiB thread stack in a debug build.
        let step: std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + '_>> =
            match state {
                RoundState::Draft => Box::pin(draft(&mut ctx)),
                RoundState::Registration => Box::pin(registration(&mut ctx)),
                RoundState::Verification => Box::pin(stage_verification(&mut ctx)),
                RoundState::Assessment => Box::pin(assessment(&mut ctx, &mut s)),
                RoundState::Provisional => Box::pin(stage_provisional(&mut ctx)),
                RoundState::Objection => Box::pin(move_round(&ctx, RoundState::Objection, 37, 8)),
                RoundState::Final => Box::pin(promote_a_reserve(&mut ctx, &mut s)),
                RoundState::Cancelled => Box::pin(std::future::ready(Ok(()))),
            };
        step.await.with_context(|| format!("stage {name}"))?;
        s.state = state.as_str().into();
        if state == ctx.opts.stop_at {
            break;
        }
    }
    s.round_id = Some(ctx.round_id);
    s.round_slug = crate::services::rounds::load(ctx.db, ctx.round_id)
        .await?
        .round
        .slug;
    s.formations = ctx.formations.len();
    s.seats = ctx.formations.iter().map(|f| f.seats).sum();
    s.applications = ctx.apps.len();
    s.ineligible = ctx.summary.ineligible;
    s.credentials = std::mem::take(&mut ctx.summary.credentials);
    Ok(s)
}

/// The draft: settings without a round-wide passing total, the two stages
/// and the weighted final rule, the criteria of each stage, requirements,
/// formations of one or two seats and one interview panel per kecamatan.
async fn draft(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    let year = ctx.opts.today.year();
    let s = RoundSettings {
        name: format!("Rekrutmen Tenaga Pendamping Probebaya {year}"),
        year,
        description_id: "Seleksi terbuka Tenaga Pendamping Probebaya (TPP) untuk setiap \
            kelurahan, bertahap: tes tertulis berbasis komputer, lalu wawancara bagi yang \
            lolos. Data ini adalah data contoh (demo)."
            .into(),
        description_en: "Open recruitment of Probebaya facilitators (TPP) for every \
            kelurahan, in stages: a computer-based written test, then an interview for \
            those who go on. This is demo data."
            .into(),
        aggregation: crate::domain::ranking::Aggregation::Mean,
        passing_total: None,
        min_panelists: 3,
        age_min: Some(21),
        age_max: Some(55),
        publish_all_names: false,
        schedule: ctx.clock.schedule(),
    };
    let round_id = settings::create_round(ctx.db, ctx.admin, &s, None).await?;
    ctx.round_id = round_id;
    let stage = |code: &str, name_id: &str, name_en: &str, scoring: &str| StageDraft {
        code: code.into(),
        name_id: name_id.into(),
        name_en: name_en.into(),
        scoring: scoring.into(),
        advance_top_k: None,
        advance_passing_total: None,
        final_weight: None,
    };
    let stages = StagesDraft {
        stages: vec![
            StageDraft {
                advance_top_k: Some(3),
                advance_passing_total: Some(50),
                final_weight: Some(40),
                ..stage(
                    WRITTEN,
                    "Tes tertulis berbasis komputer",
                    "Computer-based written test",
                    "imported",
                )
            },
            StageDraft {
                final_weight: Some(60),
                ..stage(INTERVIEW, "Wawancara", "Interview", "panel")
            },
        ],
        final_rule: "weighted".into(),
    };
    settings::set_stages(ctx.db, ctx.admin, round_id, &stages).await?;
    // The facilitators' texts of the bundled TPP template, so that no page
    // or mail of this round speaks of Pokmas.
    let tpp = crate::services::rounds::templates()?
        .into_iter()
        .find(|t| t.code == "tpp2023")
        .context("the bundled tpp2023 template")?;
    crate::services::rounds::set_programme(ctx.db, ctx.admin, round_id, &tpp.programme_settings())
        .await?;
    let drafts = tpp_criteria()?;
    ctx.criteria = drafts
        .iter()
        .filter(|d| d.stage.as_deref() == Some(INTERVIEW))
        .map(|d| d.code.clone())
        .collect();
    criteria::set_criteria(ctx.db, ctx.admin, round_id, &drafts).await?;
    let mut reqs = criteria::default_requirements().map_err(|e| anyhow::anyhow!("{e}"))?;
    for r in &mut reqs {
        if r.code == "PERNYATAAN" || r.code == "CV" {
            r.mandatory = false;
        }
        // A facilitator round does not ask applicants to deny being one.
        if r.code == "NON_PERANGKAT" {
            r.text_id = "Saya bukan Ketua RT atau perangkat kelurahan.".into();
            r.text_en = "I am not an RT head or kelurahan staff.".into();
        }
    }
    criteria::set_requirements(ctx.db, ctx.admin, round_id, &reqs).await?;
    let kels = demo_kelurahan(ctx.db, ctx.opts.scale).await?;
    let mut kec_codes: Vec<&String> = kels.iter().map(|k| &k.0).collect();
    kec_codes.dedup();
    for kec in kec_codes {
        crate::services::rounds::generate_formations(ctx.db, ctx.admin, round_id, kec, 1, 1)
            .await?;
    }
    ctx.formations = sorted_formations(ctx).await?;
    let items: Vec<SeatsItem> = ctx
        .formations
        .iter()
        .enumerate()
        .map(|(i, f)| SeatsItem {
            formation_id: f.id,
            seats: seats_of(i),
            reserve: f.reserve,
        })
        .collect();
    crate::services::rounds::update_seats(ctx.db, ctx.admin, round_id, &items).await?;
    ctx.formations = sorted_formations(ctx).await?;
    interview_panels(ctx).await
}

async fn sorted_formations(ctx: &Ctx<'_>) -> anyhow::Result<Vec<formation::Model>> {
    let mut all = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(ctx.round_id))
        .all(ctx.db)
        .await?;
    all.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(all)
}

/// The written test (imported, 0–100) and three interview criteria on the
/// 1–5 scale of the bundled panel template, each stage's weights summing
/// to 100; the interview's tie-break is knowledge of the programme.
///
/// # Errors
/// When the bundled template is missing or malformed.
fn tpp_criteria() -> anyhow::Result<Vec<CriterionDraft>> {
    let base = demo_criteria()?
        .into_iter()
        .next()
        .context("a criterion in the panel template")?;
    let row = |code: &str, weight: i32, name_id: &str, name_en: &str| CriterionDraft {
        code: code.into(),
        name_id: name_id.into(),
        name_en: name_en.into(),
        description_id: String::new(),
        description_en: String::new(),
        weight,
        pass_min: None,
        tiebreak_order: None,
        stage: Some(INTERVIEW.into()),
        ..base.clone()
    };
    Ok(vec![
        CriterionDraft {
            kind: crate::domain::ranking::CriterionKind::Imported,
            scale_min: 0,
            scale_max: 100,
            labels: BTreeMap::new(),
            stage: Some(WRITTEN.into()),
            description_id: "Nilai 0–100 dari tes tertulis berbasis komputer, diimpor dari \
                berkas hasil tes."
                .into(),
            description_en: "Score 0–100 of the computer-based written test, imported from \
                the test results file."
                .into(),
            ..row(
                WRITTEN_CRITERION,
                100,
                "Tes tertulis berbasis komputer",
                "Computer-based written test",
            )
        },
        row("MOT", 30, "Wawancara: motivasi", "Interview: motivation"),
        CriterionDraft {
            tiebreak_order: Some(1),
            ..row(
                "PRB",
                40,
                "Wawancara: pengetahuan tentang Probebaya",
                "Interview: knowledge of Probebaya",
            )
        },
        row(
            "TGS",
            30,
            "Wawancara: pemahaman tugas pendamping",
            "Interview: understanding of a facilitator's tasks",
        ),
    ])
}

/// One interview panel of three per kecamatan, accounts of their own.
async fn interview_panels(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    for (p_no, (kec_name, members)) in formations_by_kecamatan(ctx).await?.into_iter().enumerate() {
        let panel_id = panels::create_panel(
            ctx.db,
            ctx.admin,
            ctx.round_id,
            &format!("Tim Pewawancara TPP {kec_name}"),
            None,
        )
        .await?;
        let scope: Vec<String> = members
            .iter()
            .map(|i| ctx.formations[*i].kelurahan_code.clone())
            .collect();
        let mut panelists = Vec::new();
        for n in 0..PANELISTS {
            let sex = if n % 2 == 0 { Sex::Female } else { Sex::Male };
            let name = ctx.names.full_name(&mut ctx.rng, sex);
            let id = new_account(
                ctx,
                Role::Panelist,
                format!("pewawancara{}.{}@demo.pokmas.id", p_no + 1, n + 1),
                name,
                scope.clone(),
                format!("pewawancara TPP {kec_name}"),
            )
            .await?;
            panels::add_member(ctx.db, ctx.admin, ctx.round_id, panel_id, &id.to_string()).await?;
            panelists.push(Panelist {
                id,
                leniency: [-1, 0, 1][n % 3],
                biased: false,
            });
        }
        let texts: Vec<String> = members
            .iter()
            .map(|i| ctx.formations[*i].id.to_string())
            .collect();
        panels::set_formations(ctx.db, ctx.admin, ctx.round_id, panel_id, &texts).await?;
        ctx.panels.push((panel_id, panelists, members));
    }
    Ok(())
}

/// Opens registration and registers the applicants at the kelurahan help
/// desks; a few withdraw again.
async fn registration(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    move_round(ctx, RoundState::Registration, -21, 8).await?;
    let per = per_formation(ctx.opts.scale);
    restart_bar(ctx, (per * ctx.formations.len()) as u64, "pendaftar TPP");
    let declarations: Vec<String> = crate::services::rounds::load(ctx.db, ctx.round_id)
        .await?
        .requirements
        .iter()
        .filter(|r| r.kind == "declaration")
        .map(|r| format!("decl_{}", r.code))
        .collect();
    // NIK serials count per kecamatan from 5001, apart from the first
    // round's applicants.
    let mut per_kecamatan: BTreeMap<String, u32> = BTreeMap::new();
    let mut serial = 100_000u32;
    for fi in 0..ctx.formations.len() {
        let f = ctx.formations[fi].clone();
        let rts: Vec<i32> = crate::db::entities::formation_rt::Entity::find()
            .filter(crate::db::entities::formation_rt::Column::FormationId.eq(f.id))
            .all(ctx.db)
            .await?
            .into_iter()
            .map(|r| r.rt_number)
            .collect();
        let kec = f.kelurahan_code.get(6..8).unwrap_or("01").to_owned();
        let operator = ctx
            .operators
            .get(&f.kelurahan_code)
            .copied()
            .context("an operator for every kelurahan")?;
        let actor = Actor::Account {
            id: operator,
            role: Role::Operator,
        };
        let scopes = vec![f.kelurahan_code.clone()];
        for _ in 0..per {
            serial += 1;
            let kec_serial = {
                let n = per_kecamatan.entry(kec.clone()).or_insert(5000);
                *n += 1;
                *n
            };
            let person = people::person(
                &mut ctx.rng,
                &ctx.names,
                &kec,
                ctx.opts.today,
                kec_serial,
                serial % 23 == 5,
            );
            let rt = *rts.choose(&mut ctx.rng).unwrap_or(&1);
            // Latent ability: the written test's, then each interview criterion's.
            let quality: Vec<i32> = (0..=ctx.criteria.len())
                .map(|_| ctx.rng.random_range(2..=5))
                .collect();
            let acting = Acting {
                actor,
                scopes: &scopes,
            };
            let id = register(
                ctx,
                acting,
                &Registrant {
                    kelurahan_code: &f.kelurahan_code,
                    rt,
                    person: &person,
                    email: String::new(),
                    serial,
                    idempotency_key: format!("demo-tpp-{serial}"),
                    desk: true,
                },
                &declarations,
            )
            .await?;
            ctx.apps.push(DemoApp {
                id,
                formation: fi,
                kelurahan: f.kelurahan_code.clone(),
                rt,
                acting: actor,
                email: None,
                state: ApplicationState::Submitted,
                quality,
                twin_of: None,
                has_twin: false,
            });
            ctx.bar.inc(1);
        }
    }
    for i in 0..ctx.apps.len() {
        if i % 37 != 20 {
            continue;
        }
        let scopes = vec![ctx.apps[i].kelurahan.clone()];
        let acting = Acting {
            actor: ctx.apps[i].acting,
            scopes: &scopes,
        };
        apps::withdraw(ctx.db, acting, ctx.apps[i].id).await?;
        ctx.apps[i].state = ApplicationState::Withdrawn;
    }
    Ok(())
}

/// The assessment: the written test imported for every eligible applicant,
/// its shortlist published, the interview sessions filled (only those who
/// went on are invited), attendance and the panels' scorecards.
async fn assessment(ctx: &mut Ctx<'_>, s: &mut TppSummary) -> anyhow::Result<()> {
    move_round(ctx, RoundState::Assessment, 22, 8).await?;
    let numbers: BTreeMap<Uuid, String> = application::Entity::find()
        .filter(application::Column::RoundId.eq(ctx.round_id))
        .all(ctx.db)
        .await?
        .into_iter()
        .filter_map(|a| Some((a.id, a.registration_no?)))
        .collect();
    let mut csv = String::from("registration_no,value\n");
    for a in ctx
        .apps
        .iter()
        .filter(|a| a.state == ApplicationState::Eligible)
    {
        let no = numbers.get(&a.id).context("a registration number")?;
        let value = (20 + 14 * a.quality[0] + ctx.rng.random_range(-12..=8)).clamp(0, 100);
        csv.push_str(&format!("{no},{value}\n"));
        s.written_test += 1;
    }
    crate::services::imports::import(
        ctx.db,
        ctx.admin,
        ctx.round_id,
        WRITTEN_CRITERION,
        csv.as_bytes(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("importing the written test: {e:?}"))?;
    let lists = crate::services::shortlists::publish(
        ctx.db,
        &ctx.checkpoint_key,
        ctx.admin,
        ctx.round_id,
        WRITTEN,
        ctx.clock.at(25, 10),
    )
    .await?;
    s.shortlisted = lists
        .iter()
        .flat_map(|f| &f.entries)
        .filter(|e| e.advances)
        .count();
    // The interviews, once the shortlist's objection window has closed.
    let panel_list = ctx.panels.clone();
    for (p_no, (panel_id, _, _)) in panel_list.iter().enumerate() {
        let form = panels::SessionForm {
            starts_at: ctx.clock.at(29 + i64::try_from(p_no % 5).unwrap_or(0), 8),
            place: "Ruang Rapat Kantor Kecamatan".into(),
            capacity: 400,
            panel_id: *panel_id,
        };
        invite_to_session(ctx, &form, &format!("demo-tpp-session-{p_no}")).await?;
    }
    let index: BTreeMap<Uuid, usize> = ctx
        .apps
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id, i))
        .collect();
    let mut invitations: Vec<(usize, Uuid)> = test_invitation::Entity::find()
        .all(ctx.db)
        .await?
        .into_iter()
        .filter_map(|inv| Some((*index.get(&inv.application_id)?, inv.id)))
        .collect();
    invitations.sort();
    restart_bar(ctx, invitations.len() as u64, "wawancara TPP");
    for (i, invitation) in invitations {
        ctx.bar.inc(1);
        // Now and then someone does not come to the interview.
        let absent = i % 31 == 7;
        panels::record_attendance(
            ctx.db,
            ctx.admin,
            ctx.round_id,
            invitation,
            if absent { "absent" } else { "present" },
            "",
        )
        .await?;
        if absent {
            continue;
        }
        s.interviewed += 1;
        let (_, panelists, _) = panel_list
            .iter()
            .find(|(_, _, members)| members.contains(&ctx.apps[i].formation))
            .context("a panel for every formation")?;
        for p in panelists {
            let app_id = ctx.apps[i].id;
            scoring::declare(ctx.db, p.id, app_id, ConflictKind::None, "").await?;
            let mut v = Values::new();
            for (c, code) in ctx.criteria.iter().enumerate() {
                let noise = ctx.rng.random_range(-1..=1) * i32::from(ctx.rng.random_ratio(1, 3));
                let x = ctx.apps[i].quality[c + 1] + p.leniency + noise;
                v.insert(code.clone(), x.clamp(1, 5));
            }
            scoring::submit(ctx.db, p.id, app_id, &v, None).await?;
            s.scorecards += 1;
        }
    }
    Ok(())
}

/// Finalizes (one admin requests, the other approves), then one selected
/// facilitator withdraws: the first admin proposes the replacement with the
/// reason, the second approves, and the first reserve of that formation is
/// promoted with the withdrawal as the cause of every rank change.
async fn promote_a_reserve(ctx: &mut Ctx<'_>, s: &mut TppSummary) -> anyhow::Result<()> {
    use crate::db::entities::{audit_event, ranking};
    use crate::services::after_final::replacement::{
        Departure, decide_replacement, request_replacement,
    };
    stage_final(ctx).await?;
    let rows = ranking::Entity::find()
        .filter(ranking::Column::RoundId.eq(ctx.round_id))
        .all(ctx.db)
        .await?;
    let leaving = ctx
        .formations
        .iter()
        .find_map(|f| {
            let of = |status: &str| {
                rows.iter()
                    .filter(|r| r.formation_id == f.id && r.status.as_deref() == Some(status))
                    .max_by_key(|r| r.rank)
            };
            of("reserve").and(of("selected"))
        })
        .context("a formation with a selected member and a reserve")?;
    let approval = request_replacement(
        ctx.db,
        ctx.admin,
        ctx.round_id,
        leaving.application_id,
        Departure::Withdrawn,
        "Mengundurkan diri secara tertulis karena diterima bekerja di luar kota.",
    )
    .await?;
    let replaced = decide_replacement(
        ctx.db,
        &ctx.checkpoint_key,
        &mail_ctx(ctx),
        ctx.admin2,
        approval,
        true,
        "Surat pengunduran diri sudah diterima dan diperiksa.",
    )
    .await?
    .context("the replacement was approved")?;
    s.promoted = replaced.promoted;
    s.promotion_rank_changes = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("ranking.changed"))
        .filter(audit_event::Column::Seq.gt(replaced.cause_seq))
        .all(ctx.db)
        .await?
        .into_iter()
        .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.payload).ok())
        .filter(|p| p["cause_seq"] == replaced.cause_seq)
        .count();
    Ok(())
}
