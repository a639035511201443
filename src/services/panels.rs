//! Panels, the fit & proper test schedule and the round dashboard.
//!
//! Every function that changes state is one use case in one [`begin_write`]
//! transaction: it checks that the actor is an admin, loads and checks, writes,
//! appends its audit event(s), queues its mail and commits. A refusal leaves
//! nothing changed and says why per field ([`RoundError::Invalid`]).

use std::collections::{BTreeMap, BTreeSet};

use lettre::Address;
use lettre::message::Mailbox;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    account, account_scope, application, formation, idempotency_key, kelurahan, panel,
    panel_formation, panel_member, round, test_invitation, test_session,
};
use crate::domain::role::Role;
use crate::domain::round::{Msg, RoundState, format_wita, parse_wita};
use crate::domain::text::plain_text;
use crate::mail::{Locale, Template, enqueue};
use crate::services::panel_freeze;
use crate::services::rounds::{FieldErrors, FormData, RoundError};

/// Attendance values stored in `test_invitation.attendance`.
pub const PRESENT: &str = "present";
/// See [`PRESENT`].
pub const ABSENT: &str = "absent";

/// Application states that count as eligible (eligible and everything after).
const ELIGIBLE_STATES: [&str; 3] = ["eligible", "scored", "ranked"];

fn require_admin(actor: Actor) -> Result<Uuid, RoundError> {
    match actor {
        Actor::Account {
            id,
            role: Role::Admin,
        } => Ok(id),
        _ => Err(RoundError::Forbidden),
    }
}

/// What the panels, schedule and dashboard pages show of the round itself.
#[derive(Clone, Debug)]
pub struct RoundHead {
    pub id: Uuid,
    pub name: String,
    /// The stored state name.
    pub state: crate::domain::round::RoundState,
    pub min_panelists: i32,
}

impl RoundHead {
    fn of(r: &round::Model) -> RoundHead {
        RoundHead {
            id: r.id,
            name: r.name.clone(),
            state: r.state,
            min_panelists: r.min_panelists,
        }
    }

    /// The round's state (`draft` if the stored name is unknown).
    pub fn state(&self) -> RoundState {
        self.state
    }
}

fn state_of(r: &round::Model) -> RoundState {
    r.state
}

/// Loads the round for writing and refuses once it is over (final or
/// cancelled): panels and the schedule are history from then on.
async fn lock_open_round(tx: &DatabaseTransaction, id: Uuid) -> Result<round::Model, RoundError> {
    let r = round::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(RoundError::NotFound)?;
    if matches!(state_of(&r), RoundState::Final | RoundState::Cancelled) {
        return Err(RoundError::form(Msg::new(
            "Seleksi ini sudah selesai atau dibatalkan; tidak ada lagi yang dapat diubah.",
            "This round is finished or cancelled; nothing can change any more.",
        )));
    }
    Ok(r)
}

/// Invitations are only sent before results are published: after that the
/// test is over.
fn require_before_results(r: &round::Model) -> Result<(), RoundError> {
    match state_of(r) {
        RoundState::Draft
        | RoundState::Registration
        | RoundState::Verification
        | RoundState::Assessment => Ok(()),
        _ => Err(RoundError::form(Msg::new(
            "Hasil sudah diumumkan; jadwal uji tidak dapat diubah lagi.",
            "Results are published; the test schedule can no longer change.",
        ))),
    }
}

/// Looks up a replayed form submission: `Ok(Some(id))` when this key already
/// created something for the same request.
async fn replayed(
    tx: &DatabaseTransaction,
    admin: Uuid,
    key: Option<&str>,
    request_hash: &str,
) -> Result<Option<Uuid>, RoundError> {
    let Some(key) = key else { return Ok(None) };
    let found = idempotency_key::Entity::find_by_id((admin.to_string(), key.to_owned()))
        .one(tx)
        .await?;
    match found {
        None => Ok(None),
        Some(f) => match f.response_location.and_then(|l| l.parse().ok()) {
            Some(id) if f.request_hash == request_hash => Ok(Some(id)),
            _ => Err(RoundError::form(Msg::new(
                "Formulir ini sudah dikirim. Muat ulang halaman untuk membuat yang lain.",
                "This form was already submitted. Reload the page to create another.",
            ))),
        },
    }
}

async fn remember(
    tx: &DatabaseTransaction,
    admin: Uuid,
    key: Option<&str>,
    request_hash: String,
    id: Uuid,
) -> Result<(), RoundError> {
    if let Some(key) = key {
        idempotency_key::ActiveModel {
            scope: Set(admin.to_string()),
            key: Set(key.to_owned()),
            request_hash: Set(request_hash),
            status_code: Set(Some(303)),
            response_location: Set(Some(id.to_string())),
            created_at: Set(OffsetDateTime::now_utc()),
        }
        .insert(tx)
        .await?;
    }
    Ok(())
}

/// Another admin changed the same rows at the same moment (PostgreSQL lets
/// both transactions read before either writes): the unique constraints decide
/// and the loser is asked to reload instead of seeing an error page.
fn raced(e: sea_orm::DbErr) -> RoundError {
    if matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        RoundError::form(Msg::new(
            "Data ini baru saja diubah orang lain. Muat ulang halaman dan coba lagi.",
            "Someone else just changed this. Reload the page and try again.",
        ))
    } else {
        e.into()
    }
}

fn usable_key(key: Option<&str>) -> Option<&str> {
    key.filter(|k| !k.is_empty() && k.len() <= 100)
}

fn parse_id(errs: &mut FieldErrors, field: &str, text: &str, what: Msg) -> Option<Uuid> {
    match text.trim().parse::<Uuid>() {
        Ok(id) => Some(id),
        Err(_) => {
            errs.insert(field.to_owned(), what);
            None
        }
    }
}

// ---------------------------------------------------------------------------
// Panels
// ---------------------------------------------------------------------------

/// A panelist on a panel, for pages.
#[derive(Clone, Debug)]
pub struct MemberView {
    pub account_id: Uuid,
    pub name: String,
    pub email: String,
    /// Kelurahan codes the panelist acts in.
    pub scopes: Vec<String>,
}

/// A panel with its members and formations.
#[derive(Clone, Debug)]
pub struct PanelView {
    pub model: panel::Model,
    pub members: Vec<MemberView>,
    pub formations: Vec<formation::Model>,
    /// Fewer members than the round's `min_panelists`.
    pub short: bool,
    /// `(panelist name, kelurahan code)` for each member lacking the scope of a
    /// formation the panel assesses.
    pub scope_gaps: Vec<(String, String)>,
}

/// A formation and the panel assessing it, if any.
#[derive(Clone, Debug)]
pub struct FormationChoice {
    pub model: formation::Model,
    pub kelurahan_name: String,
    pub panel: Option<(Uuid, String)>,
}

/// Everything the panels page shows.
#[derive(Clone, Debug)]
pub struct PanelsOverview {
    pub round: RoundHead,
    pub panels: Vec<PanelView>,
    pub formations: Vec<FormationChoice>,
    /// Active panelist accounts that may be added: `(id, name, scopes)`.
    pub panelists: Vec<MemberView>,
}

async fn scopes_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, Vec<String>>, RoundError> {
    let mut out: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for s in account_scope::Entity::find()
        .filter(account_scope::Column::AccountId.is_in(ids.to_vec()))
        .order_by_asc(account_scope::Column::KelurahanCode)
        .all(db)
        .await?
    {
        out.entry(s.account_id).or_default().push(s.kelurahan_code);
    }
    Ok(out)
}

async fn kelurahan_names(
    db: &impl ConnectionTrait,
) -> Result<BTreeMap<String, String>, RoundError> {
    Ok(kelurahan::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|k| (k.code, k.name))
        .collect())
}

/// The panels of a round with members, formations and warnings.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn panels_overview(
    db: &DatabaseConnection,
    round_id: Uuid,
) -> Result<PanelsOverview, RoundError> {
    let r = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(RoundError::NotFound)?;
    let panels = panel::Entity::find()
        .filter(panel::Column::RoundId.eq(round_id))
        .order_by_asc(panel::Column::Name)
        .all(db)
        .await?;
    let panel_ids: Vec<Uuid> = panels.iter().map(|p| p.id).collect();
    let members = panel_member::Entity::find()
        .filter(panel_member::Column::PanelId.is_in(panel_ids.clone()))
        .all(db)
        .await?;
    let links = panel_formation::Entity::find()
        .filter(panel_formation::Column::PanelId.is_in(panel_ids))
        .all(db)
        .await?;
    let formations = formation::Entity::find()
        .filter(formation::Column::RoundId.eq(round_id))
        .order_by_asc(formation::Column::Code)
        .all(db)
        .await?;
    let accounts: Vec<account::Model> = account::Entity::find()
        .filter(account::Column::Role.eq(Role::Panelist.as_str()))
        .order_by_asc(account::Column::Name)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = accounts.iter().map(|a| a.id).collect();
    let scopes = scopes_of(db, &ids).await?;
    let view_of = |a: &account::Model| MemberView {
        account_id: a.id,
        name: a.name.clone(),
        email: a.email.clone(),
        scopes: scopes.get(&a.id).cloned().unwrap_or_default(),
    };
    let by_id: BTreeMap<Uuid, MemberView> = accounts.iter().map(|a| (a.id, view_of(a))).collect();
    let names = kelurahan_names(db).await?;
    let panel_of: BTreeMap<Uuid, Uuid> =
        links.iter().map(|l| (l.formation_id, l.panel_id)).collect();
    let panel_name: BTreeMap<Uuid, String> =
        panels.iter().map(|p| (p.id, p.name.clone())).collect();
    let views = panels
        .into_iter()
        .map(|p| {
            let ms: Vec<MemberView> = members
                .iter()
                .filter(|m| m.panel_id == p.id)
                .filter_map(|m| by_id.get(&m.account_id).cloned())
                .collect();
            let fs: Vec<formation::Model> = formations
                .iter()
                .filter(|f| panel_of.get(&f.id) == Some(&p.id))
                .cloned()
                .collect();
            let mut scope_gaps = Vec::new();
            for m in &ms {
                let kels: BTreeSet<&String> = fs.iter().map(|f| &f.kelurahan_code).collect();
                for k in kels {
                    if !m.scopes.contains(k) {
                        scope_gaps.push((m.name.clone(), k.clone()));
                    }
                }
            }
            PanelView {
                short: ms.len() < usize::try_from(r.min_panelists).unwrap_or(0),
                members: ms,
                formations: fs,
                scope_gaps,
                model: p,
            }
        })
        .collect();
    let formations = formations
        .into_iter()
        .map(|f| FormationChoice {
            kelurahan_name: names.get(&f.kelurahan_code).cloned().unwrap_or_default(),
            panel: panel_of
                .get(&f.id)
                .map(|pid| (*pid, panel_name.get(pid).cloned().unwrap_or_default())),
            model: f,
        })
        .collect();
    let panelists = accounts
        .iter()
        .filter(|a| a.status == "active")
        .map(view_of)
        .collect();
    Ok(PanelsOverview {
        round: RoundHead::of(&r),
        panels: views,
        formations,
        panelists,
    })
}

async fn panel_in_round(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    panel_id: Uuid,
) -> Result<panel::Model, RoundError> {
    panel::Entity::find_by_id(panel_id)
        .one(tx)
        .await?
        .filter(|p| p.round_id == round_id)
        .ok_or(RoundError::NotFound)
}

/// Creates a panel (`panel.created`). A repeated submission with the same
/// `idempotency_key` returns the first panel.
///
/// # Errors
/// `Forbidden` for non-admins; `Invalid` for a missing, too long or taken
/// name; `NotFound`; storage failures.
pub async fn create_panel(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    name: &str,
    idempotency_key: Option<&str>,
) -> Result<Uuid, RoundError> {
    let admin = require_admin(actor)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || !plain_text(name, false) {
        return Err(RoundError::field(
            "name",
            Msg::new(
                "Nama panel wajib diisi (1–100 karakter).",
                "The panel name is required (1–100 characters).",
            ),
        ));
    }
    let tx = begin_write(db).await?;
    lock_open_round(&tx, round_id).await?;
    let key = usable_key(idempotency_key).filter(|k| plain_text(k, false));
    let hash = crate::domain::lottery::sha256_hex(&format!("panel:{round_id}:{name}"));
    if let Some(id) = replayed(&tx, admin, key, &hash).await? {
        return Ok(id);
    }
    let taken = panel::Entity::find()
        .filter(panel::Column::RoundId.eq(round_id))
        .filter(panel::Column::Name.eq(name))
        .count(&tx)
        .await?;
    if taken > 0 {
        return Err(RoundError::field(
            "name",
            Msg::new(
                format!("Sudah ada panel bernama \u{201c}{name}\u{201d} di seleksi ini."),
                format!("This round already has a panel called \u{201c}{name}\u{201d}."),
            ),
        ));
    }
    let id = Uuid::now_v7();
    panel::ActiveModel {
        id: Set(id),
        round_id: Set(round_id),
        name: Set(name.to_owned()),
    }
    .insert(&tx)
    .await
    .map_err(raced)?;
    remember(&tx, admin, key, hash, id).await?;
    append(
        &tx,
        NewEvent::new(actor, "panel.created", "panel", id.to_string())
            .round(round_id)
            .payload(serde_json::json!({ "name": name })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(round.id = %round_id, panel.id = %id, "panel created");
    Ok(id)
}

fn scope_msg(who: &str, kel: &str) -> Msg {
    Msg::new(
        format!(
            "{who} tidak memiliki cakupan kelurahan {kel}, yang dinilai panel ini. Tambahkan cakupan itu pada akunnya terlebih dahulu."
        ),
        format!(
            "{who} has no scope for kelurahan {kel}, which this panel assesses. Add that scope to the account first."
        ),
    )
}

/// Adds a panelist to a panel (`panel.member_added`).
///
/// # Errors
/// `Invalid` when the account is not an active panelist, already a member, or
/// lacks the scope of a kelurahan the panel assesses; `NotFound`;
/// `Forbidden`; storage failures.
pub async fn add_member(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    panel_id: Uuid,
    account_text: &str,
) -> Result<(), RoundError> {
    require_admin(actor)?;
    let not_panelist = || {
        RoundError::field(
            "account_id",
            Msg::new(
                "Pilih akun aktif dengan peran panelis.",
                "Choose an active account with the panelist role.",
            ),
        )
    };
    let account_id: Uuid = account_text.trim().parse().map_err(|_| not_panelist())?;
    let tx = begin_write(db).await?;
    let r = lock_open_round(&tx, round_id).await?;
    panel_freeze::require_unpublished(&r)?;
    let p = panel_in_round(&tx, round_id, panel_id).await?;
    let acc = account::Entity::find_by_id(account_id)
        .one(&tx)
        .await?
        .filter(|a| a.role == Role::Panelist.as_str() && a.status == "active")
        .ok_or_else(not_panelist)?;
    let already = panel_member::Entity::find_by_id((panel_id, account_id))
        .one(&tx)
        .await?;
    if already.is_some() {
        return Err(RoundError::field(
            "account_id",
            Msg::new(
                format!("{} sudah menjadi anggota panel ini.", acc.name),
                format!("{} is already on this panel.", acc.name),
            ),
        ));
    }
    let scopes = scopes_of(&tx, &[account_id]).await?;
    let scopes = scopes.get(&account_id).cloned().unwrap_or_default();
    for f in formations_of(&tx, panel_id).await? {
        if !scopes.contains(&f.kelurahan_code) {
            return Err(RoundError::field(
                "account_id",
                scope_msg(&acc.name, &f.kelurahan_code),
            ));
        }
    }
    panel_member::ActiveModel {
        panel_id: Set(panel_id),
        account_id: Set(account_id),
    }
    .insert(&tx)
    .await
    .map_err(raced)?;
    let members = member_count(&tx, panel_id).await?;
    let event = append(
        &tx,
        NewEvent::new(actor, "panel.member_added", "panel", panel_id.to_string())
            .round(round_id)
            .payload(serde_json::json!({
                "panel": p.name,
                "account_id": account_id.to_string(),
                "members": members,
            })),
    )
    .await?;
    panel_freeze::rerank_panel(&tx, &r, panel_id, event.seq).await?;
    tx.commit().await?;
    Ok(())
}

async fn member_count(tx: &DatabaseTransaction, panel_id: Uuid) -> Result<i64, RoundError> {
    let n = panel_member::Entity::find()
        .filter(panel_member::Column::PanelId.eq(panel_id))
        .count(tx)
        .await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

async fn formations_of(
    tx: &DatabaseTransaction,
    panel_id: Uuid,
) -> Result<Vec<formation::Model>, RoundError> {
    let ids: Vec<Uuid> = panel_formation::Entity::find()
        .filter(panel_formation::Column::PanelId.eq(panel_id))
        .all(tx)
        .await?
        .into_iter()
        .map(|l| l.formation_id)
        .collect();
    Ok(formation::Entity::find()
        .filter(formation::Column::Id.is_in(ids))
        .order_by_asc(formation::Column::Code)
        .all(tx)
        .await?)
}

/// Removes a panelist from a panel (`panel.member_removed`).
///
/// # Errors
/// `NotFound` when the panel or the membership does not exist; `Forbidden`;
/// storage failures.
pub async fn remove_member(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    panel_id: Uuid,
    account_id: Uuid,
) -> Result<(), RoundError> {
    require_admin(actor)?;
    let tx = begin_write(db).await?;
    let r = lock_open_round(&tx, round_id).await?;
    let p = panel_in_round(&tx, round_id, panel_id).await?;
    let name = account::Entity::find_by_id(account_id)
        .one(&tx)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    panel_freeze::require_removable(&tx, &r, panel_id, account_id, &name).await?;
    let res = panel_member::Entity::delete_by_id((panel_id, account_id))
        .exec(&tx)
        .await?;
    if res.rows_affected == 0 {
        return Err(RoundError::NotFound);
    }
    let members = member_count(&tx, panel_id).await?;
    let event = append(
        &tx,
        NewEvent::new(actor, "panel.member_removed", "panel", panel_id.to_string())
            .round(round_id)
            .payload(serde_json::json!({
                "panel": p.name,
                "account_id": account_id.to_string(),
                "members": members,
            })),
    )
    .await?;
    panel_freeze::rerank_panel(&tx, &r, panel_id, event.seq).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the formations a panel assesses (`panel.formations_set`).
///
/// # Errors
/// `Invalid` when a formation is unknown, already given to another panel (one
/// panel per formation), or in a kelurahan a member has no scope for;
/// `NotFound`; `Forbidden`; storage failures.
pub async fn set_formations(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    panel_id: Uuid,
    formation_texts: &[String],
) -> Result<(), RoundError> {
    require_admin(actor)?;
    let field = |m: Msg| RoundError::field("formation", m);
    let mut wanted = BTreeSet::new();
    for t in formation_texts {
        let id: Uuid = t.trim().parse().map_err(|_| {
            field(Msg::new(
                "Formasi yang dipilih tidak dikenal.",
                "A chosen formation is unknown.",
            ))
        })?;
        wanted.insert(id);
    }
    let tx = begin_write(db).await?;
    let r = lock_open_round(&tx, round_id).await?;
    panel_freeze::require_formations_open(&r)?;
    let p = panel_in_round(&tx, round_id, panel_id).await?;
    let before: Vec<Uuid> = formations_of(&tx, panel_id)
        .await?
        .into_iter()
        .map(|f| f.id)
        .collect();
    let chosen = formation::Entity::find()
        .filter(formation::Column::Id.is_in(wanted.iter().copied().collect::<Vec<_>>()))
        .filter(formation::Column::RoundId.eq(round_id))
        .order_by_asc(formation::Column::Code)
        .all(&tx)
        .await?;
    if chosen.len() != wanted.len() {
        return Err(field(Msg::new(
            "Formasi yang dipilih tidak dikenal di seleksi ini.",
            "A chosen formation does not belong to this round.",
        )));
    }
    let elsewhere = panel_formation::Entity::find()
        .filter(
            panel_formation::Column::FormationId.is_in(wanted.iter().copied().collect::<Vec<_>>()),
        )
        .filter(panel_formation::Column::PanelId.ne(panel_id))
        .all(&tx)
        .await?;
    if let Some(link) = elsewhere.first() {
        let other = panel::Entity::find_by_id(link.panel_id)
            .one(&tx)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        let code = chosen
            .iter()
            .find(|f| f.id == link.formation_id)
            .map(|f| f.code.clone())
            .unwrap_or_default();
        return Err(field(Msg::new(
            format!(
                "Formasi {code} sudah dinilai oleh panel \u{201c}{other}\u{201d}; satu formasi hanya untuk satu panel."
            ),
            format!(
                "Formation {code} is already assessed by panel \u{201c}{other}\u{201d}; a formation has one panel."
            ),
        )));
    }
    let member_ids: Vec<Uuid> = panel_member::Entity::find()
        .filter(panel_member::Column::PanelId.eq(panel_id))
        .all(&tx)
        .await?
        .into_iter()
        .map(|m| m.account_id)
        .collect();
    let scopes = scopes_of(&tx, &member_ids).await?;
    let names: BTreeMap<Uuid, String> = account::Entity::find()
        .filter(account::Column::Id.is_in(member_ids.clone()))
        .all(&tx)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    for f in &chosen {
        for m in &member_ids {
            let covered = scopes.get(m).is_some_and(|s| s.contains(&f.kelurahan_code));
            if !covered {
                let who = names.get(m).cloned().unwrap_or_default();
                return Err(field(scope_msg(&who, &f.kelurahan_code)));
            }
        }
    }
    panel_formation::Entity::delete_many()
        .filter(panel_formation::Column::PanelId.eq(panel_id))
        .exec(&tx)
        .await?;
    for f in &chosen {
        panel_formation::ActiveModel {
            panel_id: Set(panel_id),
            formation_id: Set(f.id),
        }
        .insert(&tx)
        .await
        .map_err(raced)?;
    }
    let codes: Vec<String> = chosen.iter().map(|f| f.code.clone()).collect();
    let event = append(
        &tx,
        NewEvent::new(actor, "panel.formations_set", "panel", panel_id.to_string())
            .round(round_id)
            .payload(serde_json::json!({
                "panel": p.name,
                "formations": codes.join(";"),
            })),
    )
    .await?;
    // The formations it left and those it took both change whose values count.
    if r.frozen_hash.is_some() {
        let touched: BTreeSet<Uuid> = before
            .into_iter()
            .chain(chosen.iter().map(|f| f.id))
            .collect();
        for f in touched {
            crate::services::standings::recompute_formation(&tx, f, event.seq).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Test schedule
// ---------------------------------------------------------------------------

/// A checked "new session" form.
#[derive(Clone, Debug)]
pub struct SessionForm {
    pub starts_at: OffsetDateTime,
    pub place: String,
    pub capacity: i32,
    pub panel_id: Uuid,
}

impl SessionForm {
    /// Reads `date` (YYYY-MM-DD) and `time` (HH:MM) in WITA, `place`,
    /// `capacity` (1–500) and `panel`; the start must be after `now`.
    ///
    /// # Errors
    /// A message per bad field.
    pub fn parse(data: &FormData, now: OffsetDateTime) -> Result<SessionForm, FieldErrors> {
        let mut errs = FieldErrors::new();
        let date = data.get("date");
        let time = if data.get("time").is_empty() {
            "08:00"
        } else {
            data.get("time")
        };
        let starts_at = match parse_wita(&format!("{date}T{time}")) {
            Ok(Some(t)) if t > now => Some(t),
            Ok(Some(_)) => {
                errs.insert(
                    "date".into(),
                    Msg::new(
                        "Tanggal dan jam uji harus di masa depan.",
                        "The test date and time must be in the future.",
                    ),
                );
                None
            }
            _ => {
                errs.insert(
                    "date".into(),
                    Msg::new(
                        "Isi tanggal (TTTT-BB-HH) dan jam (JJ:MM) WITA yang benar.",
                        "Enter a valid date (YYYY-MM-DD) and time (HH:MM) in WITA.",
                    ),
                );
                None
            }
        };
        let place = data.get("place").to_owned();
        if place.is_empty() || place.chars().count() > 200 || !plain_text(&place, false) {
            errs.insert(
                "place".into(),
                Msg::new(
                    "Tempat wajib diisi (1–200 karakter).",
                    "The place is required (1–200 characters).",
                ),
            );
        }
        let capacity = match data.get("capacity").parse::<i32>() {
            Ok(n) if (1..=500).contains(&n) => Some(n),
            _ => {
                errs.insert(
                    "capacity".into(),
                    Msg::new(
                        "Kapasitas harus bilangan bulat 1–500.",
                        "Capacity must be a whole number 1–500.",
                    ),
                );
                None
            }
        };
        let panel_id = parse_id(
            &mut errs,
            "panel",
            data.get("panel"),
            Msg::new("Pilih panel penguji.", "Choose the examining panel."),
        );
        match (starts_at, capacity, panel_id) {
            (Some(starts_at), Some(capacity), Some(panel_id)) if errs.is_empty() => {
                Ok(SessionForm {
                    starts_at,
                    place,
                    capacity,
                    panel_id,
                })
            }
            _ => Err(errs),
        }
    }
}

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
) -> Result<Uuid, RoundError> {
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
            RoundError::field(
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
) -> Result<test_session::Model, RoundError> {
    test_session::Entity::find_by_id(session_id)
        .lock_exclusive()
        .one(tx)
        .await?
        .filter(|s| s.round_id == round_id)
        .ok_or(RoundError::NotFound)
}

async fn invited_count(tx: &DatabaseTransaction, session_id: Uuid) -> Result<i64, RoundError> {
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
    tx: &DatabaseTransaction,
    from: &Mailbox,
    app: &application::Model,
    session: &test_session::Model,
) -> Result<(), RoundError> {
    crate::sms::stages::invitation(tx, app, session.starts_at, &session.place).await?;
    if app.email.trim().parse::<Address>().is_err() {
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
    enqueue(tx, &app.email, &app.full_name, locale, &template, from).await?;
    Ok(())
}

/// Fills a session with eligible applications of its panel's formations that
/// have no invitation yet, in registration-number order, up to its capacity;
/// each gets a `test.invited` event and an invitation mail. Returns how many
/// were invited.
///
/// # Errors
/// `Invalid` when the round's results are out or the session is full;
/// `NotFound`; `Forbidden`; storage failures.
pub async fn auto_fill(
    db: &DatabaseConnection,
    actor: Actor,
    from: &Mailbox,
    round_id: Uuid,
    session_id: Uuid,
) -> Result<usize, RoundError> {
    require_admin(actor)?;
    let tx = begin_write(db).await?;
    let r = lock_open_round(&tx, round_id).await?;
    require_before_results(&r)?;
    let session = session_in_round(&tx, round_id, session_id).await?;
    let free = i64::from(session.capacity) - invited_count(&tx, session_id).await?;
    if free <= 0 {
        return Err(RoundError::form(Msg::new(
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
    let candidates: Vec<application::Model> = application::Entity::find()
        .filter(application::Column::RoundId.eq(round_id))
        .filter(application::Column::FormationId.is_in(formation_ids))
        .filter(application::Column::State.is_in(ELIGIBLE_STATES))
        .order_by_asc(application::Column::RegistrationNo)
        .all(&tx)
        .await?
        .into_iter()
        .filter(|a| !invited.contains(&a.id))
        .take(usize::try_from(free).unwrap_or(0))
        .collect();
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
        mail_invitation(&tx, from, a, &session).await?;
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

async fn invitation_in_round(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    invitation_id: Uuid,
) -> Result<(test_invitation::Model, application::Model), RoundError> {
    let inv = test_invitation::Entity::find_by_id(invitation_id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(RoundError::NotFound)?;
    let app = application::Entity::find_by_id(inv.application_id)
        .one(tx)
        .await?
        .filter(|a| a.round_id == round_id)
        .ok_or(RoundError::NotFound)?;
    Ok((inv, app))
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
    round_id: Uuid,
    invitation_id: Uuid,
    target_text: &str,
) -> Result<(), RoundError> {
    require_admin(actor)?;
    let field = |m: Msg| RoundError::field("session", m);
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
    mail_invitation(&tx, from, &app, &target).await?;
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

/// Records `present` or `absent` for an invitation while the round is in
/// `assessment` (`test.attendance_recorded`).
///
/// # Errors
/// `Invalid` outside assessment or for another value; `NotFound`;
/// `Forbidden`; storage failures.
pub async fn record_attendance(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    invitation_id: Uuid,
    value: &str,
) -> Result<(), RoundError> {
    require_admin(actor)?;
    if value != PRESENT && value != ABSENT {
        return Err(RoundError::field(
            "attendance",
            Msg::new("Pilih hadir atau tidak hadir.", "Choose present or absent."),
        ));
    }
    let tx = begin_write(db).await?;
    let r = lock_open_round(&tx, round_id).await?;
    require_assessment(&r)?;
    let (inv, app) = invitation_in_round(&tx, round_id, invitation_id).await?;
    test_invitation::ActiveModel {
        id: Set(inv.id),
        attendance: Set(Some(value.to_owned())),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let mut ev = NewEvent::new(
        actor,
        "test.attendance_recorded",
        "application",
        app.id.to_string(),
    )
    .round(round_id)
    .payload(serde_json::json!({
        "registration_no": app.registration_no.clone().unwrap_or_default(),
        "session_id": inv.test_session_id.to_string(),
        "attendance": value,
    }));
    ev.registration_no.clone_from(&app.registration_no);
    ev.kelurahan_code.clone_from(&app.kelurahan_code);
    append(&tx, ev).await?;
    tx.commit().await?;
    Ok(())
}

fn require_assessment(r: &round::Model) -> Result<(), RoundError> {
    if state_of(r) == RoundState::Assessment {
        Ok(())
    } else {
        Err(RoundError::form(Msg::new(
            "Kehadiran dan keputusan ketidakhadiran hanya dicatat saat tahap uji kelayakan dan kepatutan.",
            "Attendance and absence decisions are recorded only during the fit & proper test stage.",
        )))
    }
}

/// Records the admin's written decision on an absence (`test.absence_decided`,
/// the text as the event's reason).
///
/// # Errors
/// `Invalid` outside assessment, when the invitation is not marked absent,
/// or for an empty or too long text; `NotFound`; `Forbidden`; storage failures.
pub async fn decide_absence(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    invitation_id: Uuid,
    text: &str,
) -> Result<(), RoundError> {
    let admin = require_admin(actor)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 2000 || !plain_text(text, true) {
        return Err(RoundError::field(
            "decision",
            Msg::new(
                "Tulis keputusan (1–2000 karakter).",
                "Write the decision (1–2000 characters).",
            ),
        ));
    }
    let tx = begin_write(db).await?;
    let r = lock_open_round(&tx, round_id).await?;
    require_assessment(&r)?;
    let (inv, app) = invitation_in_round(&tx, round_id, invitation_id).await?;
    if inv.attendance.as_deref() != Some(ABSENT) {
        return Err(RoundError::field(
            "decision",
            Msg::new(
                "Keputusan hanya untuk pendaftar yang tercatat tidak hadir.",
                "A decision is only for an applicant recorded as absent.",
            ),
        ));
    }
    test_invitation::ActiveModel {
        id: Set(inv.id),
        decision: Set(Some(text.to_owned())),
        decided_by: Set(Some(admin)),
        decided_at: Set(Some(OffsetDateTime::now_utc())),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let mut ev = NewEvent::new(
        actor,
        "test.absence_decided",
        "application",
        app.id.to_string(),
    )
    .round(round_id)
    .payload(serde_json::json!({
        "registration_no": app.registration_no.clone().unwrap_or_default(),
        "session_id": inv.test_session_id.to_string(),
    }))
    .reason(text);
    ev.registration_no.clone_from(&app.registration_no);
    ev.kelurahan_code.clone_from(&app.kelurahan_code);
    append(&tx, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// One invited applicant, for the schedule page.
#[derive(Clone, Debug)]
pub struct InvitationRow {
    pub id: Uuid,
    pub application_id: Uuid,
    pub registration_no: String,
    pub full_name: String,
    pub formation_code: String,
    pub attendance: Option<String>,
    pub decision: Option<String>,
    pub decided_by: Option<String>,
}

/// A session with its invitations.
#[derive(Clone, Debug)]
pub struct SessionView {
    pub model: test_session::Model,
    pub panel_name: String,
    pub invitations: Vec<InvitationRow>,
}

/// Everything the schedule page shows.
#[derive(Clone, Debug)]
pub struct ScheduleOverview {
    pub round: RoundHead,
    pub panels: Vec<(Uuid, String)>,
    pub sessions: Vec<SessionView>,
    /// Eligible applications without an invitation.
    pub waiting: u64,
}

impl ScheduleOverview {
    /// The round's state.
    pub fn state(&self) -> RoundState {
        self.round.state()
    }
}

/// The schedule of a round.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn schedule_overview(
    db: &DatabaseConnection,
    round_id: Uuid,
) -> Result<ScheduleOverview, RoundError> {
    let r = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(RoundError::NotFound)?;
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
        .filter(|a| ELIGIBLE_STATES.contains(&a.state.as_str()) && !invited.contains(&a.id))
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
                model: s,
            }
        })
        .collect();
    Ok(ScheduleOverview {
        round: RoundHead::of(&r),
        panels,
        sessions,
        waiting: u64::try_from(waiting).unwrap_or(u64::MAX),
    })
}

// ---------------------------------------------------------------------------
// Dashboard
// ---------------------------------------------------------------------------

/// Application counts from registration to attendance. The steps
/// `registered` ≥ `submitted` ≥ `eligible` ≥ `invited` ≥ `attended` are
/// cumulative (each counts everyone who ever reached it), so the funnel reads
/// as how many got how far; `drafts` and `absent` are side counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Funnel {
    /// Every application started in the round, whatever its state now
    /// (drafts, withdrawals and refusals included).
    pub registered: u64,
    /// Applications still in draft (part of `registered`, not of `submitted`).
    pub drafts: u64,
    /// Applications ever submitted (whatever happened next, withdrawals included).
    pub submitted: u64,
    /// Applications found eligible (and those scored or ranked since).
    pub eligible: u64,
    /// Applications with a test invitation.
    pub invited: u64,
    /// Invitations marked present.
    pub attended: u64,
    /// Invitations marked absent.
    pub absent: u64,
    /// Applications withdrawn (still counted in `submitted` when they were
    /// submitted first).
    pub withdrawn: u64,
}

/// Submitted applications not yet decided in one kelurahan.
#[derive(Clone, Debug)]
pub struct Backlog {
    pub kelurahan_code: String,
    pub kelurahan_name: String,
    pub count: u64,
}

/// The admin dashboard of a round.
#[derive(Clone, Debug)]
pub struct Dashboard {
    pub round: RoundHead,
    pub funnel: Funnel,
    pub backlog: Vec<Backlog>,
    /// `(panel name, members)` of panels below `min_panelists`.
    pub short_panels: Vec<(String, usize)>,
    /// Formations no panel assesses.
    pub unassigned: Vec<FormationChoice>,
    /// Formations that need a second admin's look before publication.
    pub second_look: crate::services::second_look::Status,
}

/// The dashboard of a round.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn dashboard(db: &DatabaseConnection, round_id: Uuid) -> Result<Dashboard, RoundError> {
    let overview = panels_overview(db, round_id).await?;
    let apps: Vec<(Uuid, String, Option<String>, Option<OffsetDateTime>)> =
        application::Entity::find()
            .select_only()
            .column(application::Column::Id)
            .column(application::Column::State)
            .column(application::Column::KelurahanCode)
            .column(application::Column::SubmittedAt)
            .filter(application::Column::RoundId.eq(round_id))
            .into_tuple()
            .all(db)
            .await?;
    let ids: BTreeSet<Uuid> = apps.iter().map(|a| a.0).collect();
    let mut funnel = Funnel {
        registered: u64::try_from(apps.len()).unwrap_or(u64::MAX),
        ..Funnel::default()
    };
    let mut backlog: BTreeMap<String, u64> = BTreeMap::new();
    for (_, state, kel, submitted_at) in &apps {
        match state.as_str() {
            "draft" => funnel.drafts += 1,
            "withdrawn" => funnel.withdrawn += 1,
            "submitted" => {
                *backlog.entry(kel.clone().unwrap_or_default()).or_default() += 1;
            }
            _ => {}
        }
        if submitted_at.is_some() || (state != "draft" && state != "withdrawn") {
            funnel.submitted += 1;
        }
        if ELIGIBLE_STATES.contains(&state.as_str()) {
            funnel.eligible += 1;
        }
    }
    let sessions: Vec<Uuid> = test_session::Entity::find()
        .filter(test_session::Column::RoundId.eq(round_id))
        .select_only()
        .column(test_session::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for inv in test_invitation::Entity::find()
        .filter(test_invitation::Column::TestSessionId.is_in(sessions))
        .all(db)
        .await?
        .into_iter()
        .filter(|i| ids.contains(&i.application_id))
    {
        funnel.invited += 1;
        match inv.attendance.as_deref() {
            Some(PRESENT) => funnel.attended += 1,
            Some(ABSENT) => funnel.absent += 1,
            _ => {}
        }
    }
    let names = kelurahan_names(db).await?;
    let second_look = crate::services::second_look::status(db, round_id).await?;
    Ok(Dashboard {
        second_look,
        funnel,
        backlog: backlog
            .into_iter()
            .map(|(code, count)| Backlog {
                kelurahan_name: names.get(&code).cloned().unwrap_or_default(),
                kelurahan_code: code,
                count,
            })
            .collect(),
        short_panels: overview
            .panels
            .iter()
            .filter(|p| p.short)
            .map(|p| (p.model.name.clone(), p.members.len()))
            .collect(),
        unassigned: overview
            .formations
            .into_iter()
            .filter(|f| f.panel.is_none())
            .collect(),
        round: overview.round,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        )
    }

    #[test]
    fn a_session_time_is_read_in_wita_and_stored_in_utc() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let panel = Uuid::now_v7().to_string();
        let s = SessionForm::parse(
            &form(&[
                ("date", "2027-03-01"),
                ("time", "09:30"),
                ("place", "Aula"),
                ("capacity", "20"),
                ("panel", &panel),
            ]),
            now,
        )
        .expect("valid");
        assert_eq!(
            s.starts_at,
            time::macros::datetime!(2027-03-01 01:30 UTC),
            "09:30 WITA is 01:30 UTC"
        );
    }

    #[test]
    fn a_session_form_names_every_bad_field() {
        let now = time::macros::datetime!(2027-03-02 00:00 UTC);
        let errs = SessionForm::parse(
            &form(&[
                ("date", "2027-03-01"),
                ("place", "Aula\u{0}"),
                ("capacity", "0"),
            ]),
            now,
        )
        .expect_err("refused");
        let fields: Vec<&str> = errs.keys().map(String::as_str).collect();
        assert_eq!(fields, ["capacity", "date", "panel", "place"]);
        assert!(errs["date"].en.contains("future"));
    }
}
