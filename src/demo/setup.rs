//! Stage 0 and the draft round: accounts, regions, the round's rules,
//! formations and panels.

// The demo's shared types, imports and helpers live in `mod.rs`.
use super::*;

/// Accounts: two admins, an auditor, one help-desk operator per kelurahan.
/// Panelists are created with their panels in [`stage_draft`].
pub(super) async fn stage_accounts(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    let admin = new_account(
        ctx,
        Role::Admin,
        "admin@demo.pokmas.id".into(),
        "Admin Kota (demo)".into(),
        Vec::new(),
        "membuat dan menjalankan seleksi".into(),
    )
    .await?;
    ctx.admin = Actor::Account {
        id: admin,
        role: Role::Admin,
    };
    let admin2 = new_account(
        ctx,
        Role::Admin,
        "admin2@demo.pokmas.id".into(),
        "Admin Kedua (demo)".into(),
        Vec::new(),
        "meninjau sanggahan; menyetujui perubahan hasil verifikasi dan penetapan hasil akhir"
            .into(),
    )
    .await?;
    ctx.admin2 = Actor::Account {
        id: admin2,
        role: Role::Admin,
    };
    // The lottery witnesses the README suggests: the inspectorate's auditor
    // and a community representative (an independent observer, so the
    // auditor role: reading, never changing).
    for (email, name, note, label) in [
        (
            "auditor@demo.pokmas.id",
            "Auditor Inspektorat (demo)",
            "membaca jejak audit; saksi undian 1 (komitmen dan rahasia)",
            "Inspektorat",
        ),
        (
            "saksi.warga@demo.pokmas.id",
            "Perwakilan Warga (demo)",
            "saksi undian 2 dari warga (komitmen dan rahasia)",
            "Perwakilan warga",
        ),
    ] {
        let id = new_account(
            ctx,
            Role::Auditor,
            email.into(),
            name.into(),
            Vec::new(),
            note.into(),
        )
        .await?;
        ctx.witnesses.push(Witness {
            account: id,
            role: Role::Auditor,
            email: email.into(),
            label,
            id: None,
            secret: None,
        });
    }
    for (_, code, name, _) in demo_kelurahan(ctx.db, ctx.opts.scale).await? {
        let short = code.replace('.', "");
        let id = new_account(
            ctx,
            Role::Operator,
            format!("operator.{short}@demo.pokmas.id"),
            format!("Operator Kelurahan {name}"),
            vec![code.clone()],
            format!("meja bantuan {name}"),
        )
        .await?;
        ctx.operators.insert(code, id);
    }
    Ok(())
}

/// A draft round with criteria, requirements, RTs, formations and panels.
pub(super) async fn stage_draft(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    let (_, panel_size, seats, reserve) = sizes(ctx.opts.scale);
    let kels = demo_kelurahan(ctx.db, ctx.opts.scale).await?;
    // RTs: the recorded count where the fixture knows it, otherwise a
    // plausible one (Samarinda has about 1,971 RTs in 59 kelurahan).
    for (_, code, _, known) in &kels {
        let count = match known {
            Some(_) => None,
            None => Some(ctx.rng.random_range(18..=48)),
        };
        settings_rts(ctx, code, count).await?;
    }
    let year = ctx.opts.today.year();
    let s = RoundSettings {
        name: format!("Rekrutmen Pokmas {year}"),
        year,
        description_id: "Seleksi terbuka anggota Pokmas Probebaya untuk setiap kelurahan. \
            Data ini adalah data contoh (demo)."
            .into(),
        description_en: "Open recruitment of Probebaya Pokmas members for every kelurahan. \
            This is demo data."
            .into(),
        aggregation: crate::domain::ranking::Aggregation::Mean,
        passing_total: Some(PASSING_TOTAL),
        min_panelists: 3,
        age_min: Some(21),
        age_max: Some(60),
        publish_all_names: false,
        schedule: ctx.clock.schedule(),
    };
    let round_id = settings::create_round(ctx.db, ctx.admin, &s, None).await?;
    ctx.round_id = round_id;
    ctx.summary.round_id = Some(round_id);
    ctx.summary.round_slug = crate::services::rounds::load(ctx.db, round_id)
        .await?
        .round
        .slug;
    criteria::apply_template(ctx.db, ctx.admin, round_id, "panel").await?;
    // The template adopts its own rules; the demo's schedule stays.
    settings::update_round(ctx.db, ctx.admin, round_id, &s).await?;
    let drafts = demo_criteria()?;
    ctx.criteria = drafts.iter().map(|d| d.code.clone()).collect();
    criteria::set_criteria(ctx.db, ctx.admin, round_id, &drafts).await?;
    let mut reqs = criteria::default_requirements().map_err(|e| anyhow::anyhow!("{e}"))?;
    for r in &mut reqs {
        // Two scans are required; the statement and CV are welcome, not required.
        if r.code == "PERNYATAAN" || r.code == "CV" {
            r.mandatory = false;
        }
    }
    criteria::set_requirements(ctx.db, ctx.admin, round_id, &reqs).await?;
    let mut kec_codes: Vec<&String> = kels.iter().map(|k| &k.0).collect();
    kec_codes.dedup();
    for kec in kec_codes {
        crate::services::rounds::generate_formations(
            ctx.db, ctx.admin, round_id, kec, seats, reserve,
        )
        .await?;
    }
    ctx.formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .all(ctx.db)
        .await?;
    ctx.formations.sort_by(|a, b| a.code.cmp(&b.code));
    // A little variety in seats: bigger kelurahan get two more.
    let items: Vec<SeatsItem> = ctx
        .formations
        .iter()
        .step_by(3)
        .map(|f| SeatsItem {
            formation_id: f.id,
            seats: f.seats + 2,
            reserve: f.reserve,
        })
        .collect();
    crate::services::rounds::update_seats(ctx.db, ctx.admin, round_id, &items).await?;
    ctx.formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .all(ctx.db)
        .await?;
    ctx.formations.sort_by(|a, b| a.code.cmp(&b.code));
    ctx.summary.formations = ctx.formations.len();

    // One panel per kecamatan (small: one panel), each with its panelists.
    for (p_no, (kec_name, members)) in formations_by_kecamatan(ctx).await?.into_iter().enumerate() {
        let panel_id = panels::create_panel(
            ctx.db,
            ctx.admin,
            round_id,
            &format!("Tim Penilai {kec_name}"),
            None,
        )
        .await?;
        let mut panelists = Vec::new();
        for n in 0..panel_size {
            let sex = if n % 2 == 0 { Sex::Male } else { Sex::Female };
            let name = ctx.names.full_name(&mut ctx.rng, sex);
            let biased = p_no == 0 && n == panel_size - 1;
            let leniency = if biased { 0 } else { [-1, 0, 0, 1][n % 4] };
            let scope: Vec<String> = members
                .iter()
                .map(|i| ctx.formations[*i].kelurahan_code.clone())
                .collect();
            let id = new_account(
                ctx,
                Role::Panelist,
                format!("penilai{}.{}@demo.pokmas.id", p_no + 1, n + 1),
                name,
                scope,
                format!(
                    "{}{}",
                    kec_name,
                    if biased {
                        " — penilai yang berat sebelah (lihat nilainya)"
                    } else {
                        ""
                    }
                ),
            )
            .await?;
            panels::add_member(ctx.db, ctx.admin, round_id, panel_id, &id.to_string()).await?;
            panelists.push(Panelist {
                id,
                leniency,
                biased,
            });
        }
        let texts: Vec<String> = members
            .iter()
            .map(|i| ctx.formations[*i].id.to_string())
            .collect();
        panels::set_formations(ctx.db, ctx.admin, round_id, panel_id, &texts).await?;
        ctx.panels.push((panel_id, panelists, members));
    }
    // The lottery witnesses are named while the round is a draft, so they
    // can commit as soon as registration opens.
    for w in &mut ctx.witnesses {
        let id =
            crate::services::lottery::name_witness(ctx.db, ctx.admin, round_id, &w.email, w.label)
                .await?;
        w.id = Some(id);
        ctx.summary.witnesses.push((w.email.clone(), "named"));
    }
    Ok(())
}

pub(super) async fn settings_rts(
    ctx: &mut Ctx<'_>,
    code: &str,
    count: Option<i32>,
) -> anyhow::Result<()> {
    crate::services::rounds::create_rts(ctx.db, ctx.admin, code, count).await?;
    Ok(())
}

/// The round's formations (indices into `ctx.formations`) grouped by
/// kecamatan, with the kecamatan's name, in code order: one panel each.
pub(super) async fn formations_by_kecamatan(
    ctx: &Ctx<'_>,
) -> anyhow::Result<Vec<(String, Vec<usize>)>> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in ctx.formations.iter().enumerate() {
        let kec = f.kelurahan_code.get(..8).unwrap_or_default().to_owned();
        groups.entry(kec).or_default().push(i);
    }
    let names: BTreeMap<String, String> = kecamatan::Entity::find()
        .all(ctx.db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect();
    Ok(groups
        .into_iter()
        .map(|(kec, members)| (names.get(&kec).cloned().unwrap_or_default(), members))
        .collect())
}
