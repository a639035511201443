//! Fit & proper test scoring: conflict declarations, scorecards and
//! amendments. Each use case is one transaction that writes the
//! change, appends its event (with old and new values, so any standing can be
//! replayed from the trail) and re-ranks the formation with that event as cause.

use std::collections::BTreeMap;

use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationDef,
};
use uuid::Uuid;

use super::ServiceError;
use super::standings::{Known, RankChange, recompute_after_change};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    account, application, conflict_declaration, criterion, panel_formation, panel_member, round,
    score_value, score_version, scorecard, scorecard_draft_value, test_invitation,
};
use crate::domain::application::ApplicationState;
use crate::domain::role::Role;
use crate::domain::round::RoundState;

/// What a panelist declares before opening an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConflictKind {
    /// No conflict of interest: the panelist may score.
    None,
    /// Family relation.
    Family,
    /// Same household.
    Household,
    /// Employer or employee.
    Employment,
    /// Political ties.
    Political,
    /// Anything else, described in text.
    Other,
}

impl ConflictKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::None => "none",
            ConflictKind::Family => "family",
            ConflictKind::Household => "household",
            ConflictKind::Employment => "employment",
            ConflictKind::Political => "political",
            ConflictKind::Other => "other",
        }
    }
}

/// Why the system thinks a panelist may be conflicted (shown to the panelist and the admin).
pub fn conflict_flags(panelist: &account::Model, app: &application::Model) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if panelist.own_kelurahan_code.is_some()
        && panelist.own_kelurahan_code == app.kelurahan_code
        && panelist.own_rt_number.is_some()
        && panelist.own_rt_number == app.rt_number
    {
        flags.push("same_rt");
    }
    if panelist.family_card_hash.is_some() && panelist.family_card_hash == app.family_card_hash {
        flags.push("same_family_card");
    }
    flags
}

fn invalid(id: &str, en: &str) -> ServiceError {
    ServiceError::Invalid(crate::domain::msg::Msg::new(id, en))
}

/// An application as its panel sees it: with its round and the panelists
/// of the panels that assess its formation.
struct Scope {
    app: application::Model,
    round: round::Model,
    /// Sorted, without duplicates; the re-rank needs the same list.
    panelists: Vec<Uuid>,
}

/// Loads the application and checks that `panelist` sits on the panel that
/// assesses its formation; anything else is "not found" to the panelist.
/// Two statements: this opens every declaration and scorecard.
async fn scope<C: ConnectionTrait>(
    tx: &C,
    panelist: Uuid,
    application_id: Uuid,
) -> Result<Scope, ServiceError> {
    let (app, round) = application::Entity::find_by_id(application_id)
        .find_also_related(round::Entity)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let round = round.ok_or(ServiceError::NotFound)?;
    let formation_id = app.formation_id.ok_or(ServiceError::NotFound)?;
    let panelists = super::standings::formation_panelists(tx, formation_id).await?;
    if panelists.binary_search(&panelist).is_err() {
        return Err(ServiceError::NotFound);
    }
    Ok(Scope {
        app,
        round,
        panelists,
    })
}

impl Scope {
    /// What the re-rank after this change would otherwise read again.
    fn known(self, criteria: Option<Vec<criterion::Model>>) -> Known {
        Known {
            round: Some(self.round),
            criteria,
            panelists: Some(self.panelists),
            application: Some(self.app),
            stage: None,
        }
    }
}

/// Records a panelist's declaration for one application. A declared conflict
/// recuses them; the formation is re-ranked since a recusal can change who is
/// complete.
///
/// # Errors
/// `NotFound` outside the panelist's panel; `Invalid` for a conflict without
/// text, or a second, different declaration (declarations are final).
pub async fn declare(
    db: &DatabaseConnection,
    panelist: Uuid,
    application_id: Uuid,
    kind: ConflictKind,
    text: &str,
) -> Result<Vec<RankChange>, ServiceError> {
    let tx = begin_write(db).await?;
    let scope = scope(&tx, panelist, application_id).await?;
    let (app, round) = (&scope.app, &scope.round);
    if !matches!(
        round.state.as_str(),
        "assessment" | "provisional" | "objection"
    ) {
        return Err(invalid(
            "Penilaian belum atau tidak lagi dibuka untuk seleksi ini.",
            "Scoring is not open for this round.",
        ));
    }
    let text = text.trim();
    if kind == ConflictKind::Other && text.is_empty() {
        return Err(invalid(
            "Jelaskan konflik kepentingan Anda.",
            "Describe the conflict of interest.",
        ));
    }
    // The panelist with their declaration for this application, if any, in
    // one statement (this runs for every panelist and application).
    let (who, existing) = account::Entity::find_by_id(panelist)
        .select_also(conflict_declaration::Entity)
        .join(
            JoinType::LeftJoin,
            RelationDef::from(
                conflict_declaration::Entity::belongs_to(account::Entity)
                    .from(conflict_declaration::Column::PanelistId)
                    .to(account::Column::Id),
            )
            .rev()
            .on_condition(move |_, declaration| {
                Expr::col((declaration, conflict_declaration::Column::ApplicationId))
                    .eq(application_id)
                    .into_condition()
            }),
        )
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if existing.as_ref().is_some_and(|d| d.kind.is_some()) {
        // A refusal by state, not by input: 409.
        return Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Pernyataan konflik kepentingan sudah dicatat dan tidak dapat diubah.",
            "The declaration is already recorded and final.",
        )));
    }
    let flags = conflict_flags(&who, app);
    let now = time::OffsetDateTime::now_utc();
    let recused = kind != ConflictKind::None;
    let model = conflict_declaration::ActiveModel {
        kind: Set(Some(kind.as_str().to_owned())),
        text: Set(text.to_owned()),
        recused: Set(recused),
        recused_at: Set(recused.then_some(now)),
        flagged_reasons: Set((!flags.is_empty()).then(|| flags.join(","))),
        declared_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    };
    match existing {
        Some(d) => {
            let mut m = model;
            m.id = Set(d.id);
            m.update(&tx).await?;
        }
        None => {
            let mut m = model;
            m.id = Set(Uuid::now_v7());
            m.application_id = Set(application_id);
            m.panelist_id = Set(panelist);
            m.recused_by = Set(None);
            m.created_at = Set(now);
            m.insert(&tx).await?;
        }
    }
    let no = app.registration_no.clone().unwrap_or_default();
    let event = append(
        &tx,
        NewEvent::new(
            Actor::Account {
                id: panelist,
                role: Role::Panelist,
            },
            if recused {
                "conflict.declared"
            } else {
                "conflict.none_declared"
            },
            "application",
            app.id.to_string(),
        )
        .round(round.id)
        .payload(serde_json::json!({
            "registration_no": no,
            "panelist_id": panelist.to_string(),
            "kind": kind.as_str(),
            "recused": i64::from(recused),
            "flags": flags,
        }))
        .with_registration(no.clone()),
    )
    .await?;
    let changes = match (recused, app.formation_id) {
        (true, Some(f)) => {
            let app_id = app.id;
            recompute_after_change(&tx, f, app_id, event.seq, scope.known(None)).await?
        }
        _ => Vec::new(),
    };
    tx.commit().await?;
    Ok(changes)
}

/// Panel criterion values keyed by criterion code.
pub type Values = BTreeMap<String, i32>;

/// A value outside `c`'s scale, said with the criterion's name so the
/// panelist finds the field.
fn off_scale(c: &criterion::Model) -> ServiceError {
    ServiceError::invalid(crate::domain::msg::Msg::new(
        format!(
            "Nilai {} ({}) harus antara {} dan {}.",
            c.name_id, c.code, c.scale_min, c.scale_max
        ),
        format!(
            "The value of {} ({}) must be between {} and {}.",
            c.name_en, c.code, c.scale_min, c.scale_max
        ),
    ))
}

/// A value for a criterion the panel does not score.
fn not_panel(code: &str) -> ServiceError {
    ServiceError::invalid(crate::domain::msg::Msg::new(
        format!("Kriteria {code} tidak dinilai oleh tim penilai."),
        format!("Criterion {code} is not scored by the panel."),
    ))
}

fn check_values(
    criteria: &[criterion::Model],
    values: &Values,
) -> Result<Vec<(Uuid, String, i32)>, ServiceError> {
    let criteria: Vec<&criterion::Model> = criteria.iter().filter(|c| c.kind == "panel").collect();
    // Every missing value is named at once, so a partial sheet is completed in one go.
    let missing: Vec<&&criterion::Model> = criteria
        .iter()
        .filter(|c| !values.contains_key(&c.code))
        .collect();
    let names = |en: bool| {
        missing
            .iter()
            .map(|c| format!("{} ({})", if en { &c.name_en } else { &c.name_id }, c.code))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match missing.len() {
        0 => {}
        1 => {
            return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
                format!("Nilai {} wajib diisi.", names(false)),
                format!("The value of {} is required.", names(true)),
            )));
        }
        n => {
            return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
                format!("Nilai {n} kriteria belum diisi: {}.", names(false)),
                format!("{n} criteria have no value yet: {}.", names(true)),
            )));
        }
    }
    let mut out = Vec::new();
    for c in &criteria {
        let Some(v) = values.get(&c.code).copied() else {
            continue;
        };
        if v < c.scale_min || v > c.scale_max {
            return Err(off_scale(c));
        }
        out.push((c.id, c.code.clone(), v));
    }
    if let Some(extra) = values
        .keys()
        .find(|k| !criteria.iter().any(|c| &c.code == *k))
    {
        return Err(not_panel(extra));
    }
    Ok(out)
}

/// Submits (version 1) or amends (version n+1, with a written reason) the
/// panelist's scorecard for one application; submitted versions are locked
/// and kept. Re-ranks the formation with the score event as cause.
///
/// # Errors
/// `NotFound` outside the panelist's panel; `Invalid` when the panelist has
/// not declared "no conflict", is recused, the application is not eligible
/// or did not attend, scoring is closed, a value is missing or off-scale, or
/// an amendment has no reason.
pub async fn submit(
    db: &DatabaseConnection,
    panelist: Uuid,
    application_id: Uuid,
    values: &Values,
    amendment_reason: Option<&str>,
) -> Result<(i32, Vec<RankChange>), ServiceError> {
    submit_with_comments(
        db,
        panelist,
        application_id,
        values,
        &Comments::new(),
        amendment_reason,
    )
    .await
}

/// Optional comments per criterion code, stored with a submitted version.
pub type Comments = BTreeMap<String, String>;

/// Most characters of one criterion comment.
pub const COMMENT_MAX_CHARS: usize = 1000;

fn check_comments(comments: &Comments) -> Result<(), ServiceError> {
    if comments
        .values()
        .any(|c| c.trim().chars().count() > COMMENT_MAX_CHARS)
    {
        return Err(ServiceError::invalid(crate::domain::msg::Msg::new(
            format!("Catatan per kriteria paling banyak {COMMENT_MAX_CHARS} karakter."),
            format!("A criterion note may be at most {COMMENT_MAX_CHARS} characters."),
        )));
    }
    Ok(())
}

/// A panelist may put values on an application's sheet only after declaring
/// no conflict of interest, never when recused, and only for an eligible
/// applicant.
async fn may_score<C: ConnectionTrait>(
    tx: &C,
    panelist: Uuid,
    app: &application::Model,
) -> Result<(), ServiceError> {
    let declaration = conflict_declaration::Entity::find()
        .filter(conflict_declaration::Column::ApplicationId.eq(app.id))
        .filter(conflict_declaration::Column::PanelistId.eq(panelist))
        .one(tx)
        .await?;
    check_may_score(declaration.map(|d| (d.kind, d.recused)), app)
}

/// [`may_score`] on a declaration already read: its kind and whether it
/// recuses.
fn check_may_score(
    declaration: Option<(Option<String>, bool)>,
    app: &application::Model,
) -> Result<(), ServiceError> {
    match declaration {
        Some((_, true)) => {
            return Err(invalid(
                "Anda dikecualikan dari penilaian pendaftar ini.",
                "You are recused from this application.",
            ));
        }
        Some((Some(kind), _)) if kind == "none" => {}
        _ => {
            return Err(invalid(
                "Nyatakan dahulu bahwa Anda tidak memiliki konflik kepentingan.",
                "Declare first that you have no conflict of interest.",
            ));
        }
    }
    if app.state != ApplicationState::Eligible {
        return Err(invalid(
            "Hanya pendaftar yang memenuhi syarat yang dapat dinilai.",
            "Only eligible applicants can be scored.",
        ));
    }
    Ok(())
}

/// What a submission checks before it writes: the panelist's declaration
/// for the application, the applicant's attendance and the panelist's
/// scorecard, if any.
struct Sheet {
    /// Kind and recusal of the declaration.
    declaration: Option<(Option<String>, bool)>,
    /// Attendance recorded on the test invitation.
    attendance: Option<String>,
    /// Id and current version of the scorecard.
    card: Option<(Uuid, i32)>,
}

/// Reads the [`Sheet`] in one statement (three lookups joined to the
/// application): each statement is a round trip to SQLite's worker thread,
/// and this runs for every scorecard.
async fn sheet<C: ConnectionTrait>(
    tx: &C,
    panelist: Uuid,
    application_id: Uuid,
) -> Result<Sheet, ServiceError> {
    use conflict_declaration::Column as D;
    use scorecard::Column as S;
    use test_invitation::Column as T;
    let app_id = || Expr::col((application::Entity, application::Column::Id));
    let q = Query::select()
        .column((conflict_declaration::Entity, D::Id))
        .column((conflict_declaration::Entity, D::Kind))
        .column((conflict_declaration::Entity, D::Recused))
        .column((test_invitation::Entity, T::Attendance))
        .column((scorecard::Entity, S::Id))
        .column((scorecard::Entity, S::CurrentVersion))
        .from(application::Entity)
        .left_join(
            conflict_declaration::Entity,
            Expr::col((conflict_declaration::Entity, D::ApplicationId))
                .equals((application::Entity, application::Column::Id))
                .and(Expr::col((conflict_declaration::Entity, D::PanelistId)).eq(panelist)),
        )
        .left_join(
            test_invitation::Entity,
            Expr::col((test_invitation::Entity, T::ApplicationId))
                .equals((application::Entity, application::Column::Id)),
        )
        .left_join(
            scorecard::Entity,
            Expr::col((scorecard::Entity, S::ApplicationId))
                .equals((application::Entity, application::Column::Id))
                .and(Expr::col((scorecard::Entity, S::PanelistId)).eq(panelist)),
        )
        .and_where(app_id().eq(application_id))
        .limit(1)
        .to_owned();
    let row = tx.query_one(&q).await?.ok_or(ServiceError::NotFound)?;
    let declaration_id: Option<Uuid> = row.try_get_by_index(0)?;
    let kind: Option<String> = row.try_get_by_index(1)?;
    let recused: Option<bool> = row.try_get_by_index(2)?;
    let attendance: Option<String> = row.try_get_by_index(3)?;
    let card_id: Option<Uuid> = row.try_get_by_index(4)?;
    let version: Option<i32> = row.try_get_by_index(5)?;
    Ok(Sheet {
        declaration: declaration_id.map(|_| (kind, recused.unwrap_or(false))),
        attendance,
        card: card_id.zip(version),
    })
}

/// [`submit`] with an optional comment per criterion, stored with the
/// version. A successful submission clears the panelist's private draft.
///
/// # Errors
/// As [`submit`]; `Invalid` for an overlong comment.
pub async fn submit_with_comments(
    db: &DatabaseConnection,
    panelist: Uuid,
    application_id: Uuid,
    values: &Values,
    comments: &Comments,
    amendment_reason: Option<&str>,
) -> Result<(i32, Vec<RankChange>), ServiceError> {
    check_comments(comments)?;
    let tx = begin_write(db).await?;
    let scope = scope(&tx, panelist, application_id).await?;
    let (app, round) = (&scope.app, &scope.round);
    let sheet = sheet(&tx, panelist, application_id).await?;
    check_may_score(sheet.declaration, app)?;
    if sheet.attendance.as_deref() != Some("present") {
        return Err(invalid(
            "Pendaftar belum tercatat hadir pada uji kelayakan.",
            "The applicant is not recorded as present at the test.",
        ));
    }
    // Every criterion of the round, as the re-rank below needs them too.
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round.id))
        .order_by_asc(criterion::Column::Position)
        .all(&tx)
        .await?;
    let values = check_values(&criteria, values)?;
    // In a staged round only those who went on from the stage before may be
    // scored in a later stage.
    let mut stages_checked: Vec<&str> = Vec::new();
    for c in criteria.iter().filter(|c| c.kind == "panel") {
        if let Some(stage) = c.stage_code.as_deref()
            && !stages_checked.contains(&stage)
        {
            stages_checked.push(stage);
            crate::services::shortlists::require_shortlisted(&tx, round.id, app.id, c).await?;
        }
    }
    let card = sheet.card;
    let previous = card.map_or(0, |(_, version)| version);
    let reason = amendment_reason.map(str::trim).unwrap_or_default();
    let mut reopened_by: Option<Uuid> = None;
    if previous == 0 {
        if round.state != RoundState::Assessment {
            return Err(invalid(
                "Penilaian hanya dapat dikirim pada tahap uji kelayakan.",
                "Scores can only be submitted during assessment.",
            ));
        }
    } else {
        if !matches!(
            round.state.as_str(),
            "assessment" | "provisional" | "objection"
        ) {
            return Err(invalid(
                "Nilai tidak dapat diubah lagi.",
                "Scores can no longer be changed.",
            ));
        }
        // Once results are published, only an accepted objection reopens a
        // scorecard: the amendment then names that objection.
        if round.state != RoundState::Assessment {
            reopened_by =
                crate::services::objections::reopened_scorecard(&tx, application_id, panelist)
                    .await?;
            if reopened_by.is_none() {
                return Err(invalid(
                    "Hasil sudah diumumkan: nilai hanya dapat diubah bila sanggahan yang diterima membuka kembali lembar nilai Anda.",
                    "Results are published: scores can only change when an accepted objection reopens your scorecard.",
                ));
            }
        }
        if reason.chars().count() < 10 {
            return Err(invalid(
                "Perubahan nilai yang sudah dikirim wajib disertai alasan tertulis (minimal 10 karakter).",
                "Changing submitted scores needs a written reason (at least 10 characters).",
            ));
        }
    }
    let old_values: BTreeMap<String, i64> = match card {
        Some((card_id, _)) if previous > 0 => {
            let v = score_version::Entity::find()
                .filter(score_version::Column::ScorecardId.eq(card_id))
                .filter(score_version::Column::Version.eq(previous))
                .one(&tx)
                .await?
                .ok_or_else(|| {
                    ServiceError::Internal(anyhow::anyhow!("scorecard without its current version"))
                })?;
            let vals = score_value::Entity::find()
                .filter(score_value::Column::ScoreVersionId.eq(v.id))
                .all(&tx)
                .await?;
            values
                .iter()
                .filter_map(|(cid, code, _)| {
                    vals.iter()
                        .find(|x| x.criterion_id == *cid)
                        .map(|x| (code.clone(), i64::from(x.value)))
                })
                .collect()
        }
        _ => BTreeMap::new(),
    };
    let now = time::OffsetDateTime::now_utc();
    let version = previous + 1;
    // Draft values hang off a scorecard: without one there are none to clear.
    let had_card = card.is_some();
    let card_id = match card {
        Some((card_id, _)) => {
            scorecard::ActiveModel {
                id: Set(card_id),
                status: Set("submitted".into()),
                current_version: Set(version),
                updated_at: Set(now),
                ..Default::default()
            }
            .update(&tx)
            .await?;
            card_id
        }
        None => {
            let id = Uuid::now_v7();
            scorecard::ActiveModel {
                id: Set(id),
                application_id: Set(application_id),
                panelist_id: Set(panelist),
                status: Set("submitted".into()),
                current_version: Set(version),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&tx)
            .await?;
            id
        }
    };
    let no = app.registration_no.clone().unwrap_or_default();
    let new_values: BTreeMap<String, i64> = values
        .iter()
        .map(|(_, code, v)| (code.clone(), i64::from(*v)))
        .collect();
    let event = append(
        &tx,
        NewEvent::new(
            Actor::Account {
                id: panelist,
                role: Role::Panelist,
            },
            if version == 1 {
                "score.submitted"
            } else {
                "score.amended"
            },
            "scorecard",
            card_id.to_string(),
        )
        .round(round.id)
        .payload({
            let mut p = serde_json::json!({
                "registration_no": no,
                "panelist_id": panelist.to_string(),
                "version": version,
                "old": old_values,
                "new": new_values,
            });
            if let Some(o) = reopened_by {
                p["objection_id"] = o.to_string().into();
            }
            p
        })
        .reason(reason)
        .with_registration(no.clone()),
    )
    .await?;
    let version_id = Uuid::now_v7();
    score_version::ActiveModel {
        id: Set(version_id),
        scorecard_id: Set(card_id),
        version: Set(version),
        submitted_at: Set(now),
        reason: Set(reason.to_owned()),
        audit_seq: Set(Some(event.seq)),
    }
    .insert(&tx)
    .await?;
    score_value::Entity::insert_many(values.iter().map(|(cid, _, v)| {
        score_value::ActiveModel {
            score_version_id: Set(version_id),
            criterion_id: Set(*cid),
            value: Set(*v),
            comment: Set(comments
                .get(code_of_id(&values, *cid))
                .map(|c| c.trim().to_owned())
                .unwrap_or_default()),
        }
    }))
    .exec_without_returning(&tx)
    .await?;
    if had_card {
        scorecard_draft_value::Entity::delete_many()
            .filter(scorecard_draft_value::Column::ScorecardId.eq(card_id))
            .exec(&tx)
            .await?;
    }
    let changes = match app.formation_id {
        Some(f) => {
            let app_id = app.id;
            recompute_after_change(&tx, f, app_id, event.seq, scope.known(Some(criteria))).await?
        }
        None => Vec::new(),
    };
    tx.commit().await?;
    tracing::info!(scorecard.id = %card_id, version, "scorecard submitted");
    Ok((version, changes))
}

fn code_of_id(values: &[(Uuid, String, i32)], id: Uuid) -> &str {
    values
        .iter()
        .find(|(cid, _, _)| *cid == id)
        .map_or("", |(_, code, _)| code.as_str())
}

/// A draft value per criterion code (`None` = not chosen yet).
pub type DraftValues = BTreeMap<String, Option<i32>>;

/// Saves the panelist's private draft of a scorecard ("Simpan draf"):
/// values may be missing, each one given must be on its scale; comments are
/// kept. Drafts are never shown to anyone else and never count; the event
/// `score.draft_saved` records that a draft was saved, without its values.
///
/// # Errors
/// `NotFound` outside the panelist's panel; `Invalid` before the "no
/// conflict" declaration, once recused, for an ineligible application, a
/// value off the scale, an overlong comment or outside scoring.
pub async fn save_draft(
    db: &DatabaseConnection,
    panelist: Uuid,
    application_id: Uuid,
    values: &DraftValues,
    comments: &Comments,
) -> Result<(), ServiceError> {
    check_comments(comments)?;
    let tx = begin_write(db).await?;
    let Scope { app, round, .. } = scope(&tx, panelist, application_id).await?;
    if !matches!(
        round.state.as_str(),
        "assessment" | "provisional" | "objection"
    ) {
        return Err(invalid(
            "Penilaian belum atau tidak lagi dibuka untuk seleksi ini.",
            "Scoring is not open for this round.",
        ));
    }
    may_score(&tx, panelist, &app).await?;
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round.id))
        .filter(criterion::Column::Kind.eq("panel"))
        .order_by_asc(criterion::Column::Position)
        .all(&tx)
        .await?;
    for (code, v) in values {
        let c = criteria
            .iter()
            .find(|c| &c.code == code)
            .ok_or_else(|| not_panel(code))?;
        if let Some(v) = v
            && (*v < c.scale_min || *v > c.scale_max)
        {
            return Err(off_scale(c));
        }
    }
    let now = time::OffsetDateTime::now_utc();
    let card = scorecard::Entity::find()
        .filter(scorecard::Column::ApplicationId.eq(application_id))
        .filter(scorecard::Column::PanelistId.eq(panelist))
        .one(&tx)
        .await?;
    let card_id = match card {
        Some(c) => c.id,
        None => {
            let id = Uuid::now_v7();
            scorecard::ActiveModel {
                id: Set(id),
                application_id: Set(application_id),
                panelist_id: Set(panelist),
                status: Set("draft".into()),
                current_version: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&tx)
            .await?;
            id
        }
    };
    scorecard_draft_value::Entity::delete_many()
        .filter(scorecard_draft_value::Column::ScorecardId.eq(card_id))
        .exec(&tx)
        .await?;
    let rows: Vec<scorecard_draft_value::ActiveModel> = criteria
        .iter()
        .filter_map(|c| {
            let value = values.get(&c.code).copied().flatten();
            let comment = comments
                .get(&c.code)
                .map(|t| t.trim().to_owned())
                .unwrap_or_default();
            (value.is_some() || !comment.is_empty()).then_some(scorecard_draft_value::ActiveModel {
                scorecard_id: Set(card_id),
                criterion_id: Set(c.id),
                value: Set(value),
                comment: Set(comment),
            })
        })
        .collect();
    let filled = rows.len();
    if !rows.is_empty() {
        scorecard_draft_value::Entity::insert_many(rows)
            .exec_without_returning(&tx)
            .await?;
    }
    let no = app.registration_no.clone().unwrap_or_default();
    append(
        &tx,
        NewEvent::new(
            Actor::Account {
                id: panelist,
                role: Role::Panelist,
            },
            "score.draft_saved",
            "scorecard",
            card_id.to_string(),
        )
        .round(round.id)
        .payload(serde_json::json!({
            "registration_no": no,
            "panelist_id": panelist.to_string(),
            "criteria_filled": filled,
        }))
        .with_registration(no.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One application on a panelist's list.
#[derive(Clone, Debug)]
pub struct QueueItem {
    pub application_id: Uuid,
    pub registration_no: String,
    pub full_name: String,
    pub formation: String,
    pub eligible: bool,
    pub attended: bool,
    /// The declared kind (`none`, `family`, …) once declared.
    pub declared: Option<String>,
    pub recused: bool,
    pub flags: Vec<&'static str>,
    /// The panelist's own latest submitted version (0 = not yet).
    pub my_version: i32,
}

/// The applications of the formations the panelist's panels assess.
///
/// # Errors
/// Storage failures.
pub async fn panelist_queue(
    db: &DatabaseConnection,
    panelist: Uuid,
) -> Result<Vec<QueueItem>, ServiceError> {
    use crate::db::entities::formation;
    let me = account::Entity::find_by_id(panelist)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let panels: Vec<Uuid> = panel_member::Entity::find()
        .filter(panel_member::Column::AccountId.eq(panelist))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.panel_id)
        .collect();
    let formations: Vec<Uuid> = panel_formation::Entity::find()
        .filter(panel_formation::Column::PanelId.is_in(panels))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.formation_id)
        .collect();
    let names: std::collections::HashMap<Uuid, String> = formation::Entity::find()
        .filter(formation::Column::Id.is_in(formations.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f.name))
        .collect();
    let apps = application::Entity::find()
        .filter(application::Column::FormationId.is_in(formations))
        .filter(application::Column::State.is_in([
            ApplicationState::Eligible,
            ApplicationState::Ineligible,
            ApplicationState::Submitted,
            ApplicationState::Withdrawn,
        ]))
        .filter(application::Column::RegistrationNo.is_not_null())
        .order_by_asc(application::Column::RegistrationNo)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = apps.iter().map(|a| a.id).collect();
    let declarations: std::collections::HashMap<Uuid, conflict_declaration::Model> =
        conflict_declaration::Entity::find()
            .filter(conflict_declaration::Column::PanelistId.eq(panelist))
            .filter(conflict_declaration::Column::ApplicationId.is_in(ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.application_id, d))
            .collect();
    let cards: std::collections::HashMap<Uuid, i32> = scorecard::Entity::find()
        .filter(scorecard::Column::PanelistId.eq(panelist))
        .filter(scorecard::Column::ApplicationId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.application_id, c.current_version))
        .collect();
    let present: std::collections::HashSet<Uuid> = test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.is_in(ids))
        .filter(test_invitation::Column::Attendance.eq("present"))
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.application_id)
        .collect();
    Ok(apps
        .into_iter()
        .filter(|a| a.state == ApplicationState::Eligible)
        .map(|a| {
            let d = declarations.get(&a.id);
            QueueItem {
                application_id: a.id,
                registration_no: a.registration_no.clone().unwrap_or_default(),
                full_name: a.full_name.clone(),
                formation: a
                    .formation_id
                    .and_then(|f| names.get(&f).cloned())
                    .unwrap_or_default(),
                eligible: a.state == ApplicationState::Eligible,
                attended: present.contains(&a.id),
                declared: d.and_then(|d| d.kind.clone()),
                recused: d.is_some_and(|d| d.recused),
                flags: conflict_flags(&me, &a),
                my_version: cards.get(&a.id).copied().unwrap_or(0),
            }
        })
        .collect())
}

/// What a panelist sees of one application: never another panelist's score.
#[derive(Clone, Debug)]
pub struct ScoreSheet {
    pub application: application::Model,
    pub round: round::Model,
    pub criteria: Vec<criterion::Model>,
    pub declaration: Option<conflict_declaration::Model>,
    pub flags: Vec<&'static str>,
    pub attended: bool,
    /// The panelist's own current version and values (empty before submitting;
    /// also empty once recused, so nothing about scores shows).
    pub my_version: i32,
    pub my_values: BTreeMap<String, i32>,
    /// The panelist's own versions: (version, reason, submitted at).
    pub history: Vec<(i32, String, time::OffsetDateTime)>,
    /// The panelist's values per version, by criterion code.
    pub history_values: BTreeMap<i32, BTreeMap<String, i32>>,
    /// Comments of the current version, by criterion code.
    pub my_comments: BTreeMap<String, String>,
    /// The private draft, by criterion code (empty when none).
    pub draft_values: DraftValues,
    pub draft_comments: BTreeMap<String, String>,
    /// Whether a submission can still be taken: during assessment, or after
    /// publication when an accepted objection reopened this scorecard (the
    /// same rule `submit` applies), so the page does not offer a form that
    /// would only be refused.
    pub open_for_scores: bool,
    /// The applicant's kelurahan by name, so a panelist can judge a conflict
    /// of interest before declaring.
    pub kelurahan_name: Option<String>,
}

/// Loads the score sheet of one application for a panelist of its panel.
///
/// # Errors
/// `NotFound` outside the panelist's panel.
pub async fn score_sheet(
    db: &DatabaseConnection,
    panelist: Uuid,
    application_id: Uuid,
) -> Result<ScoreSheet, ServiceError> {
    let Scope { app, round, .. } = scope(db, panelist, application_id).await?;
    let me = account::Entity::find_by_id(panelist)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let criteria = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round.id))
        .filter(criterion::Column::Kind.eq("panel"))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await?;
    let declaration = conflict_declaration::Entity::find()
        .filter(conflict_declaration::Column::ApplicationId.eq(application_id))
        .filter(conflict_declaration::Column::PanelistId.eq(panelist))
        .one(db)
        .await?;
    let attended = test_invitation::Entity::find()
        .filter(test_invitation::Column::ApplicationId.eq(application_id))
        .one(db)
        .await?
        .is_some_and(|i| i.attendance.as_deref() == Some("present"));
    let kelurahan_name = match &app.kelurahan_code {
        Some(code) => crate::db::entities::kelurahan::Entity::find_by_id(code.clone())
            .one(db)
            .await?
            .map(|k| k.name),
        None => None,
    };
    let mut sheet = ScoreSheet {
        kelurahan_name,
        flags: conflict_flags(&me, &app),
        application: app,
        round,
        criteria,
        declaration,
        attended,
        my_version: 0,
        my_values: BTreeMap::new(),
        history: Vec::new(),
        history_values: BTreeMap::new(),
        my_comments: BTreeMap::new(),
        draft_values: DraftValues::new(),
        draft_comments: BTreeMap::new(),
        open_for_scores: false,
    };
    sheet.open_for_scores = match sheet.round.state.as_str() {
        "assessment" => true,
        "provisional" | "objection" => {
            crate::services::objections::reopened_scorecard(db, sheet.application.id, panelist)
                .await?
                .is_some()
        }
        _ => false,
    };
    if sheet.declaration.as_ref().is_some_and(|d| d.recused) {
        return Ok(sheet);
    }
    let card = scorecard::Entity::find()
        .filter(scorecard::Column::ApplicationId.eq(application_id))
        .filter(scorecard::Column::PanelistId.eq(panelist))
        .one(db)
        .await?;
    if let Some(card) = card {
        let versions = score_version::Entity::find()
            .filter(score_version::Column::ScorecardId.eq(card.id))
            .order_by_asc(score_version::Column::Version)
            .all(db)
            .await?;
        if let Some(current) = versions.iter().find(|v| v.version == card.current_version) {
            let code_of: std::collections::HashMap<Uuid, String> = sheet
                .criteria
                .iter()
                .map(|c| (c.id, c.code.clone()))
                .collect();
            for v in score_value::Entity::find()
                .filter(score_value::Column::ScoreVersionId.eq(current.id))
                .all(db)
                .await?
            {
                if let Some(code) = code_of.get(&v.criterion_id) {
                    sheet.my_values.insert(code.clone(), v.value);
                    if !v.comment.is_empty() {
                        sheet.my_comments.insert(code.clone(), v.comment);
                    }
                }
            }
            sheet.my_version = card.current_version;
        }
        for d in scorecard_draft_value::Entity::find()
            .filter(scorecard_draft_value::Column::ScorecardId.eq(card.id))
            .all(db)
            .await?
        {
            if let Some(code) = sheet
                .criteria
                .iter()
                .find(|c| c.id == d.criterion_id)
                .map(|c| c.code.clone())
            {
                sheet.draft_values.insert(code.clone(), d.value);
                if !d.comment.is_empty() {
                    sheet.draft_comments.insert(code, d.comment);
                }
            }
        }
        // Every version's values, so a panelist can see what they sent before.
        let code_of: std::collections::HashMap<Uuid, String> = sheet
            .criteria
            .iter()
            .map(|c| (c.id, c.code.clone()))
            .collect();
        let version_of: std::collections::HashMap<Uuid, i32> =
            versions.iter().map(|v| (v.id, v.version)).collect();
        for v in score_value::Entity::find()
            .filter(score_value::Column::ScoreVersionId.is_in(version_of.keys().copied()))
            .all(db)
            .await?
        {
            if let (Some(version), Some(code)) = (
                version_of.get(&v.score_version_id),
                code_of.get(&v.criterion_id),
            ) {
                sheet
                    .history_values
                    .entry(*version)
                    .or_default()
                    .insert(code.clone(), v.value);
            }
        }
        sheet.history = versions
            .into_iter()
            .map(|v| (v.version, v.reason, v.submitted_at))
            .collect();
    }
    Ok(sheet)
}
