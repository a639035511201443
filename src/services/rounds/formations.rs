//! Formations: generation per kelurahan, RT groups, seats, RT rows and
//! `formations.csv` import and export.

use super::*;

// ---------------------------------------------------------------------------
// Formations
// ---------------------------------------------------------------------------

pub use crate::domain::round::GenerateReport;

pub(super) async fn rts_of(
    tx: &impl ConnectionTrait,
    kelurahan_code: &str,
) -> Result<Vec<i32>, DbErr> {
    rt::Entity::find()
        .filter(rt::Column::KelurahanCode.eq(kelurahan_code))
        .order_by_asc(rt::Column::Number)
        .all(tx)
        .await
        .map(|v| v.into_iter().map(|r| r.number).collect())
}

/// Stores a formation and the RTs it covers (`rts`, already resolved).
async fn insert_formation(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    d: &FormationDraft,
    rts: &[i32],
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    let (code, name, kelurahan_code) = (&d.code, &d.name, &d.kelurahan_code);
    let (all_rts, seats, reserve) = (d.rts == RtSet::All, d.seats, d.reserve);
    formation::ActiveModel {
        id: Set(id),
        round_id: Set(round_id),
        code: Set(code.to_owned()),
        name: Set(name.to_owned()),
        kelurahan_code: Set(kelurahan_code.to_owned()),
        all_rts: Set(all_rts),
        seats: Set(seats),
        reserve: Set(reserve),
    }
    .insert(tx)
    .await?;
    if !rts.is_empty() {
        formation_rt::Entity::insert_many(rts.iter().map(|n| formation_rt::ActiveModel {
            round_id: Set(round_id),
            kelurahan_code: Set(kelurahan_code.to_owned()),
            rt_number: Set(*n),
            formation_id: Set(id),
        }))
        .exec(tx)
        .await?;
    }
    Ok(id)
}

/// Creates one whole-kelurahan formation for every kelurahan of a kecamatan
/// (or of the city, for an empty `kecamatan_code`) that has RT rows and is not
/// yet covered, listing all its RTs in `formation_rt` (`formations.generated`).
///
/// # Errors
/// `Invalid` for bad seats/reserve, an unknown kecamatan or a frozen round.
pub async fn generate_formations(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    kecamatan_code: &str,
    seats: i32,
    reserve: i32,
) -> Result<GenerateReport, ServiceError> {
    require_admin_or_platform(actor)?;
    if !(1..=1000).contains(&seats) {
        return Err(ServiceError::field(
            "seats",
            Msg::new("Kursi harus 1–1000.", "Seats must be 1–1000."),
        ));
    }
    if !(0..=1000).contains(&reserve) {
        return Err(ServiceError::field(
            "reserve",
            Msg::new("Cadangan harus 0–1000.", "Reserve must be 0–1000."),
        ));
    }
    let tx = begin_write(db).await?;
    // A formation is named after the round's group: "Pokmas Kelurahan …".
    let group = lock_draft(&tx, id).await?.group_id;
    let mut q = kelurahan::Entity::find().order_by_asc(kelurahan::Column::Code);
    if !kecamatan_code.is_empty() {
        if kecamatan::Entity::find_by_id(kecamatan_code.to_owned())
            .one(&tx)
            .await?
            .is_none()
        {
            return Err(ServiceError::field(
                "kecamatan",
                Msg::new("Kecamatan tidak dikenal.", "Unknown kecamatan."),
            ));
        }
        q = q.filter(kelurahan::Column::KecamatanCode.eq(kecamatan_code));
    }
    let kels = q.all(&tx).await?;
    let existing = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(id))
        .all(&tx)
        .await?;
    let covered: BTreeSet<&str> = existing.iter().map(|f| f.kelurahan_code.as_str()).collect();
    let codes: BTreeSet<&str> = existing.iter().map(|f| f.code.as_str()).collect();
    let mut report = GenerateReport::default();
    for k in &kels {
        if covered.contains(k.code.as_str()) || codes.contains(k.code.as_str()) {
            report.already_covered.push(k.code.clone());
            continue;
        }
        let rts = rts_of(&tx, &k.code).await?;
        if rts.is_empty() {
            report
                .without_rts
                .push((k.code.clone(), k.name.clone(), k.rt_count));
            continue;
        }
        let name = format!("{group} Kelurahan {}", k.name);
        let draft = FormationDraft {
            code: k.code.clone(),
            name,
            kelurahan_code: k.code.clone(),
            rts: RtSet::All,
            seats,
            reserve,
        };
        insert_formation(&tx, id, &draft, &rts).await?;
        report.created.push(k.code.clone());
    }
    if report.created.is_empty() {
        // Nothing changed, so nothing is recorded.
        return Ok(report);
    }
    touch(&tx, id).await?;
    append(
        &tx,
        NewEvent::new(actor, "formations.generated", "round", id.to_string())
            .round(id)
            .payload(serde_json::json!({
                "kecamatan_code": kecamatan_code,
                "created": report.created,
                "seats": seats,
                "reserve": reserve,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// Adds RT rows 1..=`count` to a kelurahan that lacks them, and records the
/// count (`regions.rts_created`). Existing RT rows are kept. Without a
/// `count`, the kelurahan's recorded `rt_count` is used when it is known.
///
/// # Errors
/// `Forbidden`; `Invalid` for a count outside 1–500, or none given nor
/// recorded; `Invalid` (field `kelurahan`) for an unknown kelurahan.
pub async fn create_rts(
    db: &DatabaseConnection,
    actor: Actor,
    kelurahan_code: &str,
    count: Option<i32>,
) -> Result<u64, ServiceError> {
    require_admin_or_platform(actor)?;
    let tx = begin_write(db).await?;
    let kel = kelurahan::Entity::find_by_id(kelurahan_code.to_owned())
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let count = count.or(kel.rt_count).unwrap_or(0);
    if !(1..=500).contains(&count) {
        return Err(ServiceError::field(
            "rt_count",
            Msg::new(
                "Isi jumlah RT kelurahan ini (1–500).",
                "Enter this kelurahan's number of RTs (1–500).",
            ),
        ));
    }
    let have: BTreeSet<i32> = rts_of(&tx, &kel.code).await?.into_iter().collect();
    let missing: Vec<i32> = (1..=count).filter(|n| !have.contains(n)).collect();
    if missing.is_empty() {
        return Ok(0);
    }
    rt::Entity::insert_many(missing.iter().map(|n| rt::ActiveModel {
        kelurahan_code: Set(kel.code.clone()),
        number: Set(*n),
    }))
    .exec(&tx)
    .await?;
    let total = i32::try_from(have.len() + missing.len()).unwrap_or(i32::MAX);
    kelurahan::ActiveModel {
        code: Set(kel.code.clone()),
        rt_count: Set(Some(total)),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let mut ev = NewEvent::new(actor, "regions.rts_created", "kelurahan", kel.code.clone()).payload(
        serde_json::json!({ "kelurahan_code": kel.code, "from": 1, "to": count, "added": missing.len() }),
    );
    ev.kelurahan_code = Some(kel.code.clone());
    append(&tx, ev).await?;
    tx.commit().await?;
    Ok(missing.len() as u64)
}

/// A formation as typed in the RT-group form or a CSV row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormationDraft {
    pub code: String,
    pub name: String,
    pub kelurahan_code: String,
    pub rts: RtSet,
    pub seats: i32,
    pub reserve: i32,
}

/// Checks drafts against the regions and each other and against the round's
/// other formations, returning the RTs each covers. Messages are keyed by
/// `key(i, field)`.
async fn resolve_formations(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    drafts: &[FormationDraft],
    keep_existing: bool,
    key: &(dyn Fn(usize, &str) -> String + Sync),
) -> Result<Vec<Vec<i32>>, FieldErrors> {
    let mut errs = FieldErrors::new();
    let mut taken: BTreeMap<(String, i32), String> = BTreeMap::new();
    let mut whole: BTreeMap<String, String> = BTreeMap::new();
    let mut codes: BTreeSet<String> = BTreeSet::new();
    let db_err = |e: DbErr| {
        let mut m = FieldErrors::new();
        m.insert(
            "".into(),
            Msg::new(
                format!("Gangguan basis data: {e}"),
                format!("Database error: {e}"),
            ),
        );
        m
    };
    if keep_existing {
        let existing = formation::Entity::find()
            .filter(formation::Column::RoundId.eq(round_id))
            .all(tx)
            .await
            .map_err(db_err)?;
        let rows = formation_rt::Entity::find()
            .filter(formation_rt::Column::RoundId.eq(round_id))
            .all(tx)
            .await
            .map_err(db_err)?;
        for f in &existing {
            codes.insert(f.code.clone());
            if f.all_rts {
                whole.insert(f.kelurahan_code.clone(), f.code.clone());
            }
        }
        for r in rows {
            let code = existing
                .iter()
                .find(|f| f.id == r.formation_id)
                .map(|f| f.code.clone())
                .unwrap_or_default();
            taken.insert((r.kelurahan_code, r.rt_number), code);
        }
    }
    let mut out = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        if !codes.insert(d.code.clone()) {
            errs.insert(
                key(i, "code"),
                Msg::new(
                    format!("Kode formasi {} sudah dipakai.", d.code),
                    format!("Formation code {} is already used.", d.code),
                ),
            );
        }
        let kel = kelurahan::Entity::find_by_id(d.kelurahan_code.clone())
            .one(tx)
            .await
            .map_err(db_err)?;
        let Some(kel) = kel else {
            errs.insert(
                key(i, "kelurahan_code"),
                Msg::new(
                    format!("Kelurahan {} tidak dikenal.", d.kelurahan_code),
                    format!("Unknown kelurahan {}.", d.kelurahan_code),
                ),
            );
            out.push(Vec::new());
            continue;
        };
        let known = rts_of(tx, &kel.code).await.map_err(db_err)?;
        if known.is_empty() {
            errs.insert(
                key(i, "rts"),
                Msg::new(
                    format!("Kelurahan {} belum memiliki data RT. Impor daftar RT atau isi jumlah RT-nya terlebih dahulu.", kel.name),
                    format!("Kelurahan {} has no RT rows yet. Import its RT list or enter its RT count first.", kel.name),
                ),
            );
            out.push(Vec::new());
            continue;
        }
        let rts = match &d.rts {
            RtSet::All => known.clone(),
            RtSet::Some(v) => v.clone(),
        };
        let unknown: Vec<String> = rts
            .iter()
            .filter(|n| !known.contains(n))
            .map(i32::to_string)
            .collect();
        if !unknown.is_empty() {
            errs.insert(
                key(i, "rts"),
                Msg::new(
                    format!(
                        "RT {} tidak ada di Kelurahan {} (RT terdaftar: 1–{}).",
                        unknown.join(", "),
                        kel.name,
                        known.len()
                    ),
                    format!(
                        "RT {} does not exist in Kelurahan {} (known RTs: 1–{}).",
                        unknown.join(", "),
                        kel.name,
                        known.len()
                    ),
                ),
            );
            out.push(Vec::new());
            continue;
        }
        if let (RtSet::Some(_), Some(other)) = (&d.rts, whole.get(&kel.code)) {
            errs.insert(
                key(i, "rts"),
                Msg::new(
                    format!(
                        "Wilayah formasi tumpang tindih: Kelurahan {} sudah menjadi satu formasi utuh ({other}).",
                        kel.name
                    ),
                    format!(
                        "Formations overlap: Kelurahan {} is already one whole formation ({other}).",
                        kel.name
                    ),
                ),
            );
            out.push(Vec::new());
            continue;
        }
        if d.rts == RtSet::All {
            if let Some(other) = whole.get(&kel.code) {
                errs.insert(
                    key(i, "rts"),
                    Msg::new(
                        format!(
                            "Kelurahan {} sudah menjadi satu formasi utuh ({other}).",
                            kel.name
                        ),
                        format!(
                            "Kelurahan {} is already one whole formation ({other}).",
                            kel.name
                        ),
                    ),
                );
                out.push(Vec::new());
                continue;
            }
            whole.insert(kel.code.clone(), d.code.clone());
        }
        let clashes: Vec<String> = rts
            .iter()
            .filter_map(|n| {
                taken
                    .get(&(kel.code.clone(), *n))
                    .map(|c| format!("RT {n} ({c})"))
            })
            .collect();
        if !clashes.is_empty() {
            errs.insert(
                key(i, "rts"),
                Msg::new(
                    format!(
                        "Wilayah formasi tumpang tindih: {} sudah termasuk formasi lain.",
                        clashes.join(", ")
                    ),
                    format!(
                        "Formations overlap: {} already belong to another formation.",
                        clashes.join(", ")
                    ),
                ),
            );
            out.push(Vec::new());
            continue;
        }
        for n in &rts {
            taken.insert((kel.code.clone(), *n), d.code.clone());
        }
        out.push(rts);
    }
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

/// Adds one formation: a group of RTs of a kelurahan, or the whole kelurahan
/// (`formation.created`). Overlaps with other formations are refused.
///
/// # Errors
/// `Invalid` with a message per field; `Forbidden`; `NotFound`.
pub async fn add_formation(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    d: &FormationDraft,
) -> Result<Uuid, ServiceError> {
    require_admin_or_platform(actor)?;
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    let rts = resolve_formations(&tx, id, std::slice::from_ref(d), true, &|_, f| f.to_owned())
        .await
        .map_err(ServiceError::Fields)?;
    let rts = rts.into_iter().next().unwrap_or_default();
    let fid = insert_formation(&tx, id, d, &rts).await?;
    touch(&tx, id).await?;
    append(
        &tx,
        NewEvent::new(actor, "formation.created", "formation", fid.to_string())
            .round(id)
            .payload(serde_json::json!({
                "code": d.code,
                "kelurahan_code": d.kelurahan_code,
                "rts": d.rts.to_csv(),
                "seats": d.seats,
                "reserve": d.reserve,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(fid)
}

/// Removes one formation of a draft round (`formation.deleted`).
///
/// # Errors
/// `NotFound` when it is not a formation of this round; `Invalid` when frozen.
pub async fn delete_formation(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    formation_id: Uuid,
) -> Result<(), ServiceError> {
    require_admin_or_platform(actor)?;
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    let f = formation::Entity::find_by_id(formation_id)
        .one(&tx)
        .await?
        .filter(|f| f.round_id == id)
        .ok_or(ServiceError::NotFound)?;
    formation::Entity::delete_by_id(f.id).exec(&tx).await?;
    touch(&tx, id).await?;
    append(
        &tx,
        NewEvent::new(actor, "formation.deleted", "formation", f.id.to_string())
            .round(id)
            .payload(serde_json::json!({ "code": f.code })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets seats and reserve of many formations at once (`formations.seats_updated`,
/// listing only what changed); items naming a formation of another round
/// are ignored. The items were checked by [`parse_seats`] or [`check_seats`].
///
/// # Errors
/// `Invalid` when frozen; storage failures.
pub async fn update_seats(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    items: &[SeatsItem],
) -> Result<usize, ServiceError> {
    require_admin_or_platform(actor)?;
    let wanted: BTreeMap<Uuid, (i32, i32)> = items
        .iter()
        .map(|i| (i.formation_id, (i.seats, i.reserve)))
        .collect();
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    let all = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(id))
        .order_by_asc(formation::Column::Code)
        .all(&tx)
        .await?;
    let changes: Vec<_> = all
        .iter()
        .filter_map(|fm| {
            let (s, r) = *wanted.get(&fm.id)?;
            ((s, r) != (fm.seats, fm.reserve)).then_some((fm, s, r))
        })
        .collect();
    if changes.is_empty() {
        return Ok(0);
    }
    for (fm, s, r) in &changes {
        formation::ActiveModel {
            id: Set(fm.id),
            seats: Set(*s),
            reserve: Set(*r),
            ..Default::default()
        }
        .update(&tx)
        .await?;
    }
    touch(&tx, id).await?;
    append(
        &tx,
        NewEvent::new(actor, "formations.seats_updated", "round", id.to_string())
            .round(id)
            .payload(serde_json::json!({
                "changed": changes.iter().map(|(fm, s, r)| serde_json::json!({
                    "code": fm.code, "seats": s, "reserve": r,
                    "seats_before": fm.seats, "reserve_before": fm.reserve,
                })).collect::<Vec<_>>(),
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(changes.len())
}

/// Replaces all formations of a draft round with those of a `formations.csv`
/// text (`formations.imported`). The file is taken whole or not at all; every
/// problem is reported with its line number under the key `csv`.
///
/// # Errors
/// `Invalid` listing bad lines; `Forbidden`; `NotFound`.
pub async fn import_formations(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    text: &str,
) -> Result<usize, ServiceError> {
    require_admin_or_platform(actor)?;
    let line_errors = |list: Vec<(u64, Msg)>| {
        let id_text = list
            .iter()
            .map(|(l, m)| format!("Baris {l}: {}", m.id))
            .collect::<Vec<_>>()
            .join("\n");
        let en_text = list
            .iter()
            .map(|(l, m)| format!("Line {l}: {}", m.en))
            .collect::<Vec<_>>()
            .join("\n");
        ServiceError::field("csv", Msg::new(id_text, en_text))
    };
    let recs = formations_csv::parse(text)
        .map_err(|errs| line_errors(errs.into_iter().map(|e| (e.line, e.msg)).collect()))?;
    let round_text = id.to_string();
    let mut bad: Vec<(u64, Msg)> = recs
        .iter()
        .filter(|r| !r.round_id.is_empty() && r.round_id != round_text)
        .map(|r| {
            (
                r.line,
                Msg::new(
                    format!("round_id {} bukan seleksi ini ({round_text}).", r.round_id),
                    format!("round_id {} is not this round ({round_text}).", r.round_id),
                ),
            )
        })
        .collect();
    if recs.is_empty() {
        bad.push((
            2,
            Msg::new(
                "Berkas tidak berisi formasi.",
                "The file holds no formation.",
            ),
        ));
    }
    if !bad.is_empty() {
        return Err(line_errors(bad));
    }
    let drafts: Vec<FormationDraft> = recs
        .iter()
        .map(|r| FormationDraft {
            code: r.code.clone(),
            name: r.name.clone(),
            kelurahan_code: r.kelurahan_code.clone(),
            rts: r.rts.clone(),
            seats: r.seats,
            reserve: r.reserve,
        })
        .collect();
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    let rts = match resolve_formations(&tx, id, &drafts, false, &|i, f| format!("{i}:{f}")).await {
        Ok(v) => v,
        Err(errs) => {
            let mut list: Vec<(u64, Msg)> = errs
                .into_iter()
                .map(|(k, m)| {
                    let i: usize = k
                        .split(':')
                        .next()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    (recs.get(i).map_or(0, |r| r.line), m)
                })
                .collect();
            list.sort_by_key(|(l, _)| *l);
            return Err(line_errors(list));
        }
    };
    formation::Entity::delete_many()
        .filter(formation::Column::RoundId.eq(id))
        .exec(&tx)
        .await?;
    for (d, r) in drafts.iter().zip(&rts) {
        insert_formation(&tx, id, d, r).await?;
    }
    touch(&tx, id).await?;
    append(
        &tx,
        NewEvent::new(actor, "formations.imported", "round", id.to_string())
            .round(id)
            .payload(serde_json::json!({
                "formations": drafts.len(),
                "seats": drafts.iter().map(|d| i64::from(d.seats)).sum::<i64>(),
                "sha256": crate::domain::lottery::sha256_hex(text),
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(drafts.len())
}

/// The round's formations as `formations.csv`. Every export is itself an
/// audited event (`formations.exported`, with the SHA-256 of the file), so the
/// file an auditor holds can be matched to the moment it was taken.
///
/// # Errors
/// `Forbidden` unless admin or auditor; `NotFound`; storage failures.
pub async fn export_formations(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
) -> Result<String, ServiceError> {
    if let Actor::Account { role, .. } = actor
        && !matches!(role, Role::Admin | Role::Auditor)
    {
        return Err(ServiceError::Forbidden);
    }
    let tx = begin_write(db).await?;
    let r = round::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let detail = load_in(&tx, r).await?;
    let rows: Vec<FormationRec> = detail
        .formations
        .iter()
        .map(|f| FormationRec {
            line: 0,
            round_id: id.to_string(),
            code: f.model.code.clone(),
            name: f.model.name.clone(),
            kelurahan_code: f.model.kelurahan_code.clone(),
            rts: if f.model.all_rts {
                RtSet::All
            } else {
                RtSet::Some(f.rts.clone())
            },
            seats: f.model.seats,
            reserve: f.model.reserve,
        })
        .collect();
    let text = formations_csv::write(&rows).map_err(ServiceError::Internal)?;
    append(
        &tx,
        NewEvent::new(actor, "formations.exported", "round", id.to_string())
            .round(id)
            .payload(serde_json::json!({
                "formations": rows.len(),
                "sha256": crate::domain::lottery::sha256_hex(&text),
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(text)
}
