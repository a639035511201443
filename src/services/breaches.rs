//! Breach records: a suspected or confirmed personal-data breach, its
//! 3 × 24 h notification clock, and the two written notices (to the data
//! subjects and to the supervisory body). Every step is an audit event;
//! the descriptions stay in the record, not in the public trail.

/// A breach record as stored.
pub use crate::domain::privacy::BreachRecord;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryOrder,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ServiceError;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::breach_record;
use crate::domain::audit::format_at;
use crate::domain::privacy::{BreachClock, breach_clock, breach_deadline};
use crate::domain::round::Msg;
use crate::domain::text::plain_text;

/// What an admin records about a breach.
#[derive(Clone, Debug, Default)]
pub struct NewBreach {
    pub discovered_at: Option<OffsetDateTime>,
    pub what: String,
    pub whom: String,
    pub how: String,
    pub measures: String,
}

/// Checks a new record: the discovery time not in the future, each text
/// 5–4000 characters of plain text.
///
/// # Errors
/// A message per field.
pub fn check(
    b: &NewBreach,
    now: OffsetDateTime,
) -> Result<(), std::collections::BTreeMap<String, Msg>> {
    let mut errs = std::collections::BTreeMap::new();
    match b.discovered_at {
        None => {
            errs.insert(
                "discovered_at".into(),
                Msg::new(
                    "Isi waktu diketahui (WITA), mis. 2026-12-06 08:30.",
                    "Enter when it was discovered (WITA), e.g. 2026-12-06 08:30.",
                ),
            );
        }
        Some(t) if t > now => {
            errs.insert(
                "discovered_at".into(),
                Msg::new("Waktu itu belum terjadi.", "That time is in the future."),
            );
        }
        Some(_) => {}
    }
    for (key, v) in [
        ("what", &b.what),
        ("whom", &b.whom),
        ("how", &b.how),
        ("measures", &b.measures),
    ] {
        let n = v.trim().chars().count();
        if !(5..=4000).contains(&n) || !plain_text(v, true) {
            errs.insert(
                key.into(),
                Msg::new("Isi 5–4000 karakter.", "Enter 5–4000 characters."),
            );
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// Records a breach (`breach.recorded`).
///
/// # Errors
/// `Forbidden` for anyone but an admin; `Invalid` for a record [`check`]
/// refuses; storage failures.
pub async fn record(
    db: &DatabaseConnection,
    actor: Actor,
    b: &NewBreach,
    now: OffsetDateTime,
) -> Result<Uuid, ServiceError> {
    let by = super::require_admin(actor)?;
    check(b, now).map_err(|_| {
        ServiceError::Invalid(crate::domain::msg::Msg::new(
            "Catatan insiden belum lengkap.",
            "The breach record is incomplete.",
        ))
    })?;
    let discovered_at = b.discovered_at.unwrap_or(now);
    let id = Uuid::new_v4();
    let tx = begin_write(db).await?;
    breach_record::ActiveModel {
        id: Set(id),
        discovered_at: Set(discovered_at),
        recorded_at: Set(now),
        recorded_by: Set(by),
        what: Set(b.what.trim().to_owned()),
        whom: Set(b.whom.trim().to_owned()),
        how: Set(b.how.trim().to_owned()),
        measures: Set(b.measures.trim().to_owned()),
        subjects_notified_at: Set(None),
        authority_notified_at: Set(None),
    }
    .insert(&tx)
    .await?;
    append(
        &tx,
        NewEvent::new(actor, "breach.recorded", "breach", id.to_string()).payload(
            serde_json::json!({
                "discovered_at": format_at(discovered_at),
                "deadline_at": format_at(breach_deadline(discovered_at)),
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Who a notice goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// The applicants concerned.
    Subjects,
    /// The supervisory body.
    Authority,
}

impl Recipient {
    /// Parses the form value `subjects` / `authority`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Recipient> {
        match s {
            "subjects" => Some(Recipient::Subjects),
            "authority" => Some(Recipient::Authority),
            _ => None,
        }
    }
}

/// Records that a notice was sent (`breach.subjects_notified` or
/// `breach.authority_notified`, with whether it was within the deadline).
///
/// # Errors
/// `Forbidden` for anyone but an admin; `NotFound`; `Conflict` when that
/// notice was recorded already; storage failures.
pub async fn mark_notified(
    db: &DatabaseConnection,
    actor: Actor,
    id: Uuid,
    to: Recipient,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    super::require_admin(actor)?;
    let tx = begin_write(db).await?;
    let b = breach_record::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let done = match to {
        Recipient::Subjects => b.subjects_notified_at,
        Recipient::Authority => b.authority_notified_at,
    };
    if done.is_some() {
        return Err(ServiceError::Conflict(crate::domain::msg::Msg::new(
            "Pemberitahuan itu sudah dicatat.",
            "That notification is already recorded.",
        )));
    }
    let within = now <= breach_deadline(b.discovered_at);
    let mut m: breach_record::ActiveModel = b.into();
    let action = match to {
        Recipient::Subjects => {
            m.subjects_notified_at = Set(Some(now));
            "breach.subjects_notified"
        }
        Recipient::Authority => {
            m.authority_notified_at = Set(Some(now));
            "breach.authority_notified"
        }
    };
    m.update(&tx).await?;
    append(
        &tx,
        NewEvent::new(actor, action, "breach", id.to_string()).payload(serde_json::json!({
            "within_deadline": if within { "yes" } else { "no" },
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every breach record, newest discovery first.
///
/// # Errors
/// Storage failures.
pub async fn list<C: ConnectionTrait>(db: &C) -> Result<Vec<BreachRecord>, ServiceError> {
    Ok(breach_record::Entity::find()
        .order_by_desc(breach_record::Column::DiscoveredAt)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The clock of a record at `now`: notified once both notices are recorded.
#[must_use]
pub fn clock_of(b: &BreachRecord, now: OffsetDateTime) -> BreachClock {
    breach_clock(
        b.discovered_at,
        b.subjects_notified_at.is_some() && b.authority_notified_at.is_some(),
        now,
    )
}

/// The written notice with the contents the law names: what personal data
/// were disclosed, when and how, and what was done about it; signed by the
/// controller with the officer's contact.
#[must_use]
pub fn notice_text(b: &BreachRecord, s: &super::privacy::PrivacySettings, to: Recipient) -> String {
    let greeting = match to {
        Recipient::Subjects => {
            "Kepada Yth. pendaftar seleksi anggota Pokmas Probebaya yang terdampak,"
        }
        Recipient::Authority => "Kepada Yth. lembaga penyelenggara pelindungan data pribadi,",
    };
    let contact = [
        s.dpo_name.as_str(),
        s.dpo_email.as_str(),
        s.dpo_phone.as_str(),
    ]
    .into_iter()
    .filter(|x| !x.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    format!(
        "{greeting}\n\n\
         Dengan ini {controller} memberitahukan secara tertulis terjadinya kegagalan pelindungan data pribadi \
         (Pasal 46 UU No. 27 Tahun 2022).\n\n\
         Waktu diketahui: {at}\n\
         Data pribadi yang terungkap: {what}\n\
         Pihak yang terdampak: {whom}\n\
         Bagaimana terjadinya: {how}\n\
         Upaya penanganan dan pemulihan: {measures}\n\n\
         Pertanyaan dapat disampaikan kepada pejabat pelindungan data pribadi: {contact}.\n\n\
         {controller}\n",
        controller = s.controller_name,
        at = crate::domain::round::format_wita(b.discovered_at),
        what = b.what,
        whom = b.whom,
        how = b.how,
        measures = b.measures,
        contact = if contact.is_empty() {
            "-".to_owned()
        } else {
            contact
        },
    )
}
