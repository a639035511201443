//! Masking of personal data for operators and auditors.
//!
//! Every function is total: malformed input is masked entirely rather than
//! shown, because "malformed" data is exactly what ends up in places nobody
//! checked.

/// How many leading NIK digits stay visible: province, regency and kecamatan,
/// which an operator needs and which identify nobody.
const NIK_VISIBLE: usize = 6;
const NIK_LEN: usize = 16;

/// Masks a NIK as its first six digits and ten `*`: `647201**********`.
///
/// Anything that is not exactly 16 ASCII digits (after trimming whitespace) is
/// returned as 16 `*`, so a malformed or truncated value never reveals more
/// than a valid one would.
#[must_use]
pub fn mask_nik(nik: &str) -> String {
    let nik = nik.trim();
    let mut out = String::with_capacity(NIK_LEN);
    if nik.len() == NIK_LEN && nik.bytes().all(|b| b.is_ascii_digit()) {
        out.push_str(&nik[..NIK_VISIBLE]);
        out.extend(std::iter::repeat_n('*', NIK_LEN - NIK_VISIBLE));
    } else {
        out.extend(std::iter::repeat_n('*', NIK_LEN));
    }
    out
}

/// Masks a phone number, keeping only its last three digits, e.g.
/// `081234567890` → `*********890`.
///
/// Separators (spaces, `-`, `+`, parentheses) are dropped first. Numbers with
/// fewer than 8 digits, or with anything but digits and separators, become
/// `********`.
#[must_use]
pub fn mask_phone(phone: &str) -> String {
    const VISIBLE: usize = 3;
    const MIN_DIGITS: usize = 8;
    let mut digits = String::with_capacity(phone.len());
    for c in phone.trim().chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '+' | '(' | ')' | '.' => {}
            _ => return "*".repeat(MIN_DIGITS),
        }
    }
    if digits.len() < MIN_DIGITS {
        return "*".repeat(MIN_DIGITS);
    }
    let hidden = digits.len() - VISIBLE;
    let mut out = "*".repeat(hidden);
    out.push_str(&digits[hidden..]);
    out
}

/// Masks an e-mail address as its first character, `***` and the domain:
/// `budi.santoso@example.id` → `b***@example.id`.
///
/// The number of stars is fixed so the length of the local part is not
/// revealed. Input without exactly one `@` with text on both sides becomes
/// `***`.
#[must_use]
pub fn mask_email(email: &str) -> String {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else {
        return "***".to_owned();
    };
    let Some(first) = local.chars().next() else {
        return "***".to_owned();
    };
    if domain.is_empty() || domain.contains('@') {
        return "***".to_owned();
    }
    let mut out = String::with_capacity(first.len_utf8() + 4 + domain.len());
    out.push(first);
    out.push_str("***@");
    out.push_str(domain);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nik_keeps_region_digits_only() {
        assert_eq!(mask_nik("6472011505900001"), "647201**********");
        assert_eq!(mask_nik("  6472011505900001 "), "647201**********");
    }

    #[test]
    fn malformed_nik_is_fully_masked() {
        for bad in [
            "",
            "6472",
            "647201",
            "647201150590000",
            "64720115059000011",
            "64720115059000O1",
            "ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ",
        ] {
            assert_eq!(mask_nik(bad), "****************", "input {bad:?}");
        }
    }

    #[test]
    fn phone_keeps_last_three_digits() {
        assert_eq!(mask_phone("081234567890"), "*********890");
        assert_eq!(mask_phone("+62 812-3456-7890"), "**********890");
        assert_eq!(mask_phone("12345"), "********");
        assert_eq!(mask_phone("0812 call me"), "********");
    }

    #[test]
    fn email_keeps_first_char_and_domain() {
        assert_eq!(mask_email("budi.santoso@example.id"), "b***@example.id");
        assert_eq!(mask_email("ö@example.id"), "ö***@example.id");
        for bad in ["", "budi", "@example.id", "budi@", "a@b@c"] {
            assert_eq!(mask_email(bad), "***", "input {bad:?}");
        }
    }

    proptest! {
        #[test]
        fn nik_mask_never_reveals_more_than_six_chars(s in ".{0,40}") {
            let masked = mask_nik(&s);
            prop_assert_eq!(masked.chars().count(), 16);
            prop_assert!(masked.chars().skip(6).all(|c| c == '*'));
        }

        #[test]
        fn phone_mask_reveals_at_most_three_digits(s in "[0-9 +()-]{0,20}") {
            let masked = mask_phone(&s);
            prop_assert!(masked.chars().filter(|c| *c != '*').count() <= 3);
        }
    }
}
