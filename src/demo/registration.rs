//! Registration: applicants at the help desk and on their own accounts,
//! withdrawals, and the lottery witnesses' commit and reveal.

// The demo's shared types, imports and helpers live in `mod.rs`.
use super::*;
use crate::domain::application::ApplicationState;

const EDUCATION: [&str; 5] = ["SMP", "SMA/SMK", "SMA/SMK", "D3", "S1"];
const OCCUPATION: [&str; 8] = [
    "Wiraswasta",
    "Pedagang",
    "Ibu rumah tangga",
    "Guru honorer",
    "Karyawan swasta",
    "Nelayan",
    "Pensiunan",
    "Petani",
];

/// Opens registration (freezing the rules) and registers the applicants:
/// mostly at the kelurahan help desk, some on their own account; a few
/// withdraw again.
pub(super) async fn stage_registration(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    move_round(ctx, RoundState::Registration, -21, 8).await?;
    let (per_formation, _, _, _) = sizes(ctx.opts.scale);
    restart_bar(
        ctx,
        (per_formation * ctx.formations.len()) as u64,
        "pendaftar",
    );
    let declarations: Vec<String> = crate::services::rounds::load(ctx.db, ctx.round_id)
        .await?
        .requirements
        .iter()
        .filter(|r| r.kind == "declaration")
        .map(|r| format!("decl_{}", r.code))
        .collect();
    let mut serial = 0u32;
    let mut per_kecamatan: BTreeMap<String, u32> = BTreeMap::new();
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
        let operator = ctx.operators.get(&f.kelurahan_code).copied();
        let first_in_formation = ctx.apps.len();
        for n in 0..per_formation {
            serial += 1;
            // NIK serials count per kecamatan (four digits): a city-wide
            // count would pass 9,999 and repeat NIKs.
            let kec_serial = {
                let n = per_kecamatan.entry(kec.clone()).or_insert(0u32);
                *n += 1;
                *n
            };
            // Every 23rd applicant types a birth date that the NIK contradicts.
            let mismatch = serial % 23 == 5;
            let person = people::person(
                &mut ctx.rng,
                &ctx.names,
                &kec,
                ctx.opts.today,
                kec_serial,
                mismatch,
            );
            let own_account = ctx.rng.random_ratio(1, 5);
            let drawn = *rts.choose(&mut ctx.rng).unwrap_or(&1);
            // The biased panelist's RT is a real neighbourhood: five of the
            // first sixteen applicants of a formation live there, none of
            // them an exact-tie twin or its partner (no extra draw, so the
            // rest of the demo stays as it was for a seed).
            let favoured = favoured_rt(fi);
            let rt = if matches!(n, 1 | 3 | 5 | 9 | 12) && rts.contains(&favoured) {
                favoured
            } else {
                drawn
            };
            // Exact ties: every seventh applicant scores exactly like the one
            // before, every eleventh the same total with the tie-break
            // criterion swapped.
            let twin_of = match n {
                n if n > 0 && n % 7 == 0 => Some((ctx.apps.len() - 1, false)),
                n if n > 0 && n % 11 == 0 => Some((ctx.apps.len() - 1, true)),
                _ => None,
            };
            let quality: Vec<i32> = (0..ctx.criteria.len())
                .map(|_| ctx.rng.random_range(3..=5))
                .collect();
            let acting_actor = if own_account {
                let email = format!("warga{serial}@demo.pokmas.id");
                let id = new_account(
                    ctx,
                    Role::Applicant,
                    email,
                    person.name.clone(),
                    Vec::new(),
                    "pendaftar dengan akun sendiri".into(),
                )
                .await?;
                Actor::Account {
                    id,
                    role: Role::Applicant,
                }
            } else {
                let id = operator.context("an operator for every kelurahan")?;
                Actor::Account {
                    id,
                    role: Role::Operator,
                }
            };
            let scopes = vec![f.kelurahan_code.clone()];
            let acting = Acting {
                actor: acting_actor,
                scopes: if own_account { &[] } else { &scopes },
            };
            let email = if own_account {
                format!("warga{serial}@demo.pokmas.id")
            } else {
                String::new()
            };
            let id = register(
                ctx,
                acting,
                &Registrant {
                    kelurahan_code: &f.kelurahan_code,
                    rt,
                    person: &person,
                    email,
                    serial,
                    idempotency_key: format!("demo-{serial}"),
                    desk: !own_account,
                },
                &declarations,
            )
            .await?;
            ctx.summary.applications += 1;
            ctx.summary.assisted += usize::from(!own_account);
            ctx.apps.push(DemoApp {
                id,
                formation: fi,
                kelurahan: f.kelurahan_code.clone(),
                rt,
                acting: acting_actor,
                email: own_account.then(|| format!("warga{serial}@demo.pokmas.id")),
                state: ApplicationState::Submitted,
                quality,
                twin_of: twin_of.filter(|(p, _)| *p >= first_in_formation),
                has_twin: false,
            });
            if let Some((p, _)) = ctx.apps.last().and_then(|a| a.twin_of) {
                ctx.apps[p].has_twin = true;
            }
            ctx.bar.inc(1);
        }
    }
    // A few change their minds before registration closes.
    let count = ctx.apps.len() / 30 + 1;
    let mut candidates: Vec<usize> = (0..ctx.apps.len())
        .filter(|i| !is_protected(&ctx.apps, *i))
        .collect();
    candidates.shuffle(&mut ctx.rng);
    for i in candidates.into_iter().take(count) {
        let a = &ctx.apps[i];
        let scopes = vec![a.kelurahan.clone()];
        let acting = Acting {
            actor: a.acting,
            scopes: match a.acting {
                Actor::Account {
                    role: Role::Operator,
                    ..
                } => &scopes,
                _ => &[],
            },
        };
        apps::withdraw(ctx.db, acting, a.id).await?;
        ctx.apps[i].state = ApplicationState::Withdrawn;
        ctx.summary.withdrawn += 1;
    }
    commit_witnesses(ctx).await
}

/// Every witness commits `sha256_hex(secret)` before registration closes
/// (closing is refused otherwise). The secrets come from the demo's
/// generator, not from `lottery::suggest_secret`, so a seed repeats its
/// round; they look like the suggestion the witness page offers.
pub(super) async fn commit_witnesses(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    for n in 0..ctx.witnesses.len() {
        let bytes: [u8; 16] = ctx.rng.random();
        let secret = crate::domain::lottery::lower_hex(&bytes)
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-");
        let w = &mut ctx.witnesses[n];
        let id = w.id.context("the witness was named in the draft stage")?;
        crate::services::lottery::commit(
            ctx.db,
            w.account,
            w.role,
            id,
            &crate::domain::lottery::sha256_hex(&secret),
        )
        .await?;
        w.secret = Some(secret);
        ctx.summary.witnesses[n].1 = "committed";
    }
    Ok(())
}

/// Once registration has closed every witness reveals their secret; the last
/// reveal fixes the lottery seed (the assessment cannot start before).
pub(super) async fn reveal_witnesses(ctx: &mut Ctx<'_>) -> anyhow::Result<()> {
    for (n, w) in ctx.witnesses.iter().enumerate() {
        let (Some(id), Some(secret)) = (w.id, w.secret.as_deref()) else {
            anyhow::bail!("witness {} never committed", w.email);
        };
        let revealed =
            crate::services::lottery::reveal(ctx.db, w.account, w.role, id, secret).await?;
        ctx.summary.witnesses[n].1 = "revealed";
        if let crate::services::lottery::Revealed::Seed(seed) = revealed {
            ctx.summary.lottery_seed = Some(seed);
        }
    }
    anyhow::ensure!(
        ctx.summary.lottery_seed.is_some() || ctx.witnesses.is_empty(),
        "every witness revealed but no seed was fixed"
    );
    Ok(())
}

/// Who registers, for [`register`].
pub(super) struct Registrant<'p> {
    pub kelurahan_code: &'p str,
    pub rt: i32,
    pub person: &'p Person,
    /// Their own account's sign-in, empty at the help desk.
    pub email: String,
    /// Numbers the address and picks the message channel.
    pub serial: u32,
    pub idempotency_key: String,
    /// Registered at the help desk (which asks for consent to messages).
    pub desk: bool,
}

/// One application from draft to submission, as the portal and the help
/// desk make it: the form, two or three scans, consent to messages at the
/// desk, and the submission with its receipt.
pub(super) async fn register(
    ctx: &mut Ctx<'_>,
    acting: Acting<'_>,
    who: &Registrant<'_>,
    declarations: &[String],
) -> anyhow::Result<Uuid> {
    let (person, rt, serial) = (who.person, who.rt, who.serial);
    let id = apps::start_draft(
        ctx.db,
        &ctx.vault,
        acting,
        &StartDraft {
            round_id: ctx.round_id,
            kelurahan_code: who.kelurahan_code.to_owned(),
            rt,
            idempotency_key: who.idempotency_key.clone(),
            formation_code: None,
        },
    )
    .await?;
    let mut fields = BTreeMap::new();
    for (k, v) in [
        ("full_name", person.name.clone()),
        ("nik", person.nik.clone()),
        ("birth_place", "Samarinda".to_owned()),
        ("birth_date", person.typed_birth_date.to_string()),
        (
            "sex",
            if person.sex == Sex::Male {
                "male"
            } else {
                "female"
            }
            .to_owned(),
        ),
        (
            "address",
            format!("Jl. Demo No. {} RT {rt:03}", ctx.rng.random_range(1..200)),
        ),
        (
            "phone",
            format!(
                "08{:010}",
                ctx.rng.random_range(1_000_000_000u64..9_999_999_999)
            ),
        ),
        ("email", who.email.clone()),
        (
            "education",
            (*EDUCATION.choose(&mut ctx.rng).unwrap_or(&"SMA/SMK")).to_owned(),
        ),
        (
            "occupation",
            (*OCCUPATION.choose(&mut ctx.rng).unwrap_or(&"Wiraswasta")).to_owned(),
        ),
        (
            "motivation",
            "Ingin ikut membangun lingkungan RT secara terbuka.".to_owned(),
        ),
        (
            "experience",
            "Pengurus kegiatan warga dan posyandu.".to_owned(),
        ),
    ] {
        fields.insert(k.to_owned(), v);
    }
    for d in declarations {
        fields.insert(d.clone(), "on".into());
    }
    let phone = fields.get("phone").cloned().unwrap_or_default();
    let mut docs = vec!["KTP", "KK"];
    if ctx.rng.random_ratio(1, 4) {
        docs.push("CV");
    }
    if who.desk {
        // The desk asks for consent to news by SMS/WhatsApp when it takes
        // the number, so the receipt text goes out on submission.
        let channel = if serial.is_multiple_of(3) {
            "whatsapp"
        } else {
            "sms"
        };
        let now = OffsetDateTime::now_utc();
        crate::services::message_consent::give(ctx.db, acting, id, &phone, channel, true, now)
            .await?;
    }
    // The form's one POST: fields, files and submission together.
    let uploads = docs
        .into_iter()
        .map(|code| apps::Upload {
            requirement_code: code.to_owned(),
            original_name: format!("{}.pdf", code.to_lowercase()),
            bytes: small_pdf(code, &format!("demo {serial}")),
        })
        .collect();
    let mail = ctx.base_url.clone();
    let done = apps::save_form(
        ctx.db,
        &ctx.store,
        &ctx.vault,
        apps::MailCtx {
            base_url: &mail,
            from: &ctx.from,
            vault: &ctx.vault,
        },
        acting,
        id,
        apps::FormPost {
            fields: Fields(FormData(fields)),
            uploads,
            submit: true,
            lang: Lang::Id,
        },
    )
    .await?;
    anyhow::ensure!(done.errors.is_empty(), "form refused: {:?}", done.errors);
    anyhow::ensure!(done.submitted.is_some(), "form saved but not submitted");
    ctx.summary.nik_warnings += usize::from(!done.warnings.is_empty());
    Ok(id)
}
