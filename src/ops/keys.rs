//! The database remembers fingerprints of the installation's keys, so a
//! server started with a missing or different key file refuses to run (and
//! says which file) instead of working with a new key: NIKs stored under the
//! old secret could no longer be read or compared, and checkpoints would be
//! signed by a key nobody published.

use sea_orm::ConnectionTrait;

use crate::config::{Config, Secret};

/// The fingerprint of a key: a purpose-derived hash, never the key.
#[must_use]
pub fn fingerprint(key: &Secret) -> String {
    hex::encode(crate::app::derive_key_from_secret(key, "key-fingerprint"))
}

/// Checks the configured keys against the fingerprints recorded in the
/// database, recording them on the first start.
///
/// # Errors
/// A sentence naming the key file that does not belong to this database.
pub async fn check(db: &impl ConnectionTrait, config: &Config) -> anyhow::Result<()> {
    let keys = [
        (
            "secret",
            &config.secret,
            format!(
                "{} (or POKMAS_SECRET)",
                config.data_dir.join(super::backup::SECRET_KEY).display()
            ),
        ),
        (
            "checkpoint",
            &config.checkpoint_seed,
            config
                .data_dir
                .join(super::backup::CHECKPOINT_KEY)
                .display()
                .to_string(),
        ),
    ];
    for (name, key, file) in keys {
        let have = fingerprint(key);
        match crate::db::ops::key_fingerprint(db, name).await? {
            Some(recorded) if recorded == have => {}
            Some(_) => anyhow::bail!(
                "{file} does not belong to this database: its fingerprint differs from the one \
                 recorded when the database was first used. If the file was missing, pokmas has \
                 just created a new one; put the original key back (from the backup or where \
                 you keep keys) and start again"
            ),
            None => crate::db::ops::record_key_fingerprint(db, name, &have).await?,
        }
    }
    Ok(())
}
