//! The installation's privacy settings: who the controller is, how to reach
//! the data protection officer, and how long each class of personal data is
//! kept. Shown on the public privacy page; the retention run reads the
//! periods from here.

use std::collections::BTreeMap;

use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait};

use super::ServiceError;
use crate::db::audit::{Actor, NewEvent, append};
use crate::db::begin_write;
use crate::db::entities::privacy_setting;
use crate::domain::privacy::{DataClass, parse_months};
use crate::domain::round::Msg;
use crate::domain::text::plain_text;

pub use crate::domain::privacy::{DEFAULT_CONTROLLER, PrivacySettings, TEXT_KEYS};

/// Longest text a contact setting may hold.
const MAX_SETTING_CHARS: usize = 300;

/// The setting key of a class's retention period.
#[must_use]
pub fn retention_key(class: DataClass) -> String {
    class.retention_key()
}

/// The installation's settings, defaults where none was saved.
///
/// # Errors
/// Storage failures.
pub async fn load<C: ConnectionTrait>(db: &C) -> Result<PrivacySettings, ServiceError> {
    let mut s = PrivacySettings::default();
    for row in privacy_setting::Entity::find().all(db).await? {
        if TEXT_KEYS.contains(&row.key.as_str()) {
            s.set_text(&row.key, row.value);
            continue;
        }
        for c in DataClass::ALL {
            if row.key == retention_key(c)
                && let Ok(m) = parse_months(&row.value)
            {
                s.retention.set(c, m);
            }
        }
    }
    Ok(s)
}

/// Field errors of a settings form, by key.
pub type FieldErrors = BTreeMap<String, Msg>;

/// Checks a submitted settings form (`key` → typed text).
///
/// # Errors
/// The field errors, every one of them at once.
pub fn parse_form(form: &BTreeMap<String, String>) -> Result<PrivacySettings, FieldErrors> {
    let mut s = PrivacySettings::default();
    let mut errs = FieldErrors::new();
    for key in TEXT_KEYS {
        let v = form.get(key).map(|x| x.trim()).unwrap_or_default();
        if !plain_text(v, key == "controller_address") || v.chars().count() > MAX_SETTING_CHARS {
            errs.insert(
                key.into(),
                Msg::new(
                    format!("Teks biasa, paling banyak {MAX_SETTING_CHARS} karakter."),
                    format!("Plain text, at most {MAX_SETTING_CHARS} characters."),
                ),
            );
        }
        s.set_text(key, v.to_owned());
    }
    if s.controller_name.is_empty() {
        errs.insert(
            "controller_name".into(),
            Msg::new(
                "Nama pengendali wajib diisi.",
                "The controller's name is required.",
            ),
        );
    }
    if !s.dpo_email.is_empty() && crate::domain::account::Email::parse(&s.dpo_email).is_err() {
        errs.insert(
            "dpo_email".into(),
            Msg::new("Alamat e-mail tidak valid.", "Not a valid e-mail address."),
        );
    }
    for c in DataClass::ALL {
        let key = retention_key(c);
        match parse_months(form.get(&key).map(String::as_str).unwrap_or_default()) {
            Ok(m) => s.retention.set(c, m),
            Err(m) => {
                errs.insert(key, m);
            }
        }
    }
    if errs.is_empty() { Ok(s) } else { Err(errs) }
}

/// Saves the settings an admin submitted, recording which keys changed
/// (`privacy.settings_changed`, the key names only).
///
/// # Errors
/// `Forbidden` for anyone but an admin; storage failures.
pub async fn save(
    db: &DatabaseConnection,
    actor: Actor,
    new: &PrivacySettings,
    now: time::OffsetDateTime,
) -> Result<(), ServiceError> {
    super::require_admin(actor)?;
    let tx = begin_write(db).await?;
    let old = load(&tx).await?.pairs();
    let mut changed = Vec::new();
    for (key, value) in new.pairs() {
        if old.get(&key) == Some(&value) {
            continue;
        }
        privacy_setting::Entity::insert(privacy_setting::ActiveModel {
            key: Set(key.clone()),
            value: Set(value),
            updated_at: Set(now),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(privacy_setting::Column::Key)
                .update_columns([
                    privacy_setting::Column::Value,
                    privacy_setting::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(&tx)
        .await?;
        changed.push(key);
    }
    if !changed.is_empty() {
        append(
            &tx,
            NewEvent::new(actor, "privacy.settings_changed", "installation", "privacy")
                .payload(serde_json::json!({ "keys": changed.join(",") })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
