//! The admin's side of scoring: recusing a panelist from an application and
//! the per-formation progress view (who has scored what, what is missing and
//! why, the live standings).

use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::scoring::conflict_flags;
use super::standings::{RankChange, recompute_formation};
use super::{ServiceError, require_admin};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    account, application, conflict_declaration, criterion, formation, imported_value, ranking,
    round, scorecard, test_invitation,
};
use crate::domain::application::ApplicationState;
use crate::domain::ranking::{format_rounded_2dp, parse_fraction};
use crate::domain::role::Role;
use crate::domain::round::RoundHead;

/// What an admin's recusal did: applied at once (before results are
/// published), or stored as a request a second admin must approve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recusal {
    /// Applied, with the published rank changes it caused.
    Applied(Vec<RankChange>),
    /// Waiting for a second admin (the approval's id).
    Requested(Uuid),
}

/// An admin recuses `panelist` from one application, with a written reason.
/// Their scorecard (if any) stops counting, they see no score of the
/// application any more, and the formation is re-ranked with the recusal
/// event as cause. Once results are published the recusal is only
/// requested: it applies when another admin approves it
/// ([`crate::services::input_approvals::decide`]).
///
/// # Errors
/// `Forbidden` for non-admins; `NotFound` for an unknown application or a
/// panelist outside the formation's panel; `Invalid` for a short reason, a
/// panelist already recused, or a round outside assessment/results;
/// `Conflict` when the same recusal already waits for approval.
pub async fn recuse(
    db: &DatabaseConnection,
    actor: Actor,
    application_id: Uuid,
    panelist: Uuid,
    reason: &str,
) -> Result<Recusal, ServiceError> {
    let admin = require_admin(actor)?;
    let reason = reason.trim();
    if reason.chars().count() < 10 {
        return Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Tuliskan alasan pengecualian penilai (minimal 10 karakter).",
            "Write why the panelist is recused (at least 10 characters).",
        )));
    }
    let tx = begin_write(db).await?;
    let (app, r) = recusable(&tx, application_id, panelist).await?;
    if r.state.is_published() {
        let id =
            super::input_approvals::request_recusal(&tx, actor, admin, &app, &r, panelist, reason)
                .await?;
        tx.commit().await?;
        return Ok(Recusal::Requested(id));
    }
    let changes = apply_recusal(&tx, actor, &app, &r, panelist, reason, None).await?;
    tx.commit().await?;
    Ok(Recusal::Applied(changes))
}

/// Loads the application and its round and checks that `panelist` can be
/// recused from it now.
pub(crate) async fn recusable<C: ConnectionTrait>(
    tx: &C,
    application_id: Uuid,
    panelist: Uuid,
) -> Result<(application::Model, round::Model), ServiceError> {
    let app = application::Entity::find_by_id(application_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let formation_id = app.formation_id.ok_or(ServiceError::NotFound)?;
    let r = round::Entity::find_by_id(app.round_id)
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !r.state.recusal_open() {
        return Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Penilai hanya dapat dikecualikan sejak verifikasi sampai masa sanggah.",
            "A panelist can only be recused from verification until the objection period.",
        )));
    }
    if !super::standings::formation_panelists(tx, formation_id)
        .await?
        .contains(&panelist)
    {
        return Err(ServiceError::NotFound);
    }
    let recused = conflict_declaration::Entity::find()
        .filter(conflict_declaration::Column::ApplicationId.eq(application_id))
        .filter(conflict_declaration::Column::PanelistId.eq(panelist))
        .filter(conflict_declaration::Column::Recused.eq(true))
        .one(tx)
        .await?;
    if recused.is_some() {
        return Err(ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Penilai ini sudah dikecualikan dari pendaftar tersebut.",
            "This panelist is already recused from that applicant.",
        )));
    }
    Ok((app, r))
}

/// Writes a recusal checked by [`recusable`], appends
/// `conflict.recused_by_admin` (with `approval`'s names merged into its
/// payload when a second admin released it) and re-ranks the formation with
/// that event as cause.
pub(crate) async fn apply_recusal(
    tx: &crate::db::WriteTx,
    actor: Actor,
    app: &application::Model,
    r: &round::Model,
    panelist: Uuid,
    reason: &str,
    approval: Option<serde_json::Value>,
) -> Result<Vec<RankChange>, ServiceError> {
    let admin = require_admin(actor)?;
    let formation_id = app.formation_id.ok_or(ServiceError::NotFound)?;
    let existing = conflict_declaration::Entity::find()
        .filter(conflict_declaration::Column::ApplicationId.eq(app.id))
        .filter(conflict_declaration::Column::PanelistId.eq(panelist))
        .one(tx)
        .await?;
    let now = time::OffsetDateTime::now_utc();
    match existing {
        Some(d) => {
            conflict_declaration::ActiveModel {
                id: Set(d.id),
                recused: Set(true),
                recused_by: Set(Some(admin)),
                recused_at: Set(Some(now)),
                updated_at: Set(now),
                ..Default::default()
            }
            .update(tx)
            .await?;
        }
        None => {
            conflict_declaration::ActiveModel {
                id: Set(Uuid::now_v7()),
                application_id: Set(app.id),
                panelist_id: Set(panelist),
                kind: Set(None),
                text: Set(String::new()),
                recused: Set(true),
                recused_by: Set(Some(admin)),
                recused_at: Set(Some(now)),
                flagged_reasons: Set(None),
                declared_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(tx)
            .await?;
        }
    }
    let no = app.registration_no.clone().unwrap_or_default();
    let mut payload = serde_json::json!({
        "registration_no": no,
        "panelist_id": panelist.to_string(),
    });
    if let Some(serde_json::Value::Object(extra)) = approval {
        for (k, v) in extra {
            payload[k] = v;
        }
    }
    let event = append(
        tx,
        NewEvent::new(
            actor,
            "conflict.recused_by_admin",
            "application",
            app.id.to_string(),
        )
        .round(r.id)
        .payload(payload)
        .reason(reason)
        .with_registration(no.clone()),
    )
    .await?;
    let changes = recompute_formation(tx, formation_id, event.seq).await?;
    tracing::info!(application.registration_no = %no, "panelist recused by admin");
    Ok(changes)
}

pub use crate::domain::progress::{Cell, FormationProgress, Missing, Progress, ProgressRow};

/// Who has scored what in every formation of a round, what is missing and
/// why, and the stored live standings. Only eligible applications are listed.
///
/// # Errors
/// `Forbidden` for anyone but admins and auditors; `NotFound`.
pub async fn progress(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
) -> Result<Progress, ServiceError> {
    match actor {
        Actor::Account {
            role: Role::Admin | Role::Auditor,
            ..
        }
        | Actor::System => {}
        Actor::Account { .. } => return Err(ServiceError::Forbidden),
    }
    let r = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let min = usize::try_from(r.min_panelists).unwrap_or(0);
    let imported_criteria: Vec<(Uuid, String)> = criterion::Entity::find()
        .filter(criterion::Column::RoundId.eq(round_id))
        .filter(criterion::Column::Kind.eq("imported"))
        .order_by_asc(criterion::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.code))
        .collect();
    let formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .order_by_asc(formation::Column::Code)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for f in formations {
        let ids = super::standings::formation_panelists(db, f.id).await?;
        let accounts: HashMap<Uuid, account::Model> = account::Entity::find()
            .filter(account::Column::Id.is_in(ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let panelists: Vec<(Uuid, String)> = ids
            .iter()
            .map(|id| {
                (
                    *id,
                    accounts.get(id).map(|a| a.name.clone()).unwrap_or_default(),
                )
            })
            .collect();
        let apps = application::Entity::find()
            .filter(application::Column::FormationId.eq(f.id))
            .filter(application::Column::State.eq(ApplicationState::Eligible))
            .order_by_asc(application::Column::RegistrationNo)
            .all(db)
            .await?;
        let app_ids: Vec<Uuid> = apps.iter().map(|a| a.id).collect();
        let declarations: HashMap<(Uuid, Uuid), conflict_declaration::Model> =
            conflict_declaration::Entity::find()
                .filter(conflict_declaration::Column::ApplicationId.is_in(app_ids.clone()))
                .all(db)
                .await?
                .into_iter()
                .map(|d| ((d.application_id, d.panelist_id), d))
                .collect();
        let cards: HashMap<(Uuid, Uuid), i32> = scorecard::Entity::find()
            .filter(scorecard::Column::ApplicationId.is_in(app_ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|c| ((c.application_id, c.panelist_id), c.current_version))
            .collect();
        let present: HashSet<Uuid> = test_invitation::Entity::find()
            .filter(test_invitation::Column::ApplicationId.is_in(app_ids.clone()))
            .filter(test_invitation::Column::Attendance.eq("present"))
            .all(db)
            .await?
            .into_iter()
            .map(|i| i.application_id)
            .collect();
        let imported: HashSet<(Uuid, Uuid)> = imported_value::Entity::find()
            .filter(imported_value::Column::ApplicationId.is_in(app_ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|v| (v.application_id, v.criterion_id))
            .collect();
        let standings: BTreeMap<Uuid, ranking::Model> = ranking::Entity::find()
            .filter(ranking::Column::FormationId.eq(f.id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.application_id, r))
            .collect();
        let mut rows = Vec::new();
        for a in &apps {
            let mut cells = Vec::new();
            let mut flags = Vec::new();
            let mut missing_from = Vec::new();
            let mut available = 0;
            let mut submitted = 0;
            for (pid, name) in &panelists {
                let d = declarations.get(&(a.id, *pid));
                let version = cards.get(&(a.id, *pid)).copied().unwrap_or(0);
                let cell = match d {
                    Some(d) if d.recused => Cell::Recused,
                    _ if version > 0 => Cell::Submitted(version),
                    Some(d) if d.kind.is_some() => Cell::Draft,
                    _ => Cell::NotDeclared,
                };
                if cell != Cell::Recused {
                    available += 1;
                    if version > 0 {
                        submitted += 1;
                    } else {
                        missing_from.push(name.clone());
                    }
                }
                cells.push(cell);
                flags.push(
                    accounts
                        .get(pid)
                        .map(|p| conflict_flags(p, a))
                        .unwrap_or_default(),
                );
            }
            let mut missing = Vec::new();
            if !present.contains(&a.id) {
                missing.push(Missing::NotAttended);
            }
            if available < min {
                missing.push(Missing::TooFewPanelists {
                    available,
                    needed: min,
                });
            }
            if submitted < min && !missing_from.is_empty() {
                missing.push(Missing::Scorecards(missing_from));
            }
            let no_import: Vec<String> = imported_criteria
                .iter()
                .filter(|(cid, _)| !imported.contains(&(a.id, *cid)))
                .map(|(_, code)| code.clone())
                .collect();
            if !no_import.is_empty() {
                missing.push(Missing::Imported(no_import));
            }
            let standing = standings.get(&a.id);
            rows.push(ProgressRow {
                application_id: a.id,
                registration_no: a.registration_no.clone().unwrap_or_default(),
                state: a.state,
                cells,
                flags,
                complete: standing.is_some_and(|s| s.complete),
                missing,
                rank: standing.and_then(|s| s.rank),
                status: standing.and_then(|s| s.status.clone()),
                total: standing
                    .and_then(|s| s.total_exact.as_deref())
                    .and_then(|t| parse_fraction(t).ok())
                    .map(|t| format_rounded_2dp(&t)),
            });
        }
        let complete = rows.iter().filter(|r| r.complete).count();
        let submitted = rows
            .iter()
            .flat_map(|r| r.cells.iter())
            .filter(|c| matches!(c, Cell::Submitted(_)))
            .count();
        out.push(FormationProgress {
            formation: f.into(),
            panelists,
            incomplete: rows.len() - complete,
            complete,
            submitted,
            rows,
        });
    }
    Ok(Progress {
        round: RoundHead::from(&r),
        formations: out,
    })
}

/// Whether the application belongs to the round (a path's scope check).
///
/// # Errors
/// Storage failures.
pub async fn in_round(
    db: &DatabaseConnection,
    application_id: Uuid,
    round_id: Uuid,
) -> Result<bool, ServiceError> {
    Ok(application::Entity::find_by_id(application_id)
        .one(db)
        .await?
        .is_some_and(|a| a.round_id == round_id))
}
