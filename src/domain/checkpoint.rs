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
    #[error("a key name must be non-empty, without spaces or '+': {0:?}")]
    BadKeyName(String),
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
    /// A verifier key under `name`.
    ///
    /// # Errors
    /// [`NoteError::BadKeyName`] when the name could not be printed as a
    /// verifier key that parses back: it is empty, or holds a `+` (which
    /// separates the key's parts) or a space (which ends the name on a
    /// signature line).
    pub fn new(name: &str, key: VerifyingKey) -> Result<VerifierKey, NoteError> {
        check_key_name(name)?;
        Ok(VerifierKey {
            name: name.to_owned(),
            key,
        })
    }
}

/// Signed notes allow any non-empty key name without `+` and without Unicode
/// spaces; control characters are refused too, since no note may hold them.
///
/// # Errors
/// [`NoteError::BadKeyName`] naming the refused name.
pub fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c == '+' || c.is_whitespace() || c.is_control())
    {
        return Err(NoteError::BadKeyName(name.to_owned()));
    }
    Ok(())
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

    /// Read from the left: a key name holds no `+`, so it ends at the first
    /// one; then come exactly 8 hex digits and a `+`; everything after that
    /// is the base64 key, whose alphabet includes `+`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (name, rest) = s.split_once('+').ok_or(NoteError::BadKey)?;
        let (id, b64) = rest.split_once('+').ok_or(NoteError::BadKey)?;
        if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(NoteError::BadKey);
        }
        let blob = B64.decode(b64).map_err(|_| NoteError::BadKey)?;
        let Some((&ALG_ED25519, raw)) = blob.split_first() else {
            return Err(NoteError::BadKey);
        };
        let raw: [u8; 32] = raw.try_into().map_err(|_| NoteError::BadKey)?;
        let key = VerifyingKey::from_bytes(&raw).map_err(|_| NoteError::BadKey)?;
        let vkey = VerifierKey::new(name, key).map_err(|_| NoteError::BadKey)?;
        if hex::encode(key_id(name, &key)) != id.to_ascii_lowercase() {
            return Err(NoteError::BadKey);
        }
        Ok(vkey)
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

/// A signed checkpoint as stored: the chain head `(seq, hash)` it covers,
/// the origin it was signed for, the note as published (cosignatures
/// included) and why and when it was taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedCheckpoint {
    pub seq: i64,
    pub hash: String,
    pub origin: String,
    pub note: String,
    pub reason: String,
    pub created_at: time::OffsetDateTime,
}

/// A signed checkpoint as the public log page shows it: its size and root,
/// and the consistency proof from the checkpoint before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointLink {
    pub size: i64,
    pub root: String,
    pub reason: String,
    pub cosignatures: usize,
    /// `(older size, proof hashes in base64)`; `None` for the first.
    pub from_previous: Option<(i64, Vec<String>)>,
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

        let vkey = VerifierKey::new(ORIGIN, key(7).verifying_key()).unwrap();
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
        let vkey = VerifierKey::new(ORIGIN, key(7).verifying_key()).unwrap();
        let forged = note.replacen("\n42\n", "\n43\n", 1);
        assert_eq!(
            open(&forged, &vkey),
            Err(NoteError::BadSignature(ORIGIN.into()))
        );
        let other = VerifierKey::new(ORIGIN, key(8).verifying_key()).unwrap();
        assert_eq!(
            open(&note, &other),
            Err(NoteError::NotSignedByKey(ORIGIN.into()))
        );
        let renamed = VerifierKey::new("elsewhere/audit", key(7).verifying_key()).unwrap();
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
        let good = VerifierKey::new(ORIGIN, key(7).verifying_key())
            .unwrap()
            .to_string();
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

    /// The verifier key and signed note given as the example of the C2SP
    /// signed-note specification ("Verifier keys", "Example").
    const SPEC_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const SPEC_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    #[test]
    fn the_specifications_example_key_parses_and_verifies_its_example_note() {
        let vkey: VerifierKey = SPEC_VKEY.parse().unwrap();
        assert_eq!(vkey.name, "example.com/foo");
        assert_eq!(hex::encode(key_id(&vkey.name, &vkey.key)), "530d903a");
        assert_eq!(
            vkey.to_string(),
            SPEC_VKEY,
            "printing gives the same text back"
        );
        // The note is not a checkpoint, so check its signature directly.
        let (text, sigs) = SPEC_NOTE.split_once("\n\n").unwrap();
        let b64 = sigs
            .trim_end()
            .strip_prefix("\u{2014} example.com/foo ")
            .unwrap();
        let blob = B64.decode(b64).unwrap();
        assert_eq!(hex::encode(&blob[..4]), "530d903a");
        let sig = Signature::from_slice(&blob[4..]).unwrap();
        vkey.key
            .verify(format!("{text}\n").as_bytes(), &sig)
            .unwrap();
        assert!(
            vkey.key
                .verify(b"This is an example message!\n", &sig)
                .is_err()
        );
        // `open` accepts the signature too and only then finds no checkpoint.
        assert_eq!(open(SPEC_NOTE, &vkey), Err(NoteError::BadBody));
    }

    /// Seeds of a key whose printed base64 holds a `+`, and of one whose
    /// base64 does not.
    fn seeds_with_and_without_plus() -> (u8, u8) {
        let base64_has_plus = |n: u8| {
            let text = VerifierKey::new(ORIGIN, key(n).verifying_key())
                .unwrap()
                .to_string();
            text.splitn(3, '+').nth(2).unwrap().contains('+')
        };
        (
            (0..=u8::MAX).find(|&n| base64_has_plus(n)).unwrap(),
            (0..=u8::MAX).find(|&n| !base64_has_plus(n)).unwrap(),
        )
    }

    #[test]
    fn keys_with_and_without_a_plus_in_their_base64_print_and_parse_back() {
        let (with, without) = seeds_with_and_without_plus();
        for n in [with, without] {
            let vkey = VerifierKey::new(ORIGIN, key(n).verifying_key()).unwrap();
            let text = vkey.to_string();
            let parsed: VerifierKey = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(parsed, vkey, "{text}");
        }
    }

    #[test]
    fn a_note_signed_by_a_key_with_a_plus_in_its_base64_verifies() {
        let (with, _) = seeds_with_and_without_plus();
        let note = sign(ORIGIN, &cp(9, 'e'), &key(with)).unwrap();
        let printed = VerifierKey::new(ORIGIN, key(with).verifying_key())
            .unwrap()
            .to_string();
        let parsed: VerifierKey = printed.parse().unwrap();
        assert_eq!(open(&note, &parsed).unwrap().checkpoint, cp(9, 'e'));
    }

    #[test]
    fn a_wrong_key_id_or_algorithm_byte_is_refused() {
        let good = VerifierKey::new(ORIGIN, key(7).verifying_key()).unwrap();
        let text = good.to_string();
        let (name, rest) = text.split_once('+').unwrap();
        let (id, b64) = rest.split_once('+').unwrap();
        let mut wrong_id = hex::decode(id).unwrap();
        wrong_id[3] ^= 1;
        let wrong = format!("{name}+{}+{b64}", hex::encode(wrong_id));
        assert_eq!(wrong.parse::<VerifierKey>(), Err(NoteError::BadKey));
        // Short, long and non-hex key ids.
        for id in ["530d903", "530d903a0", "530d903g"] {
            let bad = format!("{name}+{id}+{b64}");
            assert_eq!(bad.parse::<VerifierKey>(), Err(NoteError::BadKey), "{bad}");
        }
        // The same key material announced as another signature type (0x02,
        // ECDSA; 0x04, timestamped cosignature): not an Ed25519 note key.
        for alg in [0x00, 0x02, 0x04, 0xff] {
            let mut blob = B64.decode(b64).unwrap();
            blob[0] = alg;
            let bad = format!("{name}+{id}+{}", B64.encode(blob));
            assert_eq!(bad.parse::<VerifierKey>(), Err(NoteError::BadKey), "{alg}");
        }
        // The specification's key with its algorithm byte changed.
        let mut blob = B64.decode(SPEC_VKEY.rsplit('+').next().unwrap()).unwrap();
        blob[0] = 0x02;
        let bad = format!("example.com/foo+530d903a+{}", B64.encode(blob));
        assert_eq!(bad.parse::<VerifierKey>(), Err(NoteError::BadKey));
    }

    #[test]
    fn a_key_name_with_a_plus_or_a_space_is_refused_when_the_key_is_made() {
        let k = key(7).verifying_key();
        for name in [
            "",
            "a+b/audit",
            "a b/audit",
            "a\tb",
            "a\u{a0}b",
            "a\nb",
            "a\u{3000}b",
        ] {
            assert_eq!(
                VerifierKey::new(name, k),
                Err(NoteError::BadKeyName(name.to_owned())),
                "{name:?}"
            );
        }
        assert!(VerifierKey::new("pokmas.example.id:8080/x/audit", k).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn printing_and_parsing_any_key_round_trips(
            seed in proptest::array::uniform32(proptest::num::u8::ANY),
            name in "[a-zA-Z0-9./:_~-]{1,40}",
        ) {
            let vkey = VerifierKey::new(&name, SigningKey::from_bytes(&seed).verifying_key()).unwrap();
            let text = vkey.to_string();
            proptest::prop_assert_eq!(text.parse::<VerifierKey>(), Ok(vkey.clone()), "{}", text);
            let note = sign(&name, &cp(1, 'f'), &SigningKey::from_bytes(&seed)).unwrap();
            proptest::prop_assert_eq!(open(&note, &text.parse().unwrap()).map(|o| o.checkpoint), Ok(cp(1, 'f')));
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
