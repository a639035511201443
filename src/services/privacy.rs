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
use crate::domain::privacy::{DataClass, RetentionSchedule, parse_months};
use crate::domain::round::Msg;
use crate::domain::text::plain_text;

/// The controller named on the privacy page until an admin sets another.
pub const DEFAULT_CONTROLLER: &str = "Pemerintah Kota Samarinda";

/// Longest text a contact setting may hold.
const MAX_SETTING_CHARS: usize = 300;

/// What the privacy page says about the controller and its officer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivacySettings {
    pub controller_name: String,
    pub controller_address: String,
    pub dpo_name: String,
    pub dpo_email: String,
    pub dpo_phone: String,
    pub retention: RetentionSchedule,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self {
            controller_name: DEFAULT_CONTROLLER.into(),
            controller_address: String::new(),
            dpo_name: String::new(),
            dpo_email: String::new(),
            dpo_phone: String::new(),
            retention: RetentionSchedule::default(),
        }
    }
}

/// The text fields of the settings, by key, in form order.
pub const TEXT_KEYS: [&str; 5] = [
    "controller_name",
    "controller_address",
    "dpo_name",
    "dpo_email",
    "dpo_phone",
];

/// The setting key of a class's retention period.
#[must_use]
pub fn retention_key(class: DataClass) -> String {
    class.retention_key()
}

impl PrivacySettings {
    /// The value of a text key.
    #[must_use]
    pub fn text(&self, key: &str) -> &str {
        match key {
            "controller_name" => &self.controller_name,
            "controller_address" => &self.controller_address,
            "dpo_name" => &self.dpo_name,
            "dpo_email" => &self.dpo_email,
            "dpo_phone" => &self.dpo_phone,
            _ => "",
        }
    }

    fn set_text(&mut self, key: &str, value: String) {
        match key {
            "controller_name" => self.controller_name = value,
            "controller_address" => self.controller_address = value,
            "dpo_name" => self.dpo_name = value,
            "dpo_email" => self.dpo_email = value,
            "dpo_phone" => self.dpo_phone = value,
            _ => {}
        }
    }

    /// Whether a data protection officer is named with a way to reach them.
    #[must_use]
    pub fn dpo_is_set(&self) -> bool {
        !self.dpo_name.is_empty() && (!self.dpo_email.is_empty() || !self.dpo_phone.is_empty())
    }

    fn pairs(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = TEXT_KEYS
            .iter()
            .map(|k| ((*k).to_owned(), self.text(k).to_owned()))
            .collect();
        for c in DataClass::ALL {
            out.insert(retention_key(c), self.retention.months(c).to_string());
        }
        out
    }
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
    super::results::require_admin(actor)?;
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
