//! Binds a form's CSRF token to the signed-in session.
//!
//! The CSRF cookie and its form token (`axum_csrf`, a double-submit pair)
//! prove that the form came from this site, but not for whom: someone able
//! to plant their own CSRF cookie in a victim's browser (a sibling subdomain,
//! a network that rewrites plain HTTP) could submit their own valid pair
//! with the victim's session. So a signed-in session holds a random binding
//! secret, and the form token carries `.` and an HMAC of it; a token made for
//! another session (or for no session) is refused with that session.
//! Anonymous forms (log in, register, status check) are bound to "no
//! session", so a token from a signed-in page cannot be replayed anonymously
//! either.

use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;
use tower_sessions::Session;

use super::{SESSION_ACCOUNT, SessionAccount};

/// Session key of the binding secret.
const SESSION_CSRF: &str = "csrf_binding";

/// What a form token is bound to: a signed-in session's secret, or none.
#[derive(Clone, Debug, Default)]
pub struct Binding(Option<String>);

impl Binding {
    /// The binding of the request's session: its secret when signed in
    /// (created on first use and saved with the session), none otherwise.
    pub async fn of(session: Option<&Session>) -> Binding {
        let Some(session) = session else {
            return Binding(None);
        };
        let signed_in = session
            .get::<SessionAccount>(SESSION_ACCOUNT)
            .await
            .ok()
            .flatten()
            .is_some();
        if !signed_in {
            return Binding(None);
        }
        if let Ok(Some(secret)) = session.get::<String>(SESSION_CSRF).await {
            return Binding(Some(secret));
        }
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = hex::encode(bytes);
        if let Err(e) = session.insert(SESSION_CSRF, &secret).await {
            tracing::warn!(error = %e, "csrf binding not stored");
        }
        Binding(Some(secret))
    }

    fn mac(&self, key: &[u8; 32]) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
        match &self.0 {
            Some(secret) => {
                mac.update(b"session:");
                mac.update(secret.as_bytes());
            }
            None => mac.update(b"anonymous"),
        }
        mac
    }

    /// `token` with this binding's MAC appended, for a form's hidden field.
    #[must_use]
    pub fn seal(&self, key: &[u8; 32], token: &str) -> String {
        let tag = self.mac(key).finalize().into_bytes();
        format!("{token}.{}", hex::encode(tag))
    }

    /// The token inside `submitted` when its MAC matches this binding
    /// (compared in constant time), `None` otherwise.
    #[must_use]
    pub fn open<'a>(&self, key: &[u8; 32], submitted: &'a str) -> Option<&'a str> {
        let (token, tag) = submitted.rsplit_once('.')?;
        let tag = hex::decode(tag).ok()?;
        self.mac(key).verify_slice(&tag).ok()?;
        Some(token)
    }
}

#[cfg(test)]
mod tests {
    use super::Binding;

    #[test]
    fn a_token_opens_only_with_the_binding_it_was_sealed_with() {
        let key = [7u8; 32];
        let victim = Binding(Some("a".repeat(64)));
        let attacker = Binding(Some("b".repeat(64)));
        let anonymous = Binding(None);
        let sealed = attacker.seal(&key, "dG9rZW4=");
        assert_eq!(attacker.open(&key, &sealed), Some("dG9rZW4="));
        assert_eq!(victim.open(&key, &sealed), None);
        assert_eq!(anonymous.open(&key, &sealed), None);
        assert_eq!(victim.open(&[8u8; 32], &victim.seal(&key, "x")), None);
        assert_eq!(anonymous.open(&key, "dG9rZW4="), None, "an unbound token");
    }
}
