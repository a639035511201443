//! Personal-data cryptography: the NIK stored encrypted with a
//! keyed hash beside it, family-card numbers stored as keyed hashes only, and
//! the random status PIN.
//!
//! Not in `domain`: this module holds keys and draws randomness.
//!
//! Keys come from the installation secret, one per purpose, as
//! [`crate::app::App::derive_key`] derives them, so a leaked hashing key does
//! not decrypt anything and vice versa. Back the secret up with the database:
//! without it no stored NIK can be read back.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore};
use sha2::Sha256;
use thiserror::Error;
use uuid::Uuid;

use crate::app::App;
use crate::config::Secret;
use crate::domain::family_card::FamilyCardNo;
use crate::domain::nik::Nik;
use crate::domain::registration::StatusPin;

/// Purpose of the NIK encryption key (version 1 of the ciphertext format).
const ENCRYPTION_PURPOSE: &str = "pii-nik-aead-v1";
/// Purpose of the key that wraps each application's data key.
const WRAP_PURPOSE: &str = "pii-data-key-wrap-v1";
/// Prefix of ciphertexts under an application's own data key: destroying
/// that key makes them unreadable wherever a copy lies.
const V2_PREFIX: &str = "v2:";
/// Purpose of the keyed-hash key for NIK and family-card numbers.
const HASH_PURPOSE: &str = "pii-keyed-hash-v1";
/// Prefix of version-1 ciphertexts. A new algorithm or key gets `v2:`, and
/// [`NikVault::decrypt`] can then keep reading `v1:` while rows are re-encrypted.
const V1_PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Associated data binding a ciphertext to what it holds, so a ciphertext of
/// some other field encrypted under the same key one day can never be passed
/// off as a NIK.
const NIK_AAD: &[u8] = b"pokmas:nik:v1";

/// Associated data of an application's personal fields, bound to the
/// application so a blob copied onto another row does not open.
fn personal_aad(application_id: Uuid) -> Vec<u8> {
    format!("pokmas:personal:v1:{application_id}").into_bytes()
}

/// Encrypts, decrypts and hashes identity numbers with keys derived from the
/// installation secret. `Debug` never shows a key.
#[derive(Clone)]
pub struct NikVault {
    cipher: XChaCha20Poly1305,
    /// Wraps the per-application data keys.
    wrap: XChaCha20Poly1305,
    /// HMAC-SHA256 keyed with the hashing key, cloned for each hash.
    mac: Hmac<Sha256>,
}

impl fmt::Debug for NikVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NikVault(<keys redacted>)")
    }
}

/// Why a stored NIK could not be read back. None of these says anything about
/// the plaintext; treat each as "data damaged or wrong secret".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DecryptError {
    /// The text has no version prefix this build knows.
    #[error("unknown ciphertext version")]
    UnknownVersion,
    /// Not base64, or too short to hold a nonce and a tag.
    #[error("malformed ciphertext")]
    Malformed,
    /// Authentication failed: changed bytes, or another installation's secret.
    #[error("ciphertext failed authentication (tampered, or a different secret)")]
    Tampered,
    /// Authentic, but the plaintext is not a valid NIK.
    #[error("decrypted value is not a NIK")]
    NotANik,
    /// The application's data key was destroyed: its data were erased.
    #[error("the data key was destroyed (personal data erased)")]
    KeyDestroyed,
}

impl NikVault {
    /// The vault of an installation, keyed from its secret.
    #[must_use]
    pub fn new(secret: &Secret) -> Self {
        Self::from_keys(
            crate::app::derive_key_from_secret(secret, ENCRYPTION_PURPOSE),
            crate::app::derive_key_from_secret(secret, HASH_PURPOSE),
            crate::app::derive_key_from_secret(secret, WRAP_PURPOSE),
        )
    }

    /// The vault of the running application.
    #[must_use]
    pub fn from_app(app: &App) -> Self {
        Self::from_keys(
            app.derive_key(ENCRYPTION_PURPOSE),
            app.derive_key(HASH_PURPOSE),
            app.derive_key(WRAP_PURPOSE),
        )
    }

    fn from_keys(encryption_key: [u8; 32], hash_key: [u8; 32], wrap_key: [u8; 32]) -> Self {
        // HMAC zero-pads a short key to the 64-byte block, so padding it here
        // gives the same MAC as the 32-byte key and lets the infallible
        // block-sized constructor be used.
        let mut hmac_key = [0u8; 64];
        hmac_key[..32].copy_from_slice(&hash_key);
        Self {
            cipher: XChaCha20Poly1305::new(&encryption_key.into()),
            wrap: XChaCha20Poly1305::new(&wrap_key.into()),
            mac: <Hmac<Sha256> as KeyInit>::new(&hmac_key.into()),
        }
    }

    /// Encrypts a NIK as `v1:` followed by the base64 of a random 24-byte
    /// nonce and the XChaCha20-Poly1305 ciphertext with its tag.
    ///
    /// Random nonces are safe at 24 bytes (no realistic chance of reuse), and
    /// they make two encryptions of one NIK differ, so ciphertexts cannot be
    /// compared to find the same person; [`NikVault::keyed_hash`] is for that.
    ///
    /// # Errors
    /// Only if the cipher refuses the input, which it does not for 16 bytes.
    pub fn encrypt(&self, nik: &Nik) -> Result<String, EncryptError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: nik.as_str().as_bytes(),
                    aad: NIK_AAD,
                },
            )
            .map_err(|_| EncryptError)?;
        let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ciphertext);
        Ok(format!("{V1_PREFIX}{}", BASE64.encode(blob)))
    }

    /// Reads back a NIK written by [`NikVault::encrypt`].
    ///
    /// # Errors
    /// A [`DecryptError`]; the message never contains the plaintext.
    pub fn decrypt(&self, stored: &str) -> Result<Nik, DecryptError> {
        let body = stored
            .strip_prefix(V1_PREFIX)
            .ok_or(DecryptError::UnknownVersion)?;
        let plain = open(&self.cipher, body, NIK_AAD)?;
        parse_nik(&plain)
    }

    /// A fresh random data key for `application_id` and its wrapped form
    /// (the base64 of nonce, ciphertext and tag, bound to the application),
    /// which is what the database keeps.
    ///
    /// # Errors
    /// Only if the cipher refuses the input, which it does not for 32 bytes.
    pub fn new_data_key(&self, application_id: Uuid) -> Result<(DataKey, Vec<u8>), EncryptError> {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        let wrapped = seal(&self.wrap, &key, &wrap_aad(application_id))?;
        Ok((
            DataKey(XChaCha20Poly1305::new(&key.into())),
            wrapped.into_bytes(),
        ))
    }

    /// Unwraps a data key written by [`NikVault::new_data_key`].
    ///
    /// # Errors
    /// A [`DecryptError`] for a damaged key, another installation's secret or
    /// a key of another application.
    pub fn unwrap_data_key(
        &self,
        application_id: Uuid,
        wrapped: &[u8],
    ) -> Result<DataKey, DecryptError> {
        let text = std::str::from_utf8(wrapped).map_err(|_| DecryptError::Malformed)?;
        let plain = open(&self.wrap, text, &wrap_aad(application_id))?;
        let key: [u8; 32] = plain.try_into().map_err(|_| DecryptError::Malformed)?;
        Ok(DataKey(XChaCha20Poly1305::new(&key.into())))
    }

    /// Encrypts a NIK under an application's data key: `v2:` and the base64
    /// of nonce, ciphertext and tag.
    ///
    /// # Errors
    /// As [`NikVault::encrypt`].
    pub fn encrypt_under(&self, key: &DataKey, nik: &Nik) -> Result<String, EncryptError> {
        Ok(format!(
            "{V2_PREFIX}{}",
            seal(&key.0, nik.as_str().as_bytes(), NIK_AAD)?
        ))
    }

    /// Reads a stored NIK of either version: `v1:` under the installation
    /// key, `v2:` under `key` (`None` when the application has no key left:
    /// its data were erased).
    ///
    /// # Errors
    /// As [`NikVault::decrypt`]; `KeyDestroyed` for a `v2:` text without a key.
    pub fn decrypt_any(&self, key: Option<&DataKey>, stored: &str) -> Result<Nik, DecryptError> {
        match stored.strip_prefix(V2_PREFIX) {
            Some(body) => {
                let key = key.ok_or(DecryptError::KeyDestroyed)?;
                parse_nik(&open(&key.0, body, NIK_AAD)?)
            }
            None => self.decrypt(stored),
        }
    }

    /// The keyed hash of a NIK: lowercase hex HMAC-SHA256, deterministic, for
    /// the one-application-per-NIK-per-round rule (`UNIQUE(round_id, nik_hash)`).
    ///
    /// Keyed so that a copy of the database alone cannot be matched against
    /// the (small, structured) space of NIKs.
    #[must_use]
    pub fn keyed_hash(&self, nik: &Nik) -> String {
        self.hash(b"nik", nik.as_str())
    }

    /// The keyed hash of a family-card (KK) number, as [`NikVault::keyed_hash`].
    ///
    /// A KK number has the same shape as a NIK; the hashes are domain-separated
    /// so that a KK number that happens to equal some NIK hashes differently.
    #[must_use]
    pub fn kk_hash(&self, kk: &FamilyCardNo) -> String {
        self.hash(b"kk", kk.as_str())
    }

    fn hash(&self, domain: &[u8], value: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(domain);
        mac.update(b":");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// An application's own data key, unwrapped. `Debug` never shows it.
#[derive(Clone)]
pub struct DataKey(XChaCha20Poly1305);

impl DataKey {
    /// Encrypts the serialised personal fields of `application_id`: the
    /// base64 of nonce, ciphertext and tag, as bytes for a BLOB column.
    ///
    /// # Errors
    /// Only if the cipher refuses the input.
    pub fn seal_personal(
        &self,
        application_id: Uuid,
        plain: &[u8],
    ) -> Result<Vec<u8>, EncryptError> {
        Ok(seal(&self.0, plain, &personal_aad(application_id))?.into_bytes())
    }

    /// Opens what [`DataKey::seal_personal`] wrote for `application_id`.
    ///
    /// # Errors
    /// A [`DecryptError`] for a damaged blob or one of another application.
    pub fn open_personal(
        &self,
        application_id: Uuid,
        stored: &[u8],
    ) -> Result<Vec<u8>, DecryptError> {
        let text = std::str::from_utf8(stored).map_err(|_| DecryptError::Malformed)?;
        open(&self.0, text, &personal_aad(application_id))
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

fn wrap_aad(application_id: Uuid) -> Vec<u8> {
    format!("pokmas:data-key:v1:{application_id}").into_bytes()
}

/// Base64 of a random nonce, the ciphertext and its tag.
fn seal(cipher: &XChaCha20Poly1305, msg: &[u8], aad: &[u8]) -> Result<String, EncryptError> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let ciphertext = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg, aad })
        .map_err(|_| EncryptError)?;
    let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&ciphertext);
    Ok(BASE64.encode(blob))
}

/// Opens what [`seal`] wrote.
fn open(cipher: &XChaCha20Poly1305, body: &str, aad: &[u8]) -> Result<Vec<u8>, DecryptError> {
    let blob = BASE64.decode(body).map_err(|_| DecryptError::Malformed)?;
    if blob.len() < NONCE_LEN + TAG_LEN {
        return Err(DecryptError::Malformed);
    }
    let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| DecryptError::Malformed)?;
    cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| DecryptError::Tampered)
}

fn parse_nik(plain: &[u8]) -> Result<Nik, DecryptError> {
    let text = std::str::from_utf8(plain).map_err(|_| DecryptError::NotANik)?;
    // The reference date only resolves the century of the birth year; the
    // latest date accepts every NIK that was valid on any earlier day
    // (only `290200…` depends on it, and it is valid from 29 Feb 2000 on).
    Nik::parse(text, time::Date::MAX).map_err(|_| DecryptError::NotANik)
}

/// The cipher refused to encrypt (never for a NIK-sized input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("encryption failed")]
pub struct EncryptError;

/// A new random status PIN (six digits, uniformly drawn from the operating
/// system's generator). Show it once; store `hash_password(pin)`.
#[must_use]
pub fn generate_pin() -> StatusPin {
    StatusPin::from_number(rand::rng().random_range(0..1_000_000u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn vault(secret_byte: &str) -> NikVault {
        NikVault::new(&Secret::from_hex(&secret_byte.repeat(32)).unwrap())
    }

    fn nik(s: &str) -> Nik {
        Nik::parse(s, date!(2026 - 11 - 28)).unwrap()
    }

    #[test]
    fn encryption_round_trips_and_is_randomised() {
        let v = vault("ab");
        let n = nik("6472015505900001");
        let a = v.encrypt(&n).unwrap();
        let b = v.encrypt(&n).unwrap();
        assert!(a.starts_with("v1:"));
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains(n.as_str()));
        assert_eq!(v.decrypt(&a).unwrap(), n);
        assert_eq!(v.decrypt(&b).unwrap(), n);
        // 24-byte nonce + 16 plaintext bytes + 16-byte tag = 56 bytes → 76 base64 chars.
        assert_eq!(a.len(), 3 + 76);
    }

    #[test]
    fn a_century_sensitive_nik_still_decrypts() {
        let v = vault("ab");
        let n = nik("6472012902000001");
        assert_eq!(v.decrypt(&v.encrypt(&n).unwrap()).unwrap(), n);
    }

    #[test]
    fn tampering_is_detected() {
        let v = vault("ab");
        let stored = v.encrypt(&nik("6472011505900001")).unwrap();
        let mut blob = BASE64.decode(&stored[3..]).unwrap();
        for i in [0, NONCE_LEN, blob.len() - 1] {
            blob[i] ^= 1;
            let bad = format!("v1:{}", BASE64.encode(&blob));
            assert_eq!(v.decrypt(&bad), Err(DecryptError::Tampered), "byte {i}");
            blob[i] ^= 1;
        }
        assert_eq!(v.decrypt(&stored[3..]), Err(DecryptError::UnknownVersion));
        assert_eq!(v.decrypt("v2:AAAA"), Err(DecryptError::UnknownVersion));
        assert_eq!(v.decrypt("v1:!!"), Err(DecryptError::Malformed));
        assert_eq!(v.decrypt("v1:AAAA"), Err(DecryptError::Malformed));
        assert_eq!(vault("cd").decrypt(&stored), Err(DecryptError::Tampered));
    }

    #[test]
    fn keyed_hash_is_deterministic_per_secret_and_separates_nik_from_kk() {
        let v = vault("ab");
        let n = nik("6472011505900001");
        let h = v.keyed_hash(&n);
        assert_eq!(h.len(), 64);
        assert!(
            h.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(h, vault("ab").keyed_hash(&nik(" 6472011505900001 ")));
        assert_ne!(h, vault("cd").keyed_hash(&n));
        assert_ne!(h, v.keyed_hash(&nik("6472011505900002")));

        let kk = FamilyCardNo::parse("6472011505900001").unwrap();
        assert_eq!(v.kk_hash(&kk), vault("ab").kk_hash(&kk));
        assert_ne!(v.kk_hash(&kk), vault("cd").kk_hash(&kk));
        assert_ne!(v.kk_hash(&kk), h, "same digits, different kind");
    }

    #[test]
    fn keyed_hash_is_plain_hmac_sha256_of_kind_colon_value() {
        let secret = Secret::from_hex(&"ab".repeat(32)).unwrap();
        let key = crate::app::derive_key_from_secret(&secret, HASH_PURPOSE);
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        mac.update(b"nik:6472011505900001");
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(vault("ab").keyed_hash(&nik("6472011505900001")), expected);
    }

    #[test]
    fn encryption_and_hash_keys_differ() {
        let secret = Secret::from_hex(&"ab".repeat(32)).unwrap();
        assert_ne!(
            crate::app::derive_key_from_secret(&secret, ENCRYPTION_PURPOSE),
            crate::app::derive_key_from_secret(&secret, HASH_PURPOSE)
        );
    }

    #[test]
    fn debug_shows_no_key_or_plaintext() {
        let v = vault("ab");
        let shown = format!("{v:?}");
        assert_eq!(shown, "NikVault(<keys redacted>)");
        let err = v.decrypt("v1:AAAA").unwrap_err();
        assert!(!format!("{err:?}{err}").contains("6472"));
    }

    #[test]
    fn pins_are_six_digits_and_vary() {
        let pins: std::collections::BTreeSet<String> = (0..50)
            .map(|_| generate_pin().as_str().to_owned())
            .collect();
        assert!(
            pins.iter()
                .all(|p| p.len() == 6 && p.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(
            pins.len() > 40,
            "50 draws from a million are almost never repeated"
        );
    }
}
