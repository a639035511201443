//! Personal API tokens: their shape, what is stored of them, and when one
//! still opens the API.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::role::Role;

/// Every token starts with this, so a leaked one is recognisable in logs and
/// by secret scanners.
pub const PREFIX: &str = "pkm_";

/// The lifetimes a person may choose, in days (the form's choices).
pub const LIFETIMES_DAYS: &[i64] = &[7, 30, 90, 365];

/// At most this many usable tokens per account.
pub const MAX_ACTIVE: usize = 10;

/// Longest label.
pub const MAX_LABEL: usize = 60;

/// A new token: 32 random bytes from the operating system's generator.
/// Returns the text shown once and the hash to store.
#[must_use]
pub fn generate() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash(&token);
    (token, hash)
}

/// SHA-256 (hex) of a token as sent. A token has 256 bits of entropy, so a
/// fast hash is enough: nothing can be guessed from it.
#[must_use]
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `raw` has the shape of one of our tokens (checked before any
/// database read).
#[must_use]
pub fn well_formed(raw: &str) -> bool {
    raw.strip_prefix(PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// The lifetime chosen on the form, when it is one of [`LIFETIMES_DAYS`].
#[must_use]
pub fn lifetime(days: &str) -> Option<Duration> {
    let days: i64 = days.trim().parse().ok()?;
    LIFETIMES_DAYS.contains(&days).then(|| Duration::days(days))
}

/// Where a stored token stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenState {
    /// Opens the API as its account.
    Active,
    /// Past its expiry.
    Expired,
    /// Revoked by its owner.
    Revoked,
    /// The account's role is no longer the one the token was made for.
    RoleChanged,
}

impl TokenState {
    /// The state of a token made for `token_role` that expires at
    /// `expires_at`, for an account whose role is now `account_role`.
    #[must_use]
    pub fn of(
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
        revoked: bool,
        token_role: Role,
        account_role: Role,
    ) -> TokenState {
        if revoked {
            TokenState::Revoked
        } else if expires_at <= now {
            TokenState::Expired
        } else if token_role != account_role {
            TokenState::RoleChanged
        } else {
            TokenState::Active
        }
    }
}

/// A token as its owner sees it in the list (never the token itself).
#[derive(Clone, Debug)]
pub struct TokenRow {
    pub id: Uuid,
    pub label: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub state: TokenState,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_only_their_hash_is_kept() {
        let (a, ha) = generate();
        let (b, hb) = generate();
        assert_ne!(a, b);
        assert!(well_formed(&a), "{a}");
        assert_eq!(ha.len(), 64);
        assert_ne!(ha, hb);
        assert_eq!(hash(&a), ha);
        assert!(!well_formed("pkm_short"));
        assert!(!well_formed(&a.replacen(PREFIX, "xyz_", 1)));
        assert!(!well_formed(&format!("{a} ")));
    }

    #[test]
    fn only_listed_lifetimes_are_accepted() {
        assert_eq!(lifetime("90"), Some(Duration::days(90)));
        assert_eq!(lifetime("0"), None);
        assert_eq!(lifetime("100000"), None);
        assert_eq!(lifetime("x"), None);
    }

    #[test]
    fn a_token_opens_the_api_until_expired_revoked_or_the_role_changes() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
        let later = now + Duration::days(1);
        let of = |exp, rev, role| TokenState::of(now, exp, rev, Role::Panelist, role);
        assert_eq!(of(later, false, Role::Panelist), TokenState::Active);
        assert_eq!(of(now, false, Role::Panelist), TokenState::Expired);
        assert_eq!(of(later, true, Role::Panelist), TokenState::Revoked);
        assert_eq!(of(later, false, Role::Admin), TokenState::RoleChanged);
    }
}
