//! The fit & proper test schedule: sessions, who is invited to which, and
//! the schedule page.

use std::collections::{BTreeMap, BTreeSet};

use crate::pii::NikVault;

use lettre::Address;
use lettre::message::Mailbox;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    account, application, formation, panel, round, test_invitation, test_session,
};
use crate::domain::round::{Msg, format_wita};
use crate::domain::text::plain_text;
use crate::mail::{Locale, Template, enqueue_for_round};
use crate::services::ServiceError;

use super::SessionForm;
use super::{
    ELIGIBLE, InvitationRow, RoundHead, ScheduleOverview, Session, SessionView, formations_of,
    invitation_in_round, lock_open_round, raced, remember, replayed, require_admin,
    require_before_results, usable_key,
};

/// Schedules a test session (`test_session.created`). A repeated submission
/// with the same `idempotency_key` returns the first session.
///
/// # Errors
/// `Invalid` for a panel outside the round or a round whose results are out;
/// `NotFound`; `Forbidden`; storage failures.
pub async fn create_session(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    form: &SessionForm,
    idempotency_key: Option<&str>,
) -> Result<Uuid, ServiceError> {
    let admin = require_admin(actor)?;
    let tx = begin_write(db).await?;
    let r = lock_open_round(&tx, round_id).await?;
    require_before_results(&r)?;
    let key = usable_key(idempotency_key).filter(|k| plain_text(k, false));
    let starts = format_wita(form.starts_at);
    let hash = crate::domain::lottery::sha256_hex(&format!(
        "session:{round_id}:{}:{starts}:{}:{}",
        form.panel_id, form.place, form.capacity
    ));
    if let Some(id) = replayed(&tx, admin, key, &hash).await? {
        return Ok(id);
    }
    let p = panel::Entity::find_by_id(form.panel_id)
        .one(&tx)
        .await?
        .filter(|p| p.round_id == round_id)
        .ok_or_else(|| {
            ServiceError::field(
                "panel",
                Msg::new(
                    "Pilih panel dari seleksi ini.",
                    "Choose a panel of this round.",
                ),
            )
        })?;
    let id = Uuid::now_v7();
    test_session::ActiveModel {
        id: Set(id),
        round_id: Set(round_id),
        panel_id: Set(p.id),
        starts_at: Set(form.starts_at),
        place: Set(form.place.clone()),
        capacity: Set(form.capacity),
    }
    .insert(&tx)
    .await?;
    remember(&tx, admin, key, hash, id).await?;
    append(
        &tx,
        NewEvent::new(
            actor,
            "test_session.created",
            "test_session",
            id.to_string(),
        )
        .round(round_id)
        .payload(serde_json::json!({
            "panel_id": p.id.to_string(),
            "starts_at": crate::domain::audit::format_at(form.starts_at),
            "place": form.place,
            "capacity": form.capacity,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn session_in_round(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    session_id: Uuid,
) -> Result<test_session::Model, ServiceError> {
    test_session::Entity::find_by_id(session_id)
        .lock_exclusive()
        .one(tx)
        .await?
        .filter(|s| s.round_id == round_id)
        .ok_or(ServiceError::NotFound)
}

async fn invited_count(tx: &DatabaseTransaction, session_id: Uuid) -> Result<i64, ServiceError> {
    let n = test_invitation::Entity::find()
        .filter(test_invitation::Column::TestSessionId.eq(session_id))
        .count(tx)
        .await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Queues the invitation mail when the application has a deliverable address
/// (an assisted registration may have none: the kelurahan then tells the
/// resident, and the status page shows the invitation either way).
async fn mail_invitation(
    tx: &crate::db::WriteTx,
    from: &Mailbox,
    app: &application::Model,
    email: &str,
    session: &test_session::Model,
    programme: &crate::domain::programme::Programme,
) -> Result<(), ServiceError> {
    crate::sms::stages::invitation(tx, app, session.starts_at, &session.place).await?;
    if email.trim().parse::<Address>().is_err() {
        return Ok(());
    }
    let locale = match app.account_id {
        Some(id) => account::Entity::find_by_id(id)
            .one(tx)
            .await?
            .map_or(Locale::Id, |a| Locale::parse(&a.locale)),
        None => Locale::Id,
    };
    let template = Template::TestInvitation {
        name: app.full_name.clone(),
        registration_no: app.registration_no.clone().unwrap_or_default(),
        when: session.starts_at,
        place: session.place.clone(),
    };
    enqueue_for_round(
        tx,
        email.trim(),
        &app.full_name,
        locale,
        &template,
        from,
        programme,
    )
    .await?;
    Ok(())
}

/// Fills a session with eligible applications of its panel's formations that
/// have no invitation yet, in registration-number order, up to its capacity;
/// each gets a `test.invited` event and an invitation mail. In a staged
/// round only those who went on from the stage before the panel's stage are
/// invited ([`crate::services::shortlists::invitation_gate`]). Returns how
/// many were invited.
///
/// # Errors
/// `Conflict` in a staged round whose shortlist before the panel's stage is
/// not published yet; `Invalid` when the round's results are out or the session is full;
/// `NotFound`; `Forbidden`; storage failures.
pub async fn auto_fill(
    db: &DatabaseConnection,
    actor: Actor,
    from: &Mailbox,
    vault: &NikVault,
    round_id: Uuid,
    session_id: Uuid,
) -> Result<usize, ServiceError> {
    require_admin(actor)?;
    let tx = begin_write(db).await?;
    let r = lock_open_round(&tx, round_id).await?;
    require_before_results(&r)?;
    let session = session_in_round(&tx, round_id, session_id).await?;
    let free = i64::from(session.capacity) - invited_count(&tx, session_id).await?;
    if free <= 0 {
        return Err(ServiceError::form(Msg::new(
            "Sesi ini sudah penuh.",
            "This session is full.",
        )));
    }
    let formation_ids: Vec<Uuid> = formations_of(&tx, session.panel_id)
        .await?
        .into_iter()
        .map(|f| f.id)
        .collect();
    let invited: BTreeSet<Uuid> = test_invitation::Entity::find()
        .select_only()
        .column(test_invitation::Column::ApplicationId)
        .into_tuple::<Uuid>()
        .all(&tx)
        .await?
        .into_iter()
        .collect();
    // In a staged round only those who went on from the stage before the
    // panel's are invited.
    let gate = crate::services::shortlists::invitation_gate(&tx, round_id).await?;
    let candidates: Vec<application::Model> = application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .filter(application::Column::FormationId.is_in(formation_ids))
        .filter(application::Column::State.eq(ELIGIBLE))
        .order_by_asc(application::Column::RegistrationNo)
        .all(&tx)
        .await?
        .into_iter()
        .filter(|a| !invited.contains(&a.id))
        .filter(|a| gate.as_ref().is_none_or(|g| g.contains(&a.id)))
        .take(usize::try_from(free).unwrap_or(0))
        .collect();
    let personal = crate::services::data_keys::personal_of_many(&tx, vault, &candidates)
        .await
        .map_err(ServiceError::Internal)?;
    let now = OffsetDateTime::now_utc();
    for a in &candidates {
        let id = Uuid::now_v7();
        test_invitation::ActiveModel {
            id: Set(id),
            test_session_id: Set(session_id),
            application_id: Set(a.id),
            invited_at: Set(now),
            attendance: Set(None),
            decision: Set(None),
            decided_by: Set(None),
            decided_at: Set(None),
        }
        .insert(&tx)
        .await
        .map_err(raced)?;
        let email = personal.get(&a.id).map_or("", |p| p.email.as_str());
        mail_invitation(&tx, from, a, email, &session, &r.programme()).await?;
        let mut ev = NewEvent::new(actor, "test.invited", "application", a.id.to_string())
            .round(round_id)
            .payload(serde_json::json!({
                "registration_no": a.registration_no.clone().unwrap_or_default(),
                "session_id": session_id.to_string(),
            }));
        ev.registration_no.clone_from(&a.registration_no);
        ev.kelurahan_code.clone_from(&a.kelurahan_code);
        append(&tx, ev).await?;
    }
    tx.commit().await?;
    tracing::info!(round.id = %round_id, test_session.id = %session_id, invited = candidates.len(), "session filled");
    Ok(candidates.len())
}

/// Moves an invitation to another session of a panel that assesses the
/// application's formation (`test.moved`) and mails the new time and place.
///
/// # Errors
/// `Invalid` when the target is full, the same session, of another panel's
/// formations, or attendance was already recorded; `NotFound`; `Forbidden`;
/// storage failures.
pub async fn move_invitation(
    db: &DatabaseConnection,
    actor: Actor,
    from: &Mailbox,
    vault: &NikVault,
    round_id: Uuid,
    invitation_id: Uuid,
    target_text: &str,
) -> Result<(), ServiceError> {
    require_admin(actor)?;
    let field = |m: Msg| ServiceError::field("session", m);
    let target_id: Uuid = target_text.trim().parse().map_err(|_| {
        field(Msg::new(
            "Pilih sesi tujuan.",
            "Choose the session to move to.",
        ))
    })?;
    let tx = begin_write(db).await?;
    let r = lock_open_round(&tx, round_id).await?;
    require_before_results(&r)?;
    let (inv, app) = invitation_in_round(&tx, round_id, invitation_id).await?;
    if inv.attendance.is_some() {
        return Err(field(Msg::new(
            "Kehadiran sudah dicatat; undangan ini tidak dapat dipindah.",
            "Attendance is recorded; this invitation cannot move.",
        )));
    }
    if inv.test_session_id == target_id {
        return Err(field(Msg::new(
            "Pendaftar sudah berada di sesi itu.",
            "The applicant is already in that session.",
        )));
    }
    let target = test_session::Entity::find_by_id(target_id)
        .lock_exclusive()
        .one(&tx)
        .await?
        .filter(|s| s.round_id == round_id)
        .ok_or_else(|| {
            field(Msg::new(
                "Sesi tujuan tidak dikenal.",
                "The target session is unknown.",
            ))
        })?;
    let assesses = formations_of(&tx, target.panel_id)
        .await?
        .iter()
        .any(|f| Some(f.id) == app.formation_id);
    if !assesses {
        return Err(field(Msg::new(
            "Panel sesi tujuan tidak menilai formasi pendaftar ini.",
            "The target session's panel does not assess this applicant's formation.",
        )));
    }
    if invited_count(&tx, target_id).await? >= i64::from(target.capacity) {
        return Err(field(Msg::new(
            "Sesi tujuan sudah penuh.",
            "The target session is full.",
        )));
    }
    test_invitation::ActiveModel {
        id: Set(inv.id),
        test_session_id: Set(target_id),
        invited_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let email = crate::services::data_keys::personal_of(&tx, vault, &app)
        .await
        .map_err(ServiceError::Internal)?
        .email;
    mail_invitation(&tx, from, &app, &email, &target, &r.programme()).await?;
    let mut ev = NewEvent::new(actor, "test.moved", "application", app.id.to_string())
        .round(round_id)
        .payload(serde_json::json!({
            "registration_no": app.registration_no.clone().unwrap_or_default(),
            "from_session_id": inv.test_session_id.to_string(),
            "session_id": target_id.to_string(),
        }));
    ev.registration_no.clone_from(&app.registration_no);
    ev.kelurahan_code.clone_from(&app.kelurahan_code);
    append(&tx, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// The schedule of a round.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn schedule_overview(
    db: &DatabaseConnection,
    round_id: Uuid,
) -> Result<ScheduleOverview, ServiceError> {
    let r = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let panels: Vec<(Uuid, String)> = panel::Entity::find()
        .filter(panel::Column::RoundId.eq(round_id))
        .order_by_asc(panel::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let sessions = test_session::Entity::find()
        .filter(test_session::Column::RoundId.eq(round_id))
        .order_by_asc(test_session::Column::StartsAt)
        .all(db)
        .await?;
    let session_ids: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
    let invitations = test_invitation::Entity::find()
        .filter(test_invitation::Column::TestSessionId.is_in(session_ids))
        .all(db)
        .await?;
    let apps: BTreeMap<Uuid, application::Model> = application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let codes: BTreeMap<Uuid, String> = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f.code))
        .collect();
    let deciders: Vec<Uuid> = invitations.iter().filter_map(|i| i.decided_by).collect();
    let decider_names: BTreeMap<Uuid, String> = account::Entity::find()
        .filter(account::Column::Id.is_in(deciders))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let invited: BTreeSet<Uuid> = invitations.iter().map(|i| i.application_id).collect();
    let waiting = apps
        .values()
        .filter(|a| a.state == ELIGIBLE && !invited.contains(&a.id))
        .count();
    let panel_names: BTreeMap<Uuid, String> = panels.iter().cloned().collect();
    let sessions = sessions
        .into_iter()
        .map(|s| {
            let mut rows: Vec<InvitationRow> = invitations
                .iter()
                .filter(|i| i.test_session_id == s.id)
                .filter_map(|i| {
                    let a = apps.get(&i.application_id)?;
                    Some(InvitationRow {
                        id: i.id,
                        application_id: a.id,
                        registration_no: a.registration_no.clone().unwrap_or_default(),
                        full_name: a.full_name.clone(),
                        formation_code: a
                            .formation_id
                            .and_then(|f| codes.get(&f).cloned())
                            .unwrap_or_default(),
                        attendance: i.attendance.clone(),
                        decision: i.decision.clone(),
                        decided_by: i.decided_by.and_then(|d| decider_names.get(&d).cloned()),
                    })
                })
                .collect();
            rows.sort_by(|a, b| a.registration_no.cmp(&b.registration_no));
            SessionView {
                panel_name: panel_names.get(&s.panel_id).cloned().unwrap_or_default(),
                invitations: rows,
                model: Session {
                    id: s.id,
                    round_id: s.round_id,
                    panel_id: s.panel_id,
                    starts_at: s.starts_at,
                    place: s.place,
                    capacity: s.capacity,
                },
            }
        })
        .collect();
    Ok(ScheduleOverview {
        round: RoundHead::from(&r),
        panels,
        sessions,
        waiting: u64::try_from(waiting).unwrap_or(u64::MAX),
    })
}
