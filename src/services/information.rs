//! The information section: announcements, SOP documents, the FAQ and the
//! help desks. Admins manage everything; an operator manages the
//! announcements, SOPs and help desk of the kelurahan they cover. Every
//! publication and change appends its audit event in the same transaction.

use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    ModelTrait, QueryFilter, QueryOrder, QuerySelect,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::{announcement, kelurahan, round};
use crate::domain::form::FieldErrors;
use crate::domain::role::Role;
use crate::domain::round::{Msg, parse_wita};
use crate::domain::text::plain_text;
use crate::services::ServiceError;
use crate::services::regions::kelurahan_names;

pub(crate) fn invalid(field: &str, id: &str, en: &str) -> ServiceError {
    let mut errs = FieldErrors::new();
    errs.insert(field.to_owned(), Msg::new(id, en));
    ServiceError::Fields(errs)
}

/// Who manages: an admin, or an operator within their kelurahan.
#[derive(Clone, Copy, Debug)]
pub struct Editor<'a> {
    /// The audit actor.
    pub actor: Actor,
    /// The account's role.
    pub role: Role,
    /// The operator's kelurahan codes.
    pub scopes: &'a [String],
}

impl Editor<'_> {
    /// Whether the caller may manage items of `kelurahan` (`None`: city-wide).
    #[must_use]
    pub fn may_manage(&self, kelurahan: Option<&str>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Operator => kelurahan.is_some_and(|k| self.scopes.iter().any(|s| s == k)),
            _ => false,
        }
    }

    pub(crate) fn require_staff(&self) -> Result<(), ServiceError> {
        if matches!(self.role, Role::Admin | Role::Operator) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}

// ---------------------------------------------------------------------------
// Announcements
// ---------------------------------------------------------------------------

/// The announcement form as typed.
#[derive(Clone, Debug, Default)]
pub struct AnnouncementInput {
    pub title: String,
    /// Markdown.
    pub body: String,
    /// `datetime-local` in WITA; empty: now.
    pub publish_at: String,
    /// A kelurahan code; empty: city-wide.
    pub kelurahan: String,
    /// A round's slug; empty: none.
    pub round: String,
}

struct CheckedAnnouncement {
    title: String,
    body: String,
    publish_at: OffsetDateTime,
    kelurahan: Option<String>,
    round_id: Option<Uuid>,
}

async fn check_announcement<C: sea_orm::ConnectionTrait>(
    tx: &C,
    editor: &Editor<'_>,
    input: &AnnouncementInput,
    now: OffsetDateTime,
) -> Result<CheckedAnnouncement, ServiceError> {
    let mut errs = FieldErrors::new();
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 200 || !plain_text(title, false) {
        errs.insert(
            "title".into(),
            Msg::new(
                "Judul wajib diisi, satu baris, paling banyak 200 karakter.",
                "A title is required: one line, at most 200 characters.",
            ),
        );
    }
    let body = input.body.trim();
    if body.is_empty() || body.chars().count() > 20_000 || !plain_text(body, true) {
        errs.insert(
            "body".into(),
            Msg::new(
                "Isi pengumuman wajib diisi, paling banyak 20.000 karakter.",
                "The text is required, at most 20,000 characters.",
            ),
        );
    }
    let publish_at = match parse_wita(input.publish_at.trim()) {
        Ok(Some(t)) => t,
        Ok(None) => now,
        Err(m) => {
            errs.insert("publish_at".into(), m);
            now
        }
    };
    let kelurahan = Some(input.kelurahan.trim().to_owned()).filter(|k| !k.is_empty());
    if let Some(k) = &kelurahan
        && kelurahan::Entity::find_by_id(k.clone())
            .one(tx)
            .await?
            .is_none()
    {
        errs.insert(
            "kelurahan".into(),
            Msg::new("Kelurahan tidak dikenal.", "Unknown kelurahan."),
        );
    }
    if !editor.may_manage(kelurahan.as_deref()) {
        errs.insert(
            "kelurahan".into(),
            Msg::new(
                "Pilih kelurahan yang Anda layani; pengumuman seluruh kota hanya oleh admin.",
                "Choose a kelurahan you serve; city-wide announcements are for admins only.",
            ),
        );
    }
    let slug = input.round.trim();
    let round_id = if slug.is_empty() {
        None
    } else {
        match round::Entity::find()
            .filter(round::Column::Slug.eq(slug))
            .one(tx)
            .await?
        {
            Some(r) => Some(r.id),
            None => {
                errs.insert(
                    "round".into(),
                    Msg::new("Seleksi tidak dikenal.", "Unknown round."),
                );
                None
            }
        }
    };
    if !errs.is_empty() {
        return Err(ServiceError::Fields(errs));
    }
    Ok(CheckedAnnouncement {
        title: title.to_owned(),
        body: body.to_owned(),
        publish_at: crate::mail::db_time(publish_at),
        kelurahan,
        round_id,
    })
}

fn announcement_event(
    editor: &Editor<'_>,
    action: &'static str,
    id: Uuid,
    a: &CheckedAnnouncement,
) -> NewEvent {
    let mut e = NewEvent::new(editor.actor, action, "announcement", id.to_string()).payload(
        serde_json::json!({
            "title": a.title,
            "kelurahan_code": a.kelurahan.clone().unwrap_or_default(),
            "publish_at": crate::domain::audit::format_at(a.publish_at),
            "body_sha256": crate::domain::lottery::sha256_hex(&a.body),
        }),
    );
    if let Some(r) = a.round_id {
        e = e.round(r);
    }
    e.kelurahan_code.clone_from(&a.kelurahan);
    e
}

/// Publishes an announcement (shown from its publication time on):
/// `announcement.published`.
///
/// # Errors
/// `Invalid` with a message per field; `Forbidden` for other roles.
pub async fn publish_announcement(
    db: &DatabaseConnection,
    editor: Editor<'_>,
    input: &AnnouncementInput,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    editor.require_staff()?;
    let tx = begin_write(db).await?;
    let a = check_announcement(&*tx, &editor, input, now).await?;
    let id = Uuid::now_v7();
    let at = crate::mail::db_time(now);
    announcement::ActiveModel {
        id: Set(id),
        kelurahan_code: Set(a.kelurahan.clone()),
        round_id: Set(a.round_id),
        title: Set(a.title.clone()),
        body_markdown: Set(a.body.clone()),
        publish_at: Set(a.publish_at),
        created_by: Set(account_of(editor.actor)),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&*tx)
    .await?;
    append(
        &tx,
        announcement_event(&editor, "announcement.published", id, &a),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes an announcement: `announcement.updated`.
///
/// # Errors
/// `NotFound` when it does not exist or lies outside the caller's kelurahan.
pub async fn update_announcement(
    db: &DatabaseConnection,
    editor: Editor<'_>,
    id: Uuid,
    input: &AnnouncementInput,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    editor.require_staff()?;
    let tx = begin_write(db).await?;
    let old = managed_announcement(&tx, &editor, id).await?;
    let a = check_announcement(&*tx, &editor, input, now).await?;
    let mut m: announcement::ActiveModel = old.into();
    m.kelurahan_code = Set(a.kelurahan.clone());
    m.round_id = Set(a.round_id);
    m.title = Set(a.title.clone());
    m.body_markdown = Set(a.body.clone());
    m.publish_at = Set(a.publish_at);
    m.updated_at = Set(crate::mail::db_time(now));
    m.update(&*tx).await?;
    append(
        &tx,
        announcement_event(&editor, "announcement.updated", id, &a),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Announcement `id` for changing by `editor`, as `NotFound` when it lies
/// outside the editor's kelurahan.
async fn managed_announcement(
    tx: &crate::db::WriteTx,
    editor: &Editor<'_>,
    id: Uuid,
) -> Result<announcement::Model, ServiceError> {
    announcement::Entity::find_by_id(id)
        .one(&**tx)
        .await?
        .filter(|o| editor.may_manage(o.kelurahan_code.as_deref()))
        .ok_or(ServiceError::NotFound)
}

/// Takes an announcement down: `announcement.removed` (its title stays in the
/// trail).
///
/// # Errors
/// `NotFound` when it does not exist or lies outside the caller's kelurahan.
pub async fn remove_announcement(
    db: &DatabaseConnection,
    editor: Editor<'_>,
    id: Uuid,
) -> Result<(), ServiceError> {
    editor.require_staff()?;
    let tx = begin_write(db).await?;
    let old = managed_announcement(&tx, &editor, id).await?;
    let mut e = NewEvent::new(
        editor.actor,
        "announcement.removed",
        "announcement",
        id.to_string(),
    )
    .payload(serde_json::json!({ "title": old.title }));
    if let Some(r) = old.round_id {
        e = e.round(r);
    }
    e.kelurahan_code.clone_from(&old.kelurahan_code);
    old.delete(&*tx).await?;
    append(&tx, e).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) fn account_of(actor: Actor) -> Option<Uuid> {
    match actor {
        Actor::Account { id, .. } => Some(id),
        Actor::System => None,
    }
}

pub use crate::domain::information::AnnouncementItem;

/// Which announcements to list.
#[derive(Clone, Debug, Default)]
pub struct AnnouncementFilter {
    /// Only this kelurahan's, plus the city-wide ones.
    pub kelurahan: Option<String>,
    /// Only this round's, plus the city-wide ones.
    pub round_slug: Option<String>,
    /// Also those whose publication time has not come (staff lists).
    pub include_scheduled: bool,
    /// Only those an operator with these scopes manages (staff lists).
    pub managed_by: Option<Vec<String>>,
}

/// Announcements, newest publication first, at most `limit`.
///
/// # Errors
/// `NotFound` for an unknown round slug; storage failures.
pub async fn announcements(
    db: &DatabaseConnection,
    filter: &AnnouncementFilter,
    now: OffsetDateTime,
    limit: u64,
) -> Result<Vec<AnnouncementItem>, ServiceError> {
    let mut q = announcement::Entity::find();
    if !filter.include_scheduled {
        q = q.filter(announcement::Column::PublishAt.lte(crate::mail::db_time(now)));
    }
    let city_wide = Condition::all()
        .add(announcement::Column::KelurahanCode.is_null())
        .add(announcement::Column::RoundId.is_null());
    if let Some(k) = &filter.kelurahan {
        q = q.filter(
            Condition::any()
                .add(announcement::Column::KelurahanCode.eq(k.clone()))
                .add(city_wide.clone()),
        );
    }
    if let Some(slug) = &filter.round_slug {
        let r = crate::db::rounds::public_by_slug(db, slug)
            .await?
            .ok_or(ServiceError::NotFound)?;
        q = q.filter(
            Condition::any()
                .add(announcement::Column::RoundId.eq(r.id))
                .add(city_wide),
        );
    }
    if let Some(scopes) = &filter.managed_by {
        q = q.filter(announcement::Column::KelurahanCode.is_in(scopes.clone()));
    }
    let rows = q
        .order_by_desc(announcement::Column::PublishAt)
        .order_by_desc(announcement::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    items(db, rows).await
}

/// One announcement, once published (staff see scheduled ones too).
///
/// # Errors
/// `NotFound`; storage failures.
pub async fn announcement(
    db: &DatabaseConnection,
    id: Uuid,
    now: OffsetDateTime,
    include_scheduled: bool,
) -> Result<AnnouncementItem, ServiceError> {
    let row = announcement::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|a| include_scheduled || a.publish_at <= now)
        .ok_or(ServiceError::NotFound)?;
    items(db, vec![row])
        .await?
        .pop()
        .ok_or(ServiceError::NotFound)
}

async fn items(
    db: &DatabaseConnection,
    rows: Vec<announcement::Model>,
) -> Result<Vec<AnnouncementItem>, ServiceError> {
    let names = kelurahan_names(db).await?;
    let rounds: BTreeMap<Uuid, (String, String)> = round::Entity::find()
        .filter(round::Column::Id.is_in(rows.iter().filter_map(|r| r.round_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, (r.slug, r.name)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|a| {
            let r = a.round_id.and_then(|id| rounds.get(&id)).cloned();
            AnnouncementItem {
                id: a.id,
                title: a.title,
                body_markdown: a.body_markdown,
                publish_at: a.publish_at,
                updated_at: a.updated_at,
                kelurahan_name: a
                    .kelurahan_code
                    .as_ref()
                    .and_then(|k| names.get(k))
                    .cloned(),
                kelurahan_code: a.kelurahan_code,
                round_slug: r.as_ref().map(|(s, _)| s.clone()),
                round_name: r.map(|(_, n)| n),
            }
        })
        .collect())
}

/// Published rounds as `(slug, name)`, newest first, for choices and links.
///
/// # Errors
/// Storage failures.
pub async fn round_choices(db: &DatabaseConnection) -> Result<Vec<(String, String)>, ServiceError> {
    Ok(crate::db::rounds::public_list(db, None)
        .await?
        .into_iter()
        .map(|r| (r.slug, r.name))
        .collect())
}

/// The kelurahan `editor` manages as `(code, name)`: all for an admin, the
/// covered ones for an operator.
///
/// # Errors
/// Storage failures.
pub async fn kelurahan_choices(
    db: &DatabaseConnection,
    editor: &Editor<'_>,
) -> Result<Vec<(String, String)>, ServiceError> {
    Ok(kelurahan::Entity::find()
        .order_by_asc(kelurahan::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .filter(|k| editor.may_manage(Some(&k.code)))
        .map(|k| (k.code, k.name))
        .collect())
}
