//! Panels: creating them, their members and the formations they assess.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{
    account, account_scope, formation, panel, panel_formation, panel_member, round,
};
use crate::domain::account::AccountStatus;
use crate::domain::role::Role;
use crate::domain::round::{FormationHead, Msg};
use crate::domain::text::plain_text;
use crate::services::ServiceError;
use crate::services::panel_freeze;

use super::{
    FormationChoice, MemberView, Panel, PanelView, PanelsOverview, RoundHead, formations_of,
    kelurahan_names, lock_open_round, raced, remember, replayed, require_admin, usable_key,
};

async fn scopes_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, Vec<String>>, ServiceError> {
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

/// The panels of a round with members, formations and warnings.
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn panels_overview(
    db: &DatabaseConnection,
    round_id: Uuid,
) -> Result<PanelsOverview, ServiceError> {
    let r = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
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
            let fs: Vec<FormationHead> = formations
                .iter()
                .filter(|f| panel_of.get(&f.id) == Some(&p.id))
                .cloned()
                .map(Into::into)
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
                model: Panel {
                    id: p.id,
                    round_id: p.round_id,
                    name: p.name,
                },
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
            model: f.into(),
        })
        .collect();
    let panelists = accounts
        .iter()
        .filter(|a| a.status == AccountStatus::Active)
        .map(view_of)
        .collect();
    Ok(PanelsOverview {
        round: RoundHead::from(&r),
        panels: views,
        formations,
        panelists,
    })
}

async fn panel_in_round(
    tx: &DatabaseTransaction,
    round_id: Uuid,
    panel_id: Uuid,
) -> Result<panel::Model, ServiceError> {
    panel::Entity::find_by_id(panel_id)
        .one(tx)
        .await?
        .filter(|p| p.round_id == round_id)
        .ok_or(ServiceError::NotFound)
}

/// Creates a panel (`panel.created`). A repeated submission with the same
/// `idempotency_key` returns the first panel.
///
/// # Errors
/// `Forbidden` for non-admins; `Invalid` for a missing or too long name, a
/// form-level `Invalid` (a conflict) for a taken one; `NotFound`; storage
/// failures.
pub async fn create_panel(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    name: &str,
    idempotency_key: Option<&str>,
) -> Result<Uuid, ServiceError> {
    let admin = require_admin(actor)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || !plain_text(name, false) {
        return Err(ServiceError::field(
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
        // A name that is well formed but taken is a refusal by the round's
        // state (409), not a field error: no body could be corrected to
        // pass without knowing the other panels.
        return Err(ServiceError::form(Msg::new(
            format!("Sudah ada panel bernama \u{201c}{name}\u{201d} di seleksi ini."),
            format!("This round already has a panel called \u{201c}{name}\u{201d}."),
        )));
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
) -> Result<(), ServiceError> {
    require_admin(actor)?;
    let not_panelist = || {
        ServiceError::field(
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
        .filter(|a| a.role == Role::Panelist.as_str() && a.status == AccountStatus::Active)
        .ok_or_else(not_panelist)?;
    let already = panel_member::Entity::find_by_id((panel_id, account_id))
        .one(&tx)
        .await?;
    if already.is_some() {
        return Err(ServiceError::field(
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
            return Err(ServiceError::field(
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
    membership_changed(&tx, actor, "panel.member_added", &r, &p, account_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Audits a member added to or removed from panel `p` (`action`), with the
/// panel's new size, and re-ranks what the panel assesses with that cause.
async fn membership_changed(
    tx: &crate::db::WriteTx,
    actor: Actor,
    action: &'static str,
    r: &round::Model,
    p: &panel::Model,
    account_id: Uuid,
) -> Result<(), ServiceError> {
    let n = panel_member::Entity::find()
        .filter(panel_member::Column::PanelId.eq(p.id))
        .count(&**tx)
        .await?;
    let members = i64::try_from(n).unwrap_or(i64::MAX);
    let event = append(
        tx,
        NewEvent::new(actor, action, "panel", p.id.to_string())
            .round(r.id)
            .payload(serde_json::json!({
                "panel": p.name,
                "account_id": account_id.to_string(),
                "members": members,
            })),
    )
    .await?;
    panel_freeze::rerank_panel(tx, r, p.id, event.seq).await
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
) -> Result<(), ServiceError> {
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
        return Err(ServiceError::NotFound);
    }
    membership_changed(&tx, actor, "panel.member_removed", &r, &p, account_id).await?;
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
) -> Result<(), ServiceError> {
    require_admin(actor)?;
    let field = |m: Msg| ServiceError::field("formation", m);
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
