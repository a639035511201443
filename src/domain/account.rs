//! Account rules: e-mail addresses and passwords, parsed at the edge.

use std::fmt;

use uuid::Uuid;

use super::role::Role;
use super::stored_name::stored_names;

/// Where an account stands: staff are invited and activate themselves;
/// an admin deactivates and reactivates. Only an active account signs in,
/// holds API tokens or sits on a panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    /// Invited by an admin, not yet activated by its holder.
    Invited,
    /// May sign in.
    Active,
    /// Switched off by an admin; kept for the trail.
    Deactivated,
}

stored_names!(AccountStatus {
    Invited => "invited",
    Active => "active",
    Deactivated => "deactivated",
});

/// A syntactically plausible, lowercased e-mail address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why an e-mail address or password was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("e-mail address is not valid")]
    BadEmail,
    #[error("password is too short")]
    PasswordTooShort,
    #[error("password is too long")]
    PasswordTooLong,
}

impl AccountError {
    /// The message in both languages, for a refusal.
    #[must_use]
    pub fn msg(self) -> super::msg::Msg {
        use super::lang::Lang;
        super::msg::Msg::new(self.message(Lang::Id), self.message(Lang::En))
    }

    /// The message shown next to the field.
    pub fn message(self, lang: super::lang::Lang) -> &'static str {
        match self {
            AccountError::BadEmail => lang.pick(
                "Alamat e-mail tidak valid. Contoh: nama@contoh.id",
                "This e-mail address is not valid. Example: name@example.id",
            ),
            AccountError::PasswordTooShort => lang.pick(
                "Kata sandi minimal 10 karakter.",
                "The password must be at least 10 characters.",
            ),
            AccountError::PasswordTooLong => lang.pick(
                "Kata sandi maksimal 128 karakter.",
                "The password must be at most 128 characters.",
            ),
        }
    }
}

impl Email {
    /// Trims and lowercases; requires one `@`, a non-empty local part and a
    /// dotted domain, no spaces, at most 254 characters. Deliverability is
    /// proven by the verification link, not by this check.
    ///
    /// # Errors
    /// `AccountError::BadEmail` for anything else.
    pub fn parse(s: &str) -> Result<Email, AccountError> {
        let s = s.trim().to_lowercase();
        let ok = s.len() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && match s.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains("..")
                }
                None => false,
            };
        if ok {
            Ok(Email(s))
        } else {
            Err(AccountError::BadEmail)
        }
    }

    /// The address as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Minimum password length in characters (NIST SP 800-63B asks for at least 8).
pub const PASSWORD_MIN: usize = 10;
/// Maximum password length, so hashing cost stays bounded.
pub const PASSWORD_MAX: usize = 128;

/// Checks a new password against the length policy.
///
/// # Errors
/// Too short or too long.
pub fn check_new_password(pw: &str) -> Result<(), AccountError> {
    let n = pw.chars().count();
    if n < PASSWORD_MIN {
        Err(AccountError::PasswordTooShort)
    } else if n > PASSWORD_MAX {
        Err(AccountError::PasswordTooLong)
    } else {
        Ok(())
    }
}

/// A staff account as the admin's list shows it.
#[derive(Clone, Debug)]
pub struct StaffRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub status: AccountStatus,
    pub scopes: Vec<String>,
}

/// What the panelist's form shows about the stored data.
#[derive(Clone, Debug, Default)]
pub struct ConflictSummary {
    pub kelurahan_code: Option<String>,
    pub rt_number: Option<i32>,
    pub family_card_recorded: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_bad_ones_refused() {
        assert_eq!(
            Email::parse("  Siti@Contoh.ID ").map(|e| e.0),
            Ok("siti@contoh.id".into())
        );
        for bad in [
            "",
            "siti",
            "siti@",
            "@contoh.id",
            "siti@contoh",
            "si ti@contoh.id",
            "a@b@c.id",
            "a@.id",
            "a@b..id",
        ] {
            assert_eq!(Email::parse(bad), Err(AccountError::BadEmail), "{bad}");
        }
    }

    #[test]
    fn password_length_is_counted_in_characters() {
        assert_eq!(
            check_new_password("123456789"),
            Err(AccountError::PasswordTooShort)
        );
        assert_eq!(check_new_password("ééééééééé é"), Ok(()));
        assert_eq!(
            check_new_password(&"x".repeat(129)),
            Err(AccountError::PasswordTooLong)
        );
    }
}
