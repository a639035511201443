//! Commit–reveal lottery seed and per-application lottery keys.
//!
//! Every function here is a plain SHA-256 over UTF-8 text, rendered as
//! lowercase hex, so an auditor can re-derive every value with any tool, e.g.
//! `python3 -c 'import hashlib; print(hashlib.sha256(b"...").hexdigest())'`.

use sha2::{Digest, Sha256};
use thiserror::Error;

/// Fewest characters a witness secret may have: short secrets could be guessed
/// from their published commitment before the reveal.
pub const SECRET_MIN_CHARS: usize = 16;
/// Most characters a witness secret may have (it is published after the reveal).
pub const SECRET_MAX_CHARS: usize = 200;

/// Lowercase hex SHA-256 of the UTF-8 bytes of `text`.
#[must_use]
pub fn sha256_hex(text: &str) -> String {
    lower_hex(&Sha256::digest(text.as_bytes()))
}

/// A lottery witness's secret, checked so that everybody can re-type it and
/// hash it to the same bytes.
///
/// Only visible ASCII (`!`..=`~`) without `:` is allowed: no Unicode (NFC/NFD
/// forms of the same text hash differently), no spaces (lost in copy/paste),
/// and no `:`, the separator in [`derive_seed`], so that the concatenation of
/// the secrets is unambiguous.
#[derive(Clone, PartialEq, Eq)]
pub struct WitnessSecret(String);

impl WitnessSecret {
    /// Checks a secret as typed by a witness.
    ///
    /// # Errors
    /// [`LotteryError::SecretLength`] outside
    /// [`SECRET_MIN_CHARS`]..=[`SECRET_MAX_CHARS`] characters,
    /// [`LotteryError::SecretCharacter`] for anything but visible ASCII other
    /// than `:`.
    pub fn parse(secret: &str) -> Result<Self, LotteryError> {
        if let Some(bad) = secret.chars().find(|c| !c.is_ascii_graphic() || *c == ':') {
            return Err(LotteryError::SecretCharacter(bad));
        }
        // All characters are ASCII here, so bytes == characters.
        let len = secret.len();
        if !(SECRET_MIN_CHARS..=SECRET_MAX_CHARS).contains(&len) {
            return Err(LotteryError::SecretLength(len));
        }
        Ok(Self(secret.to_owned()))
    }

    /// The secret text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WitnessSecret {
    // Secrets are revealed on purpose, but never by accident through a log line
    // before the reveal.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WitnessSecret(..)")
    }
}

/// Why a lottery input was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LotteryError {
    /// The secret is too short or too long (the value is its length).
    #[error("the secret must have {SECRET_MIN_CHARS} to {SECRET_MAX_CHARS} characters, it has {0}")]
    SecretLength(usize),
    /// The secret contains a character other than visible ASCII, or a `:`.
    #[error("the secret may only contain visible ASCII characters other than ':', found {0:?}")]
    SecretCharacter(char),
    /// A hash argument is not 64 lowercase hex digits.
    #[error("a hash must be 64 lowercase hex digits")]
    MalformedHash,
}

/// The commitment a witness publishes before registration closes:
/// `sha256_hex(secret)`.
#[must_use]
pub fn commit_hash(secret: &WitnessSecret) -> String {
    sha256_hex(secret.as_str())
}

/// Whether `secret` is the one committed to by `commit` (64 hex digits; upper
/// case is accepted because people copy hashes from many tools).
#[must_use]
pub fn verify_reveal(commit: &str, secret: &WitnessSecret) -> bool {
    commit.len() == 64 && commit.eq_ignore_ascii_case(&commit_hash(secret))
}

/// The lottery seed of a round:
/// `sha256_hex(close_hash + ":" + secret_1 + ":" + … + ":" + secret_k)` with the
/// secrets in commit order, or `close_hash` itself when there is no witness.
///
/// # Errors
/// [`LotteryError::MalformedHash`] when `close_hash` is not 64 lowercase hex
/// digits (the audit chain only produces such hashes; anything else is a bug
/// or a typo that would silently change every lottery key).
pub fn derive_seed(
    close_hash: &str,
    secrets_in_commit_order: &[WitnessSecret],
) -> Result<String, LotteryError> {
    if !is_lower_hex_64(close_hash) {
        return Err(LotteryError::MalformedHash);
    }
    if secrets_in_commit_order.is_empty() {
        return Ok(close_hash.to_owned());
    }
    let mut text =
        String::with_capacity(64 + secrets_in_commit_order.len() * (SECRET_MAX_CHARS + 1));
    text.push_str(close_hash);
    for secret in secrets_in_commit_order {
        text.push(':');
        text.push_str(secret.as_str());
    }
    Ok(sha256_hex(&text))
}

/// The lottery key of one application, the last tie-break (ascending):
/// `sha256_hex(seed + ":" + registration_no)`.
#[must_use]
pub fn lottery_key(seed: &str, registration_no: &str) -> String {
    LotteryKeys::new(seed).key(registration_no)
}

/// Lottery keys for many applications under one seed: the hash state after
/// `seed + ":"` is computed once, so each key costs one short hash.
#[derive(Clone)]
pub struct LotteryKeys {
    prefix: Sha256,
}

impl LotteryKeys {
    /// Prepares keys for `seed`.
    #[must_use]
    pub fn new(seed: &str) -> Self {
        let mut prefix = Sha256::new();
        prefix.update(seed.as_bytes());
        prefix.update(b":");
        Self { prefix }
    }

    /// The raw digest. Comparing digests byte by byte orders them exactly as
    /// their lowercase hex strings, so ranking compares these.
    #[must_use]
    pub fn key_bytes(&self, registration_no: &str) -> [u8; 32] {
        let mut hasher = self.prefix.clone();
        hasher.update(registration_no.as_bytes());
        hasher.finalize().into()
    }

    /// The key as lowercase hex, as published.
    #[must_use]
    pub fn key(&self, registration_no: &str) -> String {
        lower_hex(&self.key_bytes(registration_no))
    }
}

/// Lowercase hex of `bytes` (what `hex::encode` does, without its per-char
/// iterator, which showed up when ranking 10,000 applications).
#[must_use]
pub fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = vec![0u8; bytes.len() * 2];
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0x0f)];
    }
    // Only ASCII hex digits were pushed, so this never falls back.
    String::from_utf8(out).unwrap_or_default()
}

fn is_lower_hex_64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors computed independently with Python's hashlib, e.g.
    // python3 -c 'import hashlib;print(hashlib.sha256(b"correct-horse-battery-staple").hexdigest())'
    const S1: &str = "correct-horse-battery-staple";
    const S1_COMMIT: &str = "87cbebfeebc05f7c54ac9336c4b4bbec831227a641951a4bde7edd56020f8590";
    const S2: &str = "witness-two-secret-XYZ-2023";
    const S2_COMMIT: &str = "9a3171552fbaaec96a2aeabbfb734e23bdad9ddb002b5b126cd927c79cdea68d";
    /// sha256("close event")
    const CLOSE: &str = "5f42a8a760f8f69996e9e9fdfdf2a6ae466d77b08654f6e021e63834ac272663";
    /// sha256(CLOSE + ":" + S1)
    const SEED_1: &str = "90294a4e22f8945a1bcff15169fdb908bbc788462687b29f1c7422abbd0a949d";
    /// sha256(CLOSE + ":" + S1 + ":" + S2)
    const SEED_12: &str = "80634014e00ee61be0d5975819a9f7324f8c198b59b87ad5a8f1f11c4d2416da";
    /// sha256(CLOSE + ":" + S2 + ":" + S1)
    const SEED_21: &str = "006be81ada73b6f0a84f1b2d3744c5c8217bc439d9cc6bdf315cd32e6aeeed9b";

    fn secret(s: &str) -> WitnessSecret {
        WitnessSecret::parse(s).unwrap()
    }

    #[test]
    fn commit_hash_matches_independent_sha256() {
        assert_eq!(commit_hash(&secret(S1)), S1_COMMIT);
        assert_eq!(commit_hash(&secret(S2)), S2_COMMIT);
        assert_eq!(sha256_hex("close event"), CLOSE);
    }

    #[test]
    fn reveal_verifies_only_against_its_own_commit() {
        assert!(verify_reveal(S1_COMMIT, &secret(S1)));
        assert!(verify_reveal(&S1_COMMIT.to_uppercase(), &secret(S1)));
        assert!(!verify_reveal(S2_COMMIT, &secret(S1)));
        assert!(!verify_reveal("", &secret(S1)));
        assert!(!verify_reveal(&S1_COMMIT[..63], &secret(S1)));
    }

    #[test]
    fn seed_is_close_hash_without_witness() {
        assert_eq!(derive_seed(CLOSE, &[]).unwrap(), CLOSE);
    }

    #[test]
    fn seed_chains_secrets_in_commit_order() {
        assert_eq!(derive_seed(CLOSE, &[secret(S1)]).unwrap(), SEED_1);
        assert_eq!(
            derive_seed(CLOSE, &[secret(S1), secret(S2)]).unwrap(),
            SEED_12
        );
        assert_eq!(
            derive_seed(CLOSE, &[secret(S2), secret(S1)]).unwrap(),
            SEED_21
        );
    }

    #[test]
    fn seed_refuses_a_malformed_close_hash() {
        assert_eq!(derive_seed("abc", &[]), Err(LotteryError::MalformedHash));
        assert_eq!(
            derive_seed(&CLOSE.to_uppercase(), &[]),
            Err(LotteryError::MalformedHash)
        );
    }

    #[test]
    fn lottery_key_matches_independent_sha256() {
        // python3: hashlib.sha256(b"seed-abc:2023-0001").hexdigest()
        assert_eq!(
            lottery_key("seed-abc", "2023-0001"),
            "a2f281a54f0c53c9b8e13438ea92cfb25dc04200bd1ed5683949a4324c5b02ad"
        );
        assert_eq!(
            lottery_key("seed-abc", "2023-0001"),
            sha256_hex("seed-abc:2023-0001")
        );
        let keys = LotteryKeys::new("seed-abc");
        assert_eq!(keys.key("2023-0001"), lottery_key("seed-abc", "2023-0001"));
        // A seed longer than one SHA-256 block exercises the saved state.
        let long = "x".repeat(150);
        assert_eq!(
            LotteryKeys::new(&long).key("R1"),
            sha256_hex(&format!("{long}:R1"))
        );
    }

    #[test]
    fn lower_hex_matches_the_hex_crate() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(lower_hex(&bytes), hex::encode(&bytes));
    }

    proptest::proptest! {
        #[test]
        fn byte_order_of_keys_is_hex_order(a in ".{0,20}", b in ".{0,20}") {
            let keys = LotteryKeys::new("seed");
            let (ka, kb) = (keys.key_bytes(&a), keys.key_bytes(&b));
            proptest::prop_assert_eq!(ka.cmp(&kb), lower_hex(&ka).cmp(&lower_hex(&kb)));
        }
    }

    #[test]
    fn secrets_are_checked() {
        assert_eq!(
            WitnessSecret::parse("short"),
            Err(LotteryError::SecretLength(5))
        );
        assert!(WitnessSecret::parse(&"a".repeat(16)).is_ok());
        assert!(WitnessSecret::parse(&"a".repeat(200)).is_ok());
        assert_eq!(
            WitnessSecret::parse(&"a".repeat(201)),
            Err(LotteryError::SecretLength(201))
        );
        assert_eq!(
            WitnessSecret::parse("has a space inside"),
            Err(LotteryError::SecretCharacter(' '))
        );
        assert_eq!(
            WitnessSecret::parse("colon:is:the:separator"),
            Err(LotteryError::SecretCharacter(':'))
        );
        assert_eq!(
            WitnessSecret::parse("rahasia-saksi-ñandú"),
            Err(LotteryError::SecretCharacter('ñ'))
        );
        assert_eq!(format!("{:?}", secret(S1)), "WitnessSecret(..)");
    }
}
