//! Signed checkpoints of the audit trail in the C2SP `tlog-checkpoint`
//! format, carried in a C2SP `signed-note`.
//!
//! A checkpoint body is four lines: the origin, the tree size (the `seq` of
//! the last event covered), the root hash of the Merkle tree over the events
//! (the 32 raw bytes in standard base64), and one extension line
//! `chain-head <hex>` naming the hash of that last event in the hash chain.
//! After a blank line come signature lines `— <key name> <base64(key id ‖ sig)>`
//! where the key id is the first four bytes of
//! `SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key)` and the Ed25519 signature
//! covers the body bytes, final newline included. Anyone holding the verifier
//! key `<name>+<hex key id>+<base64(0x01 ‖ public key)>` can check a note with
//! any implementation of the format; witnesses add their cosignatures as more
//! signature lines.

use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::domain::audit::Checkpoint;
use crate::domain::merkle::Hash;

/// Signature algorithm byte for Ed25519 in signed notes.
const ALG_ED25519: u8 = 0x01;
/// The em dash and space that open every signature line.
pub const SIG_PREFIX: &str = "\u{2014} ";
/// The extension line naming the chain head the checkpoint covers.
pub const CHAIN_HEAD_PREFIX: &str = "chain-head ";

/// Why a note or a verifier key was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("the verifier key is not NAME+KEYID+BASE64 for an Ed25519 key")]
    BadKey,
    #[error("the note has no blank line between its text and its signatures")]
    NoSignatures,
    #[error("no signature by key {0} in the note")]
    NotSignedByKey(String),
    #[error("the signature by key {0} does not match the note text")]
    BadSignature(String),
    #[error("the checkpoint text is not ORIGIN, SIZE, a base64 Merkle root and the chain head")]
    BadBody,
    #[error("the checkpoint is for origin {found:?}, expected {expected:?}")]
    WrongOrigin { expected: String, found: String },
}

/// The key id of an Ed25519 key under a name, as signed notes define it.
#[must_use]
pub fn key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(key.as_bytes());
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The checkpoint body: origin, size, Merkle root and the chain head, each
/// on its own line.
///
/// # Errors
/// [`NoteError::BadBody`] when the chain head is not 64 hex digits or the
/// origin is empty or spans lines.
pub fn body(origin: &str, cp: &Checkpoint, root: &Hash) -> Result<String, NoteError> {
    if origin.is_empty() || origin.contains('\n') {
        return Err(NoteError::BadBody);
    }
    let raw = hex::decode(&cp.hash).map_err(|_| NoteError::BadBody)?;
    if raw.len() != 32 {
        return Err(NoteError::BadBody);
    }
    Ok(format!(
        "{origin}\n{}\n{}\n{CHAIN_HEAD_PREFIX}{}\n",
        cp.seq,
        B64.encode(root),
        cp.hash.to_ascii_lowercase()
    ))
}

/// Signs a checkpoint: the full note text, ending with a newline.
///
/// # Errors
/// As [`body`].
pub fn sign(
    origin: &str,
    cp: &Checkpoint,
    root: &Hash,
    key: &SigningKey,
) -> Result<String, NoteError> {
    let text = body(origin, cp, root)?;
    let signature = key.sign(text.as_bytes());
    let mut blob = key_id(origin, &key.verifying_key()).to_vec();
    blob.extend_from_slice(&signature.to_bytes());
    Ok(format!(
        "{text}\n{SIG_PREFIX}{origin} {}\n",
        B64.encode(blob)
    ))
}

/// A public key that checks notes, with the name it signs under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub key: VerifyingKey,
}

impl VerifierKey {
    #[must_use]
    pub fn new(name: &str, key: VerifyingKey) -> VerifierKey {
        VerifierKey {
            name: name.to_owned(),
            key,
        }
    }
}

impl std::fmt::Display for VerifierKey {
    /// `NAME+KEYID+BASE64`, the vkey form of signed notes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut blob = vec![ALG_ED25519];
        blob.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex::encode(key_id(&self.name, &self.key)),
            B64.encode(blob)
        )
    }
}

impl FromStr for VerifierKey {
    type Err = NoteError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let mut parts = s.rsplitn(3, '+');
        let (Some(b64), Some(id), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadKey);
        };
        let blob = B64.decode(b64).map_err(|_| NoteError::BadKey)?;
        let Some((&ALG_ED25519, raw)) = blob.split_first() else {
            return Err(NoteError::BadKey);
        };
        let raw: [u8; 32] = raw.try_into().map_err(|_| NoteError::BadKey)?;
        let key = VerifyingKey::from_bytes(&raw).map_err(|_| NoteError::BadKey)?;
        if name.is_empty() || hex::encode(key_id(name, &key)) != id.to_ascii_lowercase() {
            return Err(NoteError::BadKey);
        }
        Ok(VerifierKey::new(name, key))
    }
}

/// A checkpoint whose signature has been checked: the chain head it names
/// and the Merkle root over the events up to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    pub origin: String,
    pub checkpoint: Checkpoint,
    pub root: Hash,
    /// The signed text (origin to extension lines, final newline included),
    /// which cosignatures also cover.
    pub text: String,
}

/// Checks a signed note against a verifier key and reads the checkpoint in it.
/// The origin must be the key's name: a checkpoint of another log signed with
/// the same key is refused.
///
/// # Errors
/// Why the note cannot be trusted or read.
pub fn open(note: &str, key: &VerifierKey) -> Result<Opened, NoteError> {
    let split = note.find("\n\n").ok_or(NoteError::NoSignatures)?;
    let (text, signatures) = (&note[..=split], &note[split + 2..]);
    let want_id = key_id(&key.name, &key.key);
    let mut found = false;
    for line in signatures.lines() {
        let Some(rest) = line.strip_prefix(SIG_PREFIX) else {
            continue;
        };
        let Some((name, b64)) = rest.split_once(' ') else {
            continue;
        };
        let Ok(blob) = B64.decode(b64) else { continue };
        if name != key.name || blob.len() != 68 || blob[..4] != want_id {
            continue;
        }
        found = true;
        let sig = Signature::from_slice(&blob[4..])
            .map_err(|_| NoteError::BadSignature(key.name.clone()))?;
        if key.key.verify(text.as_bytes(), &sig).is_ok() {
            return parse_body(text, &key.name);
        }
    }
    Err(if found {
        NoteError::BadSignature(key.name.clone())
    } else {
        NoteError::NotSignedByKey(key.name.clone())
    })
}

fn parse_body(text: &str, expected_origin: &str) -> Result<Opened, NoteError> {
    let mut lines = text.lines();
    let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
        return Err(NoteError::BadBody);
    };
    if origin != expected_origin {
        return Err(NoteError::WrongOrigin {
            expected: expected_origin.to_owned(),
            found: origin.to_owned(),
        });
    }
    if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NoteError::BadBody);
    }
    let seq = size.parse().map_err(|_| NoteError::BadBody)?;
    let root: Hash = B64
        .decode(root)
        .ok()
        .and_then(|r| r.try_into().ok())
        .ok_or(NoteError::BadBody)?;
    let chain_head = lines
        .find_map(|l| l.strip_prefix(CHAIN_HEAD_PREFIX))
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(NoteError::BadBody)?;
    Ok(Opened {
        origin: origin.to_owned(),
        checkpoint: Checkpoint {
            seq,
            hash: chain_head.to_ascii_lowercase(),
        },
        root,
        text: text.to_owned(),
    })
}

/// Why a new checkpoint was refused: it must extend the previous one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotExtending {
    #[error("the trail is shorter ({head}) than the last checkpoint ({previous})")]
    Shorter { previous: u64, head: u64 },
    #[error("event {seq} no longer has the hash the last checkpoint recorded")]
    Rewritten { seq: u64 },
}

/// A new checkpoint at `head` may be signed only when the trail still holds
/// the previous checkpoint's event unchanged (`hash_at_previous` is the hash
/// the trail has now at the previous checkpoint's seq).
///
/// # Errors
/// When signing would bless a trail that forked from or truncated the
/// previous checkpoint.
pub fn check_extends(
    previous: Option<&Checkpoint>,
    head: &Checkpoint,
    hash_at_previous: Option<&str>,
) -> Result<(), NotExtending> {
    let Some(prev) = previous else {
        return Ok(());
    };
    if head.seq < prev.seq {
        return Err(NotExtending::Shorter {
            previous: prev.seq,
            head: head.seq,
        });
    }
    if hash_at_previous != Some(prev.hash.as_str()) {
        return Err(NotExtending::Rewritten { seq: prev.seq });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "pokmas.samarindakota.go.id/audit";

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    fn cp(seq: u64, fill: char) -> Checkpoint {
        Checkpoint {
            seq,
            hash: std::iter::repeat_n(fill, 64).collect(),
        }
    }

    const ROOT: Hash = [0xcc; 32];

    fn sign(origin: &str, cp: &Checkpoint, key: &SigningKey) -> Result<String, NoteError> {
        super::sign(origin, cp, &ROOT, key)
    }

    #[test]
    fn a_signed_note_has_the_tlog_checkpoint_shape_and_opens_with_its_key() {
        let note = sign(ORIGIN, &cp(42, 'a'), &key(7)).unwrap();
        let lines: Vec<&str> = note.split('\n').collect();
        assert_eq!(lines[0], ORIGIN);
        assert_eq!(lines[1], "42");
        assert_eq!(B64.decode(lines[2]).unwrap(), vec![0xcc; 32]);
        assert_eq!(lines[3], format!("chain-head {}", "a".repeat(64)));
        assert_eq!(lines[4], "");
        assert!(lines[5].starts_with("\u{2014} pokmas.samarindakota.go.id/audit "));
        assert_eq!(lines[6], "", "the note ends with a newline");

        let vkey = VerifierKey::new(ORIGIN, key(7).verifying_key());
        let parsed: VerifierKey = vkey.to_string().parse().unwrap();
        assert_eq!(parsed, vkey);
        let opened = open(&note, &parsed).unwrap();
        assert_eq!(opened.checkpoint, cp(42, 'a'));
        assert_eq!(opened.root, ROOT);
        assert_eq!(opened.origin, ORIGIN);
    }

    #[test]
    fn a_signature_over_the_body_is_independently_checkable() {
        // Re-derive the signed bytes and the key id from the format alone.
        let note = sign(ORIGIN, &cp(3, 'b'), &key(1)).unwrap();
        let (text, sigs) = note.split_once("\n\n").unwrap();
        let blob = B64
            .decode(sigs.trim_end().rsplit(' ').next().unwrap())
            .unwrap();
        let mut id_input = format!("{ORIGIN}\n").into_bytes();
        id_input.push(1);
        id_input.extend_from_slice(key(1).verifying_key().as_bytes());
        assert_eq!(blob[..4], Sha256::digest(&id_input)[..4]);
        let sig = Signature::from_slice(&blob[4..]).unwrap();
        key(1)
            .verifying_key()
            .verify(format!("{text}\n").as_bytes(), &sig)
            .unwrap();
    }

    #[test]
    fn any_change_to_the_note_or_the_wrong_key_is_refused() {
        let note = sign(ORIGIN, &cp(42, 'a'), &key(7)).unwrap();
        let vkey = VerifierKey::new(ORIGIN, key(7).verifying_key());
        let forged = note.replacen("\n42\n", "\n43\n", 1);
        assert_eq!(
            open(&forged, &vkey),
            Err(NoteError::BadSignature(ORIGIN.into()))
        );
        let other = VerifierKey::new(ORIGIN, key(8).verifying_key());
        assert_eq!(
            open(&note, &other),
            Err(NoteError::NotSignedByKey(ORIGIN.into()))
        );
        let renamed = VerifierKey::new("elsewhere/audit", key(7).verifying_key());
        assert!(matches!(
            open(&note, &renamed),
            Err(NoteError::NotSignedByKey(_))
        ));
        assert_eq!(
            open(note.split("\n\n").next().unwrap(), &vkey),
            Err(NoteError::NoSignatures)
        );
        // Every single-byte change of the signed text or the signature fails.
        for i in 0..note.len() - 1 {
            let mut bytes = note.clone().into_bytes();
            bytes[i] ^= 0x01;
            if let Ok(s) = String::from_utf8(bytes) {
                assert!(open(&s, &vkey).is_err(), "byte {i} changed and accepted");
            }
        }
    }

    #[test]
    fn malformed_verifier_keys_are_refused() {
        let good = VerifierKey::new(ORIGIN, key(7).verifying_key()).to_string();
        for bad in [
            "",
            "name",
            "name+00000000",
            &good.replacen('+', "+0", 1),
            &format!("{}A", good),
            &good.replacen(ORIGIN, "other", 1),
        ] {
            assert_eq!(bad.parse::<VerifierKey>(), Err(NoteError::BadKey), "{bad}");
        }
    }

    #[test]
    fn a_checkpoint_must_extend_the_previous_one() {
        let prev = cp(10, 'a');
        assert_eq!(check_extends(None, &cp(1, 'c'), None), Ok(()));
        assert_eq!(
            check_extends(Some(&prev), &cp(12, 'c'), Some(&prev.hash)),
            Ok(())
        );
        assert_eq!(check_extends(Some(&prev), &prev, Some(&prev.hash)), Ok(()));
        assert_eq!(
            check_extends(Some(&prev), &cp(9, 'c'), None),
            Err(NotExtending::Shorter {
                previous: 10,
                head: 9
            })
        );
        let other: String = std::iter::repeat_n('d', 64).collect();
        assert_eq!(
            check_extends(Some(&prev), &cp(12, 'c'), Some(&other)),
            Err(NotExtending::Rewritten { seq: 10 })
        );
    }
}
