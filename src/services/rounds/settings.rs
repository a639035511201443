//! A round's own settings and schedule, its creation, and its state
//! transitions including the freeze.

use super::*;
use crate::db::entities::{application, lottery_witness};
use sea_orm::PaginatorTrait;

// ---------------------------------------------------------------------------
// Round settings and schedule
// ---------------------------------------------------------------------------

/// A round's own settings: texts, rules and schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundSettings {
    pub name: String,
    pub year: i32,
    pub description_id: String,
    pub description_en: String,
    pub aggregation: Aggregation,
    pub passing_total: Option<i32>,
    pub min_panelists: i32,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    /// Public results name every ranked applicant (a frozen rule; off:
    /// only the selected and the reserve are named).
    pub publish_all_names: bool,
    pub schedule: Schedule,
}

impl RoundSettings {
    /// Reads and checks the settings form; see the `TryFrom<&FormData>` impl.
    ///
    /// # Errors
    /// A message per bad field; dates out of order are reported on the later date.
    pub fn parse(f: &FormData) -> Result<RoundSettings, FieldErrors> {
        RoundSettings::try_from(f)
    }

    fn payload(&self) -> serde_json::Value {
        let mut dates = serde_json::Map::new();
        for m in Milestone::ALL {
            dates.insert(
                m.field().into(),
                serde_json::json!(
                    self.schedule
                        .get(m)
                        .map(crate::domain::audit::format_at)
                        .unwrap_or_default()
                ),
            );
        }
        let mut payload = serde_json::json!({
            "name": self.name,
            "year": self.year,
            "aggregation": self.aggregation.as_str(),
            "passing_total": self.passing_total.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
            "min_panelists": self.min_panelists,
            "age_min": self.age_min.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
            "age_max": self.age_max.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
            "schedule": dates,
        });
        if self.publish_all_names {
            payload["publish_all_names"] = serde_json::json!("yes");
        }
        payload
    }
}

/// A slug for `name` and `year` not used by another round.
async fn free_slug(
    tx: &DatabaseTransaction,
    name: &str,
    year: i32,
    own: Option<Uuid>,
) -> Result<String, DbErr> {
    let base = slugify(name, year);
    let mut candidate = base.clone();
    for n in 2.. {
        let taken = round::Entity::find()
            .filter(round::Column::Slug.eq(candidate.clone()))
            .one(tx)
            .await?;
        match taken {
            Some(r) if Some(r.id) != own => candidate = format!("{base}-{n}"),
            _ => break,
        }
    }
    Ok(candidate)
}

fn apply_settings(m: &mut round::ActiveModel, s: &RoundSettings) {
    m.name = Set(s.name.clone());
    m.year = Set(s.year);
    m.description_id = Set(s.description_id.clone());
    m.description_en = Set(s.description_en.clone());
    m.aggregation = Set(s.aggregation.as_str().to_owned());
    m.passing_total = Set(s.passing_total);
    m.min_panelists = Set(s.min_panelists);
    m.age_min = Set(s.age_min);
    m.age_max = Set(s.age_max);
    m.publish_all_names = Set(s.publish_all_names);
    m.registration_opens_at = Set(s.schedule.registration_opens_at);
    m.registration_closes_at = Set(s.schedule.registration_closes_at);
    m.verification_ends_at = Set(s.schedule.verification_ends_at);
    m.assessment_starts_at = Set(s.schedule.assessment_starts_at);
    m.assessment_ends_at = Set(s.schedule.assessment_ends_at);
    m.provisional_at = Set(s.schedule.provisional_at);
    m.objection_ends_at = Set(s.schedule.objection_ends_at);
    m.final_at = Set(s.schedule.final_at);
}

/// Creates a draft round with a unique slug (`round.created`).
///
/// With an `idempotency_key` (the hidden field of the form), a repeated
/// submission returns the round the first one created instead of a second round.
///
/// # Errors
/// `Forbidden` for non-admins; `Invalid` when the key was used for another
/// request; storage failures. The system actor cannot create rounds (every
/// round names the account that created it).
pub async fn create_round(
    db: &DatabaseConnection,
    actor: Actor,
    settings: &RoundSettings,
    idempotency_key: Option<&str>,
) -> Result<Uuid, ServiceError> {
    require_admin_or_platform(actor)?;
    let creator = created_by(actor).ok_or(ServiceError::Forbidden)?;
    let tx = begin_write(db).await?;
    let request_hash = crate::domain::lottery::sha256_hex(&settings.payload().to_string());
    let key = idempotency_key.filter(|k| !k.is_empty() && k.len() <= 100);
    if let Some(key) = key {
        let found = idempotency_key::Entity::find_by_id((creator.to_string(), key.to_owned()))
            .one(&tx)
            .await?;
        if let Some(found) = found {
            return match found.response_location.and_then(|l| l.parse().ok()) {
                Some(id) if found.request_hash == request_hash => Ok(id),
                _ => Err(ServiceError::form(Msg::new(
                    "Formulir ini sudah dikirim. Muat ulang halaman untuk membuat seleksi lain.",
                    "This form was already submitted. Reload the page to create another round.",
                ))),
            };
        }
    }
    let id = Uuid::now_v7();
    let now = OffsetDateTime::now_utc();
    let slug = free_slug(&tx, &settings.name, settings.year, None).await?;
    let mut m = round::ActiveModel {
        id: Set(id),
        slug: Set(slug.clone()),
        state: Set(RoundState::Draft),
        frozen_hash: Set(None),
        frozen_at: Set(None),
        close_event_seq: Set(None),
        close_event_hash: Set(None),
        applicant_list_hash: Set(None),
        lottery_seed: Set(None),
        created_by: Set(creator),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply_settings(&mut m, settings);
    m.insert(&tx).await?;
    if let Some(key) = key {
        idempotency_key::ActiveModel {
            scope: Set(creator.to_string()),
            key: Set(key.to_owned()),
            request_hash: Set(request_hash),
            status_code: Set(Some(303)),
            response_location: Set(Some(id.to_string())),
            created_at: Set(now),
        }
        .insert(&tx)
        .await?;
    }
    let mut payload = settings.payload();
    payload["slug"] = serde_json::json!(slug);
    append(
        &tx,
        NewEvent::new(actor, "round.created", "round", id.to_string())
            .round(id)
            .payload(payload),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(round.id = %id, round.slug = %slug, "round created");
    Ok(id)
}

/// Changes a draft round's settings and schedule (`round.updated`); the slug
/// follows the name and year while the round is unpublished.
///
/// # Errors
/// `Forbidden`, `NotFound`, `Invalid` when the round is frozen; storage failures.
pub async fn update_round(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    settings: &RoundSettings,
) -> Result<(), ServiceError> {
    require_admin_or_platform(actor)?;
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    let slug = free_slug(&tx, &settings.name, settings.year, Some(id)).await?;
    let mut m = round::ActiveModel {
        id: Set(id),
        slug: Set(slug.clone()),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    };
    apply_settings(&mut m, settings);
    m.update(&tx).await?;
    let mut payload = settings.payload();
    payload["slug"] = serde_json::json!(slug);
    append(
        &tx,
        NewEvent::new(actor, "round.updated", "round", id.to_string())
            .round(id)
            .payload(payload),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Transitions and the freeze
// ---------------------------------------------------------------------------

/// What must hold before the rules can be frozen, beyond the schedule.
fn freeze_checks(d: &RoundDetail) -> Result<(), Msg> {
    if d.criteria.is_empty() {
        return Err(Msg::new(
            "Belum ada kriteria penilaian.",
            "There are no criteria yet.",
        ));
    }
    stages::stage_freeze_checks(d)?;
    // A staged round's weights and rules are checked per stage above.
    if d.stages.is_empty() {
        if let Some(m) = weight_shortfall(d.weight_sum()) {
            return Err(m);
        }
        ranking_rules(&d.round, &d.criteria)
            .validate()
            .map_err(|e| {
                Msg::new(
                    format!("Aturan penilaian tidak valid: {e}."),
                    format!("The scoring rules are invalid: {e}."),
                )
            })?;
    }
    if d.requirements.is_empty() {
        return Err(Msg::new(
            "Belum ada persyaratan.",
            "There are no requirements yet.",
        ));
    }
    if d.formations.is_empty() {
        return Err(Msg::new(
            "Belum ada formasi.",
            "There are no formations yet.",
        ));
    }
    if let Some(f) = d.formations.iter().find(|f| f.rts.is_empty()) {
        return Err(Msg::new(
            format!("Formasi {} belum mencakup RT mana pun.", f.model.code),
            format!("Formation {} covers no RT.", f.model.code),
        ));
    }
    // The age rule is published in two places (the range on the round, the
    // requirement residents read); one without the other would mislead.
    let has_age_rule = d.requirements.iter().any(|r| r.kind == "age");
    let has_range = d.round.age_min.is_some() || d.round.age_max.is_some();
    if has_age_rule && !has_range {
        return Err(Msg::new(
            "Ada persyaratan usia tetapi batas usia seleksi belum diisi.",
            "There is an age requirement but the round has no age range.",
        ));
    }
    if has_range && !has_age_rule {
        return Err(Msg::new(
            "Batas usia diisi tetapi tidak ada persyaratan berjenis usia.",
            "The round has an age range but no age requirement.",
        ));
    }
    Ok(())
}

/// Adds to each whole-kelurahan formation the RTs its kelurahan gained since
/// the formation was made (e.g. a later RT import), so what is frozen covers
/// the whole kelurahan as it stands. Returns how many RT rows were added.
async fn sync_whole_formations(tx: &DatabaseTransaction, round_id: Uuid) -> Result<u64, DbErr> {
    let whole = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .filter(formation::Column::AllRts.eq(true))
        .all(tx)
        .await?;
    let mut added = 0;
    for f in whole {
        let have: BTreeSet<i32> = formation_rt::Entity::find()
            .filter(formation_rt::Column::RoundId.eq(round_id))
            .filter(formation_rt::Column::KelurahanCode.eq(f.kelurahan_code.clone()))
            .all(tx)
            .await?
            .into_iter()
            .map(|r| r.rt_number)
            .collect();
        let missing: Vec<i32> = rts_of(tx, &f.kelurahan_code)
            .await?
            .into_iter()
            .filter(|n| !have.contains(n))
            .collect();
        if missing.is_empty() {
            continue;
        }
        added += missing.len() as u64;
        formation_rt::Entity::insert_many(missing.into_iter().map(|n| formation_rt::ActiveModel {
            round_id: Set(round_id),
            kelurahan_code: Set(f.kelurahan_code.clone()),
            rt_number: Set(n),
            formation_id: Set(f.id),
        }))
        .exec(tx)
        .await?;
    }
    Ok(added)
}

/// Moves a round to `to` if the state machine and the schedule allow it at
/// `now`. Opening registration also freezes the rules: it stores
/// `frozen_hash` and `frozen_at`, and the `round.registration_opened` event
/// carries the frozen object and its hash (`payload.frozen_hash` =
/// SHA-256 of the canonical text of `payload.frozen`). Publishing provisional
/// or final results signs a checkpoint of the trail with `checkpoint_key`.
/// Cancelling needs a reason.
///
/// # Errors
/// `Invalid` with the reason in both languages; `Forbidden`; `NotFound`.
pub async fn transition(
    db: &DatabaseConnection,
    checkpoint_key: &crate::services::checkpoints::CheckpointKey,
    actor: Actor,
    id: Uuid,
    to: RoundState,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    transition_mailing(db, checkpoint_key, None, actor, id, to, reason, now).await
}

/// [`transition`], queueing the result e-mails of a publication (the move to
/// `provisional`) to every ranked applicant when `mail` is given. Moving to
/// `final` is refused here: it needs a second admin's approval
/// ([`crate::services::results::request_finalization`]).
///
/// # Errors
/// As [`transition`].
#[expect(
    clippy::too_many_arguments,
    reason = "one use case: who, which round, where to and why, plus the publication's key and mail"
)]
pub async fn transition_mailing(
    db: &DatabaseConnection,
    checkpoint_key: &crate::services::checkpoints::CheckpointKey,
    mail: Option<&crate::services::self_service::MailCtx<'_>>,
    actor: Actor,
    id: Uuid,
    to: RoundState,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    require_admin_or_platform(actor)?;
    if to == RoundState::Final {
        return Err(ServiceError::form(Msg::new(
            "Penetapan hasil akhir memerlukan persetujuan admin kedua: ajukan di halaman hasil seleksi.",
            "Finalizing the results needs a second admin's approval: request it on the round's results page.",
        )));
    }
    let reason = reason.trim();
    if to == RoundState::Cancelled && reason.chars().count() < 5 {
        return Err(ServiceError::field(
            "reason",
            Msg::new(
                "Tuliskan alasan pembatalan (minimal 5 karakter).",
                "Write the reason for cancelling (at least 5 characters).",
            ),
        ));
    }
    if to == RoundState::Provisional {
        // A doubtful panel needs a second admin's look before publication.
        let marked = crate::services::second_look::marked(db, id).await?;
        if !marked.is_empty() {
            let (id_text, en_text) = crate::services::second_look::refusal(&marked);
            return Err(ServiceError::form(Msg::new(id_text, en_text)));
        }
    }
    let tx = begin_write(db).await?;
    let r = round::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    apply_transition(&tx, checkpoint_key, mail, actor, r, to, reason, now, None).await?;
    tx.commit().await?;
    Ok(())
}

/// The state change itself, inside the caller's transaction `tx` (the round
/// `r` already loaded, and locked where the backend can): checks the step and
/// the schedule, writes the state and its event (with `extra` merged into the
/// payload), and for a publication gives the ranks, queues the result mail
/// when `mail` is given and signs the checkpoint last, over all of it.
///
/// # Errors
/// As [`transition`].
#[expect(
    clippy::too_many_arguments,
    reason = "the transition's inputs plus the transaction and the publication's key and mail"
)]
pub async fn apply_transition(
    tx: &crate::db::WriteTx,
    checkpoint_key: &crate::services::checkpoints::CheckpointKey,
    mail: Option<&crate::services::self_service::MailCtx<'_>>,
    actor: Actor,
    r: round::Model,
    to: RoundState,
    reason: &str,
    now: OffsetDateTime,
    extra: Option<serde_json::Value>,
) -> Result<(), ServiceError> {
    let id = r.id;
    let reason = reason.trim();
    let from =
        Some(r.state).ok_or_else(|| anyhow::anyhow!("round {id} has unknown state {}", r.state))?;
    check_transition(from, to, &r.schedule(), now).map_err(ServiceError::form)?;
    if to == RoundState::Verification
        && crate::services::lottery::uncommitted_witnesses(tx, id).await? > 0
    {
        return Err(ServiceError::form(Msg::new(
            "Pendaftaran belum dapat ditutup: ada saksi undian yang belum menyerahkan komitmen. Tunggu komitmennya atau hapus saksi tersebut.",
            "Registration cannot close yet: a lottery witness has not committed. Wait for the commitment or remove the witness.",
        )));
    }
    if to == RoundState::Assessment && r.lottery_seed.is_none() {
        return Err(ServiceError::form(Msg::new(
            "Uji kelayakan belum dapat dimulai: seed undian belum ditetapkan karena masih ada saksi yang belum mengungkap rahasianya.",
            "The assessment cannot start yet: the lottery seed is not fixed because a witness has not revealed their secret.",
        )));
    }
    let mut m = round::ActiveModel {
        id: Set(id),
        state: Set(to),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    };
    let mut payload = serde_json::json!({ "from": from.as_str(), "to": to.as_str() });
    if let Some(serde_json::Value::Object(extra)) = extra {
        for (k, v) in extra {
            payload[k] = v;
        }
    }
    if to == RoundState::Registration {
        let synced = sync_whole_formations(tx, id).await?;
        payload["rts_added_to_whole_formations"] = serde_json::json!(synced);
        let detail = load_in(tx, r).await?;
        freeze_checks(&detail).map_err(ServiceError::form)?;
        let frozen = detail.frozen_rules();
        let hash = frozen
            .hash()
            .map_err(|e| anyhow::anyhow!("frozen rules: {e}"))?;
        m.frozen_hash = Set(Some(hash.clone()));
        m.frozen_at = Set(Some(now));
        payload["frozen_hash"] = serde_json::json!(hash);
        payload["frozen"] = frozen.to_json();
    }
    if to == RoundState::Verification {
        // The frozen applicant list: the registration numbers of every
        // submitted application, sorted, one per line, hashed.
        let mut numbers: Vec<String> = application::Entity::find()
            .filter(application::Column::RoundId.eq(id))
            .filter(application::Column::RegistrationNo.is_not_null())
            .all(tx)
            .await?
            .into_iter()
            .filter_map(|a| a.registration_no)
            .collect();
        numbers.sort();
        let list_hash = crate::domain::lottery::sha256_hex(&numbers.join("\n"));
        payload["applicants"] = serde_json::json!(numbers.len());
        payload["applicant_list_hash"] = serde_json::json!(list_hash);
        m.applicant_list_hash = Set(Some(list_hash));
    }
    m.update(tx).await?;
    let event = append(
        tx,
        NewEvent::new(actor, to.entered_action(), "round", id.to_string())
            .round(id)
            .payload(payload)
            .reason(reason),
    )
    .await?;
    if to == RoundState::Verification {
        // With no lottery witness the seed is the hash of the closing event;
        // with witnesses it is derived once they have all revealed.
        let witnesses = lottery_witness::Entity::find()
            .filter(lottery_witness::Column::RoundId.eq(id))
            .count(tx)
            .await?;
        round::ActiveModel {
            id: Set(id),
            close_event_seq: Set(Some(event.seq)),
            close_event_hash: Set(Some(event.hash.clone())),
            lottery_seed: Set((witnesses == 0).then(|| event.hash.clone())),
            ..Default::default()
        }
        .update(tx)
        .await?;
    }
    if to == RoundState::Provisional {
        // Publication turns the live standings into ranks: every application
        // gets its first `ranking.changed`, caused by this event.
        crate::services::standings::publish_round(tx, id, event.seq)
            .await
            .map_err(|e| anyhow::anyhow!("publishing ranks: {e}"))?;
    }
    if let (Some(mail), RoundState::Provisional | RoundState::Final) = (mail, to) {
        crate::services::results::mail_results(tx, mail, id, to == RoundState::Final)
            .await
            .map_err(|e| anyhow::anyhow!("queueing result mail: {e}"))?;
    }
    crate::sms::stages::on_round_state(tx, id, to).await?;
    if matches!(to, RoundState::Provisional | RoundState::Final) {
        // The checkpoint covers the publication and every rank it gave, and
        // is signed in the same transaction: no publication without one.
        crate::services::checkpoints::record(tx, checkpoint_key, to.as_str())
            .await
            .map_err(|e| anyhow::anyhow!("signing the checkpoint: {e}"))?;
    }
    tracing::info!(round.id = %id, round.from = %from, round.to = %to, "round state changed");
    Ok(())
}
