//! Lottery witnesses and the commit–reveal seed.
//!
//! - An admin names witnesses (accounts: an auditor, a community
//!   representative, …) while the round is a draft or open for registration.
//! - Each witness commits `sha256_hex(secret)` before registration closes.
//!   Only the hash reaches the server; the secret is never stored before the
//!   reveal. A commit is final; `position` becomes the commit order.
//! - Closing registration is refused while a named witness has not committed
//!   (remove them first), so the seed always uses every named witness.
//! - After registration closes each witness reveals `secret`, checked against
//!   the commit. When the last one has revealed, the seed
//!   `sha256_hex(close_hash + ":" + secret_1 + ":" + … + secret_k)` (commit
//!   order) is stored and audited, and every formation is re-ranked with the
//!   seed event as cause (the lottery keys change).
//! - The assessment cannot start before the seed is fixed (see
//!   `rounds::transition`): reveals happen before any score exists, so nobody
//!   who reveals last can know which order their reveal would produce.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::standings::recompute_formation;
use super::{ServiceError, require_admin_or_platform};
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{account, application, formation, lottery_witness, round};
use crate::domain::account::AccountStatus;
use crate::domain::lottery::{WitnessSecret, derive_seed, verify_reveal};
use crate::domain::role::Role;
pub use crate::domain::witness::{LotteryView, MyWitness, WitnessView};

fn invalid(id: &str, en: &str) -> ServiceError {
    ServiceError::invalid(crate::domain::msg::Msg::new(id, en))
}

/// Witnesses may be named, removed and commit only before registration closes.
fn before_close(r: &round::Model) -> bool {
    r.state.before_registration_closes()
}

async fn lock_round<C: ConnectionTrait>(tx: &C, id: Uuid) -> Result<round::Model, ServiceError> {
    round::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(ServiceError::NotFound)
}

async fn witnesses_of<C: ConnectionTrait>(
    tx: &C,
    round_id: Uuid,
) -> Result<Vec<lottery_witness::Model>, ServiceError> {
    Ok(lottery_witness::Entity::find()
        .filter(lottery_witness::Column::RoundId.eq(round_id))
        .order_by_asc(lottery_witness::Column::Position)
        .all(tx)
        .await?)
}

/// Names the account with `email` as a lottery witness of a round; `label`
/// says whom they stand for (e.g. "Inspektorat", "Perwakilan warga RT 05").
///
/// # Errors
/// `Forbidden` for non-admins; `NotFound`; `Invalid` once registration has
/// closed, for an unknown or inactive account, or one already named.
pub async fn name_witness(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    email: &str,
    label: &str,
) -> Result<Uuid, ServiceError> {
    require_admin_or_platform(actor)?;
    let label = label.trim();
    if label.chars().count() > 100 {
        return Err(invalid(
            "Keterangan saksi paling banyak 100 karakter.",
            "The witness label may be at most 100 characters.",
        ));
    }
    let tx = begin_write(db).await?;
    let r = lock_round(&tx, round_id).await?;
    if !before_close(&r) {
        return Err(invalid(
            "Saksi undian hanya dapat ditetapkan sebelum pendaftaran ditutup.",
            "Lottery witnesses can only be named before registration closes.",
        ));
    }
    let email = email.trim().to_lowercase();
    let who = account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(&tx)
        .await?
        .filter(|a| a.status == AccountStatus::Active)
        .ok_or_else(|| {
            invalid(
                "Tidak ada akun aktif dengan alamat e-mail tersebut.",
                "There is no active account with that e-mail address.",
            )
        })?;
    let existing = witnesses_of(&tx, round_id).await?;
    if existing.iter().any(|w| w.account_id == Some(who.id)) {
        return Err(invalid(
            "Akun ini sudah menjadi saksi undian seleksi ini.",
            "This account is already a lottery witness of this round.",
        ));
    }
    let position = existing.iter().map(|w| w.position).max().unwrap_or(0) + 1;
    let id = Uuid::now_v7();
    let name = if label.is_empty() {
        who.name.clone()
    } else {
        format!("{} — {label}", who.name)
    };
    lottery_witness::ActiveModel {
        id: Set(id),
        round_id: Set(round_id),
        position: Set(position),
        name: Set(name),
        account_id: Set(Some(who.id)),
        commit_hash: Set(None),
        committed_at: Set(None),
        secret: Set(None),
        revealed_at: Set(None),
    }
    .insert(&tx)
    .await?;
    append(
        &tx,
        NewEvent::new(
            actor,
            "lottery.witness_named",
            "lottery_witness",
            id.to_string(),
        )
        .round(round_id)
        .payload(serde_json::json!({
            "witness_id": id.to_string(),
            "account_id": who.id.to_string(),
            "account_role": who.role,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes a witness who has not committed yet (before registration closes).
///
/// # Errors
/// `Forbidden`; `NotFound`; `Invalid` after the commit or after the close.
pub async fn remove_witness(
    db: &DatabaseConnection,
    actor: Actor,
    round_id: Uuid,
    witness_id: Uuid,
) -> Result<(), ServiceError> {
    require_admin_or_platform(actor)?;
    let tx = begin_write(db).await?;
    let r = lock_round(&tx, round_id).await?;
    let w = lottery_witness::Entity::find_by_id(witness_id)
        .one(&tx)
        .await?
        .filter(|w| w.round_id == round_id)
        .ok_or(ServiceError::NotFound)?;
    if !before_close(&r) || w.commit_hash.is_some() {
        return Err(invalid(
            "Saksi yang sudah menyerahkan komitmen, atau setelah pendaftaran ditutup, tidak dapat dihapus.",
            "A witness who has committed, or any witness after registration closed, cannot be removed.",
        ));
    }
    lottery_witness::Entity::delete_by_id(witness_id)
        .exec(&tx)
        .await?;
    append(
        &tx,
        NewEvent::new(
            actor,
            "lottery.witness_removed",
            "lottery_witness",
            witness_id.to_string(),
        )
        .round(round_id)
        .payload(serde_json::json!({ "witness_id": witness_id.to_string() })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a commitment as typed: 64 hex digits, stored in lower case.
///
/// # Errors
/// `Invalid` otherwise.
pub fn parse_commit(text: &str) -> Result<String, ServiceError> {
    let t = text.trim().to_ascii_lowercase();
    if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(t)
    } else {
        Err(invalid(
            "Komitmen harus berupa 64 digit heksadesimal (hasil SHA-256 dari rahasia Anda).",
            "The commitment must be 64 hexadecimal digits (the SHA-256 of your secret).",
        ))
    }
}

async fn own_witness<C: ConnectionTrait>(
    tx: &C,
    account_id: Uuid,
    witness_id: Uuid,
) -> Result<lottery_witness::Model, ServiceError> {
    lottery_witness::Entity::find_by_id(witness_id)
        .one(tx)
        .await?
        .filter(|w| w.account_id == Some(account_id))
        .ok_or(ServiceError::NotFound)
}

/// The witness (signed in as `account_id`) commits `commit_hash` =
/// `sha256_hex(secret)`. Final; the witness's position becomes the commit
/// order among the round's witnesses.
///
/// # Errors
/// `NotFound` for someone else's witness role; `Invalid` for a malformed
/// hash; `Conflict` for a second commit or after registration closed.
pub async fn commit(
    db: &DatabaseConnection,
    account_id: Uuid,
    role: Role,
    witness_id: Uuid,
    commit_hash: &str,
) -> Result<(), ServiceError> {
    let hash = parse_commit(commit_hash)?;
    let tx = begin_write(db).await?;
    let w = own_witness(&tx, account_id, witness_id).await?;
    let r = lock_round(&tx, w.round_id).await?;
    if !before_close(&r) {
        return Err(ServiceError::conflict(crate::domain::msg::Msg::new(
            "Pendaftaran sudah ditutup; komitmen tidak dapat diserahkan lagi.",
            "Registration has closed; a commitment can no longer be submitted.",
        )));
    }
    if w.commit_hash.is_some() {
        return Err(ServiceError::conflict(crate::domain::msg::Msg::new(
            "Komitmen Anda sudah tercatat dan tidak dapat diubah.",
            "Your commitment is already recorded and cannot be changed.",
        )));
    }
    // The committed witnesses hold positions 1..=c in commit order; this one
    // takes c + 1, swapping with the uncommitted witness holding it.
    let all = witnesses_of(&tx, r.id).await?;
    let target = i32::try_from(all.iter().filter(|x| x.commit_hash.is_some()).count())
        .unwrap_or(i32::MAX - 1)
        + 1;
    if w.position != target {
        let spare = all.iter().map(|x| x.position).max().unwrap_or(0) + 1;
        let holder = all.iter().find(|x| x.position == target);
        set_position(&tx, w.id, spare).await?;
        if let Some(h) = holder {
            set_position(&tx, h.id, w.position).await?;
        }
    }
    let now = time::OffsetDateTime::now_utc();
    lottery_witness::ActiveModel {
        id: Set(w.id),
        position: Set(target),
        commit_hash: Set(Some(hash.clone())),
        committed_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    append(
        &tx,
        NewEvent::new(
            Actor::Account {
                id: account_id,
                role,
            },
            "lottery.committed",
            "lottery_witness",
            w.id.to_string(),
        )
        .round(r.id)
        .payload(serde_json::json!({
            "witness_id": w.id.to_string(),
            "position": target,
            "commit_hash": hash,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn set_position<C: ConnectionTrait>(
    tx: &C,
    id: Uuid,
    position: i32,
) -> Result<(), ServiceError> {
    lottery_witness::ActiveModel {
        id: Set(id),
        position: Set(position),
        ..Default::default()
    }
    .update(tx)
    .await?;
    Ok(())
}

/// What a reveal led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revealed {
    /// Other witnesses still have to reveal.
    Waiting { missing: usize },
    /// This was the last reveal: the seed is fixed.
    Seed(String),
}

/// The witness reveals their secret after registration closed. A secret that
/// does not hash to the commitment is refused and nothing is stored. The
/// last reveal fixes the seed and re-ranks every formation with the seed
/// event as cause.
///
/// # Errors
/// `NotFound` for someone else's witness role; `Invalid` for a malformed or
/// wrong secret; `Conflict` before the close, once the seed is fixed, for a
/// witness without commitment, or a second reveal.
pub async fn reveal(
    db: &DatabaseConnection,
    account_id: Uuid,
    role: Role,
    witness_id: Uuid,
    secret: &str,
) -> Result<Revealed, ServiceError> {
    let tx = begin_write(db).await?;
    let w = own_witness(&tx, account_id, witness_id).await?;
    let r = lock_round(&tx, w.round_id).await?;
    let Some(close_hash) = r.close_event_hash.clone() else {
        return Err(ServiceError::conflict(crate::domain::msg::Msg::new(
            "Rahasia baru dapat diungkap setelah pendaftaran ditutup.",
            "The secret can only be revealed after registration closes.",
        )));
    };
    if r.lottery_seed.is_some() || w.secret.is_some() {
        return Err(ServiceError::conflict(crate::domain::msg::Msg::new(
            "Rahasia Anda sudah diungkap; seed sudah atau segera ditetapkan.",
            "Your secret is already revealed; the seed is or will soon be fixed.",
        )));
    }
    let Some(commit) = w.commit_hash.clone() else {
        return Err(ServiceError::conflict(crate::domain::msg::Msg::new(
            "Anda tidak menyerahkan komitmen sebelum pendaftaran ditutup.",
            "You did not submit a commitment before registration closed.",
        )));
    };
    let parsed = WitnessSecret::parse(secret.trim()).map_err(|_| {
        invalid(
            "Rahasia harus 16–200 karakter ASCII yang terlihat, tanpa spasi dan tanpa titik dua (:).",
            "The secret must be 16–200 visible ASCII characters, without spaces and without colons (:).",
        )
    })?;
    if !verify_reveal(&commit, &parsed) {
        return Err(invalid(
            "Rahasia tidak cocok dengan komitmen Anda: SHA-256 dari teks yang Anda ketik berbeda dari komitmen yang tercatat. Periksa kembali huruf besar/kecil dan tanda hubung.",
            "The secret does not match your commitment: the SHA-256 of the text you typed differs from the recorded commitment. Check upper/lower case and hyphens.",
        ));
    }
    let now = time::OffsetDateTime::now_utc();
    lottery_witness::ActiveModel {
        id: Set(w.id),
        secret: Set(Some(parsed.as_str().to_owned())),
        revealed_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    append(
        &tx,
        NewEvent::new(
            Actor::Account {
                id: account_id,
                role,
            },
            "lottery.revealed",
            "lottery_witness",
            w.id.to_string(),
        )
        .round(r.id)
        .payload(serde_json::json!({
            "witness_id": w.id.to_string(),
            "position": w.position,
            "commit_hash": commit,
            "secret": parsed.as_str(),
        })),
    )
    .await?;
    let all = witnesses_of(&tx, r.id).await?;
    let missing = all.iter().filter(|x| x.secret.is_none()).count();
    if missing > 0 {
        tx.commit().await?;
        return Ok(Revealed::Waiting { missing });
    }
    let secrets = all
        .iter()
        .map(|x| WitnessSecret::parse(x.secret.as_deref().unwrap_or_default()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("stored secret: {e}")))?;
    let seed = derive_seed(&close_hash, &secrets)
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("close hash: {e}")))?;
    round::ActiveModel {
        id: Set(r.id),
        lottery_seed: Set(Some(seed.clone())),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&tx)
    .await?;
    let event = append(
        &tx,
        NewEvent::new(
            Actor::System,
            "lottery.seed_fixed",
            "round",
            r.id.to_string(),
        )
        .round(r.id)
        .payload(serde_json::json!({
            "close_event_seq": r.close_event_seq.unwrap_or(0),
            "close_hash": close_hash,
            "witnesses": all.len(),
            "seed": seed,
        })),
    )
    .await?;
    for f in formation::Entity::find()
        .filter(formation::Column::RoundId.eq(r.id))
        .all(&tx)
        .await?
    {
        recompute_formation(&tx, f.id, event.seq).await?;
    }
    tx.commit().await?;
    tracing::info!(round.id = %r.id, "lottery seed fixed");
    Ok(Revealed::Seed(seed))
}

/// Whether every named witness of a round has committed (closing
/// registration needs it).
///
/// # Errors
/// Storage failures.
pub async fn uncommitted_witnesses<C: ConnectionTrait>(
    tx: &C,
    round_id: Uuid,
) -> Result<u64, ServiceError> {
    Ok(lottery_witness::Entity::find()
        .filter(lottery_witness::Column::RoundId.eq(round_id))
        .filter(lottery_witness::Column::CommitHash.is_null())
        .count(tx)
        .await?)
}

async fn view_of(db: &DatabaseConnection, r: round::Model) -> Result<LotteryView, ServiceError> {
    let ws = witnesses_of(db, r.id).await?;
    let ids: Vec<Uuid> = ws.iter().filter_map(|w| w.account_id).collect();
    let roles: std::collections::HashMap<Uuid, String> = account::Entity::find()
        .filter(account::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.role))
        .collect();
    let example_registration_no = application::Entity::find()
        .filter(application::Column::RoundId.eq(r.id))
        .filter(application::Column::RegistrationNo.is_not_null())
        .order_by_asc(application::Column::RegistrationNo)
        .one(db)
        .await?
        .and_then(|a| a.registration_no);
    Ok(LotteryView {
        witnesses: ws
            .into_iter()
            .map(|w| WitnessView {
                role: w
                    .account_id
                    .and_then(|a| roles.get(&a).cloned())
                    .unwrap_or_default(),
                model: w.into(),
            })
            .collect(),
        round: r.into(),
        example_registration_no,
    })
}

/// The lottery of a round by id (admin page).
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn round_lottery(
    db: &DatabaseConnection,
    round_id: Uuid,
) -> Result<LotteryView, ServiceError> {
    let r = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    view_of(db, r).await
}

/// The lottery of a published round by slug (public page).
///
/// # Errors
/// `NotFound` for an unknown or unpublished round; storage failures.
pub async fn public_lottery(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<LotteryView, ServiceError> {
    let r = super::rounds::round_by_slug(db, slug)
        .await?
        .filter(|r| r.is_public())
        .ok_or(ServiceError::NotFound)?;
    view_of(db, r).await
}

/// The signed-in account's witness roles, newest round first.
///
/// # Errors
/// Storage failures.
pub async fn my_witness_roles(
    db: &DatabaseConnection,
    account_id: Uuid,
) -> Result<Vec<MyWitness>, ServiceError> {
    let ws = lottery_witness::Entity::find()
        .filter(lottery_witness::Column::AccountId.eq(account_id))
        .all(db)
        .await?;
    let mut out = Vec::new();
    for w in ws {
        if let Some(r) = round::Entity::find_by_id(w.round_id).one(db).await? {
            out.push(MyWitness {
                witness: w.into(),
                round: r.into(),
            });
        }
    }
    out.sort_by_key(|m| std::cmp::Reverse(m.round.created_at));
    Ok(out)
}

/// One witness role of the signed-in account.
///
/// # Errors
/// `NotFound` when it is not theirs.
pub async fn my_witness(
    db: &DatabaseConnection,
    account_id: Uuid,
    witness_id: Uuid,
) -> Result<MyWitness, ServiceError> {
    let witness = own_witness(db, account_id, witness_id).await?;
    let round = round::Entity::find_by_id(witness.round_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(MyWitness {
        witness: witness.into(),
        round: round.into(),
    })
}

/// A fresh secret suggestion: 128 random bits as 8 groups of 4 hex digits
/// joined by `-`. Shown once on the page and never stored.
#[must_use]
pub fn suggest_secret() -> String {
    let bytes: [u8; 16] = rand::random();
    crate::domain::lottery::lower_hex(&bytes)
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}
