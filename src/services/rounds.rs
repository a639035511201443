//! Round administration up to the freeze (issue 4 §1–§5): rounds and their
//! schedule, criteria, requirements and formations; the state machine; and
//! the freeze that opening registration performs.
//!
//! Every function that changes state is one use case: it checks that the
//! actor is an admin (or the system), opens one [`begin_write`] transaction,
//! refuses any edit of a round that is no longer a draft, writes, appends its
//! audit event(s) and commits. A refusal leaves nothing changed.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ServiceError;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    application, criterion, formation, formation_rt, idempotency_key, kecamatan, kelurahan,
    requirement, round, rt,
};
use crate::domain::ranking::{Aggregation, Criterion, CriterionKind, RoundRules};
use crate::domain::role::Role;
use crate::domain::round::{
    FrozenCriterion, FrozenFormation, FrozenRequirement, FrozenRules, FrozenSettings, Milestone,
    Msg, PointLabel, RoundState, RtSet, Schedule, check_transition, frozen_msg, parse_scale_labels,
    parse_wita, scale_labels_from_json, scale_labels_json, slugify, weight_shortfall,
};
use crate::export::formations_csv::{self, FormationRec};

/// Field name → message; the key `""` is for the form as a whole.
pub type FieldErrors = BTreeMap<String, Msg>;

/// Why a round use case did not happen. Nothing was changed in any case.
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    /// Input that breaks a rule, with a message per field.
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// The round (or formation, kelurahan …) does not exist.
    #[error("not found")]
    NotFound,
    /// Only admins administer rounds.
    #[error("forbidden")]
    Forbidden,
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// Anything else unexpected.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl RoundError {
    /// A form-level refusal.
    pub fn form(msg: Msg) -> RoundError {
        Self::field("", msg)
    }

    /// A refusal attached to one field.
    pub fn field(name: &str, msg: Msg) -> RoundError {
        let mut e = FieldErrors::new();
        e.insert(name.to_owned(), msg);
        RoundError::Invalid(e)
    }
}

impl From<ServiceError> for RoundError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(m) | ServiceError::Conflict(m) => {
                RoundError::form(Msg::new(m.clone(), m))
            }
            ServiceError::NotFound => RoundError::NotFound,
            ServiceError::Forbidden => RoundError::Forbidden,
            ServiceError::Db(e) => RoundError::Db(e),
            ServiceError::Internal(e) => RoundError::Internal(e),
        }
    }
}

impl From<RoundError> for crate::error::AppError {
    fn from(e: RoundError) -> Self {
        use crate::error::AppError;
        match e {
            RoundError::Invalid(errs) => AppError::BadRequest(
                errs.values()
                    .map(|m| m.id.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            RoundError::NotFound => AppError::NotFound,
            RoundError::Forbidden => AppError::Forbidden,
            RoundError::Db(e) => AppError::from(e),
            RoundError::Internal(e) => AppError::Internal(e),
        }
    }
}

/// Only admins (and the platform itself, for the CLI and the demo) run rounds.
fn require_admin(actor: Actor) -> Result<(), RoundError> {
    match actor {
        Actor::System
        | Actor::Account {
            role: Role::Admin, ..
        } => Ok(()),
        Actor::Account { .. } => Err(RoundError::Forbidden),
    }
}

fn created_by(actor: Actor) -> Option<Uuid> {
    match actor {
        Actor::Account { id, .. } => Some(id),
        Actor::System => None,
    }
}

/// Loads a round for writing (row-locked on PostgreSQL) and refuses unless it
/// is still a draft.
async fn lock_draft(tx: &DatabaseTransaction, id: Uuid) -> Result<round::Model, RoundError> {
    let r = round::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(RoundError::NotFound)?;
    if RoundState::parse(&r.state).is_none_or(|s| !s.is_editable()) {
        return Err(RoundError::form(frozen_msg()));
    }
    Ok(r)
}

async fn touch(tx: &DatabaseTransaction, id: Uuid) -> Result<(), DbErr> {
    round::ActiveModel {
        id: Set(id),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    }
    .update(tx)
    .await
    .map(|_| ())
}

// ---------------------------------------------------------------------------
// Form values
// ---------------------------------------------------------------------------

/// A submitted form as name → value (the last value wins).
#[derive(Clone, Debug, Default)]
pub struct FormData(pub BTreeMap<String, String>);

impl FormData {
    /// From the pairs of an urlencoded body.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> FormData {
        FormData(pairs.into_iter().collect())
    }

    /// The trimmed value of a field, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", |s| s.trim())
    }

    /// Whether a checkbox was ticked.
    pub fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }
}

fn int_in(
    errs: &mut FieldErrors,
    field: &str,
    text: &str,
    range: std::ops::RangeInclusive<i32>,
    what: (&str, &str),
) -> Option<i32> {
    match text.trim().parse::<i32>() {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            errs.insert(
                field.to_owned(),
                Msg::new(
                    format!(
                        "{} harus bilangan bulat {}–{}.",
                        what.0,
                        range.start(),
                        range.end()
                    ),
                    format!(
                        "{} must be a whole number {}–{}.",
                        what.1,
                        range.start(),
                        range.end()
                    ),
                ),
            );
            None
        }
    }
}

fn opt_int_in(
    errs: &mut FieldErrors,
    field: &str,
    text: &str,
    range: std::ops::RangeInclusive<i32>,
    what: (&str, &str),
) -> Option<Option<i32>> {
    if text.trim().is_empty() {
        return Some(None);
    }
    int_in(errs, field, text, range, what).map(Some)
}

fn text_len(
    errs: &mut FieldErrors,
    field: &str,
    text: &str,
    min: usize,
    max: usize,
    what: (&str, &str),
) -> String {
    let n = text.chars().count();
    if n < min || n > max {
        let (id, en) = if min > 0 {
            (
                format!("{} wajib diisi ({min}–{max} karakter).", what.0),
                format!("{} is required ({min}–{max} characters).", what.1),
            )
        } else {
            (
                format!("{} paling banyak {max} karakter.", what.0),
                format!("{} may have at most {max} characters.", what.1),
            )
        };
        errs.insert(field.to_owned(), Msg::new(id, en));
    }
    text.to_owned()
}

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
    pub schedule: Schedule,
}

impl RoundSettings {
    /// Parses the settings form (`name`, `year`, `description_id`,
    /// `description_en`, `aggregation`, `passing_total`, `min_panelists`,
    /// `age_min`, `age_max` and one `datetime-local` field per milestone, in WITA).
    ///
    /// # Errors
    /// A message per bad field; dates out of order are reported on the later date.
    pub fn parse(f: &FormData) -> Result<RoundSettings, FieldErrors> {
        let mut errs = FieldErrors::new();
        let name = text_len(
            &mut errs,
            "name",
            f.get("name"),
            3,
            120,
            ("Nama", "The name"),
        );
        let year = int_in(
            &mut errs,
            "year",
            f.get("year"),
            2020..=2100,
            ("Tahun", "The year"),
        );
        let description_id = text_len(
            &mut errs,
            "description_id",
            f.get("description_id"),
            0,
            5000,
            ("Keterangan", "The description"),
        );
        let description_en = text_len(
            &mut errs,
            "description_en",
            f.get("description_en"),
            0,
            5000,
            ("Keterangan", "The description"),
        );
        let aggregation = match f.get("aggregation") {
            "" | "mean" => Aggregation::Mean,
            "trimmed_mean" => Aggregation::TrimmedMean,
            _ => {
                errs.insert(
                    "aggregation".into(),
                    Msg::new(
                        "Pilih rata-rata atau rata-rata terpangkas.",
                        "Choose mean or trimmed mean.",
                    ),
                );
                Aggregation::Mean
            }
        };
        let passing_total = opt_int_in(
            &mut errs,
            "passing_total",
            f.get("passing_total"),
            0..=100,
            ("Nilai total minimum", "The passing total"),
        );
        let min_panelists = if f.get("min_panelists").is_empty() {
            Some(3)
        } else {
            int_in(
                &mut errs,
                "min_panelists",
                f.get("min_panelists"),
                1..=20,
                ("Jumlah penilai minimum", "The minimum number of panelists"),
            )
        };
        let age_min = opt_int_in(
            &mut errs,
            "age_min",
            f.get("age_min"),
            17..=100,
            ("Usia minimum", "The minimum age"),
        );
        let age_max = opt_int_in(
            &mut errs,
            "age_max",
            f.get("age_max"),
            17..=100,
            ("Usia maksimum", "The maximum age"),
        );
        if let (Some(Some(lo)), Some(Some(hi))) = (age_min, age_max)
            && lo > hi
        {
            errs.insert(
                "age_max".into(),
                Msg::new(
                    "Usia maksimum tidak boleh di bawah usia minimum.",
                    "The maximum age cannot be below the minimum age.",
                ),
            );
        }
        let mut schedule = Schedule::default();
        for m in Milestone::ALL {
            match parse_wita(f.get(m.field())) {
                Ok(at) => schedule.set(m, at),
                Err(msg) => {
                    errs.insert(m.field().into(), msg);
                }
            }
        }
        if let Err((m, msg)) = schedule.check_order() {
            errs.entry(m.field().into()).or_insert(msg);
        }
        match (year, passing_total, min_panelists, age_min, age_max) {
            (
                Some(year),
                Some(passing_total),
                Some(min_panelists),
                Some(age_min),
                Some(age_max),
            ) if errs.is_empty() => Ok(RoundSettings {
                name,
                year,
                description_id,
                description_en,
                aggregation,
                passing_total,
                min_panelists,
                age_min,
                age_max,
                schedule,
            }),
            _ => Err(errs),
        }
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
        serde_json::json!({
            "name": self.name,
            "year": self.year,
            "aggregation": self.aggregation.as_str(),
            "passing_total": self.passing_total.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
            "min_panelists": self.min_panelists,
            "age_min": self.age_min.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
            "age_max": self.age_max.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
            "schedule": dates,
        })
    }
}

/// The schedule stored on a round.
pub fn schedule_of(r: &round::Model) -> Schedule {
    Schedule {
        registration_opens_at: r.registration_opens_at,
        registration_closes_at: r.registration_closes_at,
        verification_ends_at: r.verification_ends_at,
        assessment_starts_at: r.assessment_starts_at,
        assessment_ends_at: r.assessment_ends_at,
        provisional_at: r.provisional_at,
        objection_ends_at: r.objection_ends_at,
        final_at: r.final_at,
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
) -> Result<Uuid, RoundError> {
    require_admin(actor)?;
    let creator = created_by(actor).ok_or(RoundError::Forbidden)?;
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
                _ => Err(RoundError::form(Msg::new(
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
        state: Set(RoundState::Draft.as_str().into()),
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
) -> Result<(), RoundError> {
    require_admin(actor)?;
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
// Criteria
// ---------------------------------------------------------------------------

/// One parsed criterion, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriterionDraft {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub description_id: String,
    pub description_en: String,
    pub kind: CriterionKind,
    pub scale_min: i32,
    pub scale_max: i32,
    pub weight: i32,
    pub pass_min: Option<i32>,
    pub tiebreak_order: Option<i32>,
    pub labels: BTreeMap<i64, PointLabel>,
}

fn kind_str(k: CriterionKind) -> &'static str {
    match k {
        CriterionKind::Panel => "panel",
        CriterionKind::Imported => "imported",
    }
}

/// Highest row index the criteria and requirements forms carry.
pub const MAX_ROWS: usize = 40;

/// Parses the criteria form: rows `c{i}_code`, `c{i}_name_id`, `c{i}_name_en`,
/// `c{i}_description_id`, `c{i}_description_en`, `c{i}_kind`,
/// `c{i}_scale_min`, `c{i}_scale_max`, `c{i}_weight`, `c{i}_pass_min`,
/// `c{i}_tiebreak_order`, `c{i}_labels` for `i` in `0..MAX_ROWS`. A row whose
/// code, name and weight are all empty is skipped (that is how a criterion is
/// removed).
///
/// # Errors
/// A message per bad field, `weights` when they do not sum to 100 (saying
/// what is missing), `tiebreak` when the tie-break orders are not 1, 2, ….
pub fn parse_criteria(f: &FormData) -> Result<Vec<CriterionDraft>, FieldErrors> {
    let mut errs = FieldErrors::new();
    let mut out = Vec::new();
    for i in 0..MAX_ROWS {
        let k = |name: &str| format!("c{i}_{name}");
        let g = |name: &str| f.get(&k(name)).to_owned();
        if g("code").is_empty() && g("name_id").is_empty() && g("weight").is_empty() {
            continue;
        }
        let code = g("code").to_uppercase();
        if code.is_empty()
            || code.len() > 16
            || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            errs.insert(
                k("code"),
                Msg::new(
                    "Kode wajib diisi: huruf, angka atau _ (maks. 16).",
                    "A code is required: letters, digits or _ (at most 16).",
                ),
            );
        } else if out.iter().any(|c: &CriterionDraft| c.code == code) {
            errs.insert(
                k("code"),
                Msg::new(
                    format!("Kode {code} dipakai dua kali."),
                    format!("Code {code} is used twice."),
                ),
            );
        }
        let name_id = text_len(
            &mut errs,
            &k("name_id"),
            &g("name_id"),
            2,
            120,
            ("Nama", "The name"),
        );
        let name_en = if g("name_en").is_empty() {
            name_id.clone()
        } else {
            text_len(
                &mut errs,
                &k("name_en"),
                &g("name_en"),
                2,
                120,
                ("Nama", "The name"),
            )
        };
        let description_id = text_len(
            &mut errs,
            &k("description_id"),
            &g("description_id"),
            0,
            2000,
            ("Keterangan", "The description"),
        );
        let description_en = text_len(
            &mut errs,
            &k("description_en"),
            &g("description_en"),
            0,
            2000,
            ("Keterangan", "The description"),
        );
        let kind = match g("kind").as_str() {
            "" | "panel" => CriterionKind::Panel,
            "imported" => CriterionKind::Imported,
            _ => {
                errs.insert(k("kind"), Msg::new("Jenis tidak dikenal.", "Unknown kind."));
                CriterionKind::Panel
            }
        };
        let scale_min = int_in(
            &mut errs,
            &k("scale_min"),
            &g("scale_min"),
            0..=1000,
            ("Skala terendah", "The scale minimum"),
        );
        let scale_max = int_in(
            &mut errs,
            &k("scale_max"),
            &g("scale_max"),
            1..=1000,
            ("Skala tertinggi", "The scale maximum"),
        );
        let weight = int_in(
            &mut errs,
            &k("weight"),
            &g("weight"),
            0..=100,
            ("Bobot", "The weight"),
        );
        let pass_min = opt_int_in(
            &mut errs,
            &k("pass_min"),
            &g("pass_min"),
            0..=1000,
            ("Nilai minimum", "The minimum"),
        );
        let tiebreak_order = opt_int_in(
            &mut errs,
            &k("tiebreak_order"),
            &g("tiebreak_order"),
            1..=MAX_ROWS as i32,
            ("Urutan penentu seri", "The tie-break order"),
        );
        let (Some(scale_min), Some(scale_max), Some(weight), Some(pass_min), Some(tiebreak_order)) =
            (scale_min, scale_max, weight, pass_min, tiebreak_order)
        else {
            continue;
        };
        if scale_min >= scale_max {
            errs.insert(
                k("scale_max"),
                Msg::new(
                    "Skala tertinggi harus di atas skala terendah.",
                    "The scale maximum must be above the minimum.",
                ),
            );
            continue;
        }
        if let Some(p) = pass_min
            && !(scale_min..=scale_max).contains(&p)
        {
            errs.insert(
                k("pass_min"),
                Msg::new(
                    format!("Nilai minimum harus dalam skala {scale_min}–{scale_max}."),
                    format!("The minimum must lie within the scale {scale_min}–{scale_max}."),
                ),
            );
        }
        let labels =
            match parse_scale_labels(&g("labels"), i64::from(scale_min), i64::from(scale_max)) {
                Ok(l) => l,
                Err(m) => {
                    errs.insert(k("labels"), m);
                    BTreeMap::new()
                }
            };
        out.push(CriterionDraft {
            code,
            name_id,
            name_en,
            description_id,
            description_en,
            kind,
            scale_min,
            scale_max,
            weight,
            pass_min,
            tiebreak_order,
            labels,
        });
    }
    if out.is_empty() && errs.is_empty() {
        errs.insert(
            "".into(),
            Msg::new(
                "Isi minimal satu kriteria.",
                "Enter at least one criterion.",
            ),
        );
    }
    let sum: i64 = out.iter().map(|c| i64::from(c.weight)).sum();
    if let Some(m) = weight_shortfall(sum) {
        errs.insert("weights".into(), m);
    }
    let mut orders: Vec<i32> = out.iter().filter_map(|c| c.tiebreak_order).collect();
    orders.sort_unstable();
    if orders.iter().zip(1..).any(|(o, want)| *o != want) {
        errs.insert(
            "tiebreak".into(),
            Msg::new(
                "Urutan penentu seri harus 1, 2, 3 … tanpa loncatan atau ganda.",
                "Tie-break orders must be 1, 2, 3 … without gaps or repeats.",
            ),
        );
    }
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

/// The domain rule set the ranking module checks, from stored criteria.
fn ranking_rules(r: &round::Model, criteria: &[criterion::Model]) -> RoundRules {
    RoundRules {
        aggregation: if r.aggregation == "trimmed_mean" {
            Aggregation::TrimmedMean
        } else {
            Aggregation::Mean
        },
        passing_total: r.passing_total.and_then(|t| u32::try_from(t).ok()),
        min_panelists: u32::try_from(r.min_panelists).unwrap_or(0),
        criteria: criteria
            .iter()
            .map(|c| Criterion {
                code: c.code.clone(),
                kind: if c.kind == "imported" {
                    CriterionKind::Imported
                } else {
                    CriterionKind::Panel
                },
                scale_min: i64::from(c.scale_min),
                scale_max: i64::from(c.scale_max),
                weight: u32::try_from(c.weight).unwrap_or(0),
                pass_min: c.pass_min.map(i64::from),
                tiebreak_order: c.tiebreak_order.and_then(|o| u32::try_from(o).ok()),
            })
            .collect(),
        seed: String::new(),
    }
}

async fn replace_criteria(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    rows: &[CriterionDraft],
) -> Result<(), DbErr> {
    criterion::Entity::delete_many()
        .filter(criterion::Column::RoundId.eq(round_id))
        .exec(tx)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let models = rows.iter().zip(1..).map(|(c, pos)| criterion::ActiveModel {
        id: Set(Uuid::now_v7()),
        round_id: Set(round_id),
        code: Set(c.code.clone()),
        name_id: Set(c.name_id.clone()),
        name_en: Set(c.name_en.clone()),
        description_id: Set(c.description_id.clone()),
        description_en: Set(c.description_en.clone()),
        kind: Set(kind_str(c.kind).into()),
        scale_min: Set(c.scale_min),
        scale_max: Set(c.scale_max),
        weight: Set(c.weight),
        pass_min: Set(c.pass_min),
        tiebreak_order: Set(c.tiebreak_order),
        position: Set(pos),
        scale_labels: Set(scale_labels_json(&c.labels)),
    });
    criterion::Entity::insert_many(models).exec(tx).await?;
    Ok(())
}

fn criteria_payload(rows: &[CriterionDraft], source: &str) -> serde_json::Value {
    serde_json::json!({
        "source": source,
        "criteria": rows.iter().map(|c| serde_json::json!({
            "code": c.code,
            "kind": kind_str(c.kind),
            "weight": c.weight,
            "scale_min": c.scale_min,
            "scale_max": c.scale_max,
            "pass_min": c.pass_min.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
            "tiebreak_order": c.tiebreak_order.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
        })).collect::<Vec<_>>(),
    })
}

/// Replaces a draft round's criteria (`criteria.updated`).
///
/// # Errors
/// `Forbidden`, `NotFound`, `Invalid` when frozen; storage failures.
pub async fn set_criteria(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    rows: &[CriterionDraft],
) -> Result<(), RoundError> {
    require_admin(actor)?;
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    replace_criteria(&tx, id, rows).await?;
    touch(&tx, id).await?;
    append(
        &tx,
        NewEvent::new(actor, "criteria.updated", "round", id.to_string())
            .round(id)
            .payload(criteria_payload(rows, "form")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Requirements
// ---------------------------------------------------------------------------

/// One parsed requirement.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct RequirementDraft {
    pub code: String,
    /// `document` | `declaration` | `age` | `domicile`.
    pub kind: String,
    pub text_id: String,
    pub text_en: String,
    pub mandatory: bool,
    /// JSON text for the kind, when it needs any.
    pub params: Option<String>,
}

/// The kinds a requirement can have, with how they are checked.
pub const REQUIREMENT_KINDS: [(&str, &str, &str); 4] = [
    (
        "document",
        "Dokumen diunggah (diperiksa MS/TMS)",
        "Uploaded document (checked eligible/ineligible)",
    ),
    (
        "declaration",
        "Pernyataan dicentang pendaftar",
        "Declaration ticked by the applicant",
    ),
    (
        "age",
        "Usia pada tanggal pendaftaran ditutup (otomatis)",
        "Age on the registration closing date (automatic)",
    ),
    (
        "domicile",
        "Domisili di wilayah formasi (otomatis)",
        "Domicile in the formation's area (automatic)",
    ),
];

fn default_params(kind: &str) -> Option<String> {
    match kind {
        "age" => Some(r#"{"reference":"registration_closes_at"}"#.into()),
        "domicile" => Some(r#"{"basis":"ktp"}"#.into()),
        _ => None,
    }
}

/// Parses the requirements form: rows `r{i}_code`, `r{i}_kind`,
/// `r{i}_text_id`, `r{i}_text_en`, `r{i}_mandatory` (a checkbox); a row with
/// neither code nor text is skipped.
///
/// # Errors
/// A message per bad field.
pub fn parse_requirements(f: &FormData) -> Result<Vec<RequirementDraft>, FieldErrors> {
    let mut errs = FieldErrors::new();
    let mut out: Vec<RequirementDraft> = Vec::new();
    for i in 0..MAX_ROWS {
        let k = |name: &str| format!("r{i}_{name}");
        let g = |name: &str| f.get(&k(name)).to_owned();
        if g("code").is_empty() && g("text_id").is_empty() {
            continue;
        }
        let code = g("code").to_uppercase();
        if code.is_empty()
            || code.len() > 32
            || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            errs.insert(
                k("code"),
                Msg::new(
                    "Kode wajib diisi: huruf, angka atau _ (maks. 32).",
                    "A code is required: letters, digits or _ (at most 32).",
                ),
            );
        } else if out.iter().any(|r| r.code == code) {
            errs.insert(
                k("code"),
                Msg::new(
                    format!("Kode {code} dipakai dua kali."),
                    format!("Code {code} is used twice."),
                ),
            );
        }
        let kind = g("kind");
        if !REQUIREMENT_KINDS.iter().any(|(k, _, _)| *k == kind) {
            errs.insert(
                k("kind"),
                Msg::new(
                    "Pilih jenis persyaratan.",
                    "Choose the kind of requirement.",
                ),
            );
        } else if matches!(kind.as_str(), "age" | "domicile") && out.iter().any(|r| r.kind == kind)
        {
            errs.insert(
                k("kind"),
                Msg::new(
                    "Persyaratan otomatis ini sudah ada.",
                    "This automatic requirement is already listed.",
                ),
            );
        }
        let text_id = text_len(
            &mut errs,
            &k("text_id"),
            &g("text_id"),
            3,
            1000,
            ("Teks", "The text"),
        );
        let text_en = if g("text_en").is_empty() {
            text_id.clone()
        } else {
            text_len(
                &mut errs,
                &k("text_en"),
                &g("text_en"),
                3,
                1000,
                ("Teks", "The text"),
            )
        };
        out.push(RequirementDraft {
            params: default_params(&kind),
            code,
            kind,
            text_id,
            text_en,
            mandatory: f.checked(&k("mandatory")),
        });
    }
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

async fn replace_requirements(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    rows: &[RequirementDraft],
) -> Result<(), DbErr> {
    requirement::Entity::delete_many()
        .filter(requirement::Column::RoundId.eq(round_id))
        .exec(tx)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let models = rows
        .iter()
        .zip(1..)
        .map(|(r, pos)| requirement::ActiveModel {
            id: Set(Uuid::now_v7()),
            round_id: Set(round_id),
            code: Set(r.code.clone()),
            kind: Set(r.kind.clone()),
            text_id: Set(r.text_id.clone()),
            text_en: Set(r.text_en.clone()),
            params: Set(r.params.clone()),
            mandatory: Set(r.mandatory),
            position: Set(pos),
        });
    requirement::Entity::insert_many(models).exec(tx).await?;
    Ok(())
}

fn requirements_payload(rows: &[RequirementDraft], source: &str) -> serde_json::Value {
    serde_json::json!({
        "source": source,
        "requirements": rows.iter().map(|r| serde_json::json!({
            "code": r.code,
            "kind": r.kind,
            "mandatory": if r.mandatory { "yes" } else { "no" },
        })).collect::<Vec<_>>(),
    })
}

/// Replaces a draft round's requirements (`requirements.updated`).
///
/// # Errors
/// `Forbidden`, `NotFound`, `Invalid` when frozen; storage failures.
pub async fn set_requirements(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    rows: &[RequirementDraft],
) -> Result<(), RoundError> {
    require_admin(actor)?;
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    replace_requirements(&tx, id, rows).await?;
    touch(&tx, id).await?;
    append(
        &tx,
        NewEvent::new(actor, "requirements.updated", "round", id.to_string())
            .round(id)
            .payload(requirements_payload(rows, "form")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------

/// A criteria template from `fixtures/criteria_*.json`.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Template {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub settings: TemplateSettings,
    pub criteria: Vec<TemplateCriterion>,
    #[serde(default)]
    pub extra_requirements: Vec<RequirementDraft>,
}

/// Round-wide rules a template proposes.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TemplateSettings {
    pub aggregation: String,
    pub passing_total: Option<i32>,
    pub min_panelists: i32,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
}

/// One criterion of a template.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TemplateCriterion {
    pub code: String,
    pub kind: String,
    pub scale_min: i32,
    pub scale_max: i32,
    pub weight: i32,
    pub pass_min: Option<i32>,
    pub tiebreak_order: Option<i32>,
    pub name_id: String,
    pub name_en: String,
    pub description_id: String,
    pub description_en: String,
    pub labels: BTreeMap<String, TemplateLabel>,
}

/// A point label of a template.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TemplateLabel {
    pub id: String,
    pub en: String,
}

const TEMPLATE_FILES: [&str; 2] = [
    include_str!("../../fixtures/criteria_panel.json"),
    include_str!("../../fixtures/criteria_tpp2023.json"),
];
const DEFAULT_REQUIREMENTS: &str = include_str!("../../fixtures/requirements_default.json");

/// The bundled templates.
///
/// # Errors
/// Only if a bundled file is malformed (a unit test proves they are not).
pub fn templates() -> Result<Vec<Template>, RoundError> {
    TEMPLATE_FILES
        .iter()
        .map(|t| {
            serde_json::from_str(t)
                .map_err(|e| RoundError::Internal(anyhow::anyhow!("bundled template: {e}")))
        })
        .collect()
}

/// The default requirements every template starts from.
///
/// # Errors
/// Only if the bundled file is malformed.
pub fn default_requirements() -> Result<Vec<RequirementDraft>, RoundError> {
    serde_json::from_str(DEFAULT_REQUIREMENTS)
        .map_err(|e| RoundError::Internal(anyhow::anyhow!("bundled requirements: {e}")))
}

impl Template {
    /// The template's criteria as drafts.
    pub fn criteria_drafts(&self) -> Vec<CriterionDraft> {
        self.criteria
            .iter()
            .map(|c| CriterionDraft {
                code: c.code.clone(),
                name_id: c.name_id.clone(),
                name_en: c.name_en.clone(),
                description_id: c.description_id.clone(),
                description_en: c.description_en.clone(),
                kind: if c.kind == "imported" {
                    CriterionKind::Imported
                } else {
                    CriterionKind::Panel
                },
                scale_min: c.scale_min,
                scale_max: c.scale_max,
                weight: c.weight,
                pass_min: c.pass_min,
                tiebreak_order: c.tiebreak_order,
                labels: c
                    .labels
                    .iter()
                    .filter_map(|(p, l)| {
                        Some((
                            p.parse().ok()?,
                            PointLabel {
                                id: l.id.clone(),
                                en: l.en.clone(),
                            },
                        ))
                    })
                    .collect(),
            })
            .collect()
    }
}

/// Replaces a draft round's criteria and requirements with a template's and
/// adopts its rules (aggregation, passing total, panel size, age range):
/// `criteria.updated`, `requirements.updated` and `round.updated`.
///
/// # Errors
/// `Forbidden`, `NotFound` (also for an unknown template), `Invalid` when frozen.
pub async fn apply_template(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    code: &str,
) -> Result<(), RoundError> {
    require_admin(actor)?;
    let template = templates()?
        .into_iter()
        .find(|t| t.code == code)
        .ok_or(RoundError::NotFound)?;
    let criteria = template.criteria_drafts();
    let mut requirements = default_requirements()?;
    requirements.extend(template.extra_requirements.iter().cloned());
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    replace_criteria(&tx, id, &criteria).await?;
    replace_requirements(&tx, id, &requirements).await?;
    let s = &template.settings;
    round::ActiveModel {
        id: Set(id),
        aggregation: Set(s.aggregation.clone()),
        passing_total: Set(s.passing_total),
        min_panelists: Set(s.min_panelists),
        age_min: Set(s.age_min),
        age_max: Set(s.age_max),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let source = format!("template:{}", template.code);
    for ev in [
        NewEvent::new(actor, "criteria.updated", "round", id.to_string())
            .payload(criteria_payload(&criteria, &source)),
        NewEvent::new(actor, "requirements.updated", "round", id.to_string())
            .payload(requirements_payload(&requirements, &source)),
        NewEvent::new(actor, "round.updated", "round", id.to_string()).payload(serde_json::json!({
            "source": source,
            "aggregation": s.aggregation,
            "passing_total": s.passing_total.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
            "min_panelists": s.min_panelists,
            "age_min": s.age_min.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
            "age_max": s.age_max.map_or_else(|| serde_json::json!(""), |n| serde_json::json!(n)),
        })),
    ] {
        append(&tx, ev.round(id)).await?;
    }
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Formations
// ---------------------------------------------------------------------------

/// What generating formations did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenerateReport {
    /// Codes of the formations created.
    pub created: Vec<String>,
    /// Kelurahan skipped because a formation of the round already covers them.
    pub already_covered: Vec<String>,
    /// Kelurahan without RT rows: `(code, name, rt_count if known)`.
    pub without_rts: Vec<(String, String, Option<i32>)>,
}

async fn rts_of(tx: &impl ConnectionTrait, kelurahan_code: &str) -> Result<Vec<i32>, DbErr> {
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
) -> Result<GenerateReport, RoundError> {
    require_admin(actor)?;
    if !(1..=1000).contains(&seats) {
        return Err(RoundError::field(
            "seats",
            Msg::new("Kursi harus 1–1000.", "Seats must be 1–1000."),
        ));
    }
    if !(0..=1000).contains(&reserve) {
        return Err(RoundError::field(
            "reserve",
            Msg::new("Cadangan harus 0–1000.", "Reserve must be 0–1000."),
        ));
    }
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    let mut q = kelurahan::Entity::find().order_by_asc(kelurahan::Column::Code);
    if !kecamatan_code.is_empty() {
        if kecamatan::Entity::find_by_id(kecamatan_code.to_owned())
            .one(&tx)
            .await?
            .is_none()
        {
            return Err(RoundError::field(
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
        let name = format!("Pokmas Kelurahan {}", k.name);
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
/// count (`regions.rts_created`). Existing RT rows are kept.
///
/// # Errors
/// `Forbidden`; `Invalid` for a count outside 1–500; `NotFound` for an unknown kelurahan.
pub async fn create_rts(
    db: &DatabaseConnection,
    actor: Actor,
    kelurahan_code: &str,
    count: i32,
) -> Result<u64, RoundError> {
    require_admin(actor)?;
    if !(1..=500).contains(&count) {
        return Err(RoundError::field(
            "rt_count",
            Msg::new("Jumlah RT harus 1–500.", "The RT count must be 1–500."),
        ));
    }
    let tx = begin_write(db).await?;
    let kel = kelurahan::Entity::find_by_id(kelurahan_code.to_owned())
        .one(&tx)
        .await?
        .ok_or_else(|| {
            RoundError::field(
                "kelurahan",
                Msg::new("Kelurahan tidak dikenal.", "Unknown kelurahan."),
            )
        })?;
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

/// Parses the RT-group form (`code`, `name`, `kelurahan_code`, `rts`, `seats`, `reserve`).
///
/// # Errors
/// A message per bad field.
pub fn parse_formation(f: &FormData) -> Result<FormationDraft, FieldErrors> {
    let mut errs = FieldErrors::new();
    let code = text_len(
        &mut errs,
        "code",
        f.get("code"),
        1,
        40,
        ("Kode formasi", "The formation code"),
    );
    let name = text_len(
        &mut errs,
        "name",
        f.get("name"),
        3,
        120,
        ("Nama formasi", "The formation name"),
    );
    let kelurahan_code = f.get("kelurahan_code").to_owned();
    if kelurahan_code.is_empty() {
        errs.insert(
            "kelurahan_code".into(),
            Msg::new("Pilih kelurahan.", "Choose a kelurahan."),
        );
    }
    let rts = RtSet::parse(f.get("rts"))
        .map_err(|m| errs.insert("rts".into(), m))
        .ok();
    let seats = int_in(
        &mut errs,
        "seats",
        f.get("seats"),
        1..=1000,
        ("Kursi", "Seats"),
    );
    let reserve = if f.get("reserve").is_empty() {
        Some(0)
    } else {
        int_in(
            &mut errs,
            "reserve",
            f.get("reserve"),
            0..=1000,
            ("Cadangan", "Reserve"),
        )
    };
    match (rts, seats, reserve) {
        (Some(rts), Some(seats), Some(reserve)) if errs.is_empty() => Ok(FormationDraft {
            code,
            name,
            kelurahan_code,
            rts,
            seats,
            reserve,
        }),
        _ => Err(errs),
    }
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
) -> Result<Uuid, RoundError> {
    require_admin(actor)?;
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    let rts = resolve_formations(&tx, id, std::slice::from_ref(d), true, &|_, f| f.to_owned())
        .await
        .map_err(RoundError::Invalid)?;
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
) -> Result<(), RoundError> {
    require_admin(actor)?;
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    let f = formation::Entity::find_by_id(formation_id)
        .one(&tx)
        .await?
        .filter(|f| f.round_id == id)
        .ok_or(RoundError::NotFound)?;
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

/// Sets seats and reserve of many formations at once from the fields
/// `seats_{formation_id}` and `reserve_{formation_id}` (`formations.seats_updated`,
/// listing only what changed).
///
/// # Errors
/// A message per bad field; `Invalid` when frozen.
pub async fn update_seats(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    f: &FormData,
) -> Result<usize, RoundError> {
    require_admin(actor)?;
    let tx = begin_write(db).await?;
    lock_draft(&tx, id).await?;
    let all = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(id))
        .order_by_asc(formation::Column::Code)
        .all(&tx)
        .await?;
    let mut errs = FieldErrors::new();
    let mut changes = Vec::new();
    for fm in &all {
        let sk = format!("seats_{}", fm.id);
        let rk = format!("reserve_{}", fm.id);
        if f.get(&sk).is_empty() && f.get(&rk).is_empty() {
            continue;
        }
        let seats = int_in(&mut errs, &sk, f.get(&sk), 1..=1000, ("Kursi", "Seats"));
        let reserve = int_in(
            &mut errs,
            &rk,
            f.get(&rk),
            0..=1000,
            ("Cadangan", "Reserve"),
        );
        if let (Some(s), Some(r)) = (seats, reserve)
            && (s, r) != (fm.seats, fm.reserve)
        {
            changes.push((fm, s, r));
        }
    }
    if !errs.is_empty() {
        return Err(RoundError::Invalid(errs));
    }
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
) -> Result<usize, RoundError> {
    require_admin(actor)?;
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
        RoundError::field("csv", Msg::new(id_text, en_text))
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
) -> Result<String, RoundError> {
    if let Actor::Account { role, .. } = actor
        && !matches!(role, Role::Admin | Role::Auditor)
    {
        return Err(RoundError::Forbidden);
    }
    let tx = begin_write(db).await?;
    let r = round::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or(RoundError::NotFound)?;
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
    let text = formations_csv::write(&rows).map_err(RoundError::Internal)?;
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

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// A formation with its area, for pages.
#[derive(Clone, Debug)]
pub struct FormationView {
    pub model: formation::Model,
    pub rts: Vec<i32>,
    pub kelurahan_name: String,
    pub kecamatan_code: String,
    pub kecamatan_name: String,
}

/// Everything the admin and public round pages show.
#[derive(Clone, Debug)]
pub struct RoundDetail {
    pub round: round::Model,
    pub criteria: Vec<criterion::Model>,
    pub requirements: Vec<requirement::Model>,
    pub formations: Vec<FormationView>,
}

impl RoundDetail {
    /// The state, `draft` if the stored name is unknown.
    pub fn state(&self) -> RoundState {
        RoundState::parse(&self.round.state).unwrap_or(RoundState::Draft)
    }

    /// The frozen object as it stands now (hashing it gives `frozen_hash`
    /// while nothing has changed since the freeze).
    pub fn frozen_rules(&self) -> FrozenRules {
        FrozenRules {
            round_id: self.round.id.to_string(),
            settings: FrozenSettings {
                aggregation: self.round.aggregation.clone(),
                passing_total: self.round.passing_total,
                min_panelists: self.round.min_panelists,
                age_min: self.round.age_min,
                age_max: self.round.age_max,
            },
            criteria: self
                .criteria
                .iter()
                .map(|c| FrozenCriterion {
                    code: c.code.clone(),
                    name_id: c.name_id.clone(),
                    name_en: c.name_en.clone(),
                    description_id: c.description_id.clone(),
                    description_en: c.description_en.clone(),
                    kind: c.kind.clone(),
                    scale_min: c.scale_min,
                    scale_max: c.scale_max,
                    weight: c.weight,
                    pass_min: c.pass_min,
                    tiebreak_order: c.tiebreak_order,
                    position: c.position,
                    scale_labels: scale_labels_from_json(&c.scale_labels),
                })
                .collect(),
            requirements: self
                .requirements
                .iter()
                .map(|r| FrozenRequirement {
                    code: r.code.clone(),
                    kind: r.kind.clone(),
                    text_id: r.text_id.clone(),
                    text_en: r.text_en.clone(),
                    params: r.params.clone().unwrap_or_default(),
                    mandatory: r.mandatory,
                    position: r.position,
                })
                .collect(),
            formations: self
                .formations
                .iter()
                .map(|f| FrozenFormation {
                    code: f.model.code.clone(),
                    name: f.model.name.clone(),
                    kelurahan_code: f.model.kelurahan_code.clone(),
                    all_rts: f.model.all_rts,
                    rts: f.rts.clone(),
                    seats: f.model.seats,
                    reserve: f.model.reserve,
                })
                .collect(),
        }
    }

    /// Sum of the criteria weights.
    pub fn weight_sum(&self) -> i64 {
        self.criteria.iter().map(|c| i64::from(c.weight)).sum()
    }
}

async fn load_in(db: &impl ConnectionTrait, r: round::Model) -> Result<RoundDetail, DbErr> {
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(r.id))
        .order_by_asc(criterion::Column::Position)
        .order_by_asc(criterion::Column::Code)
        .all(db)
        .await?;
    let requirements = requirement::Entity::find()
        .filter(requirement::Column::RoundId.eq(r.id))
        .order_by_asc(requirement::Column::Position)
        .order_by_asc(requirement::Column::Code)
        .all(db)
        .await?;
    let formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(r.id))
        .order_by_asc(formation::Column::Code)
        .all(db)
        .await?;
    let rts = formation_rt::Entity::find()
        .filter(formation_rt::Column::RoundId.eq(r.id))
        .order_by_asc(formation_rt::Column::RtNumber)
        .all(db)
        .await?;
    let kels: BTreeMap<String, kelurahan::Model> = kelurahan::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code.clone(), k))
        .collect();
    let kecs: BTreeMap<String, String> = kecamatan::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect();
    let mut by_formation: BTreeMap<Uuid, Vec<i32>> = BTreeMap::new();
    for row in rts {
        by_formation
            .entry(row.formation_id)
            .or_default()
            .push(row.rt_number);
    }
    let formations = formations
        .into_iter()
        .map(|m| {
            let kel = kels.get(&m.kelurahan_code);
            let kec_code = kel.map(|k| k.kecamatan_code.clone()).unwrap_or_default();
            FormationView {
                rts: by_formation.remove(&m.id).unwrap_or_default(),
                kelurahan_name: kel.map(|k| k.name.clone()).unwrap_or_default(),
                kecamatan_name: kecs.get(&kec_code).cloned().unwrap_or_default(),
                kecamatan_code: kec_code,
                model: m,
            }
        })
        .collect();
    Ok(RoundDetail {
        round: r,
        criteria,
        requirements,
        formations,
    })
}

/// A round with its criteria, requirements and formations.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn load(db: &DatabaseConnection, id: Uuid) -> Result<RoundDetail, RoundError> {
    let r = round::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RoundError::NotFound)?;
    Ok(load_in(db, r).await?)
}

/// Every round, newest year first.
///
/// # Errors
/// Storage failures.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<round::Model>, RoundError> {
    Ok(round::Entity::find()
        .order_by_desc(round::Column::Year)
        .order_by_desc(round::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Application counts of a round for the public page.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    /// Formation id → submitted applications.
    pub by_formation: BTreeMap<Uuid, u64>,
    /// Kelurahan code → submitted applications.
    pub by_kelurahan: BTreeMap<String, u64>,
    /// Kecamatan code → submitted applications.
    pub by_kecamatan: BTreeMap<String, u64>,
    pub total: u64,
}

/// A published round with live counts, for `/seleksi/{slug}`.
#[derive(Clone, Debug)]
pub struct PublicRound {
    pub detail: RoundDetail,
    pub counts: Counts,
}

/// The public view of a round: only once registration has opened (a round
/// that never left draft, even if cancelled, stays unpublished).
///
/// Applications count once submitted, whatever their later eligibility;
/// drafts and withdrawals do not count.
///
/// # Errors
/// `NotFound` for an unknown or unpublished slug; storage failures.
pub async fn public_round(db: &DatabaseConnection, slug: &str) -> Result<PublicRound, RoundError> {
    let r = round::Entity::find()
        .filter(round::Column::Slug.eq(slug))
        .one(db)
        .await?
        .filter(|r| r.frozen_hash.is_some())
        .ok_or(RoundError::NotFound)?;
    let detail = load_in(db, r).await?;
    let rows: Vec<(Option<Uuid>, Option<String>)> = application::Entity::find()
        .select_only()
        .column(application::Column::FormationId)
        .column(application::Column::KelurahanCode)
        .filter(application::Column::RoundId.eq(detail.round.id))
        .filter(application::Column::State.is_in(["submitted", "eligible", "ineligible"]))
        .into_tuple()
        .all(db)
        .await?;
    let kec_of: BTreeMap<String, String> = kelurahan::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.kecamatan_code))
        .collect();
    let mut counts = Counts::default();
    for (fid, kel) in rows {
        counts.total += 1;
        if let Some(fid) = fid {
            *counts.by_formation.entry(fid).or_default() += 1;
        }
        if let Some(kel) = kel {
            if let Some(kec) = kec_of.get(&kel) {
                *counts.by_kecamatan.entry(kec.clone()).or_default() += 1;
            }
            *counts.by_kelurahan.entry(kel).or_default() += 1;
        }
    }
    Ok(PublicRound { detail, counts })
}

/// Kelurahan without RT rows, for the RT-count form: `(code, name, rt_count)`.
///
/// # Errors
/// Storage failures.
pub async fn kelurahan_without_rts(
    db: &DatabaseConnection,
) -> Result<Vec<(String, String, Option<i32>)>, RoundError> {
    let with: BTreeSet<String> = rt::Entity::find()
        .select_only()
        .column(rt::Column::KelurahanCode)
        .distinct()
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(kelurahan::Entity::find()
        .order_by_asc(kelurahan::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .filter(|k| !with.contains(&k.code))
        .map(|k| (k.code, k.name, k.rt_count))
        .collect())
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
/// SHA-256 of the canonical text of `payload.frozen`). Cancelling needs a reason.
///
/// # Errors
/// `Invalid` with the reason in both languages; `Forbidden`; `NotFound`.
pub async fn transition(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    to: RoundState,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), RoundError> {
    require_admin(actor)?;
    let reason = reason.trim();
    if to == RoundState::Cancelled && reason.chars().count() < 5 {
        return Err(RoundError::field(
            "reason",
            Msg::new(
                "Tuliskan alasan pembatalan (minimal 5 karakter).",
                "Write the reason for cancelling (at least 5 characters).",
            ),
        ));
    }
    let tx = begin_write(db).await?;
    let r = round::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or(RoundError::NotFound)?;
    let from = RoundState::parse(&r.state)
        .ok_or_else(|| anyhow::anyhow!("round {id} has unknown state {}", r.state))?;
    check_transition(from, to, &schedule_of(&r), now).map_err(RoundError::form)?;
    let mut m = round::ActiveModel {
        id: Set(id),
        state: Set(to.as_str().into()),
        updated_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    };
    let mut payload = serde_json::json!({ "from": from.as_str(), "to": to.as_str() });
    if to == RoundState::Registration {
        let synced = sync_whole_formations(&tx, id).await?;
        payload["rts_added_to_whole_formations"] = serde_json::json!(synced);
        let detail = load_in(&tx, r).await?;
        freeze_checks(&detail).map_err(RoundError::form)?;
        let frozen = detail.frozen_rules();
        let hash = frozen
            .hash()
            .map_err(|e| anyhow::anyhow!("frozen rules: {e}"))?;
        m.frozen_hash = Set(Some(hash.clone()));
        m.frozen_at = Set(Some(now));
        payload["frozen_hash"] = serde_json::json!(hash);
        payload["frozen"] = frozen.to_json();
    }
    m.update(&tx).await?;
    append(
        &tx,
        NewEvent::new(actor, to.entered_action(), "round", id.to_string())
            .round(id)
            .payload(payload)
            .reason(reason),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(round.id = %id, round.from = %from, round.to = %to, "round state changed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_templates_are_valid_rule_sets() {
        let ts = templates().expect("templates");
        assert_eq!(ts.len(), 2);
        for t in &ts {
            let drafts = t.criteria_drafts();
            let rules = RoundRules {
                aggregation: Aggregation::Mean,
                passing_total: t.settings.passing_total.and_then(|p| u32::try_from(p).ok()),
                min_panelists: 3,
                criteria: drafts
                    .iter()
                    .map(|c| Criterion {
                        code: c.code.clone(),
                        kind: c.kind,
                        scale_min: c.scale_min.into(),
                        scale_max: c.scale_max.into(),
                        weight: u32::try_from(c.weight).unwrap_or(0),
                        pass_min: c.pass_min.map(i64::from),
                        tiebreak_order: c.tiebreak_order.and_then(|o| u32::try_from(o).ok()),
                    })
                    .collect(),
                seed: String::new(),
            };
            assert_eq!(rules.validate(), Ok(()), "{}", t.code);
            for c in &drafts {
                let text = crate::domain::round::format_scale_labels(&c.labels);
                assert!(
                    parse_scale_labels(&text, c.scale_min.into(), c.scale_max.into()).is_ok(),
                    "{} {}",
                    t.code,
                    c.code
                );
            }
        }
        assert!(ts.iter().any(|t| {
            t.criteria
                .iter()
                .any(|c| c.kind == "imported" && c.scale_max == 100)
        }));
        let reqs = default_requirements().expect("requirements");
        assert!(reqs.iter().any(|r| r.kind == "age"));
        assert!(reqs.iter().any(|r| r.kind == "domicile"));
    }

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        )
    }

    #[test]
    fn the_criteria_form_says_what_weight_is_missing() {
        let f = form(&[
            ("c0_code", "k1"),
            ("c0_name_id", "Integritas"),
            ("c0_scale_min", "1"),
            ("c0_scale_max", "2"),
            ("c0_weight", "85"),
            ("c0_labels", "1 = Kurang\n2 = Baik"),
        ]);
        let errs = parse_criteria(&f).expect_err("85");
        assert_eq!(errs["weights"].id, "Total bobot 85; kurang 15.");
        let f = form(&[
            ("c0_code", "k1"),
            ("c0_name_id", "Integritas"),
            ("c0_scale_min", "1"),
            ("c0_scale_max", "2"),
            ("c0_weight", "100"),
            ("c0_labels", "1 = Kurang\n2 = Baik"),
            ("c0_tiebreak_order", "2"),
        ]);
        let errs = parse_criteria(&f).expect_err("tiebreak 2 without 1");
        assert!(errs.contains_key("tiebreak"));
    }

    #[test]
    fn settings_with_dates_out_of_order_name_the_later_date() {
        let f = form(&[
            ("name", "Rekrutmen Pokmas"),
            ("year", "2027"),
            ("registration_opens_at", "2027-01-10T08:00"),
            ("registration_closes_at", "2027-01-05T08:00"),
        ]);
        let errs = RoundSettings::parse(&f).expect_err("order");
        assert!(errs.contains_key("registration_closes_at"), "{errs:?}");
        let ok = RoundSettings::parse(&form(&[("name", "Rekrutmen Pokmas"), ("year", "2027")]))
            .expect("ok");
        assert_eq!(ok.min_panelists, 3);
    }
}
