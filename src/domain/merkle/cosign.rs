//! Witness cosignatures (C2SP `tlog-cosignature`, the Ed25519 kind): a
//! witness signs `cosignature/v1\ntime <T>\n` followed by the checkpoint text,
//! saying that at time `T` this was the largest tree of the log it had seen
//! consistent with everything before.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::domain::checkpoint::SIG_PREFIX;

/// Signature type byte of Ed25519 cosignatures in key ids and vkeys.
const ALG_COSIGNATURE_V1: u8 = 0x04;

/// A witness's public key and the name it cosigns under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessKey {
    pub name: String,
    pub key: VerifyingKey,
}

/// A witness vkey that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a witness key NAME+KEYID+BASE64 of type 0x04 (Ed25519 cosignature)")]
pub struct BadWitnessKey;

impl WitnessKey {
    #[must_use]
    pub fn new(name: &str, key: VerifyingKey) -> WitnessKey {
        WitnessKey {
            name: name.to_owned(),
            key,
        }
    }

    /// The key id: `SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[..4]`.
    #[must_use]
    pub fn key_id(&self) -> [u8; 4] {
        let mut h = Sha256::new();
        h.update(self.name.as_bytes());
        h.update(b"\n");
        h.update([ALG_COSIGNATURE_V1]);
        h.update(self.key.as_bytes());
        let d = h.finalize();
        [d[0], d[1], d[2], d[3]]
    }

    /// Reads `NAME+KEYID+BASE64`. A key name never holds `+`, so the text
    /// is split at its first two.
    ///
    /// # Errors
    /// [`BadWitnessKey`] for anything else, or a key id that does not match.
    pub fn parse(s: &str) -> Result<WitnessKey, BadWitnessKey> {
        let mut parts = s.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(BadWitnessKey);
        };
        let blob = B64.decode(b64).map_err(|_| BadWitnessKey)?;
        let Some((&ALG_COSIGNATURE_V1, raw)) = blob.split_first() else {
            return Err(BadWitnessKey);
        };
        let raw: [u8; 32] = raw.try_into().map_err(|_| BadWitnessKey)?;
        let key = VerifyingKey::from_bytes(&raw).map_err(|_| BadWitnessKey)?;
        let w = WitnessKey::new(name, key);
        if name.is_empty() || hex::encode(w.key_id()) != id.to_ascii_lowercase() {
            return Err(BadWitnessKey);
        }
        Ok(w)
    }
}

impl std::fmt::Display for WitnessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut blob = vec![ALG_COSIGNATURE_V1];
        blob.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id()),
            B64.encode(blob)
        )
    }
}

fn message(text: &str, time: u64) -> String {
    format!("cosignature/v1\ntime {time}\n{text}")
}

/// A witness's cosignature line over checkpoint `text` (the note text up to
/// and including its last newline before the blank line), at POSIX `time`.
#[must_use]
pub fn cosign(name: &str, key: &SigningKey, text: &str, time: u64) -> String {
    let w = WitnessKey::new(name, key.verifying_key());
    let sig = key.sign(message(text, time).as_bytes());
    let mut blob = w.key_id().to_vec();
    blob.extend_from_slice(&time.to_be_bytes());
    blob.extend_from_slice(&sig.to_bytes());
    format!("{SIG_PREFIX}{name} {}\n", B64.encode(blob))
}

/// The time of a valid cosignature by `witness` among the signature
/// `lines` of a note over `text`; `None` when there is none.
#[must_use]
pub fn cosigned_at(witness: &WitnessKey, text: &str, lines: &str) -> Option<u64> {
    let id = witness.key_id();
    lines.lines().find_map(|line| {
        let (name, b64) = line.strip_prefix(SIG_PREFIX)?.split_once(' ')?;
        let blob = B64.decode(b64).ok()?;
        if name != witness.name || blob.len() != 4 + 8 + 64 || blob[..4] != id {
            return None;
        }
        let time = u64::from_be_bytes(blob[4..12].try_into().ok()?);
        let sig = Signature::from_slice(&blob[12..]).ok()?;
        witness
            .key
            .verify(message(text, time).as_bytes(), &sig)
            .ok()
            .map(|()| time)
    })
}

/// What the installation last heard from one witness.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WitnessStatus {
    /// The size the witness last cosigned (or told us in a 409).
    pub size: u64,
    pub cosigned_at: Option<time::OffsetDateTime>,
    /// The last failure, cleared by the next cosignature.
    pub last_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

    #[test]
    fn a_cosignature_verifies_for_its_witness_only_and_over_its_text_only() {
        let k = SigningKey::from_bytes(&[3; 32]);
        let w = WitnessKey::new("witness.example/w1", k.verifying_key());
        assert_eq!(WitnessKey::parse(&w.to_string()), Ok(w.clone()));
        let line = cosign(&w.name, &k, TEXT, 1_700_000_000);
        assert!(line.starts_with("\u{2014} witness.example/w1 "));
        assert_eq!(cosigned_at(&w, TEXT, &line), Some(1_700_000_000));
        assert_eq!(cosigned_at(&w, &TEXT.replace('3', "4"), &line), None);
        let other = WitnessKey::new(
            "witness.example/w1",
            SigningKey::from_bytes(&[4; 32]).verifying_key(),
        );
        assert_eq!(cosigned_at(&other, TEXT, &line), None);
        // The message is the documented one: header, time line, then the text.
        let blob = B64
            .decode(line.trim_end().rsplit(' ').next().unwrap())
            .unwrap();
        let sig = Signature::from_slice(&blob[12..]).unwrap();
        let msg = format!("cosignature/v1\ntime 1700000000\n{TEXT}");
        k.verifying_key().verify(msg.as_bytes(), &sig).unwrap();
    }

    #[test]
    fn witness_keys_of_another_type_or_with_a_wrong_id_are_refused() {
        let w = WitnessKey::new("w", SigningKey::from_bytes(&[3; 32]).verifying_key()).to_string();
        let note_key = crate::domain::checkpoint::VerifierKey::new(
            "w",
            SigningKey::from_bytes(&[3; 32]).verifying_key(),
        )
        .unwrap();
        for bad in [
            "",
            "w+00+AA",
            &note_key.to_string(),
            &w.replacen("+", "+0", 1),
            &w.replacen("w+", "v+", 1),
        ] {
            assert_eq!(WitnessKey::parse(bad), Err(BadWitnessKey), "{bad}");
        }
    }
}
