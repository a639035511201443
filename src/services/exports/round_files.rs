//! The round's files as an auditor reads them: one writer per file, each
//! over a snapshot read in the export's transaction.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::io_err;
use crate::db::entities::{
    application, conflict_declaration, criterion, formation, formation_rt, imported_value, ranking,
    requirement, requirement_check, round, round_stage, score_value, score_version, scorecard,
    stage_shortlist, stage_shortlist_entry,
};
use crate::domain::application::ApplicationState;
use crate::domain::audit::format_at;
use crate::domain::eligibility::RequirementOutcome;
use crate::domain::masking::mask_nik;
use crate::domain::ranking::{format_rounded_2dp, parse_fraction};
use crate::domain::round::RtSet;
use crate::export::formations_csv::{self, FormationRec};
use crate::export::round_csv::{self as files, IMPORT_PANELIST, TableWriter, opt, yes_no};
use crate::services::ServiceError;

pub(in crate::services) fn write_round<W: Write>(
    r: &round::Model,
    out: W,
) -> Result<u64, ServiceError> {
    let mut t = TableWriter::new(out, &files::ROUND).map_err(io_err)?;
    t.row(&[
        r.id.to_string(),
        r.name.clone(),
        r.state.to_string(),
        r.aggregation.clone(),
        opt(r.passing_total),
        r.min_panelists.to_string(),
        r.lottery_seed.clone().unwrap_or_default(),
        r.final_rule.clone().unwrap_or_default(),
        r.domicile_rule().as_str().to_owned(),
        r.programme_id.clone(),
        r.programme_en.clone(),
        r.group_id.clone(),
        r.group_en.clone(),
        r.member_id.clone(),
        r.member_en.clone(),
    ])
    .map_err(io_err)?;
    Ok(t.finish().map_err(io_err)?.1)
}

pub(super) async fn criteria_of<C: ConnectionTrait>(
    tx: &C,
    round_id: Uuid,
) -> Result<Vec<criterion::Model>, ServiceError> {
    Ok(criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round_id))
        .order_by_asc(criterion::Column::Position)
        .all(tx)
        .await?)
}

pub(super) async fn formations_of<C: ConnectionTrait>(
    tx: &C,
    round_id: Uuid,
) -> Result<Vec<formation::Model>, ServiceError> {
    Ok(formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .order_by_asc(formation::Column::Code)
        .all(tx)
        .await?)
}

pub(in crate::services) async fn write_criteria<C: ConnectionTrait, W: Write>(
    tx: &C,
    r: &round::Model,
    out: W,
) -> Result<u64, ServiceError> {
    let mut t = TableWriter::new(out, &files::CRITERIA).map_err(io_err)?;
    for c in criteria_of(tx, r.id).await? {
        t.row(&[
            r.id.to_string(),
            c.code,
            c.name_id,
            c.weight.to_string(),
            c.scale_min.to_string(),
            c.scale_max.to_string(),
            opt(c.pass_min),
            opt(c.tiebreak_order),
            c.kind,
            c.stage_code.unwrap_or_default(),
        ])
        .map_err(io_err)?;
    }
    Ok(t.finish().map_err(io_err)?.1)
}

pub(super) async fn stages_of<C: ConnectionTrait>(
    tx: &C,
    round_id: Uuid,
) -> Result<Vec<round_stage::Model>, ServiceError> {
    Ok(round_stage::Entity::find()
        .filter(round_stage::Column::RoundId.eq(round_id))
        .order_by_asc(round_stage::Column::Position)
        .all(tx)
        .await?)
}

pub(in crate::services) async fn write_stages<C: ConnectionTrait, W: Write>(
    tx: &C,
    r: &round::Model,
    out: W,
) -> Result<u64, ServiceError> {
    let mut t = TableWriter::new(out, &files::STAGES).map_err(io_err)?;
    let published: HashMap<String, stage_shortlist::Model> = stage_shortlist::Entity::find()
        .filter(stage_shortlist::Column::RoundId.eq(r.id))
        .all(tx)
        .await?
        .into_iter()
        .map(|s| (s.stage_code.clone(), s))
        .collect();
    for s in stages_of(tx, r.id).await? {
        let p = published.get(&s.code);
        t.row(&[
            r.id.to_string(),
            s.position.to_string(),
            s.code,
            s.name_id,
            s.scoring,
            opt(s.advance_top_k),
            opt(s.advance_passing_total),
            opt(s.final_weight),
            opt(p.map(|p| p.event_seq)),
            opt(p.map(|p| format_at(p.published_at))),
            opt(p.map(|p| format_at(p.objection_ends_at))),
        ])
        .map_err(io_err)?;
    }
    Ok(t.finish().map_err(io_err)?.1)
}

pub(in crate::services) async fn write_shortlists<C: ConnectionTrait, W: Write>(
    tx: &C,
    r: &round::Model,
    out: W,
) -> Result<u64, ServiceError> {
    let mut t = TableWriter::new(out, &files::SHORTLISTS).map_err(io_err)?;
    let position: HashMap<String, i32> = stages_of(tx, r.id)
        .await?
        .into_iter()
        .map(|s| (s.code, s.position))
        .collect();
    let formations: HashMap<Uuid, String> = formations_of(tx, r.id)
        .await?
        .into_iter()
        .map(|f| (f.id, f.code))
        .collect();
    let mut entries = stage_shortlist_entry::Entity::find()
        .filter(stage_shortlist_entry::Column::RoundId.eq(r.id))
        .all(tx)
        .await?;
    entries.sort_by(|a, b| {
        let key = |e: &stage_shortlist_entry::Model| {
            (
                position.get(&e.stage_code).copied(),
                formations.get(&e.formation_id).cloned(),
                e.registration_no.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    for e in entries {
        t.row(&[
            r.id.to_string(),
            e.stage_code.clone(),
            formations.get(&e.formation_id).cloned().unwrap_or_default(),
            e.registration_no.clone(),
            yes_no(e.advances).to_owned(),
            opt(e.position),
            e.total_exact.clone().unwrap_or_default(),
        ])
        .map_err(io_err)?;
    }
    Ok(t.finish().map_err(io_err)?.1)
}

/// The stage each application of a staged round reached: the first stage
/// from whose published shortlist it did not go on (a shortlist not yet
/// published lets nobody on), or the last stage. Empty for a one-stage round.
pub(super) async fn stage_reached<C: ConnectionTrait>(
    tx: &C,
    r: &round::Model,
) -> Result<(Vec<String>, HashSet<(String, Uuid)>), ServiceError> {
    let codes: Vec<String> = stages_of(tx, r.id)
        .await?
        .into_iter()
        .map(|s| s.code)
        .collect();
    if codes.is_empty() {
        return Ok((codes, HashSet::new()));
    }
    let went_on = stage_shortlist_entry::Entity::find()
        .filter(stage_shortlist_entry::Column::RoundId.eq(r.id))
        .filter(stage_shortlist_entry::Column::Advances.eq(true))
        .all(tx)
        .await?
        .into_iter()
        .map(|e| (e.stage_code, e.application_id))
        .collect();
    Ok((codes, went_on))
}

pub(in crate::services) async fn write_formations<C: ConnectionTrait, W: Write>(
    tx: &C,
    r: &round::Model,
    mut out: W,
) -> Result<u64, ServiceError> {
    let formations = formations_of(tx, r.id).await?;
    let mut rts: HashMap<Uuid, Vec<i32>> = HashMap::new();
    for rt in formation_rt::Entity::find()
        .filter(formation_rt::Column::RoundId.eq(r.id))
        .order_by_asc(formation_rt::Column::RtNumber)
        .all(tx)
        .await?
    {
        rts.entry(rt.formation_id).or_default().push(rt.rt_number);
    }
    let rows: Vec<FormationRec> = formations
        .into_iter()
        .map(|f| FormationRec {
            line: 0,
            round_id: r.id.to_string(),
            rts: if f.all_rts {
                RtSet::All
            } else {
                RtSet::Some(rts.remove(&f.id).unwrap_or_default())
            },
            code: f.code,
            name: f.name,
            kelurahan_code: f.kelurahan_code,
            seats: f.seats,
            reserve: f.reserve,
        })
        .collect();
    let text = formations_csv::write(&rows)?;
    out.write_all(text.as_bytes()).map_err(io_err)?;
    Ok(rows.len() as u64)
}

/// The submitted applications of a round (those with a registration number),
/// by formation code then registration number.
pub(super) async fn applications_of<C: ConnectionTrait>(
    tx: &C,
    round_id: Uuid,
) -> Result<Vec<application::Model>, ServiceError> {
    Ok(application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .filter(application::Column::State.ne(ApplicationState::Draft))
        .filter(application::Column::RegistrationNo.is_not_null())
        .order_by_asc(application::Column::RegistrationNo)
        .all(tx)
        .await?)
}

/// Eligibility as ranked, as the files spell it.
pub(super) fn eligibility(state: crate::domain::application::ApplicationState) -> &'static str {
    crate::services::standings::eligibility(state).as_str()
}

pub(super) async fn write_scores<C: ConnectionTrait, W: Write>(
    tx: &C,
    r: &round::Model,
    out: W,
) -> Result<u64, ServiceError> {
    let mut t = TableWriter::new(out, &files::SCORES).map_err(io_err)?;
    let criteria = criteria_of(tx, r.id).await?;
    let position: HashMap<Uuid, usize> = criteria
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let code: HashMap<Uuid, &str> = criteria.iter().map(|c| (c.id, c.code.as_str())).collect();
    let stage: HashMap<Uuid, &str> = criteria
        .iter()
        .map(|c| (c.id, c.stage_code.as_deref().unwrap_or_default()))
        .collect();
    let stage_of = |id: &Uuid| stage.get(id).copied().unwrap_or_default().to_owned();
    let apps = applications_of(tx, r.id).await?;
    // One formation at a time keeps memory to the largest formation.
    for f in formations_of(tx, r.id).await? {
        let in_f: Vec<&application::Model> = apps
            .iter()
            .filter(|a| a.formation_id == Some(f.id))
            .collect();
        if in_f.is_empty() {
            continue;
        }
        let ids: Vec<Uuid> = in_f.iter().map(|a| a.id).collect();
        let members: HashSet<Uuid> = crate::services::standings::formation_panelists(tx, f.id)
            .await?
            .into_iter()
            .collect();
        let mut recused = HashSet::new();
        let mut cards = Vec::new();
        let mut imported = Vec::new();
        for chunk in ids.chunks(500) {
            recused.extend(
                conflict_declaration::Entity::find()
                    .filter(conflict_declaration::Column::ApplicationId.is_in(chunk.to_vec()))
                    .filter(conflict_declaration::Column::Recused.eq(true))
                    .all(tx)
                    .await?
                    .into_iter()
                    .map(|c| (c.application_id, c.panelist_id)),
            );
            cards.extend(
                scorecard::Entity::find()
                    .filter(scorecard::Column::ApplicationId.is_in(chunk.to_vec()))
                    .filter(scorecard::Column::CurrentVersion.gt(0))
                    .all(tx)
                    .await?,
            );
            imported.extend(
                imported_value::Entity::find()
                    .filter(imported_value::Column::ApplicationId.is_in(chunk.to_vec()))
                    .all(tx)
                    .await?,
            );
        }
        let card_ids: Vec<Uuid> = cards.iter().map(|c| c.id).collect();
        let mut versions = Vec::new();
        for chunk in card_ids.chunks(500) {
            versions.extend(
                score_version::Entity::find()
                    .filter(score_version::Column::ScorecardId.is_in(chunk.to_vec()))
                    .all(tx)
                    .await?,
            );
        }
        let version_ids: Vec<Uuid> = versions.iter().map(|v| v.id).collect();
        let mut values: HashMap<Uuid, Vec<score_value::Model>> = HashMap::new();
        for chunk in version_ids.chunks(500) {
            for v in score_value::Entity::find()
                .filter(score_value::Column::ScoreVersionId.is_in(chunk.to_vec()))
                .all(tx)
                .await?
            {
                values.entry(v.score_version_id).or_default().push(v);
            }
        }
        let mut by_card: BTreeMap<Uuid, Vec<&score_version::Model>> = BTreeMap::new();
        for v in &versions {
            by_card.entry(v.scorecard_id).or_default().push(v);
        }
        for a in &in_f {
            let no = a.registration_no.clone().unwrap_or_default();
            let mut mine: Vec<&scorecard::Model> =
                cards.iter().filter(|c| c.application_id == a.id).collect();
            mine.sort_by_key(|c| c.panelist_id);
            for card in mine {
                // The version that counts: the current one of a panelist who
                // still sits on the formation's panel and is not recused —
                // exactly what the ranking reads.
                let counts = members.contains(&card.panelist_id)
                    && !recused.contains(&(a.id, card.panelist_id));
                let mut vs = by_card.get(&card.id).cloned().unwrap_or_default();
                vs.sort_by_key(|v| v.version);
                for v in vs {
                    let mut vals = values.get(&v.id).cloned().unwrap_or_default();
                    vals.sort_by_key(|x| position.get(&x.criterion_id).copied());
                    let latest = counts && v.version == card.current_version;
                    for x in vals {
                        t.row(&[
                            r.id.to_string(),
                            no.clone(),
                            f.code.clone(),
                            card.panelist_id.to_string(),
                            code.get(&x.criterion_id)
                                .copied()
                                .unwrap_or_default()
                                .to_owned(),
                            x.value.to_string(),
                            v.version.to_string(),
                            format_at(v.submitted_at),
                            yes_no(latest).to_owned(),
                            stage_of(&x.criterion_id),
                        ])
                        .map_err(io_err)?;
                    }
                }
            }
            let mut imp: Vec<&imported_value::Model> = imported
                .iter()
                .filter(|v| v.application_id == a.id)
                .collect();
            imp.sort_by_key(|v| position.get(&v.criterion_id).copied());
            for v in imp {
                t.row(&[
                    r.id.to_string(),
                    no.clone(),
                    f.code.clone(),
                    IMPORT_PANELIST.to_owned(),
                    code.get(&v.criterion_id)
                        .copied()
                        .unwrap_or_default()
                        .to_owned(),
                    v.value.to_string(),
                    "1".to_owned(),
                    format_at(v.imported_at),
                    yes_no(true).to_owned(),
                    stage_of(&v.criterion_id),
                ])
                .map_err(io_err)?;
            }
        }
    }
    Ok(t.finish().map_err(io_err)?.1)
}

pub(in crate::services) async fn write_rankings<C: ConnectionTrait, W: Write>(
    tx: &C,
    r: &round::Model,
    out: W,
) -> Result<u64, ServiceError> {
    let mut t = TableWriter::new(out, &files::RANKINGS).map_err(io_err)?;
    let formations: HashMap<Uuid, formation::Model> = formations_of(tx, r.id)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let stored: HashMap<Uuid, ranking::Model> = ranking::Entity::find()
        .filter(ranking::Column::RoundId.eq(r.id))
        .all(tx)
        .await?
        .into_iter()
        .map(|x| (x.application_id, x))
        .collect();
    let (stage_codes, went_on) = stage_reached(tx, r).await?;
    let reached = |id: Uuid| -> String {
        let Some((last, earlier)) = stage_codes.split_last() else {
            return String::new();
        };
        earlier
            .iter()
            .find(|code| !went_on.contains(&((*code).clone(), id)))
            .unwrap_or(last)
            .clone()
    };
    let mut apps = applications_of(tx, r.id).await?;
    apps.sort_by(|a, b| {
        let fa = a
            .formation_id
            .and_then(|f| formations.get(&f))
            .map(|f| &f.code);
        let fb = b
            .formation_id
            .and_then(|f| formations.get(&f))
            .map(|f| &f.code);
        (fa, &a.registration_no).cmp(&(fb, &b.registration_no))
    });
    for a in apps {
        let Some(f) = a.formation_id.and_then(|f| formations.get(&f)) else {
            continue;
        };
        // The stored ranking is the truth; eligibility is the application's
        // current state, so a standing that missed a change shows up in
        // `pokmas audit recompute` instead of being papered over.
        let s = stored.get(&a.id);
        let total_exact = s.and_then(|s| s.total_exact.clone());
        let total = match &total_exact {
            Some(text) => format_rounded_2dp(
                &parse_fraction(text).map_err(|e| anyhow::anyhow!("stored total {text}: {e}"))?,
            ),
            None => String::new(),
        };
        t.row(&[
            r.id.to_string(),
            f.code.clone(),
            a.kelurahan_code.clone().unwrap_or_default(),
            opt(a.rt_number),
            a.registration_no.clone().unwrap_or_default(),
            eligibility(a.state).to_owned(),
            yes_no(s.is_some_and(|s| s.complete)).to_owned(),
            total_exact.unwrap_or_default(),
            total,
            opt(s.and_then(|s| s.passed).map(yes_no)),
            opt(s.and_then(|s| s.rank)),
            opt(s.and_then(|s| s.status.clone())),
            opt(s.and_then(|s| s.lottery_key.clone())),
            reached(a.id),
        ])
        .map_err(io_err)?;
    }
    Ok(t.finish().map_err(io_err)?.1)
}

pub(super) async fn write_applications<C: ConnectionTrait, W: Write>(
    tx: &C,
    r: &round::Model,
    out: W,
) -> Result<u64, ServiceError> {
    let mut t = TableWriter::new(out, &files::APPLICATIONS).map_err(io_err)?;
    let formations: HashMap<Uuid, String> = formations_of(tx, r.id)
        .await?
        .into_iter()
        .map(|f| (f.id, f.code))
        .collect();
    let requirement_code: HashMap<Uuid, String> = requirement::Entity::find()
        .filter(requirement::Column::RoundId.eq(r.id))
        .all(tx)
        .await?
        .into_iter()
        .map(|q| (q.id, q.code))
        .collect();
    let apps = applications_of(tx, r.id).await?;
    let ids: Vec<Uuid> = apps.iter().map(|a| a.id).collect();
    // The latest revision of each requirement check counts.
    let mut latest: HashMap<(Uuid, Uuid), requirement_check::Model> = HashMap::new();
    for chunk in ids.chunks(500) {
        for c in requirement_check::Entity::find()
            .filter(requirement_check::Column::ApplicationId.is_in(chunk.to_vec()))
            .all(tx)
            .await?
        {
            let key = (c.application_id, c.requirement_id);
            if latest.get(&key).is_none_or(|old| old.revision < c.revision) {
                latest.insert(key, c);
            }
        }
    }
    for a in apps {
        let mut reasons: Vec<String> = latest
            .values()
            .filter(|c| c.application_id == a.id && c.outcome == RequirementOutcome::Tms)
            .map(|c| {
                let req = requirement_code
                    .get(&c.requirement_id)
                    .cloned()
                    .unwrap_or_default();
                match &c.reason_code {
                    Some(code) if !code.is_empty() => format!("{req}:{code}"),
                    _ => req,
                }
            })
            .collect();
        reasons.sort();
        // Stored masked; a value that is all digits would be a full NIK
        // stored by mistake and is masked here rather than exported.
        let nik = a.nik_masked.clone().unwrap_or_default();
        let nik = if !nik.is_empty() && nik.bytes().all(|b| b.is_ascii_digit()) {
            mask_nik(&nik)
        } else {
            nik
        };
        t.row(&[
            r.id.to_string(),
            a.registration_no.clone().unwrap_or_default(),
            a.formation_id
                .and_then(|f| formations.get(&f).cloned())
                .unwrap_or_default(),
            a.kelurahan_code.clone().unwrap_or_default(),
            opt(a.rt_number),
            nik,
            yes_no(a.assisted_by.is_some()).to_owned(),
            opt(a.submitted_at.map(format_at)),
            eligibility(a.state).to_owned(),
            reasons.join(";"),
        ])
        .map_err(io_err)?;
    }
    Ok(t.finish().map_err(io_err)?.1)
}
